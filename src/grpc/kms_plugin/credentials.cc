#include "grpc/kms_plugin/credentials.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <utility>

#include "base/encoding.h"
#include "base/logging.h"
#include "base/strings.h"

namespace coffer::kmsplugin {
namespace {

constexpr size_t kMaxTokenBytes = size_t{64} * 1024;  // STS accepts up to 20,000 characters

api::SigningCredentials Copy(const StsCredentials& c) {
  return api::SigningCredentials{c.access_key_id, c.secret_access_key.Clone(), c.session_token};
}

Result<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return FailedPreconditionError("cannot read the web identity token file");
  std::string token;
  char buf[4096];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    token.append(buf, static_cast<size_t>(in.gcount()));
    if (token.size() > kMaxTokenBytes) {
      return FailedPreconditionError("the web identity token file is too large");
    }
  }
  std::string trimmed(TrimWhitespace(token));
  SecureWipe(token.data(), token.size());
  if (trimmed.empty()) return FailedPreconditionError("the web identity token file is empty");
  return trimmed;
}

}  // namespace

StaticCredentialsProvider::StaticCredentialsProvider(std::string access_key_id,
                                                     SecretBytes secret_access_key,
                                                     std::string session_token)
    : access_key_id_(std::move(access_key_id)),
      secret_access_key_(std::move(secret_access_key)),
      session_token_(std::move(session_token)) {}

Result<api::SigningCredentials> StaticCredentialsProvider::Get(std::chrono::milliseconds) {
  return api::SigningCredentials{access_key_id_, secret_access_key_.Clone(), session_token_};
}

std::string StaticCredentialsProvider::Describe() const {
  return "environment (access key " + access_key_id_ + ")";
}

WebIdentityCredentialsProvider::WebIdentityCredentialsProvider(Options options, HttpTransport sts,
                                                               const Clock& clock)
    : options_(std::move(options)), sts_(std::move(sts)), clock_(clock) {}

std::string WebIdentityCredentialsProvider::Describe() const {
  return "web identity (role " + options_.role_arn + ")";
}

Result<StsCredentials> WebIdentityCredentialsProvider::Exchange(std::chrono::milliseconds timeout) {
  COFFER_ASSIGN_OR_RETURN(std::string token, ReadToken(options_.token_file));
  std::string session = options_.session_name;
  if (session.empty()) {
    session = "coffer-kms-plugin-" +
              std::to_string(
                  std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch())
                      .count());
  }
  http::Request req;
  req.method = "POST";
  req.target = "/";
  req.headers.push_back({"content-type", "application/x-www-form-urlencoded; charset=utf-8"});
  req.body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" +
             UriEncode(options_.role_arn) + "&RoleSessionName=" + UriEncode(session) +
             "&WebIdentityToken=" + UriEncode(token);
  SecureWipe(token.data(), token.size());
  auto res = sts_(req, timeout);
  SecureWipe(req.body.data(), req.body.size());
  if (!res.has_value()) {
    return UnavailableError("cannot reach STS: " + res.error().message);
  }
  auto creds = ParseAssumeRoleWithWebIdentityResponse(res->status, res->body);
  SecureWipe(res->body.data(), res->body.size());
  return creds;
}

Result<api::SigningCredentials> WebIdentityCredentialsProvider::Get(
    std::chrono::milliseconds timeout) {
  std::lock_guard<std::mutex> lock(mu_);
  Timestamp now = clock_.Now();
  if (cached_ && cached_->expiration - now > options_.refresh_before) return Copy(*cached_);
  auto fresh = Exchange(timeout);
  if (fresh.has_value()) {
    log::Info("kms-plugin: assumed role with web identity",
              {{"role", options_.role_arn},
               {"assumed_role", fresh->assumed_role_arn},
               {"expiration", FormatIso8601(fresh->expiration)}});
    cached_ = std::move(*fresh);
    return Copy(*cached_);
  }
  if (cached_ && cached_->expiration - now > std::chrono::minutes(1)) {
    log::Warn(
        "kms-plugin: refreshing web identity credentials failed; using the current ones",
        {{"error", fresh.error().message}, {"expiration", FormatIso8601(cached_->expiration)}});
    return Copy(*cached_);
  }
  return std::move(fresh).error();
}

EnvLookup ProcessEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

Result<std::unique_ptr<CredentialsProvider>> CredentialsFromEnvironment(const EnvLookup& env,
                                                                        HttpTransport sts,
                                                                        const Clock& clock) {
  auto id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (id && secret) {
    return std::unique_ptr<CredentialsProvider>(std::make_unique<StaticCredentialsProvider>(
        *id, SecretBytes::TakeFrom(*secret), env("AWS_SESSION_TOKEN").value_or("")));
  }
  if (id || secret) {
    return FailedPreconditionError(
        "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither");
  }
  auto role = env("AWS_ROLE_ARN");
  auto token_file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
  if (role && token_file) {
    WebIdentityCredentialsProvider::Options o;
    o.role_arn = *role;
    o.token_file = *token_file;
    o.session_name = env("AWS_ROLE_SESSION_NAME").value_or("");
    return std::unique_ptr<CredentialsProvider>(
        std::make_unique<WebIdentityCredentialsProvider>(std::move(o), std::move(sts), clock));
  }
  if (role || token_file) {
    return FailedPreconditionError(
        "set both AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, or neither");
  }
  return FailedPreconditionError(
      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_ROLE_ARN and "
      "AWS_WEB_IDENTITY_TOKEN_FILE");
}

}  // namespace coffer::kmsplugin
