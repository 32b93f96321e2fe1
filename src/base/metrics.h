#ifndef COFFER_BASE_METRICS_H_
#define COFFER_BASE_METRICS_H_

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/thread_annotations.h"

// Prometheus-style metrics: counters and histograms with labels, rendered in the text exposition
// format for /metrics. Recording is lock-free once a labelled series exists. Thread-safe.
namespace coffer::metrics {

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void Observe(double v);
  // Cumulative counts per bound (and +Inf last), sum and count.
  std::vector<uint64_t> Buckets() const;
  double sum() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};  // sum in millionths, for lock-free adds
};

template <class Metric>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        labels_(std::move(labels)),
        bounds_(std::move(bounds)) {}
  // The series for these label values (in the order of the family's label names).
  Metric& With(std::initializer_list<std::string_view> values);
  void Render(std::string& out, std::string_view type) const;

 private:
  std::string name_, help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_ COFFER_GUARDED_BY(mu_);
};

class Registry {
 public:
  Family<Counter>& NewCounter(std::string name, std::string help, std::vector<std::string> labels);
  Family<Gauge>& NewGauge(std::string name, std::string help, std::vector<std::string> labels);
  Family<Histogram>& NewHistogram(std::string name, std::string help,
                                  std::vector<std::string> labels, std::vector<double> bounds);
  std::string Render() const;
  // The process-wide registry that /metrics serves.
  static Registry& Default();

 private:
  mutable std::shared_mutex mu_;
  std::vector<std::unique_ptr<Family<Counter>>> counters_;
  std::vector<std::unique_ptr<Family<Gauge>>> gauges_;
  std::vector<std::unique_ptr<Family<Histogram>>> histograms_;
};

// Latency buckets in seconds, 50 µs to 10 s.
const std::vector<double>& LatencyBuckets();

}  // namespace coffer::metrics

#endif  // COFFER_BASE_METRICS_H_
