#ifndef COFFER_AUDIT_TRAIL_TESTING_SAMPLE_EVENTS_H_
#define COFFER_AUDIT_TRAIL_TESTING_SAMPLE_EVENTS_H_

#include <string>

#include "core/audit/audit_event.h"

namespace coffer::audit_trail::testing {

// An IAM user's GetSecretValue on secret "db-<i>" at `time`, with event ID "event-<i>".
inline audit::Event SampleEvent(int i, Timestamp time) {
  audit::Event e;
  e.event_time = time;
  e.event_source = "secretsmanager.amazonaws.com";
  e.event_name = "GetSecretValue";
  e.aws_region = "us-east-1";
  e.source_ip_address = "10.0.0.7";
  e.user_agent = "aws-cli/2.9.19";
  e.user_identity.type = "IAMUser";
  e.user_identity.principal_id = "AIDAEXAMPLE";
  e.user_identity.arn = "arn:aws:iam::111122223333:user/alice";
  e.user_identity.account_id = "111122223333";
  e.user_identity.access_key_id = "AKIAEXAMPLE";
  e.user_identity.user_name = "alice";
  const std::string arn =
      "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-" + std::to_string(i) + "-AbCdEf";
  e.request_parameters = R"({"secretId":")" + arn + R"("})";
  e.request_id = "req-" + std::to_string(i);
  e.event_id = "event-" + std::to_string(i);
  e.read_only = true;
  e.resources.push_back({arn, "AWS::SecretsManager::Secret", "111122223333"});
  e.recipient_account_id = "111122223333";
  return e;
}

}  // namespace coffer::audit_trail::testing

#endif  // COFFER_AUDIT_TRAIL_TESTING_SAMPLE_EVENTS_H_
