#ifndef COFFER_ROTATION_FUNCTIONS_TESTING_POSTGRES_SERVER_H_
#define COFFER_ROTATION_FUNCTIONS_TESTING_POSTGRES_SERVER_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace coffer::rotation_functions::testing {

// A throwaway PostgreSQL server for tests, run from Debian's binaries
// (/usr/lib/postgresql/<newest version>/bin, or $COFFER_POSTGRES_BIN_DIR): initdb into a fresh
// temporary directory, then `postgres` listening on 127.0.0.1 at a free port, with its Unix socket
// inside that directory and scram-sha-256 authentication for every connection (pg_hba.conf), and
// one superuser with a random password. PostgreSQL refuses to run as root, so under root both run
// as the `postgres` system user (fork + setuid; the directory is chowned to it). Readiness is
// polled with PQping against a deadline. The destructor stops the server (fast shutdown, then
// SIGKILL after a bound) and removes the directory; if the test process dies first, the server
// gets SIGINT (PR_SET_PDEATHSIG, tied to the thread that started it). Not thread-safe; one per
// test suite.
class PostgresServer {
 public:
  struct Options {
    std::string superuser = "coffer_admin";
    std::string superuser_password;  // empty: a random one
    // log_statement = all, so tests can inspect what reached the server (ReadLog()).
    bool log_statements = false;
    std::chrono::seconds initdb_timeout{120};
    std::chrono::seconds start_timeout{60};
  };

  // kFailedPrecondition when no PostgreSQL binaries are installed (run scripts/setup) or the
  // `postgres` user is missing under root; kUnavailable when initdb or the server fail or time
  // out (the message carries the tail of their log).
  static Result<std::unique_ptr<PostgresServer>> Start(Options options);
  static Result<std::unique_ptr<PostgresServer>> Start() { return Start(Options()); }

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Fast shutdown; a no-op when stopped. kDeadlineExceeded if it had to be killed.
  Result<void> Stop();
  // Starts the stopped server again on the same port and data.
  Result<void> Restart();
  bool is_running() const { return pid_ > 0; }

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  const std::string& superuser() const { return options_.superuser; }
  const std::string& superuser_password() const { return options_.superuser_password; }
  const std::string& directory() const { return dir_; }

  // Runs `sql` as the superuser. kUnavailable (cannot connect) or kFailedPrecondition (rejected,
  // with the server's message).
  Result<void> Execute(std::string_view sql, std::string_view dbname = "postgres") const;
  // CREATE ROLE <name> LOGIN PASSWORD <password>, quoting both properly.
  Result<void> CreateLoginRole(std::string_view name, std::string_view password) const;
  // Whether `user` can log in with `password` over TCP.
  bool CanLogIn(std::string_view user, std::string_view password,
                std::string_view dbname = "postgres") const;
  // Whether role `name` exists.
  bool RoleExists(std::string_view name) const;
  // {"engine":"postgres","host":…,"port":…,"username":…,"password":…,"dbname":"postgres"} for
  // `user` (the superuser when empty), for building test secrets.
  std::string SecretJson(std::string_view user, std::string_view password) const;
  // The server's log (stderr) so far.
  std::string ReadLog() const;

 private:
  explicit PostgresServer(Options options) : options_(std::move(options)) {}
  Result<void> Init();
  Result<void> Launch();

  Options options_;
  std::string bin_dir_;
  std::string dir_;
  std::string host_ = "127.0.0.1";
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool as_postgres_user_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

// The newest /usr/lib/postgresql/<version>/bin holding initdb and postgres (or
// $COFFER_POSTGRES_BIN_DIR); empty when there is none.
std::string FindPostgresBinDir();

}  // namespace coffer::rotation_functions::testing

#endif  // COFFER_ROTATION_FUNCTIONS_TESTING_POSTGRES_SERVER_H_
