#include "server/sys_api.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "base/clock.h"
#include "base/logging.h"
#include "oidc/jwks.h"

namespace coffer::server {
namespace {

http::Response Json(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.SetHeader("content-type", "application/json");
  r.SetHeader("cache-control", "no-store");
  r.body = std::move(body);
  return r;
}

http::Response ErrorJson(int status, std::string_view message) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("errors");
  w.StartArray();
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndArray();
  w.EndObject();
  return Json(status, std::string(sb.GetString(), sb.GetSize()));
}

int HttpStatus(const Error& e) {
  if (e.reason == "ROOT_ROTATION_PENDING") return 409;
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kDataLoss:
      return 400;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kAborted:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 412;
    case ErrorCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

http::Response FromError(const Error& e) { return ErrorJson(HttpStatus(e), e.message); }

http::Response StatusJson(const SealStatus& s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("sealed");
  w.Bool(s.sealed);
  w.Key("provider");
  w.String(std::string(RootProviderName(s.provider)).c_str());
  w.Key("threshold");
  w.Int(s.threshold);
  w.Key("shares");
  w.Int(s.shares);
  w.Key("progress");
  w.Int(s.progress);
  if (!s.sealed) {
    w.Key("term");
    w.Uint(s.term);
  }
  w.EndObject();
  return Json(200, std::string(sb.GetString(), sb.GetSize()));
}

http::Response RotationStatusJson(const RootRotationStatus& s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("pending");
  w.Bool(s.pending);
  if (s.pending || s.complete) {
    w.Key("nonce");
    w.String(s.nonce.c_str());
  }
  if (s.pending) {
    w.Key("started");
    w.String(FormatIso8601(s.started).c_str());
  }
  if (s.complete) {
    w.Key("complete");
    w.Bool(true);
  }
  w.Key("progress");
  w.Int(s.progress);
  w.Key("threshold");
  w.Int(s.threshold);
  w.Key("shares");
  w.Int(s.shares);
  w.EndObject();
  return Json(200, std::string(sb.GetString(), sb.GetSize()));
}

// Parses an optional JSON object body; nullopt when it is not one.
std::optional<rapidjson::Document> ParseObject(const std::string& body) {
  rapidjson::Document doc;
  if (body.empty()) {
    doc.SetObject();
    return doc;
  }
  // Iterative: the body is unauthenticated, and recursion depth would be the attacker's.
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  return doc;
}

}  // namespace

std::optional<http::Response> SysApi::RequireRoot(const http::Request& request) const {
  auto verified = verifier_.Verify(request, kSigningName);
  if (auto* err = std::get_if<api::ApiError>(&verified)) {
    return ErrorJson(err->status, err->code + ": " + err->message);
  }
  const auto& auth = std::get<api::Authenticated>(verified);
  if (auth.credential->principal.type != identity::PrincipalType::kRoot) {
    log::Warn("operator endpoint refused: not the account root",
              {{"path", std::string(request.Path())}, {"arn", auth.credential->principal.arn}});
    return ErrorJson(403, "only the account root may call " + std::string(request.Path()));
  }
  return std::nullopt;
}

http::Response SysApi::Handle(const http::Request& request) {
  std::string_view path = request.Path();
  if (path == "/sys/seal-status") {
    if (request.method != "GET" && request.method != "HEAD") {
      return ErrorJson(405, "use GET");
    }
    return StatusJson(root_of_trust_.Status());
  }
  if (path == "/sys/rotate-root/status") {
    if (request.method != "GET" && request.method != "HEAD") {
      return ErrorJson(405, "use GET");
    }
    auto status = root_of_trust_.RotateRootStatus();
    if (!status.has_value()) return FromError(status.error());
    return RotationStatusJson(*status);
  }
  if (request.method != "POST") {
    if (path == "/sys/unseal" || path == "/sys/seal" || path == "/sys/rotate-root" ||
        path == "/sys/rotate-root/verify" || path == "/sys/rotate-root/cancel" ||
        path == "/sys/rotate-keyring" || path == "/sys/oidc-provider-jwks") {
      return ErrorJson(405, "use POST");
    }
    return ErrorJson(404, "no such endpoint");
  }
  if (path == "/sys/unseal") {
    rapidjson::Document doc;
    if (!request.body.empty()) {
      doc.Parse<rapidjson::kParseIterativeFlag>(request.body.data(), request.body.size());
    }
    if (request.body.empty() || doc.HasParseError() || !doc.IsObject()) {
      if (!request.body.empty()) return ErrorJson(400, "the body must be a JSON object");
      doc.SetObject();
    }
    auto reset = doc.FindMember("reset");
    if (reset != doc.MemberEnd() && reset->value.IsBool() && reset->value.GetBool()) {
      root_of_trust_.ResetProgress();
      return StatusJson(root_of_trust_.Status());
    }
    std::string_view key;
    auto k = doc.FindMember("key");
    if (k != doc.MemberEnd()) {
      if (!k->value.IsString()) return ErrorJson(400, "\"key\" must be a string");
      key = std::string_view(k->value.GetString(), k->value.GetStringLength());
    }
    auto status = root_of_trust_.Unseal(key);
    // The document held a share: wipe it before it is freed.
    if (k != doc.MemberEnd() && k->value.IsString()) {
      SecureWipe(const_cast<char*>(k->value.GetString()), k->value.GetStringLength());
    }
    if (!status.has_value()) return FromError(status.error());
    return StatusJson(*status);
  }
  if (path == "/sys/seal") {
    // Sealing an already sealed server changes nothing; anything else needs the root.
    if (root_of_trust_.Status().sealed) return StatusJson(root_of_trust_.Status());
    if (auto denied = RequireRoot(request)) return *denied;
    root_of_trust_.Seal();
    return StatusJson(root_of_trust_.Status());
  }
  if (path == "/sys/rotate-root") {
    if (auto denied = RequireRoot(request)) return *denied;
    auto rotation = root_of_trust_.RotateRoot();
    if (!rotation.has_value()) return FromError(rotation.error());
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("provider");
    w.String(std::string(RootProviderName(root_of_trust_.provider())).c_str());
    w.Key("keys");
    w.StartArray();
    for (const std::string& s : rotation->shares) w.String(s.c_str());
    w.EndArray();
    if (!rotation->nonce.empty()) {
      w.Key("nonce");
      w.String(rotation->nonce.c_str());
      w.Key("verification_required");
      w.Bool(true);
    }
    w.EndObject();
    http::Response r = Json(200, std::string(sb.GetString(), sb.GetSize()));
    for (std::string& s : rotation->shares) SecureWipe(s.data(), s.size());
    SecureWipe(const_cast<char*>(sb.GetString()), sb.GetSize());
    return r;
  }
  if (path == "/sys/rotate-root/verify") {
    // No SigV4, as for /sys/unseal: the new shares are the credential (Vault's rekey/verify).
    auto doc = ParseObject(request.body);
    if (!doc) return ErrorJson(400, "the body must be a JSON object");
    auto n = doc->FindMember("nonce");
    auto k = doc->FindMember("key");
    if (n == doc->MemberEnd() || !n->value.IsString()) {
      return ErrorJson(400,
                       "\"nonce\" (the pending rotation's, from /sys/rotate-root/status) "
                       "is required");
    }
    if (k == doc->MemberEnd() || !k->value.IsString()) {
      return ErrorJson(400, "\"key\" (one of the new unseal keys) is required");
    }
    auto status = root_of_trust_.VerifyRotateRoot(
        std::string_view(n->value.GetString(), n->value.GetStringLength()),
        std::string_view(k->value.GetString(), k->value.GetStringLength()));
    SecureWipe(const_cast<char*>(k->value.GetString()), k->value.GetStringLength());
    if (!status.has_value()) return FromError(status.error());
    return RotationStatusJson(*status);
  }
  if (path == "/sys/rotate-root/cancel") {
    if (auto denied = RequireRoot(request)) return *denied;
    auto cancelled = root_of_trust_.CancelRotateRoot();
    if (!cancelled.has_value()) return FromError(cancelled.error());
    auto status = root_of_trust_.RotateRootStatus();
    if (!status.has_value()) return FromError(status.error());
    return RotationStatusJson(*status);
  }
  if (path == "/sys/rotate-keyring") {
    if (auto denied = RequireRoot(request)) return *denied;
    auto term = root_of_trust_.RotateKeyring();
    if (!term.has_value()) return FromError(term.error());
    return Json(200, "{\"term\":" + std::to_string(*term) + "}");
  }
  if (path == "/sys/oidc-provider-jwks" && iam_ != nullptr) {
    if (auto denied = RequireRoot(request)) return *denied;
    return SetOidcJwks(request);
  }
  return ErrorJson(404, "no such endpoint");
}

http::Response SysApi::SetOidcJwks(const http::Request& request) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
      request.body.data(), request.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return ErrorJson(400, "the body must be a JSON object {\"arn\", \"jwks\"}");
  }
  auto arn = doc.FindMember("arn");
  auto jwks = doc.FindMember("jwks");
  if (arn == doc.MemberEnd() || !arn->value.IsString() || jwks == doc.MemberEnd() ||
      !jwks->value.IsString()) {
    return ErrorJson(400, "\"arn\" and \"jwks\" must be strings");
  }
  std::string text(jwks->value.GetString(), jwks->value.GetStringLength());
  if (!text.empty()) {
    size_t skipped = 0;
    auto keys = oidc::ParseJwks(text, &skipped);
    if (!keys.has_value()) return ErrorJson(400, "the JWKS is not valid: " + keys.error().message);
    if (keys->empty()) return ErrorJson(400, "the JWKS has no usable signing key (RSA or EC)");
  }
  auto done = iam_->SetOidcProviderJwks(
      std::string_view(arn->value.GetString(), arn->value.GetStringLength()), std::move(text));
  if (!done.has_value()) return FromError(done.error());
  return Json(200, "{}");
}

}  // namespace coffer::server
