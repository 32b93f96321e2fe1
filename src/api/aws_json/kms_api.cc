#include "api/aws_json/kms_api.h"

#include <charconv>
#include <set>

#include "base/encoding.h"
#include "base/uuid.h"
#include "core/keys/ciphertext_blob.h"
#include "core/keys/errors.h"

namespace coffer::api::aws_json {
namespace shapes::kms {
#include "api/aws_json/shapes/kms_shapes.inc"
}  // namespace shapes::kms

namespace {

using keys::Key;
using keys::KeySpec;
using keys::KeyUsage;

// Reasons only this adapter produces.
constexpr std::string_view kDryRun = "KMS_DRY_RUN";
constexpr std::string_view kInvalidSignature = "KMS_INVALID_SIGNATURE";
constexpr std::string_view kInvalidMac = "KMS_INVALID_MAC";
constexpr std::string_view kCustomKeyStoreNotFound = "KMS_CUSTOM_KEY_STORE_NOT_FOUND";

constexpr size_t kMaxPolicyBytes = 32768;

Error Validation(std::string message) {
  return InvalidArgumentError(std::move(message), keys::reason::kValidation);
}

Error Unsupported(std::string message) {
  return FailedPreconditionError(std::move(message), keys::reason::kUnsupported);
}

Result<void> CheckDryRun(const JsonIn& in) {
  if (in.Bool("DryRun").value_or(false)) {
    return FailedPreconditionError(
        "The request would have succeeded, but the DryRun option is set.", kDryRun);
  }
  return Ok();
}

keys::EncryptionContext ContextFrom(const JsonIn& in, const char* name) {
  keys::EncryptionContext out;
  if (auto m = in.StrMap(name)) {
    for (auto& [k, v] : *m) out[std::move(k)] = std::move(v);
  }
  return out;
}

// Wire names of the enums this adapter parses and prints.
template <class E>
struct Named {
  std::string_view name;
  E value;
};

template <class E, size_t N>
const Named<E>* FindNamed(const Named<E> (&table)[N], std::string_view name) {
  for (const auto& n : table) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

constexpr Named<keys::EncryptionAlgorithm> kEncryptionAlgorithms[] = {
    {"SYMMETRIC_DEFAULT", keys::EncryptionAlgorithm::kSymmetricDefault},
    {"RSAES_OAEP_SHA_1", keys::EncryptionAlgorithm::kRsaesOaepSha1},
    {"RSAES_OAEP_SHA_256", keys::EncryptionAlgorithm::kRsaesOaepSha256},
};

constexpr Named<crypto::SigningAlgorithm> kSigningAlgorithms[] = {
    {"RSASSA_PSS_SHA_256", crypto::SigningAlgorithm::kRsassaPssSha256},
    {"RSASSA_PSS_SHA_384", crypto::SigningAlgorithm::kRsassaPssSha384},
    {"RSASSA_PSS_SHA_512", crypto::SigningAlgorithm::kRsassaPssSha512},
    {"RSASSA_PKCS1_V1_5_SHA_256", crypto::SigningAlgorithm::kRsassaPkcs1V15Sha256},
    {"RSASSA_PKCS1_V1_5_SHA_384", crypto::SigningAlgorithm::kRsassaPkcs1V15Sha384},
    {"RSASSA_PKCS1_V1_5_SHA_512", crypto::SigningAlgorithm::kRsassaPkcs1V15Sha512},
    {"ECDSA_SHA_256", crypto::SigningAlgorithm::kEcdsaSha256},
    {"ECDSA_SHA_384", crypto::SigningAlgorithm::kEcdsaSha384},
    {"ECDSA_SHA_512", crypto::SigningAlgorithm::kEcdsaSha512},
};

constexpr Named<crypto::MacAlgorithm> kMacAlgorithms[] = {
    {"HMAC_SHA_224", crypto::MacAlgorithm::kHmacSha224},
    {"HMAC_SHA_256", crypto::MacAlgorithm::kHmacSha256},
    {"HMAC_SHA_384", crypto::MacAlgorithm::kHmacSha384},
    {"HMAC_SHA_512", crypto::MacAlgorithm::kHmacSha512},
};

constexpr Named<crypto::KeyPairSpec> kKeyPairSpecs[] = {
    {"RSA_2048", crypto::KeyPairSpec::kRsa2048},
    {"RSA_3072", crypto::KeyPairSpec::kRsa3072},
    {"RSA_4096", crypto::KeyPairSpec::kRsa4096},
    {"ECC_NIST_P256", crypto::KeyPairSpec::kEccNistP256},
    {"ECC_NIST_P384", crypto::KeyPairSpec::kEccNistP384},
    {"ECC_NIST_P521", crypto::KeyPairSpec::kEccNistP521},
    {"ECC_SECG_P256K1", crypto::KeyPairSpec::kEccSecgP256k1},
};

// The enum named by member `member` of the input (`fallback` when absent);
// UnsupportedOperationException for a model value Coffer does not implement.
template <class E, size_t N>
Result<const Named<E>*> NamedFrom(const JsonIn& in, const char* member, const Named<E> (&table)[N],
                                  std::string_view what, std::string fallback = {}) {
  std::string name = in.StrOr(member, std::move(fallback));
  if (const Named<E>* n = FindNamed(table, name)) return n;
  return Unsupported("The " + std::string(what) + " " + name + " is not supported.");
}

Result<keys::EncryptionAlgorithm> EncryptionAlgorithmFrom(const JsonIn& in, const char* name) {
  COFFER_ASSIGN_OR_RETURN(auto n, NamedFrom(in, name, kEncryptionAlgorithms, "encryption algorithm",
                                            "SYMMETRIC_DEFAULT"));
  return n->value;
}

std::string_view EncryptionAlgorithmName(keys::EncryptionAlgorithm a) {
  for (const auto& n : kEncryptionAlgorithms) {
    if (n.value == a) return n.name;
  }
  return "SYMMETRIC_DEFAULT";
}

Result<crypto::SigningAlgorithm> SigningAlgorithmFrom(const JsonIn& in) {
  COFFER_ASSIGN_OR_RETURN(
      auto n, NamedFrom(in, "SigningAlgorithm", kSigningAlgorithms, "signing algorithm"));
  return n->value;
}

Result<crypto::MacAlgorithm> MacAlgorithmFrom(const JsonIn& in) {
  COFFER_ASSIGN_OR_RETURN(auto n, NamedFrom(in, "MacAlgorithm", kMacAlgorithms, "MAC algorithm"));
  return n->value;
}

std::vector<std::string> SigningAlgorithmsOf(KeySpec spec) {
  if (keys::IsRsa(spec)) {
    return {"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
            "RSASSA_PSS_SHA_256",        "RSASSA_PSS_SHA_384",        "RSASSA_PSS_SHA_512"};
  }
  switch (spec) {
    case KeySpec::kEccNistP256:
    case KeySpec::kEccSecgP256k1:
      return {"ECDSA_SHA_256"};
    case KeySpec::kEccNistP384:
      return {"ECDSA_SHA_384"};
    case KeySpec::kEccNistP521:
      return {"ECDSA_SHA_512"};
    default:
      return {};
  }
}

std::vector<std::string> EncryptionAlgorithmsOf(const Key& k) {
  if (k.usage != KeyUsage::kEncryptDecrypt) return {};
  if (k.spec == KeySpec::kSymmetricDefault) return {"SYMMETRIC_DEFAULT"};
  return {"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"};
}

std::string_view MacAlgorithmOf(KeySpec spec) {
  switch (spec) {
    case KeySpec::kHmac224:
      return "HMAC_SHA_224";
    case KeySpec::kHmac256:
      return "HMAC_SHA_256";
    case KeySpec::kHmac384:
      return "HMAC_SHA_384";
    case KeySpec::kHmac512:
      return "HMAC_SHA_512";
    default:
      return "";
  }
}

void WriteAlgorithms(JsonOut& out, const Key& k) {
  if (auto enc = EncryptionAlgorithmsOf(k); !enc.empty()) {
    out.Key("EncryptionAlgorithms");
    out.StringList(enc);
  }
  if (k.usage == KeyUsage::kSignVerify) {
    out.Key("SigningAlgorithms");
    out.StringList(SigningAlgorithmsOf(k.spec));
  }
  if (k.usage == KeyUsage::kGenerateVerifyMac) {
    out.Key("MacAlgorithms");
    out.StringList({std::string(MacAlgorithmOf(k.spec))});
  }
}

void WriteKeyMetadata(JsonOut& out, const Key& k, std::string_view account_id) {
  out.StartObject();
  out.Field("AWSAccountId", account_id);
  out.Field("KeyId", k.key_id);
  out.Field("Arn", k.arn);
  out.FieldTime("CreationDate", k.created);
  out.FieldBool("Enabled", k.state == keys::KeyState::kEnabled);
  out.Field("Description", k.description);
  out.Field("KeyUsage", keys::KeyUsageName(k.usage));
  out.Field("KeyState", keys::KeyStateName(k.state));
  if (k.deletion_date) out.FieldTime("DeletionDate", *k.deletion_date);
  out.Field("Origin", "AWS_KMS");
  out.Field("KeyManager", k.manager == keys::KeyManager::kAws ? "AWS" : "CUSTOMER");
  out.Field("CustomerMasterKeySpec", keys::KeySpecName(k.spec));
  out.Field("KeySpec", keys::KeySpecName(k.spec));
  WriteAlgorithms(out, k);
  out.FieldBool("MultiRegion", false);
  out.EndObject();
}

// Markers of lists kept whole in memory (tags, rotations): the index of the next item.
std::string IndexMarker(size_t next) { return Base64UrlEncode(std::to_string(next)); }

Result<size_t> IndexFromMarker(const std::optional<std::string>& marker) {
  if (!marker) return size_t{0};
  std::optional<std::string> raw = Base64UrlDecode(*marker);
  size_t index = 0;
  if (raw && !raw->empty()) {
    std::string_view digits = *raw;
    const char* end = digits.data() + digits.size();
    auto [ptr, ec] = std::from_chars(digits.data(), end, index);
    if (ec == std::errc() && ptr == end) return index;
  }
  return InvalidArgumentError("The marker is invalid.", keys::reason::kInvalidMarker);
}

void WritePageEnd(JsonOut& out, const std::optional<std::string>& next) {
  if (next) out.Field("NextMarker", *next);
  out.FieldBool("Truncated", next.has_value());
}

size_t LimitFrom(const JsonIn& in, size_t fallback) {
  auto limit = in.Int("Limit");
  return limit ? static_cast<size_t>(*limit) : fallback;
}

bool IsString(const rapidjson::Value& v) { return v.IsString(); }

bool IsStringOrStringList(const rapidjson::Value& v) {
  if (v.IsString()) return true;
  if (!v.IsArray() || v.Empty()) return false;
  for (const auto& e : v.GetArray()) {
    if (!e.IsString()) return false;
  }
  return true;
}

// Structural validation of a key policy: the IAM policy grammar's outline. The IAM issue adds
// the full grammar and enforcement; until then a policy that is not a policy is refused here,
// with the error AWS gives.
Result<void> ValidateKeyPolicy(std::string_view policy) {
  auto malformed = [](const std::string& why) {
    return InvalidArgumentError("The key policy is malformed: " + why,
                                keys::reason::kMalformedPolicy);
  };
  if (policy.size() > kMaxPolicyBytes) return malformed("it exceeds 32768 bytes.");
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(policy.data(), policy.size());
  if (doc.HasParseError() || !doc.IsObject()) return malformed("it is not a JSON object.");
  if (auto v = doc.FindMember("Version"); v != doc.MemberEnd()) {
    if (!v->value.IsString() || (std::string_view(v->value.GetString()) != "2012-10-17" &&
                                 std::string_view(v->value.GetString()) != "2008-10-17")) {
      return malformed("Version must be \"2012-10-17\" or \"2008-10-17\".");
    }
  }
  auto st = doc.FindMember("Statement");
  if (st == doc.MemberEnd()) return malformed("it has no Statement.");
  std::vector<const rapidjson::Value*> statements;
  if (st->value.IsObject()) {
    statements.push_back(&st->value);
  } else if (st->value.IsArray() && !st->value.Empty()) {
    for (const auto& s : st->value.GetArray()) statements.push_back(&s);
  } else {
    return malformed("Statement must be an object or a non-empty list.");
  }
  for (const rapidjson::Value* s : statements) {
    if (!s->IsObject()) return malformed("each statement must be an object.");
    auto effect = s->FindMember("Effect");
    if (effect == s->MemberEnd() || !IsString(effect->value) ||
        (std::string_view(effect->value.GetString()) != "Allow" &&
         std::string_view(effect->value.GetString()) != "Deny")) {
      return malformed("each statement needs an Effect of Allow or Deny.");
    }
    bool has_principal = s->HasMember("Principal") || s->HasMember("NotPrincipal");
    if (!has_principal) return malformed("each statement of a key policy needs a Principal.");
    auto action = s->FindMember("Action");
    auto not_action = s->FindMember("NotAction");
    if ((action == s->MemberEnd()) == (not_action == s->MemberEnd())) {
      return malformed("each statement needs exactly one of Action and NotAction.");
    }
    const auto& a = action != s->MemberEnd() ? action->value : not_action->value;
    if (!IsStringOrStringList(a)) return malformed("Action must be a string or list of strings.");
    auto resource = s->FindMember("Resource");
    auto not_resource = s->FindMember("NotResource");
    if (resource != s->MemberEnd() && !IsStringOrStringList(resource->value)) {
      return malformed("Resource must be a string or list of strings.");
    }
    if (not_resource != s->MemberEnd() && !IsStringOrStringList(not_resource->value)) {
      return malformed("NotResource must be a string or list of strings.");
    }
    if (auto c = s->FindMember("Condition"); c != s->MemberEnd() && !c->value.IsObject()) {
      return malformed("Condition must be an object.");
    }
  }
  return Ok();
}

// Answers `{}` for an operation whose output has no members, once `done` succeeded.
template <class T>
Result<void> Empty(Call& c, const Result<T>& done) {
  if (!done.has_value()) return done.error();
  c.out.StartObject();
  c.out.EndObject();
  return Ok();
}

Result<keys::Key> KeyForUse(keys::KeyService& keys, const JsonIn& in, const char* member) {
  return keys.ResolveKey(in.StrOr(member));
}

}  // namespace

std::span<const Operation> KmsApi::operations() const { return shapes::kms::kOperations; }

bool KmsApi::Implements(std::string_view op) const {
  static const std::set<std::string_view> kImplemented = {
      "CreateKey",
      "DescribeKey",
      "ListKeys",
      "UpdateKeyDescription",
      "EnableKey",
      "DisableKey",
      "ScheduleKeyDeletion",
      "CancelKeyDeletion",
      "TagResource",
      "UntagResource",
      "ListResourceTags",
      "GetKeyPolicy",
      "PutKeyPolicy",
      "ListKeyPolicies",
      "CreateAlias",
      "UpdateAlias",
      "DeleteAlias",
      "ListAliases",
      "EnableKeyRotation",
      "DisableKeyRotation",
      "GetKeyRotationStatus",
      "RotateKeyOnDemand",
      "ListKeyRotations",
      "Encrypt",
      "Decrypt",
      "ReEncrypt",
      "GenerateDataKey",
      "GenerateDataKeyWithoutPlaintext",
      "GenerateDataKeyPair",
      "GenerateDataKeyPairWithoutPlaintext",
      "GenerateRandom",
      "Sign",
      "Verify",
      "GetPublicKey",
      "GenerateMac",
      "VerifyMac",
  };
  return kImplemented.count(op) > 0;
}

bool KmsApi::MayBlock(std::string_view op) const {
  // Writes, and the operations that generate key pairs (RSA 4096 takes a while).
  static const std::set<std::string_view> kBlocking = {"CreateKey",
                                                       "UpdateKeyDescription",
                                                       "EnableKey",
                                                       "DisableKey",
                                                       "ScheduleKeyDeletion",
                                                       "CancelKeyDeletion",
                                                       "TagResource",
                                                       "UntagResource",
                                                       "PutKeyPolicy",
                                                       "CreateAlias",
                                                       "UpdateAlias",
                                                       "DeleteAlias",
                                                       "EnableKeyRotation",
                                                       "DisableKeyRotation",
                                                       "RotateKeyOnDemand",
                                                       "GenerateDataKeyPair",
                                                       "GenerateDataKeyPairWithoutPlaintext"};
  return kBlocking.count(op) > 0;
}

Result<void> KmsApi::ValidatePolicy(std::string_view policy) const {
  if (policies_ == nullptr) return ValidateKeyPolicy(policy);
  if (policy.size() > kMaxPolicyBytes) {
    return InvalidArgumentError("The key policy is malformed: it exceeds 32768 bytes.",
                                keys::reason::kMalformedPolicy);
  }
  auto parsed = policies_->parser().Parse(policy, policy::PolicyKind::kResource);
  if (!parsed.has_value()) {
    return InvalidArgumentError("The key policy is malformed: " + parsed.error().message,
                                keys::reason::kMalformedPolicy);
  }
  return Ok();
}

namespace {

void AddContextKeys(const JsonIn& in, const char* member,
                    std::vector<std::pair<std::string, std::vector<std::string>>>& keys) {
  auto ctx = in.StrMap(member);
  if (!ctx || ctx->empty()) return;
  std::vector<std::string> names;
  for (const auto& [k, v] : *ctx) {
    keys.push_back({"kms:EncryptionContext:" + k, {v}});
    names.push_back(k);
  }
  keys.push_back({"kms:EncryptionContextKeys", std::move(names)});
}

// The key a symmetric ciphertext names, as a key id.
std::optional<std::string> KeyOfBlob(const JsonIn& in) {
  auto blob = in.Blob("CiphertextBlob");
  if (!blob) return std::nullopt;
  auto parsed = keys::CiphertextBlob::Parse(*blob);
  if (!parsed.has_value()) return std::nullopt;
  return FormatUuid(parsed->key_id);
}

}  // namespace

Result<void> KmsApi::AuthorizeKey(const CallContext& ctx, std::string_view action,
                                  std::string_view key_ref, ConditionKeys keys) {
  auto key = keys_.ResolveKey(key_ref);
  // A key that cannot be resolved: the operation reports it (NotFoundException & co.).
  if (!key.has_value()) return Ok();
  identity::AccessRequest req;
  req.action = action;
  req.resource = key->arn;
  if (policies_ != nullptr && !key->policy.empty()) {
    COFFER_ASSIGN_OR_RETURN(req.resource_policy,
                            policies_->Get(key->policy, policy::PolicyKind::kResource));
    req.resource_policy_required = true;
  }
  req.resource_tags = &key->tags;
  keys.push_back({"kms:CallerAccount", {ctx.principal().account_id}});
  keys.push_back({"kms:KeySpec", {std::string(keys::KeySpecName(key->spec))}});
  keys.push_back({"kms:KeyUsage", {std::string(keys::KeyUsageName(key->usage))}});
  req.keys = std::move(keys);
  return ctx.Authorize(req);
}

Result<void> KmsApi::AuthorizeCall(std::string_view op, Call& c) {
  std::string action = "kms:" + std::string(op);
  static const std::set<std::string_view> kNoKey = {"CreateKey",
                                                    "ListKeys",
                                                    "ListAliases",
                                                    "GenerateRandom",
                                                    "ListRetirableGrants",
                                                    "CreateCustomKeyStore",
                                                    "DescribeCustomKeyStores"};
  ConditionKeys keys;
  if (kNoKey.count(op) > 0) {
    if (op == "CreateKey") {
      if (auto tags = c.in.Tags("Tags", "TagKey", "TagValue"); tags && !tags->empty()) {
        std::vector<std::string> names;
        for (const core::Tag& t : *tags) {
          keys.push_back({"aws:RequestTag/" + t.key, {t.value}});
          names.push_back(t.key);
        }
        keys.push_back({"aws:TagKeys", std::move(names)});
      }
    }
    keys.push_back({"kms:CallerAccount", {c.ctx.principal().account_id}});
    identity::AccessRequest req;
    req.action = action;
    req.keys = std::move(keys);
    return c.ctx.Authorize(req);
  }
  if (op == "ReEncrypt") {
    ConditionKeys from;
    AddContextKeys(c.in, "SourceEncryptionContext", from);
    auto source = c.in.Str("SourceKeyId");
    if (!source) source = KeyOfBlob(c.in);
    if (source) COFFER_RETURN_IF_ERROR(AuthorizeKey(c.ctx, "kms:ReEncryptFrom", *source, from));
    ConditionKeys to;
    AddContextKeys(c.in, "DestinationEncryptionContext", to);
    return AuthorizeKey(c.ctx, "kms:ReEncryptTo", c.in.StrOr("DestinationKeyId"), std::move(to));
  }
  AddContextKeys(c.in, "EncryptionContext", keys);
  if (op == "TagResource") {
    if (auto tags = c.in.Tags("Tags", "TagKey", "TagValue")) {
      std::vector<std::string> names;
      for (const core::Tag& t : *tags) {
        keys.push_back({"aws:RequestTag/" + t.key, {t.value}});
        names.push_back(t.key);
      }
      keys.push_back({"aws:TagKeys", std::move(names)});
    }
  } else if (op == "UntagResource") {
    if (auto ks = c.in.StrList("TagKeys")) keys.push_back({"aws:TagKeys", *ks});
  }
  std::optional<std::string> key_ref;
  if (op == "CreateAlias" || op == "UpdateAlias") {
    key_ref = c.in.Str("TargetKeyId");
  } else if (op == "DeleteAlias") {
    key_ref = c.in.Str("AliasName");
  } else {
    key_ref = c.in.Str("KeyId");
    if (!key_ref && op == "Decrypt") key_ref = KeyOfBlob(c.in);
  }
  if (!key_ref) return Ok();  // the operation reports the missing or invalid input
  return AuthorizeKey(c.ctx, action, *key_ref, std::move(keys));
}

Result<void> KmsApi::Invoke(std::string_view op, Call& c) {
  if (!c.ctx.unrestricted()) COFFER_RETURN_IF_ERROR(AuthorizeCall(op, c));
  if (op == "Encrypt") return Encrypt(c);
  if (op == "Decrypt") return Decrypt(c);
  if (op == "GenerateDataKey") return GenerateDataKey(c, true);
  if (op == "GenerateDataKeyWithoutPlaintext") return GenerateDataKey(c, false);
  if (op == "ReEncrypt") return ReEncrypt(c);
  if (op == "DescribeKey") return DescribeKey(c);
  if (op == "GenerateRandom") return GenerateRandom(c);
  if (op == "Sign") return Sign(c);
  if (op == "Verify") return Verify(c);
  if (op == "GetPublicKey") return GetPublicKey(c);
  if (op == "GenerateMac") return GenerateMac(c);
  if (op == "VerifyMac") return VerifyMac(c);
  if (op == "GenerateDataKeyPair") return GenerateDataKeyPair(c, true);
  if (op == "GenerateDataKeyPairWithoutPlaintext") return GenerateDataKeyPair(c, false);
  if (op == "CreateKey") return CreateKey(c);
  if (op == "ListKeys") return ListKeys(c);
  if (op == "UpdateKeyDescription") return UpdateKeyDescription(c);
  if (op == "EnableKey") return EnableKey(c);
  if (op == "DisableKey") return DisableKey(c);
  if (op == "ScheduleKeyDeletion") return ScheduleKeyDeletion(c);
  if (op == "CancelKeyDeletion") return CancelKeyDeletion(c);
  if (op == "TagResource") return TagResource(c);
  if (op == "UntagResource") return UntagResource(c);
  if (op == "ListResourceTags") return ListResourceTags(c);
  if (op == "GetKeyPolicy") return GetKeyPolicy(c);
  if (op == "PutKeyPolicy") return PutKeyPolicy(c);
  if (op == "ListKeyPolicies") return ListKeyPolicies(c);
  if (op == "CreateAlias") return CreateAlias(c);
  if (op == "UpdateAlias") return UpdateAlias(c);
  if (op == "DeleteAlias") return DeleteAlias(c);
  if (op == "ListAliases") return ListAliases(c);
  if (op == "EnableKeyRotation") return EnableKeyRotation(c);
  if (op == "DisableKeyRotation") return DisableKeyRotation(c);
  if (op == "GetKeyRotationStatus") return GetKeyRotationStatus(c);
  if (op == "RotateKeyOnDemand") return RotateKeyOnDemand(c);
  if (op == "ListKeyRotations") return ListKeyRotations(c);
  return UnimplementedError("not implemented");
}

ApiError KmsApi::MapError(const Error& e) const {
  namespace r = keys::reason;
  const std::string& m = e.message;
  auto err = [&](const char* code, int status = 400) { return ApiError{status, code, m, true}; };
  if (e.reason == r::kKeyNotFound) return err("NotFoundException");
  if (e.reason == r::kKeyDisabled) return err("DisabledException");
  if (e.reason == r::kKeyInvalidState) return err("KMSInvalidStateException");
  if (e.reason == r::kInvalidCiphertext) return err("InvalidCiphertextException");
  if (e.reason == r::kIncorrectKey) return err("IncorrectKeyException");
  if (e.reason == r::kInvalidKeyUsage) return err("InvalidKeyUsageException");
  if (e.reason == r::kInvalidArn) return err("InvalidArnException");
  if (e.reason == r::kAliasExists) return err("AlreadyExistsException");
  if (e.reason == r::kInvalidAliasName) return err("InvalidAliasNameException");
  if (e.reason == r::kMalformedPolicy) return err("MalformedPolicyDocumentException");
  if (e.reason == r::kTag) return err("TagException");
  if (e.reason == r::kUnsupported) return err("UnsupportedOperationException");
  if (e.reason == r::kLimitExceeded) return err("LimitExceededException");
  if (e.reason == r::kValidation) return err("ValidationException");
  if (e.reason == r::kInvalidMarker) return err("InvalidMarkerException");
  if (e.reason == kDryRun) return err("DryRunOperationException", 412);
  if (e.reason == kInvalidSignature) return err("KMSInvalidSignatureException");
  if (e.reason == kInvalidMac) return err("KMSInvalidMacException");
  if (e.reason == kCustomKeyStoreNotFound) return err("CustomKeyStoreNotFoundException");
  switch (e.code) {
    case ErrorCode::kUnavailable:
      return err("ServiceUnavailableException", 503);
    case ErrorCode::kNotFound:
      return err("NotFoundException");
    case ErrorCode::kAlreadyExists:
      return err("AlreadyExistsException");
    case ErrorCode::kInvalidArgument:
      return err("ValidationException");
    case ErrorCode::kFailedPrecondition:
      return err("KMSInvalidStateException");
    case ErrorCode::kResourceExhausted:
      return err("LimitExceededException");
    case ErrorCode::kAborted:
      return err("ConflictException");
    case ErrorCode::kPermissionDenied:
      return err("AccessDeniedException");
    default:
      return {500, "KMSInternalException", "An internal error occurred.", true};
  }
}

// --- Key management ---

Result<void> KmsApi::CreateKey(Call& c) {
  keys::CreateKeyRequest req;
  auto spec_name = c.in.Str("KeySpec");
  auto cmk_spec_name = c.in.Str("CustomerMasterKeySpec");
  if (spec_name && cmk_spec_name) {
    return Validation(
        "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
        "CustomerMasterKeySpec is deprecated.");
  }
  if (auto name = spec_name ? spec_name : cmk_spec_name) {
    auto spec = keys::ParseKeySpec(*name);
    if (!spec) return Unsupported("The key spec " + *name + " is not supported.");
    req.spec = *spec;
  }
  if (auto usage_name = c.in.Str("KeyUsage")) {
    auto usage = keys::ParseKeyUsage(*usage_name);
    if (!usage) return Unsupported("The key usage " + *usage_name + " is not supported.");
    req.usage = *usage;
  }
  std::string origin = c.in.StrOr("Origin", "AWS_KMS");
  if (origin != "AWS_KMS") {
    return Unsupported("Origin " + origin + " is not supported; only AWS_KMS is.");
  }
  if (c.in.Bool("MultiRegion").value_or(false)) {
    return Unsupported("Multi-Region keys are not supported.");
  }
  if (c.in.Has("CustomKeyStoreId")) {
    return FailedPreconditionError("Custom key stores are not supported.", kCustomKeyStoreNotFound);
  }
  if (c.in.Has("XksKeyId")) return Unsupported("External key stores are not supported.");
  if (auto policy = c.in.Str("Policy")) {
    COFFER_RETURN_IF_ERROR(ValidatePolicy(*policy));
    req.policy = std::move(*policy);
  }
  req.description = c.in.StrOr("Description");
  if (auto tags = c.in.Tags("Tags", "TagKey", "TagValue")) req.tags = std::move(*tags);
  COFFER_ASSIGN_OR_RETURN(Key key, keys_.CreateKey(req));
  c.out.StartObject();
  c.out.Key("KeyMetadata");
  WriteKeyMetadata(c.out, key, keys_.account().account_id);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::DescribeKey(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key key, KeyForUse(keys_, c.in, "KeyId"));
  c.out.StartObject();
  c.out.Key("KeyMetadata");
  WriteKeyMetadata(c.out, key, keys_.account().account_id);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::ListKeys(Call& c) {
  COFFER_ASSIGN_OR_RETURN(auto page, keys_.ListKeys(c.in.Str("Marker"), LimitFrom(c.in, 100)));
  c.out.StartObject();
  c.out.Key("Keys");
  c.out.StartArray();
  for (const Key& k : page.items) {
    c.out.StartObject();
    c.out.Field("KeyId", k.key_id);
    c.out.Field("KeyArn", k.arn);
    c.out.EndObject();
  }
  c.out.EndArray();
  WritePageEnd(c.out, page.next_marker);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::UpdateKeyDescription(Call& c) {
  return Empty(c, keys_.UpdateKeyDescription(c.in.StrOr("KeyId"), c.in.StrOr("Description")));
}

Result<void> KmsApi::EnableKey(Call& c) { return Empty(c, keys_.EnableKey(c.in.StrOr("KeyId"))); }

Result<void> KmsApi::DisableKey(Call& c) { return Empty(c, keys_.DisableKey(c.in.StrOr("KeyId"))); }

Result<void> KmsApi::ScheduleKeyDeletion(Call& c) {
  int64_t days = c.in.Int("PendingWindowInDays").value_or(30);
  if (days < 7 || days > 30) {
    return Validation("PendingWindowInDays value must be between 7 and 30 days.");
  }
  COFFER_ASSIGN_OR_RETURN(
      Key k, keys_.ScheduleKeyDeletion(c.in.StrOr("KeyId"), static_cast<int32_t>(days)));
  c.out.StartObject();
  c.out.Field("KeyId", k.arn);
  if (k.deletion_date) c.out.FieldTime("DeletionDate", *k.deletion_date);
  c.out.Field("KeyState", keys::KeyStateName(k.state));
  c.out.FieldInt("PendingWindowInDays", days);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::CancelKeyDeletion(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key k, keys_.CancelKeyDeletion(c.in.StrOr("KeyId")));
  c.out.StartObject();
  c.out.Field("KeyId", k.arn);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::TagResource(Call& c) {
  core::Tags tags = c.in.Tags("Tags", "TagKey", "TagValue").value_or(core::Tags{});
  return Empty(c, keys_.TagKey(c.in.StrOr("KeyId"), tags));
}

Result<void> KmsApi::UntagResource(Call& c) {
  auto tag_keys = c.in.StrList("TagKeys").value_or(std::vector<std::string>{});
  return Empty(c, keys_.UntagKey(c.in.StrOr("KeyId"), tag_keys));
}

Result<void> KmsApi::ListResourceTags(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key k, keys_.ResolveKeyIdOrArn(c.in.StrOr("KeyId")));
  COFFER_ASSIGN_OR_RETURN(size_t start, IndexFromMarker(c.in.Str("Marker")));
  size_t limit = LimitFrom(c.in, 50);
  if (start > k.tags.size()) {
    return InvalidArgumentError("The marker is invalid.", keys::reason::kInvalidMarker);
  }
  size_t end = std::min(k.tags.size(), start + limit);
  c.out.StartObject();
  c.out.Key("Tags");
  c.out.StartArray();
  for (size_t i = start; i < end; ++i) {
    c.out.StartObject();
    c.out.Field("TagKey", k.tags[i].key);
    c.out.Field("TagValue", k.tags[i].value);
    c.out.EndObject();
  }
  c.out.EndArray();
  WritePageEnd(c.out, end < k.tags.size() ? std::optional(IndexMarker(end)) : std::nullopt);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::GetKeyPolicy(Call& c) {
  std::string name = c.in.StrOr("PolicyName", "default");
  COFFER_ASSIGN_OR_RETURN(Key k, keys_.ResolveKeyIdOrArn(c.in.StrOr("KeyId")));
  COFFER_ASSIGN_OR_RETURN(std::string policy, keys_.GetKeyPolicy(k.key_id, name));
  c.out.StartObject();
  c.out.Field("Policy", policy);
  c.out.Field("PolicyName", name);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::PutKeyPolicy(Call& c) {
  std::string policy = c.in.StrOr("Policy");
  COFFER_RETURN_IF_ERROR(ValidatePolicy(policy));
  return Empty(
      c, keys_.PutKeyPolicy(c.in.StrOr("KeyId"), c.in.StrOr("PolicyName", "default"), policy));
}

Result<void> KmsApi::ListKeyPolicies(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key k, keys_.ResolveKeyIdOrArn(c.in.StrOr("KeyId")));
  (void)k;
  COFFER_ASSIGN_OR_RETURN(size_t start, IndexFromMarker(c.in.Str("Marker")));
  c.out.StartObject();
  c.out.Key("PolicyNames");
  c.out.StringList(start == 0 ? std::vector<std::string>{"default"} : std::vector<std::string>{});
  c.out.FieldBool("Truncated", false);
  c.out.EndObject();
  return Ok();
}

// --- Aliases ---

Result<void> KmsApi::CreateAlias(Call& c) {
  return Empty(c, keys_.CreateAlias(c.in.StrOr("AliasName"), c.in.StrOr("TargetKeyId")));
}

Result<void> KmsApi::UpdateAlias(Call& c) {
  return Empty(c, keys_.UpdateAlias(c.in.StrOr("AliasName"), c.in.StrOr("TargetKeyId")));
}

Result<void> KmsApi::DeleteAlias(Call& c) {
  return Empty(c, keys_.DeleteAlias(c.in.StrOr("AliasName")));
}

Result<void> KmsApi::ListAliases(Call& c) {
  COFFER_ASSIGN_OR_RETURN(
      auto page, keys_.ListAliases(c.in.StrOr("KeyId"), c.in.Str("Marker"), LimitFrom(c.in, 50)));
  c.out.StartObject();
  c.out.Key("Aliases");
  c.out.StartArray();
  for (const keys::Alias& a : page.items) {
    c.out.StartObject();
    c.out.Field("AliasName", a.name);
    c.out.Field("AliasArn", keys_.AliasArn(a.name));
    c.out.Field("TargetKeyId", a.key_id);
    c.out.FieldTime("CreationDate", a.created);
    c.out.FieldTime("LastUpdatedDate", a.updated);
    c.out.EndObject();
  }
  c.out.EndArray();
  WritePageEnd(c.out, page.next_marker);
  c.out.EndObject();
  return Ok();
}

// --- Rotation ---

Result<void> KmsApi::EnableKeyRotation(Call& c) {
  int64_t days = c.in.Int("RotationPeriodInDays").value_or(365);
  if (days < 90 || days > 2560) {
    return Validation("RotationPeriodInDays must be between 90 and 2560.");
  }
  return Empty(c, keys_.EnableKeyRotation(c.in.StrOr("KeyId"), static_cast<int32_t>(days)));
}

Result<void> KmsApi::DisableKeyRotation(Call& c) {
  return Empty(c, keys_.DisableKeyRotation(c.in.StrOr("KeyId")));
}

Result<void> KmsApi::GetKeyRotationStatus(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key k, keys_.ResolveKeyIdOrArn(c.in.StrOr("KeyId")));
  COFFER_ASSIGN_OR_RETURN(keys::RotationStatus status, keys_.GetKeyRotationStatus(k.key_id));
  c.out.StartObject();
  c.out.Field("KeyId", k.arn);
  c.out.FieldBool("KeyRotationEnabled", status.enabled);
  if (status.enabled) {
    c.out.FieldInt("RotationPeriodInDays", status.period_days);
    if (status.next_rotation) c.out.FieldTime("NextRotationDate", *status.next_rotation);
  }
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::RotateKeyOnDemand(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key k, keys_.RotateKeyOnDemand(c.in.StrOr("KeyId")));
  c.out.StartObject();
  c.out.Field("KeyId", k.key_id);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::ListKeyRotations(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key k, keys_.ResolveKeyIdOrArn(c.in.StrOr("KeyId")));
  COFFER_ASSIGN_OR_RETURN(std::vector<keys::Rotation> rotations, keys_.ListKeyRotations(k.key_id));
  COFFER_ASSIGN_OR_RETURN(size_t start, IndexFromMarker(c.in.Str("Marker")));
  if (start > rotations.size()) {
    return InvalidArgumentError("The marker is invalid.", keys::reason::kInvalidMarker);
  }
  size_t end = std::min(rotations.size(), start + LimitFrom(c.in, 100));
  c.out.StartObject();
  c.out.Key("Rotations");
  c.out.StartArray();
  for (size_t i = start; i < end; ++i) {
    c.out.StartObject();
    c.out.Field("KeyId", k.key_id);
    c.out.FieldTime("RotationDate", rotations[i].date);
    c.out.Field("RotationType", rotations[i].on_demand ? "ON_DEMAND" : "AUTOMATIC");
    c.out.EndObject();
  }
  c.out.EndArray();
  WritePageEnd(c.out, end < rotations.size() ? std::optional(IndexMarker(end)) : std::nullopt);
  c.out.EndObject();
  return Ok();
}

// --- Cryptography ---

Result<void> KmsApi::Encrypt(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key key, KeyForUse(keys_, c.in, "KeyId"));
  COFFER_ASSIGN_OR_RETURN(auto algorithm, EncryptionAlgorithmFrom(c.in, "EncryptionAlgorithm"));
  std::optional<SecretBytes> plaintext = c.in.SecretBlob("Plaintext");
  if (!plaintext) return Validation("Plaintext is required.");
  COFFER_ASSIGN_OR_RETURN(
      std::string blob,
      keys_.EncryptWith(key, algorithm, plaintext->view(), ContextFrom(c.in, "EncryptionContext")));
  COFFER_RETURN_IF_ERROR(CheckDryRun(c.in));
  c.out.StartObject();
  c.out.Key("CiphertextBlob");
  c.out.Blob(blob);
  c.out.Field("KeyId", key.arn);
  c.out.Field("EncryptionAlgorithm", EncryptionAlgorithmName(algorithm));
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::Decrypt(Call& c) {
  if (c.in.Has("Recipient")) {
    return Unsupported("Recipient (attested Nitro Enclaves decryption) is not supported.");
  }
  COFFER_ASSIGN_OR_RETURN(auto algorithm, EncryptionAlgorithmFrom(c.in, "EncryptionAlgorithm"));
  std::string blob = c.in.Blob("CiphertextBlob").value_or(std::string());
  std::optional<std::string> key_ref = c.in.Str("KeyId");
  COFFER_ASSIGN_OR_RETURN(
      keys::Decrypted d,
      keys_.DecryptWith(blob, algorithm, ContextFrom(c.in, "EncryptionContext"),
                        key_ref ? std::optional<std::string_view>(*key_ref) : std::nullopt));
  COFFER_RETURN_IF_ERROR(CheckDryRun(c.in));
  c.out.StartObject();
  c.out.Field("KeyId", d.key_arn);
  c.out.Key("Plaintext");
  c.out.Blob(d.plaintext.view());
  c.out.Field("EncryptionAlgorithm", EncryptionAlgorithmName(algorithm));
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::ReEncrypt(Call& c) {
  COFFER_ASSIGN_OR_RETURN(auto source_algorithm,
                          EncryptionAlgorithmFrom(c.in, "SourceEncryptionAlgorithm"));
  COFFER_ASSIGN_OR_RETURN(auto destination_algorithm,
                          EncryptionAlgorithmFrom(c.in, "DestinationEncryptionAlgorithm"));
  std::string blob = c.in.Blob("CiphertextBlob").value_or(std::string());
  std::optional<std::string> source_ref = c.in.Str("SourceKeyId");
  COFFER_ASSIGN_OR_RETURN(Key destination, KeyForUse(keys_, c.in, "DestinationKeyId"));
  COFFER_ASSIGN_OR_RETURN(
      keys::Decrypted d,
      keys_.DecryptWith(blob, source_algorithm, ContextFrom(c.in, "SourceEncryptionContext"),
                        source_ref ? std::optional<std::string_view>(*source_ref) : std::nullopt));
  COFFER_ASSIGN_OR_RETURN(std::string out_blob,
                          keys_.EncryptWith(destination, destination_algorithm, d.plaintext.view(),
                                            ContextFrom(c.in, "DestinationEncryptionContext")));
  COFFER_RETURN_IF_ERROR(CheckDryRun(c.in));
  c.out.StartObject();
  c.out.Key("CiphertextBlob");
  c.out.Blob(out_blob);
  c.out.Field("SourceKeyId", d.key_arn);
  c.out.Field("KeyId", destination.arn);
  c.out.Field("SourceEncryptionAlgorithm", EncryptionAlgorithmName(source_algorithm));
  c.out.Field("DestinationEncryptionAlgorithm", EncryptionAlgorithmName(destination_algorithm));
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::GenerateDataKey(Call& c, bool with_plaintext) {
  if (c.in.Has("Recipient")) {
    return Unsupported("Recipient (attested Nitro Enclaves decryption) is not supported.");
  }
  auto spec = c.in.Str("KeySpec");
  auto bytes = c.in.Int("NumberOfBytes");
  if (spec && bytes) {
    return Validation("KeySpec and NumberOfBytes are mutually exclusive; specify one of them.");
  }
  if (!spec && !bytes) return Validation("Please specify either number of bytes or key spec.");
  size_t length = bytes ? static_cast<size_t>(*bytes) : (*spec == "AES_128" ? 16 : 32);
  COFFER_ASSIGN_OR_RETURN(Key key, KeyForUse(keys_, c.in, "KeyId"));
  COFFER_ASSIGN_OR_RETURN(
      keys::DataKey dk, keys_.GenerateDataKey(key, ContextFrom(c.in, "EncryptionContext"), length));
  COFFER_RETURN_IF_ERROR(CheckDryRun(c.in));
  c.out.StartObject();
  c.out.Key("CiphertextBlob");
  c.out.Blob(dk.ciphertext_blob);
  if (with_plaintext) {
    c.out.Key("Plaintext");
    c.out.Blob(dk.plaintext.view());
  }
  c.out.Field("KeyId", dk.key_arn);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::GenerateDataKeyPair(Call& c, bool with_plaintext) {
  if (c.in.Has("Recipient")) {
    return Unsupported("Recipient (attested Nitro Enclaves decryption) is not supported.");
  }
  COFFER_ASSIGN_OR_RETURN(auto pair,
                          NamedFrom(c.in, "KeyPairSpec", kKeyPairSpecs, "key pair spec"));
  COFFER_ASSIGN_OR_RETURN(Key key, KeyForUse(keys_, c.in, "KeyId"));
  COFFER_ASSIGN_OR_RETURN(
      keys::DataKeyPair dk,
      keys_.GenerateDataKeyPair(key, pair->value, ContextFrom(c.in, "EncryptionContext")));
  COFFER_RETURN_IF_ERROR(CheckDryRun(c.in));
  c.out.StartObject();
  c.out.Key("PrivateKeyCiphertextBlob");
  c.out.Blob(dk.private_key_ciphertext);
  if (with_plaintext) {
    c.out.Key("PrivateKeyPlaintext");
    c.out.Blob(dk.private_key.view());
  }
  c.out.Key("PublicKey");
  c.out.Blob(dk.public_key);
  c.out.Field("KeyId", dk.key_arn);
  c.out.Field("KeyPairSpec", pair->name);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::GenerateRandom(Call& c) {
  if (c.in.Has("CustomKeyStoreId")) {
    return FailedPreconditionError("Custom key stores are not supported.", kCustomKeyStoreNotFound);
  }
  if (c.in.Has("Recipient")) {
    return Unsupported("Recipient (attested Nitro Enclaves decryption) is not supported.");
  }
  auto bytes = c.in.Int("NumberOfBytes");
  if (!bytes) return Validation("NumberOfBytes is required.");
  SecretBytes random = keys_.GenerateRandom(static_cast<size_t>(*bytes));
  c.out.StartObject();
  c.out.Key("Plaintext");
  c.out.Blob(random.view());
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::Sign(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key key, KeyForUse(keys_, c.in, "KeyId"));
  COFFER_ASSIGN_OR_RETURN(auto algorithm, SigningAlgorithmFrom(c.in));
  std::string type = c.in.StrOr("MessageType", "RAW");
  if (type != "RAW" && type != "DIGEST") {
    return Unsupported("MessageType " + type + " is not supported.");
  }
  std::optional<SecretBytes> message = c.in.SecretBlob("Message");
  if (!message) return Validation("Message is required.");
  COFFER_ASSIGN_OR_RETURN(std::string signature,
                          keys_.Sign(key, algorithm, message->view(), type == "DIGEST"));
  COFFER_RETURN_IF_ERROR(CheckDryRun(c.in));
  c.out.StartObject();
  c.out.Field("KeyId", key.arn);
  c.out.Key("Signature");
  c.out.Blob(signature);
  c.out.Field("SigningAlgorithm", c.in.StrOr("SigningAlgorithm"));
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::Verify(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key key, KeyForUse(keys_, c.in, "KeyId"));
  COFFER_ASSIGN_OR_RETURN(auto algorithm, SigningAlgorithmFrom(c.in));
  std::string type = c.in.StrOr("MessageType", "RAW");
  if (type != "RAW" && type != "DIGEST") {
    return Unsupported("MessageType " + type + " is not supported.");
  }
  std::optional<SecretBytes> message = c.in.SecretBlob("Message");
  if (!message) return Validation("Message is required.");
  std::string signature = c.in.Blob("Signature").value_or(std::string());
  COFFER_ASSIGN_OR_RETURN(
      bool valid, keys_.Verify(key, algorithm, message->view(), type == "DIGEST", signature));
  if (!valid) {
    return InvalidArgumentError("The signature is not valid.", kInvalidSignature);
  }
  COFFER_RETURN_IF_ERROR(CheckDryRun(c.in));
  c.out.StartObject();
  c.out.Field("KeyId", key.arn);
  c.out.FieldBool("SignatureValid", true);
  c.out.Field("SigningAlgorithm", c.in.StrOr("SigningAlgorithm"));
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::GetPublicKey(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key key, KeyForUse(keys_, c.in, "KeyId"));
  COFFER_ASSIGN_OR_RETURN(std::string public_key, keys_.GetPublicKey(key));
  c.out.StartObject();
  c.out.Field("KeyId", key.arn);
  c.out.Key("PublicKey");
  c.out.Blob(public_key);
  c.out.Field("CustomerMasterKeySpec", keys::KeySpecName(key.spec));
  c.out.Field("KeySpec", keys::KeySpecName(key.spec));
  c.out.Field("KeyUsage", keys::KeyUsageName(key.usage));
  WriteAlgorithms(c.out, key);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::GenerateMac(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key key, KeyForUse(keys_, c.in, "KeyId"));
  COFFER_ASSIGN_OR_RETURN(auto algorithm, MacAlgorithmFrom(c.in));
  std::optional<SecretBytes> message = c.in.SecretBlob("Message");
  if (!message) return Validation("Message is required.");
  COFFER_ASSIGN_OR_RETURN(std::string mac, keys_.GenerateMac(key, algorithm, message->view()));
  COFFER_RETURN_IF_ERROR(CheckDryRun(c.in));
  c.out.StartObject();
  c.out.Key("Mac");
  c.out.Blob(mac);
  c.out.Field("MacAlgorithm", c.in.StrOr("MacAlgorithm"));
  c.out.Field("KeyId", key.arn);
  c.out.EndObject();
  return Ok();
}

Result<void> KmsApi::VerifyMac(Call& c) {
  COFFER_ASSIGN_OR_RETURN(Key key, KeyForUse(keys_, c.in, "KeyId"));
  COFFER_ASSIGN_OR_RETURN(auto algorithm, MacAlgorithmFrom(c.in));
  std::optional<SecretBytes> message = c.in.SecretBlob("Message");
  if (!message) return Validation("Message is required.");
  std::string mac = c.in.Blob("Mac").value_or(std::string());
  COFFER_ASSIGN_OR_RETURN(bool valid, keys_.VerifyMac(key, algorithm, message->view(), mac));
  if (!valid) return InvalidArgumentError("The MAC is not valid.", kInvalidMac);
  COFFER_RETURN_IF_ERROR(CheckDryRun(c.in));
  c.out.StartObject();
  c.out.Field("KeyId", key.arn);
  c.out.FieldBool("MacValid", true);
  c.out.Field("MacAlgorithm", c.in.StrOr("MacAlgorithm"));
  c.out.EndObject();
  return Ok();
}

}  // namespace coffer::api::aws_json
