#ifndef COFFER_CORE_POLICY_INTERNAL_VALUES_H_
#define COFFER_CORE_POLICY_INTERNAL_VALUES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

// Parsers for typed condition values. None of them allocates: the evaluator runs them on request
// values at every evaluation.
namespace coffer::policy::internal {

// An IPv4 or IPv6 network (an address is a network with a full-length prefix). IPv4 addresses
// live in bytes 0-3. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are normalized to IPv4.
struct IpNetwork {
  std::array<uint8_t, 16> bytes{};
  int prefix = 0;  // bits
  bool v4 = true;
};

// "203.0.113.0/24", "203.0.113.7", "2001:db8::/32", "2001:DB8::1", "::ffff:10.0.0.1".
std::optional<IpNetwork> ParseIpNetwork(std::string_view s);
// An address only (no prefix).
std::optional<IpNetwork> ParseIpAddress(std::string_view s);
// Whether `address` (ParseIpAddress) lies in `network`; false across address families.
bool NetworkContains(const IpNetwork& network, const IpNetwork& address);

// A date condition value, as milliseconds since the epoch: W3C ISO 8601 ("2026-11-22",
// "2026-11-22T10:00Z", "2026-11-22T10:00:00.5+01:00"; no zone means UTC) or epoch seconds
// ("1795309323", optionally with a fraction).
std::optional<int64_t> ParseDateMillis(std::string_view s);

// A finite decimal number ("10", "-2.5", "1e3").
std::optional<double> ParseNumber(std::string_view s);

// "true" / "false", any case.
std::optional<bool> ParseBool(std::string_view s);

}  // namespace coffer::policy::internal

#endif  // COFFER_CORE_POLICY_INTERNAL_VALUES_H_
