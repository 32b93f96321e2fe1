#include "audit_trail/digest.h"

#include "audit_trail/internal/event_encoder.h"
#include "audit_trail/internal/json.h"
#include "base/encoding.h"

namespace coffer::audit_trail {
namespace {

std::string TimeText(Timestamp t) {
  char buf[20];
  internal::FormatEventTime(t, buf);
  return std::string(buf, sizeof buf);
}

// The base64 body of a PEM "PUBLIC KEY" block, decoded; nullopt when `pem` is not one.
std::optional<std::string> PemToDer(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN PUBLIC KEY-----";
  constexpr std::string_view kEnd = "-----END PUBLIC KEY-----";
  const size_t begin = pem.find(kBegin);
  if (begin == std::string_view::npos) return std::nullopt;
  const size_t body = begin + kBegin.size();
  const size_t end = pem.find(kEnd, body);
  if (end == std::string_view::npos) return std::nullopt;
  std::string b64;
  for (char c : pem.substr(body, end - body)) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') b64.push_back(c);
  }
  return Base64Decode(b64);
}

}  // namespace

std::string DigestSigningText(const DigestRecord& d) {
  std::string out = "coffer-audit-digest\nversion=" + std::to_string(d.version);
  out += "\nfirstSequence=" + std::to_string(d.first_sequence);
  out += "\nlastSequence=" + std::to_string(d.last_sequence);
  out += "\nlastEventHash=" + d.last_event_hash;
  out += "\npreviousDigestHash=" + d.previous_digest_hash;
  out += "\ndigestTime=" + TimeText(d.digest_time);
  out += "\nkeyArn=" + d.key_arn;
  out += "\nsigningAlgorithm=" + d.signing_algorithm;
  return out;
}

std::string EncodeDigest(const DigestRecord& d) {
  std::string out = R"({"cofferDigest":{"version":)" + std::to_string(d.version);
  out += R"(,"firstSequence":)" + std::to_string(d.first_sequence);
  out += R"(,"lastSequence":)" + std::to_string(d.last_sequence);
  out += R"(,"lastEventHash":)";
  internal::AppendJsonString(out, d.last_event_hash);
  out += R"(,"previousDigestHash":)";
  internal::AppendJsonString(out, d.previous_digest_hash);
  out += R"(,"digestTime":")" + TimeText(d.digest_time) + '"';
  out += R"(,"keyArn":)";
  internal::AppendJsonString(out, d.key_arn);
  out += R"(,"signingAlgorithm":)";
  internal::AppendJsonString(out, d.signing_algorithm);
  out += R"(,"signature":")" + Base64Encode(d.signature) + "\"}}";
  return out;
}

Result<std::unique_ptr<PublicKeyDigestVerifier>> PublicKeyDigestVerifier::Create(
    std::string_view public_key, crypto::Asymmetric& asymmetric,
    crypto::SigningAlgorithm algorithm) {
  std::string der;
  if (public_key.find("-----BEGIN") != std::string_view::npos) {
    std::optional<std::string> decoded = PemToDer(public_key);
    if (!decoded.has_value()) return InvalidArgumentError("the PEM public key is malformed");
    der = std::move(*decoded);
  } else {
    der = std::string(public_key);
  }
  // Verifying an empty signature parses the key and checks it fits the algorithm: a bad key is
  // an error, a (necessarily) failing signature is just false.
  Result<bool> probe = asymmetric.Verify(der, algorithm, "probe", false, "");
  if (!probe.has_value()) {
    return InvalidArgumentError("the public key cannot verify digests: " + probe.error().message);
  }
  return std::unique_ptr<PublicKeyDigestVerifier>(
      new PublicKeyDigestVerifier(std::move(der), asymmetric, algorithm));
}

Result<bool> PublicKeyDigestVerifier::Verify(std::string_view message,
                                             std::string_view signature) const {
  return asymmetric_->Verify(der_, algorithm_, message, false, signature);
}

}  // namespace coffer::audit_trail
