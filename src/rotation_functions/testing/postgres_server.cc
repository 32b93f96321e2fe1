#include "rotation_functions/testing/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <system_error>
#include <thread>
#include <vector>

#include "base/logging.h"

namespace coffer::rotation_functions::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Between two readiness or exit checks: polling, not waiting for a guessed duration.
constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr auto kStopTimeout = std::chrono::seconds(30);

std::string RandomHex(size_t bytes) {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    const unsigned v = rd() & 0xff;
    out.push_back(kHex[v >> 4]);
    out.push_back(kHex[v & 0xf]);
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string Tail(const std::string& text, size_t n = 2000) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

// A port nobody listens on right now. Another process may take it before the server binds it;
// Start() retries with a new port when that happens.
Result<uint16_t> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return UnavailableError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (!ok) return UnavailableError("cannot find a free TCP port on 127.0.0.1");
  return ntohs(addr.sin_port);
}

// fork + (setuid) + execve with stdout/stderr going to `log_path`. Everything the child needs is
// prepared before fork(): after it only async-signal-safe calls are allowed.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log_path,
                    const std::string& cwd, bool as_user, uid_t uid, gid_t gid) {
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return UnavailableError("cannot open " + log_path);
  if (as_user && fchown(log_fd, uid, gid) != 0) {
    close(log_fd);
    return UnavailableError("cannot chown " + log_path);
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string home = "HOME=" + cwd;
  std::vector<char*> env = {const_cast<char*>("LC_ALL=C"), const_cast<char*>("LANG=C"),
                            const_cast<char*>("PATH=/usr/bin:/bin"),
                            const_cast<char*>(home.c_str()), nullptr};
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return UnavailableError("fork() failed");
  }
  if (pid == 0) {
    // Own process group, so a forced stop can kill the server's backends too.
    setsid();
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    if (as_user) {
      if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(126);
    }
    // A test binary that dies (crash, CTest timeout) takes its server with it; set after setuid,
    // which clears it.
    prctl(PR_SET_PDEATHSIG, SIGINT);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  close(log_fd);
  return pid;
}

// Waits for `pid` to exit, polling against `timeout`; nullopt when it did not.
std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnCloser>;

ConnPtr Connect(const std::string& host, uint16_t port, std::string_view user,
                std::string_view password, std::string_view dbname) {
  const std::string port_s = std::to_string(port);
  const std::string user_s(user);
  const std::string password_s(password);
  const std::string dbname_s(dbname);
  const char* keys[] = {"host",    "port", "user", "password", "dbname", "connect_timeout",
                        "sslmode", nullptr};
  const char* values[] = {host.c_str(),       port_s.c_str(),   user_s.c_str(),
                          password_s.c_str(), dbname_s.c_str(), "5",
                          "disable",          nullptr};
  return ConnPtr(PQconnectdbParams(keys, values, 0));
}

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  log::AppendJsonEscaped(out, s);
  out.push_back('"');
}

}  // namespace

std::string FindPostgresBinDir() {
  if (const char* env = std::getenv("COFFER_POSTGRES_BIN_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
  std::string best;
  int best_version = -1;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    char* end = nullptr;
    const long version = std::strtol(name.c_str(), &end, 10);
    if (end == name.c_str()) continue;
    const fs::path bin = entry.path() / "bin";
    if (access((bin / "initdb").c_str(), X_OK) != 0 ||
        access((bin / "postgres").c_str(), X_OK) != 0) {
      continue;
    }
    if (version > best_version) {
      best_version = static_cast<int>(version);
      best = bin.string();
    }
  }
  return best;
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start(Options options) {
  if (options.superuser_password.empty()) options.superuser_password = RandomHex(16);
  std::unique_ptr<PostgresServer> server(new PostgresServer(std::move(options)));
  COFFER_RETURN_IF_ERROR(server->Init());
  // The free port may be taken between FreePort() and bind(): try a few.
  Result<void> launched = Ok();
  for (int attempt = 0; attempt < 3; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(server->port_, FreePort());
    launched = server->Launch();
    if (launched.has_value()) return server;
  }
  return std::move(launched).error();
}

Result<void> PostgresServer::Init() {
  bin_dir_ = FindPostgresBinDir();
  if (bin_dir_.empty()) {
    return FailedPreconditionError(
        "no PostgreSQL server binaries under /usr/lib/postgresql: run scripts/setup");
  }
  if (geteuid() == 0) {
    // getpwnam is fine here: tests set up their servers before starting threads of their own.
    const passwd* pw = getpwnam("postgres");  // NOLINT(concurrency-mt-unsafe)
    if (pw == nullptr) {
      return FailedPreconditionError(
          "running as root, but there is no `postgres` user to run "
          "PostgreSQL as (install Debian's postgresql package)");
    }
    as_postgres_user_ = true;
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
  }
  std::string templ = (fs::temp_directory_path() / "coffer-pg-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) return UnavailableError("mkdtemp failed");
  dir_ = templ;
  if (as_postgres_user_ && chown(dir_.c_str(), uid_, gid_) != 0) {
    return UnavailableError("cannot chown " + dir_ + " to postgres");
  }

  const std::string pwfile = dir_ + "/pwfile";
  {
    const int fd = open(pwfile.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return UnavailableError("cannot create " + pwfile);
    const std::string line = options_.superuser_password + "\n";
    const bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                    (!as_postgres_user_ || fchown(fd, uid_, gid_) == 0);
    close(fd);
    if (!ok) return UnavailableError("cannot write " + pwfile);
  }
  const std::string log_path = dir_ + "/initdb.log";
  COFFER_ASSIGN_OR_RETURN(
      pid_t pid,
      Spawn({bin_dir_ + "/initdb", "--pgdata=" + dir_ + "/data", "--username=" + options_.superuser,
             "--pwfile=" + pwfile, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C",
             "--no-sync", "--no-instructions"},
            log_path, dir_, as_postgres_user_, uid_, gid_));
  const auto status = WaitExit(pid, options_.initdb_timeout);
  std::error_code ec;
  fs::remove(pwfile, ec);
  if (!status.has_value()) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return UnavailableError("initdb timed out: " + Tail(ReadFile(log_path)));
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return UnavailableError("initdb failed: " + Tail(ReadFile(log_path)));
  }
  // TCP on 127.0.0.1 and the private socket only, every login by SCRAM password.
  const std::string hba = dir_ + "/data/pg_hba.conf";
  std::ofstream out(hba, std::ios::trunc);
  out << "local all all scram-sha-256\n"
      << "host all all 127.0.0.1/32 scram-sha-256\n";
  out.close();
  if (!out) return UnavailableError("cannot write " + hba);
  return Ok();
}

Result<void> PostgresServer::Launch() {
  const std::string log_path = dir_ + "/server.log";
  std::vector<std::string> argv = {bin_dir_ + "/postgres",
                                   "-D",
                                   dir_ + "/data",
                                   "-p",
                                   std::to_string(port_),
                                   "-c",
                                   "listen_addresses=" + host_,
                                   "-c",
                                   "unix_socket_directories=" + dir_,
                                   "-c",
                                   "password_encryption=scram-sha-256",
                                   "-c",
                                   "fsync=off",
                                   "-c",
                                   "synchronous_commit=off",
                                   "-c",
                                   "full_page_writes=off",
                                   "-c",
                                   "max_connections=40",
                                   "-c",
                                   "shared_buffers=16MB"};
  if (options_.log_statements) {
    argv.insert(argv.end(), {"-c", "log_statement=all"});
  }
  const size_t log_start = ReadFile(log_path).size();
  COFFER_ASSIGN_OR_RETURN(pid_, Spawn(argv, log_path, dir_, as_postgres_user_, uid_, gid_));

  const std::string port = std::to_string(port_);
  const char* keys[] = {"host", "port", "dbname", "connect_timeout", nullptr};
  const char* values[] = {host_.c_str(), port.c_str(), "postgres", "2", nullptr};
  const auto deadline = Clock::now() + options_.start_timeout;
  while (true) {
    // PQPING_OK needs no password: the server answered that it accepts connections.
    if (PQpingParams(keys, values, 0) == PQPING_OK) return Ok();
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return UnavailableError("PostgreSQL exited during start-up: " +
                              Tail(ReadFile(log_path).substr(log_start)));
    }
    if (Clock::now() >= deadline) {
      (void)Stop();
      return UnavailableError("PostgreSQL did not become ready in time: " +
                              Tail(ReadFile(log_path).substr(log_start)));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

PostgresServer::~PostgresServer() {
  (void)Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

Result<void> PostgresServer::Stop() {
  if (pid_ <= 0) return Ok();
  const pid_t pid = pid_;
  pid_ = -1;
  kill(pid, SIGINT);  // "fast" shutdown: roll back sessions, checkpoint, exit
  if (WaitExit(pid, kStopTimeout).has_value()) return Ok();
  kill(-pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return Error(ErrorCode::kDeadlineExceeded, "PostgreSQL did not stop in time and was killed");
}

Result<void> PostgresServer::Restart() {
  if (is_running()) return FailedPreconditionError("the server is running");
  return Launch();
}

Result<void> PostgresServer::Execute(std::string_view sql, std::string_view dbname) const {
  ConnPtr conn = Connect(host_, port_, options_.superuser, options_.superuser_password, dbname);
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    return UnavailableError("cannot connect to the test server: " +
                            std::string(conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  const std::string statement(sql);
  PGresult* r = PQexec(conn.get(), statement.c_str());
  const ExecStatusType status = PQresultStatus(r);
  PQclear(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return FailedPreconditionError("the test server rejected the statement: " +
                                   std::string(PQerrorMessage(conn.get())));
  }
  return Ok();
}

Result<void> PostgresServer::CreateLoginRole(std::string_view name,
                                             std::string_view password) const {
  ConnPtr conn = Connect(host_, port_, options_.superuser, options_.superuser_password, "postgres");
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    return UnavailableError("cannot connect to the test server");
  }
  char* ident = PQescapeIdentifier(conn.get(), name.data(), name.size());
  char* literal = PQescapeLiteral(conn.get(), password.data(), password.size());
  std::string sql;
  if (ident != nullptr && literal != nullptr) {
    sql = std::string("CREATE ROLE ") + ident + " LOGIN PASSWORD " + literal;
  }
  PQfreemem(ident);
  PQfreemem(literal);
  if (sql.empty()) return InvalidArgumentError("cannot quote the role name or password");
  return Execute(sql);
}

bool PostgresServer::CanLogIn(std::string_view user, std::string_view password,
                              std::string_view dbname) const {
  ConnPtr conn = Connect(host_, port_, user, password, dbname);
  return conn != nullptr && PQstatus(conn.get()) == CONNECTION_OK;
}

bool PostgresServer::RoleExists(std::string_view name) const {
  ConnPtr conn = Connect(host_, port_, options_.superuser, options_.superuser_password, "postgres");
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) return false;
  const std::string name_s(name);
  const char* params[] = {name_s.c_str()};
  PGresult* r = PQexecParams(conn.get(), "SELECT 1 FROM pg_roles WHERE rolname = $1", 1, nullptr,
                             params, nullptr, nullptr, 0);
  const bool exists = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  PQclear(r);
  return exists;
}

std::string PostgresServer::SecretJson(std::string_view user, std::string_view password) const {
  std::string out = "{\"engine\":\"postgres\",\"host\":";
  AppendJsonString(out, host_);
  out += ",\"port\":" + std::to_string(port_) + ",\"username\":";
  AppendJsonString(out, user.empty() ? std::string_view(options_.superuser) : user);
  out += ",\"password\":";
  AppendJsonString(out, user.empty() ? std::string_view(options_.superuser_password) : password);
  out += ",\"dbname\":\"postgres\"}";
  return out;
}

std::string PostgresServer::ReadLog() const { return ReadFile(dir_ + "/server.log"); }

}  // namespace coffer::rotation_functions::testing
