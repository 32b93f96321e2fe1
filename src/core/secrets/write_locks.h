#ifndef COFFER_CORE_SECRETS_WRITE_LOCKS_H_
#define COFFER_CORE_SECRETS_WRITE_LOCKS_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/thread_annotations.h"

namespace coffer::secrets {

// One writer per secret at a time in this process, so concurrent writes to a secret queue
// instead of racing on its revision (which only other replicas can still lose). Striped by
// secret name. A lock taken for a deferred write is released when that write settles, possibly
// on another thread, so these are flags rather than mutexes. Thread-safe.
class WriteLocks {
 public:
  explicit WriteLocks(size_t stripes = 1024) : busy_(stripes, false) {}

  // Owns one stripe until destroyed, or until the scope's deferred write settles.
  class Held {
   public:
    Held() = default;
    Held(Held&& o) noexcept : locks_(o.locks_), stripe_(o.stripe_) { o.locks_ = nullptr; }
    Held& operator=(Held&& o) noexcept;
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held();
    // Call after a write succeeded: if it was deferred, the stripe is released when it
    // settles; otherwise when this object dies.
    void ReleaseWhenSettled();

   private:
    friend class WriteLocks;
    Held(WriteLocks* l, size_t s) : locks_(l), stripe_(s) {}
    WriteLocks* locks_ = nullptr;
    size_t stripe_ = 0;
  };

  // Takes the stripe of `name`. Inside a DeferredWrites scope it does not wait: a busy stripe
  // gives kAborted with reason DeferredWrites::kWouldBlock.
  Result<Held> Acquire(std::string_view name);

 private:
  void Release(size_t stripe);

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<bool> busy_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::secrets

#endif  // COFFER_CORE_SECRETS_WRITE_LOCKS_H_
