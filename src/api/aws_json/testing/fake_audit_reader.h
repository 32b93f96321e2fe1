#ifndef COFFER_API_AWS_JSON_TESTING_FAKE_AUDIT_READER_H_
#define COFFER_API_AWS_JSON_TESTING_FAKE_AUDIT_READER_H_

#include <algorithm>
#include <charconv>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/thread_annotations.h"
#include "core/audit/audit_reader.h"

namespace coffer::api::aws_json {

// An AuditReader over events held in memory, for tests and fuzz targets. It filters as the file
// reader does (start <= eventTime <= end, every attribute matches; ResourceType and ResourceName
// match any of an event's resources), returns the newest events first in pages of max_results,
// and issues "fake:<offset>" page tokens (any other token is kInvalidArgument). It records the
// last query, and can be told to fail. Thread-safe.
class FakeAuditReader final : public audit::AuditReader {
 public:
  // Adds an event; events are kept sorted by time.
  void Add(audit::LookupEvent event) {
    std::lock_guard lock(mu_);
    auto at = std::upper_bound(events_.begin(), events_.end(), event,
                               [](const audit::LookupEvent& a, const audit::LookupEvent& b) {
                                 return a.event_time < b.event_time;
                               });
    events_.insert(at, std::move(event));
  }
  // Every later Lookup returns `error` (until called with nullopt).
  void FailWith(std::optional<Error> error) {
    std::lock_guard lock(mu_);
    fail_ = std::move(error);
  }
  std::optional<audit::LookupQuery> last_query() const {
    std::lock_guard lock(mu_);
    return last_query_;
  }

  Result<audit::LookupPage> Lookup(const audit::LookupQuery& query) const override {
    std::lock_guard lock(mu_);
    last_query_ = query;
    if (fail_) return *fail_;
    size_t offset = 0;
    if (!query.next_token.empty()) {
      std::string_view t = query.next_token;
      if (!t.starts_with("fake:")) return InvalidArgumentError("bad token");
      t.remove_prefix(5);
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), offset);
      if (ec != std::errc() || end != t.data() + t.size()) {
        return InvalidArgumentError("bad token");
      }
    }
    audit::LookupPage page;
    size_t matched = 0;
    size_t limit = static_cast<size_t>(std::max(1, query.max_results));
    for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
      if (!Matches(*it, query)) continue;
      if (matched++ < offset) continue;
      if (page.events.size() == limit) {
        page.next_token = "fake:" + std::to_string(offset + limit);
        break;
      }
      page.events.push_back(*it);
    }
    return page;
  }

 private:
  static bool Matches(const audit::LookupEvent& e, const audit::LookupQuery& q) {
    if (q.start_time && e.event_time < *q.start_time) return false;
    if (q.end_time && e.event_time > *q.end_time) return false;
    for (const audit::LookupAttribute& a : q.attributes) {
      if (!Matches(e, a)) return false;
    }
    return true;
  }
  static bool Matches(const audit::LookupEvent& e, const audit::LookupAttribute& a) {
    using audit::LookupKey;
    switch (a.key) {
      case LookupKey::kEventId:
        return e.event_id == a.value;
      case LookupKey::kEventName:
        return e.event_name == a.value;
      case LookupKey::kReadOnly:
        return e.read_only == a.value;
      case LookupKey::kUsername:
        return e.username == a.value;
      case LookupKey::kEventSource:
        return e.event_source == a.value;
      case LookupKey::kAccessKeyId:
        return e.access_key_id == a.value;
      case LookupKey::kResourceType:
      case LookupKey::kResourceName:
        return std::any_of(e.resources.begin(), e.resources.end(), [&](const auto& r) {
          return (a.key == LookupKey::kResourceType ? r.resource_type : r.resource_name) == a.value;
        });
    }
    return false;
  }

  mutable std::mutex mu_;
  std::vector<audit::LookupEvent> events_ COFFER_GUARDED_BY(mu_);
  std::optional<Error> fail_ COFFER_GUARDED_BY(mu_);
  mutable std::optional<audit::LookupQuery> last_query_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_TESTING_FAKE_AUDIT_READER_H_
