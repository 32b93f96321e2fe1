#ifndef COFFER_API_AWS_JSON_AWS_JSON_PROTOCOL_H_
#define COFFER_API_AWS_JSON_AWS_JSON_PROTOCOL_H_

#include <map>
#include <string>
#include <string_view>

#include "api/aws_json/audit_recorder.h"
#include "api/aws_json/service.h"
#include "api/common/sigv4.h"
#include "base/metrics.h"
#include "crypto/random.h"
#include "http/message.h"

namespace coffer::api::aws_json {

// The awsJson1_1 protocol: routes POST requests by X-Amz-Target to a Service, authenticates them
// (SigV4 with the service's signing name), decodes and validates the JSON body against the
// operation's model shape, invokes the operation and encodes the result or the AWS error
// ({"__type", "Message"} + x-amzn-ErrorType). Every response carries x-amzn-RequestId and Date.
// Thread-safe.
class AwsJsonProtocol {
 public:
  AwsJsonProtocol(const SigV4Verifier& verifier, crypto::Random& random, const Clock& clock,
                  metrics::Registry& metrics);

  // REQUIRES: called before serving; `service` outlives this.
  void AddService(Service* service);
  // Enforces IAM policies on every call. REQUIRES: called before serving; outlives this.
  void set_authorizer(const identity::Authorizer* authorizer) { authorizer_ = authorizer; }
  // Audits every call (one event each, the response held until it is durable). REQUIRES: called
  // before serving; outlives this.
  void set_audit(AuditRecorder* audit) { audit_ = audit; }

  // The request metric families (coffer_requests_total, coffer_request_duration_seconds), for
  // other protocols to record into rather than register the names twice.
  metrics::Family<metrics::Counter>& requests_family() { return requests_; }
  metrics::Family<metrics::Histogram>& latency_family() { return latency_; }

  // True when the request names a known service in X-Amz-Target.
  bool Accepts(const http::Request& request) const;
  bool MayBlock(const http::Request& request) const;
  http::Response Handle(http::Request& request);
  // An AWS-shaped error response for a request the HTTP layer refused.
  http::Response ErrorResponse(const ApiError& error, std::string_view request_id);

 private:
  struct OpEntry {
    const Operation* op;
    // Pre-resolved series for the common outcome, so a successful call allocates nothing here.
    metrics::Counter* ok;
    metrics::Histogram* latency;
  };
  struct Route {
    Service* service;
    std::map<std::string, OpEntry, std::less<>> operations;
  };
  const Route* Find(std::string_view target, std::string_view* operation) const;

  const SigV4Verifier& verifier_;
  const identity::Authorizer* authorizer_ = nullptr;
  AuditRecorder* audit_ = nullptr;
  AuditRecorder::UnavailableResponse unavailable_;
  crypto::Random& random_;
  const Clock& clock_;
  std::map<std::string, Route, std::less<>> routes_;
  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& latency_;
};

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_AWS_JSON_PROTOCOL_H_
