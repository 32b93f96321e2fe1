#ifndef COFFER_API_AWS_QUERY_AWS_QUERY_PROTOCOL_H_
#define COFFER_API_AWS_QUERY_AWS_QUERY_PROTOCOL_H_

#include <map>
#include <string>
#include <string_view>

#include "api/aws_json/audit_recorder.h"
#include "api/aws_query/query_request.h"
#include "api/aws_query/query_service.h"
#include "api/common/sigv4.h"
#include "base/metrics.h"
#include "crypto/random.h"
#include "http/message.h"

namespace coffer::api::aws_query {

// The request metrics a protocol records: coffer_requests_total{service,operation,code} and
// coffer_request_duration_seconds{service,operation}. AwsJsonProtocol registers families with
// the same names; give both protocols the same two families so /metrics shows each name once.
struct RequestMetrics {
  metrics::Family<metrics::Counter>* requests;
  metrics::Family<metrics::Histogram>* latency;

  // Registers the two families in `registry`. Only for a registry no other protocol uses.
  static RequestMetrics Register(metrics::Registry& registry);
};

// The AWS query protocol (IAM, STS): GET with a query string or POST with a form body
// (application/x-www-form-urlencoded), Action=<Operation>&Version=<api version>&<parameters>,
// XML responses. A signed request goes to the service its SigV4 credential scope names and is
// authenticated with SigV4Verifier; an unsigned one is served only for operations whose model
// says authtype none (STS AssumeRoleWithWebIdentity, AssumeRoleWithSAML), found by Action.
// Parameters are decoded into JSON and validated (DecodeInput), the service's handler runs, and
// its JSON output is encoded as XML (EncodeResponse). Errors are <ErrorResponse> documents with
// AWS's query codes: MissingAuthenticationToken, SignatureDoesNotMatch, InvalidClientTokenId
// (403); IncompleteSignature, ExpiredToken, RequestExpired, InvalidAction, MissingAction,
// MalformedQueryString, ValidationError (400); the service's own (MapError). Every response
// carries x-amzn-RequestId and Date. Thread-safe once services are added.
class AwsQueryProtocol {
 public:
  AwsQueryProtocol(const SigV4Verifier& verifier, crypto::Random& random, const Clock& clock,
                   RequestMetrics metrics);

  // REQUIRES: called before serving; `service` outlives this; no two services share a signing
  // name.
  void AddService(QueryService* service);
  // Enforces IAM policies on every call (CallContext::Authorize). REQUIRES: called before
  // serving; outlives this.
  void set_authorizer(const identity::Authorizer* authorizer) { authorizer_ = authorizer; }
  // Audits every call (one event each, the response held until it is durable). REQUIRES: called
  // before serving; outlives this.
  void set_audit(aws_json::AuditRecorder* audit) { audit_ = audit; }

  // True for a query-protocol request: no X-Amz-Target, and a POST with a form content type or a
  // GET whose query string has an Action parameter.
  bool Accepts(const http::Request& request) const;
  // True when the request's operation may block (see QueryService::MayBlock). Cheap.
  bool MayBlock(const http::Request& request) const;
  http::Response Handle(http::Request& request);
  // An <ErrorResponse> for a request refused before it reached a service (e.g. a sealed server).
  http::Response ErrorResponse(const ApiError& error, std::string_view request_id) const;

 private:
  struct OpEntry {
    const QueryOperation* op;
    // Pre-resolved series for the common outcome, so a successful call allocates nothing here.
    metrics::Counter* ok;
    metrics::Histogram* latency;
  };
  struct Route {
    QueryService* service;
    ShapeNames names;
    std::map<std::string, OpEntry, std::less<>> operations;
  };
  // The route for a request: by credential scope when signed, else the one serving `action`
  // unsigned. nullptr when none.
  const Route* FindRoute(const http::Request& request, std::string_view action) const;
  http::Response XmlResponse(int status, std::string body, std::string_view request_id) const;
  std::string_view DefaultNamespace(std::string_view action) const;

  const SigV4Verifier& verifier_;
  const identity::Authorizer* authorizer_ = nullptr;
  aws_json::AuditRecorder* audit_ = nullptr;
  aws_json::AuditRecorder::UnavailableResponse unavailable_;
  crypto::Random& random_;
  const Clock& clock_;
  RequestMetrics metrics_;
  std::map<std::string, Route, std::less<>> routes_;           // by signing name
  std::map<std::string, const Route*, std::less<>> unsigned_;  // by action
};

}  // namespace coffer::api::aws_query

#endif  // COFFER_API_AWS_QUERY_AWS_QUERY_PROTOCOL_H_
