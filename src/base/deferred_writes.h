#ifndef COFFER_BASE_DEFERRED_WRITES_H_
#define COFFER_BASE_DEFERRED_WRITES_H_

#include <functional>
#include <memory>

#include "base/result.h"

namespace coffer {

// Lets a request whose work ends in one durable write answer without parking its thread on the
// commit. While a DeferredWrites scope is active on a thread, the storage layer may queue the
// scope's first write and return success at once; the protocol layer then holds the response
// until OnSettled() reports the write durable (send it) or failed (run the request again without
// deferral, the blocking way). Any later write in the same scope first waits for the deferred
// one (WaitForEarlier) and fails with its error, so a failed deferred write can never be
// followed by writes that assumed it.
//
// REQUIRES: a handler in a scope must not fail after a write that returned success, and must
// not read back what it wrote. Not thread-safe; the settled callback runs on a storage thread.
class DeferredWrites {
 public:
  // Error::reason of an operation that would have to block its thread inside a scope (for
  // example waiting for a lock); the protocol layer then runs it again on a worker thread.
  static constexpr std::string_view kWouldBlock = "WOULD_BLOCK";

  using Completion = std::function<void(const Result<void>&)>;
  struct State;

  DeferredWrites();
  ~DeferredWrites();
  DeferredWrites(const DeferredWrites&) = delete;
  DeferredWrites& operator=(const DeferredWrites&) = delete;

  // The scope active on this thread, or nullptr.
  static DeferredWrites* Active();

  // True until the scope has deferred a write.
  bool CanDefer() const;
  // Records a deferred write; the storage layer calls the returned completion exactly once, from
  // any thread, when the write's outcome is known.
  Completion Defer();
  bool has_deferred() const;
  // Blocks until the deferred write (if any) is settled; returns its error.
  Result<void> WaitForEarlier();
  // Runs `done` once the deferred write is settled (at once, on this thread, if it already is).
  // Several callbacks may be registered; they run in registration order.
  void OnSettled(std::function<void(const Result<void>&)> done);

  // A copyable handle on the scope's outcome that outlives the scope.
  class Pending {
   public:
    void OnSettled(std::function<void(const Result<void>&)> done) const;

   private:
    friend class DeferredWrites;
    std::shared_ptr<State> state_;
  };
  Pending pending() const;

 private:
  std::shared_ptr<State> state_;
  DeferredWrites* previous_;
};

}  // namespace coffer

#endif  // COFFER_BASE_DEFERRED_WRITES_H_
