#ifndef COFFER_CORE_KEYS_CIPHERTEXT_BLOB_H_
#define COFFER_CORE_KEYS_CIPHERTEXT_BLOB_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/uuid.h"

namespace coffer::keys {

using EncryptionContext = std::map<std::string, std::string>;

// The CiphertextBlob of a symmetric KMS Encrypt/GenerateDataKey: it names the key and the material
// version that made it, so Decrypt needs no KeyId and old material keeps decrypting after rotation.
//
//   0      1..16    17..20 (BE)        21..32   33..
//   0x01 | key id | material version | nonce  | AES-256-GCM ciphertext || tag
//
// The AAD binds the header and the canonical encryption context (see ContextAad).
struct CiphertextBlob {
  static constexpr uint8_t kFormat = 1;
  static constexpr size_t kHeaderSize = 1 + 16 + 4 + 12;

  UuidBytes key_id{};
  uint32_t material_version = 0;
  std::string nonce;               // 12 bytes
  std::string ciphertext_and_tag;  // >= 16 bytes

  std::string Serialize() const;
  std::string Header() const;
  // kInvalidArgument (reason INVALID_CIPHERTEXT) for anything that is not a well-formed blob.
  static Result<CiphertextBlob> Parse(std::string_view blob);
};

// A canonical, injective serialisation of an encryption context: sorted keys, length-prefixed.
std::string CanonicalContext(const EncryptionContext& context);
// The AAD of a symmetric blob: domain tag, header, canonical context.
std::string ContextAad(std::string_view header, const EncryptionContext& context);

}  // namespace coffer::keys

#endif  // COFFER_CORE_KEYS_CIPHERTEXT_BLOB_H_
