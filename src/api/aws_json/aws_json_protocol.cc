#include "api/aws_json/aws_json_protocol.h"

#include <chrono>
#include <optional>

#include "api/aws_json/shape_validator.h"
#include "api/common/request_id.h"
#include "base/deferred_writes.h"
#include "base/logging.h"
#include "base/secret_bytes.h"
#include "base/strings.h"

namespace coffer::api::aws_json {
namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.1";

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

http::Response JsonResponse(int status, std::string body, std::string_view request_id,
                            Timestamp now) {
  http::Response r;
  r.status = status;
  r.headers.reserve(4);
  r.SetHeader("content-type", std::string(kContentType));
  r.SetHeader("x-amzn-requestid", std::string(request_id));
  r.SetHeader("date", HttpDate(now));
  r.body = std::move(body);
  return r;
}

// The answer while the audit trail cannot record events (fail-closed).
ApiError AuditUnavailable() {
  return ApiError{503, "ServiceUnavailableException",
                  "The audit trail cannot record this request, so it was refused (fail-closed). "
                  "Retry later; the operator must make the audit log writable.",
                  true};
}

}  // namespace

identity::RequestFacts CallContext::Facts() const {
  identity::RequestFacts f;
  f.now = received;
  f.region = region;
  if (http != nullptr) {
    f.source_ip = http->remote_address;
    f.secure = http->secure;
    f.user_agent = http->HeaderValue("user-agent");
  }
  return f;
}

Result<void> CallContext::Authorize(const identity::AccessRequest& request) const {
  if (unrestricted()) return Ok();
  if (!credential) return PermissionDeniedError("The request is not signed.");
  return authorizer->Authorize(*credential, Facts(), request);
}

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
                                    {"service", "operation"}, metrics::LatencyBuckets())) {
  unavailable_ = [this](std::string_view request_id) {
    return ErrorResponse(AuditUnavailable(), request_id);
  };
}

void AwsJsonProtocol::AddService(Service* service) {
  Route route{service, {}};
  std::string svc(service->signing_name());
  for (const Operation& op : service->operations()) {
    route.operations.emplace(op.name, OpEntry{&op, &requests_.With({svc, op.name, "OK"}),
                                              &latency_.With({svc, op.name})});
  }
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
  return route != nullptr && route->service->MayBlock(op) && !route->service->Deferrable(op);
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
  ctx.request_id = NewRequestId(random_);
  ctx.received = clock_.Now();
  ctx.http = &request;
  log::ScopedRequestId log_scope(ctx.request_id);

  std::string_view op_name;
  const Route* route = Find(request.HeaderValue("x-amz-target"), &op_name);
  std::string_view service_label = route ? route->service->signing_name() : "unknown";
  std::string_view op_label = "unknown";
  const OpEntry* entry = nullptr;
  AuditedCall audited;
  audited.service = service_label;
  audited.ctx = &ctx;
  // Every answer goes out through here: one audit event per call.
  auto seal = [&](http::Response r) {
    if (audit_ == nullptr) return r;
    return audit_->Seal(audit_->Build(audited), std::move(r), unavailable_);
  };
  auto finish = [&](http::Response r, std::string_view code) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (entry != nullptr && code == "OK") {
      entry->ok->Inc();
      entry->latency->Observe(secs);
    } else {
      requests_.With({service_label, op_label, code}).Inc();
      (entry ? *entry->latency : latency_.With({service_label, op_label})).Observe(secs);
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
  entry = &op_it->second;
  ctx.operation = op_it->first;
  audited.operation = op_label;
  if (request.method != "POST") {
    return fail(ApiError{400, "UnknownOperationException",
                         "awsJson1_1 operations are invoked with POST", false});
  }

  auto auth = verifier_.Verify(request, route->service->signing_name());
  if (auto* err = std::get_if<ApiError>(&auth)) return fail(*err);
  ctx.credential = std::get<Authenticated>(auth).credential;
  ctx.region = std::move(std::get<Authenticated>(auth).region);
  ctx.authorizer = authorizer_;

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
  const Operation& op = *op_it->second.op;
  if (op.input != nullptr) {
    if (auto invalid = ValidateInput(doc, *op.input)) return fail(*invalid);
  } else if (!doc.IsObject()) {
    return fail(
        ApiError{400, "SerializationException", "Start of list found where not expected", false});
  }

  audited.input = &doc;
  audited.input_shape = op.input;
  // A change is refused up front while the trail cannot record it, so that it is not made
  // unaudited; a read runs, and its answer is held back unless its event is written.
  if (audit_ != nullptr && !audit_->Accepting() && !AuditRecorder::IsReadOnly(op_label)) {
    return fail(AuditUnavailable());
  }

  Call call{ctx, JsonIn(&doc), JsonOut()};
  bool defer = route->service->Deferrable(op_name) && !request.retry_blocking;
  std::optional<DeferredWrites> scope;
  if (defer) scope.emplace();
  Result<void> result = route->service->Invoke(op_name, call);
  bool deferred = scope && scope->has_deferred();
  if (!result.has_value() && scope && result.error().reason == DeferredWrites::kWouldBlock) {
    // The operation would have to wait (another write to the same secret is in flight): decline
    // this provisional run, and the server handles the request again on a worker thread, after
    // any write this run already queued has settled.
    http::Response again;
    DeferredWrites::Pending pending = scope->pending();
    bool had_write = deferred;
    again.await = [pending, had_write](std::function<void(bool)> confirm) {
      if (!had_write) return confirm(false);
      pending.OnSettled([confirm = std::move(confirm)](const Result<void>&) { confirm(false); });
    };
    return again;
  }
  if (!result.has_value()) {
    if (deferred) {
      // Contract breach (see Service::Deferrable): never answer before the write settles.
      log::Error("operation failed after a deferred write", {{"operation", op_label}});
      (void)scope->WaitForEarlier();
    }
    ApiError e = route->service->MapError(result.error());
    if (e.status >= 500) {
      log::Error(
          "operation failed",
          {{"service", service_label}, {"operation", op_label}, {"error", result.error().message}});
    }
    return fail(e);
  }
  std::string out = call.out.empty() ? std::string("{}") : call.out.Take();
  std::optional<audit::Event> event;
  if (audit_ != nullptr) {
    audited.output = out;
    event = audit_->Build(audited);
  }
  http::Response response = JsonResponse(200, std::move(out), ctx.request_id, clock_.Now());
  auto seal_success = [&](http::Response r) {
    if (!event) return r;
    return audit_->Seal(std::move(*event), std::move(r), unavailable_);
  };
  if (!deferred) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    entry->ok->Inc();
    entry->latency->Observe(secs);
    return seal_success(std::move(response));
  }
  // Provisional: the server sends it once the write is durable, or handles the request again
  // (blocking) if the write lost a race or failed.
  DeferredWrites::Pending pending = scope->pending();
  response.await = [pending, entry, started](std::function<void(bool)> confirm) {
    pending.OnSettled([entry, started, confirm = std::move(confirm)](const Result<void>& r) {
      if (r.has_value()) {
        entry->ok->Inc();
        entry->latency->Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
      confirm(r.has_value());
    });
  };
  return seal_success(std::move(response));
}

}  // namespace coffer::api::aws_json
