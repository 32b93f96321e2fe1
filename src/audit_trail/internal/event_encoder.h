#ifndef COFFER_AUDIT_TRAIL_INTERNAL_EVENT_ENCODER_H_
#define COFFER_AUDIT_TRAIL_INTERNAL_EVENT_ENCODER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "audit_trail/internal/json.h"
#include "core/audit/audit_event.h"

namespace coffer::audit_trail::internal {

// EncodeEvent's engine, with state reused across events (the writer thread keeps one, so a
// batch is encoded without per-event allocations beyond the output's growth). Not thread-safe.
class EventEncoder {
 public:
  // Appends the event line (no newline) to `out`; returns how many of request_parameters,
  // response_elements and additional_event_data were not JSON objects (and were replaced).
  int Append(std::string& out, const audit::Event& e, uint64_t sequence,
             std::string_view previous_hash_hex);

 private:
  void AppendTime(std::string& out, Timestamp t);
  int AppendObjectOrNull(std::string& out, std::string_view json);

  ObjectCopier copier_;
  int64_t cached_second_ = INT64_MIN;
  char cached_time_[20] = {};  // "2026-11-22T13:38:31Z"
};

// "2026-11-22T13:38:31Z" into buf (exactly 20 bytes, no NUL).
void FormatEventTime(Timestamp t, char (&buf)[20]);

}  // namespace coffer::audit_trail::internal

#endif  // COFFER_AUDIT_TRAIL_INTERNAL_EVENT_ENCODER_H_
