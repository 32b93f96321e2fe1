#include "base/clock.h"

#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"

namespace coffer {
namespace {

// 2026-11-22T01:02:03.456Z
constexpr int64_t kMillis = 1795309323456;

TEST(ClockTest, FormatsAmzDate) {
  EXPECT_EQ(FormatAmzDate(FromUnixMillis(kMillis)), "20261122T010203Z");
  EXPECT_EQ(FormatAmzDay(FromUnixMillis(kMillis)), "20261122");
}

TEST(ClockTest, ParsesAmzDateRoundTrip) {
  auto t = ParseAmzDate("20261122T010203Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(ToUnixMillis(*t), kMillis - 456);
}

TEST(ClockTest, RejectsMalformedAmzDate) {
  EXPECT_FALSE(ParseAmzDate("2026-11-22T01:02:03Z"));
  EXPECT_FALSE(ParseAmzDate("20261122T010203"));
  EXPECT_FALSE(ParseAmzDate("20261322T010203Z"));  // month 13
  EXPECT_FALSE(ParseAmzDate("20260230T010203Z"));  // Feb 30
  EXPECT_FALSE(ParseAmzDate("2026112xT010203Z"));
  EXPECT_FALSE(ParseAmzDate(""));
}

TEST(ClockTest, FormatsHttpDate) {
  EXPECT_EQ(FormatHttpDate(FromUnixMillis(kMillis)), "Sun, 22 Nov 2026 01:02:03 GMT");
}

TEST(ClockTest, Iso8601RoundTrip) {
  Timestamp t = FromUnixMillis(kMillis);
  EXPECT_EQ(FormatIso8601(t), "2026-11-22T01:02:03Z");
  EXPECT_EQ(FormatIso8601(t, true), "2026-11-22T01:02:03.456Z");
  EXPECT_EQ(ParseIso8601("2026-11-22T01:02:03.456Z"), t);
  EXPECT_EQ(ParseIso8601("2026-11-22T02:02:03.456+01:00"), t);
  EXPECT_FALSE(ParseIso8601("2026-11-22 01:02:03"));
  EXPECT_FALSE(ParseIso8601("2026-11-22T01:02:03.Z"));
}

TEST(ClockTest, StartOfDay) {
  EXPECT_EQ(FormatIso8601(StartOfDay(FromUnixMillis(kMillis))), "2026-11-22T00:00:00Z");
}

TEST(FakeClockTest, Advances) {
  testing::FakeClock clock(FromUnixMillis(1000));
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(ToUnixMillis(clock.Now()), 3000);
}

}  // namespace
}  // namespace coffer
