#include "core/secrets/write_locks.h"

#include <functional>

#include "base/deferred_writes.h"

namespace coffer::secrets {

WriteLocks::Held& WriteLocks::Held::operator=(Held&& o) noexcept {
  if (this != &o) {
    if (locks_ != nullptr) locks_->Release(stripe_);
    locks_ = o.locks_;
    stripe_ = o.stripe_;
    o.locks_ = nullptr;
  }
  return *this;
}

WriteLocks::Held::~Held() {
  if (locks_ != nullptr) locks_->Release(stripe_);
}

void WriteLocks::Held::ReleaseWhenSettled() {
  DeferredWrites* scope = DeferredWrites::Active();
  if (locks_ == nullptr || scope == nullptr || !scope->has_deferred()) return;
  scope->OnSettled(
      [locks = locks_, stripe = stripe_](const Result<void>&) { locks->Release(stripe); });
  locks_ = nullptr;
}

Result<WriteLocks::Held> WriteLocks::Acquire(std::string_view name) {
  size_t stripe = std::hash<std::string_view>{}(name) % busy_.size();
  std::unique_lock lock(mu_);
  if (busy_[stripe]) {
    if (DeferredWrites::Active() != nullptr) {
      return AbortedError("another write to this secret is in flight", DeferredWrites::kWouldBlock);
    }
    cv_.wait(lock, [&] { return !busy_[stripe]; });
  }
  busy_[stripe] = true;
  return Held(this, stripe);
}

void WriteLocks::Release(size_t stripe) {
  {
    std::lock_guard lock(mu_);
    busy_[stripe] = false;
  }
  cv_.notify_all();
}

}  // namespace coffer::secrets
