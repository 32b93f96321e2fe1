#include "core/parameters/parameter_service.h"

#include <algorithm>
#include <set>

#include "base/encoding.h"
#include "base/strings.h"
#include "core/common/page_token.h"
#include "core/keys/errors.h"
#include "core/parameters/errors.h"
#include "core/parameters/parameter_name.h"

namespace coffer::parameters {
namespace {

constexpr size_t kStandardMaxValue = 4096;
constexpr size_t kAdvancedMaxValue = 8192;
constexpr std::string_view kDefaultKey = "alias/aws/ssm";

Error Validation(std::string m) { return InvalidArgumentError(std::move(m), reason::kValidation); }
Error NotFound(std::string_view name) {
  return NotFoundError("Parameter " + std::string(name) + " not found.", reason::kNotFound);
}
Error VersionNotFound(std::string_view name, int64_t version) {
  return NotFoundError("Systems Manager could not find version " + std::to_string(version) +
                           " of " + std::string(name) + ". Verify the version and try again.",
                       reason::kVersionNotFound);
}
Error TooManyUpdates() {
  return AbortedError(
      "There are concurrent updates for a resource that supports one update at a "
      "time.",
      reason::kTooManyUpdates);
}
Error BadToken() {
  return InvalidArgumentError("The specified token isn't valid.", reason::kInvalidNextToken);
}

bool IsKeyProblem(const Error& e) {
  return e.reason == keys::reason::kKeyDisabled || e.reason == keys::reason::kKeyInvalidState ||
         e.reason == keys::reason::kKeyNotFound || e.reason == keys::reason::kInvalidKeyUsage ||
         e.reason == keys::reason::kInvalidCiphertext || e.reason == keys::reason::kInvalidArn;
}

keys::EncryptionContext KmsContext(const std::string& arn) {
  // The context AWS Parameter Store passes to KMS, so key policies written for AWS work.
  return {{"PARAMETER_ARN", arn}};
}

Result<std::vector<std::string>> DecodeToken(std::string_view token, std::string_view kind,
                                             size_t fields) {
  auto decoded = core::DecodePageToken(token, kind, fields);
  if (!decoded) return BadToken();
  return std::move(*decoded);
}

Result<size_t> PageSize(const std::optional<int64_t>& requested, size_t max) {
  if (!requested) return max;
  if (*requested < 1 || static_cast<uint64_t>(*requested) > max) {
    return Validation("1 validation error detected: Value '" + std::to_string(*requested) +
                      "' at 'maxResults' failed to satisfy constraint: Member must have value "
                      "less than or equal to " +
                      std::to_string(max));
  }
  return static_cast<size_t>(*requested);
}

bool IsAmiId(std::string_view v) {
  if (!v.starts_with("ami-")) return false;
  std::string_view hex = v.substr(4);
  if (hex.size() != 8 && hex.size() != 17) return false;
  return std::all_of(hex.begin(), hex.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<void> CheckPolicies(const std::vector<ParameterPolicy>& policies) {
  if (policies.size() > 10) {
    return InvalidArgumentError(
        "You specified more than the maximum number of allowed policies for the parameter. The "
        "maximum is 10.",
        reason::kPoliciesLimit);
  }
  int expirations = 0;
  for (const ParameterPolicy& p : policies) {
    if (p.type != "Expiration" && p.type != "ExpirationNotification" &&
        p.type != "NoChangeNotification") {
      return InvalidArgumentError(
          "The policy type " + p.type +
              " isn't supported. Parameter Store supports the following policy types: "
              "Expiration, ExpirationNotification, and NoChangeNotification.",
          reason::kInvalidPolicyType);
    }
    if (p.type == "Expiration" && ++expirations > 1) {
      return InvalidArgumentError(
          "There is a conflict in the policies specified for this parameter. You can't specify "
          "two Expiration policies for a parameter.",
          reason::kIncompatiblePolicy);
    }
  }
  return Ok();
}

Result<void> CheckTags(const core::Tags& tags, size_t max_tags) {
  if (tags.size() > max_tags) {
    return InvalidArgumentError(
        "The parameter can have at most " + std::to_string(max_tags) + " tags.",
        reason::kTooManyTags);
  }
  for (const core::Tag& t : tags) {
    if (StartsWithIgnoreCase(t.key, "aws:")) {
      return Validation("Tag keys can't start with the reserved prefix aws:.");
    }
  }
  return Ok();
}

}  // namespace

ParameterService::ParameterService(ParameterStore& store, keys::KeyService& keys,
                                   const PatternMatcher& patterns, const Clock& clock,
                                   secrets::SecretService* secrets, Options options)
    : store_(store),
      keys_(keys),
      patterns_(patterns),
      clock_(clock),
      secrets_(secrets),
      options_(options) {}

Result<ParameterService::Locked> ParameterService::Lock(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(secrets::WriteLocks::Held held, write_locks_.Acquire(path));
  COFFER_ASSIGN_OR_RETURN(std::optional<Parameter> p, store_.Find(path));
  if (!p) return NotFound(path);
  return Locked{std::move(*p), std::move(held)};
}

Result<keys::Key> ParameterService::KeyFor(const std::string& key_id) {
  bool managed = key_id == kDefaultKey || key_id == keys_.AliasArn(kDefaultKey);
  auto key = managed ? keys_.ManagedKey("ssm") : keys_.ResolveKey(key_id);
  if (!key.has_value()) {
    if (IsKeyProblem(key.error())) {
      return InvalidArgumentError("Invalid KeyId " + key_id + ". " + key.error().message,
                                  reason::kInvalidKeyId);
    }
    return std::move(key).error();
  }
  return key;
}

Result<std::string> ParameterService::Seal(const keys::Key& key, const std::string& arn,
                                           std::string_view value) {
  auto blob = keys_.Encrypt(key, value, KmsContext(arn));
  if (!blob.has_value() && IsKeyProblem(blob.error())) {
    return InvalidArgumentError(blob.error().message, reason::kInvalidKeyId);
  }
  return blob;
}

Result<SecretBytes> ParameterService::Open(const std::string& arn, const std::string& blob) {
  auto plain = keys_.Decrypt(blob, KmsContext(arn));
  if (!plain.has_value()) {
    if (IsKeyProblem(plain.error())) {
      return InvalidArgumentError(plain.error().message, reason::kInvalidKeyId);
    }
    return std::move(plain).error();
  }
  return std::move(plain->plaintext);
}

Result<ParameterValue> ParameterService::ToValue(const Parameter& p, const ParameterVersion& v,
                                                 bool with_decryption, std::string selector) {
  ParameterValue out;
  out.name = p.name;
  out.arn = p.arn;
  out.type = v.attributes.type;
  out.version = v.version;
  out.selector = std::move(selector);
  out.last_modified = v.attributes.last_modified;
  out.data_type = v.attributes.data_type;
  if (v.attributes.type != ParameterType::kSecureString) {
    out.value = SecretBytes::CopyFrom(std::string_view(v.value));
  } else if (with_decryption) {
    COFFER_ASSIGN_OR_RETURN(out.value, Open(p.arn, v.value));
  } else {
    out.value = SecretBytes::CopyFrom(std::string_view(Base64Encode(v.value)));
  }
  return out;
}

Result<PutParameterResult> ParameterService::PutParameter(PutParameterRequest req) {
  COFFER_ASSIGN_OR_RETURN(std::string path, CheckNewName(req.name));
  std::string arn = ParameterArn(keys_.account(), path);
  if (arn.size() > kMaxArnLength) {
    return Validation(
        "Parameter name: the ARN of the parameter can't be longer than 1011 "
        "characters.");
  }
  if (req.value.empty()) {
    return Validation(
        "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member "
        "must have length greater than or equal to 1.");
  }
  if (req.overwrite && req.tags && !req.tags->empty()) {
    return Validation(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with "
        "tags, please remove overwrite flag. To update tags for an existing parameter, please use "
        "AddTagsToResource or RemoveTagsFromResource.");
  }
  if (req.tags) COFFER_RETURN_IF_ERROR(CheckTags(*req.tags, options_.max_tags));
  if (req.data_type && *req.data_type != "text" && *req.data_type != "aws:ec2:image" &&
      *req.data_type != "aws:ssm:integration") {
    return Validation("The following data type is not supported: " + *req.data_type +
                      " (Data type names are all lowercase.)");
  }
  if (req.policies) COFFER_RETURN_IF_ERROR(CheckPolicies(*req.policies));

  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(secrets::WriteLocks::Held held, write_locks_.Acquire(path));
    COFFER_ASSIGN_OR_RETURN(std::optional<Parameter> existing, store_.Find(path));
    if (existing && !req.overwrite) {
      return AlreadyExistsError(
          "The parameter already exists. To overwrite this value, set the overwrite option in "
          "the request to true.",
          reason::kAlreadyExists);
    }
    if (!existing && !req.type) {
      return Validation("A parameter type is required when you create a parameter.");
    }
    const VersionAttributes* prev = existing ? &existing->latest : nullptr;
    VersionAttributes a;
    a.type = req.type ? *req.type : prev->type;
    a.description = req.description ? req.description : (prev ? prev->description : std::nullopt);
    if (a.description && a.description->empty()) a.description.reset();
    a.allowed_pattern =
        req.allowed_pattern ? req.allowed_pattern : (prev ? prev->allowed_pattern : std::nullopt);
    if (a.allowed_pattern && a.allowed_pattern->empty()) a.allowed_pattern.reset();
    a.data_type = req.data_type ? *req.data_type : (prev ? prev->data_type : "text");
    a.policies =
        req.policies ? *req.policies : (prev ? prev->policies : std::vector<ParameterPolicy>{});
    if (a.type == ParameterType::kSecureString) {
      if (req.key_id) {
        a.key_id = req.key_id;
      } else if (prev && prev->type == ParameterType::kSecureString && prev->key_id) {
        a.key_id = prev->key_id;
      } else {
        a.key_id = std::string(kDefaultKey);
      }
    }
    // The tier: an explicit request, else what the parameter has; never down from Advanced.
    bool was_advanced = prev && prev->tier == Tier::kAdvanced;
    Tier wanted = req.tier ? *req.tier : (was_advanced ? Tier::kAdvanced : Tier::kStandard);
    if (wanted == Tier::kIntelligentTiering) {
      wanted = (was_advanced || req.value.size() > kStandardMaxValue || !a.policies.empty())
                   ? Tier::kAdvanced
                   : Tier::kStandard;
    }
    if (wanted == Tier::kStandard && was_advanced) {
      return Validation(
          "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from "
          "the advanced-parameter tier to the standard-parameter tier. If necessary, you can "
          "delete the advanced parameter and recreate it as a standard parameter.");
    }
    a.tier = wanted;
    if (a.tier == Tier::kStandard && req.value.size() > kStandardMaxValue) {
      return Validation(
          "Standard tier parameters support a maximum parameter value of 4096 characters. To "
          "create a larger parameter value, upgrade the parameter to use the advanced-parameter "
          "tier. For more information, see "
          "https://docs.aws.amazon.com/systems-manager/latest/userguide/"
          "parameter-store-advanced-parameters.html");
    }
    if (req.value.size() > kAdvancedMaxValue) {
      return Validation(
          "1 validation error detected: Value at 'value' failed to satisfy constraint: Member "
          "must have length less than or equal to 8192.");
    }
    if (a.tier == Tier::kStandard && !a.policies.empty()) {
      return Validation(
          "Standard tier parameters don't support parameter policies. To use parameter policies, "
          "use the advanced-parameter tier.");
    }
    if (a.data_type == "aws:ec2:image") {
      if (a.type != ParameterType::kString) {
        return Validation("The data type aws:ec2:image is supported only for String parameters.");
      }
      if (!IsAmiId(req.value.view())) {
        return Validation("Parameter value, " + std::string(req.value.view()) +
                          ", is not in a valid AMI ID format.");
      }
    }
    if (a.allowed_pattern) {
      auto matches = patterns_.Matches(*a.allowed_pattern, req.value.view());
      if (!matches.has_value()) {
        return InvalidArgumentError(
            "The AllowedPattern " + *a.allowed_pattern + " is not a valid regular expression.",
            reason::kInvalidAllowedPattern);
      }
      if (!*matches) {
        return InvalidArgumentError(
            "Parameter value, cannot be validated against allowedPattern: " + *a.allowed_pattern,
            reason::kPatternMismatch);
      }
    }
    a.last_modified = clock_.Now();
    a.last_modified_user = req.caller_arn;

    ParameterVersion v;
    v.attributes = a;
    if (a.type == ParameterType::kSecureString) {
      COFFER_ASSIGN_OR_RETURN(keys::Key key, KeyFor(*a.key_id));
      COFFER_ASSIGN_OR_RETURN(v.value, Seal(key, arn, req.value.view()));
    } else {
      v.value = std::string(req.value.view());
    }

    Result<void> written = Ok();
    if (!existing) {
      Parameter p;
      p.path = path;
      p.name = std::string(TrimWhitespace(req.name));
      p.arn = arn;
      p.version = v.version = 1;
      p.version_count = 1;
      p.latest = a;
      p.tags = req.tags.value_or(core::Tags{});
      p.revision = 1;
      written = store_.Create(p, v);
      if (!written.has_value() && written.error().code == ErrorCode::kAlreadyExists) continue;
    } else {
      Parameter& p = *existing;
      std::vector<int64_t> dropped;
      if (static_cast<size_t>(p.version_count) >= options_.max_versions) {
        COFFER_ASSIGN_OR_RETURN(std::vector<ParameterVersion> oldest, store_.History(path, 0, 1));
        if (!oldest.empty()) {
          int64_t old = oldest[0].version;
          if (!p.LabelsOf(old).empty()) {
            return FailedPreconditionError(
                "You attempted to create a new version of " + p.name +
                    " by calling the PutParameter API with the overwrite flag. Version " +
                    std::to_string(old) +
                    ", the oldest version, can't be deleted because it has a label associated "
                    "with it. Move the label to another version of the parameter, and try again.",
                reason::kMaxVersionLimit);
          }
          dropped.push_back(old);
          p.version_count -= 1;
        }
      }
      p.version += 1;
      p.version_count += 1;
      v.version = p.version;
      p.latest = a;
      written = store_.Update(p, {v}, dropped);
      if (!written.has_value() && written.error().code == ErrorCode::kAborted) continue;
    }
    if (!written.has_value()) return std::move(written).error();
    held.ReleaseWhenSettled();
    return PutParameterResult{v.version, a.tier};
  }
  return TooManyUpdates();
}

Result<ParameterValue> ParameterService::ReadSecretReference(std::string_view name,
                                                             bool with_decryption) {
  if (!with_decryption) {
    return Validation("WithDecryption flag must be True for retrieving a Secret Manager secret.");
  }
  std::string secret_id(name.substr(kSecretsManagerReference.size()));
  Error missing = NotFoundError(
      "An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret " +
          std::string(name) + " not found.",
      reason::kNotFound);
  if (secrets_ == nullptr || secret_id.empty()) return missing;
  auto desc = secrets_->DescribeSecret(secret_id);
  if (!desc.has_value()) {
    if (desc.error().code == ErrorCode::kNotFound ||
        desc.error().code == ErrorCode::kInvalidArgument) {
      return missing;
    }
    return std::move(desc).error();
  }
  auto value = secrets_->GetSecretValue({secret_id, std::nullopt, std::nullopt, nullptr});
  if (!value.has_value()) {
    if (value.error().code == ErrorCode::kNotFound ||
        value.error().code == ErrorCode::kFailedPrecondition) {
      return missing;
    }
    return std::move(value).error();
  }
  ParameterValue out;
  out.name = std::string(name);
  out.arn = value->ref.arn;
  out.type = ParameterType::kSecureString;
  out.value = value->value.is_binary
                  ? SecretBytes::CopyFrom(std::string_view(Base64Encode(value->value.bytes.view())))
                  : std::move(value->value.bytes);
  out.version = 0;
  out.last_modified = value->created;
  out.labels = value->stages;
  out.labels.insert(out.labels.begin(), value->version_id);
  out.source = std::move(desc).value();
  return out;
}

Result<ParameterValue> ParameterService::GetParameter(std::string_view name, bool with_decryption) {
  std::string_view trimmed = TrimWhitespace(name);
  if (trimmed.starts_with(kSecretsManagerReference)) {
    return ReadSecretReference(trimmed, with_decryption);
  }
  COFFER_ASSIGN_OR_RETURN(NameReference ref, ParseReference(name, keys_.account()));
  COFFER_ASSIGN_OR_RETURN(std::optional<ParameterRead> read, store_.Read(ref.path, ref.selector));
  if (!read) return NotFound(trimmed);
  if (!read->version) {
    if (ref.selector.version) return VersionNotFound(ref.path, *ref.selector.version);
    return NotFound(trimmed);
  }
  return ToValue(read->parameter, *read->version, with_decryption, ref.selector_text);
}

Result<GetParametersResult> ParameterService::GetParameters(const std::vector<std::string>& names,
                                                            bool with_decryption) {
  GetParametersResult out;
  std::set<std::string> seen;
  for (const std::string& name : names) {
    if (!seen.insert(name).second) continue;
    auto v = GetParameter(name, with_decryption);
    if (v.has_value()) {
      out.parameters.push_back(std::move(v).value());
      continue;
    }
    const Error& e = v.error();
    if (e.code == ErrorCode::kNotFound ||
        (e.code == ErrorCode::kInvalidArgument && e.reason == reason::kValidation &&
         !TrimWhitespace(name).starts_with(kSecretsManagerReference))) {
      out.invalid.push_back(name);
      continue;
    }
    return std::move(v).error();
  }
  std::sort(out.parameters.begin(), out.parameters.end(),
            [](const ParameterValue& a, const ParameterValue& b) { return a.name < b.name; });
  return out;
}

Result<bool> ParameterService::MoreAfter(const PathScan& scan, bool exhausted, bool unread) {
  if (unread) return true;
  if (exhausted || !scan.after) return false;
  // The page ended exactly at the end of a scan: one row past it says whether more follow.
  PathScan probe = scan;
  probe.limit = 1;
  probe.with_values = false;
  COFFER_ASSIGN_OR_RETURN(std::vector<ParameterRead> more, store_.Scan(probe));
  return !more.empty();
}

Result<ValuePage> ParameterService::GetParametersByPath(const GetByPathRequest& req) {
  COFFER_ASSIGN_OR_RETURN(size_t page_size, PageSize(req.max_results, 10));
  COFFER_ASSIGN_OR_RETURN(std::string prefix, NormalizePath(req.path));
  COFFER_ASSIGN_OR_RETURN(std::vector<ParameterFilter> filters,
                          ParseFilters(req.filters, FilterUse::kByPath));
  const std::string recursive = req.recursive ? "r" : "o";
  PathScan scan;
  scan.prefix = prefix;
  scan.one_level = !req.recursive;
  scan.with_values = true;
  if (req.next_token) {
    COFFER_ASSIGN_OR_RETURN(auto f, DecodeToken(*req.next_token, "gp1", 4));
    if (f[1] != prefix || f[2] != recursive || !f[3].starts_with(prefix)) return BadToken();
    scan.after = f[3];
  }
  std::vector<std::string> labels;
  for (const ParameterFilter& f : filters) {
    if (f.key == FilterKey::kLabel) labels = f.values;
  }
  ValuePage out;
  size_t scanned = 0;
  bool exhausted = false;
  bool unread = false;  // the last scan returned rows past the page: no probe needed
  while (out.parameters.size() < page_size && scanned < options_.scan_budget) {
    scan.limit = std::min(page_size + 1, options_.scan_budget - scanned);
    COFFER_ASSIGN_OR_RETURN(std::vector<ParameterRead> rows, store_.Scan(scan));
    for (ParameterRead& r : rows) {
      ++scanned;
      scan.after = r.parameter.path;
      if (!MatchesAll(r.parameter, filters) || !r.version) continue;
      ParameterVersion version = std::move(*r.version);
      if (!labels.empty()) {
        // The version that carries the label (the first of the filter's labels present).
        for (const std::string& l : labels) {
          auto it = r.parameter.labels.find(l);
          if (it == r.parameter.labels.end()) continue;
          if (it->second != version.version) {
            COFFER_ASSIGN_OR_RETURN(std::optional<ParameterRead> labelled,
                                    store_.Read(r.parameter.path, Selector{it->second, {}}));
            if (!labelled || !labelled->version) continue;
            version = std::move(*labelled->version);
          }
          break;
        }
      }
      COFFER_ASSIGN_OR_RETURN(ParameterValue v,
                              ToValue(r.parameter, version, req.with_decryption, ""));
      out.parameters.push_back(std::move(v));
      if (out.parameters.size() == page_size) {
        unread = &r != &rows.back();
        break;
      }
    }
    if (rows.size() < scan.limit && out.parameters.size() < page_size) {
      exhausted = true;
      break;
    }
  }
  COFFER_ASSIGN_OR_RETURN(bool more, MoreAfter(scan, exhausted, unread));
  if (more) out.next_token = core::EncodePageToken({"gp1", prefix, recursive, *scan.after});
  return out;
}

Result<DescribePage> ParameterService::DescribeParameters(const DescribeRequest& req) {
  COFFER_ASSIGN_OR_RETURN(size_t page_size, PageSize(req.max_results, 50));
  if (!req.filters.empty() && !req.parameter_filters.empty()) {
    return Validation("You can use either Filters or ParameterFilters in a single request.");
  }
  std::vector<ParameterFilter> filters;
  if (!req.filters.empty()) {
    COFFER_ASSIGN_OR_RETURN(filters, ParseLegacyFilters(req.filters));
  } else {
    COFFER_ASSIGN_OR_RETURN(filters, ParseFilters(req.parameter_filters, FilterUse::kDescribe));
  }
  // Narrow the scan with an index where a filter allows it; the rest is matched row by row.
  PathScan scan;
  for (const ParameterFilter& f : filters) {
    if (f.values.size() != 1) continue;
    const std::string& v = f.values[0];
    if (f.key == FilterKey::kPath) {
      scan.prefix = v == "/" ? "/" : v + "/";
      scan.one_level = f.option == FilterOption::kOneLevel;
      break;
    }
    if (f.key == FilterKey::kName &&
        (f.option == FilterOption::kEquals || f.option == FilterOption::kBeginsWith)) {
      scan.prefix = v;
      break;
    }
  }
  if (req.next_token) {
    COFFER_ASSIGN_OR_RETURN(auto f, DecodeToken(*req.next_token, "dp1", 2));
    scan.after = f[1];
  }
  DescribePage out;
  size_t scanned = 0;
  bool exhausted = false;
  bool unread = false;  // the last scan returned rows past the page: no probe needed
  while (out.parameters.size() < page_size && scanned < options_.scan_budget) {
    scan.limit = std::min(page_size + 1, options_.scan_budget - scanned);
    COFFER_ASSIGN_OR_RETURN(std::vector<ParameterRead> rows, store_.Scan(scan));
    for (ParameterRead& r : rows) {
      ++scanned;
      scan.after = r.parameter.path;
      if (!MatchesAll(r.parameter, filters)) continue;
      out.parameters.push_back(std::move(r.parameter));
      if (out.parameters.size() == page_size) {
        unread = &r != &rows.back();
        break;
      }
    }
    if (rows.size() < scan.limit && out.parameters.size() < page_size) {
      exhausted = true;
      break;
    }
  }
  COFFER_ASSIGN_OR_RETURN(bool more, MoreAfter(scan, exhausted, unread));
  if (more) out.next_token = core::EncodePageToken({"dp1", *scan.after});
  return out;
}

Result<ValuePage> ParameterService::GetParameterHistory(const HistoryRequest& req) {
  COFFER_ASSIGN_OR_RETURN(size_t page_size, PageSize(req.max_results, 50));
  COFFER_ASSIGN_OR_RETURN(std::string path, NormalizeName(req.name));
  COFFER_ASSIGN_OR_RETURN(std::optional<Parameter> p, store_.Find(path));
  if (!p) return NotFound(TrimWhitespace(req.name));
  int64_t after = 0;
  if (req.next_token) {
    COFFER_ASSIGN_OR_RETURN(auto f, DecodeToken(*req.next_token, "ph1", 3));
    auto v = ParseInt64(f[2]);
    if (f[1] != path || !v) return BadToken();
    after = *v;
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<ParameterVersion> versions,
                          store_.History(path, after, page_size + 1));
  ValuePage out;
  for (size_t i = 0; i < versions.size() && i < page_size; ++i) {
    COFFER_ASSIGN_OR_RETURN(ParameterValue v, ToValue(*p, versions[i], req.with_decryption, ""));
    v.labels = p->LabelsOf(versions[i].version);
    v.attributes = versions[i].attributes;
    out.parameters.push_back(std::move(v));
  }
  if (versions.size() > page_size) {
    out.next_token =
        core::EncodePageToken({"ph1", path, std::to_string(versions[page_size - 1].version)});
  }
  return out;
}

Result<void> ParameterService::DeleteParameter(std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(std::string path, NormalizeName(name));
  COFFER_ASSIGN_OR_RETURN(secrets::WriteLocks::Held held, write_locks_.Acquire(path));
  // Checked first so that a deferred delete (see DeferredWrites) only queues real deletions.
  COFFER_ASSIGN_OR_RETURN(std::optional<Parameter> existing, store_.Find(path));
  if (!existing) return NotFound(TrimWhitespace(name));
  auto deleted = store_.Delete(path);
  if (!deleted.has_value()) {
    if (deleted.error().code == ErrorCode::kNotFound) return NotFound(TrimWhitespace(name));
    return deleted;
  }
  held.ReleaseWhenSettled();
  return Ok();
}

Result<DeleteParametersResult> ParameterService::DeleteParameters(
    const std::vector<std::string>& names) {
  DeleteParametersResult out;
  for (const std::string& name : names) {
    auto deleted = DeleteParameter(name);
    if (deleted.has_value()) {
      out.deleted.push_back(name);
    } else if (deleted.error().code == ErrorCode::kNotFound ||
               deleted.error().code == ErrorCode::kInvalidArgument) {
      out.invalid.push_back(name);
    } else {
      return std::move(deleted).error();
    }
  }
  return out;
}

template <class F>
Result<void> ParameterService::Modify(std::string_view name, Error not_found, F&& change) {
  COFFER_ASSIGN_OR_RETURN(std::string path, NormalizeName(name));
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    auto locked = Lock(path);
    if (!locked.has_value()) {
      if (locked.error().code == ErrorCode::kNotFound) return not_found;
      return std::move(locked).error();
    }
    Parameter& p = locked->parameter;
    COFFER_ASSIGN_OR_RETURN(bool changed, change(p));
    if (!changed) return Ok();
    auto updated = store_.Update(p, {}, {});
    if (updated.has_value()) {
      locked->held.ReleaseWhenSettled();
      return Ok();
    }
    if (updated.error().code == ErrorCode::kNotFound) return not_found;
    if (updated.error().code != ErrorCode::kAborted) return updated;
  }
  return TooManyUpdates();
}

Result<LabelResult> ParameterService::LabelParameterVersion(
    std::string_view name, std::optional<int64_t> version, const std::vector<std::string>& labels) {
  LabelResult out;
  COFFER_RETURN_IF_ERROR(
      Modify(name, NotFound(TrimWhitespace(name)), [&](Parameter& p) -> Result<bool> {
        out = LabelResult{};
        int64_t target = version.value_or(p.version);
        if (target < 1 || target > p.version) return VersionNotFound(p.name, target);
        if (target != p.version) {
          COFFER_ASSIGN_OR_RETURN(std::optional<ParameterRead> r,
                                  store_.Read(p.path, Selector{target, {}}));
          if (!r || !r->version) return VersionNotFound(p.name, target);
        }
        out.version = target;
        bool changed = false;
        for (const std::string& label : labels) {
          if (!IsValidLabel(label)) {
            out.invalid_labels.push_back(label);
            continue;
          }
          auto it = p.labels.find(label);
          if (it != p.labels.end() && it->second == target) continue;
          p.labels[label] = target;
          changed = true;
        }
        if (p.LabelsOf(target).size() > options_.max_labels_per_version) {
          return ResourceExhaustedError(
              "A parameter version can have maximum 10 labels.Move one or more labels to another "
              "version and try again.",
              reason::kLabelLimit);
        }
        return changed;
      }));
  return out;
}

Result<UnlabelResult> ParameterService::UnlabelParameterVersion(
    std::string_view name, int64_t version, const std::vector<std::string>& labels) {
  UnlabelResult out;
  COFFER_RETURN_IF_ERROR(
      Modify(name, NotFound(TrimWhitespace(name)), [&](Parameter& p) -> Result<bool> {
        out = UnlabelResult{};
        if (version < 1 || version > p.version) return VersionNotFound(p.name, version);
        if (version != p.version) {
          COFFER_ASSIGN_OR_RETURN(std::optional<ParameterRead> r,
                                  store_.Read(p.path, Selector{version, {}}));
          if (!r || !r->version) return VersionNotFound(p.name, version);
        }
        for (const std::string& label : labels) {
          auto it = p.labels.find(label);
          if (it != p.labels.end() && it->second == version) {
            p.labels.erase(it);
            out.removed.push_back(label);
          } else {
            out.invalid.push_back(label);
          }
        }
        return !out.removed.empty();
      }));
  return out;
}

Result<std::string> ParameterService::ResourcePath(std::string_view type, std::string_view id) {
  if (type != "Parameter") {
    return InvalidArgumentError("The resource type isn't valid: only Parameter is supported.",
                                reason::kInvalidResourceType);
  }
  auto ref = ParseReference(id, keys_.account());
  if (!ref.has_value() || !ref->selector_text.empty()) {
    return InvalidArgumentError("The resource ID isn't valid.", reason::kInvalidResourceId);
  }
  return ref->path;
}

Result<void> ParameterService::AddTags(std::string_view type, std::string_view id,
                                       const core::Tags& tags) {
  COFFER_ASSIGN_OR_RETURN(std::string path, ResourcePath(type, id));
  Error missing = InvalidArgumentError("The resource ID isn't valid.", reason::kInvalidResourceId);
  return Modify(path, missing, [&](Parameter& p) -> Result<bool> {
    core::Tags merged = p.tags;
    core::MergeTags(merged, tags);
    COFFER_RETURN_IF_ERROR(CheckTags(merged, options_.max_tags));
    p.tags = std::move(merged);
    return true;
  });
}

Result<core::Tags> ParameterService::ListTags(std::string_view type, std::string_view id) {
  COFFER_ASSIGN_OR_RETURN(std::string path, ResourcePath(type, id));
  COFFER_ASSIGN_OR_RETURN(std::optional<Parameter> p, store_.Find(path));
  if (!p) return InvalidArgumentError("The resource ID isn't valid.", reason::kInvalidResourceId);
  return p->tags;
}

Result<void> ParameterService::RemoveTags(std::string_view type, std::string_view id,
                                          const std::vector<std::string>& keys) {
  COFFER_ASSIGN_OR_RETURN(std::string path, ResourcePath(type, id));
  Error missing = InvalidArgumentError("The resource ID isn't valid.", reason::kInvalidResourceId);
  return Modify(path, missing, [&](Parameter& p) -> Result<bool> {
    size_t before = p.tags.size();
    core::RemoveTags(p.tags, keys);
    return p.tags.size() != before;
  });
}

}  // namespace coffer::parameters
