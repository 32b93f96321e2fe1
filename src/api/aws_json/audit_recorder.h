#ifndef COFFER_API_AWS_JSON_AUDIT_RECORDER_H_
#define COFFER_API_AWS_JSON_AUDIT_RECORDER_H_

#include <rapidjson/document.h>

#include <functional>
#include <string>
#include <string_view>

#include "api/aws_json/service.h"
#include "api/aws_json/shape.h"
#include "api/common/api_error.h"
#include "core/audit/audit_event.h"
#include "core/audit/audit_log.h"
#include "crypto/random.h"
#include "http/message.h"

namespace coffer::api::aws_json {

// What a protocol knows about one call when it answers it.
struct AuditedCall {
  std::string_view service;    // the signing name ("secretsmanager", "kms", "iam", …)
  std::string_view operation;  // empty when the request named no known operation
  const CallContext* ctx = nullptr;
  // The validated input and its shape (null before validation, or for operations without input).
  const rapidjson::Value* input = nullptr;
  const Shape* input_shape = nullptr;
  // The JSON output of a successful call (before any XML encoding).
  std::string_view output;
  const ApiError* error = nullptr;  // null on success
};

// Turns API calls into audit events (CloudTrail records, see core/audit/audit_event.h) and holds
// each response until its event is durable: every call a protocol answers goes through Seal()
// exactly once. Secret material never reaches an event: input members whose model shape is
// sensitive, blobs, and a fixed list of secret-bearing member names are replaced by
// "HIDDEN_DUE_TO_SECURITY_REASONS" (CloudTrail's marker); responses of read-only calls are not
// recorded, and other responses are recorded without those members. Thread-safe.
class AuditRecorder {
 public:
  AuditRecorder(audit::AuditLog& log, crypto::Random& random, std::string account_id,
                std::string region);

  // False while the trail cannot write events (fail-closed): protocols refuse changes with 503
  // without making them. Reads still run (their answers are held back unless their event is
  // written), and every refusal is audited too, which is how the trail notices it works again.
  bool Accepting() const { return log_.Accepting(); }

  // The event for `call`.
  audit::Event Build(const AuditedCall& call) const;

  // The answer for a call whose event could not be made durable (a 503 in the protocol's error
  // format), given the request id.
  using UnavailableResponse = std::function<http::Response(std::string_view request_id)>;

  // Appends `event` (from Build) and returns `response` gated on its durability: when the event
  // cannot be made durable, the caller gets `unavailable` instead. A response that is already
  // provisional (a deferred write, see base/deferred_writes.h) is audited once its write is
  // confirmed; a write that must run again is audited by that run.
  http::Response Seal(audit::Event event, http::Response response,
                      const UnavailableResponse& unavailable);

  // True for operations CloudTrail marks readOnly (Get*, List*, Describe*, KMS cryptographic
  // operations, …).
  static bool IsReadOnly(std::string_view operation);

 private:
  audit::AuditLog& log_;
  crypto::Random& random_;
  std::string account_id_;
  std::string region_;
};

// The userIdentity of a credential (null: an unauthenticated caller; `access_key_id` is then the
// key id the request claimed, if any).
audit::UserIdentity AuditIdentity(const identity::Credential* credential,
                                  std::string_view access_key_id = {});

// requestParameters: `input` re-encoded with camelCase member names and secret material hidden.
std::string AuditRequestParameters(const rapidjson::Value& input, const Shape* shape);
// responseElements: the JSON `output` with camelCase names and secret-bearing members hidden;
// empty when `output` is not a JSON object.
std::string AuditResponseElements(std::string_view output);

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_AUDIT_RECORDER_H_
