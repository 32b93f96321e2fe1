#ifndef COFFER_ROTATION_FUNCTIONS_INTERNAL_PG_CONNECTION_H_
#define COFFER_ROTATION_FUNCTIONS_INTERNAL_PG_CONNECTION_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "rotation_functions/postgres_secret.h"

struct pg_conn;

namespace coffer::rotation_functions::internal {

// One libpq connection, logged in with a PostgresSecret's credentials. Errors name the server
// (host:port) and what was attempted; never a password, and never SQL text. Not thread-safe;
// each step opens its own.
class PgConnection {
 public:
  // Connects with PQconnectdbParams' keyword/value API (expand_dbname off, so no value is ever read
  // as a connection string). kUnavailable when the server cannot be reached or refuses the login
  // (libpq does not tell the two apart reliably); libpq's message goes to the log.
  static Result<PgConnection> Open(const PostgresSecret& secret, std::chrono::seconds timeout);

  PgConnection(PgConnection&&) noexcept = default;
  PgConnection& operator=(PgConnection&&) noexcept = default;
  ~PgConnection();

  // Runs a statement without parameters. kFailedPrecondition when the server rejects it, naming
  // `what` (e.g. "ALTER ROLE") and the SQLSTATE; kUnavailable when the connection is lost.
  Result<void> Exec(std::string_view sql, std::string_view what);
  // Like Exec, then wipes `sql` (statements carrying a password verifier).
  Result<void> ExecAndWipe(std::string& sql, std::string_view what);
  // Runs a query with text parameters; returns the number of rows.
  Result<int> QueryRowCount(std::string_view sql, const std::vector<std::string>& params,
                            std::string_view what);

  // PQescapeIdentifier: `name` quoted for use as an identifier.
  Result<std::string> QuoteIdentifier(std::string_view name);
  // The SCRAM-SHA-256 verifier of `password` (PQencryptPasswordConn), as a quoted SQL literal,
  // so that the plaintext password never reaches the server, its logs or pg_stat_activity.
  Result<SecretBytes> ScramVerifierLiteral(const SecretBytes& password, std::string_view user);

 private:
  struct Closer {
    void operator()(pg_conn* conn) const;
  };
  PgConnection(std::unique_ptr<pg_conn, Closer> conn, std::string server)
      : conn_(std::move(conn)), server_(std::move(server)) {}

  std::unique_ptr<pg_conn, Closer> conn_;
  std::string server_;  // "host:port", for messages
};

}  // namespace coffer::rotation_functions::internal

#endif  // COFFER_ROTATION_FUNCTIONS_INTERNAL_PG_CONNECTION_H_
