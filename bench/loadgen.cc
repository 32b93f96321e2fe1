// coffer_loadgen: a closed-loop HTTP/1.1 keep-alive load generator for the Secrets Manager and
// KMS APIs (awsJson1_1). Every request is signed with SigV4 exactly as botocore signs it, so the
// numbers include the server's signature check. Works against Coffer and against moto_server (which
// accepts any signature but needs the credential scope to route the call).
//
// Each connection sends one request, waits for the whole response, and sends the next; there is no
// pipelining. Connections are spread over --threads event loops (one io_context each). The hot
// path reuses per-connection buffers: after warm-up a request costs no heap allocation here apart
// from what Asio recycles.
//
// Modes:
//   --op GetSecretValue | DescribeSecret | PutSecretValue | ListSecrets   measured load
//   --op CreateSecret                 creates --secrets names as fast as --connections allow
//   --op ListSecretsWalk              follows NextToken for --pages pages on one connection and
//                                     times the first and the last page (--repeat times each)
//   --setup                           creates the --secrets names first (existing ones are fine)
//
// KMS (--service kms, implied by the KMS ops; X-Amz-Target TrentService.<Op>, signing name kms):
//   --op Encrypt --key-id K           {"KeyId":K,"Plaintext":P}, P base64 of --plaintext-bytes
//                                     random bytes (new ones for every request)
//   --op GenerateDataKey --key-id K   {"KeyId":K,"KeySpec":"AES_256"}
//   --op Decrypt --blobs-file F       {"CiphertextBlob":B}, B a random line of F (base64 blobs
//                                     made beforehand by Encrypt against the same server)
// Any operation of either service:
//   --op <Name> --body-file F         each request's body is a random line of F (one JSON object
//                                     per line), sent as-is
// SSM Parameter Store (--service ssm; X-Amz-Target AmazonSSM.<Op>, signing name ssm): --body-file
// only, e.g. --service ssm --op GetParameter --body-file F
//
// Credentials: --access-key and --secret-key (default: the bench scripts' root keys); with
// --session-token (temporary credentials from STS) every request also carries a signed
// X-Amz-Security-Token header, as botocore sends it.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crypto/openssl/openssl_hashes.h"

namespace coffer::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using Nanos = std::chrono::nanoseconds;

constexpr std::string_view kRegion = "us-east-1";
constexpr std::string_view kService = "secretsmanager";
constexpr std::string_view kKmsService = "kms";
constexpr std::string_view kKmsTargetPrefix = "TrentService";
constexpr std::string_view kSsmService = "ssm";
constexpr std::string_view kSsmTargetPrefix = "AmazonSSM";
constexpr std::string_view kContentType = "application/x-amz-json-1.1";
constexpr std::string_view kSignedHeaders = "content-type;host;x-amz-date;x-amz-target";
// With session credentials botocore adds X-Amz-Security-Token before signing, so it is signed too
// (header names sorted).
constexpr std::string_view kSignedHeadersWithToken =
    "content-type;host;x-amz-date;x-amz-security-token;x-amz-target";

enum class Op {
  kGetSecretValue,
  kDescribeSecret,
  kPutSecretValue,
  kListSecrets,
  kCreateSecret,
  kListSecretsWalk,
  // KMS (--service kms).
  kEncrypt,
  kDecrypt,
  kGenerateDataKey,
  // Any other operation name, with its bodies from --body-file.
  kRaw,
};

struct OpName {
  Op op;
  std::string_view name;
};
constexpr std::array<OpName, 9> kOps = {{{Op::kGetSecretValue, "GetSecretValue"},
                                         {Op::kDescribeSecret, "DescribeSecret"},
                                         {Op::kPutSecretValue, "PutSecretValue"},
                                         {Op::kListSecrets, "ListSecrets"},
                                         {Op::kCreateSecret, "CreateSecret"},
                                         {Op::kListSecretsWalk, "ListSecretsWalk"},
                                         {Op::kEncrypt, "Encrypt"},
                                         {Op::kDecrypt, "Decrypt"},
                                         {Op::kGenerateDataKey, "GenerateDataKey"}}};

bool IsKmsOp(Op op) {
  return op == Op::kEncrypt || op == Op::kDecrypt || op == Op::kGenerateDataKey;
}

std::optional<Op> ParseOp(std::string_view name) {
  for (const OpName& o : kOps) {
    if (o.name == name) return o.op;
  }
  return std::nullopt;
}

std::string_view OpString(Op op) {
  for (const OpName& o : kOps) {
    if (o.op == op) return o.name;
  }
  return "?";
}

struct Options {
  std::string endpoint = "http://127.0.0.1:8700";
  std::string access_key = "AKIDBENCHMARK0000000";
  std::string secret_key = "benchmark-secret-access-key-0000000000";
  std::string session_token;  // temporary credentials (STS); empty for long-term keys
  std::string op_name = "GetSecretValue";
  Op op = Op::kGetSecretValue;
  int connections = 16;
  double duration_s = 10;
  double warmup_s = 1;
  int64_t secrets = 1000;
  std::string prefix = "bench/secret-";
  bool setup = false;
  int threads = 1;
  bool json = false;
  int pages = 500;
  int repeat = 20;
  double timeout_s = 30;
  int server_pid = 0;
  int value_bytes = 64;
  // KMS and free-form bodies.
  std::string service;  // "secretsmanager" or "kms"; empty: kms for the KMS ops
  std::string target_prefix = "secretsmanager";  // X-Amz-Target is <prefix>.<op>
  std::string key_id;
  std::string plaintext_bytes = "32-256";  // N or MIN-MAX random bytes per Encrypt
  int plaintext_min = 32;
  int plaintext_max = 256;
  std::string blobs_file;
  std::string body_file;
  std::vector<std::string> lines;  // the blobs or bodies read from the file
};

// ---- Small helpers that write into caller-owned buffers -------------------------------------

constexpr char kHex[] = "0123456789abcdef";

void AppendHex(std::string& out, const crypto::Sha256Digest& d) {
  char buf[64];
  for (size_t i = 0; i < d.size(); ++i) {
    buf[2 * i] = kHex[d[i] >> 4];
    buf[2 * i + 1] = kHex[d[i] & 15];
  }
  out.append(buf, sizeof(buf));
}

void AppendInt(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

// Appends `v` zero-padded to at least `width` digits (secret names: bench/secret-0042).
void AppendPadded(std::string& out, uint64_t v, int width) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  for (int n = static_cast<int>(r.ptr - buf); n < width; ++n) out.push_back('0');
  out.append(buf, r.ptr);
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Appends the standard (padded) base64 encoding of `in`.
void AppendBase64(std::string& out, std::string_view in) {
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16 |
                 static_cast<uint32_t>(static_cast<uint8_t>(in[i + 1])) << 8 |
                 static_cast<uint32_t>(static_cast<uint8_t>(in[i + 2]));
    char buf[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63], kBase64[(v >> 6) & 63],
                   kBase64[v & 63]};
    out.append(buf, 4);
  }
  if (size_t rest = in.size() - i; rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[i + 1])) << 8;
    char buf[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63],
                   rest == 2 ? kBase64[(v >> 6) & 63] : '=', '='};
    out.append(buf, 4);
  }
}

// xoshiro256**: fast, good enough for picking secrets and making unique tokens.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }

  // Appends `n` random bytes.
  void AppendBytes(std::string& out, int n) {
    while (n > 0) {
      uint64_t r = Next();
      for (int i = 0; i < 8 && n > 0; ++i, --n, r >>= 8) out.push_back(static_cast<char>(r & 255));
    }
  }

  // Appends `n` random hex digits.
  void AppendHexDigits(std::string& out, int n) {
    while (n > 0) {
      uint64_t r = Next();
      for (int i = 0; i < 16 && n > 0; ++i, --n, r >>= 4) out.push_back(kHex[r & 15]);
    }
  }

  // A random (version 4) UUID, as botocore's idempotency tokens are.
  void AppendUuid(std::string& out) {
    uint64_t hi = Next(), lo = Next();
    hi = (hi & ~0xf000ULL) | 0x4000ULL;
    lo = (lo & ~(3ULL << 62)) | (2ULL << 62);
    char buf[36];
    int pos = 0;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) buf[pos++] = '-';
      uint64_t word = i < 16 ? hi : lo;
      int shift = 60 - 4 * (i % 16);
      buf[pos++] = kHex[(word >> shift) & 15];
    }
    out.append(buf, sizeof(buf));
  }

 private:
  uint64_t s_[4];
};

// Finds a top-level-looking `"key": "value"` pair in a JSON body and returns the raw (still
// escaped) string value. Good enough for NextToken and __type in AWS-shaped responses.
std::optional<std::string_view> FindJsonString(std::string_view body, std::string_view key) {
  size_t pos = 0;
  while (true) {
    pos = body.find(key, pos);
    if (pos == std::string_view::npos) return std::nullopt;
    size_t i = pos + key.size();
    pos = i;
    if (pos < key.size() + 1 || body[pos - key.size() - 1] != '"' || i >= body.size() ||
        body[i] != '"') {
      continue;
    }
    ++i;
    while (i < body.size() && (body[i] == ' ' || body[i] == ':')) ++i;
    if (i >= body.size() || body[i] != '"') continue;
    size_t start = ++i;
    while (i < body.size() && body[i] != '"') i += body[i] == '\\' ? 2 : 1;
    if (i > body.size()) return std::nullopt;
    return body.substr(start, i - start);
  }
}

size_t CountOccurrences(std::string_view body, std::string_view needle) {
  size_t n = 0;
  for (size_t pos = body.find(needle); pos != std::string_view::npos;
       pos = body.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

// ---- Latency histogram ------------------------------------------------------------------------

// Log-linear buckets over nanoseconds (HdrHistogram's layout): exact below 256 ns, then 128
// sub-buckets per power of two, so any recorded value is known to within 0.8%.
class Histogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr uint64_t kSub = 1ULL << kSubBits;
  static constexpr size_t kBuckets = 2 * kSub + 40 * kSub;  // up to ~2^48 ns

  Histogram() : counts_(kBuckets, 0) {}

  void Record(Nanos d) {
    uint64_t v = static_cast<uint64_t>(std::max<int64_t>(0, d.count()));
    ++counts_[Index(v)];
    ++total_;
    sum_ns_ += static_cast<double>(v);
    max_ns_ = std::max(max_ns_, v);
  }

  void Merge(const Histogram& other) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    sum_ns_ += other.sum_ns_;
    max_ns_ = std::max(max_ns_, other.max_ns_);
  }

  uint64_t total() const { return total_; }
  double MeanMs() const { return total_ == 0 ? 0 : sum_ns_ / 1e6 / static_cast<double>(total_); }
  double MaxMs() const { return static_cast<double>(max_ns_) / 1e6; }

  // The value at quantile q (0..1), as the midpoint of its bucket, in milliseconds.
  double QuantileMs(double q) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<uint64_t>(std::llround(q * static_cast<double>(total_)));
    rank = std::clamp<uint64_t>(rank, 1, total_);
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        double lo = static_cast<double>(Lower(i)), hi = static_cast<double>(Lower(i + 1));
        return std::min((lo + hi) / 2, static_cast<double>(max_ns_)) / 1e6;
      }
    }
    return MaxMs();
  }

 private:
  static size_t Index(uint64_t v) {
    if (v < 2 * kSub) return static_cast<size_t>(v);
    int shift = static_cast<int>(std::bit_width(v)) - (kSubBits + 1);
    size_t i = 2 * kSub + static_cast<size_t>(shift - 1) * kSub + ((v >> shift) - kSub);
    return std::min(i, kBuckets - 1);
  }
  static uint64_t Lower(size_t i) {
    if (i < 2 * kSub) return i;
    size_t shift = (i - 2 * kSub) / kSub + 1;
    return (kSub + (i - 2 * kSub) % kSub) << shift;
  }

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  double sum_ns_ = 0;
  uint64_t max_ns_ = 0;
};

// ---- SigV4 ------------------------------------------------------------------------------------

// Builds signed requests. One per event-loop thread; not thread-safe. The signing key is derived
// once per date, and X-Amz-Date is formatted once per second.
class Signer {
 public:
  Signer(const crypto::Hashes& hashes, const Options& opt, std::string host_header)
      : hashes_(hashes),
        access_key_(opt.access_key),
        secret_key_(opt.secret_key),
        session_token_(opt.session_token),
        signed_headers_(opt.session_token.empty() ? kSignedHeaders : kSignedHeadersWithToken),
        host_(std::move(host_header)),
        service_(opt.service.empty() ? std::string(kService) : opt.service),
        target_prefix_(opt.target_prefix + ".") {
    canonical_.reserve(512 + session_token_.size());
    string_to_sign_.reserve(256);
    mac_input_.reserve(256);
  }

  // Writes a complete HTTP/1.1 request (head and body) for `Target: secretsmanager.<op>` (or
  // `TrentService.<op>` for KMS) into `out`, replacing its contents.
  void BuildRequest(std::string_view op, std::string_view body, std::string& out) {
    RefreshDate();
    target_.assign(target_prefix_);
    target_.append(op);

    canonical_.assign("POST\n/\n\ncontent-type:");
    canonical_.append(kContentType);
    canonical_.append("\nhost:");
    canonical_.append(host_);
    canonical_.append("\nx-amz-date:");
    canonical_.append(amz_date_, 16);
    if (!session_token_.empty()) {
      canonical_.append("\nx-amz-security-token:");
      canonical_.append(session_token_);
    }
    canonical_.append("\nx-amz-target:");
    canonical_.append(target_);
    canonical_.append("\n\n");
    canonical_.append(signed_headers_);
    canonical_.push_back('\n');
    AppendHex(canonical_, hashes_.Sha256(body));

    string_to_sign_.assign("AWS4-HMAC-SHA256\n");
    string_to_sign_.append(amz_date_, 16);
    string_to_sign_.push_back('\n');
    string_to_sign_.append(scope_);
    string_to_sign_.push_back('\n');
    AppendHex(string_to_sign_, hashes_.Sha256(canonical_));

    out.assign("POST / HTTP/1.1\r\nHost: ");
    out.append(host_);
    out.append("\r\nX-Amz-Date: ");
    out.append(amz_date_, 16);
    if (!session_token_.empty()) {
      out.append("\r\nX-Amz-Security-Token: ");
      out.append(session_token_);
    }
    out.append("\r\nX-Amz-Target: ");
    out.append(target_);
    out.append("\r\nContent-Type: ");
    out.append(kContentType);
    out.append("\r\nAuthorization: AWS4-HMAC-SHA256 Credential=");
    out.append(access_key_);
    out.push_back('/');
    out.append(scope_);
    out.append(", SignedHeaders=");
    out.append(signed_headers_);
    out.append(", Signature=");
    AppendHex(out, SignWithKey(string_to_sign_));
    out.append("\r\nContent-Length: ");
    AppendInt(out, body.size());
    out.append("\r\n\r\n");
    out.append(body);
  }

 private:
  void RefreshDate() {
    std::time_t now = std::time(nullptr);
    if (now == date_second_) return;
    date_second_ = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(amz_date_, sizeof(amz_date_), "%Y%m%dT%H%M%SZ", &tm);
    std::string_view day(amz_date_, 8);
    if (day == key_day_) return;
    key_day_.assign(day);
    scope_.assign(day);
    scope_.append("/");
    scope_.append(kRegion);
    scope_.append("/");
    scope_.append(service_);
    scope_.append("/aws4_request");
    auto k_date = hashes_.HmacSha256("AWS4" + secret_key_, day);
    auto k_region = hashes_.HmacSha256(k_date, kRegion);
    auto k_service = hashes_.HmacSha256(k_region, service_);
    auto k_signing = hashes_.HmacSha256(k_service, "aws4_request");
    for (size_t i = 0; i < 64; ++i) {
      uint8_t k = i < k_signing.size() ? k_signing[i] : 0;
      ipad_[i] = static_cast<char>(k ^ 0x36);
      opad_[i] = static_cast<char>(k ^ 0x5c);
    }
  }

  // HMAC-SHA-256 with the cached signing key, as two plain SHA-256 passes over precomputed pads
  // (cheaper than setting up an HMAC context per request).
  crypto::Sha256Digest SignWithKey(std::string_view data) {
    mac_input_.assign(ipad_, 64);
    mac_input_.append(data);
    crypto::Sha256Digest inner = hashes_.Sha256(mac_input_);
    mac_input_.assign(opad_, 64);
    mac_input_.append(reinterpret_cast<const char*>(inner.data()), inner.size());
    return hashes_.Sha256(mac_input_);
  }

  const crypto::Hashes& hashes_;
  std::string access_key_;
  std::string secret_key_;
  std::string session_token_;
  std::string_view signed_headers_;
  std::string host_;
  std::string service_;        // SigV4 signing name: secretsmanager or kms
  std::string target_prefix_;  // "secretsmanager." or "TrentService."
  std::time_t date_second_ = 0;
  char amz_date_[17] = {};
  std::string key_day_;
  std::string scope_;
  char ipad_[64] = {};
  char opad_[64] = {};
  std::string target_;
  std::string canonical_;
  std::string string_to_sign_;
  std::string mac_input_;
};

// ---- Response parsing -------------------------------------------------------------------------

// A Beast parser that keeps only what the generator needs: status, error type and (into a
// buffer the caller owns and reuses) the body.
class ResponseParser final : public bhttp::basic_parser<false> {
 public:
  explicit ResponseParser(std::string* body) : body_(body) {
    body_->clear();
    eager(true);
    header_limit(64 * 1024);
    body_limit(256ULL << 20);
  }

  int status() const { return status_; }
  std::string_view error_type() const { return error_type_; }

 private:
  void on_request_impl(bhttp::verb, beast::string_view, beast::string_view, int,
                       beast::error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, beast::error_code&) override {
    status_ = code;
  }
  void on_field_impl(bhttp::field, beast::string_view name, beast::string_view value,
                     beast::error_code&) override {
    if (status_ != 200 && beast::iequals(name, "x-amzn-errortype")) {
      std::string_view v(value.data(), value.size());
      error_type_.assign(v.substr(0, v.find(':')));
    }
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    body_->append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                 beast::error_code&) override {
    body_->append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  std::string* body_;
  int status_ = 0;
  std::string error_type_;
};

// ---- Statistics -------------------------------------------------------------------------------

struct Stats {
  Histogram latency;
  uint64_t ok = 0;
  uint64_t already_existed = 0;  // CreateSecret: ResourceExistsException (setup is idempotent)
  uint64_t reconnects = 0;
  std::map<std::string, uint64_t> errors;  // "400 ResourceNotFoundException", "io: ..."

  uint64_t error_count() const {
    uint64_t n = 0;
    for (const auto& [k, v] : errors) n += v;
    return n;
  }
  void Merge(const Stats& o) {
    latency.Merge(o.latency);
    ok += o.ok;
    already_existed += o.already_existed;
    reconnects += o.reconnects;
    for (const auto& [k, v] : o.errors) errors[k] += v;
  }
};

std::string ErrorKey(int status, std::string_view type, std::string_view body) {
  std::string key = std::to_string(status);
  if (type.empty()) {
    if (auto t = FindJsonString(body, "__type")) type = *t;
  }
  // Some servers send the shape as "namespace#Name".
  if (size_t hash = type.rfind('#'); hash != std::string_view::npos) type = type.substr(hash + 1);
  if (!type.empty()) {
    key += ' ';
    key.append(type);
  }
  return key;
}

// ---- Drivers: what each connection sends next and what it does with the answer ---------------

class Connection;

class Driver {
 public:
  virtual ~Driver() = default;
  // Fills the connection's body and op for the next request; false closes the connection.
  virtual bool Next(Connection& c) = 0;
  virtual void OnResponse(Connection& c, int status, std::string_view error_type,
                          std::string_view body, Nanos latency) = 0;
  virtual void OnIoError(Connection& c, const std::string& what) = 0;
  virtual bool Finished() const = 0;
};

// One connection; lives (in its worker) until the worker's io_context has returned.
class Connection {
 public:
  // `open` counts the worker's open connections; the last one to close cancels `sweeper` so
  // that the worker's io_context runs out of work at once.
  Connection(asio::io_context& io, const tcp::endpoint& endpoint, Signer& signer, Driver& driver,
             Stats& stats, uint64_t seed, int& open, asio::steady_timer& sweeper)
      : socket_(io),
        retry_timer_(io),
        endpoint_(endpoint),
        signer_(signer),
        driver_(driver),
        stats_(stats),
        rng_(seed),
        open_(open),
        sweeper_(sweeper) {
    ++open_;
    slot_.body.reserve(1024);
    request_.reserve(2048);
    response_body_.reserve(4096);
  }

  void Start() { Connect(); }

  // Closes a request that has been in flight longer than `timeout` (called by the worker's
  // sweeper); its handler then reports the error as a timeout.
  void ExpireIfOlderThan(SteadyClock::time_point now, Nanos timeout) {
    if (in_flight_ && now - sent_at_ > timeout) {
      timed_out_ = true;
      beast::error_code ignored;
      socket_.close(ignored);
    }
  }
  // Closes the socket whatever it is doing (the run's deadline has passed).
  void Abort() {
    MarkClosed();
    beast::error_code ignored;
    socket_.close(ignored);
    retry_timer_.cancel();
  }
  bool closed() const { return closed_; }
  Rng& rng() { return rng_; }

  // What the driver fills in Next(): the operation, the JSON body, and its own bookkeeping.
  struct Slot {
    std::string_view op;
    std::string body;
    int64_t index = -1;  // which secret the request is about
    int64_t retry_index = -1;
  };
  Slot& slot() { return slot_; }

 private:
  static constexpr int kMaxConsecutiveFailures = 200;  // 10 s of 50 ms back-offs
  static constexpr size_t kReadChunk = size_t{16} * 1024;

  void Connect() {
    socket_.async_connect(endpoint_, [this](const beast::error_code& ec) {
      if (ec) return Fail("connect: " + ec.message());
      beast::error_code opt_ec;
      socket_.set_option(tcp::no_delay(true), opt_ec);
      socket_.non_blocking(true, opt_ec);
      SendNext();
    });
  }

  // The request goes out with one non-blocking send (asio's async_write only when the socket
  // buffer is full); the response is read with async_read_some and fed to the parser.
  // (An async_wait before a plain recv would save the speculative recv that fails with EAGAIN,
  // but asio re-arms epoll with epoll_ctl for every wait, which costs as much.)
  void SendNext() {
    if (!driver_.Next(*this)) return Close();
    signer_.BuildRequest(slot_.op, slot_.body, request_);
    sent_at_ = SteadyClock::now();
    in_flight_ = true;
    parser_.emplace(&response_body_);
    beast::error_code ec;
    size_t n = socket_.write_some(asio::buffer(request_), ec);
    if (ec && ec != asio::error::would_block) return Fail(ec.message());
    if (n == request_.size()) return ReadMore();
    asio::async_write(socket_, asio::buffer(request_.data() + n, request_.size() - n),
                      [this](const beast::error_code& wec, std::size_t) {
                        if (wec) return Fail(wec.message());
                        ReadMore();
                      });
  }

  void ReadMore() {
    socket_.async_read_some(
        buffer_.prepare(kReadChunk), [this](const beast::error_code& ec, std::size_t n) {
          if (ec == asio::error::eof && parser_->got_some() && parser_->need_eof()) {
            beast::error_code pec;
            parser_->put_eof(pec);
            if (!pec) return Finish();
          }
          if (ec) return Fail(ec.message());
          buffer_.commit(n);
          Parse();
        });
  }

  // Feeds what has arrived to the parser; reads more when the response is incomplete.
  void Parse() {
    beast::error_code ec;
    size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec && ec != bhttp::error::need_more) return Fail("http: " + ec.message());
    if (parser_->is_done()) return Finish();
    ReadMore();
  }

  void Finish() {
    in_flight_ = false;
    consecutive_failures_ = 0;
    Nanos latency = SteadyClock::now() - sent_at_;
    bool keep_alive = parser_->keep_alive();
    driver_.OnResponse(*this, parser_->status(), parser_->error_type(), response_body_, latency);
    if (!keep_alive) {
      // The server asked to close (HTTP/1.0 or Connection: close): reconnect, not an error.
      beast::error_code ignored;
      socket_.close(ignored);
      buffer_.clear();
      ++stats_.reconnects;
      return Connect();
    }
    SendNext();
  }

  void Fail(const std::string& what) {
    bool was_in_flight = in_flight_;
    in_flight_ = false;
    beast::error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
    if (closed_) return;
    if (was_in_flight || !driver_.Finished()) {
      driver_.OnIoError(*this, timed_out_ ? std::string("timeout") : "io: " + what);
    }
    timed_out_ = false;
    ++stats_.reconnects;
    // A server that is gone must not keep a setup run spinning forever (timed runs end anyway).
    if (++consecutive_failures_ > kMaxConsecutiveFailures) {
      ++stats_.errors["gave up after repeated connection failures"];
      return Close();
    }
    // Back off briefly so a server that refuses connections does not get a busy loop.
    retry_timer_.expires_after(std::chrono::milliseconds(50));
    // A pending retry (setup) still needs the connection after the run has handed out its last
    // request.
    retry_timer_.async_wait([this](const beast::error_code& ec) {
      if (ec || closed_) return;
      if (driver_.Finished() && slot_.retry_index < 0) return Close();
      Connect();
    });
  }

  void MarkClosed() {
    if (closed_) return;
    closed_ = true;
    if (--open_ == 0) sweeper_.cancel();
  }

  void Close() {
    MarkClosed();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  asio::steady_timer retry_timer_;
  tcp::endpoint endpoint_;
  Signer& signer_;
  Driver& driver_;
  Stats& stats_;
  Rng rng_;
  int& open_;
  asio::steady_timer& sweeper_;
  Slot slot_;
  std::string request_;
  std::string response_body_;
  beast::flat_buffer buffer_;
  std::optional<ResponseParser> parser_;
  SteadyClock::time_point sent_at_;
  int consecutive_failures_ = 0;
  bool in_flight_ = false;
  bool timed_out_ = false;
  bool closed_ = false;
};

enum Phase : int { kWarmup = 0, kMeasure = 1, kDone = 2 };

void AppendName(std::string& out, const Options& opt, int64_t i) {
  out.append(opt.prefix);
  AppendPadded(out, static_cast<uint64_t>(i), 4);
}

// Steady load on one operation; records only what completes during the measured phase.
class LoadDriver final : public Driver {
 public:
  LoadDriver(const Options& opt, const std::atomic<int>& phase, Stats& stats)
      : opt_(opt), phase_(phase), stats_(stats) {}

  bool Next(Connection& c) override {
    if (phase_.load(std::memory_order_relaxed) == kDone) return false;
    c.slot().op = OpString(opt_.op);
    std::string& b = c.slot().body;
    b.clear();
    if (opt_.op == Op::kRaw || IsKmsOp(opt_.op)) return NextOther(c, b);
    if (opt_.op == Op::kListSecrets) {
      b.append(R"({"MaxResults":100})");
      return true;
    }
    b.append(R"({"SecretId":")");
    AppendName(b, opt_, static_cast<int64_t>(c.rng().Below(static_cast<uint64_t>(opt_.secrets))));
    if (opt_.op == Op::kPutSecretValue) {
      b.append(R"(","ClientRequestToken":")");
      c.rng().AppendUuid(b);
      b.append(R"(","SecretString":"v)");
      AppendInt(b, ++sequence_);
      b.push_back('-');
      c.rng().AppendHexDigits(b, opt_.value_bytes);
    }
    b.append(R"("})");
    return true;
  }

  void OnResponse(Connection&, int status, std::string_view error_type, std::string_view body,
                  Nanos latency) override {
    if (phase_.load(std::memory_order_relaxed) != kMeasure) return;
    if (status == 200) {
      ++stats_.ok;
      stats_.latency.Record(latency);
    } else {
      ++stats_.errors[ErrorKey(status, error_type, body)];
    }
  }

  void OnIoError(Connection&, const std::string& what) override {
    if (phase_.load(std::memory_order_relaxed) == kMeasure) ++stats_.errors[what];
  }

  bool Finished() const override { return phase_.load(std::memory_order_relaxed) == kDone; }

 private:
  // KMS operations and --body-file bodies.
  bool NextOther(Connection& c, std::string& b) {
    const std::vector<std::string>& lines = opt_.lines;
    switch (opt_.op) {
      case Op::kRaw:
        c.slot().op = opt_.op_name;
        b.append(lines[c.rng().Below(lines.size())]);
        return true;
      case Op::kEncrypt: {
        uint64_t span = static_cast<uint64_t>(opt_.plaintext_max) -
                        static_cast<uint64_t>(opt_.plaintext_min) + 1;
        int n = opt_.plaintext_min + static_cast<int>(c.rng().Below(span));
        plaintext_.clear();
        c.rng().AppendBytes(plaintext_, n);
        b.append(R"({"KeyId":")");
        b.append(opt_.key_id);
        b.append(R"(","Plaintext":")");
        AppendBase64(b, plaintext_);
        b.append(R"("})");
        return true;
      }
      case Op::kDecrypt:
        b.append(R"({"CiphertextBlob":")");
        b.append(lines[c.rng().Below(lines.size())]);
        b.append(R"("})");
        return true;
      case Op::kGenerateDataKey:
        b.append(R"({"KeyId":")");
        b.append(opt_.key_id);
        b.append(R"(","KeySpec":"AES_256"})");
        return true;
      default:
        return false;
    }
  }

  const Options& opt_;
  const std::atomic<int>& phase_;
  Stats& stats_;
  uint64_t sequence_ = 0;
  std::string plaintext_;  // Encrypt: this request's random plaintext, before base64
};

// Reads the non-empty lines of `path` (trailing whitespace and CR removed).
bool ReadLines(const std::string& path, std::vector<std::string>* out, std::string* error) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    *error = "cannot open " + path;
    return false;
  }
  std::string line;
  char buf[4096];
  while (std::fgets(buf, sizeof(buf), f) != nullptr) {
    line.append(buf);
    if (line.empty() || line.back() != '\n') {
      if (!std::feof(f)) continue;  // a line longer than the buffer
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ' ||
                             line.back() == '\t')) {
      line.pop_back();
    }
    if (!line.empty()) out->push_back(std::move(line));
    line.clear();
  }
  std::fclose(f);
  if (out->empty()) {
    *error = path + " has no non-empty lines";
    return false;
  }
  return true;
}

// Creates secrets [0, opt.secrets) once each, sharing one counter between all connections.
class CreateDriver final : public Driver {
 public:
  CreateDriver(const Options& opt, std::atomic<int64_t>& next, Stats& stats)
      : opt_(opt), next_(next), stats_(stats) {}

  bool Next(Connection& c) override {
    int64_t i = c.slot().retry_index;
    c.slot().retry_index = -1;
    if (i < 0) i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= opt_.secrets) return false;
    c.slot().index = i;
    c.slot().op = "CreateSecret";
    std::string& b = c.slot().body;
    b.assign(R"({"Name":")");
    AppendName(b, opt_, i);
    b.append(R"(","ClientRequestToken":")");
    c.rng().AppendUuid(b);
    b.append(R"(","SecretString":"initial-)");
    AppendInt(b, static_cast<uint64_t>(i));
    b.push_back('-');
    c.rng().AppendHexDigits(b, opt_.value_bytes);
    b.append(R"("})");
    return true;
  }

  void OnResponse(Connection& c, int status, std::string_view error_type, std::string_view body,
                  Nanos latency) override {
    std::string key = status == 200 ? std::string() : ErrorKey(status, error_type, body);
    if (status == 200) {
      ++stats_.ok;
      stats_.latency.Record(latency);
    } else if (key.ends_with("ResourceExistsException")) {
      ++stats_.already_existed;
    } else {
      ++stats_.errors[key];
      if (status >= 500 || status == 429) Retry(c);
    }
  }

  void OnIoError(Connection& c, const std::string& what) override {
    ++stats_.errors[what];
    Retry(c);
  }

  bool Finished() const override { return next_.load(std::memory_order_relaxed) >= opt_.secrets; }

 private:
  // A transient failure: try the same name again (at most a few times per name).
  void Retry(Connection& c) {
    if (c.slot().index >= 0 && retries_++ < 1000) c.slot().retry_index = c.slot().index;
  }

  const Options& opt_;
  std::atomic<int64_t>& next_;
  Stats& stats_;
  int retries_ = 0;
};

// Walks ListSecrets pages on one connection: the walk itself, then `repeat` timings each of the
// first page and of the last page reached.
class WalkDriver final : public Driver {
 public:
  explicit WalkDriver(const Options& opt, Stats& stats) : opt_(opt), stats_(stats) {}

  bool Next(Connection& c) override {
    if (failed_) return false;
    c.slot().op = "ListSecrets";
    std::string& b = c.slot().body;
    b.assign(R"({"MaxResults":100)");
    const std::string* token = nullptr;
    if (stage_ == Stage::kWalk) {
      if (walk_ms_.size() >= static_cast<size_t>(opt_.pages)) {
        stage_ = Stage::kFirst;
      } else if (!walk_ms_.empty()) {
        token = &next_token_;
      }
    }
    if (stage_ == Stage::kFirst && first_ms_.size() >= static_cast<size_t>(opt_.repeat)) {
      stage_ = Stage::kDeep;
    }
    if (stage_ == Stage::kDeep) {
      if (deep_ms_.size() >= static_cast<size_t>(opt_.repeat) || deep_token_.empty()) {
        return false;
      }
      token = &deep_token_;
    }
    if (token != nullptr) {
      b.append(R"(,"NextToken":")");
      b.append(*token);
      b.push_back('"');
    }
    b.push_back('}');
    return true;
  }

  void OnResponse(Connection&, int status, std::string_view error_type, std::string_view body,
                  Nanos latency) override {
    double ms = static_cast<double>(latency.count()) / 1e6;
    if (status != 200) {
      ++stats_.errors[ErrorKey(status, error_type, body)];
      failed_ = true;
      return;
    }
    ++stats_.ok;
    stats_.latency.Record(latency);
    switch (stage_) {
      case Stage::kWalk: {
        walk_ms_.push_back(ms);
        items_ += CountOccurrences(body, "\"ARN\"");
        auto token = FindJsonString(body, "NextToken");
        if (token && !token->empty()) {
          // The page that `next_token_` fetched is the deepest one timed again later.
          deep_token_ = next_token_;
          deep_page_ = walk_ms_.size();
          next_token_.assign(*token);
        } else {
          deep_token_ = next_token_;
          deep_page_ = walk_ms_.size();
          ended_early_ = true;
          stage_ = Stage::kFirst;
        }
        break;
      }
      case Stage::kFirst:
        first_ms_.push_back(ms);
        break;
      case Stage::kDeep:
        deep_ms_.push_back(ms);
        break;
    }
  }

  void OnIoError(Connection&, const std::string& what) override {
    ++stats_.errors[what];
    failed_ = true;
  }
  bool Finished() const override { return failed_; }

  size_t items() const { return items_; }
  bool ended_early() const { return ended_early_; }
  size_t deep_page() const { return deep_page_; }
  const std::vector<double>& walk_ms() const { return walk_ms_; }
  const std::vector<double>& first_ms() const { return first_ms_; }
  const std::vector<double>& deep_ms() const { return deep_ms_; }

 private:
  enum class Stage { kWalk, kFirst, kDeep };
  const Options& opt_;
  Stats& stats_;
  Stage stage_ = Stage::kWalk;
  std::string next_token_;
  std::string deep_token_;
  size_t deep_page_ = 0;
  size_t items_ = 0;
  bool ended_early_ = false;
  bool failed_ = false;
  std::vector<double> walk_ms_, first_ms_, deep_ms_;
};

// ---- Event-loop threads -----------------------------------------------------------------------

// One io_context and its connections. The driver factory runs on the caller's thread.
class Worker {
 public:
  Worker(const Options& opt, const crypto::Hashes& hashes, const std::string& host_header)
      : opt_(opt), signer_(hashes, opt, host_header), sweeper_(io_) {}

  Stats& stats() { return stats_; }
  void SetDriver(Driver* d) { driver_ = d; }
  void AddConnection(const tcp::endpoint& ep, uint64_t seed) {
    conns_.push_back(
        std::make_unique<Connection>(io_, ep, signer_, *driver_, stats_, seed, open_, sweeper_));
  }

  void Start() {
    thread_ = std::thread([this] {
      for (auto& c : conns_) c->Start();
      Sweep();
      io_.run();
      finished_.store(true);
    });
  }
  bool finished() const { return finished_.load(); }
  // Called from another thread once the run's deadline has passed.
  void ForceStop() {
    asio::post(io_, [this] {
      for (auto& c : conns_) c->Abort();
      sweeper_.cancel();
    });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Sweep() {
    if (open_ == 0) return;
    auto timeout = std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(opt_.timeout_s));
    auto now = SteadyClock::now();
    for (auto& c : conns_) c->ExpireIfOlderThan(now, timeout);
    sweeper_.expires_after(std::chrono::milliseconds(250));
    sweeper_.async_wait([this](const beast::error_code& ec) {
      if (!ec) Sweep();
    });
  }

  const Options& opt_;
  asio::io_context io_{1};
  Signer signer_;
  asio::steady_timer sweeper_;
  int open_ = 0;  // connections not yet closed; only touched on this worker's thread
  Driver* driver_ = nullptr;
  Stats stats_;
  std::vector<std::unique_ptr<Connection>> conns_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
};

struct Target {
  tcp::endpoint endpoint;
  std::string host_header;
};

std::optional<Target> ResolveEndpoint(const std::string& url, std::string* error) {
  std::string_view s = url;
  if (s.starts_with("https://")) {
    *error = "https endpoints are not supported; benchmark plain HTTP on loopback";
    return std::nullopt;
  }
  if (s.starts_with("http://")) s.remove_prefix(7);
  if (size_t slash = s.find('/'); slash != std::string_view::npos) s = s.substr(0, slash);
  std::string host, port = "80";
  if (s.starts_with("[")) {
    size_t close = s.find(']');
    if (close == std::string_view::npos) {
      *error = "bad endpoint " + url;
      return std::nullopt;
    }
    host = std::string(s.substr(1, close - 1));
    if (close + 1 < s.size() && s[close + 1] == ':') port = std::string(s.substr(close + 2));
  } else {
    size_t colon = s.rfind(':');
    host = std::string(s.substr(0, colon));
    if (colon != std::string_view::npos) port = std::string(s.substr(colon + 1));
  }
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty()) {
    *error = "cannot resolve " + url + ": " + ec.message();
    return std::nullopt;
  }
  // botocore's Host header: the authority as given, with the port unless it is the default.
  return Target{results.begin()->endpoint(), std::string(s)};
}

using Seconds = std::chrono::duration<double>;

// CPU time over the measured window: this process, the server under test (--server-pid) and the
// whole machine, so a report can show when something else was competing for the cores.
struct CpuSample {
  double loadgen_s = 0;
  double server_s = -1;  // -1: no --server-pid, or it could not be read
  double machine_s = -1;
};

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// utime + stime of `pid` from /proc/<pid>/stat, or -1.
double PidCpuSeconds(int pid) {
  if (pid <= 0) return -1;
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return -1;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  std::string_view line(buf, n);
  size_t paren = line.rfind(')');  // the command name may contain spaces
  if (paren == std::string_view::npos) return -1;
  line.remove_prefix(paren + 2);
  // Fields after the name start at field 3 (state); utime and stime are fields 14 and 15.
  uint64_t values[2] = {0, 0};
  int field = 3;
  size_t pos = 0;
  while (field <= 15 && pos < line.size()) {
    size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    if (field == 14 || field == 15) {
      std::from_chars(line.data() + pos, line.data() + end, values[field - 14]);
    }
    pos = end + 1;
    ++field;
  }
  return static_cast<double>(values[0] + values[1]) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Non-idle CPU time of the whole machine (all cores) from /proc/stat, or -1.
double MachineBusySeconds() {
  std::FILE* f = std::fopen("/proc/stat", "r");
  if (f == nullptr) return -1;
  unsigned long long v[8] = {};
  int got = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                        &v[3], &v[4], &v[5], &v[6], &v[7]);
  std::fclose(f);
  if (got < 5) return -1;
  unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];  // not idle, not iowait
  return static_cast<double>(busy) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

CpuSample SampleCpu(int server_pid) {
  return CpuSample{ProcessCpuSeconds(), PidCpuSeconds(server_pid), MachineBusySeconds()};
}

CpuSample CpuBetween(const CpuSample& a, const CpuSample& b) {
  CpuSample d;
  d.loadgen_s = b.loadgen_s - a.loadgen_s;
  d.server_s = a.server_s < 0 || b.server_s < 0 ? -1 : b.server_s - a.server_s;
  d.machine_s = a.machine_s < 0 || b.machine_s < 0 ? -1 : b.machine_s - a.machine_s;
  return d;
}

// Runs `connections` connections with drivers from `make_driver` (one per worker). For timed
// runs, `phase` is driven here: warm-up, measure, done. Returns the measured seconds.
// The drivers outlive the workers: they are returned in `drivers` for the caller to inspect.
template <class MakeDriver>
double RunWorkers(const Options& opt, const crypto::Hashes& hashes, const Target& target,
                  int connections, int threads, MakeDriver make_driver, std::atomic<int>* phase,
                  Stats* total, std::vector<std::unique_ptr<Driver>>* drivers = nullptr,
                  CpuSample* cpu = nullptr) {
  threads = std::max(1, std::min(threads, connections));
  std::vector<std::unique_ptr<Driver>> own_drivers;
  if (drivers == nullptr) drivers = &own_drivers;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) {
    workers.push_back(std::make_unique<Worker>(opt, hashes, target.host_header));
    drivers->push_back(make_driver(workers.back()->stats()));
    workers.back()->SetDriver(drivers->back().get());
  }
  uint64_t seed = static_cast<uint64_t>(SteadyClock::now().time_since_epoch().count());
  for (int i = 0; i < connections; ++i) {
    workers[static_cast<size_t>(i % threads)]->AddConnection(target.endpoint,
                                                             seed + static_cast<uint64_t>(i));
  }
  for (auto& w : workers) w->Start();

  double measured = 0;
  auto all_finished = [&] {
    return std::all_of(workers.begin(), workers.end(), [](const auto& w) { return w->finished(); });
  };
  if (phase != nullptr) {
    std::this_thread::sleep_for(Seconds(opt.warmup_s));
    CpuSample cpu0 = SampleCpu(opt.server_pid);
    auto t0 = SteadyClock::now();
    phase->store(kMeasure);
    std::this_thread::sleep_for(Seconds(opt.duration_s));
    phase->store(kDone);
    measured = Seconds(SteadyClock::now() - t0).count();
    if (cpu != nullptr) *cpu = CpuBetween(cpu0, SampleCpu(opt.server_pid));
    // In-flight requests finish (or time out) before the workers return.
    auto deadline = SteadyClock::now() + Seconds(std::min(opt.timeout_s, 10.0) + 1);
    while (!all_finished() && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  } else {
    auto t0 = SteadyClock::now();
    while (!all_finished()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    measured = Seconds(SteadyClock::now() - t0).count();
  }
  for (auto& w : workers) {
    if (!w->finished()) w->ForceStop();
  }
  for (auto& w : workers) {
    w->Join();
    total->Merge(w->stats());
  }
  return measured;
}

// ---- Reporting --------------------------------------------------------------------------------

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      out.push_back(' ');
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string ErrorsJson(const Stats& s) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : s.errors) {
    if (!first) out += ",";
    first = false;
    out += "\"" + JsonEscape(k) + "\":" + std::to_string(v);
  }
  return out + "}";
}

std::string LatencyJson(const Histogram& h) {
  return "{\"p50\":" + Fixed(h.QuantileMs(0.50), 3) + ",\"p90\":" + Fixed(h.QuantileMs(0.90), 3) +
         ",\"p99\":" + Fixed(h.QuantileMs(0.99), 3) + ",\"p999\":" + Fixed(h.QuantileMs(0.999), 3) +
         ",\"mean\":" + Fixed(h.MeanMs(), 3) + ",\"max\":" + Fixed(h.MaxMs(), 3) + "}";
}

void PrintErrors(const Stats& s) {
  for (const auto& [k, v] : s.errors) std::cout << "  error      " << k << ": " << v << "\n";
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double MeanOf(const std::vector<double>& v, size_t from, size_t to) {
  to = std::min(to, v.size());
  if (from >= to) return 0;
  double sum = 0;
  for (size_t i = from; i < to; ++i) sum += v[i];
  return sum / static_cast<double>(to - from);
}

struct SetupResult {
  bool ran = false;
  Stats stats;
  double seconds = 0;
};

SetupResult RunSetup(const Options& opt, const crypto::Hashes& hashes, const Target& target) {
  SetupResult r;
  r.ran = true;
  std::atomic<int64_t> next{0};
  r.seconds = RunWorkers(
      opt, hashes, target, opt.connections, opt.threads,
      [&](Stats& s) { return std::make_unique<CreateDriver>(opt, next, s); }, nullptr, &r.stats);
  if (opt.op == Op::kCreateSecret) return r;
  std::cerr << "setup: " << r.stats.ok << " created, " << r.stats.already_existed
            << " already existed, " << r.stats.error_count() << " errors in " << Fixed(r.seconds, 2)
            << " s\n";
  return r;
}

std::string SetupJson(const SetupResult& s) {
  if (!s.ran) return "null";
  return "{\"created\":" + std::to_string(s.stats.ok) +
         ",\"already_existed\":" + std::to_string(s.stats.already_existed) +
         ",\"errors\":" + std::to_string(s.stats.error_count()) +
         ",\"error_breakdown\":" + ErrorsJson(s.stats) + ",\"seconds\":" + Fixed(s.seconds, 3) +
         ",\"per_second\":" +
         Fixed(s.seconds > 0 ? static_cast<double>(s.stats.ok) / s.seconds : 0, 1) +
         ",\"latency_ms\":" + LatencyJson(s.stats.latency) + "}";
}

int RunWalk(const Options& opt, const crypto::Hashes& hashes, const Target& target,
            const SetupResult& setup) {
  Stats stats;
  WalkDriver* walk = nullptr;
  std::vector<std::unique_ptr<Driver>> drivers;
  RunWorkers(
      opt, hashes, target, 1, 1,
      [&](Stats& s) {
        auto d = std::make_unique<WalkDriver>(opt, s);
        walk = d.get();
        return d;
      },
      nullptr, &stats, &drivers);
  const auto& w = walk->walk_ms();
  size_t n = w.size();
  double first = Median(walk->first_ms()), deep = Median(walk->deep_ms());
  double early = MeanOf(w, 0, 50), late = MeanOf(w, n > 50 ? n - 50 : 0, n);
  if (opt.json) {
    std::cout << "{\"op\":\"ListSecretsWalk\",\"endpoint\":\"" << JsonEscape(opt.endpoint)
              << "\",\"pages_walked\":" << n << ",\"items_seen\":" << walk->items()
              << ",\"ended_early\":" << (walk->ended_early() ? "true" : "false")
              << ",\"first_page_ms\":" << Fixed(first, 3)
              << ",\"deep_page_index\":" << walk->deep_page()
              << ",\"deep_page_ms\":" << Fixed(deep, 3) << ",\"repeat\":" << opt.repeat
              << ",\"walk_mean_ms_first_50\":" << Fixed(early, 3)
              << ",\"walk_mean_ms_last_50\":" << Fixed(late, 3)
              << ",\"walk_total_s\":" << Fixed(MeanOf(w, 0, n) * static_cast<double>(n) / 1e3, 3)
              << ",\"errors\":" << stats.error_count()
              << ",\"error_breakdown\":" << ErrorsJson(stats) << ",\"setup\":" << SetupJson(setup)
              << "}\n";
  } else {
    std::cout << "ListSecrets walk against " << opt.endpoint << ": " << n << " pages, "
              << walk->items() << " secrets" << (walk->ended_early() ? " (end of listing)" : "")
              << "\n  first page      median " << Fixed(first, 3) << " ms of " << opt.repeat
              << "\n  page " << walk->deep_page() << "  median " << Fixed(deep, 3) << " ms of "
              << opt.repeat << "\n  walk mean       pages 1-50 " << Fixed(early, 3)
              << " ms, last 50 pages " << Fixed(late, 3) << " ms\n";
    PrintErrors(stats);
  }
  return stats.error_count() == 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  Options opt;
  CLI::App app{"Closed-loop, SigV4-signing load generator for the Secrets Manager and KMS APIs."};
  app.add_option("--endpoint", opt.endpoint, "http://HOST:PORT")->capture_default_str();
  app.add_option("--access-key", opt.access_key, "Access key id")->capture_default_str();
  app.add_option("--secret-key", opt.secret_key, "Secret access key");
  app.add_option("--session-token", opt.session_token,
                 "Session token of temporary credentials (STS AssumeRole): sent as "
                 "X-Amz-Security-Token and signed, as botocore does");
  app.add_option("--op", opt.op_name,
                 "GetSecretValue | DescribeSecret | PutSecretValue | ListSecrets | CreateSecret | "
                 "ListSecretsWalk; KMS: Encrypt | Decrypt | GenerateDataKey; any name with "
                 "--body-file")
      ->capture_default_str();
  app.add_option("--connections", opt.connections, "Concurrent keep-alive connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--duration", opt.duration_s, "Measured seconds")->capture_default_str();
  app.add_option("--warmup", opt.warmup_s, "Unmeasured seconds before measuring")
      ->capture_default_str();
  app.add_option("--secrets", opt.secrets, "Secret names to spread requests over")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  app.add_option("--prefix", opt.prefix, "Secret name prefix")->capture_default_str();
  app.add_flag("--setup", opt.setup, "Create the secrets first (CreateSecret)");
  app.add_option("--threads", opt.threads, "Event-loop threads in the generator")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_flag("--json", opt.json, "Print the results as one JSON object");
  app.add_option("--pages", opt.pages, "ListSecretsWalk: pages to follow")->capture_default_str();
  app.add_option("--repeat", opt.repeat, "ListSecretsWalk: timings of the first and last page")
      ->capture_default_str();
  app.add_option("--timeout", opt.timeout_s, "Per-request timeout in seconds")
      ->capture_default_str();
  app.add_option("--server-pid", opt.server_pid,
                 "Report this process's CPU time over the measured window");
  app.add_option("--value-bytes", opt.value_bytes, "Random characters in each SecretString")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  app.add_option("--service", opt.service,
                 "secretsmanager | kms (SigV4 signing name; X-Amz-Target secretsmanager.<Op> or "
                 "TrentService.<Op>); default: kms for Encrypt, Decrypt and GenerateDataKey, else "
                 "secretsmanager; ssm (AmazonSSM.<Op>) needs --body-file");
  app.add_option("--key-id", opt.key_id, "KMS Encrypt, GenerateDataKey: KeyId (id, ARN or alias)");
  app.add_option("--plaintext-bytes", opt.plaintext_bytes,
                 "KMS Encrypt: random plaintext bytes per request, N or MIN-MAX")
      ->capture_default_str();
  app.add_option("--blobs-file", opt.blobs_file,
                 "KMS Decrypt: file with one base64 CiphertextBlob per line");
  app.add_option("--body-file", opt.body_file,
                 "File with one JSON request body per line; each request sends a random one "
                 "(any --op name)");
  CLI11_PARSE(app, argc, argv);

  auto op = ParseOp(opt.op_name);
  if (!op && !opt.body_file.empty()) op = Op::kRaw;
  if (!op) {
    std::cerr << "coffer_loadgen: unknown --op " << opt.op_name << "\n";
    return 2;
  }
  opt.op = *op;
  if (opt.service.empty()) opt.service = IsKmsOp(opt.op) ? kKmsService : kService;
  if (opt.service == kKmsService) {
    opt.target_prefix = kKmsTargetPrefix;
  } else if (opt.service == kSsmService) {
    if (opt.body_file.empty() || opt.setup) {
      std::cerr << "coffer_loadgen: --service ssm runs any operation with --body-file\n";
      return 2;
    }
    opt.target_prefix = kSsmTargetPrefix;
  } else if (opt.service != kService) {
    std::cerr << "coffer_loadgen: --service must be secretsmanager, kms or ssm\n";
    return 2;
  }
  bool kms = opt.service == kKmsService;
  if (IsKmsOp(opt.op) && !kms) {
    std::cerr << "coffer_loadgen: " << opt.op_name << " is a KMS operation (--service kms)\n";
    return 2;
  }
  if (kms && (opt.setup || opt.op == Op::kCreateSecret || opt.op == Op::kListSecretsWalk ||
              (!IsKmsOp(opt.op) && opt.body_file.empty()))) {
    std::cerr << "coffer_loadgen: --service kms runs Encrypt, Decrypt, GenerateDataKey, or any "
                 "operation with --body-file\n";
    return 2;
  }
  if ((opt.op == Op::kEncrypt || opt.op == Op::kGenerateDataKey) && opt.key_id.empty()) {
    std::cerr << "coffer_loadgen: --op " << opt.op_name << " needs --key-id\n";
    return 2;
  }
  {
    std::string_view spec = opt.plaintext_bytes;
    size_t dash = spec.find('-');
    std::string_view lo = spec.substr(0, dash);
    std::string_view hi = dash == std::string_view::npos ? lo : spec.substr(dash + 1);
    auto r1 = std::from_chars(lo.data(), lo.data() + lo.size(), opt.plaintext_min);
    auto r2 = std::from_chars(hi.data(), hi.data() + hi.size(), opt.plaintext_max);
    if (r1.ec != std::errc() || r1.ptr != lo.data() + lo.size() || r2.ec != std::errc() ||
        r2.ptr != hi.data() + hi.size() || opt.plaintext_min < 1 ||
        opt.plaintext_max < opt.plaintext_min || opt.plaintext_max > 4096) {
      std::cerr << "coffer_loadgen: --plaintext-bytes must be N or MIN-MAX within 1-4096 (KMS "
                   "accepts at most 4096 bytes)\n";
      return 2;
    }
  }
  std::string file_error;
  if (!opt.body_file.empty()) {
    if (!ReadLines(opt.body_file, &opt.lines, &file_error)) {
      std::cerr << "coffer_loadgen: --body-file: " << file_error << "\n";
      return 2;
    }
    opt.op = Op::kRaw;  // the bodies are sent as they are, whatever the operation
  } else if (opt.op == Op::kDecrypt) {
    if (opt.blobs_file.empty()) {
      std::cerr << "coffer_loadgen: --op Decrypt needs --blobs-file (or --body-file)\n";
      return 2;
    }
    if (!ReadLines(opt.blobs_file, &opt.lines, &file_error)) {
      std::cerr << "coffer_loadgen: --blobs-file: " << file_error << "\n";
      return 2;
    }
  }
  std::string error;
  auto target = ResolveEndpoint(opt.endpoint, &error);
  if (!target) {
    std::cerr << "coffer_loadgen: " << error << "\n";
    return 2;
  }
  crypto::OpensslHashes hashes;

  SetupResult setup;
  if (opt.setup || opt.op == Op::kCreateSecret) setup = RunSetup(opt, hashes, *target);
  if (opt.op == Op::kCreateSecret) {
    if (opt.json) {
      std::cout << "{\"op\":\"CreateSecret\",\"endpoint\":\"" << JsonEscape(opt.endpoint)
                << "\",\"connections\":" << opt.connections << ",\"setup\":" << SetupJson(setup)
                << "}\n";
    } else {
      std::cout << "CreateSecret: " << setup.stats.ok << " created, " << setup.stats.already_existed
                << " already existed, " << setup.stats.error_count() << " errors in "
                << Fixed(setup.seconds, 2) << " s ("
                << Fixed(static_cast<double>(setup.stats.ok) / setup.seconds, 1) << "/s)\n";
      PrintErrors(setup.stats);
    }
    return setup.stats.error_count() == 0 ? 0 : 1;
  }
  if (opt.op == Op::kListSecretsWalk) return RunWalk(opt, hashes, *target, setup);

  std::atomic<int> phase{kWarmup};
  Stats stats;
  CpuSample cpu;
  double seconds = RunWorkers(
      opt, hashes, *target, opt.connections, opt.threads,
      [&](Stats& s) { return std::make_unique<LoadDriver>(opt, phase, s); }, &phase, &stats,
      nullptr, &cpu);
  double rps = seconds > 0 ? static_cast<double>(stats.ok) / seconds : 0;
  const Histogram& h = stats.latency;
  if (opt.json) {
    std::cout << "{\"op\":\"" << JsonEscape(opt.op_name) << "\",\"service\":\"" << opt.service
              << "\",\"endpoint\":\"" << JsonEscape(opt.endpoint)
              << "\",\"connections\":" << opt.connections
              << ",\"threads\":" << std::min(opt.threads, opt.connections)
              << ",\"secrets\":" << opt.secrets << ",\"duration_s\":" << Fixed(seconds, 3)
              << ",\"requests\":" << stats.ok << ",\"rps\":" << Fixed(rps, 1)
              << ",\"latency_ms\":" << LatencyJson(h) << ",\"errors\":" << stats.error_count()
              << ",\"error_breakdown\":" << ErrorsJson(stats)
              << ",\"reconnects\":" << stats.reconnects
              << ",\"cpu_s\":{\"loadgen\":" << Fixed(cpu.loadgen_s, 3)
              << ",\"server\":" << Fixed(cpu.server_s, 3)
              << ",\"machine\":" << Fixed(cpu.machine_s, 3) << "},\"setup\":" << SetupJson(setup)
              << "}\n";
  } else {
    std::cout << opt.op_name << " against " << opt.endpoint << ": " << opt.connections
              << " connections, " << std::min(opt.threads, opt.connections) << " thread(s), "
              << Fixed(seconds, 2) << " s measured after " << Fixed(opt.warmup_s, 1)
              << " s warm-up\n"
              << "  requests   " << stats.ok << " ok (" << Fixed(rps, 1) << " req/s), "
              << stats.error_count() << " errors, " << stats.reconnects << " reconnects\n"
              << "  latency    p50 " << Fixed(h.QuantileMs(0.5), 3) << " ms  p90 "
              << Fixed(h.QuantileMs(0.9), 3) << " ms  p99 " << Fixed(h.QuantileMs(0.99), 3)
              << " ms  p99.9 " << Fixed(h.QuantileMs(0.999), 3) << " ms  max "
              << Fixed(h.MaxMs(), 3) << " ms\n"
              << "  cpu        loadgen " << Fixed(cpu.loadgen_s / seconds, 2) << " cores";
    if (cpu.server_s >= 0) std::cout << ", server " << Fixed(cpu.server_s / seconds, 2) << " cores";
    if (cpu.machine_s >= 0) {
      std::cout << ", whole machine " << Fixed(cpu.machine_s / seconds, 2) << " of "
                << std::thread::hardware_concurrency() << " cores";
    }
    std::cout << "\n";
    PrintErrors(stats);
  }
  return 0;
}

}  // namespace
}  // namespace coffer::bench

int main(int argc, char** argv) { return coffer::bench::Main(argc, argv); }
