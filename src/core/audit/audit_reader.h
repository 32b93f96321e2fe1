#ifndef COFFER_CORE_AUDIT_AUDIT_READER_H_
#define COFFER_CORE_AUDIT_AUDIT_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace coffer::audit {

// CloudTrail LookupEvents' LookupAttribute keys.
enum class LookupKey {
  kEventId,
  kEventName,
  kReadOnly,  // value "true" | "false"
  kUsername,
  kResourceType,
  kResourceName,
  kEventSource,
  kAccessKeyId,
};

struct LookupAttribute {
  LookupKey key;
  std::string value;
};

// A LookupEvents query: events with start <= eventTime <= end matching every attribute (AWS
// accepts one; Coffer's CLI may pass several), newest first.
struct LookupQuery {
  std::optional<Timestamp> start_time;
  std::optional<Timestamp> end_time;
  std::vector<LookupAttribute> attributes;
  int max_results = 50;    // 1..50
  std::string next_token;  // from a previous page; opaque
};

// One event as LookupEvents returns it.
struct LookupResource {
  std::string resource_type;
  std::string resource_name;
};
struct LookupEvent {
  std::string event_id;
  std::string event_name;
  std::string read_only;  // "true" | "false"
  std::string access_key_id;
  Timestamp event_time;
  std::string event_source;
  std::string username;  // IAMUser: user name; AssumedRole: session name; Root: "root"
  std::vector<LookupResource> resources;
  std::string cloudtrail_event;  // the whole record, as stored (JSON text)
};

struct LookupPage {
  std::vector<LookupEvent> events;
  std::string next_token;  // empty on the last page
};

// The audit trail's read side (a port; src/audit implements it). Thread-safe.
class AuditReader {
 public:
  virtual ~AuditReader() = default;
  // kInvalidArgument for a next_token this reader did not issue (or one for another query);
  // kUnavailable when the log cannot be read.
  virtual Result<LookupPage> Lookup(const LookupQuery& query) const = 0;
};

}  // namespace coffer::audit

#endif  // COFFER_CORE_AUDIT_AUDIT_READER_H_
