#include "rotation_functions/internal/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/logging.h"
#include "base/strings.h"

namespace coffer::rotation_functions::internal {
namespace {

// Debian's CA bundle: what AWS's templates use (their sslrootcert) for the verifying modes, since
// libpq 15 would otherwise look for ~/.postgresql/root.crt.
constexpr const char* kSystemRootCerts = "/etc/ssl/certs/ca-certificates.crt";

// A NUL-terminated copy of a secret, for C APIs; wiped when it goes.
SecretBytes CString(std::string_view s) {
  SecretBytes out(s.size() + 1);
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

const char* AsChars(const SecretBytes& s) { return reinterpret_cast<const char*>(s.data()); }

struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultCloser>;

std::string Field(const PGresult* r, int code) {
  const char* v = r == nullptr ? nullptr : PQresultErrorField(r, code);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

void PgConnection::Closer::operator()(pg_conn* conn) const { PQfinish(conn); }

PgConnection::~PgConnection() = default;

Result<PgConnection> PgConnection::Open(const PostgresSecret& secret,
                                        std::chrono::seconds timeout) {
  std::string server = secret.host + ":" + std::to_string(secret.port);
  const std::string port = std::to_string(secret.port);
  // libpq treats a timeout below 2 s as 2 s.
  const std::string connect_timeout =
      std::to_string(std::max<std::chrono::seconds::rep>(timeout.count(), 2));
  const SecretBytes password = CString(secret.password.view());

  std::vector<const char*> keys = {
      "host",           "port", "dbname", "user", "password", "connect_timeout", "application_name",
      "client_encoding"};
  std::vector<const char*> values = {secret.host.c_str(),   port.c_str(),
                                     secret.dbname.c_str(), secret.username.c_str(),
                                     AsChars(password),     connect_timeout.c_str(),
                                     "coffer-rotation",     "UTF8"};
  if (!secret.sslmode.empty()) {
    keys.push_back("sslmode");
    values.push_back(secret.sslmode.c_str());
    if (secret.sslmode == "verify-ca" || secret.sslmode == "verify-full") {
      keys.push_back("sslrootcert");
      values.push_back(kSystemRootCerts);
    }
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);

  // expand_dbname = 0: a dbname such as "host=elsewhere" stays a database name.
  std::unique_ptr<pg_conn, Closer> conn(PQconnectdbParams(keys.data(), values.data(), 0));
  if (conn == nullptr) return UnavailableError("cannot allocate a PostgreSQL connection");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    log::Info("postgres rotation: login failed",
              {{"server", server},
               {"user", secret.username},
               {"detail", std::string(TrimWhitespace(PQerrorMessage(conn.get())))}});
    return UnavailableError("cannot log in to PostgreSQL at " + server + " as user " +
                            secret.username);
  }
  return PgConnection(std::move(conn), std::move(server));
}

Result<void> PgConnection::Exec(std::string_view sql, std::string_view what) {
  std::string statement(sql);
  return ExecAndWipe(statement, what);
}

Result<void> PgConnection::ExecAndWipe(std::string& sql, std::string_view what) {
  ResultPtr r(PQexec(conn_.get(), sql.c_str()));
  SecureWipe(sql.data(), sql.size());
  sql.clear();
  const ExecStatusType status = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Ok();
  if (PQstatus(conn_.get()) == CONNECTION_BAD) {
    return UnavailableError("lost the connection to PostgreSQL at " + server_ + " during " +
                            std::string(what));
  }
  const std::string sqlstate = Field(r.get(), PG_DIAG_SQLSTATE);
  log::Warn("postgres rotation: statement failed",
            {{"server", server_},
             {"statement", what},
             {"sqlstate", sqlstate},
             {"detail", Field(r.get(), PG_DIAG_MESSAGE_PRIMARY)}});
  return FailedPreconditionError("PostgreSQL at " + server_ + " rejected " + std::string(what) +
                                 " (SQLSTATE " + sqlstate + ")");
}

Result<int> PgConnection::QueryRowCount(std::string_view sql,
                                        const std::vector<std::string>& params,
                                        std::string_view what) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  const std::string statement(sql);
  ResultPtr r(PQexecParams(conn_.get(), statement.c_str(), static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0));
  if (r != nullptr && PQresultStatus(r.get()) == PGRES_TUPLES_OK) return PQntuples(r.get());
  if (PQstatus(conn_.get()) == CONNECTION_BAD) {
    return UnavailableError("lost the connection to PostgreSQL at " + server_ + " during " +
                            std::string(what));
  }
  const std::string sqlstate = Field(r.get(), PG_DIAG_SQLSTATE);
  log::Warn("postgres rotation: query failed",
            {{"server", server_},
             {"statement", what},
             {"sqlstate", sqlstate},
             {"detail", Field(r.get(), PG_DIAG_MESSAGE_PRIMARY)}});
  return FailedPreconditionError("PostgreSQL at " + server_ + " rejected " + std::string(what) +
                                 " (SQLSTATE " + sqlstate + ")");
}

Result<std::string> PgConnection::QuoteIdentifier(std::string_view name) {
  char* quoted = PQescapeIdentifier(conn_.get(), name.data(), name.size());
  if (quoted == nullptr) {
    return InvalidArgumentError("cannot quote the role name " + std::string(name) +
                                " for PostgreSQL at " + server_);
  }
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

Result<SecretBytes> PgConnection::ScramVerifierLiteral(const SecretBytes& password,
                                                       std::string_view user) {
  const SecretBytes plain = CString(password.view());
  const std::string user_c(user);
  char* verifier =
      PQencryptPasswordConn(conn_.get(), AsChars(plain), user_c.c_str(), "scram-sha-256");
  if (verifier == nullptr) {
    log::Warn("postgres rotation: PQencryptPasswordConn failed",
              {{"server", server_},
               {"detail", std::string(TrimWhitespace(PQerrorMessage(conn_.get())))}});
    return FailedPreconditionError("cannot compute the SCRAM-SHA-256 verifier of the new password");
  }
  const size_t verifier_size = std::strlen(verifier);
  char* literal = PQescapeLiteral(conn_.get(), verifier, verifier_size);
  SecureWipe(verifier, verifier_size);
  PQfreemem(verifier);
  if (literal == nullptr) {
    return FailedPreconditionError("cannot quote the SCRAM-SHA-256 verifier of the new password");
  }
  const size_t literal_size = std::strlen(literal);
  SecretBytes out = SecretBytes::CopyFrom(std::string_view(literal, literal_size));
  SecureWipe(literal, literal_size);
  PQfreemem(literal);
  return out;
}

}  // namespace coffer::rotation_functions::internal
