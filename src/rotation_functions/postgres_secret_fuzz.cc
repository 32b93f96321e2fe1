// Fuzzes the PostgreSQL secret parser (RapidJSON + validation) and the username flip: every input
// must end in a secret or a kInvalidArgument error, never a crash, a hang or unbounded memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rotation_functions/postgres_secret.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto secret = coffer::rotation_functions::ParsePostgresSecret(input);
  if (!secret.has_value()) {
    if (secret.error().code != coffer::ErrorCode::kInvalidArgument) __builtin_trap();
    return 0;
  }
  // What a parsed secret promises to libpq and to the rotation.
  if (secret->host.empty() || secret->username.empty() || secret->password.empty()) {
    __builtin_trap();
  }
  if (secret->port == 0 || secret->username.size() > 63 || secret->dbname.empty()) {
    __builtin_trap();
  }
  for (std::string_view s : {std::string_view(secret->host), std::string_view(secret->username),
                             secret->password.view(), std::string_view(secret->dbname)}) {
    if (s.find('\0') != std::string_view::npos) __builtin_trap();
  }
  auto alternate = coffer::rotation_functions::AlternateUsername(secret->username);
  if (alternate.has_value()) {
    if (alternate->empty() || alternate->size() > 63) __builtin_trap();
    auto back = coffer::rotation_functions::AlternateUsername(*alternate);
    if (!back.has_value() || *back != secret->username) __builtin_trap();
  }
  return 0;
}
