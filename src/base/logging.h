#ifndef COFFER_BASE_LOGGING_H_
#define COFFER_BASE_LOGGING_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

// Structured logging facade. Every line is one JSON object:
//   {"ts":"2026-11-22T01:02:03.456Z","level":"info","msg":"...","request_id":"...",<fields>}
// The sink that writes lines out is installed by the composition root (spdlog in the server); the
// default writes to stderr. Never pass secret material as a field: there is no redaction pass.
namespace coffer::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : ""), quoted(true) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, int64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, double v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted(false) {}
  std::string_view key;
  std::string value;
  bool quoted;
};

// Receives formatted lines. Implementations must be thread-safe.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void Write(Level level, std::string_view line) = 0;
  virtual void Flush() {}
};

void SetSink(std::shared_ptr<Sink> sink);
void SetLevel(Level level);
bool IsEnabled(Level level);
void Flush();
// Parses "debug" | "info" | "warn" | "error".
bool ParseLevel(std::string_view name, Level* out);

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
inline void Debug(std::string_view msg, std::initializer_list<Field> fields = {}) {
  if (IsEnabled(Level::kDebug)) Write(Level::kDebug, msg, fields);
}
inline void Info(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, msg, fields);
}
inline void Warn(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kWarn, msg, fields);
}
inline void Error(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kError, msg, fields);
}

// While alive, every line logged on this thread carries "request_id".
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string_view id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

// Appends `s` to `out` as the body of a JSON string (without quotes), escaping as RFC 8259
// requires.
void AppendJsonEscaped(std::string& out, std::string_view s);

}  // namespace coffer::log

#endif  // COFFER_BASE_LOGGING_H_
