#ifndef COFFER_BASE_TESTING_FAKE_CLOCK_H_
#define COFFER_BASE_TESTING_FAKE_CLOCK_H_

#include <atomic>

#include "base/clock.h"

namespace coffer::testing {

// A clock tests move by hand. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = FromUnixMillis(1'790'000'000'000)) : now_(start) {}
  Timestamp Now() const override { return now_.load(); }
  void Set(Timestamp t) { now_.store(t); }
  template <class D>
  void Advance(D d) {
    now_.store(now_.load() + std::chrono::duration_cast<std::chrono::milliseconds>(d));
  }

 private:
  std::atomic<Timestamp> now_;
};

}  // namespace coffer::testing

#endif  // COFFER_BASE_TESTING_FAKE_CLOCK_H_
