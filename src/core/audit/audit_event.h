#ifndef COFFER_CORE_AUDIT_AUDIT_EVENT_H_
#define COFFER_CORE_AUDIT_AUDIT_EVENT_H_

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"

namespace coffer::audit {

// CloudTrail's userIdentity element: who made the call.
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
struct UserIdentity {
  // "Root" | "IAMUser" | "AssumedRole" | "AWSService" | "Unknown" (unauthenticated callers).
  std::string type = "Unknown";
  std::string principal_id;
  std::string arn;
  std::string account_id;
  std::string access_key_id;
  std::string user_name;   // IAMUser: the user name. Empty for the others.
  std::string invoked_by;  // AWSService: the service, e.g. "secretsmanager.amazonaws.com".

  // sessionContext, for temporary credentials (AssumedRole, GetSessionToken).
  bool has_session_context = false;
  // sessionContext.sessionIssuer (roles only; type "Role").
  std::string session_issuer_type;
  std::string session_issuer_principal_id;  // AROA… of the role
  std::string session_issuer_arn;           // the role ARN
  std::string session_issuer_account_id;
  std::string session_issuer_user_name;  // the role name
  // sessionContext.webIdFederationData.federatedProvider: the OIDC provider ARN.
  std::string web_id_federated_provider;
  // sessionContext.attributes.creationDate; mfaAuthenticated is always "false".
  std::optional<Timestamp> session_creation_date;
};

// One entry of CloudTrail's resources[] element.
struct Resource {
  std::string arn;
  std::string type;  // "AWS::SecretsManager::Secret", "AWS::KMS::Key", "AWS::SSM::Parameter", …
  std::string account_id;
};

// One CloudTrail record before encoding: an API call (allowed or denied, authenticated or not)
// or a background action (eventType "AwsServiceEvent"). Secret material never enters it: the
// producer redacts request_parameters and response_elements before building the event.
struct Event {
  Timestamp event_time;
  std::string event_source;  // "secretsmanager.amazonaws.com", "kms.amazonaws.com", …
  std::string event_name;    // the operation, e.g. "GetSecretValue"
  std::string aws_region;
  std::string source_ip_address;  // the caller's IP, or the service name for background work
  std::string user_agent;
  UserIdentity user_identity;
  // JSON object texts, already redacted; empty means null.
  std::string request_parameters;
  std::string response_elements;
  std::string additional_event_data;
  std::string request_id;
  std::string event_id;  // a UUID
  bool read_only = false;
  std::vector<Resource> resources;
  std::string error_code;  // empty on success
  std::string error_message;
  std::string event_type = "AwsApiCall";  // or "AwsServiceEvent"
  bool management_event = true;
  std::string recipient_account_id;
};

}  // namespace coffer::audit

#endif  // COFFER_CORE_AUDIT_AUDIT_EVENT_H_
