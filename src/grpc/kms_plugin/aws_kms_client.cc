#include "grpc/kms_plugin/aws_kms_client.h"

#include <utility>

#include "grpc/kms_plugin/internal/kms_json.h"

namespace coffer::kmsplugin {

AwsKmsClient::AwsKmsClient(Options options, HttpTransport transport,
                           CredentialsProvider& credentials, const crypto::Hashes& hashes,
                           const Clock& clock)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      credentials_(credentials),
      hashes_(hashes),
      clock_(clock) {}

Result<http::Response> AwsKmsClient::Call(std::string_view operation, std::string body,
                                          std::chrono::milliseconds timeout) {
  auto start = std::chrono::steady_clock::now();
  auto creds = credentials_.Get(timeout);
  if (!creds.has_value()) {
    SecureWipe(body.data(), body.size());
    return Error(creds.error().code, "no credentials: " + creds.error().message);
  }
  http::Request req;
  req.method = "POST";
  req.target = "/";
  req.headers.push_back({"host", options_.host_header});
  req.headers.push_back({"content-type", "application/x-amz-json-1.1"});
  req.headers.push_back({"x-amz-target", "TrentService." + std::string(operation)});
  req.body = std::move(body);
  api::SigningOptions sopts;
  sopts.region = options_.region;
  sopts.service = "kms";
  sopts.add_content_sha256 = false;
  api::SignSigV4(req, *creds, sopts, clock_.Now(), hashes_);
  auto left = timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start);
  auto res = transport_(req, left);
  SecureWipe(req.body.data(), req.body.size());
  return res;
}

Result<KmsCiphertext> AwsKmsClient::Encrypt(std::string_view key_ref, std::string_view plaintext,
                                            const EncryptionContext& context,
                                            std::chrono::milliseconds timeout) {
  COFFER_ASSIGN_OR_RETURN(
      http::Response res,
      Call("Encrypt", internal::EncryptRequestBody(key_ref, plaintext, context), timeout));
  if (res.status != 200) return internal::ParseErrorResponse(res.status, res.body);
  return internal::ParseEncryptResponse(res.body);
}

Result<KmsPlaintext> AwsKmsClient::Decrypt(std::string_view key_ref, std::string_view blob,
                                           const EncryptionContext& context,
                                           std::chrono::milliseconds timeout) {
  COFFER_ASSIGN_OR_RETURN(
      http::Response res,
      Call("Decrypt", internal::DecryptRequestBody(key_ref, blob, context), timeout));
  if (res.status != 200) return internal::ParseErrorResponse(res.status, res.body);
  auto out = internal::ParseDecryptResponse(res.body);
  SecureWipe(res.body.data(), res.body.size());
  return out;
}

}  // namespace coffer::kmsplugin
