#ifndef COFFER_GRPC_KMS_PLUGIN_KEY_ID_H_
#define COFFER_GRPC_KMS_PLUGIN_KEY_ID_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/uuid.h"

namespace coffer::kmsplugin {

// The KMS v2 key_id of a Coffer KMS key version: "<key ARN>:v<material version>", e.g.
// "arn:aws:kms:us-east-1:123456789012:key/0b6e…9f:v2". It is derived from what Coffer returns, so
// it is the same after a plugin restart, and it changes exactly when the key's material rotates
// (or --key names another key). Not secret: the apiserver stores it in plaintext in etcd.
struct KeyId {
  std::string key_arn;  // arn:<partition>:kms:<region>:<account>:key/<uuid>
  UuidBytes key_uuid{};
  uint32_t material_version = 0;  // >= 1

  std::string ToString() const;
  // kInvalidArgument unless `key_id` has the form above (at most 1024 bytes).
  static Result<KeyId> Parse(std::string_view key_id);
};

// The key_id of `blob`, a Coffer KMS CiphertextBlob that KMS said `key_arn` made.
// kInternal when the blob is malformed or names another key than the ARN (Coffer answered
// something it should not have).
Result<KeyId> KeyIdOfCiphertext(std::string_view key_arn, std::string_view blob);

// kInvalidArgument unless `blob` is a CiphertextBlob of exactly the key and material version of
// `key_id` (what the apiserver sends back to Decrypt comes from etcd: check it is consistent).
Result<void> CheckCiphertextMatches(const KeyId& key_id, std::string_view blob);

}  // namespace coffer::kmsplugin

#endif  // COFFER_GRPC_KMS_PLUGIN_KEY_ID_H_
