#include "grpc/kms_plugin/key_id.h"

#include <vector>

#include "core/keys/ciphertext_blob.h"

namespace coffer::kmsplugin {
namespace {

constexpr size_t kMaxKeyIdBytes = 1024;
constexpr std::string_view kVersionSeparator = ":v";

// The key's UUID from "arn:<partition>:kms:<region>:<account>:key/<uuid>".
Result<UuidBytes> KeyUuidFromArn(std::string_view arn) {
  std::vector<std::string_view> parts;
  std::string_view rest = arn;
  for (int i = 0; i < 5; ++i) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return InvalidArgumentError("not a KMS key ARN");
    parts.push_back(rest.substr(0, colon));
    rest = rest.substr(colon + 1);
  }
  if (parts[0] != "arn" || parts[1].empty() || parts[2] != "kms" || !rest.starts_with("key/")) {
    return InvalidArgumentError("not a KMS key ARN");
  }
  auto uuid = ParseUuid(rest.substr(4));
  if (!uuid) return InvalidArgumentError("not a KMS key ARN");
  return *uuid;
}

}  // namespace

std::string KeyId::ToString() const {
  return key_arn + std::string(kVersionSeparator) + std::to_string(material_version);
}

Result<KeyId> KeyId::Parse(std::string_view key_id) {
  auto invalid = [] {
    return InvalidArgumentError(
        "key_id is not one this plugin issues (\"<KMS key ARN>:v<material version>\")");
  };
  if (key_id.empty() || key_id.size() > kMaxKeyIdBytes) return invalid();
  size_t sep = key_id.rfind(kVersionSeparator);
  if (sep == std::string_view::npos) return invalid();
  std::string_view digits = key_id.substr(sep + kVersionSeparator.size());
  if (digits.empty() || digits.size() > 10 || digits[0] == '0') return invalid();
  uint64_t version = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return invalid();
    version = version * 10 + static_cast<uint64_t>(c - '0');
  }
  if (version > UINT32_MAX) return invalid();
  KeyId out;
  out.key_arn = std::string(key_id.substr(0, sep));
  auto uuid = KeyUuidFromArn(out.key_arn);
  if (!uuid.has_value()) return invalid();
  out.key_uuid = *uuid;
  out.material_version = static_cast<uint32_t>(version);
  return out;
}

Result<KeyId> KeyIdOfCiphertext(std::string_view key_arn, std::string_view blob) {
  auto parsed = keys::CiphertextBlob::Parse(blob);
  if (!parsed.has_value()) {
    return InternalError("KMS returned a ciphertext that is not a Coffer KMS ciphertext blob");
  }
  auto uuid = KeyUuidFromArn(key_arn);
  if (!uuid.has_value()) return InternalError("KMS returned a key ARN that is not a key ARN");
  if (*uuid != parsed->key_id) {
    return InternalError("KMS returned a ciphertext of another key than " + std::string(key_arn));
  }
  KeyId out{std::string(key_arn), *uuid, parsed->material_version};
  if (out.ToString().size() > kMaxKeyIdBytes) return InternalError("the key ARN is too long");
  return out;
}

Result<void> CheckCiphertextMatches(const KeyId& key_id, std::string_view blob) {
  auto parsed = keys::CiphertextBlob::Parse(blob);
  if (!parsed.has_value()) {
    return InvalidArgumentError("the ciphertext is not a Coffer KMS ciphertext");
  }
  if (parsed->key_id != key_id.key_uuid || parsed->material_version != key_id.material_version) {
    return InvalidArgumentError("the ciphertext was not made by key_id " + key_id.ToString());
  }
  return Ok();
}

}  // namespace coffer::kmsplugin
