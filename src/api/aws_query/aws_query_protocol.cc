#include "api/aws_query/aws_query_protocol.h"

#include <rapidjson/document.h>

#include <chrono>
#include <optional>

#include "api/aws_query/query_response.h"
#include "api/common/request_id.h"
#include "base/check.h"
#include "base/logging.h"
#include "base/secret_bytes.h"
#include "base/strings.h"

namespace coffer::api::aws_query {
namespace {

constexpr std::string_view kFormType = "application/x-www-form-urlencoded";
constexpr size_t kMaxEchoedAction = 128;

// The HTTP Date header, formatted once per second per thread.
const std::string& HttpDate(Timestamp now) {
  thread_local int64_t second = -1;
  thread_local std::string text;
  int64_t s = ToUnixMillis(now) / 1000;
  if (s != second) {
    second = s;
    text = FormatHttpDate(now);
  }
  return text;
}

bool IsForm(const http::Request& request) {
  std::string_view type = request.HeaderValue("content-type");
  return EqualsIgnoreCase(TrimWhitespace(type.substr(0, type.find(';'))), kFormType);
}

// SigV4Verifier speaks the JSON protocols' codes; the query services use their own, and 403 for
// credentials that are wrong rather than malformed.
ApiError ToQueryError(ApiError e) {
  e.lowercase_message = false;
  if (e.code == "InvalidSignatureException") {
    e.code = "SignatureDoesNotMatch";
    e.status = 403;
  } else if (e.code == "UnrecognizedClientException") {
    e.code = "InvalidClientTokenId";
    e.status = 403;
  } else if (e.code == "MissingAuthenticationTokenException") {
    e.code = "MissingAuthenticationToken";
    e.status = 403;
  } else if (e.code == "IncompleteSignatureException") {
    e.code = "IncompleteSignature";
    e.status = 400;
  } else if (e.code == "ExpiredTokenException") {
    e.code = "ExpiredToken";
    e.status = 400;
  }
  return e;
}

std::string_view Param(const std::vector<FormParam>& params, std::string_view name,
                       bool* present = nullptr) {
  for (const FormParam& p : params) {
    if (p.name == name) {
      if (present != nullptr) *present = true;
      return p.value;
    }
  }
  if (present != nullptr) *present = false;
  return {};
}

std::string Truncated(std::string_view s) {
  return s.size() > kMaxEchoedAction ? std::string(s.substr(0, kMaxEchoedAction)) + "..."
                                     : std::string(s);
}

}  // namespace

RequestMetrics RequestMetrics::Register(metrics::Registry& registry) {
  return {&registry.NewCounter("coffer_requests_total",
                               "API requests by service, operation and result code.",
                               {"service", "operation", "code"}),
          &registry.NewHistogram("coffer_request_duration_seconds",
                                 "API request latency by service and operation.",
                                 {"service", "operation"}, metrics::LatencyBuckets())};
}

AwsQueryProtocol::AwsQueryProtocol(const SigV4Verifier& verifier, crypto::Random& random,
                                   const Clock& clock, RequestMetrics metrics)
    : verifier_(verifier), random_(random), clock_(clock), metrics_(metrics) {
  unavailable_ = [this](std::string_view request_id) {
    return ErrorResponse({503, "ServiceUnavailable",
                          "The audit trail cannot record this request, so it was refused "
                          "(fail-closed). Retry later; the operator must make the audit log "
                          "writable.",
                          false},
                         request_id);
  };
}

void AwsQueryProtocol::AddService(QueryService* service) {
  const QueryModel& model = service->model();
  Route route{service, ShapeNames(model), {}};
  std::string svc(service->signing_name());
  for (const QueryOperation& op : model.operations) {
    route.operations.emplace(op.name, OpEntry{&op, &metrics_.requests->With({svc, op.name, "OK"}),
                                              &metrics_.latency->With({svc, op.name})});
  }
  auto [it, inserted] = routes_.emplace(svc, std::move(route));
  COFFER_CHECK(inserted, "two query services share a signing name");
  for (const QueryOperation& op : model.operations) {
    if (op.is_unsigned) unsigned_.emplace(op.name, &it->second);
  }
}

bool AwsQueryProtocol::Accepts(const http::Request& request) const {
  if (request.HasHeader("x-amz-target")) return false;
  if (request.method == "POST") return IsForm(request);
  if (request.method == "GET") return FindFormValue(request.Query(), "Action").has_value();
  return false;
}

const AwsQueryProtocol::Route* AwsQueryProtocol::FindRoute(const http::Request& request,
                                                           std::string_view action) const {
  std::string_view authorization = request.HeaderValue("authorization");
  if (!authorization.empty()) {
    auto parsed = ParseSigV4Authorization(authorization);
    const auto* auth = std::get_if<SigV4Authorization>(&parsed);
    if (auth == nullptr) return nullptr;
    auto it = routes_.find(auth->service);
    return it == routes_.end() ? nullptr : &it->second;
  }
  auto it = unsigned_.find(action);
  return it == unsigned_.end() ? nullptr : it->second;
}

bool AwsQueryProtocol::MayBlock(const http::Request& request) const {
  std::string_view form =
      request.method == "POST" ? std::string_view(request.body) : request.Query();
  auto action = FindFormValue(form, "Action");
  if (!action) return false;
  const Route* route = FindRoute(request, *action);
  return route != nullptr && route->operations.find(*action) != route->operations.end() &&
         route->service->MayBlock(*action);
}

std::string_view AwsQueryProtocol::DefaultNamespace(std::string_view action) const {
  for (const auto& [name, route] : routes_) {
    if (route.operations.find(action) != route.operations.end()) {
      return route.service->model().xml_namespace;
    }
  }
  return routes_.empty() ? std::string_view()
                         : routes_.begin()->second.service->model().xml_namespace;
}

http::Response AwsQueryProtocol::XmlResponse(int status, std::string body,
                                             std::string_view request_id) const {
  http::Response r;
  r.status = status;
  r.headers.reserve(3);
  r.SetHeader("content-type", "text/xml");
  r.SetHeader("x-amzn-requestid", std::string(request_id));
  r.SetHeader("date", HttpDate(clock_.Now()));
  r.body = std::move(body);
  return r;
}

http::Response AwsQueryProtocol::ErrorResponse(const ApiError& error,
                                               std::string_view request_id) const {
  return XmlResponse(error.status, EncodeError(error, DefaultNamespace({}), request_id),
                     request_id);
}

http::Response AwsQueryProtocol::Handle(http::Request& request) {
  auto started = std::chrono::steady_clock::now();
  aws_json::CallContext ctx;
  ctx.request_id = NewRequestId(random_);
  ctx.received = clock_.Now();
  ctx.http = &request;
  ctx.authorizer = authorizer_;
  log::ScopedRequestId log_scope(ctx.request_id);

  std::string_view service_label = "unknown";
  std::string_view op_label = "unknown";
  std::string_view xml_namespace = DefaultNamespace({});
  const OpEntry* entry = nullptr;
  aws_json::AuditedCall audited;
  audited.ctx = &ctx;
  std::optional<audit::Event> prebuilt;  // built before the output was moved into the response
  // Every answer goes out through here: one audit event per call.
  auto seal = [&](http::Response r) {
    if (audit_ == nullptr) return r;
    audited.service = service_label == "unknown" ? std::string_view() : service_label;
    audited.operation = op_label == "unknown" ? std::string_view() : op_label;
    return audit_->Seal(prebuilt ? std::move(*prebuilt) : audit_->Build(audited), std::move(r),
                        unavailable_);
  };
  auto finish = [&](http::Response r, std::string_view code) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (entry != nullptr && code == "OK") {
      entry->ok->Inc();
      entry->latency->Observe(secs);
    } else {
      metrics_.requests->With({service_label, op_label, code}).Inc();
      (entry ? *entry->latency : metrics_.latency->With({service_label, op_label})).Observe(secs);
    }
    return seal(std::move(r));
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
    audited.error = &e;
    return finish(
        XmlResponse(e.status, EncodeError(e, xml_namespace, ctx.request_id), ctx.request_id),
        e.code);
  };

  std::string_view form;
  if (request.method == "POST") {
    if (!IsForm(request)) {
      return fail(ApiError{400, "MalformedQueryString",
                           "A POST request must carry a form body (Content-Type: "
                           "application/x-www-form-urlencoded).",
                           false});
    }
    form = request.body;
  } else if (request.method == "GET") {
    form = request.Query();
  } else {
    return fail(
        ApiError{400, "InvalidAction", "Query actions are invoked with GET or POST.", false});
  }
  auto parsed = ParseForm(form);
  if (auto* err = std::get_if<ApiError>(&parsed)) return fail(*err);
  const std::vector<FormParam>& params = std::get<std::vector<FormParam>>(parsed);
  bool has_version = false;
  std::string_view action = Param(params, "Action");
  std::string_view version = Param(params, "Version", &has_version);
  xml_namespace = DefaultNamespace(action);

  // Authenticate first: an unsigned caller learns nothing about which actions exist.
  const Route* route = nullptr;
  std::string_view authorization = request.HeaderValue("authorization");
  if (!authorization.empty()) {
    auto parsed_auth = ParseSigV4Authorization(authorization);
    if (auto* err = std::get_if<ApiError>(&parsed_auth)) return fail(ToQueryError(*err));
    const std::string& scope_service = std::get<SigV4Authorization>(parsed_auth).service;
    auto it = routes_.find(scope_service);
    if (it == routes_.end()) {
      std::string served;
      for (const auto& [name, r] : routes_) served += (served.empty() ? "'" : ", '") + name + "'";
      return fail(ApiError{403, "SignatureDoesNotMatch",
                           "Credential should be scoped to a service this endpoint serves (" +
                               served + "), not '" + Truncated(scope_service) + "'.",
                           false});
    }
    route = &it->second;
    service_label = route->service->signing_name();
    xml_namespace = route->service->model().xml_namespace;
    auto auth = verifier_.Verify(request, route->service->signing_name());
    if (auto* err = std::get_if<ApiError>(&auth)) return fail(ToQueryError(*err));
    ctx.credential = std::get<Authenticated>(auth).credential;
    ctx.region = std::move(std::get<Authenticated>(auth).region);
  } else {
    auto it = unsigned_.find(action);
    if (it == unsigned_.end()) {
      return fail(ApiError{403, "MissingAuthenticationToken",
                           "Request is missing Authentication Token", false});
    }
    route = it->second;
    service_label = route->service->signing_name();
    xml_namespace = route->service->model().xml_namespace;
  }

  const QueryModel& model = route->service->model();
  if (action.empty()) {
    return fail(
        ApiError{400, "MissingAction", "The request must contain the parameter Action.", false});
  }
  auto op_it = route->operations.find(action);
  if (op_it == route->operations.end() || !has_version || version != model.api_version) {
    return fail(ApiError{400, "InvalidAction",
                         "Could not find operation " + Truncated(action) + " for version " +
                             (has_version ? Truncated(version) : "NO_VERSION_SPECIFIED"),
                         false});
  }
  op_label = op_it->first;
  entry = &op_it->second;
  ctx.operation = op_it->first;
  const QueryOperation& op = *entry->op;
  if (!route->service->Implements(op_label)) {
    return fail(ApiError{400, "InvalidAction",
                         "Coffer does not implement " + std::string(service_label) + ":" +
                             std::string(op_label) + " yet.",
                         false});
  }

  rapidjson::Document doc;
  if (auto invalid = DecodeInput(params, op.input, route->names, doc)) return fail(*invalid);
  audited.input = &doc;
  audited.input_shape = op.input;
  // As in AwsJsonProtocol: changes are refused up front while the trail is not writable.
  if (audit_ != nullptr && !audit_->Accepting() && !aws_json::AuditRecorder::IsReadOnly(op_label)) {
    return fail(ApiError{503, "ServiceUnavailable",
                         "The audit trail cannot record this request, so it was refused "
                         "(fail-closed). Retry later; the operator must make the audit log "
                         "writable.",
                         false});
  }
  aws_json::Call call{ctx, aws_json::JsonIn(&doc), aws_json::JsonOut()};
  Result<void> result = route->service->Invoke(op_label, call);
  if (!result.has_value()) {
    ApiError e = route->service->MapError(result.error());
    if (e.status >= 500) {
      log::Error(
          "operation failed",
          {{"service", service_label}, {"operation", op_label}, {"error", result.error().message}});
    }
    return fail(e);
  }
  std::string json = call.out.empty() ? std::string("{}") : call.out.Take();
  auto xml = EncodeResponse(json, op, route->names, xml_namespace, ctx.request_id);
  if (audit_ != nullptr && xml.has_value()) {
    audited.service = service_label;
    audited.operation = op_label;
    audited.output = json;
    prebuilt = audit_->Build(audited);
  }
  SecureWipe(json.data(), json.size());  // STS and IAM answers carry secret access keys
  if (!xml.has_value()) {
    log::Error(
        "operation output does not fit its model",
        {{"service", service_label}, {"operation", op_label}, {"error", xml.error().message}});
    return fail(ApiError{500, "InternalFailure",
                         "The server could not encode the response; the request id is in its log.",
                         false});
  }
  return finish(XmlResponse(200, std::move(*xml), ctx.request_id), "OK");
}

}  // namespace coffer::api::aws_query
