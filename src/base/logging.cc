#include "base/logging.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "base/clock.h"

namespace coffer::log {
namespace {

class StderrSink final : public Sink {
 public:
  void Write(Level, std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fputc('\n', stderr);
  }
  void Flush() override { std::fflush(stderr); }

 private:
  std::mutex mu_;
};

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

std::shared_ptr<Sink>& SinkSlot() {
  static auto* slot = new std::shared_ptr<Sink>(std::make_shared<StderrSink>());
  return *slot;
}
std::mutex& SinkMutex() {
  static auto* mu = new std::mutex;
  return *mu;
}

thread_local std::string t_request_id;

constexpr std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void AppendJsonEscaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
}

void SetSink(std::shared_ptr<Sink> sink) {
  std::lock_guard<std::mutex> lock(SinkMutex());
  SinkSlot() = std::move(sink);
}

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }

bool IsEnabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void Flush() {
  std::shared_ptr<Sink> sink;
  {
    std::lock_guard<std::mutex> lock(SinkMutex());
    sink = SinkSlot();
  }
  if (sink) sink->Flush();
}

bool ParseLevel(std::string_view name, Level* out) {
  if (name == "debug")
    *out = Level::kDebug;
  else if (name == "info")
    *out = Level::kInfo;
  else if (name == "warn")
    *out = Level::kWarn;
  else if (name == "error")
    *out = Level::kError;
  else
    return false;
  return true;
}

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!IsEnabled(level)) return;
  std::string line;
  line.reserve(128);
  line += "{\"ts\":\"";
  line += FormatIso8601(RealClock::Get().Now(), /*with_millis=*/true);
  line += "\",\"level\":\"";
  line += LevelName(level);
  line += "\",\"msg\":\"";
  AppendJsonEscaped(line, msg);
  line += '"';
  if (!t_request_id.empty()) {
    line += ",\"request_id\":\"";
    AppendJsonEscaped(line, t_request_id);
    line += '"';
  }
  for (const Field& f : fields) {
    line += ",\"";
    AppendJsonEscaped(line, f.key);
    line += "\":";
    if (f.quoted) {
      line += '"';
      AppendJsonEscaped(line, f.value);
      line += '"';
    } else {
      line += f.value;
    }
  }
  line += '}';
  std::shared_ptr<Sink> sink;
  {
    std::lock_guard<std::mutex> lock(SinkMutex());
    sink = SinkSlot();
  }
  if (sink) sink->Write(level, line);
}

ScopedRequestId::ScopedRequestId(std::string_view id) : previous_(std::move(t_request_id)) {
  t_request_id.assign(id);
}

ScopedRequestId::~ScopedRequestId() { t_request_id = std::move(previous_); }

}  // namespace coffer::log
