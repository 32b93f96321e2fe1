#ifndef COFFER_SERVER_SYS_API_H_
#define COFFER_SERVER_SYS_API_H_

#include "api/common/sigv4.h"
#include "core/identity/iam_service.h"
#include "http/message.h"
#include "server/root_of_trust.h"

namespace coffer::server {

// Coffer's operator endpoints, in the style of Vault's sys/ API (JSON in, JSON out; errors as
// {"errors":["..."]}):
//   GET  /sys/seal-status     {"sealed","provider","threshold","shares","progress"}; no auth
//   POST /sys/unseal          {"key":"<share>"} or {"reset":true}; no auth (a share is the
//                             credential), never echoes shares
//   POST /sys/seal            account root, SigV4 with signing name "coffer"
//   POST /sys/rotate-root     account root; key file and PKCS#11 rotate at once. Shamir starts
//                             a pending rotation and answers {"keys":[...],"nonce"} (shown
//                             once); the old shares stay valid until it is verified
//   POST /sys/rotate-root/verify  {"nonce","key":"<new share>"}; no auth, like unseal; at T
//                             keys that rebuild the pending root, commits it ({"complete":true})
//   POST /sys/rotate-root/cancel  account root; drops the pending rotation
//   GET  /sys/rotate-root/status  {"pending","nonce","started","progress","threshold","shares"};
//                             no auth, never shares
//   POST /sys/rotate-keyring  account root; answers {"term":N}; 409 while a root rotation is
//                             pending
//   POST /sys/oidc-provider-jwks  account root; {"arn","jwks"}: the signing keys of an IAM OIDC
//                             provider whose issuer Coffer cannot reach ("jwks":"" removes them,
//                             and keys are fetched from the issuer again)
// Thread-safe.
class SysApi {
 public:
  static constexpr std::string_view kSigningName = "coffer";

  SysApi(RootOfTrust& root_of_trust, const api::SigV4Verifier& verifier)
      : root_of_trust_(root_of_trust), verifier_(verifier) {}

  // Serves /sys/oidc-provider-jwks. REQUIRES: called before serving; outlives this.
  void set_iam(identity::IamService* iam) { iam_ = iam; }

  static bool Accepts(const http::Request& request) { return request.Path().starts_with("/sys/"); }
  http::Response Handle(const http::Request& request);

 private:
  // nullopt when the caller is the account root; otherwise the error response.
  std::optional<http::Response> RequireRoot(const http::Request& request) const;

  http::Response SetOidcJwks(const http::Request& request);

  RootOfTrust& root_of_trust_;
  const api::SigV4Verifier& verifier_;
  identity::IamService* iam_ = nullptr;
};

}  // namespace coffer::server

#endif  // COFFER_SERVER_SYS_API_H_
