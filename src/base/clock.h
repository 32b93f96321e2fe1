#ifndef COFFER_BASE_CLOCK_H_
#define COFFER_BASE_CLOCK_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coffer {

// Wall-clock instants, millisecond precision (what we store and what AWS timestamps carry).
using Timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

// Source of the current time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

// The system clock.
class RealClock final : public Clock {
 public:
  Timestamp Now() const override;
  // A process-wide instance.
  static const RealClock& Get();
};

inline int64_t ToUnixMillis(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromUnixMillis(int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }
// Midnight UTC of the day containing `t`.
Timestamp StartOfDay(Timestamp t);

// "20261122T010203Z" (SigV4 X-Amz-Date) and its date part "20261122".
std::string FormatAmzDate(Timestamp t);
std::string FormatAmzDay(Timestamp t);
std::optional<Timestamp> ParseAmzDate(std::string_view s);
// "Sun, 22 Nov 2026 01:02:03 GMT" (HTTP Date header).
std::string FormatHttpDate(Timestamp t);
// "2026-11-22T01:02:03Z"; with_millis adds ".123".
std::string FormatIso8601(Timestamp t, bool with_millis = false);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]".
std::optional<Timestamp> ParseIso8601(std::string_view s);

}  // namespace coffer

#endif  // COFFER_BASE_CLOCK_H_
