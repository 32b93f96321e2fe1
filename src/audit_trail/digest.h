#ifndef COFFER_AUDIT_TRAIL_DIGEST_H_
#define COFFER_AUDIT_TRAIL_DIGEST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "crypto/asymmetric.h"

namespace coffer::audit_trail {

// Signs digest records (a port). The server implements it with a KMS asymmetric key
// (ECC_NIST_P256, ECDSA_SHA_256). Called from FileAuditLog's writer thread only, but
// implementations should be thread-safe.
class DigestSigner {
 public:
  virtual ~DigestSigner() = default;
  // The DER signature of `message` (the digest's signing text, see DigestSigningText).
  // Any error makes the log retry the digest later; it never fails a request.
  virtual Result<std::string> Sign(std::string_view message) = 0;
  // The key's ARN and AWS SigningAlgorithmSpec ("ECDSA_SHA_256"), recorded in each digest.
  virtual std::string key_arn() const = 0;
  virtual std::string algorithm() const = 0;
};

// Checks digest signatures (a port). Thread-safe.
class DigestVerifier {
 public:
  virtual ~DigestVerifier() = default;
  // True when `signature` (DER) is valid for `message`; false when it is not (including a
  // malformed signature). An error only when the check itself cannot run.
  virtual Result<bool> Verify(std::string_view message, std::string_view signature) const = 0;
};

// A DigestVerifier over a public key: X.509 SubjectPublicKeyInfo DER (what KMS GetPublicKey
// returns) or the same in PEM ("-----BEGIN PUBLIC KEY-----"). Thread-safe; `asymmetric` must
// outlive it.
class PublicKeyDigestVerifier final : public DigestVerifier {
 public:
  // kInvalidArgument when the key is neither, or does not fit `algorithm`.
  static Result<std::unique_ptr<PublicKeyDigestVerifier>> Create(
      std::string_view public_key, crypto::Asymmetric& asymmetric,
      crypto::SigningAlgorithm algorithm = crypto::SigningAlgorithm::kEcdsaSha256);

  Result<bool> Verify(std::string_view message, std::string_view signature) const override;

 private:
  PublicKeyDigestVerifier(std::string der, crypto::Asymmetric& asymmetric,
                          crypto::SigningAlgorithm algorithm)
      : der_(std::move(der)), asymmetric_(&asymmetric), algorithm_(algorithm) {}
  std::string der_;
  crypto::Asymmetric* asymmetric_;
  crypto::SigningAlgorithm algorithm_;
};

// Where the chain stood when a digest was written; FileAuditLog reports it after each digest so
// the server can keep it outside the log (VerifyOptions::expected_head detects truncation).
struct Checkpoint {
  uint64_t last_sequence = 0;
  std::string last_event_hash;  // 64 lower-case hex digits
  Timestamp time;
};

// A digest line seals the events firstSequence..lastSequence:
//   {"cofferDigest":{"version":1,"firstSequence":1,"lastSequence":1000,"lastEventHash":"<hex>",
//    "previousDigestHash":"<hex>","digestTime":"2026-11-22T13:38:31Z","keyArn":"arn:...",
//    "signingAlgorithm":"ECDSA_SHA_256","signature":"<base64 DER>"}}
// lastEventHash is the SHA-256 of event lastSequence's line; previousDigestHash the SHA-256 of
// the previous digest line (64 zeros for the first digest).
struct DigestRecord {
  int version = 1;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  std::string last_event_hash;
  std::string previous_digest_hash;
  Timestamp digest_time;  // whole seconds
  std::string key_arn;
  std::string signing_algorithm;
  std::string signature;  // raw DER (base64 in the line)
};

// The text a digest's signature covers: every field but the signature, one "name=value" per
// line in this order, with no trailing newline:
//   coffer-audit-digest
//   version=1
//   firstSequence=1
//   lastSequence=1000
//   lastEventHash=<hex>
//   previousDigestHash=<hex>
//   digestTime=2026-11-22T13:38:31Z
//   keyArn=arn:aws:kms:...
//   signingAlgorithm=ECDSA_SHA_256
// DecodeLine rejects key ARNs and algorithms holding control characters, so it is unambiguous.
std::string DigestSigningText(const DigestRecord& digest);

// The digest line (no newline). REQUIRES: key_arn and signing_algorithm hold no control
// characters.
std::string EncodeDigest(const DigestRecord& digest);

}  // namespace coffer::audit_trail

#endif  // COFFER_AUDIT_TRAIL_DIGEST_H_
