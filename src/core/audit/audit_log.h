#ifndef COFFER_CORE_AUDIT_AUDIT_LOG_H_
#define COFFER_CORE_AUDIT_AUDIT_LOG_H_

#include <functional>

#include "base/result.h"
#include "core/audit/audit_event.h"

namespace coffer::audit {

// The audit trail's write side (a port; src/audit implements it). Events are appended in the
// order Append is called and chained (each carries the hash of the previous one).
// Implementations are thread-safe.
class AuditLog {
 public:
  using Done = std::function<void(const Result<void>&)>;

  virtual ~AuditLog() = default;

  // Appends `event`. `done` runs exactly once, on any thread (possibly this one, before Append
  // returns): Ok once the event is durable, or kUnavailable when it cannot be made durable (disk
  // full, unwritable log). In fail-closed mode (the default) the caller must not answer the
  // request it audits before `done` reports Ok. In non-blocking mode `done` reports Ok at once
  // and events that cannot be written are counted and dropped.
  virtual void Append(Event event, Done done) = 0;

  // Append, blocking until `done` would run. Returns its outcome.
  virtual Result<void> AppendAndWait(Event event) = 0;

  // False while the last write failed and fail-closed mode refuses new work; lets callers refuse
  // a request before doing it. Recovers by itself once a write succeeds again.
  virtual bool Accepting() const = 0;
};

// An AuditLog that drops everything (components tested alone).
class NullAuditLog final : public AuditLog {
 public:
  void Append(Event, Done done) override { done(Ok()); }
  Result<void> AppendAndWait(Event) override { return Ok(); }
  bool Accepting() const override { return true; }
};

}  // namespace coffer::audit

#endif  // COFFER_CORE_AUDIT_AUDIT_LOG_H_
