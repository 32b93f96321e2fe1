#include "core/secrets/write_locks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "base/deferred_writes.h"

namespace coffer::secrets {
namespace {

TEST(WriteLocksTest, SecondWriterWaitsUntilTheFirstReleases) {
  WriteLocks locks;
  auto first = locks.Acquire("a");
  ASSERT_TRUE(first.has_value());
  std::atomic<bool> acquired{false};
  std::thread t([&] {
    auto second = locks.Acquire("a");
    EXPECT_TRUE(second.has_value());
    acquired = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(acquired.load());
  { auto release = std::move(first).value(); }
  t.join();
  EXPECT_TRUE(acquired.load());
}

TEST(WriteLocksTest, InsideADeferralScopeABusyStripeWouldBlock) {
  WriteLocks locks;
  auto held = locks.Acquire("s");
  ASSERT_TRUE(held.has_value());
  DeferredWrites scope;
  auto r = locks.Acquire("s");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, DeferredWrites::kWouldBlock);
}

TEST(WriteLocksTest, DeferredWriteReleasesWhenItSettles) {
  WriteLocks locks;
  DeferredWrites::Completion complete;
  {
    DeferredWrites scope;
    auto held = locks.Acquire("s");
    ASSERT_TRUE(held.has_value());
    complete = scope.Defer();
    held->ReleaseWhenSettled();
  }
  {
    DeferredWrites probe;
    EXPECT_FALSE(locks.Acquire("s").has_value());  // still held until the write settles
  }
  std::thread([&] { complete(Ok()); }).join();
  EXPECT_TRUE(locks.Acquire("s").has_value());
}

}  // namespace
}  // namespace coffer::secrets
