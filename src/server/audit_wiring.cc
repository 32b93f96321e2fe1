#include "server/audit_wiring.h"

#include "api/common/request_id.h"

namespace coffer::server {

Result<keys::Key> KmsDigestSigner::EnsureKey() const {
  std::lock_guard lock(mu_);
  auto found = keys_.ResolveKey(kAlias);
  if (found.has_value()) {
    key_arn_ = found->arn;
    return found;
  }
  if (found.error().code != ErrorCode::kNotFound) return found.error();
  keys::CreateKeyRequest request;
  request.description = "Coffer: signs the audit trail's digests";
  request.spec = keys::KeySpec::kEccNistP256;
  request.usage = keys::KeyUsage::kSignVerify;
  COFFER_ASSIGN_OR_RETURN(keys::Key key, keys_.CreateKey(request));
  COFFER_RETURN_IF_ERROR(keys_.CreateAlias(kAlias, key.key_id));
  key_arn_ = key.arn;
  return key;
}

Result<std::string> KmsDigestSigner::Sign(std::string_view message) {
  COFFER_ASSIGN_OR_RETURN(keys::Key key, EnsureKey());
  return keys_.Sign(key, crypto::SigningAlgorithm::kEcdsaSha256, message, /*is_digest=*/false);
}

std::string KmsDigestSigner::key_arn() const {
  {
    std::lock_guard lock(mu_);
    if (!key_arn_.empty()) return key_arn_;
  }
  auto key = EnsureKey();
  return key.has_value() ? key->arn : std::string();
}

Result<std::string> KmsDigestSigner::PublicKey() {
  COFFER_ASSIGN_OR_RETURN(keys::Key key, EnsureKey());
  return keys_.GetPublicKey(key);
}

audit::Event ServiceEvent(std::string_view service, std::string_view name, std::string arn,
                          std::string_view resource_type, const core::Account& account,
                          Timestamp now, crypto::Random& random) {
  audit::Event e;
  std::string source = std::string(service) + ".amazonaws.com";
  e.event_time = now;
  e.event_source = source;
  e.event_name = std::string(name);
  e.aws_region = account.region;
  e.source_ip_address = source;
  e.user_agent = source;
  e.user_identity.type = "AWSService";
  e.user_identity.invoked_by = source;
  e.user_identity.account_id = account.account_id;
  e.request_id = api::NewRequestId(random);
  e.event_id = api::NewRequestId(random);
  e.read_only = false;
  e.resources.push_back({std::move(arn), std::string(resource_type), account.account_id});
  e.event_type = "AwsServiceEvent";
  e.recipient_account_id = account.account_id;
  return e;
}

}  // namespace coffer::server
