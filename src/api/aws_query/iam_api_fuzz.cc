// Fuzzes IAM and STS behind the query protocol: form bodies are decoded and validated as
// AwsQueryProtocol does (ParseForm, DecodeInput), run by IamApi / StsApi over IamService,
// StsService and memory stores, and their output is encoded as XML (EncodeResponse), so every
// handler, the policy parser behind Put*Policy / CreateRole / session policies, the Marker
// decoding and the response encoder see attacker-chosen input. Must never crash or hang.
//
// Input: one or more requests separated by a NUL byte. In each, the first byte picks the caller
// (even: the account root; odd: the user "fuzz", whose policy allows iam:Get*, iam:List* and
// sts:*) and the rest is the form body ("Action=CreateUser&Version=2010-05-08&UserName=a").
// The Action finds the operation in IAM's model, then STS's. At most kMaxRequests run. Each input
// gets a fresh world with a fixed clock and a seeded random source, so it replays alone. Set
// COFFER_FUZZ_ECHO=1 to print each operation and its outcome.
#include <rapidjson/document.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/aws_query/iam_api.h"
#include "api/aws_query/query_request.h"
#include "api/aws_query/query_response.h"
#include "api/aws_query/sts_api.h"
#include "api/common/policy_document_parser.h"
#include "base/testing/fake_clock.h"
#include "core/identity/authorizer.h"
#include "core/identity/sts_service.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/testing/fake_random.h"
#include "storage/memory/memory_access_key_store.h"
#include "storage/memory/memory_iam_store.h"
#include "storage/memory/memory_key_store.h"

namespace {

using namespace coffer;  // NOLINT(google-build-using-namespace): a fuzz harness.

constexpr size_t kMaxRequests = 16;

// No issuer is reachable from a fuzzer: every token is refused, as a malformed one would be.
class RefusingVerifier final : public identity::WebIdentityVerifier {
 public:
  Result<std::string> UnverifiedIssuer(std::string_view) const override {
    return InvalidArgumentError("not a JWT", identity::reason::kInvalidIdentityToken);
  }
  Result<identity::WebIdentityClaims> Verify(std::string_view, const identity::OidcProvider&,
                                             Timestamp) override {
    return InvalidArgumentError("bad signature", identity::reason::kInvalidIdentityToken);
  }
};

struct World {
  World() {
    SecretBytes root_key(32);
    if (!ring.Unseal(root_key).has_value()) std::abort();
    identity.set_policy_parser(&parser);
    if (!iam.Load().has_value()) std::abort();
    auto r = std::make_shared<identity::Credential>();
    r->principal = identity.RootPrincipal();
    root = std::move(r);
    if (!iam.CreateUser("fuzz", "/", {}).has_value()) std::abort();
    constexpr std::string_view kPolicy =
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
        R"("Action":["iam:Get*","iam:List*","sts:*"],"Resource":"*"}]})";
    if (!iam.PutInlinePolicy(identity::IamService::Holder::kUser, "fuzz", "p", kPolicy)
             .has_value()) {
      std::abort();
    }
    auto key = iam.CreateAccessKey("fuzz");
    if (!key.has_value()) std::abort();
    auto cred = identity.FindCredential(key->record.access_key_id);
    if (!cred.has_value()) std::abort();
    user = *cred;
  }

  crypto::OpensslAead aead;
  crypto::testing::FakeRandom random{0x1a3};
  testing::FakeClock clock;
  storage::memory::MemoryKeyStore key_store;
  storage::memory::MemoryAccessKeyStore access_keys;
  storage::memory::MemoryIamStore iam_store;
  keys::KeyRing ring{key_store, aead, random, clock};
  core::Account account = core::Account::Make("123456789012", "us-east-1");
  identity::IdentityService identity{access_keys, ring, random, clock, account};
  api::JsonPolicyParser parser;
  identity::IamService iam{iam_store, identity, parser, random, clock, account};
  identity::Authorizer authorizer{iam};
  RefusingVerifier verifier;
  identity::StsService sts{iam, identity, verifier, authorizer, clock};
  api::aws_query::IamApi iam_api{iam, authorizer};
  api::aws_query::StsApi sts_api{sts, authorizer, account};
  std::shared_ptr<const identity::Credential> root, user;
};

void Echo(std::string_view op, std::string_view outcome) {
  static const bool kEcho = std::getenv("COFFER_FUZZ_ECHO") != nullptr;
  if (kEcho) {
    std::fprintf(stderr, "%.*s: %.*s\n", static_cast<int>(op.size()), op.data(),
                 static_cast<int>(outcome.size()), outcome.data());
  }
}

void RunOne(World& w, std::string_view request) {
  using api::aws_query::FormParam;
  if (request.empty()) return;
  bool as_user = (static_cast<uint8_t>(request[0]) & 1) != 0;
  auto parsed = api::aws_query::ParseForm(request.substr(1));
  if (std::holds_alternative<api::ApiError>(parsed)) return;
  const auto& params = std::get<std::vector<FormParam>>(parsed);
  std::string_view action;
  for (const FormParam& p : params) {
    if (p.name == "Action") action = p.value;
  }
  api::aws_query::QueryService* service = &w.iam_api;
  const api::aws_query::QueryOperation* op = service->model().Find(action);
  if (op == nullptr) {
    service = &w.sts_api;
    op = service->model().Find(action);
  }
  if (op == nullptr || !service->Implements(op->name)) return;
  const api::aws_query::ShapeNames names(service->model());
  rapidjson::Document doc;
  if (auto invalid = api::aws_query::DecodeInput(params, op->input, names, doc)) {
    Echo(op->name, invalid->message);
    return;
  }
  api::aws_json::CallContext ctx;
  ctx.request_id = "fuzz";
  ctx.received = w.clock.Now();
  ctx.operation = op->name;
  // AssumeRoleWithWebIdentity arrives unsigned; everything else as the chosen caller.
  if (!op->is_unsigned) ctx.credential = as_user ? w.user : w.root;
  api::aws_json::Call call{ctx, api::aws_json::JsonIn(&doc), api::aws_json::JsonOut()};
  Result<void> result = service->Invoke(op->name, call);
  if (!result.has_value()) {
    api::ApiError e = service->MapError(result.error());
    Echo(op->name, e.code + ": " + e.message);
    (void)api::aws_query::EncodeError(e, service->model().xml_namespace, ctx.request_id);
    return;
  }
  std::string json = call.out.empty() ? std::string("{}") : call.out.Take();
  auto xml = api::aws_query::EncodeResponse(json, *op, names, service->model().xml_namespace,
                                            ctx.request_id);
  // A handler's output that does not fit its model is a bug.
  if (!xml.has_value()) std::abort();
  Echo(op->name, "OK");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  World world;
  size_t runs = 0;
  while (runs < kMaxRequests) {
    size_t nul = input.find('\0');
    RunOne(world, input.substr(0, nul));
    ++runs;
    if (nul == std::string_view::npos) break;
    input.remove_prefix(nul + 1);
  }
  return 0;
}
