#ifndef COFFER_SERVER_ROUTER_H_
#define COFFER_SERVER_ROUTER_H_

#include <functional>

#include "api/aws_json/aws_json_protocol.h"
#include "api/aws_query/aws_query_protocol.h"
#include "base/metrics.h"
#include "http/message.h"
#include "server/sys_api.h"

namespace coffer::server {

// The top-level HTTP handler: health and metrics endpoints, the operator endpoints (/sys/, see
// SysApi), then the AWS protocols: the query protocol (IAM, STS; form POSTs and GETs with
// Action=, when set) before awsJson1_1.
//   GET /health/live   200 while the process serves
//   GET /health/ready  200 when storage answers and the keyring is unsealed, else 503
//   GET /metrics       Prometheus text format
// While `sealed` returns true every AWS API call gets 503 ServiceUnavailableException
// (ServiceUnavailable in an <ErrorResponse> for the query protocol).
// Thread-safe.
class Router final : public http::Handler {
 public:
  Router(api::aws_json::AwsJsonProtocol& aws_json, metrics::Registry& metrics,
         std::function<bool()> ready, size_t max_body_bytes, SysApi* sys = nullptr,
         std::function<bool()> sealed = {})
      : aws_json_(aws_json),
        metrics_(metrics),
        ready_(std::move(ready)),
        max_body_bytes_(max_body_bytes),
        sys_(sys),
        sealed_(std::move(sealed)) {}

  // Serves the query protocol too. REQUIRES: called before serving; `aws_query` outlives this.
  void set_aws_query(api::aws_query::AwsQueryProtocol* aws_query) { aws_query_ = aws_query; }
  // Audits what the protocols cannot: operator calls (/sys/, eventSource "sys.coffer") and AWS
  // calls refused while sealed. REQUIRES: called before serving; outlives this.
  void set_audit(api::aws_json::AuditRecorder* audit) { audit_ = audit; }

  bool MayBlock(const http::Request& request) const override;
  http::Response Handle(http::Request& request) override;
  http::Response Reject(http::Rejection why) override;

 private:
  // `response`, held until its audit event (service, operation, status) is durable.
  http::Response Audited(const http::Request& request, std::string_view service,
                         const std::string& operation, http::Response response);

  api::aws_json::AwsJsonProtocol& aws_json_;
  api::aws_query::AwsQueryProtocol* aws_query_ = nullptr;
  api::aws_json::AuditRecorder* audit_ = nullptr;
  metrics::Registry& metrics_;
  std::function<bool()> ready_;
  size_t max_body_bytes_;
  SysApi* sys_;
  std::function<bool()> sealed_;
};

}  // namespace coffer::server

#endif  // COFFER_SERVER_ROUTER_H_
