#ifndef COFFER_BASE_UUID_H_
#define COFFER_BASE_UUID_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coffer {

using UuidBytes = std::array<uint8_t, 16>;

// Sets the version (4) and variant bits of 16 random bytes and formats them as
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (lower case).
std::string FormatUuidV4(UuidBytes random_bytes);
// Parses the canonical 36-character form (any case) into bytes.
std::optional<UuidBytes> ParseUuid(std::string_view s);
std::string FormatUuid(const UuidBytes& bytes);

}  // namespace coffer

#endif  // COFFER_BASE_UUID_H_
