#include "rotation_functions/json_password_rotation.h"

#include <optional>
#include <string_view>
#include <utility>

#include "base/logging.h"
#include "rotation_functions/internal/rotation_steps.h"
#include "rotation_functions/internal/secret_json.h"

namespace coffer::rotation_functions {
namespace {

using internal::JsonValue;
using internal::SecretJson;

// The password member of `json`, which must be a string (non-empty unless `allow_empty`).
Result<std::string_view> PasswordOf(const SecretJson& json, std::string_view field,
                                    std::string_view stage, bool allow_empty) {
  const JsonValue* v = json.Find(field);
  if (v == nullptr) {
    return InvalidArgumentError("the " + std::string(stage) + " SecretString has no '" +
                                std::string(field) + "' member");
  }
  if (!v->IsString()) {
    return InvalidArgumentError("'" + std::string(field) + "' of the " + std::string(stage) +
                                " SecretString must be a string");
  }
  if (!allow_empty && v->GetStringLength() == 0) {
    return InvalidArgumentError("'" + std::string(field) + "' of the " + std::string(stage) +
                                " SecretString is empty");
  }
  return std::string_view(v->GetString(), v->GetStringLength());
}

}  // namespace

Result<std::unique_ptr<JsonPasswordRotation>> JsonPasswordRotation::Create(Options options) {
  if (options.field.empty()) return InvalidArgumentError("the password field name is empty");
  if (options.password.length < 1 || options.password.length > 4096) {
    return InvalidArgumentError("the password length must be from 1 to 4096");
  }
  return std::unique_ptr<JsonPasswordRotation>(new JsonPasswordRotation(std::move(options)));
}

Result<void> JsonPasswordRotation::Run(const rotation::StepRequest& request,
                                       rotation::SecretsAccess& secrets) {
  auto result = RunStep(request, secrets);
  if (!result.has_value()) return internal::InStep(request.step, std::move(result).error());
  return Ok();
}

Result<void> JsonPasswordRotation::RunStep(const rotation::StepRequest& request,
                                           rotation::SecretsAccess& secrets) {
  COFFER_ASSIGN_OR_RETURN(bool already_current, internal::CheckVersionStaged(request, secrets));
  if (already_current) return Ok();
  const std::string& id = request.secret_id;
  const std::string& token = request.client_request_token;

  switch (request.step) {
    case rotation::Step::kCreateSecret: {
      COFFER_ASSIGN_OR_RETURN(SecretBytes current_text,
                              internal::GetSecretString(secrets, id, "", internal::kCurrent));
      COFFER_ASSIGN_OR_RETURN(SecretJson current, SecretJson::Parse(current_text.view()));
      COFFER_RETURN_IF_ERROR(PasswordOf(current, options_.field, internal::kCurrent, true));
      COFFER_ASSIGN_OR_RETURN(std::optional<SecretBytes> pending,
                              internal::GetPendingIfAny(request, secrets));
      if (pending.has_value()) {
        COFFER_ASSIGN_OR_RETURN(SecretJson pending_json, SecretJson::Parse(pending->view()));
        COFFER_RETURN_IF_ERROR(PasswordOf(pending_json, options_.field, internal::kPending, false));
        log::Info("createSecret: AWSPENDING already exists",
                  {{"secret", id}, {"version_id", token}});
        return Ok();
      }
      COFFER_ASSIGN_OR_RETURN(SecretBytes password, secrets.GetRandomPassword(options_.password));
      current.SetString(options_.field, password.view());
      COFFER_RETURN_IF_ERROR(secrets.PutSecretValue(id, token, current.Serialize(),
                                                    {std::string(internal::kPending)}));
      log::Info("createSecret: put AWSPENDING", {{"secret", id}, {"version_id", token}});
      return Ok();
    }
    case rotation::Step::kSetSecret: {
      COFFER_ASSIGN_OR_RETURN(SecretBytes pending_text,
                              internal::GetSecretString(secrets, id, token, internal::kPending));
      COFFER_ASSIGN_OR_RETURN(SecretJson pending, SecretJson::Parse(pending_text.view()));
      COFFER_RETURN_IF_ERROR(PasswordOf(pending, options_.field, internal::kPending, false));
      return Ok();
    }
    case rotation::Step::kTestSecret: {
      COFFER_ASSIGN_OR_RETURN(SecretBytes pending_text,
                              internal::GetSecretString(secrets, id, token, internal::kPending));
      COFFER_ASSIGN_OR_RETURN(SecretJson pending, SecretJson::Parse(pending_text.view()));
      COFFER_ASSIGN_OR_RETURN(std::string_view new_password,
                              PasswordOf(pending, options_.field, internal::kPending, false));
      COFFER_ASSIGN_OR_RETURN(SecretBytes current_text,
                              internal::GetSecretString(secrets, id, "", internal::kCurrent));
      COFFER_ASSIGN_OR_RETURN(SecretJson current, SecretJson::Parse(current_text.view()));
      COFFER_ASSIGN_OR_RETURN(std::string_view old_password,
                              PasswordOf(current, options_.field, internal::kCurrent, true));
      if (ConstantTimeEquals(new_password, old_password)) {
        return FailedPreconditionError("the AWSPENDING password equals the AWSCURRENT one");
      }
      return Ok();
    }
    case rotation::Step::kFinishSecret:
      return internal::FinishSecret(request, secrets);
  }
  return InvalidArgumentError("unknown rotation step");
}

}  // namespace coffer::rotation_functions
