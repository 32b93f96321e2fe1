#include "api/common/sigv4.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/secret_bytes.h"
#include "base/strings.h"
#include "core/common/account.h"
#include "core/identity/identity_service.h"

namespace coffer::api {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

ApiError Incomplete(std::string message) {
  return ApiError{400, "IncompleteSignatureException", std::move(message), true};
}
ApiError InvalidSignature(std::string message) {
  return ApiError{400, "InvalidSignatureException", std::move(message), true};
}

// Trims and collapses runs of spaces, as SigV4's canonical header values require.
std::string CanonicalHeaderValue(std::string_view v) {
  v = TrimWhitespace(v);
  std::string out;
  out.reserve(v.size());
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Removes "." and ".." segments; keeps a trailing slash.
std::string NormalizePath(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  for (std::string_view seg : Split(path, '/')) {
    if (seg == "." || seg.empty()) continue;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(seg);
  }
  std::string result = "/";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result.append(out[i]);
  }
  if (path.size() > 1 && path.back() == '/' && result.size() > 1) result += '/';
  return result;
}

std::string CanonicalQuery(std::string_view query) {
  if (query.empty()) return {};
  std::vector<std::pair<std::string, std::string>> params;
  for (std::string_view part : Split(query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view k = part.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    auto dk = UriDecode(k, true), dv = UriDecode(v, true);
    params.emplace_back(UriEncode(dk ? *dk : std::string(k)), UriEncode(dv ? *dv : std::string(v)));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out += '&';
    out += params[i].first + "=" + params[i].second;
  }
  return out;
}

std::string HexDigest(const crypto::Sha256Digest& d) { return HexEncode(d); }

}  // namespace

std::variant<SigV4Authorization, ApiError> ParseSigV4Authorization(std::string_view header) {
  std::string_view h = TrimWhitespace(header);
  size_t sp = h.find(' ');
  std::string_view algorithm = h.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : h.substr(sp + 1);
  if (algorithm != kAlgorithm) {
    return Incomplete("Unsupported AWS 'algorithm': '" + std::string(algorithm) + "'.");
  }
  SigV4Authorization a;
  bool have_credential = false, have_signature = false, have_signed = false;
  for (std::string_view part : Split(rest, ',')) {
    part = TrimWhitespace(part);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return Incomplete("'" + std::string(part) +
                        "' not a valid key=value pair (missing equal-sign) in Authorization "
                        "header: '" +
                        std::string(header) + "'.");
    }
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "Credential") {
      auto pieces = Split(value, '/');
      if (pieces.size() != 5) {
        return Incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            "keyid/date/region/service/term, got '" +
            std::string(value) + "'");
      }
      a.access_key_id = pieces[0];
      a.date = pieces[1];
      a.region = pieces[2];
      a.service = pieces[3];
      a.terminator = pieces[4];
      have_credential = true;
    } else if (key == "SignedHeaders") {
      a.signed_headers_raw = value;
      for (std::string_view n : Split(value, ';')) a.signed_headers.push_back(AsciiLower(n));
      have_signed = !value.empty();
    } else if (key == "Signature") {
      a.signature = AsciiLower(value);
      have_signature = !value.empty();
    }
  }
  std::string missing;
  if (!have_credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!have_signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!have_signed) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!missing.empty()) return Incomplete(missing + "Authorization=" + std::string(algorithm));
  return a;
}

std::string CanonicalRequest(const http::Request& request, const SigV4Authorization& auth,
                             std::string_view payload_hash) {
  std::string out;
  out.reserve(512);
  out += request.method;
  out += '\n';
  out += UriEncode(NormalizePath(request.Path()), /*encode_slash=*/false);
  out += '\n';
  out += CanonicalQuery(request.Query());
  out += '\n';
  for (const std::string& name : auth.signed_headers) {
    out += name;
    out += ':';
    bool first = true;
    for (const http::Header& h : request.headers) {
      if (h.name != name) continue;
      if (!first) out += ',';
      out += CanonicalHeaderValue(h.value);
      first = false;
    }
    out += '\n';
  }
  out += '\n';
  out += auth.signed_headers_raw;
  out += '\n';
  out.append(payload_hash);
  return out;
}

SigV4Verifier::SigV4Verifier(const crypto::Hashes& hashes, const Clock& clock,
                             SessionCredentialLookup lookup, std::chrono::seconds max_skew)
    : hashes_(hashes), clock_(clock), lookup_(std::move(lookup)), max_skew_(max_skew) {}

SigV4Verifier::SigV4Verifier(const crypto::Hashes& hashes, const Clock& clock,
                             CredentialLookup lookup, std::chrono::seconds max_skew)
    : SigV4Verifier(
          hashes, clock,
          [lookup = std::move(lookup)](std::string_view id, std::string_view) {
            return lookup(id);
          },
          max_skew) {}

std::array<uint8_t, 32> SigV4Verifier::SigningKey(
    const std::shared_ptr<const identity::Credential>& cred, const SigV4Authorization& auth) const {
  std::string cache_key =
      cred->access_key_id + '/' + auth.date + '/' + auth.region + '/' + auth.service;
  {
    // A cached key is valid only for the very credential object it was derived from, so a
    // replaced or revoked secret never matches a stale entry.
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && it->second.keep.lock() == cred) return it->second.key;
  }
  std::string k_secret = "AWS4";
  k_secret.append(cred->secret.view());
  auto k_date = hashes_.HmacSha256(k_secret, auth.date);
  SecureWipe(k_secret.data(), k_secret.size());
  auto k_region = hashes_.HmacSha256(k_date, auth.region);
  auto k_service = hashes_.HmacSha256(k_region, auth.service);
  auto k_signing = hashes_.HmacSha256(k_service, "aws4_request");
  std::lock_guard lock(cache_mu_);
  if (cache_.size() > 10000) cache_.clear();
  cache_[cache_key] = CachedKey{cred, k_signing};
  return k_signing;
}

std::variant<Authenticated, ApiError> SigV4Verifier::Verify(const http::Request& request,
                                                            std::string_view service) const {
  std::string_view header = request.HeaderValue("authorization");
  if (header.empty()) {
    return ApiError{400, "MissingAuthenticationTokenException", "Missing Authentication Token",
                    true};
  }
  auto parsed = ParseSigV4Authorization(header);
  if (auto* err = std::get_if<ApiError>(&parsed)) return *err;
  SigV4Authorization& auth = std::get<SigV4Authorization>(parsed);

  std::string_view amz_date = request.HeaderValue("x-amz-date");
  if (amz_date.empty()) {
    return Incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a "
        "'Date' header. Authorization=" +
        std::string(kAlgorithm));
  }
  auto signed_at = ParseAmzDate(amz_date);
  if (!signed_at) {
    return Incomplete("Date must be in ISO-8601 'basic format'. Got '" + std::string(amz_date) +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  Timestamp now = clock_.Now();
  std::string skew_minutes = std::to_string(max_skew_.count() / 60);
  if (*signed_at < now - max_skew_) {
    return InvalidSignature("Signature expired: " + std::string(amz_date) +
                            " is now earlier than " + FormatAmzDate(now - max_skew_) + " (" +
                            FormatAmzDate(now) + " - " + skew_minutes + " min.)");
  }
  if (*signed_at > now + max_skew_) {
    return InvalidSignature("Signature not yet current: " + std::string(amz_date) +
                            " is still later than " + FormatAmzDate(now + max_skew_) + " (" +
                            FormatAmzDate(now) + " + " + skew_minutes + " min.)");
  }
  std::string scope_errors;
  if (!core::IsValidRegionName(auth.region)) {
    scope_errors += "Credential should be scoped to a valid region, not '" + auth.region + "'. ";
  }
  if (auth.service != service) {
    scope_errors +=
        "Credential should be scoped to correct service: '" + std::string(service) + "'. ";
  }
  if (auth.terminator != "aws4_request") {
    scope_errors += "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                    auth.terminator + "'. ";
  }
  if (auth.date != amz_date.substr(0, 8)) {
    scope_errors +=
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
        "date from HTTP: '" +
        auth.date + "' != '" + std::string(amz_date.substr(0, 8)) + "', from '" +
        std::string(amz_date) + "'.";
  }
  if (!scope_errors.empty()) return InvalidSignature(std::move(scope_errors));
  if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), "host") ==
      auth.signed_headers.end()) {
    return InvalidSignature(
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
        "Authorization.");
  }

  std::string_view token = request.HeaderValue("x-amz-security-token");
  auto cred = lookup_(auth.access_key_id, token);
  if (!cred.has_value()) {
    if (cred.error().reason == identity::reason::kExpiredCredentials) {
      return ApiError{400, "ExpiredTokenException",
                      "The security token included in the request is expired", true};
    }
    if (cred.error().code == ErrorCode::kUnavailable) {
      return ApiError{503, "ServiceUnavailable", cred.error().message, false};
    }
    return ApiError{400, "UnrecognizedClientException",
                    "The security token included in the request is invalid.", true};
  }
  const identity::Credential& c = **cred;
  // Session credentials are only valid with their token; long-term keys never carry one.
  bool has_token = request.HasHeader("x-amz-security-token");
  bool is_session =
      c.principal.type == identity::PrincipalType::kAssumedRole || c.expires.has_value();
  if (has_token != is_session ||
      (!c.session_token.empty() && !ConstantTimeEquals(c.session_token, token))) {
    return ApiError{400, "UnrecognizedClientException",
                    "The security token included in the request is invalid.", true};
  }

  std::string payload_hash = HexDigest(hashes_.Sha256(request.body));
  std::string_view declared = request.HeaderValue("x-amz-content-sha256");
  if (!declared.empty()) {
    if (declared == kUnsignedPayload) {
      if (!request.secure) {
        return InvalidSignature("UNSIGNED-PAYLOAD is only accepted over HTTPS.");
      }
      payload_hash = std::string(kUnsignedPayload);
    } else if (!ConstantTimeEquals(AsciiLower(declared), payload_hash)) {
      return InvalidSignature(
          "The provided 'x-amz-content-sha256' header does not match what "
          "was computed.");
    }
  }
  std::string canonical = CanonicalRequest(request, auth, payload_hash);
  std::string scope = auth.date + "/" + auth.region + "/" + auth.service + "/aws4_request";
  std::string string_to_sign = std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" +
                               scope + "\n" + HexDigest(hashes_.Sha256(canonical));
  auto key = SigningKey(*cred, auth);
  std::string expected = HexEncode(hashes_.HmacSha256(key, string_to_sign));
  if (!ConstantTimeEquals(expected, auth.signature)) {
    return InvalidSignature(
        "The request signature we calculated does not match the signature you provided. Check "
        "your AWS Secret Access Key and signing method. Consult the service documentation for "
        "details.\n\nThe Canonical String for this request should have been\n'" +
        canonical + "'\n\nThe String-to-Sign should have been\n'" + string_to_sign + "'\n");
  }
  return Authenticated{*cred, auth.region};
}

}  // namespace coffer::api
