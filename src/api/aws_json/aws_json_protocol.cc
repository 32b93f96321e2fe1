#include "api/aws_json/aws_json_protocol.h"

#include <chrono>

#include "api/aws_json/shape_validator.h"
#include "base/logging.h"
#include "base/secret_bytes.h"
#include "base/strings.h"

namespace coffer::api::aws_json {
namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.1";

http::Response JsonResponse(int status, std::string body, std::string_view request_id,
                            Timestamp now) {
  http::Response r;
  r.status = status;
  r.SetHeader("content-type", std::string(kContentType));
  r.SetHeader("x-amzn-requestid", std::string(request_id));
  r.SetHeader("date", FormatHttpDate(now));
  r.body = std::move(body);
  return r;
}

}  // namespace

AwsJsonProtocol::AwsJsonProtocol(const SigV4Verifier& verifier, crypto::Random& random,
                                 const Clock& clock, metrics::Registry& metrics)
    : verifier_(verifier),
      random_(random),
      clock_(clock),
      requests_(metrics.NewCounter("coffer_requests_total",
                                   "API requests by service, operation and result code.",
                                   {"service", "operation", "code"})),
      latency_(metrics.NewHistogram("coffer_request_duration_seconds",
                                    "API request latency by service and operation.",
                                    {"service", "operation"}, metrics::LatencyBuckets())) {}

void AwsJsonProtocol::AddService(Service* service) {
  Route route{service, {}};
  for (const Operation& op : service->operations()) route.operations.emplace(op.name, &op);
  routes_.emplace(std::string(service->target_prefix()), std::move(route));
}

const AwsJsonProtocol::Route* AwsJsonProtocol::Find(std::string_view target,
                                                    std::string_view* operation) const {
  size_t dot = target.rfind('.');
  if (dot == std::string_view::npos) return nullptr;
  auto it = routes_.find(target.substr(0, dot));
  if (it == routes_.end()) return nullptr;
  *operation = target.substr(dot + 1);
  return &it->second;
}

bool AwsJsonProtocol::Accepts(const http::Request& request) const {
  std::string_view op;
  return Find(request.HeaderValue("x-amz-target"), &op) != nullptr;
}

bool AwsJsonProtocol::MayBlock(const http::Request& request) const {
  std::string_view op;
  const Route* route = Find(request.HeaderValue("x-amz-target"), &op);
  return route != nullptr && route->service->MayBlock(op);
}

http::Response AwsJsonProtocol::ErrorResponse(const ApiError& e, std::string_view request_id) {
  JsonOut out;
  out.StartObject();
  out.Field("__type", e.code);
  out.Field(e.lowercase_message ? "message" : "Message", e.message);
  out.EndObject();
  http::Response r = JsonResponse(e.status, out.Take(), request_id, clock_.Now());
  r.SetHeader("x-amzn-errortype", e.code);
  return r;
}

http::Response AwsJsonProtocol::Handle(http::Request& request) {
  auto started = std::chrono::steady_clock::now();
  CallContext ctx;
  ctx.request_id = random_.UuidV4();
  ctx.received = clock_.Now();
  ctx.http = &request;
  log::ScopedRequestId log_scope(ctx.request_id);
  // The request may carry a secret value; whatever happens, do not leave it in freed memory.
  struct WipeBody {
    std::string& body;
    ~WipeBody() { SecureWipe(body.data(), body.size()); }
  } wipe_body{request.body};

  std::string_view op_name;
  const Route* route = Find(request.HeaderValue("x-amz-target"), &op_name);
  std::string service_label = route ? std::string(route->service->signing_name()) : "unknown";
  std::string op_label = "unknown";
  auto finish = [&](http::Response r, std::string_view code) {
    requests_.With({service_label, op_label, code}).Inc();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    latency_.With({service_label, op_label}).Observe(secs);
    return r;
  };
  auto fail = [&](const ApiError& e) {
    if (e.status >= 500) {
      log::Warn("request failed", {{"service", service_label},
                                   {"operation", op_label},
                                   {"code", e.code},
                                   {"status", e.status}});
    } else {
      log::Debug("request refused",
                 {{"service", service_label}, {"operation", op_label}, {"code", e.code}});
    }
    return finish(ErrorResponse(e, ctx.request_id), e.code);
  };

  if (route == nullptr) {
    return fail(ApiError{400, "UnknownOperationException",
                         "The X-Amz-Target header does not "
                         "name an operation of a service this endpoint serves.",
                         false});
  }
  auto op_it = route->operations.find(op_name);
  if (op_it == route->operations.end()) {
    return fail(ApiError{400, "UnknownOperationException",
                         "Unknown operation " + std::string(request.HeaderValue("x-amz-target")),
                         false});
  }
  op_label = op_it->first;
  ctx.operation = op_it->first;
  if (request.method != "POST") {
    return fail(ApiError{400, "UnknownOperationException",
                         "awsJson1_1 operations are invoked with POST", false});
  }

  auto auth = verifier_.Verify(request, route->service->signing_name());
  if (auto* err = std::get_if<ApiError>(&auth)) return fail(*err);
  ctx.credential = std::get<Authenticated>(auth).credential;
  ctx.region = std::move(std::get<Authenticated>(auth).region);

  if (!route->service->Implements(op_name)) {
    return fail(ApiError{400, "UnknownOperationException",
                         "Coffer does not implement " +
                             std::string(route->service->target_prefix()) + "." +
                             std::string(op_name) + " yet.",
                         false});
  }

  rapidjson::Document doc;
  std::string_view body = TrimWhitespace(request.body);
  if (body.empty()) {
    doc.SetObject();
  } else {
    // Iterative parsing: nesting depth cannot exhaust the stack. Strings must be valid UTF-8.
    doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body.data(),
                                                                                      body.size());
    if (doc.HasParseError()) {
      return fail(
          ApiError{400, "SerializationException", "The request body is not valid JSON.", false});
    }
  }
  const Operation& op = *op_it->second;
  if (op.input != nullptr) {
    if (auto invalid = ValidateInput(doc, *op.input)) return fail(*invalid);
  } else if (!doc.IsObject()) {
    return fail(
        ApiError{400, "SerializationException", "Start of list found where not expected", false});
  }

  Call call{ctx, JsonIn(&doc), JsonOut()};
  Result<void> result = route->service->Invoke(op_name, call);
  if (!result.has_value()) {
    ApiError e = route->service->MapError(result.error());
    if (e.status >= 500) {
      log::Error(
          "operation failed",
          {{"service", service_label}, {"operation", op_label}, {"error", result.error().message}});
    }
    return fail(e);
  }
  std::string out = call.out.empty() ? std::string("{}") : call.out.Take();
  return finish(JsonResponse(200, std::move(out), ctx.request_id, clock_.Now()), "OK");
}

}  // namespace coffer::api::aws_json
