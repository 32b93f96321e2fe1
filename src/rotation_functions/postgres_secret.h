#ifndef COFFER_ROTATION_FUNCTIONS_POSTGRES_SECRET_H_
#define COFFER_ROTATION_FUNCTIONS_POSTGRES_SECRET_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace coffer::rotation_functions {

// The SecretString of a PostgreSQL credential, in the shape AWS's RDS rotation templates use:
//   {"engine": "postgres", "host": …, "port": 5432 | "5432", "username": …, "password": …,
//    "dbname": "postgres", "masterarn": …, "sslmode": …}
// Other members are allowed and kept by rotation. Not thread-safe (a value type).
struct PostgresSecret {
  std::string engine;    // "postgres" or "aurora-postgresql"
  std::string host;      // a DNS name or IP address (never a socket path or a host list)
  uint16_t port = 5432;  // absent: 5432
  std::string username;  // at most 63 bytes (PostgreSQL's NAMEDATALEN - 1)
  SecretBytes password;
  std::string dbname = "postgres";  // absent: "postgres"
  std::string masterarn;            // empty when absent; required by the alternating-users strategy
  std::string sslmode;  // empty when absent (libpq's "prefer"), else a libpq sslmode value
};

// Parses and validates `secret_string` strictly. kInvalidArgument, with a message naming the
// offending member and never containing the password, when it is not a JSON object, a required
// member (engine, host, username, password) is missing, a member has the wrong type, or a value
// is out of range (port 1-65535, engine, sslmode, NUL bytes, host syntax, name lengths).
Result<PostgresSecret> ParsePostgresSecret(std::string_view secret_string);

// AWS's get_alt_username: "user" <-> "user_clone". kInvalidArgument when the clone's name would
// exceed 63 bytes.
Result<std::string> AlternateUsername(std::string_view username);

}  // namespace coffer::rotation_functions

#endif  // COFFER_ROTATION_FUNCTIONS_POSTGRES_SECRET_H_
