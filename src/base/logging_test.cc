#include "base/logging.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

namespace coffer::log {
namespace {

class CaptureSink : public Sink {
 public:
  void Write(Level, std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu);
    lines.emplace_back(line);
  }
  std::mutex mu;
  std::vector<std::string> lines;
};

TEST(LoggingTest, WritesJsonLineWithRequestIdAndEscapedFields) {
  auto sink = std::make_shared<CaptureSink>();
  SetSink(sink);
  {
    ScopedRequestId rid("req-1");
    Info("hello \"world\"", {{"op", "GetSecretValue"}, {"n", 3}, {"ok", true}});
  }
  Info("after");
  SetSink(nullptr);
  ASSERT_EQ(sink->lines.size(), 2u);
  const std::string& l = sink->lines[0];
  EXPECT_NE(l.find("\"msg\":\"hello \\\"world\\\"\""), std::string::npos) << l;
  EXPECT_NE(l.find("\"request_id\":\"req-1\""), std::string::npos) << l;
  EXPECT_NE(l.find("\"op\":\"GetSecretValue\",\"n\":3,\"ok\":true"), std::string::npos) << l;
  EXPECT_EQ(sink->lines[1].find("request_id"), std::string::npos);
}

TEST(LoggingTest, LevelFilters) {
  auto sink = std::make_shared<CaptureSink>();
  SetSink(sink);
  SetLevel(Level::kWarn);
  Info("dropped");
  Warn("kept");
  SetLevel(Level::kInfo);
  SetSink(nullptr);
  ASSERT_EQ(sink->lines.size(), 1u);
  EXPECT_NE(sink->lines[0].find("kept"), std::string::npos);
}

TEST(LoggingTest, EscapesControlCharacters) {
  std::string out;
  AppendJsonEscaped(out, std::string_view("a\nb\x01", 4));
  EXPECT_EQ(out, "a\\nb\\u0001");
}

}  // namespace
}  // namespace coffer::log
