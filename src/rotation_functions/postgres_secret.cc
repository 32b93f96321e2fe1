#include "rotation_functions/postgres_secret.h"

#include <array>
#include <optional>
#include <utility>

#include "base/strings.h"
#include "rotation_functions/internal/secret_json.h"

namespace coffer::rotation_functions {
namespace {

using internal::JsonValue;
using internal::SecretJson;

// PostgreSQL truncates longer identifiers (NAMEDATALEN - 1 bytes).
constexpr size_t kMaxIdentifierBytes = 63;
// A DNS name is at most 253 bytes; an IPv6 address with a zone id fits too.
constexpr size_t kMaxHostBytes = 253;
constexpr std::string_view kCloneSuffix = "_clone";
constexpr std::array<std::string_view, 6> kSslModes = {"disable", "allow",     "prefer",
                                                       "require", "verify-ca", "verify-full"};

Error Invalid(std::string_view member, std::string_view problem) {
  return InvalidArgumentError("PostgreSQL secret: '" + std::string(member) + "' " +
                              std::string(problem));
}

// The string member `name`: nullopt when absent, an error when it is not a string.
Result<std::optional<std::string_view>> OptionalString(const SecretJson& json,
                                                       std::string_view name) {
  const JsonValue* v = json.Find(name);
  if (v == nullptr) return std::optional<std::string_view>();
  if (!v->IsString()) return Invalid(name, "must be a string");
  std::string_view s(v->GetString(), v->GetStringLength());
  // libpq takes C strings: a NUL would silently cut the value short.
  if (s.find('\0') != std::string_view::npos) return Invalid(name, "must not contain NUL");
  return std::optional<std::string_view>(s);
}

Result<std::string_view> RequiredString(const SecretJson& json, std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(std::optional<std::string_view> s, OptionalString(json, name));
  if (!s.has_value()) return Invalid(name, "is missing");
  if (s->empty()) return Invalid(name, "must not be empty");
  return *s;
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_' || c == ':' || c == '%';
}

Result<void> ValidateHost(std::string_view host) {
  // Only names and addresses: libpq would read "/path" or "@name" as a Unix socket (and log in as
  // Coffer's own OS user with peer authentication) and "a,b" as a list of hosts.
  if (host.size() > kMaxHostBytes) return Invalid("host", "is too long");
  for (char c : host) {
    if (!IsHostChar(c)) return Invalid("host", "must be a DNS name or an IP address");
  }
  return Ok();
}

Result<uint16_t> ParsePort(const JsonValue& v) {
  constexpr std::string_view kProblem = "must be a port number from 1 to 65535";
  int64_t port = 0;
  if (v.IsInt64()) {
    port = v.GetInt64();
  } else if (v.IsString()) {
    std::string_view s(v.GetString(), v.GetStringLength());
    if (s.empty() || s.size() > 5) return Invalid("port", kProblem);
    for (char c : s) {
      if (c < '0' || c > '9') return Invalid("port", kProblem);
    }
    port = ParseInt64(s).value_or(0);
  } else {
    return Invalid("port", kProblem);
  }
  if (port < 1 || port > 65535) return Invalid("port", kProblem);
  return static_cast<uint16_t>(port);
}

}  // namespace

Result<PostgresSecret> ParsePostgresSecret(std::string_view secret_string) {
  COFFER_ASSIGN_OR_RETURN(SecretJson json, SecretJson::Parse(secret_string));
  PostgresSecret secret;

  COFFER_ASSIGN_OR_RETURN(std::string_view engine, RequiredString(json, "engine"));
  if (engine != "postgres" && engine != "aurora-postgresql") {
    return Invalid("engine", "must be \"postgres\" to use PostgreSQL rotation");
  }
  secret.engine = engine;

  COFFER_ASSIGN_OR_RETURN(std::string_view host, RequiredString(json, "host"));
  COFFER_RETURN_IF_ERROR(ValidateHost(host));
  secret.host = host;

  if (const JsonValue* port = json.Find("port")) {
    COFFER_ASSIGN_OR_RETURN(secret.port, ParsePort(*port));
  }

  COFFER_ASSIGN_OR_RETURN(std::string_view username, RequiredString(json, "username"));
  if (username.size() > kMaxIdentifierBytes) return Invalid("username", "is longer than 63 bytes");
  secret.username = username;

  COFFER_ASSIGN_OR_RETURN(std::string_view password, RequiredString(json, "password"));
  secret.password = SecretBytes::CopyFrom(password);

  COFFER_ASSIGN_OR_RETURN(std::optional<std::string_view> dbname, OptionalString(json, "dbname"));
  if (dbname.has_value()) {
    if (dbname->empty()) return Invalid("dbname", "must not be empty");
    if (dbname->size() > kMaxIdentifierBytes) return Invalid("dbname", "is longer than 63 bytes");
    secret.dbname = *dbname;
  }

  COFFER_ASSIGN_OR_RETURN(std::optional<std::string_view> masterarn,
                          OptionalString(json, "masterarn"));
  if (masterarn.has_value()) {
    if (masterarn->empty()) return Invalid("masterarn", "must not be empty");
    secret.masterarn = *masterarn;
  }

  COFFER_ASSIGN_OR_RETURN(std::optional<std::string_view> sslmode, OptionalString(json, "sslmode"));
  if (sslmode.has_value()) {
    bool known = false;
    for (std::string_view mode : kSslModes) known = known || mode == *sslmode;
    if (!known) {
      return Invalid("sslmode",
                     "must be one of disable, allow, prefer, require, verify-ca, verify-full");
    }
    secret.sslmode = *sslmode;
  }
  return secret;
}

Result<std::string> AlternateUsername(std::string_view username) {
  if (username.size() >= kCloneSuffix.size() &&
      username.substr(username.size() - kCloneSuffix.size()) == kCloneSuffix) {
    if (username.size() == kCloneSuffix.size()) {
      return InvalidArgumentError("cannot rotate user _clone: its alternate name would be empty");
    }
    return std::string(username.substr(0, username.size() - kCloneSuffix.size()));
  }
  std::string clone = std::string(username) + std::string(kCloneSuffix);
  if (clone.size() > kMaxIdentifierBytes) {
    return InvalidArgumentError("cannot clone user " + std::string(username) +
                                ": the name with _clone appended would exceed 63 bytes");
  }
  return clone;
}

}  // namespace coffer::rotation_functions
