#ifndef COFFER_GRPC_KMS_PLUGIN_TESTING_FAKE_KMS_H_
#define COFFER_GRPC_KMS_PLUGIN_TESTING_FAKE_KMS_H_

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/uuid.h"
#include "core/keys/ciphertext_blob.h"
#include "grpc/kms_plugin/kms.h"

namespace coffer::kmsplugin::testing {

// An in-memory Kms with one key that makes real Coffer ciphertext blobs (the "encryption" is a
// XOR: this tests the plugin, not cryptography). Its material version can be rotated and it can
// be made unavailable or disabled. Thread-safe.
class FakeKms final : public Kms {
 public:
  static constexpr UuidBytes kKeyUuid = {0x0b, 0x6e, 0x11, 0x22, 0x33, 0x44, 0x45, 0x55,
                                         0x86, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0x9f};

  std::string key_arn() const {
    return "arn:aws:kms:us-east-1:123456789012:key/" + FormatUuid(kKeyUuid);
  }
  void Rotate() { ++version_; }
  uint32_t version() const { return version_; }
  void SetFailure(std::optional<Error> e) {
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = std::move(e);
  }
  int encrypts() const { return encrypts_; }
  int decrypts() const { return decrypts_; }
  EncryptionContext last_context() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_context_;
  }

  Result<KmsCiphertext> Encrypt(std::string_view key_ref, std::string_view plaintext,
                                const EncryptionContext& context,
                                std::chrono::milliseconds) override {
    ++encrypts_;
    std::lock_guard<std::mutex> lock(mu_);
    last_context_ = context;
    if (failure_) return *failure_;
    if (key_ref != "alias/k8s" && key_ref != key_arn()) return NotFoundError("no such key");
    keys::CiphertextBlob blob;
    blob.key_id = kKeyUuid;
    blob.material_version = version_;
    blob.nonce = std::string(12, 'n');
    blob.ciphertext_and_tag = Xor(plaintext, version_) + Tag(context);
    return KmsCiphertext{blob.Serialize(), key_arn()};
  }

  Result<KmsPlaintext> Decrypt(std::string_view key_ref, std::string_view blob,
                               const EncryptionContext& context,
                               std::chrono::milliseconds) override {
    ++decrypts_;
    std::lock_guard<std::mutex> lock(mu_);
    last_context_ = context;
    if (failure_) return *failure_;
    auto parsed = keys::CiphertextBlob::Parse(blob);
    if (!parsed.has_value()) return InvalidArgumentError("InvalidCiphertextException");
    if (key_ref != key_arn() || parsed->key_id != kKeyUuid) {
      return InvalidArgumentError("IncorrectKeyException");
    }
    std::string tag = Tag(context);
    const std::string& ct = parsed->ciphertext_and_tag;
    if (ct.size() < tag.size() || ct.substr(ct.size() - tag.size()) != tag ||
        parsed->material_version > version_) {
      return InvalidArgumentError("InvalidCiphertextException");
    }
    std::string plain = Xor(ct.substr(0, ct.size() - tag.size()), parsed->material_version);
    return KmsPlaintext{SecretBytes::TakeFrom(plain), key_arn()};
  }

 private:
  static std::string Xor(std::string_view in, uint32_t version) {
    std::string out(in);
    for (char& c : out) c = static_cast<char>(c ^ static_cast<char>(0x5a + version));
    return out;
  }
  // Stands in for the GCM tag: binds the context, 16 bytes or more.
  static std::string Tag(const EncryptionContext& context) {
    std::string t = "tag:" + keys::CanonicalContext(context);
    if (t.size() < 16) t.resize(16, '.');
    return t;
  }

  std::atomic<uint32_t> version_{1};
  std::atomic<int> encrypts_{0};
  std::atomic<int> decrypts_{0};
  mutable std::mutex mu_;
  std::optional<Error> failure_;
  EncryptionContext last_context_;
};

}  // namespace coffer::kmsplugin::testing

#endif  // COFFER_GRPC_KMS_PLUGIN_TESTING_FAKE_KMS_H_
