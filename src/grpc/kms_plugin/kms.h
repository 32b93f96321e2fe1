#ifndef COFFER_GRPC_KMS_PLUGIN_KMS_H_
#define COFFER_GRPC_KMS_PLUGIN_KMS_H_

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "core/keys/ciphertext_blob.h"

namespace coffer::kmsplugin {

using keys::EncryptionContext;

// What KMS Encrypt answered: the CiphertextBlob and the ARN of the key that made it.
struct KmsCiphertext {
  std::string blob;
  std::string key_arn;
};

// What KMS Decrypt answered.
struct KmsPlaintext {
  SecretBytes plaintext;
  std::string key_arn;
};

// The symmetric half of the AWS KMS API that the plugin needs (Coffer's KMS, reached over HTTP in
// production; a fake in tests). Implementations are thread-safe.
//
// Errors carry canonical codes the plugin passes on to gRPC:
//   kUnavailable        KMS cannot be reached, answered 502/503/504, or `timeout` passed
//   kNotFound           the key does not exist
//   kFailedPrecondition the key is disabled or pending deletion
//   kInvalidArgument    the ciphertext is not one of this key's, or the request was refused
//   kPermissionDenied / kUnauthenticated   the credentials were refused
//   kResourceExhausted  throttled
class Kms {
 public:
  virtual ~Kms() = default;
  // Encrypts `plaintext` under `key_ref` (key id, key ARN, alias name or alias ARN).
  virtual Result<KmsCiphertext> Encrypt(std::string_view key_ref, std::string_view plaintext,
                                        const EncryptionContext& context,
                                        std::chrono::milliseconds timeout) = 0;
  // Decrypts `blob`, which must have been made by `key_ref` with the same context.
  virtual Result<KmsPlaintext> Decrypt(std::string_view key_ref, std::string_view blob,
                                       const EncryptionContext& context,
                                       std::chrono::milliseconds timeout) = 0;
};

}  // namespace coffer::kmsplugin

#endif  // COFFER_GRPC_KMS_PLUGIN_KMS_H_
