#include "base/deferred_writes.h"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "base/check.h"

namespace coffer {

struct DeferredWrites::State {
  std::mutex mu;
  std::condition_variable cv;
  bool deferred = false;
  std::optional<Result<void>> outcome;
  std::vector<std::function<void(const Result<void>&)>> on_settled;
};

namespace {
thread_local DeferredWrites* t_active = nullptr;
}  // namespace

DeferredWrites::DeferredWrites() : state_(std::make_shared<State>()), previous_(t_active) {
  t_active = this;
}

DeferredWrites::~DeferredWrites() { t_active = previous_; }

DeferredWrites* DeferredWrites::Active() { return t_active; }

bool DeferredWrites::CanDefer() const {
  std::lock_guard lock(state_->mu);
  return !state_->deferred;
}

bool DeferredWrites::has_deferred() const {
  std::lock_guard lock(state_->mu);
  return state_->deferred;
}

DeferredWrites::Completion DeferredWrites::Defer() {
  {
    std::lock_guard lock(state_->mu);
    COFFER_CHECK(!state_->deferred, "a scope defers at most one write");
    state_->deferred = true;
  }
  return [state = state_](const Result<void>& r) {
    std::vector<std::function<void(const Result<void>&)>> callbacks;
    {
      std::lock_guard lock(state->mu);
      COFFER_CHECK(!state->outcome.has_value(), "a deferred write settles once");
      state->outcome = r;
      callbacks.swap(state->on_settled);
    }
    state->cv.notify_all();
    for (auto& callback : callbacks) callback(r);
  };
}

Result<void> DeferredWrites::WaitForEarlier() {
  std::unique_lock lock(state_->mu);
  if (!state_->deferred) return Ok();
  state_->cv.wait(lock, [&] { return state_->outcome.has_value(); });
  return *state_->outcome;
}

void DeferredWrites::OnSettled(std::function<void(const Result<void>&)> done) {
  pending().OnSettled(std::move(done));
}

DeferredWrites::Pending DeferredWrites::pending() const {
  Pending p;
  p.state_ = state_;
  return p;
}

void DeferredWrites::Pending::OnSettled(std::function<void(const Result<void>&)> done) const {
  std::optional<Result<void>> ready;
  {
    std::lock_guard lock(state_->mu);
    if (state_->outcome.has_value()) {
      ready = *state_->outcome;
    } else {
      state_->on_settled.push_back(std::move(done));
      return;
    }
  }
  done(std::move(*ready));
}

}  // namespace coffer
