#include "rotation_functions/postgres_rotation.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/logging.h"
#include "rotation_functions/internal/pg_connection.h"
#include "rotation_functions/internal/rotation_steps.h"
#include "rotation_functions/internal/secret_json.h"
#include "rotation_functions/postgres_secret.h"

namespace coffer::rotation_functions {
namespace {

using internal::PgConnection;

std::string ServerOf(const PostgresSecret& s) { return s.host + ":" + std::to_string(s.port); }

// get_secret_dict: a version's SecretString, parsed; errors say which version was malformed.
Result<PostgresSecret> GetPostgresSecret(rotation::SecretsAccess& secrets,
                                         std::string_view secret_id, std::string_view version_id,
                                         std::string_view stage, std::string_view which) {
  COFFER_ASSIGN_OR_RETURN(SecretBytes text,
                          internal::GetSecretString(secrets, secret_id, version_id, stage));
  auto parsed = ParsePostgresSecret(text.view());
  if (!parsed.has_value()) {
    Error e = std::move(parsed).error();
    e.message = std::string(which) + ": " + e.message;
    return e;
  }
  return parsed;
}

// Both versions must point at the same server: a secret edited to name another host must not
// make Coffer set passwords there (AWS's templates compare the host; the port is compared too).
Result<void> RequireSameServer(const PostgresSecret& a, std::string_view a_name,
                               const PostgresSecret& b, std::string_view b_name) {
  if (a.host == b.host && a.port == b.port) return Ok();
  return FailedPreconditionError("the " + std::string(a_name) + " server " + ServerOf(a) +
                                 " is not the " + std::string(b_name) + " server " + ServerOf(b));
}

// Runs "<verb> <role> WITH [LOGIN] PASSWORD '<SCRAM verifier>'" without leaving copies of the
// verifier in unwiped temporaries.
Result<void> SetRolePassword(PgConnection& conn, std::string_view verb, bool with_login,
                             const PostgresSecret& pending) {
  COFFER_ASSIGN_OR_RETURN(std::string role, conn.QuoteIdentifier(pending.username));
  COFFER_ASSIGN_OR_RETURN(SecretBytes verifier,
                          conn.ScramVerifierLiteral(pending.password, pending.username));
  const std::string_view clause = with_login ? " WITH LOGIN PASSWORD " : " WITH PASSWORD ";
  std::string sql;
  sql.reserve(verb.size() + 1 + role.size() + clause.size() + verifier.size());
  sql.append(verb).append(" ").append(role).append(clause).append(verifier.view());
  return conn.ExecAndWipe(sql, verb);
}

}  // namespace

Result<std::unique_ptr<PostgresRotation>> PostgresRotation::Create(Options options) {
  if (options.password.length < 1 || options.password.length > 4096) {
    return InvalidArgumentError("the password length must be from 1 to 4096");
  }
  if (options.connect_timeout.count() <= 0) {
    return InvalidArgumentError("the connect timeout must be positive");
  }
  return std::unique_ptr<PostgresRotation>(new PostgresRotation(std::move(options)));
}

Result<void> PostgresRotation::Run(const rotation::StepRequest& request,
                                   rotation::SecretsAccess& secrets) {
  auto result = RunStep(request, secrets);
  if (!result.has_value()) return internal::InStep(request.step, std::move(result).error());
  return Ok();
}

Result<void> PostgresRotation::RunStep(const rotation::StepRequest& request,
                                       rotation::SecretsAccess& secrets) {
  COFFER_ASSIGN_OR_RETURN(bool already_current, internal::CheckVersionStaged(request, secrets));
  if (already_current) return Ok();
  switch (request.step) {
    case rotation::Step::kCreateSecret:
      return CreateSecret(request, secrets);
    case rotation::Step::kSetSecret:
      return options_.strategy == Strategy::kSingleUser
                 ? SetSecretSingleUser(request, secrets)
                 : SetSecretAlternatingUsers(request, secrets);
    case rotation::Step::kTestSecret:
      return TestSecret(request, secrets);
    case rotation::Step::kFinishSecret:
      return internal::FinishSecret(request, secrets);
  }
  return InvalidArgumentError("unknown rotation step");
}

Result<void> PostgresRotation::CreateSecret(const rotation::StepRequest& request,
                                            rotation::SecretsAccess& secrets) {
  const std::string& id = request.secret_id;
  COFFER_ASSIGN_OR_RETURN(SecretBytes current_text,
                          internal::GetSecretString(secrets, id, "", internal::kCurrent));
  auto current = ParsePostgresSecret(current_text.view());
  if (!current.has_value()) {
    Error e = std::move(current).error();
    e.message = "AWSCURRENT: " + e.message;
    return e;
  }
  const bool alternating = options_.strategy == Strategy::kAlternatingUsers;
  if (alternating && current->masterarn.empty()) {
    return InvalidArgumentError(
        "AWSCURRENT: PostgreSQL secret: 'masterarn' is required to alternate users");
  }

  COFFER_ASSIGN_OR_RETURN(std::optional<SecretBytes> pending,
                          internal::GetPendingIfAny(request, secrets));
  if (pending.has_value()) {
    auto parsed = ParsePostgresSecret(pending->view());
    if (!parsed.has_value()) {
      Error e = std::move(parsed).error();
      e.message = "AWSPENDING: " + e.message;
      return e;
    }
    log::Info("createSecret: AWSPENDING already exists",
              {{"secret", id}, {"version_id", request.client_request_token}});
    return Ok();
  }

  // A copy of AWSCURRENT's JSON, so members this function does not know survive rotation.
  COFFER_ASSIGN_OR_RETURN(internal::SecretJson next,
                          internal::SecretJson::Parse(current_text.view()));
  if (alternating) {
    COFFER_ASSIGN_OR_RETURN(std::string username, AlternateUsername(current->username));
    next.SetString("username", username);
  }
  COFFER_ASSIGN_OR_RETURN(SecretBytes password, secrets.GetRandomPassword(options_.password));
  next.SetString("password", password.view());
  COFFER_RETURN_IF_ERROR(secrets.PutSecretValue(id, request.client_request_token, next.Serialize(),
                                                {std::string(internal::kPending)}));
  log::Info("createSecret: put AWSPENDING",
            {{"secret", id}, {"version_id", request.client_request_token}});
  return Ok();
}

Result<void> PostgresRotation::SetSecretSingleUser(const rotation::StepRequest& request,
                                                   rotation::SecretsAccess& secrets) {
  const std::string& id = request.secret_id;
  // AWSPREVIOUS is a fallback only: absent or malformed, it is ignored as AWS's template does.
  std::optional<PostgresSecret> previous;
  {
    auto p = GetPostgresSecret(secrets, id, "", internal::kPrevious, "AWSPREVIOUS");
    if (p.has_value()) {
      previous = std::move(p).value();
    } else if (p.error().code != ErrorCode::kNotFound &&
               p.error().code != ErrorCode::kInvalidArgument) {
      return std::move(p).error();
    }
  }
  COFFER_ASSIGN_OR_RETURN(PostgresSecret current,
                          GetPostgresSecret(secrets, id, "", internal::kCurrent, "AWSCURRENT"));
  COFFER_ASSIGN_OR_RETURN(PostgresSecret pending,
                          GetPostgresSecret(secrets, id, request.client_request_token,
                                            internal::kPending, "AWSPENDING"));

  if (PgConnection::Open(pending, options_.connect_timeout).has_value()) {
    log::Info("setSecret: the AWSPENDING password is already set", {{"secret", id}});
    return Ok();
  }
  if (current.username != pending.username) {
    return FailedPreconditionError("attempting to modify user " + pending.username +
                                   " other than current user " + current.username);
  }
  COFFER_RETURN_IF_ERROR(RequireSameServer(pending, "AWSPENDING", current, "AWSCURRENT"));

  auto conn = PgConnection::Open(current, options_.connect_timeout);
  if (!conn.has_value() && previous.has_value()) {
    // The previous password is tried with the current TLS settings, as AWS's template does.
    previous->sslmode = current.sslmode;
    conn = PgConnection::Open(*previous, options_.connect_timeout);
    if (previous->username != pending.username) {
      return FailedPreconditionError("attempting to modify user " + pending.username +
                                     " other than previous valid user " + previous->username);
    }
    COFFER_RETURN_IF_ERROR(RequireSameServer(pending, "AWSPENDING", *previous, "AWSPREVIOUS"));
  }
  if (!conn.has_value()) {
    return UnavailableError("cannot log in to PostgreSQL at " + ServerOf(pending) + " as user " +
                            pending.username + " with the pending, current or previous password");
  }
  COFFER_RETURN_IF_ERROR(SetRolePassword(*conn, "ALTER ROLE", false, pending));
  log::Info("setSecret: password set", {{"secret", id}, {"user", pending.username}});
  return Ok();
}

Result<void> PostgresRotation::SetSecretAlternatingUsers(const rotation::StepRequest& request,
                                                         rotation::SecretsAccess& secrets) {
  const std::string& id = request.secret_id;
  COFFER_ASSIGN_OR_RETURN(PostgresSecret current,
                          GetPostgresSecret(secrets, id, "", internal::kCurrent, "AWSCURRENT"));
  COFFER_ASSIGN_OR_RETURN(PostgresSecret pending,
                          GetPostgresSecret(secrets, id, request.client_request_token,
                                            internal::kPending, "AWSPENDING"));

  if (PgConnection::Open(pending, options_.connect_timeout).has_value()) {
    log::Info("setSecret: the AWSPENDING password is already set", {{"secret", id}});
    return Ok();
  }
  COFFER_ASSIGN_OR_RETURN(std::string alternate, AlternateUsername(current.username));
  if (alternate != pending.username) {
    return FailedPreconditionError("attempting to modify user " + pending.username +
                                   " other than current user or clone " + current.username);
  }
  COFFER_RETURN_IF_ERROR(RequireSameServer(pending, "AWSPENDING", current, "AWSCURRENT"));

  // The current credentials must still work before the master's are used for them: this keeps a
  // secret naming someone else's user from borrowing the master's rights (a confused deputy).
  {
    auto check = PgConnection::Open(current, options_.connect_timeout);
    if (!check.has_value()) {
      Error e = std::move(check).error();
      e.message = "AWSCURRENT credentials: " + e.message;
      return e;
    }
  }

  if (current.masterarn.empty()) {
    return InvalidArgumentError(
        "AWSCURRENT: PostgreSQL secret: 'masterarn' is required to alternate users");
  }
  COFFER_ASSIGN_OR_RETURN(
      PostgresSecret master,
      GetPostgresSecret(secrets, current.masterarn, "", internal::kCurrent, "master secret"));
  COFFER_RETURN_IF_ERROR(RequireSameServer(current, "AWSCURRENT", master, "master secret's"));

  auto conn = PgConnection::Open(master, options_.connect_timeout);
  if (!conn.has_value()) {
    Error e = std::move(conn).error();
    e.message = "master credentials: " + e.message;
    return e;
  }
  // Creating the role and granting it the current user's rights happen together or not at all.
  COFFER_RETURN_IF_ERROR(conn->Exec("BEGIN", "BEGIN"));
  COFFER_ASSIGN_OR_RETURN(int existing,
                          conn->QueryRowCount("SELECT 1 FROM pg_roles WHERE rolname = $1",
                                              {pending.username}, "the role lookup"));
  if (existing == 0) {
    COFFER_RETURN_IF_ERROR(SetRolePassword(*conn, "CREATE ROLE", true, pending));
    COFFER_ASSIGN_OR_RETURN(std::string current_role, conn->QuoteIdentifier(current.username));
    COFFER_ASSIGN_OR_RETURN(std::string pending_role, conn->QuoteIdentifier(pending.username));
    COFFER_RETURN_IF_ERROR(conn->Exec("GRANT " + current_role + " TO " + pending_role, "GRANT"));
  } else {
    COFFER_RETURN_IF_ERROR(SetRolePassword(*conn, "ALTER ROLE", false, pending));
  }
  COFFER_RETURN_IF_ERROR(conn->Exec("COMMIT", "COMMIT"));
  log::Info("setSecret: password set",
            {{"secret", id}, {"user", pending.username}, {"created", existing == 0}});
  return Ok();
}

Result<void> PostgresRotation::TestSecret(const rotation::StepRequest& request,
                                          rotation::SecretsAccess& secrets) {
  COFFER_ASSIGN_OR_RETURN(
      PostgresSecret pending,
      GetPostgresSecret(secrets, request.secret_id, request.client_request_token,
                        internal::kPending, "AWSPENDING"));
  COFFER_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Open(pending, options_.connect_timeout));
  // Where AWS's template leaves room for permission checks; a plain query proves the session works.
  return conn.Exec("SELECT now()", "SELECT now()");
}

}  // namespace coffer::rotation_functions
