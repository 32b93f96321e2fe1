#ifndef COFFER_API_COMMON_SIGV4_SIGNER_H_
#define COFFER_API_COMMON_SIGV4_SIGNER_H_

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/secret_bytes.h"
#include "crypto/hashes.h"
#include "http/message.h"

namespace coffer::api {

// The credentials a client signs with (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, for
// temporary credentials, AWS_SESSION_TOKEN).
struct SigningCredentials {
  std::string access_key_id;
  SecretBytes secret_access_key;
  std::string session_token;  // empty for long-term keys
};

struct SigningOptions {
  std::string region = "us-east-1";
  std::string service;  // the signing name, e.g. "secretsmanager" or "coffer"
  // Adds x-amz-content-sha256 (S3 requires it; other services accept it).
  bool add_content_sha256 = true;
};

// Signs `request` with AWS Signature Version 4, as the AWS SDKs do: adds x-amz-date (from `now`),
// x-amz-content-sha256 (optional), x-amz-security-token (with a session token) and
// authorization, signing every header the request then carries. The verifier's canonical form
// (api::CanonicalRequest) is reused, so a request this signs is one SigV4Verifier accepts.
// REQUIRES: `request` has a host header; header names are lower case.
void SignSigV4(http::Request& request, const SigningCredentials& credentials,
               const SigningOptions& options, Timestamp now, const crypto::Hashes& hashes);

}  // namespace coffer::api

#endif  // COFFER_API_COMMON_SIGV4_SIGNER_H_
