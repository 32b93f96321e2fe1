#ifndef COFFER_BASE_ENCODING_H_
#define COFFER_BASE_ENCODING_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace coffer {

std::string HexEncode(std::span<const uint8_t> bytes);
std::string HexEncode(std::string_view bytes);
// Accepts upper- and lower-case digits; nullopt on odd length or a non-hex character.
std::optional<std::string> HexDecode(std::string_view hex);

// RFC 4648 base64 with padding (what AWS JSON blobs use).
std::string Base64Encode(std::span<const uint8_t> bytes);
std::string Base64Encode(std::string_view bytes);
// Strict: padding required, no whitespace, canonical trailing bits. nullopt when malformed.
std::optional<std::string> Base64Decode(std::string_view b64);
// RFC 4648 §5 URL-safe alphabet, no padding (tokens, JWT segments).
std::string Base64UrlEncode(std::string_view bytes);
// Accepts URL-safe input with or without padding.
std::optional<std::string> Base64UrlDecode(std::string_view b64);

// SigV4's URI encoding: every byte except A-Z a-z 0-9 - _ . ~ becomes %XX (upper case); '/' is
// kept when encode_slash is false.
std::string UriEncode(std::string_view s, bool encode_slash = true);
// Decodes %XX escapes (and '+' as space when plus_as_space). nullopt on a malformed escape.
std::optional<std::string> UriDecode(std::string_view s, bool plus_as_space = false);

}  // namespace coffer

#endif  // COFFER_BASE_ENCODING_H_
