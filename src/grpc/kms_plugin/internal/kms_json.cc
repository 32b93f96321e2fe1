#include "grpc/kms_plugin/internal/kms_json.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <set>
#include <utility>

#include "base/encoding.h"

namespace coffer::kmsplugin::internal {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void String(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void Context(Writer& w, const EncryptionContext& context) {
  if (context.empty()) return;
  w.Key("EncryptionContext");
  w.StartObject();
  for (const auto& [k, v] : context) {
    String(w, k);
    String(w, v);
  }
  w.EndObject();
}

std::string Body(std::string_view key_ref, const char* blob_name, std::string_view blob,
                 const EncryptionContext& context) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("KeyId");
  String(w, key_ref);
  w.Key(blob_name);
  std::string b64 = Base64Encode(blob);
  String(w, b64);
  SecureWipe(b64.data(), b64.size());
  Context(w, context);
  w.EndObject();
  std::string out(buf.GetString(), buf.GetSize());
  SecureWipe(const_cast<char*>(buf.GetString()), buf.GetSize());
  return out;
}

// At most 300 bytes, printable ASCII only: error text ends up in logs and in healthz.
std::string Sanitize(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 300)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

std::optional<std::string_view> StringMember(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string_view(it->value.GetString(), it->value.GetStringLength());
}

// Parses a 200 body with the two string members every answer here has: a base64 blob and KeyId.
Result<std::pair<std::string, std::string>> BlobAndKey(std::string_view body,
                                                       const char* blob_name) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(body.data(),
                                                                                    body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return InternalError("KMS answered with a body that is not a JSON object");
  }
  auto blob = StringMember(doc, blob_name);
  auto key = StringMember(doc, "KeyId");
  if (!blob || !key || key->empty()) {
    return InternalError(std::string("KMS answered without ") + blob_name + " or KeyId");
  }
  auto decoded = Base64Decode(*blob);
  // The Plaintext member is secret: wipe rapidjson's copy.
  SecureWipe(const_cast<char*>(blob->data()), blob->size());
  if (!decoded) return InternalError(std::string("KMS answered with a malformed ") + blob_name);
  return std::make_pair(std::move(*decoded), std::string(*key));
}

}  // namespace

std::string EncryptRequestBody(std::string_view key_ref, std::string_view plaintext,
                               const EncryptionContext& context) {
  return Body(key_ref, "Plaintext", plaintext, context);
}

std::string DecryptRequestBody(std::string_view key_ref, std::string_view blob,
                               const EncryptionContext& context) {
  return Body(key_ref, "CiphertextBlob", blob, context);
}

Result<KmsCiphertext> ParseEncryptResponse(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(auto parts, BlobAndKey(body, "CiphertextBlob"));
  if (parts.first.empty()) return InternalError("KMS answered with an empty CiphertextBlob");
  return KmsCiphertext{std::move(parts.first), std::move(parts.second)};
}

Result<KmsPlaintext> ParseDecryptResponse(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(auto parts, BlobAndKey(body, "Plaintext"));
  KmsPlaintext out{SecretBytes::TakeFrom(parts.first), std::move(parts.second)};
  return out;
}

Error ParseErrorResponse(int http_status, std::string_view body) {
  std::string type, message;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    if (auto t = StringMember(doc, "__type")) {
      std::string_view v = *t;
      if (size_t hash = v.rfind('#'); hash != std::string_view::npos) v = v.substr(hash + 1);
      if (size_t colon = v.find(':'); colon != std::string_view::npos) v = v.substr(0, colon);
      type = Sanitize(v);
    }
    for (const char* name : {"message", "Message"}) {
      if (auto m = StringMember(doc, name)) {
        message = Sanitize(*m);
        break;
      }
    }
  }
  std::string what = (type.empty() ? "HTTP " + std::to_string(http_status) : type) +
                     (message.empty() ? "" : ": " + message);
  static const std::set<std::string, std::less<>> kUnavailable = {
      "ServiceUnavailableException", "DependencyTimeoutException", "KMSInternalException",
      "InternalFailure", "ServiceUnavailable"};
  static const std::set<std::string, std::less<>> kInvalid = {
      "InvalidCiphertextException", "IncorrectKeyException",    "ValidationException",
      "InvalidKeyUsageException",   "InvalidArnException",      "SerializationException",
      "InvalidGrantTokenException", "UnknownOperationException"};
  static const std::set<std::string, std::less<>> kPrecondition = {
      "DisabledException", "KMSInvalidStateException", "KeyUnavailableException"};
  static const std::set<std::string, std::less<>> kUnauthenticated = {"UnrecognizedClientException",
                                                                      "InvalidSignatureException",
                                                                      "IncompleteSignature",
                                                                      "InvalidClientTokenId",
                                                                      "ExpiredTokenException",
                                                                      "MissingAuthenticationToken",
                                                                      "RequestExpired",
                                                                      "SignatureDoesNotMatch"};
  static const std::set<std::string, std::less<>> kThrottled = {
      "ThrottlingException", "LimitExceededException", "TooManyRequestsException"};
  if (type == "NotFoundException") return NotFoundError(std::move(what));
  if (type == "AccessDeniedException") return PermissionDeniedError(std::move(what));
  if (kInvalid.count(type) > 0) return InvalidArgumentError(std::move(what));
  if (kPrecondition.count(type) > 0) return FailedPreconditionError(std::move(what));
  if (kUnauthenticated.count(type) > 0) return UnauthenticatedError(std::move(what));
  if (kThrottled.count(type) > 0) return ResourceExhaustedError(std::move(what));
  if (kUnavailable.count(type) > 0 || http_status >= 500 || http_status == 429) {
    return UnavailableError(std::move(what));
  }
  if (http_status == 403) return PermissionDeniedError(std::move(what));
  return Error(ErrorCode::kUnknown, std::move(what));
}

}  // namespace coffer::kmsplugin::internal
