#include "core/policy/internal/values.h"

#include <gtest/gtest.h>

namespace coffer::policy::internal {
namespace {

bool InNet(const char* net, const char* addr) {
  auto n = ParseIpNetwork(net);
  auto a = ParseIpAddress(addr);
  EXPECT_TRUE(n.has_value()) << net;
  EXPECT_TRUE(a.has_value()) << addr;
  return n && a && NetworkContains(*n, *a);
}

TEST(IpNetworkTest, Ipv4) {
  EXPECT_TRUE(InNet("203.0.113.0/24", "203.0.113.7"));
  EXPECT_FALSE(InNet("203.0.113.0/24", "203.0.114.7"));
  EXPECT_TRUE(InNet("203.0.113.7", "203.0.113.7"));
  EXPECT_FALSE(InNet("203.0.113.7", "203.0.113.8"));
  EXPECT_TRUE(InNet("0.0.0.0/0", "8.8.8.8"));
  EXPECT_TRUE(InNet("10.0.0.0/9", "10.127.255.255"));
  EXPECT_FALSE(InNet("10.0.0.0/9", "10.128.0.0"));
  EXPECT_TRUE(InNet("203.0.113.99/24", "203.0.113.1"));  // host bits are ignored
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33", "1.2.3.4/",
                          "a.b.c.d", "1..2.3", "1.2.3.4 ", "1.2.3.4/-1", "01234.1.1.1"}) {
    EXPECT_FALSE(ParseIpNetwork(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseIpAddress("10.0.0.0/8").has_value());
}

TEST(IpNetworkTest, Ipv6) {
  EXPECT_TRUE(InNet("2001:DB8:1234:5678::/64", "2001:db8:1234:5678:abcd::1"));
  EXPECT_FALSE(InNet("2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1"));
  EXPECT_TRUE(InNet("::/0", "fe80::1"));
  EXPECT_TRUE(InNet("::1", "0:0:0:0:0:0:0:1"));
  EXPECT_TRUE(InNet("2001:db8::/33", "2001:db8:7fff::"));
  EXPECT_FALSE(InNet("2001:db8::/33", "2001:db8:8000::"));
  EXPECT_TRUE(InNet("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"));
  EXPECT_TRUE(InNet("1::", "1:0::0"));
  // IPv4-mapped addresses are IPv4; families otherwise never match.
  EXPECT_TRUE(InNet("10.0.0.0/8", "::ffff:10.1.2.3"));
  EXPECT_TRUE(InNet("::ffff:10.0.0.0/104", "10.1.2.3"));
  EXPECT_FALSE(InNet("0.0.0.0/0", "2001:db8::1"));
  EXPECT_FALSE(InNet("::/0", "10.0.0.1"));
  for (const char* bad :
       {":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::", "1:", ":1",
        "::/129", "fe80::1%eth0", "1:2:3:4:5:6:7::8", "::1.2.3", "::1.2.3.4:5"}) {
    EXPECT_FALSE(ParseIpNetwork(bad).has_value()) << bad;
  }
}

TEST(DateTest, Iso8601AndEpoch) {
  EXPECT_EQ(ParseDateMillis("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseDateMillis("2019-07-16T12:00:00Z"), 1563278400000);
  EXPECT_EQ(ParseDateMillis("2019-07-16T12:00:00+02:00"), 1563278400000 - 7200000);
  EXPECT_EQ(ParseDateMillis("2019-07-16T12:00:00-0130"), 1563278400000 + 5400000);
  EXPECT_EQ(ParseDateMillis("2019-07-16T12:00Z"), 1563278400000);
  EXPECT_EQ(ParseDateMillis("2019-07-16T12:00:00.25Z"), 1563278400250);
  EXPECT_EQ(ParseDateMillis("2019-07-16T12:00:00"), 1563278400000);  // no zone: UTC
  EXPECT_EQ(ParseDateMillis("2019-07-16"), 1563235200000);
  EXPECT_EQ(ParseDateMillis("2019-07"), 1561939200000);
  EXPECT_EQ(ParseDateMillis("2024-02-29"), 1709164800000);
  EXPECT_EQ(ParseDateMillis("1563278400"), 1563278400000);
  EXPECT_EQ(ParseDateMillis("1563278400.5"), 1563278400500);
  for (const char* bad :
       {"", "2019-13-01", "2019-02-29", "2019-07-16T25:00Z", "2019-07-16T12Z", "2019-07-16X",
        "2019/07/16", "tomorrow", "2019-07-16T12:00:00+2", "1563278400.", "99999999999999"}) {
    EXPECT_FALSE(ParseDateMillis(bad).has_value()) << bad;
  }
}

TEST(NumberTest, FiniteDecimalsOnly) {
  EXPECT_EQ(ParseNumber("10"), 10.0);
  EXPECT_EQ(ParseNumber("-2.5"), -2.5);
  EXPECT_EQ(ParseNumber("1e3"), 1000.0);
  for (const char* bad : {"", "ten", "1x", " 1", "inf", "nan", "1e999", "0x10"}) {
    EXPECT_FALSE(ParseNumber(bad).has_value()) << bad;
  }
  EXPECT_EQ(ParseBool("TRUE"), true);
  EXPECT_EQ(ParseBool("false"), false);
  EXPECT_FALSE(ParseBool("yes").has_value());
}

}  // namespace
}  // namespace coffer::policy::internal
