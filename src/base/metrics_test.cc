#include "base/metrics.h"

#include <gtest/gtest.h>

namespace coffer::metrics {
namespace {

TEST(MetricsTest, RendersCountersWithEscapedLabels) {
  Registry r;
  auto& f = r.NewCounter("coffer_requests_total", "Requests.", {"op", "code"});
  f.With({"Get", "ok"}).Inc();
  f.With({"Get", "ok"}).Inc(2);
  f.With({"Put", "bad\"x"}).Inc();
  std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE coffer_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("coffer_requests_total{op=\"Get\",code=\"ok\"} 3"), std::string::npos);
  EXPECT_NE(text.find("code=\"bad\\\"x\""), std::string::npos);
}

TEST(MetricsTest, HistogramIsCumulative) {
  Registry r;
  auto& h = r.NewHistogram("lat", "Latency.", {}, {0.1, 1});
  h.With({}).Observe(0.05);
  h.With({}).Observe(0.5);
  h.With({}).Observe(5);
  std::string text = r.Render();
  EXPECT_NE(text.find("lat_bucket{le=\"0.1\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_bucket{le=\"1\"} 2"), std::string::npos);
  EXPECT_NE(text.find("lat_bucket{le=\"+Inf\"} 3"), std::string::npos);
  EXPECT_NE(text.find("lat_count 3"), std::string::npos);
  EXPECT_NE(text.find("lat_sum 5.55"), std::string::npos);
}

}  // namespace
}  // namespace coffer::metrics
