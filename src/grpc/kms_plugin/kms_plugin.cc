#include "grpc/kms_plugin/kms_plugin.h"

#include <algorithm>
#include <utility>

#include "base/logging.h"

namespace coffer::kmsplugin {
namespace {

// What Status encrypts and decrypts to check the key. Not secret.
constexpr std::string_view kProbePlaintext = "coffer kms-plugin status probe";
constexpr std::string_view kVersion = "v2";
constexpr size_t kMaxHealthzBytes = 512;
constexpr std::chrono::milliseconds kMinProbeTime{100};

using std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

milliseconds Left(SteadyTime deadline) {
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(
                                       deadline - std::chrono::steady_clock::now()));
}

std::string Cut(std::string s) {
  if (s.size() > kMaxHealthzBytes) s.resize(kMaxHealthzBytes);
  return s;
}

// Prefixes a KMS error with the operation, keeping its code.
Error KmsError(std::string_view operation, const Error& e) {
  return Error(e.code, "KMS " + std::string(operation) + " failed: " + e.message);
}

}  // namespace

KmsPlugin::KmsPlugin(Kms& kms, Options options, const Clock& clock)
    : kms_(kms),
      options_(std::move(options)),
      clock_(clock),
      context_{{std::string(kContextKey), std::string(kContextValue)}} {}

StatusReply KmsPlugin::Probe(milliseconds timeout) {
  SteadyTime deadline = std::chrono::steady_clock::now() + timeout;
  auto unhealthy = [&](std::string why) {
    std::lock_guard<std::mutex> lock(mu_);
    return StatusReply{std::string(kVersion), Cut(std::move(why)), last_key_id_};
  };
  auto enc = kms_.Encrypt(options_.key, kProbePlaintext, context_, timeout);
  if (!enc.has_value()) {
    return unhealthy("KMS Encrypt with key " + options_.key + " failed: " + enc.error().message);
  }
  auto key_id = KeyIdOfCiphertext(enc->key_arn, enc->blob);
  if (!key_id.has_value()) return unhealthy(key_id.error().message);
  auto dec = kms_.Decrypt(key_id->key_arn, enc->blob, context_, Left(deadline));
  if (!dec.has_value()) {
    return unhealthy("KMS Decrypt with key " + key_id->key_arn + " failed: " + dec.error().message);
  }
  if (dec->plaintext.view() != kProbePlaintext) {
    return unhealthy("KMS decrypted the status probe to something else");
  }
  return StatusReply{std::string(kVersion), "ok", key_id->ToString()};
}

StatusReply KmsPlugin::Status(milliseconds budget) {
  SteadyTime deadline = std::chrono::steady_clock::now() + std::min(budget, options_.timeout);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (cached_) {
      Timestamp now = clock_.Now();
      auto ttl = cached_->healthy ? options_.healthy_ttl : options_.unhealthy_ttl;
      if (now >= cached_->checked && now - cached_->checked < ttl) return cached_->reply;
    }
    if (!probing_) break;
    // Another call is probing: wait for its answer rather than probe twice.
    if (probe_done_.wait_until(lock, deadline) == std::cv_status::timeout) {
      if (cached_) return cached_->reply;
      return StatusReply{std::string(kVersion), "the first KMS probe has not finished yet",
                         last_key_id_};
    }
  }
  if (Left(deadline) < kMinProbeTime) {
    // Too little time to learn anything: answer from the cache, and cache nothing.
    if (cached_) return cached_->reply;
    return StatusReply{std::string(kVersion), "the Status deadline is too short to probe KMS",
                       last_key_id_};
  }
  probing_ = true;
  lock.unlock();
  StatusReply reply = Probe(Left(deadline));
  lock.lock();
  probing_ = false;
  bool healthy = reply.healthz == "ok";
  if (healthy) {
    if (!last_key_id_.empty() && last_key_id_ != reply.key_id) {
      log::Info("kms-plugin: the key rotated; new key_id",
                {{"previous_key_id", last_key_id_}, {"key_id", reply.key_id}});
    }
    last_key_id_ = reply.key_id;
  }
  bool was_healthy = cached_ && cached_->healthy;
  if (!cached_ || was_healthy != healthy) {
    if (healthy) {
      log::Info("kms-plugin: healthy", {{"key_id", reply.key_id}});
    } else {
      log::Warn("kms-plugin: unhealthy", {{"healthz", reply.healthz}});
    }
  }
  cached_ = Cached{reply, healthy, clock_.Now()};
  probe_done_.notify_all();
  return reply;
}

void KmsPlugin::Observe(const Result<KeyId>& key_id) {
  if (!key_id.has_value()) return;
  std::string id = key_id->ToString();
  std::lock_guard<std::mutex> lock(mu_);
  if (id == last_key_id_) return;
  log::Info("kms-plugin: Encrypt used a new key_id",
            {{"previous_key_id", last_key_id_}, {"key_id", id}});
  last_key_id_ = id;
  if (cached_ && cached_->healthy) {
    cached_->reply.key_id = id;
  } else {
    cached_.reset();  // the next Status probes again
  }
}

void KmsPlugin::MarkUnavailable(const Error& error) {
  if (error.code != ErrorCode::kUnavailable) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (cached_ && cached_->healthy) cached_.reset();
}

Result<EncryptReply> KmsPlugin::Encrypt(std::string_view plaintext, std::string_view uid,
                                        milliseconds budget) {
  if (plaintext.empty()) return InvalidArgumentError("plaintext is empty");
  if (plaintext.size() > kMaxPlaintextBytes) {
    return InvalidArgumentError("plaintext is larger than 512 bytes");
  }
  auto enc = kms_.Encrypt(options_.key, plaintext, context_, std::min(budget, options_.timeout));
  if (!enc.has_value()) {
    MarkUnavailable(enc.error());
    log::Warn("kms-plugin: Encrypt failed", {{"uid", uid}, {"error", enc.error().message}});
    return KmsError("Encrypt", enc.error());
  }
  auto key_id = KeyIdOfCiphertext(enc->key_arn, enc->blob);
  if (!key_id.has_value()) return key_id.error();
  if (enc->blob.size() > kMaxCiphertextBytes) {
    return InternalError("KMS returned a ciphertext over 1024 bytes");
  }
  Observe(key_id);
  log::Debug("kms-plugin: Encrypt", {{"uid", uid}, {"key_id", key_id->ToString()}});
  return EncryptReply{std::move(enc->blob), key_id->ToString(), {}};
}

Result<SecretBytes> KmsPlugin::Decrypt(const DecryptInput& in, milliseconds budget) {
  if (in.ciphertext.empty()) return InvalidArgumentError("ciphertext is empty");
  if (in.ciphertext.size() > kMaxCiphertextBytes) {
    return InvalidArgumentError("ciphertext is larger than 1024 bytes");
  }
  if (in.key_id.empty()) return InvalidArgumentError("key_id is empty");
  if (in.key_id.size() > kMaxKeyIdBytes) {
    return InvalidArgumentError("key_id is larger than 1024 bytes");
  }
  if (in.annotations != nullptr) {
    size_t total = 0;
    for (const auto& [k, v] : *in.annotations) {
      if (!IsFullyQualifiedDomainName(k)) {
        return InvalidArgumentError("an annotation key is not a fully qualified domain name");
      }
      total += k.size() + v.size();
    }
    if (total > kMaxAnnotationsBytes) {
      return InvalidArgumentError("annotations are larger than 32 KiB");
    }
  }
  COFFER_ASSIGN_OR_RETURN(KeyId key_id, KeyId::Parse(in.key_id));
  COFFER_RETURN_IF_ERROR(CheckCiphertextMatches(key_id, in.ciphertext));
  auto dec =
      kms_.Decrypt(key_id.key_arn, in.ciphertext, context_, std::min(budget, options_.timeout));
  if (!dec.has_value()) {
    MarkUnavailable(dec.error());
    log::Warn("kms-plugin: Decrypt failed",
              {{"uid", in.uid}, {"key_id", in.key_id}, {"error", dec.error().message}});
    return KmsError("Decrypt", dec.error());
  }
  log::Debug("kms-plugin: Decrypt", {{"uid", in.uid}, {"key_id", in.key_id}});
  return std::move(dec->plaintext);
}

bool IsFullyQualifiedDomainName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  int labels = 0;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    std::string_view label =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return labels >= 2;
}

}  // namespace coffer::kmsplugin
