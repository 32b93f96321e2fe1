// Fuzzes Coffer's /sys operator endpoints (SysApi over a Shamir RootOfTrust): the unauthenticated
// JSON bodies of /sys/unseal and /sys/rotate-root/verify, share decoding (base64), duplicate and
// malformed shares, and libgfshare's Combine on attacker-chosen shares, interleaved with the
// root-signed calls (rotate-root, cancel, seal, rotate-keyring) that change what those accept.
//
// Input: commands separated by a NUL byte. In each, the first byte picks the action (byte % 9,
// see kActions) and the rest is the request body. Action 8 sends an unsigned request whose first
// line is "METHOD PATH" and whose remainder is the body. At most kMaxCommands run.
//
// The root of trust is Shamir, 3 of 5, over a memory key store, rebuilt for every input from a
// fixed root key and a seeded deterministic random source, so the unseal keys, and the new keys
// and nonce of a rotation started by an input, are the same on every run (seeds use them).
// Run with COFFER_FUZZ_ECHO=1 to print the unseal keys and every request and response. The data
// directory (root-of-trust.json only) is created once under $TMPDIR and removed at exit.
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "api/common/sigv4.h"
#include "api/common/sigv4_signer.h"
#include "base/logging.h"
#include "base/testing/fake_clock.h"
#include "core/keys/key_ring.h"
#include "crypto/gfshare/gfshare_secret_sharing.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_hashes.h"
#include "crypto/testing/fake_random.h"
#include "server/data_dir.h"
#include "server/root_of_trust.h"
#include "server/sys_api.h"
#include "storage/memory/memory_key_store.h"

namespace {

using namespace coffer;  // NOLINT(google-build-using-namespace): a fuzz harness.

constexpr size_t kMaxCommands = 16;
constexpr int kShares = 5;
constexpr int kThreshold = 3;
constexpr uint64_t kSeed = 0x5eed;
constexpr std::string_view kAccessKeyId = "AKIAFUZZROOT00000000";
constexpr std::string_view kSecretKey = "fuzz-root-secret-access-key-0000000000000";

struct Action {
  const char* method;
  const char* path;
  bool sign;
};
constexpr Action kActions[] = {
    {"POST", "/sys/unseal", false},     {"POST", "/sys/rotate-root/verify", false},
    {"GET", "/sys/seal-status", false}, {"GET", "/sys/rotate-root/status", false},
    {"POST", "/sys/rotate-root", true}, {"POST", "/sys/rotate-root/cancel", true},
    {"POST", "/sys/seal", true},        {"POST", "/sys/rotate-keyring", true},
    {nullptr, nullptr, false},  // raw: "METHOD PATH\nbody", unsigned
};
constexpr size_t kActionCount = sizeof(kActions) / sizeof(kActions[0]);

class DiscardSink final : public log::Sink {
 public:
  void Write(log::Level /*level*/, std::string_view /*line*/) override {}
};

SecretBytes FixedRootKey() {
  SecretBytes root(32);
  for (size_t i = 0; i < root.size(); ++i) root.mutable_span()[i] = static_cast<uint8_t>(0xa0 + i);
  return root;
}

// Stateless parts shared by every input.
struct Shared {
  crypto::OpensslAead aead;
  crypto::OpensslHashes hashes;
  testing::FakeClock clock;
  std::filesystem::path dir_path;
  std::optional<server::DataDir> dir;
  std::shared_ptr<const identity::Credential> root;
  std::unique_ptr<api::SigV4Verifier> verifier;
  std::vector<std::string> unseal_keys;

  Shared() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "coffer-sys-fuzz-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    dir_path = templ;
    auto opened = server::DataDir::Open(dir_path);
    if (!opened.has_value()) std::abort();
    dir.emplace(std::move(opened).value());
    server::RootOfTrustSettings settings;
    settings.provider = server::RootProvider::kShamir;
    settings.shares = kShares;
    settings.threshold = kThreshold;
    if (!server::WriteRootOfTrustSettings(*dir, settings).has_value()) std::abort();

    crypto::testing::FakeRandom random(kSeed);
    crypto::GfshareSecretSharing sharing(random);
    auto shares = sharing.Split(FixedRootKey(), kShares, kThreshold);
    if (!shares.has_value()) std::abort();
    for (const SecretBytes& s : *shares) unseal_keys.push_back(crypto::EncodeShareText(s));

    auto c = std::make_shared<identity::Credential>();
    c->access_key_id = std::string(kAccessKeyId);
    c->secret = SecretBytes::CopyFrom(kSecretKey);
    c->principal.type = identity::PrincipalType::kRoot;
    c->principal.arn = "arn:aws:iam::123456789012:root";
    c->principal.principal_id = "123456789012";
    c->principal.account_id = "123456789012";
    root = std::move(c);
    verifier = std::make_unique<api::SigV4Verifier>(
        hashes, clock,
        [this](std::string_view id) -> Result<std::shared_ptr<const identity::Credential>> {
          if (id != kAccessKeyId) return NotFoundError("unknown access key");
          return root;
        });
  }
  ~Shared() {
    std::error_code ec;
    std::filesystem::remove_all(dir_path, ec);
  }
};

// Everything a request can change, rebuilt for each input: a sealed keyring whose terms the
// fixed root key opens, and the root of trust over it.
struct World {
  explicit World(Shared& s) : ring(key_store, s.aead, random, s.clock) {
    if (!ring.Unseal(FixedRootKey()).has_value()) std::abort();
    ring.Seal();
    auto opened = server::RootOfTrust::Open(*s.dir, ring, random, std::nullopt, {});
    if (!opened.has_value()) std::abort();
    root_of_trust = std::move(opened).value();
    sys = std::make_unique<server::SysApi>(*root_of_trust, *s.verifier);
  }

  crypto::testing::FakeRandom random{kSeed};
  storage::memory::MemoryKeyStore key_store;
  keys::KeyRing ring;
  std::unique_ptr<server::RootOfTrust> root_of_trust;
  std::unique_ptr<server::SysApi> sys;
};

http::Request MakeRequest(Shared& s, std::string_view command) {
  const Action& a = kActions[static_cast<uint8_t>(command[0]) % kActionCount];
  std::string_view rest = command.substr(1);
  http::Request r;
  r.headers = {{"host", "localhost"}, {"content-type", "application/json"}};
  r.remote_address = "127.0.0.1";
  if (a.method == nullptr) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    r.body = nl == std::string_view::npos ? std::string() : std::string(rest.substr(nl + 1));
    size_t sp = line.find(' ');
    r.method = std::string(line.substr(0, sp));
    r.target = sp == std::string_view::npos ? "/" : std::string(line.substr(sp + 1));
    return r;
  }
  r.method = a.method;
  r.target = a.path;
  r.body = std::string(rest);
  if (a.sign) {
    api::SigningCredentials creds{std::string(kAccessKeyId), SecretBytes::CopyFrom(kSecretKey), ""};
    api::SigningOptions opts;
    opts.service = std::string(server::SysApi::kSigningName);
    api::SignSigV4(r, creds, opts, s.clock.Now(), s.hashes);
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Shared shared;
  static bool echo = [] {
    log::SetSink(std::make_shared<DiscardSink>());
    log::SetLevel(log::Level::kDebug);
    bool on = std::getenv("COFFER_FUZZ_ECHO") != nullptr;
    if (on) {
      for (const std::string& k : shared.unseal_keys)
        std::fprintf(stderr, "unseal key %s\n", k.c_str());
    }
    return on;
  }();

  World world(shared);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t commands = 0;
  while (!in.empty() && commands < kMaxCommands) {
    size_t end = in.find('\0');
    std::string_view command = in.substr(0, end);
    in = end == std::string_view::npos ? std::string_view() : in.substr(end + 1);
    if (command.empty()) continue;
    ++commands;
    http::Request request = MakeRequest(shared, command);
    http::Response response = world.sys->Handle(request);
    if (echo) {
      std::fprintf(stderr, "> %s %s %s\n< %d %s\n", request.method.c_str(), request.target.c_str(),
                   request.body.c_str(), response.status, response.body.c_str());
    }
  }
  return 0;
}
