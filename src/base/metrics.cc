#include "base/metrics.h"

#include <cmath>
#include <cstdio>
#include <mutex>

#include "base/logging.h"

namespace coffer::metrics {
namespace {

void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    for (char c : values[i]) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (v > 0) sum_micros_.fetch_add(static_cast<uint64_t>(v * 1e6), std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::Buckets() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += counts_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

double Histogram::sum() const {
  return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
}

template <class Metric>
Metric& Family<Metric>::With(std::initializer_list<std::string_view> values) {
  std::vector<std::string> key(values.begin(), values.end());
  {
    std::shared_lock lock(mu_);
    auto it = series_.find(key);
    if (it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto& slot = series_[key];
  if (!slot) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      slot = std::make_unique<Histogram>(bounds_);
    } else {
      slot = std::make_unique<Metric>();
    }
  }
  return *slot;
}

template <class Metric>
void Family<Metric>::Render(std::string& out, std::string_view type) const {
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " " + std::string(type) + "\n";
  std::shared_lock lock(mu_);
  for (const auto& [values, m] : series_) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      auto buckets = m->Buckets();
      for (size_t i = 0; i < buckets.size(); ++i) {
        out += name_ + "_bucket";
        std::string le = i < m->bounds().size() ? FormatDouble(m->bounds()[i]) : "+Inf";
        AppendLabels(out, labels_, values, "le", le);
        out += " " + std::to_string(buckets[i]) + "\n";
      }
      out += name_ + "_sum";
      AppendLabels(out, labels_, values);
      out += " " + FormatDouble(m->sum()) + "\n";
      out += name_ + "_count";
      AppendLabels(out, labels_, values);
      out += " " + std::to_string(m->count()) + "\n";
    } else if constexpr (std::is_same_v<Metric, Gauge>) {
      out += name_;
      AppendLabels(out, labels_, values);
      out += " " + FormatDouble(m->value()) + "\n";
    } else {
      out += name_;
      AppendLabels(out, labels_, values);
      out += " " + std::to_string(m->value()) + "\n";
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Family<Counter>& Registry::NewCounter(std::string name, std::string help,
                                      std::vector<std::string> labels) {
  std::unique_lock lock(mu_);
  counters_.push_back(
      std::make_unique<Family<Counter>>(std::move(name), std::move(help), std::move(labels)));
  return *counters_.back();
}

Family<Gauge>& Registry::NewGauge(std::string name, std::string help,
                                  std::vector<std::string> labels) {
  std::unique_lock lock(mu_);
  gauges_.push_back(
      std::make_unique<Family<Gauge>>(std::move(name), std::move(help), std::move(labels)));
  return *gauges_.back();
}

Family<Histogram>& Registry::NewHistogram(std::string name, std::string help,
                                          std::vector<std::string> labels,
                                          std::vector<double> bounds) {
  std::unique_lock lock(mu_);
  histograms_.push_back(std::make_unique<Family<Histogram>>(std::move(name), std::move(help),
                                                            std::move(labels), std::move(bounds)));
  return *histograms_.back();
}

std::string Registry::Render() const {
  std::string out;
  std::shared_lock lock(mu_);
  for (const auto& f : counters_) f->Render(out, "counter");
  for (const auto& f : gauges_) f->Render(out, "gauge");
  for (const auto& f : histograms_) f->Render(out, "histogram");
  return out;
}

Registry& Registry::Default() {
  static auto* registry = new Registry;
  return *registry;
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> b = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                        0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                        0.5,     1,      2.5,     5,      10};
  return b;
}

}  // namespace coffer::metrics
