#include "server/router.h"

#include "api/common/request_id.h"
#include "base/clock.h"
#include "base/uuid.h"

namespace coffer::server {
namespace {

http::Response Text(int status, std::string content_type, std::string body) {
  http::Response r;
  r.status = status;
  r.SetHeader("content-type", std::move(content_type));
  r.SetHeader("cache-control", "no-store");
  r.body = std::move(body);
  return r;
}

// "/sys/rotate-root/verify" → "RotateRootVerify".
std::string SysOperation(std::string_view path) {
  std::string out;
  bool upper = true;
  for (char c : path.substr(std::min(path.size(), std::string_view("/sys/").size()))) {
    if (c == '/' || c == '-') {
      upper = true;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) continue;
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
    if (out.size() >= 64) break;
  }
  return out.empty() ? "Unknown" : out;
}

}  // namespace

http::Response Router::Audited(const http::Request& request, std::string_view service,
                               const std::string& operation, http::Response response) {
  if (audit_ == nullptr) return response;
  api::aws_json::CallContext ctx;
  for (const auto& h : response.headers) {
    if (h.name == "x-amzn-requestid" && h.value != "00000000-0000-0000-0000-000000000000") {
      ctx.request_id = h.value;
    }
  }
  ctx.received = RealClock::Get().Now();
  ctx.http = &request;
  api::aws_json::AuditedCall call;
  call.service = service;
  call.operation = operation;
  call.ctx = &ctx;
  api::ApiError error;
  if (response.status >= 400) {
    error = {response.status, "HTTP" + std::to_string(response.status), "", false};
    call.error = &error;
  }
  audit::Event event = audit_->Build(call);
  if (event.request_id.empty()) event.request_id = event.event_id;
  return audit_->Seal(std::move(event), std::move(response), [](std::string_view) {
    return Text(503, "application/json",
                R"({"error":"the audit trail cannot record this request, so it was refused"})");
  });
}

bool Router::MayBlock(const http::Request& request) const {
  // Unsealing and rotations read and write the store and may talk to an HSM.
  if (sys_ != nullptr && SysApi::Accepts(request)) return request.method == "POST";
  if (aws_query_ != nullptr && aws_query_->Accepts(request)) return aws_query_->MayBlock(request);
  return aws_json_.Accepts(request) && aws_json_.MayBlock(request);
}

http::Response Router::Handle(http::Request& request) {
  if (request.method == "GET" || request.method == "HEAD") {
    std::string_view path = request.Path();
    if (path == "/health/live") {
      return Text(200, "application/json", R"({"status":"ok"})");
    }
    if (path == "/health/ready") {
      bool ready = ready_();
      return Text(ready ? 200 : 503, "application/json",
                  ready ? R"({"status":"ready"})" : R"({"status":"unavailable"})");
    }
    if (path == "/metrics") {
      return Text(200, "text/plain; version=0.0.4", metrics_.Render());
    }
  }
  if (sys_ != nullptr && SysApi::Accepts(request)) {
    return Audited(request, "sys", SysOperation(request.Path()), sys_->Handle(request));
  }
  // Everything else is an AWS API call; the JSON protocol answers unknown targets itself.
  bool query = aws_query_ != nullptr && aws_query_->Accepts(request);
  if (sealed_ && sealed_()) {
    if (query) {
      return Audited(
          request, "unknown", "Unknown",
          aws_query_->ErrorResponse(
              {503, "ServiceUnavailable",
               "Coffer is sealed: an operator must unseal it (coffer operator unseal) before it "
               "serves requests.",
               false},
              "00000000-0000-0000-0000-000000000000"));
    }
    std::string_view target = request.HeaderValue("x-amz-target");
    std::string_view op = target.substr(
        target.rfind('.') == std::string_view::npos ? target.size() : target.rfind('.') + 1);
    return Audited(
        request, "unknown", std::string(op.substr(0, 64)),
        aws_json_.ErrorResponse(
            {503, "ServiceUnavailableException",
             "Coffer is sealed: an operator must unseal it (coffer operator unseal) before it "
             "serves requests.",
             true},
            "00000000-0000-0000-0000-000000000000"));
  }
  if (query) return aws_query_->Handle(request);
  return aws_json_.Handle(request);
}

http::Response Router::Reject(http::Rejection why) {
  api::ApiError e;
  switch (why) {
    case http::Rejection::kBodyTooLarge:
      e = {
          413, "RequestEntityTooLargeException",
          "The request body is larger than the " + std::to_string(max_body_bytes_) + "-byte limit.",
          false};
      break;
    case http::Rejection::kHeadersTooLarge:
      e = {431, "RequestHeaderFieldsTooLarge", "The request headers are too large.", false};
      break;
    case http::Rejection::kMalformed:
      e = {400, "BadRequest", "The request is not valid HTTP/1.1.", false};
      break;
    case http::Rejection::kUnavailable:
      e = {503, "ServiceUnavailable", "The server is shutting down.", false};
      break;
  }
  return aws_json_.ErrorResponse(e, "00000000-0000-0000-0000-000000000000");
}

}  // namespace coffer::server
