#ifndef COFFER_GRPC_KMS_PLUGIN_AWS_KMS_CLIENT_H_
#define COFFER_GRPC_KMS_PLUGIN_AWS_KMS_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/hashes.h"
#include "grpc/kms_plugin/credentials.h"
#include "grpc/kms_plugin/http_transport.h"
#include "grpc/kms_plugin/kms.h"

namespace coffer::kmsplugin {

// Kms over the AWS KMS JSON API (awsJson1_1, X-Amz-Target TrentService.<Op>, SigV4 signing name
// "kms"), as Coffer serves it. Every request is signed with the provider's current credentials.
// Thread-safe; holds no connection (each call opens one through `transport`).
class AwsKmsClient final : public Kms {
 public:
  struct Options {
    std::string region = "us-east-1";
    std::string host_header;  // the Host the transport's endpoint answers to (signed)
  };
  // `credentials`, `hashes` and `clock` must outlive the client.
  AwsKmsClient(Options options, HttpTransport transport, CredentialsProvider& credentials,
               const crypto::Hashes& hashes, const Clock& clock);

  // Errors: see Kms; credential errors are the provider's.
  Result<KmsCiphertext> Encrypt(std::string_view key_ref, std::string_view plaintext,
                                const EncryptionContext& context,
                                std::chrono::milliseconds timeout) override;
  Result<KmsPlaintext> Decrypt(std::string_view key_ref, std::string_view blob,
                               const EncryptionContext& context,
                               std::chrono::milliseconds timeout) override;

 private:
  // Signs and sends one call; wipes `body`. The response, whatever its status.
  Result<http::Response> Call(std::string_view operation, std::string body,
                              std::chrono::milliseconds timeout);

  const Options options_;
  const HttpTransport transport_;
  CredentialsProvider& credentials_;
  const crypto::Hashes& hashes_;
  const Clock& clock_;
};

}  // namespace coffer::kmsplugin

#endif  // COFFER_GRPC_KMS_PLUGIN_AWS_KMS_CLIENT_H_
