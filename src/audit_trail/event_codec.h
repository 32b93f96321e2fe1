#ifndef COFFER_AUDIT_TRAIL_EVENT_CODEC_H_
#define COFFER_AUDIT_TRAIL_EVENT_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "audit_trail/digest.h"
#include "base/clock.h"
#include "base/result.h"
#include "core/audit/audit_event.h"
#include "crypto/hashes.h"

namespace coffer::audit_trail {

// 64 zeros: the previous hash of event 1 and the previous digest hash of the first digest.
inline constexpr std::string_view kZeroHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Encodes `e` as one JSON line (no newline) in CloudTrail's record shape and field order
// (eventVersion "1.09", userIdentity, eventTime without milliseconds, … eventCategory), followed
// by the chain fields "cofferSequence" and "cofferPreviousHash" (kZeroHash for sequence 1).
// Empty userIdentity strings and absent parts are omitted, as CloudTrail does. request_parameters,
// response_elements and additional_event_data must be JSON objects; they are inserted as is
// (compacted when they span several lines), and anything else becomes null (requestParameters,
// responseElements) or is left out (additionalEventData), adding one to *invalid_fields when
// given. Strings that are not valid UTF-8 get U+FFFD for each bad byte. The output is always
// valid JSON. Thread-safe.
// REQUIRES: previous_hash_hex is 64 lower-case hex digits; sequence >= 1.
std::string EncodeEvent(const audit::Event& e, uint64_t sequence,
                        std::string_view previous_hash_hex, int* invalid_fields = nullptr);

// The hash that chains lines: lower-case hex SHA-256 of the exact line bytes (no newline).
std::string LineHash(const crypto::Hashes& hashes, std::string_view line);

// What an event line tells LookupEvents and the verifier.
struct EventRecord {
  uint64_t sequence = 0;
  std::string previous_hash;  // 64 lower-case hex digits
  std::string event_id;
  std::string event_name;
  bool read_only = false;
  std::string access_key_id;  // userIdentity.accessKeyId
  Timestamp event_time;
  std::string event_source;
  // IAMUser: userName; AssumedRole: the session name (the assumed-role ARN's last part);
  // Root: "root"; otherwise principalId.
  std::string username;
  std::vector<audit::Resource> resources;
  std::string_view raw;  // the whole line; points into DecodeLine's input
};

// One decoded line of the trail: an event or a digest.
struct TrailLine {
  std::variant<EventRecord, DigestRecord> record;

  bool is_digest() const { return record.index() == 1; }
  const EventRecord& event() const { return std::get<0>(record); }
  const DigestRecord& digest() const { return std::get<1>(record); }
};

// Decodes one line (untrusted input; no newline). kInvalidArgument when it is not an event
// line (JSON object with a valid eventTime, cofferSequence >= 1 and a 64-hex cofferPreviousHash)
// or a well-formed digest line. Thread-safe. The result's EventRecord::raw points into `line`.
Result<TrailLine> DecodeLine(std::string_view line);

}  // namespace coffer::audit_trail

#endif  // COFFER_AUDIT_TRAIL_EVENT_CODEC_H_
