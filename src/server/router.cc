#include "server/router.h"

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

}  // namespace

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
  if (sys_ != nullptr && SysApi::Accepts(request)) return sys_->Handle(request);
  // Everything else is an AWS API call; the JSON protocol answers unknown targets itself.
  bool query = aws_query_ != nullptr && aws_query_->Accepts(request);
  if (sealed_ && sealed_()) {
    if (query) {
      return aws_query_->ErrorResponse(
          {503, "ServiceUnavailable",
           "Coffer is sealed: an operator must unseal it (coffer operator unseal) before it "
           "serves requests.",
           false},
          "00000000-0000-0000-0000-000000000000");
    }
    return aws_json_.ErrorResponse(
        {503, "ServiceUnavailableException",
         "Coffer is sealed: an operator must unseal it (coffer operator unseal) before it "
         "serves requests.",
         true},
        "00000000-0000-0000-0000-000000000000");
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
