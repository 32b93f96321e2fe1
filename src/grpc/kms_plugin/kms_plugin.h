#ifndef COFFER_GRPC_KMS_PLUGIN_KMS_PLUGIN_H_
#define COFFER_GRPC_KMS_PLUGIN_KMS_PLUGIN_H_

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret_bytes.h"
#include "base/thread_annotations.h"
#include "grpc/kms_plugin/key_id.h"
#include "grpc/kms_plugin/kms.h"

namespace coffer::kmsplugin {

// The limits kube-apiserver enforces on what a KMS v2 plugin returns (and sends back).
inline constexpr size_t kMaxKeyIdBytes = 1024;
inline constexpr size_t kMaxCiphertextBytes = 1024;
inline constexpr size_t kMaxAnnotationsBytes = size_t{32} * 1024;
// The apiserver encrypts a 32-byte seed; anything up to 512 bytes is accepted, which keeps the
// ciphertext (plaintext + 49 bytes of Coffer blob) under the 1 KiB limit.
inline constexpr size_t kMaxPlaintextBytes = 512;

// The encryption context every seed is bound to (AAD of Coffer's KMS): a ciphertext made for
// another purpose with the same key does not decrypt here, nor ours elsewhere. Never change it:
// etcd holds ciphertexts made with it.
inline constexpr std::string_view kContextKey = "coffer:purpose";
inline constexpr std::string_view kContextValue = "kubernetes-kms-v2";

struct StatusReply {
  std::string version;  // "v2"
  std::string healthz;  // "ok", or why not
  std::string key_id;   // the current key_id; the last known one (or "") while unhealthy
};

struct EncryptReply {
  std::string ciphertext;
  std::string key_id;
  std::map<std::string, std::string> annotations;  // FQDN keys; none today
};

struct DecryptInput {
  std::string_view ciphertext;
  std::string_view key_id;
  const std::map<std::string, std::string>* annotations = nullptr;
  std::string_view uid;
};

// The KMS v2 plugin, transport-free: what Status, Encrypt and Decrypt answer, over a Kms (Coffer
// reached over HTTP). The gRPC service (KmsV2Service) is a thin adapter over it.
//
// Status probes the key with an Encrypt and a Decrypt of a fixed value and derives key_id from
// the blob Coffer returns (KeyId); the result is reused for `healthy_ttl` (`unhealthy_ttl` after
// a failure), one probe at a time. Encrypt and Decrypt call KMS directly; an Encrypt that sees a
// new key_id, or any call that finds KMS unavailable, updates or invalidates the cached status.
//
// Thread-safe. Every method returns within `timeout` (plus the time to build an answer).
class KmsPlugin {
 public:
  struct Options {
    std::string key;  // key id, key ARN, alias name or alias ARN (--key)
    std::chrono::milliseconds timeout{2500};
    std::chrono::milliseconds healthy_ttl{10'000};
    std::chrono::milliseconds unhealthy_ttl{1'000};
  };
  // `kms` and `clock` must outlive the plugin.
  KmsPlugin(Kms& kms, Options options, const Clock& clock);

  // Never fails: an unhealthy plugin says why in healthz. `budget` further bounds the call
  // (the caller's deadline).
  StatusReply Status(std::chrono::milliseconds budget);

  // Errors: kInvalidArgument (empty or larger than 512 bytes), the Kms errors, kInternal when
  // KMS answered something unusable (e.g. a ciphertext over 1 KiB).
  Result<EncryptReply> Encrypt(std::string_view plaintext, std::string_view uid,
                               std::chrono::milliseconds budget);

  // Errors: kInvalidArgument (ciphertext or key_id empty or over 1 KiB, a key_id this plugin
  // does not issue, a ciphertext that is not key_id's, annotations over the limits, or KMS
  // refusing the ciphertext), the Kms errors.
  Result<SecretBytes> Decrypt(const DecryptInput& input, std::chrono::milliseconds budget);

  const Options& options() const { return options_; }

 private:
  struct Cached {
    StatusReply reply;
    bool healthy = false;
    Timestamp checked;
  };
  // One Encrypt + Decrypt round trip of the probe value.
  StatusReply Probe(std::chrono::milliseconds timeout);
  // Remembers the key_id an Encrypt returned, or that KMS is unavailable.
  void Observe(const Result<KeyId>& key_id);
  void MarkUnavailable(const Error& error);

  Kms& kms_;
  const Options options_;
  const Clock& clock_;
  const EncryptionContext context_;

  std::mutex mu_;
  std::condition_variable probe_done_;
  std::optional<Cached> cached_ COFFER_GUARDED_BY(mu_);
  bool probing_ COFFER_GUARDED_BY(mu_) = false;
  std::string last_key_id_ COFFER_GUARDED_BY(mu_);
};

// True when `s` is a fully qualified domain name as the apiserver checks annotation keys: at most
// 253 bytes, at least two dot-separated RFC 1123 labels (lower-case letters, digits, '-', not at
// either end, at most 63 bytes each).
bool IsFullyQualifiedDomainName(std::string_view s);

}  // namespace coffer::kmsplugin

#endif  // COFFER_GRPC_KMS_PLUGIN_KMS_PLUGIN_H_
