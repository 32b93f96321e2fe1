#ifndef COFFER_GRPC_KMS_PLUGIN_CREDENTIALS_H_
#define COFFER_GRPC_KMS_PLUGIN_CREDENTIALS_H_

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/common/sigv4_signer.h"
#include "base/clock.h"
#include "base/result.h"
#include "base/thread_annotations.h"
#include "grpc/kms_plugin/http_transport.h"
#include "grpc/kms_plugin/sts_response.h"

namespace coffer::kmsplugin {

// Where the plugin's AWS credentials come from. Implementations are thread-safe.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Credentials to sign the next request with. Errors: see the implementations.
  virtual Result<api::SigningCredentials> Get(std::chrono::milliseconds timeout) = 0;
  // For logs: the kind of source and the access key id or role (never a secret).
  virtual std::string Describe() const = 0;
};

// Fixed credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN).
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  StaticCredentialsProvider(std::string access_key_id, SecretBytes secret_access_key,
                            std::string session_token);
  Result<api::SigningCredentials> Get(std::chrono::milliseconds timeout) override;
  std::string Describe() const override;

 private:
  const std::string access_key_id_;
  const SecretBytes secret_access_key_;
  const std::string session_token_;
};

// IRSA-style credentials: the web identity token in `token_file` (a projected service-account
// token, re-read at every refresh because the kubelet rotates it) is exchanged at STS
// AssumeRoleWithWebIdentity (unsigned awsQuery POST) for temporary credentials, which are kept
// and refreshed `refresh_before` their expiration, as botocore does.
class WebIdentityCredentialsProvider final : public CredentialsProvider {
 public:
  struct Options {
    std::string role_arn;
    std::string token_file;
    std::string session_name;  // default: "coffer-kms-plugin-<unix seconds>"
    std::chrono::seconds refresh_before{15 * 60};
  };
  // `sts` reaches the STS endpoint; `clock` decides expiry. Both must outlive this object.
  WebIdentityCredentialsProvider(Options options, HttpTransport sts, const Clock& clock);

  // Cached credentials while they have more than `refresh_before` left; otherwise a fresh STS
  // exchange. If that fails while the cached ones are still valid for another minute, those are
  // returned (and the failure logged). Errors: kFailedPrecondition (token file unreadable or
  // empty), STS's (see ParseAssumeRoleWithWebIdentityResponse), kUnavailable (STS unreachable).
  Result<api::SigningCredentials> Get(std::chrono::milliseconds timeout) override;
  std::string Describe() const override;

 private:
  Result<StsCredentials> Exchange(std::chrono::milliseconds timeout);

  const Options options_;
  const HttpTransport sts_;
  const Clock& clock_;
  std::mutex mu_;
  std::optional<StsCredentials> cached_ COFFER_GUARDED_BY(mu_);
};

// Looks up an environment variable (std::getenv in production); nullopt when unset or empty.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
EnvLookup ProcessEnvironment();

// The standard AWS credential sources, in botocore's order: AWS_ACCESS_KEY_ID +
// AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); else AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE
// (+ AWS_ROLE_SESSION_NAME) through `sts`. kFailedPrecondition when neither is set (or only half
// of a pair). `clock` must outlive the provider.
Result<std::unique_ptr<CredentialsProvider>> CredentialsFromEnvironment(const EnvLookup& env,
                                                                        HttpTransport sts,
                                                                        const Clock& clock);

}  // namespace coffer::kmsplugin

#endif  // COFFER_GRPC_KMS_PLUGIN_CREDENTIALS_H_
