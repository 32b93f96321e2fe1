#include "api/common/sigv4_signer.h"

#include <algorithm>

#include "api/common/sigv4.h"
#include "base/encoding.h"

namespace coffer::api {
namespace {

void SetHeader(http::Request& request, std::string_view name, std::string value) {
  auto it = std::remove_if(request.headers.begin(), request.headers.end(),
                           [&](const http::Header& h) { return h.name == name; });
  request.headers.erase(it, request.headers.end());
  request.headers.push_back({std::string(name), std::move(value)});
}

}  // namespace

void SignSigV4(http::Request& request, const SigningCredentials& credentials,
               const SigningOptions& options, Timestamp now, const crypto::Hashes& hashes) {
  std::string amz_date = FormatAmzDate(now);
  std::string payload_hash = HexEncode(hashes.Sha256(request.body));
  SetHeader(request, "x-amz-date", amz_date);
  if (options.add_content_sha256) SetHeader(request, "x-amz-content-sha256", payload_hash);
  if (!credentials.session_token.empty()) {
    SetHeader(request, "x-amz-security-token", credentials.session_token);
  }
  request.headers.erase(
      std::remove_if(request.headers.begin(), request.headers.end(),
                     [](const http::Header& h) { return h.name == "authorization"; }),
      request.headers.end());

  SigV4Authorization auth;
  auth.access_key_id = credentials.access_key_id;
  auth.date = amz_date.substr(0, 8);
  auth.region = options.region;
  auth.service = options.service;
  auth.terminator = "aws4_request";
  for (const http::Header& h : request.headers) auth.signed_headers.push_back(h.name);
  std::sort(auth.signed_headers.begin(), auth.signed_headers.end());
  auth.signed_headers.erase(std::unique(auth.signed_headers.begin(), auth.signed_headers.end()),
                            auth.signed_headers.end());
  for (size_t i = 0; i < auth.signed_headers.size(); ++i) {
    if (i > 0) auth.signed_headers_raw += ';';
    auth.signed_headers_raw += auth.signed_headers[i];
  }

  std::string canonical = CanonicalRequest(request, auth, payload_hash);
  std::string scope = auth.date + "/" + auth.region + "/" + auth.service + "/aws4_request";
  std::string string_to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + HexEncode(hashes.Sha256(canonical));
  std::string k_secret = "AWS4";
  k_secret.append(credentials.secret_access_key.view());
  auto k_date = hashes.HmacSha256(k_secret, auth.date);
  SecureWipe(k_secret.data(), k_secret.size());
  auto k_region = hashes.HmacSha256(k_date, auth.region);
  auto k_service = hashes.HmacSha256(k_region, auth.service);
  auto k_signing = hashes.HmacSha256(k_service, "aws4_request");
  std::string signature = HexEncode(hashes.HmacSha256(k_signing, string_to_sign));
  SecureWipe(k_date.data(), k_date.size());
  SecureWipe(k_region.data(), k_region.size());
  SecureWipe(k_service.data(), k_service.size());
  SecureWipe(k_signing.data(), k_signing.size());
  request.headers.push_back(
      {"authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                            ", SignedHeaders=" + auth.signed_headers_raw +
                            ", Signature=" + signature});
}

}  // namespace coffer::api
