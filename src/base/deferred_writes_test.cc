#include "base/deferred_writes.h"

#include <gtest/gtest.h>

#include <thread>

namespace coffer {
namespace {

TEST(DeferredWritesTest, ScopeIsThreadLocalAndNests) {
  EXPECT_EQ(DeferredWrites::Active(), nullptr);
  {
    DeferredWrites outer;
    EXPECT_EQ(DeferredWrites::Active(), &outer);
    {
      DeferredWrites inner;
      EXPECT_EQ(DeferredWrites::Active(), &inner);
      std::thread([] { EXPECT_EQ(DeferredWrites::Active(), nullptr); }).join();
    }
    EXPECT_EQ(DeferredWrites::Active(), &outer);
  }
  EXPECT_EQ(DeferredWrites::Active(), nullptr);
}

TEST(DeferredWritesTest, SettledCallbackRunsOnceWithTheOutcome) {
  DeferredWrites scope;
  EXPECT_TRUE(scope.CanDefer());
  auto complete = scope.Defer();
  EXPECT_FALSE(scope.CanDefer());
  EXPECT_TRUE(scope.has_deferred());
  int calls = 0;
  bool ok = false;
  scope.OnSettled([&](const Result<void>& r) {
    ++calls;
    ok = r.has_value();
  });
  EXPECT_EQ(calls, 0);
  std::thread([&] { complete(Ok()); }).join();
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(ok);
}

TEST(DeferredWritesTest, LaterWritesSeeAnEarlierFailure) {
  DeferredWrites scope;
  auto complete = scope.Defer();
  std::thread t([&] { complete(AbortedError("lost the race")); });
  auto r = scope.WaitForEarlier();
  t.join();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kAborted);
  bool called = false;
  scope.OnSettled(
      [&](const Result<void>& s) { called = !s.has_value(); });  // already settled: at once
  EXPECT_TRUE(called);
}

TEST(DeferredWritesTest, OutcomeOutlivesTheScope) {
  DeferredWrites::Completion complete;
  {
    DeferredWrites scope;
    complete = scope.Defer();
  }
  complete(Ok());  // the writer may finish after the request's scope is gone
}

}  // namespace
}  // namespace coffer
