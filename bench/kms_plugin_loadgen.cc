// kms_plugin_loadgen: a closed-loop gRPC load generator for the KMS v2 plugin's unix socket
// (`coffer kms-plugin`), for bench/run_kms_plugin.sh.
//
// --concurrency callers share one channel (as kube-apiserver does: one connection, HTTP/2
// streams); each sends one call, waits for the answer, and sends the next. Every call carries the
// apiserver's default 3 s deadline. Latency is measured per call from the first call after
// --warmup seconds to the end of --duration.
//
//   --op Encrypt   EncryptRequest{plaintext: 32 fresh random bytes, uid}
//   --op Decrypt   DecryptRequest{ciphertext, key_id, uid}: one of --seeds ciphertexts made by
//                  Encrypt before the run
//   --op Status    StatusRequest{} (answered from the plugin's cache between probes)
//
// Prints one JSON object (--json) or a short text summary.
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "grpc/proto/kms_v2.grpc.pb.h"

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string socket;
  std::string op = "Encrypt";
  int concurrency = 1;
  double duration = 10;
  double warmup = 2;
  int seeds = 100;
  bool json = false;
};

struct Seed {
  std::string ciphertext;
  std::string key_id;
};

struct Worker {
  std::vector<double> latency_ms;
  std::map<std::string, int64_t> errors;
};

std::string Target(const std::string& socket) {
  if (socket.rfind("unix:///@", 0) == 0) return "unix-abstract:" + socket.substr(9);
  return socket;
}

void Prepare(grpc::ClientContext& ctx) {
  ctx.set_wait_for_ready(true);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

grpc::Status Call(v2::KeyManagementService::Stub& stub, const Options& opt,
                  const std::vector<Seed>& seeds, std::mt19937_64& rng, uint64_t n) {
  grpc::ClientContext ctx;
  Prepare(ctx);
  std::string uid = "bench-" + std::to_string(n);
  if (opt.op == "Encrypt") {
    v2::EncryptRequest req;
    req.set_plaintext(RandomBytes(rng, 32));
    req.set_uid(uid);
    v2::EncryptResponse res;
    return stub.Encrypt(&ctx, req, &res);
  }
  if (opt.op == "Decrypt") {
    const Seed& s = seeds[rng() % seeds.size()];
    v2::DecryptRequest req;
    req.set_ciphertext(s.ciphertext);
    req.set_key_id(s.key_id);
    req.set_uid(uid);
    v2::DecryptResponse res;
    return stub.Decrypt(&ctx, req, &res);
  }
  v2::StatusResponse res;
  grpc::Status st = stub.Status(&ctx, v2::StatusRequest(), &res);
  if (st.ok() && res.healthz() != "ok") {
    return grpc::Status(grpc::StatusCode::UNKNOWN, "healthz " + res.healthz());
  }
  return st;
}

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

int Run(const Options& opt) {
  grpc::ChannelArguments args;
  args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, "localhost");
  auto channel =
      grpc::CreateCustomChannel(Target(opt.socket), grpc::InsecureChannelCredentials(), args);
  auto stub = v2::KeyManagementService::NewStub(channel);

  std::vector<Seed> seeds;
  if (opt.op == "Decrypt") {
    std::mt19937_64 rng(42);
    for (int i = 0; i < opt.seeds; ++i) {
      grpc::ClientContext ctx;
      Prepare(ctx);
      v2::EncryptRequest req;
      req.set_plaintext(RandomBytes(rng, 32));
      v2::EncryptResponse res;
      grpc::Status st = stub->Encrypt(&ctx, req, &res);
      if (!st.ok()) {
        std::cerr << "setup Encrypt failed: " << st.error_message() << std::endl;
        return 1;
      }
      seeds.push_back({res.ciphertext(), res.key_id()});
    }
  }

  auto start = SteadyClock::now();
  auto measure_from = start + std::chrono::duration_cast<SteadyClock::duration>(
                                  std::chrono::duration<double>(opt.warmup));
  auto end = measure_from + std::chrono::duration_cast<SteadyClock::duration>(
                                std::chrono::duration<double>(opt.duration));
  std::vector<Worker> workers(static_cast<size_t>(opt.concurrency));
  std::vector<std::thread> threads;
  std::atomic<uint64_t> counter{0};
  for (int w = 0; w < opt.concurrency; ++w) {
    threads.emplace_back([&, w] {
      Worker& me = workers[static_cast<size_t>(w)];
      std::mt19937_64 rng(static_cast<uint64_t>(w) * 7919 + 1);
      while (true) {
        auto t0 = SteadyClock::now();
        if (t0 >= end) break;
        grpc::Status st = Call(*stub, opt, seeds, rng, counter++);
        auto t1 = SteadyClock::now();
        if (t0 < measure_from) continue;
        if (st.ok()) {
          me.latency_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        } else {
          ++me.errors[std::to_string(static_cast<int>(st.error_code())) + " " +
                      st.error_message().substr(0, 80)];
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  std::vector<double> all;
  std::map<std::string, int64_t> errors;
  int64_t error_count = 0;
  for (const Worker& w : workers) {
    all.insert(all.end(), w.latency_ms.begin(), w.latency_ms.end());
    for (const auto& [k, v] : w.errors) {
      errors[k] += v;
      error_count += v;
    }
  }
  std::sort(all.begin(), all.end());
  double rps = static_cast<double>(all.size()) / opt.duration;
  if (opt.json) {
    std::string e = "{";
    for (const auto& [k, v] : errors) {
      if (e.size() > 1) e += ",";
      e += "\"" + JsonEscape(k) + "\":" + std::to_string(v);
    }
    e += "}";
    std::cout << "{\"op\":\"" << opt.op << "\",\"concurrency\":" << opt.concurrency
              << ",\"requests\":" << all.size() << ",\"errors\":" << error_count
              << ",\"error_breakdown\":" << e << ",\"duration_s\":" << Fixed(opt.duration, 3)
              << ",\"rps\":" << Fixed(rps, 1)
              << ",\"latency_ms\":{\"p50\":" << Fixed(Quantile(all, 0.5), 3)
              << ",\"p99\":" << Fixed(Quantile(all, 0.99), 3)
              << ",\"p999\":" << Fixed(Quantile(all, 0.999), 3)
              << ",\"max\":" << Fixed(all.empty() ? 0 : all.back(), 3) << "}}" << std::endl;
  } else {
    std::cout << opt.op << " x" << opt.concurrency << ": " << Fixed(rps, 0) << " calls/s, p50 "
              << Fixed(Quantile(all, 0.5), 3) << " ms, p99 " << Fixed(Quantile(all, 0.99), 3)
              << " ms, errors " << error_count << std::endl;
    for (const auto& [k, v] : errors) std::cout << "  error " << k << ": " << v << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"Closed-loop gRPC load on a KMS v2 plugin socket"};
  app.add_option("--socket", opt.socket, "unix:///path/kms.sock or unix:///@name")->required();
  app.add_option("--op", opt.op, "Encrypt | Decrypt | Status")
      ->check(CLI::IsMember({"Encrypt", "Decrypt", "Status"}));
  app.add_option("--concurrency", opt.concurrency, "Callers in flight")->check(CLI::Range(1, 4096));
  app.add_option("--duration", opt.duration, "Measured seconds")->check(CLI::PositiveNumber);
  app.add_option("--warmup", opt.warmup, "Seconds before measuring")->check(CLI::NonNegativeNumber);
  app.add_option("--seeds", opt.seeds, "Ciphertexts made for Decrypt")
      ->check(CLI::Range(1, 100000));
  app.add_flag("--json", opt.json, "Print one JSON object");
  CLI11_PARSE(app, argc, argv);
  return Run(opt);
}
