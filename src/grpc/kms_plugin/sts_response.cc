#include "grpc/kms_plugin/sts_response.h"

#include <cstring>
#include <pugixml.hpp>

#include "base/strings.h"

namespace coffer::kmsplugin {
namespace {

// The element's name without a namespace prefix ("sts:Credentials" -> "Credentials").
std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view name = node.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& parent, std::string_view local_name) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local_name) return c;
  }
  return {};
}

// The concatenated text (PCDATA and CDATA) directly inside `node`, trimmed.
std::string Text(const pugi::xml_node& node) {
  std::string out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return std::string(TrimWhitespace(out));
}

// At most 200 bytes of an STS message, printable ASCII only: it ends up in logs and in healthz.
std::string Sanitize(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

Error StsError(int http_status, const pugi::xml_document& doc, bool parsed) {
  std::string code, message;
  if (parsed) {
    pugi::xml_node root = doc.document_element();
    pugi::xml_node error = LocalName(root) == "ErrorResponse" ? Child(root, "Error") : root;
    if (LocalName(error) == "Error") {
      code = Text(Child(error, "Code"));
      message = Text(Child(error, "Message"));
    }
  }
  std::string what = "STS AssumeRoleWithWebIdentity failed (HTTP " + std::to_string(http_status) +
                     (code.empty() ? "" : ", " + Sanitize(code)) + ")" +
                     (message.empty() ? "" : ": " + Sanitize(message));
  if (http_status >= 500 || code == "IDPCommunicationError" || code == "Throttling" ||
      code == "ThrottlingException" || code == "ServiceUnavailable") {
    return UnavailableError(std::move(what));
  }
  if (code == "InvalidIdentityToken" || code == "ExpiredTokenException" || code == "ExpiredToken") {
    return UnauthenticatedError(std::move(what));
  }
  if (code == "IDPRejectedClaim" || code == "AccessDenied" || code == "AccessDeniedException" ||
      http_status == 403) {
    return PermissionDeniedError(std::move(what));
  }
  return InvalidArgumentError(std::move(what));
}

}  // namespace

Result<StsCredentials> ParseAssumeRoleWithWebIdentityResponse(int http_status,
                                                              std::string_view body) {
  pugi::xml_document doc;
  // pugixml has no DTD processing: no external entities, no entity expansion.
  pugi::xml_parse_result parsed =
      doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (http_status != 200) return StsError(http_status, doc, static_cast<bool>(parsed));
  if (!parsed) return InternalError("STS answered with malformed XML");
  pugi::xml_node root = doc.document_element();
  if (LocalName(root) != "AssumeRoleWithWebIdentityResponse") {
    return InternalError("STS answered with an unexpected document");
  }
  pugi::xml_node result = Child(root, "AssumeRoleWithWebIdentityResult");
  pugi::xml_node creds = Child(result, "Credentials");
  StsCredentials out;
  out.access_key_id = Text(Child(creds, "AccessKeyId"));
  out.session_token = Text(Child(creds, "SessionToken"));
  std::string expiration = Text(Child(creds, "Expiration"));
  out.assumed_role_arn = Sanitize(Text(Child(Child(result, "AssumedRoleUser"), "Arn")));
  // The secret is copied once, straight from the parsed buffer, which is then wiped (the caller
  // wipes `body`).
  if (pugi::xml_node s = Child(creds, "SecretAccessKey")) {
    pugi::xml_node text = s.first_child();
    if (text && text.next_sibling().empty() &&
        (text.type() == pugi::node_pcdata || text.type() == pugi::node_cdata)) {
      char* v = const_cast<char*>(text.value());
      size_t n = std::strlen(v);
      out.secret_access_key = SecretBytes::CopyFrom(TrimWhitespace(std::string_view(v, n)));
      SecureWipe(v, n);
    }
  }
  if (out.access_key_id.empty() || out.secret_access_key.empty() || out.session_token.empty() ||
      expiration.empty()) {
    return InternalError("STS answered without complete credentials");
  }
  auto when = ParseIso8601(expiration);
  if (!when) return InternalError("STS answered with an unreadable Expiration");
  out.expiration = *when;
  return out;
}

}  // namespace coffer::kmsplugin
