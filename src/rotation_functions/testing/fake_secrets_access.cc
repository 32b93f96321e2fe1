#include "rotation_functions/testing/fake_secrets_access.h"

#include <algorithm>
#include <utility>

namespace coffer::rotation_functions::testing {
namespace {

constexpr std::string_view kCurrent = "AWSCURRENT";
constexpr std::string_view kPrevious = "AWSPREVIOUS";

bool Has(const std::vector<std::string>& stages, std::string_view stage) {
  return std::find(stages.begin(), stages.end(), stage) != stages.end();
}

void Remove(std::vector<std::string>& stages, std::string_view stage) {
  stages.erase(std::remove(stages.begin(), stages.end(), stage), stages.end());
}

Error SecretNotFound() { return NotFoundError("Secrets Manager can't find the specified secret."); }

}  // namespace

std::string FakeSecretsAccess::AddSecret(std::string_view id, std::string_view secret_string,
                                         bool rotation_enabled) {
  std::lock_guard lock(mu_);
  Secret& s = secrets_[std::string(id)];
  s.arn = std::string(id);
  s.rotation_enabled = rotation_enabled;
  std::string version_id = "initial-" + std::to_string(s.next_version++);
  s.versions[version_id].value = std::string(secret_string);
  AttachStage(s, version_id, std::string(kCurrent));
  return version_id;
}

void FakeSecretsAccess::SetRotationEnabled(std::string_view id, bool enabled) {
  std::lock_guard lock(mu_);
  if (Secret* s = Find(id)) s->rotation_enabled = enabled;
}

void FakeSecretsAccess::StagePending(std::string_view id, std::string_view token) {
  std::lock_guard lock(mu_);
  if (Secret* s = Find(id)) {
    s->versions[std::string(token)];
    AttachStage(*s, std::string(token), "AWSPENDING");
  }
}

void FakeSecretsAccess::SetNextRandomPassword(std::string_view password) {
  std::lock_guard lock(mu_);
  next_password_ = std::string(password);
}

void FakeSecretsAccess::FailNext(Call call, Error error) {
  std::lock_guard lock(mu_);
  failures_[call] = std::move(error);
}

std::string FakeSecretsAccess::VersionWithStage(std::string_view id, std::string_view stage) const {
  std::lock_guard lock(mu_);
  const Secret* s = Find(id);
  if (s == nullptr) return "";
  for (const auto& [version_id, v] : s->versions) {
    if (Has(v.stages, stage)) return version_id;
  }
  return "";
}

std::optional<std::string> FakeSecretsAccess::ValueWithStage(std::string_view id,
                                                             std::string_view stage) const {
  std::lock_guard lock(mu_);
  const Secret* s = Find(id);
  if (s == nullptr) return std::nullopt;
  for (const auto& [version_id, v] : s->versions) {
    if (Has(v.stages, stage)) return v.value;
  }
  return std::nullopt;
}

std::vector<std::string> FakeSecretsAccess::StagesOf(std::string_view id,
                                                     std::string_view version_id) const {
  std::lock_guard lock(mu_);
  const Secret* s = Find(id);
  if (s == nullptr) return {};
  auto it = s->versions.find(std::string(version_id));
  return it == s->versions.end() ? std::vector<std::string>() : it->second.stages;
}

size_t FakeSecretsAccess::VersionCount(std::string_view id) const {
  std::lock_guard lock(mu_);
  const Secret* s = Find(id);
  return s == nullptr ? 0 : s->versions.size();
}

int FakeSecretsAccess::CallCount(Call call) const {
  std::lock_guard lock(mu_);
  auto it = calls_.find(call);
  return it == calls_.end() ? 0 : it->second;
}

Result<rotation::VersionValue> FakeSecretsAccess::GetSecretValue(std::string_view secret_id,
                                                                 std::string_view version_id,
                                                                 std::string_view version_stage) {
  std::lock_guard lock(mu_);
  if (auto failure = Enter(Call::kGetSecretValue)) return *failure;
  const Secret* s = Find(secret_id);
  if (s == nullptr) return SecretNotFound();
  if (version_id.empty() && version_stage.empty()) version_stage = kCurrent;
  const Version* found = nullptr;
  std::string found_id;
  for (const auto& [id, v] : s->versions) {
    if (!version_id.empty() && id != version_id) continue;
    if (!version_stage.empty() && !Has(v.stages, version_stage)) continue;
    found = &v;
    found_id = id;
    break;
  }
  if (found == nullptr || !found->value.has_value()) {
    return NotFoundError("Secrets Manager can't find the specified secret value for VersionId " +
                         std::string(version_id) + " and VersionStage " +
                         std::string(version_stage));
  }
  rotation::VersionValue out;
  out.arn = s->arn;
  out.name = s->arn;
  out.version_id = found_id;
  out.secret_string = SecretBytes::CopyFrom(*found->value);
  out.stages = found->stages;
  return out;
}

Result<rotation::SecretInfo> FakeSecretsAccess::DescribeSecret(std::string_view secret_id) {
  std::lock_guard lock(mu_);
  if (auto failure = Enter(Call::kDescribeSecret)) return *failure;
  const Secret* s = Find(secret_id);
  if (s == nullptr) return SecretNotFound();
  rotation::SecretInfo info;
  info.arn = s->arn;
  info.name = s->arn;
  info.rotation_enabled = s->rotation_enabled;
  // Like VersionIdsToStages, versions without a label are left out.
  for (const auto& [id, v] : s->versions) {
    if (!v.stages.empty()) info.version_stages[id] = v.stages;
  }
  return info;
}

Result<void> FakeSecretsAccess::PutSecretValue(std::string_view secret_id,
                                               std::string_view client_request_token,
                                               const SecretBytes& secret_string,
                                               const std::vector<std::string>& version_stages) {
  std::lock_guard lock(mu_);
  if (auto failure = Enter(Call::kPutSecretValue)) return *failure;
  Secret* s = Find(secret_id);
  if (s == nullptr) return SecretNotFound();
  if (client_request_token.empty()) return InvalidArgumentError("ClientRequestToken is empty");
  const std::string token(client_request_token);
  Version& v = s->versions[token];
  if (v.value.has_value() && *v.value != secret_string.view()) {
    return AlreadyExistsError("a version with this ClientRequestToken has another value");
  }
  v.value = std::string(secret_string.view());
  const std::vector<std::string> stages =
      version_stages.empty() ? std::vector<std::string>{std::string(kCurrent)} : version_stages;
  for (const std::string& stage : stages) AttachStage(*s, token, stage);
  return Ok();
}

Result<void> FakeSecretsAccess::UpdateSecretVersionStage(std::string_view secret_id,
                                                         std::string_view stage,
                                                         std::string_view move_to_version_id,
                                                         std::string_view remove_from_version_id) {
  std::lock_guard lock(mu_);
  if (auto failure = Enter(Call::kUpdateStage)) return *failure;
  Secret* s = Find(secret_id);
  if (s == nullptr) return SecretNotFound();
  std::string holder;
  for (const auto& [id, v] : s->versions) {
    if (Has(v.stages, stage)) holder = id;
  }
  if (!remove_from_version_id.empty() && holder != remove_from_version_id) {
    return InvalidArgumentError("the staging label is not attached to RemoveFromVersionId");
  }
  if (!holder.empty() && holder != move_to_version_id && holder != remove_from_version_id) {
    return InvalidArgumentError("the staging label is attached to version " + holder +
                                ": name it in RemoveFromVersionId");
  }
  if (move_to_version_id.empty()) {
    if (!holder.empty()) Remove(s->versions[holder].stages, stage);
    return Ok();
  }
  auto it = s->versions.find(std::string(move_to_version_id));
  if (it == s->versions.end())
    return NotFoundError("no version " + std::string(move_to_version_id));
  AttachStage(*s, it->first, std::string(stage));
  return Ok();
}

Result<SecretBytes> FakeSecretsAccess::GetRandomPassword(const PasswordRequest& request) {
  std::lock_guard lock(mu_);
  if (auto failure = Enter(Call::kRandom)) return *failure;
  if (request.length < 1 || request.length > 4096) {
    return InvalidArgumentError("PasswordLength must be from 1 to 4096");
  }
  if (next_password_.has_value()) {
    std::string p = std::move(*next_password_);
    next_password_.reset();
    return SecretBytes::TakeFrom(p);
  }
  std::string alphabet;
  for (char c = '!'; c <= '~'; ++c) {
    const bool punctuation =
        !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    if (punctuation && request.exclude_punctuation) continue;
    if (request.exclude_characters.find(c) != std::string::npos) continue;
    alphabet.push_back(c);
  }
  if (alphabet.empty()) return InvalidArgumentError("every character is excluded");
  std::string password;
  for (int i = 0; i < request.length; ++i) {
    random_state_ ^= random_state_ << 13;
    random_state_ ^= random_state_ >> 7;
    random_state_ ^= random_state_ << 17;
    password.push_back(alphabet[random_state_ % alphabet.size()]);
  }
  return SecretBytes::TakeFrom(password);
}

FakeSecretsAccess::Secret* FakeSecretsAccess::Find(std::string_view id) {
  auto it = secrets_.find(id);
  return it == secrets_.end() ? nullptr : &it->second;
}

const FakeSecretsAccess::Secret* FakeSecretsAccess::Find(std::string_view id) const {
  auto it = secrets_.find(id);
  return it == secrets_.end() ? nullptr : &it->second;
}

std::optional<Error> FakeSecretsAccess::Enter(Call call) {
  ++calls_[call];
  auto it = failures_.find(call);
  if (it == failures_.end()) return std::nullopt;
  Error e = std::move(it->second);
  failures_.erase(it);
  return e;
}

void FakeSecretsAccess::AttachStage(Secret& secret, const std::string& version_id,
                                    const std::string& stage) {
  Version& target = secret.versions[version_id];
  if (Has(target.stages, stage)) return;
  std::string old_holder;
  for (auto& [id, v] : secret.versions) {
    if (id != version_id && Has(v.stages, stage)) {
      Remove(v.stages, stage);
      old_holder = id;
    }
  }
  target.stages.push_back(stage);
  if (stage == kCurrent && !old_holder.empty()) {
    AttachStage(secret, old_holder, std::string(kPrevious));
  }
}

}  // namespace coffer::rotation_functions::testing
