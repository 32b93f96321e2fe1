// Fuzzes the whole awsJson1_1 stack: AwsJsonProtocol::Handle with Secrets Manager, KMS and SSM
// over memory stores and CloudTrail's LookupEvents over a fake audit reader, so every
// operation's handler, the domain services behind it and their parsers (key policies, encryption
// contexts, ciphertext blobs, SSM policies, parameter names and selectors, filters, lookup
// attributes and time ranges, NextToken markers) see attacker-chosen input. Requests are signed
// with SigV4 for a root credential, so they take the same path as a client's.
//
// Input: one or more requests separated by a NUL byte (a raw NUL is never valid JSON, so no body
// is lost). In each request the first byte picks an operation from the table below (implemented
// operations first, then the rest of the models, index = byte % size) and the rest is the JSON
// body. An input without NUL is exactly "operation byte + body". At most kMaxRequests run.
//
// Each input gets a fresh world (stores, keyring, services) with a fixed clock and a seeded
// deterministic random source, so every input replays alone and gives the same key ids, ARNs and
// ciphertexts every time (seeds can name the key that an earlier request in the same input
// created), and memory stays bounded. Set COFFER_FUZZ_ECHO=1 to print the operation table and
// each request and response.
#include <rapidjson/document.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/aws_json/aws_json_protocol.h"
#include "api/aws_json/cloudtrail_api.h"
#include "api/aws_json/kms_api.h"
#include "api/aws_json/re2_pattern_matcher.h"
#include "api/aws_json/secrets_manager_api.h"
#include "api/aws_json/ssm_api.h"
#include "api/aws_json/testing/fake_audit_reader.h"
#include "api/common/sigv4.h"
#include "api/common/sigv4_signer.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "base/strings.h"
#include "base/testing/fake_clock.h"
#include "core/common/account.h"
#include "core/keys/key_ring.h"
#include "core/keys/key_service.h"
#include "core/parameters/parameter_service.h"
#include "core/secrets/secret_service.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_asymmetric.h"
#include "crypto/openssl/openssl_hashes.h"
#include "crypto/openssl/openssl_random.h"
#include "crypto/testing/fake_random.h"
#include "storage/memory/memory_key_store.h"
#include "storage/memory/memory_parameter_store.h"
#include "storage/memory/memory_secret_store.h"

namespace {

using namespace coffer;  // NOLINT(google-build-using-namespace): a fuzz harness.

constexpr size_t kMaxRequests = 16;
constexpr std::string_view kAccessKeyId = "AKIAFUZZROOT00000000";
constexpr std::string_view kSecretKey = "fuzz-root-secret-access-key-0000000000000";
constexpr std::string_view kAccountId = "123456789012";

class DiscardSink final : public log::Sink {
 public:
  void Write(log::Level /*level*/, std::string_view /*line*/) override {}
};

// Stateless parts shared by every input.
struct Shared {
  crypto::OpensslAead aead;
  crypto::OpensslAsymmetric asymmetric;
  crypto::OpensslHashes hashes;
  crypto::OpensslRandom request_ids;  // request ids only; never observable by later requests
  testing::FakeClock clock;
  std::shared_ptr<const identity::Credential> root;
  std::unique_ptr<api::SigV4Verifier> verifier;

  Shared() {
    auto c = std::make_shared<identity::Credential>();
    c->access_key_id = std::string(kAccessKeyId);
    c->secret = SecretBytes::CopyFrom(kSecretKey);
    c->principal.type = identity::PrincipalType::kRoot;
    c->principal.arn = "arn:aws:iam::" + std::string(kAccountId) + ":root";
    c->principal.principal_id = std::string(kAccountId);
    c->principal.account_id = std::string(kAccountId);
    root = std::move(c);
    verifier = std::make_unique<api::SigV4Verifier>(
        hashes, clock,
        [this](std::string_view id) -> Result<std::shared_ptr<const identity::Credential>> {
          if (id != kAccessKeyId) return NotFoundError("unknown access key");
          return root;
        });
  }
};

// Everything a request can change, rebuilt for each input.
struct World {
  explicit World(Shared& s)
      : ring(key_store, s.aead, random, s.clock),
        keys(key_store, ring, s.aead, random, s.clock,
             core::Account::Make(std::string(kAccountId), "us-east-1"), keys::KeyService::Options{},
             &s.asymmetric),
        secrets(secret_store, keys, s.aead, random, s.clock, secrets::SecretService::Options{}),
        parameters(parameter_store, keys, patterns, s.clock, &secrets,
                   parameters::ParameterService::Options{}),
        protocol(*s.verifier, s.request_ids, s.clock, registry),
        secrets_api(secrets),
        kms_api(keys),
        ssm_api(parameters),
        cloudtrail_api(audit_reader) {
    SecretBytes root_key(32);
    for (size_t i = 0; i < root_key.size(); ++i) {
      root_key.mutable_span()[i] = static_cast<uint8_t>(i);
    }
    if (!ring.Unseal(root_key).has_value()) std::abort();
    protocol.AddService(&secrets_api);
    protocol.AddService(&kms_api);
    protocol.AddService(&ssm_api);
    protocol.AddService(&cloudtrail_api);
    AddAuditEvents();
  }

  // A few events for LookupEvents to filter and page through (seeds can name them).
  void AddAuditEvents() {
    const char* names[] = {"GetSecretValue", "PutSecretValue", "Decrypt", "GetParameter"};
    const char* sources[] = {"secretsmanager.amazonaws.com", "secretsmanager.amazonaws.com",
                             "kms.amazonaws.com", "ssm.amazonaws.com"};
    const char* users[] = {"alice", "bob", "root", "alice"};
    for (int i = 0; i < 12; ++i) {
      audit::LookupEvent e;
      e.event_id = "00000000-0000-4000-8000-0000000000" + std::to_string(10 + i);
      e.event_name = names[i % 4];
      e.read_only = (i % 4 == 1) ? "false" : "true";
      e.access_key_id = std::string(kAccessKeyId);
      e.event_time = FromUnixMillis(1'789'990'000'000 + int64_t{i} * 60'000);
      e.event_source = sources[i % 4];
      e.username = users[i % 4];
      e.resources.push_back(
          {"AWS::SecretsManager::Secret",
           "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-" + std::to_string(i % 3)});
      e.cloudtrail_event = R"({"eventVersion":"1.09","eventID":")" + e.event_id + R"("})";
      audit_reader.Add(std::move(e));
    }
  }

  crypto::testing::FakeRandom random{0x5eed};
  storage::memory::MemoryKeyStore key_store;
  storage::memory::MemorySecretStore secret_store;
  storage::memory::MemoryParameterStore parameter_store;
  // Per world: the matcher caches up to 1024 compiled patterns of up to ~8 MB each (RE2's
  // default max_mem), more than a fuzzer's RSS limit allows.
  api::aws_json::Re2PatternMatcher patterns;
  keys::KeyRing ring;
  keys::KeyService keys;
  secrets::SecretService secrets;
  parameters::ParameterService parameters;
  metrics::Registry registry;
  api::aws_json::AwsJsonProtocol protocol;
  api::aws_json::SecretsManagerApi secrets_api;
  api::aws_json::KmsApi kms_api;
  api::aws_json::SsmApi ssm_api;
  api::aws_json::FakeAuditReader audit_reader;
  api::aws_json::CloudTrailApi cloudtrail_api;
};

// An operation by name: the table outlives the world it was built from.
struct OpRef {
  std::string target_prefix;
  std::string signing_name;
  std::string name;
};

// Implemented operations first (so most byte values reach a handler), then the others, which
// end in UnknownOperationException after authentication. The order follows the models, so it is
// stable until an operation is implemented or a model is regenerated. Services added later
// (CloudTrail) come after the first three, implemented operations first, so the seeds written
// for those keep their operations.
std::vector<OpRef> OperationTable(const World& w) {
  const api::aws_json::Service* first[] = {&w.secrets_api, &w.kms_api, &w.ssm_api};
  const api::aws_json::Service* later[] = {&w.cloudtrail_api};
  std::vector<OpRef> table;
  auto add = [&table](std::span<const api::aws_json::Service* const> services) {
    std::vector<OpRef> implemented, others;
    for (const auto* s : services) {
      for (const auto& op : s->operations()) {
        (s->Implements(op.name) ? implemented : others)
            .push_back({std::string(s->target_prefix()), std::string(s->signing_name()), op.name});
      }
    }
    table.insert(table.end(), implemented.begin(), implemented.end());
    table.insert(table.end(), others.begin(), others.end());
  };
  add(first);
  add(later);
  return table;
}

bool IsRsaSpecMember(std::string_view name) {
  return name == "KeySpec" || name == "CustomerMasterKeySpec" || name == "KeyPairSpec";
}

// RSA key generation (up to 4096 bits, seconds under ASan) would dominate the run and find
// nothing the ECC and symmetric paths do not, so KMS requests asking for an RSA key or key pair
// are dropped before dispatch. Every member is checked, duplicates and escaped spellings
// included, because the body is parsed as the protocol parses it.
bool AsksForRsaKey(const OpRef& op, std::string_view body) {
  if (op.name != "CreateKey" && op.name != "GenerateDataKeyPair" &&
      op.name != "GenerateDataKeyPairWithoutPlaintext") {
    return false;
  }
  body = TrimWhitespace(body);  // as AwsJsonProtocol::Handle does
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body.data(),
                                                                                    body.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  // Indexed, because rapidjson's member iterators compare ambiguously in C++20 (clang warns).
  for (rapidjson::SizeType i = 0; i < doc.MemberCount(); ++i) {
    const auto& m = *(doc.MemberBegin() + i);
    if (!IsRsaSpecMember(std::string_view(m.name.GetString(), m.name.GetStringLength()))) continue;
    if (!m.value.IsString()) continue;
    if (std::string_view(m.value.GetString(), m.value.GetStringLength()).starts_with("RSA")) {
      return true;
    }
  }
  return false;
}

http::Response Send(Shared& s, World& w, const OpRef& op, std::string_view body) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"host", "localhost"},
               {"content-type", "application/x-amz-json-1.1"},
               {"x-amz-target", op.target_prefix + "." + op.name}};
  r.body = std::string(body);
  r.remote_address = "127.0.0.1";
  api::SigningCredentials creds{std::string(kAccessKeyId), SecretBytes::CopyFrom(kSecretKey), ""};
  api::SigningOptions opts;
  opts.service = op.signing_name;
  api::SignSigV4(r, creds, opts, s.clock.Now(), s.hashes);
  http::Response response = w.protocol.Handle(r);
  if (response.await) {
    // A provisional answer: the memory stores settle at once. If it cannot be confirmed, the
    // server handles the request again the blocking way; do the same.
    bool confirmed = false;
    response.await([&confirmed](bool ok) { confirmed = ok; });
    if (!confirmed) {
      r.retry_blocking = true;
      response = w.protocol.Handle(r);
    }
  }
  return response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool echo = [] {
    log::SetSink(std::make_shared<DiscardSink>());
    log::SetLevel(log::Level::kDebug);  // format every log line, attacker strings included
    return std::getenv("COFFER_FUZZ_ECHO") != nullptr;
  }();
  static Shared shared;

  World world(shared);
  static const std::vector<OpRef> table = [&world] {
    std::vector<OpRef> t = OperationTable(world);
    for (size_t i = 0; echo && i < t.size(); ++i) {
      std::fprintf(stderr, "op %zu %s.%s\n", i, t[i].target_prefix.c_str(), t[i].name.c_str());
    }
    return t;
  }();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t requests = 0;
  while (!in.empty() && requests < kMaxRequests) {
    size_t end = in.find('\0');
    std::string_view chunk = in.substr(0, end);
    in = end == std::string_view::npos ? std::string_view() : in.substr(end + 1);
    if (chunk.empty()) continue;
    ++requests;
    const OpRef& entry = table[static_cast<uint8_t>(chunk[0]) % table.size()];
    std::string_view body = chunk.substr(1);
    if (AsksForRsaKey(entry, body)) continue;
    http::Response response = Send(shared, world, entry, body);
    if (echo) {
      std::fprintf(stderr, "> %s %.*s\n< %d %s\n", entry.name.c_str(),
                   static_cast<int>(body.size()), body.data(), response.status,
                   response.body.c_str());
    }
  }
  return 0;
}
