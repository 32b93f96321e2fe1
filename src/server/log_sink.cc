#include "server/log_sink.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace coffer::server {
namespace {

class SpdlogSink final : public log::Sink {
 public:
  SpdlogSink() {
    spdlog::init_thread_pool(8192, 1);
    logger_ = spdlog::create_async_nb<spdlog::sinks::stderr_sink_mt>("coffer");
    logger_->set_pattern("%v");  // lines arrive formatted as JSON
    logger_->set_level(spdlog::level::trace);
    logger_->flush_on(spdlog::level::warn);
  }
  ~SpdlogSink() override { logger_->flush(); }
  void Write(log::Level level, std::string_view line) override {
    spdlog::level::level_enum l = spdlog::level::info;
    switch (level) {
      case log::Level::kDebug:
        l = spdlog::level::debug;
        break;
      case log::Level::kInfo:
        l = spdlog::level::info;
        break;
      case log::Level::kWarn:
        l = spdlog::level::warn;
        break;
      case log::Level::kError:
        l = spdlog::level::err;
        break;
    }
    logger_->log(l, "{}", line);
  }
  void Flush() override { logger_->flush(); }

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace

std::shared_ptr<log::Sink> MakeSpdlogSink() { return std::make_shared<SpdlogSink>(); }

}  // namespace coffer::server
