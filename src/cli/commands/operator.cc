#include "cli/commands/operator.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "api/common/sigv4_signer.h"
#include "base/clock.h"
#include "base/secret_bytes.h"
#include "base/strings.h"
#include "crypto/openssl/openssl_hashes.h"
#include "http/client.h"
#include "server/root_of_trust.h"

namespace coffer::cli {
namespace {

constexpr char kDefaultEndpoint[] = "http://127.0.0.1:8700";

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

struct Options {
  // init
  std::string data_dir = "./coffer-data";
  int shares = 0;
  int threshold = 0;
  std::string pkcs11_module, pkcs11_token_label, pkcs11_key_label, pkcs11_pin_file;
  // remote commands
  std::string endpoint;
  std::string ca_bundle;
  int timeout_seconds = 30;
  std::string share;
  bool reset = false;
  // rotate-root, rotate-root-verify
  bool cancel = false;
  bool status = false;
  std::string nonce;
  std::string provider_arn;
  std::string jwks_file;
};

int Fail(const std::string& message) {
  std::cerr << "coffer: " << message << std::endl;
  return 1;
}

// The first message of a {"errors":[...]} body, or the body itself.
std::string ErrorMessage(const http::Response& res) {
  rapidjson::Document doc;
  doc.Parse(res.body.data(), res.body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    auto it = doc.FindMember("errors");
    if (it != doc.MemberEnd() && it->value.IsArray() && !it->value.Empty() &&
        it->value[0].IsString()) {
      return it->value[0].GetString();
    }
    for (const char* m : {"message", "Message"}) {
      auto mit = doc.FindMember(m);
      if (mit != doc.MemberEnd() && mit->value.IsString()) return mit->value.GetString();
    }
  }
  return "HTTP " + std::to_string(res.status) + ": " + res.body;
}

class Remote {
 public:
  explicit Remote(const Options& o) : options_(o) {}

  Result<http::Response> Call(std::string method, const std::string& path, std::string body,
                              bool sign) {
    std::string endpoint = options_.endpoint;
    if (endpoint.empty()) endpoint = Env("COFFER_ENDPOINT").value_or(kDefaultEndpoint);
    http::ClientOptions copts;
    copts.ca_bundle =
        options_.ca_bundle.empty() ? Env("AWS_CA_BUNDLE").value_or("") : options_.ca_bundle;
    copts.timeout = std::chrono::seconds(std::max(1, options_.timeout_seconds));
    COFFER_ASSIGN_OR_RETURN(http::Client client, http::Client::Create(endpoint, copts));
    http::Request req;
    req.method = std::move(method);
    req.target = client.url().path + path;
    req.headers.push_back({"host", client.url().HostHeader()});
    if (!body.empty()) req.headers.push_back({"content-type", "application/json"});
    req.body = std::move(body);
    if (sign) {
      auto id = Env("AWS_ACCESS_KEY_ID");
      auto secret = Env("AWS_SECRET_ACCESS_KEY");
      if (!id || !secret) {
        return FailedPreconditionError(
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to the account root's credentials");
      }
      api::SigningCredentials creds{*id, SecretBytes::TakeFrom(*secret),
                                    Env("AWS_SESSION_TOKEN").value_or("")};
      api::SigningOptions sopts;
      sopts.region = Env("AWS_REGION").value_or(Env("AWS_DEFAULT_REGION").value_or("us-east-1"));
      sopts.service = "coffer";
      crypto::OpensslHashes hashes;
      api::SignSigV4(req, creds, sopts, RealClock::Get().Now(), hashes);
    }
    // The client prefixes the base URL's path itself.
    req.target = path;
    auto res = client.Send(req);
    SecureWipe(req.body.data(), req.body.size());
    return res;
  }

 private:
  const Options& options_;
};

// Prints the server's JSON answer on success; the error message on failure.
int PrintResult(const Result<http::Response>& res) {
  if (!res.has_value()) return Fail(res.error().message);
  if (res->status != 200) return Fail(ErrorMessage(*res));
  std::cout << res->body << std::endl;
  return 0;
}

int RunInit(const Options& o) {
  server::InitOptions init;
  init.data_dir = o.data_dir;
  init.shares = o.shares;
  init.threshold = o.threshold;
  if (!o.pkcs11_module.empty() || !o.pkcs11_token_label.empty() || !o.pkcs11_key_label.empty()) {
    if (o.pkcs11_module.empty() || o.pkcs11_token_label.empty() || o.pkcs11_key_label.empty()) {
      return Fail(
          "PKCS#11 needs --pkcs11-module, --pkcs11-token-label and --pkcs11-key-label together");
    }
    init.pkcs11 =
        crypto::Pkcs11KeyConfig{o.pkcs11_module, o.pkcs11_token_label, o.pkcs11_key_label};
    if (!o.pkcs11_pin_file.empty()) {
      std::error_code ec;
      auto abs = std::filesystem::absolute(o.pkcs11_pin_file, ec);
      init.pin_file = ec ? o.pkcs11_pin_file : abs.string();
    }
  }
  // Everything init creates is for this user only, as with `coffer server`.
  umask(077);
  auto done = server::InitRootOfTrust(init, std::cout);
  if (!done.has_value()) return Fail(done.error().message);
  return 0;
}

// An unseal key from the command line or, when not given, one line of stdin; empty when none
// was entered. Unseal keys are base64; anything else is refused here rather than escaped into
// JSON.
Result<std::string> ReadShare(const Options& o, const char* prompt) {
  std::string share = o.share;
  if (share.empty()) {
    if (isatty(0)) std::cerr << prompt << std::flush;
    std::getline(std::cin, share);
  }
  std::string trimmed(TrimWhitespace(share));
  SecureWipe(share.data(), share.size());
  for (char c : trimmed) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) {
      SecureWipe(trimmed.data(), trimmed.size());
      return InvalidArgumentError("that is not an unseal key (expected base64)");
    }
  }
  return trimmed;
}

int RunUnseal(const Options& o) {
  std::string body;
  if (o.reset) {
    body = R"({"reset":true})";
  } else {
    auto share = ReadShare(o, "Unseal key: ");
    if (!share.has_value()) return Fail(share.error().message);
    body = share->empty() ? "{}" : R"({"key":")" + *share + "\"}";
    SecureWipe(share->data(), share->size());
  }
  Remote remote(o);
  auto res = remote.Call("POST", "/sys/unseal", std::move(body), /*sign=*/false);
  return PrintResult(res);
}

int RunRotateRoot(const Options& o) {
  Remote remote(o);
  if (o.status) {
    return PrintResult(remote.Call("GET", "/sys/rotate-root/status", "", /*sign=*/false));
  }
  if (o.cancel) {
    auto res = remote.Call("POST", "/sys/rotate-root/cancel", "{}", /*sign=*/true);
    if (!res.has_value()) return Fail(res.error().message);
    if (res->status != 200) return Fail(ErrorMessage(*res));
    std::cout << "The pending root key rotation was cancelled; the current unseal keys stay "
                 "valid and the new ones were never used."
              << std::endl;
    return 0;
  }
  auto res = remote.Call("POST", "/sys/rotate-root", "{}", /*sign=*/true);
  if (!res.has_value()) return Fail(res.error().message);
  if (res->status != 200) return Fail(ErrorMessage(*res));
  rapidjson::Document doc;
  doc.Parse(res->body.data(), res->body.size());
  if (doc.HasParseError() || !doc.IsObject()) return Fail("unexpected answer: " + res->body);
  auto keys = doc.FindMember("keys");
  auto provider = doc.FindMember("provider");
  auto nonce = doc.FindMember("nonce");
  std::string p =
      provider != doc.MemberEnd() && provider->value.IsString() ? provider->value.GetString() : "";
  if (keys != doc.MemberEnd() && keys->value.IsArray() && !keys->value.Empty()) {
    if (nonce == doc.MemberEnd() || !nonce->value.IsString()) {
      return Fail("unexpected answer: new unseal keys without a rotation nonce");
    }
    std::string n = nonce->value.GetString();
    std::cout << "A root key rotation was started. These " << keys->value.Size()
              << " new unseal keys are shown only now and stored nowhere.\n"
              << "Nothing has changed yet: the old unseal keys stay the only valid ones until "
                 "the new ones are verified.\n\n";
    int i = 0;
    for (const auto& k : keys->value.GetArray()) {
      if (k.IsString()) std::cout << "Unseal Key " << ++i << ": " << k.GetString() << "\n";
    }
    std::cout << "\nNonce: " << n << "\n\n"
              << "Give one key to each key holder, then enter enough of them (the unseal "
                 "threshold), one per run:\n\n"
              << "    coffer operator rotate-root-verify --nonce " << n << "\n\n"
              << "The last one commits the rotation; from then on only the new keys unseal.\n"
              << "If these keys are lost, `coffer operator rotate-root --cancel` drops the "
                 "rotation.\n";
  } else {
    std::cout << "The root key was rotated (provider " << p
              << "); the old root key no longer opens the keyring.\n";
  }
  std::cout.flush();
  SecureWipe(res->body.data(), res->body.size());
  return 0;
}

int RunRotateRootVerify(const Options& o) {
  Remote remote(o);
  std::string nonce = o.nonce;
  if (nonce.empty()) {
    auto res = remote.Call("GET", "/sys/rotate-root/status", "", /*sign=*/false);
    if (!res.has_value()) return Fail(res.error().message);
    if (res->status != 200) return Fail(ErrorMessage(*res));
    rapidjson::Document doc;
    doc.Parse(res->body.data(), res->body.size());
    auto n = doc.IsObject() ? doc.FindMember("nonce") : doc.MemberEnd();
    if (doc.HasParseError() || n == doc.MemberEnd() || !n->value.IsString()) {
      return Fail("no root key rotation is pending");
    }
    nonce = n->value.GetString();
  }
  // The nonce is a UUID; anything else is refused here rather than escaped into JSON.
  for (char c : nonce) {
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return Fail("that is not a rotation nonce");
    }
  }
  auto share = ReadShare(o, "New unseal key: ");
  if (!share.has_value()) return Fail(share.error().message);
  if (share->empty()) return Fail("no unseal key was given");
  std::string body = R"({"nonce":")" + nonce + R"(","key":")" + *share + "\"}";
  SecureWipe(share->data(), share->size());
  auto res = remote.Call("POST", "/sys/rotate-root/verify", std::move(body), /*sign=*/false);
  int rc = PrintResult(res);
  if (rc == 0 && res->body.find("\"complete\":true") != std::string::npos) {
    std::cerr << "The root key was rotated: only the new unseal keys open the keyring now."
              << std::endl;
  }
  return rc;
}

int RunRotateKeyring(const Options& o) {
  Remote remote(o);
  auto res = remote.Call("POST", "/sys/rotate-keyring", "{}", /*sign=*/true);
  if (!res.has_value()) return Fail(res.error().message);
  if (res->status != 200) return Fail(ErrorMessage(*res));
  rapidjson::Document doc;
  doc.Parse(res->body.data(), res->body.size());
  auto term = doc.IsObject() ? doc.FindMember("term") : doc.MemberEnd();
  if (doc.HasParseError() || term == doc.MemberEnd() || !term->value.IsUint()) {
    return Fail("unexpected answer: " + res->body);
  }
  std::cout << "New keyring term: " << term->value.GetUint() << std::endl;
  return 0;
}

int RunSetOidcJwks(const Options& o) {
  std::string jwks;
  if (!o.jwks_file.empty()) {
    std::ifstream in(o.jwks_file, std::ios::binary);
    if (!in) return Fail("cannot read " + o.jwks_file);
    jwks.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("arn");
  w.String(o.provider_arn.data(), static_cast<rapidjson::SizeType>(o.provider_arn.size()));
  w.Key("jwks");
  w.String(jwks.data(), static_cast<rapidjson::SizeType>(jwks.size()));
  w.EndObject();
  Remote remote(o);
  auto res = remote.Call("POST", "/sys/oidc-provider-jwks", sb.GetString(), /*sign=*/true);
  if (!res.has_value()) return Fail(res.error().message);
  if (res->status != 200) return Fail(ErrorMessage(*res));
  std::cout << (jwks.empty() ? "Removed the uploaded JWKS of " : "Uploaded the JWKS of ")
            << o.provider_arn << std::endl;
  return 0;
}

void AddRemoteOptions(CLI::App* cmd, Options& o) {
  cmd->add_option("--endpoint", o.endpoint,
                  "Coffer server URL (default $COFFER_ENDPOINT or http://127.0.0.1:8700)");
  cmd->add_option(
      "--ca-bundle", o.ca_bundle,
      "PEM CA certificates to trust for https (default $AWS_CA_BUNDLE or the system's)");
  cmd->add_option("--timeout-seconds", o.timeout_seconds, "Bound on the whole request")
      ->capture_default_str();
}

}  // namespace

std::function<int()> AddOperatorCommand(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* op = app.add_subcommand("operator", "Root of trust: init, unseal, seal, rotate.");
  op->require_subcommand(1);

  CLI::App* init = op->add_subcommand(
      "init",
      "Choose the root of trust of a new data directory (offline; refused once a keyring "
      "exists).");
  init->add_option("--data-dir", o->data_dir, "Data directory")->capture_default_str();
  init->add_option("--shares", o->shares, "Shamir: number of unseal keys to make (2-255)");
  init->add_option("--threshold", o->threshold, "Shamir: unseal keys needed to unseal");
  init->add_option("--pkcs11-module", o->pkcs11_module, "PKCS#11 module (shared library) path");
  init->add_option("--pkcs11-token-label", o->pkcs11_token_label, "Label of the HSM token");
  init->add_option("--pkcs11-key-label", o->pkcs11_key_label,
                   "Label of the AES key that wraps the root key (generated when absent)");
  init->add_option("--pkcs11-pin-file", o->pkcs11_pin_file,
                   "File holding the token PIN (0600); default: $COFFER_PKCS11_PIN");

  CLI::App* unseal = op->add_subcommand("unseal", "Enter one unseal key (Shamir).");
  unseal->add_option("share", o->share, "The unseal key (read from stdin when not given)");
  unseal->add_flag("--reset", o->reset, "Forget the unseal keys entered so far");
  AddRemoteOptions(unseal, *o);
  CLI::App* seal = op->add_subcommand("seal", "Seal the server (needs the account root).");
  AddRemoteOptions(seal, *o);
  CLI::App* status = op->add_subcommand("seal-status", "Show whether the server is sealed.");
  AddRemoteOptions(status, *o);
  CLI::App* rotate_root = op->add_subcommand(
      "rotate-root",
      "Replace the root key and rewrap the keyring (needs the account root). Shamir: prints the "
      "new unseal keys and a nonce; nothing changes until rotate-root-verify has seen enough of "
      "them.");
  auto* cancel = rotate_root->add_flag(
      "--cancel", o->cancel, "Shamir: drop the pending rotation (needs the account root)");
  rotate_root->add_flag("--status", o->status, "Shamir: show the pending rotation, if any")
      ->excludes(cancel);
  AddRemoteOptions(rotate_root, *o);
  CLI::App* rotate_root_verify = op->add_subcommand(
      "rotate-root-verify",
      "Shamir: enter one new unseal key of the pending root rotation; the last one needed "
      "commits it.");
  rotate_root_verify->add_option("share", o->share,
                                 "The new unseal key (read from stdin when not given)");
  rotate_root_verify->add_option(
      "--nonce", o->nonce,
      "The rotation's nonce, as printed by rotate-root (default: the pending one)");
  AddRemoteOptions(rotate_root_verify, *o);
  CLI::App* rotate_keyring = op->add_subcommand(
      "rotate-keyring", "Start a new keyring term for new material (needs the account root).");
  AddRemoteOptions(rotate_keyring, *o);
  CLI::App* set_jwks = op->add_subcommand(
      "set-oidc-jwks",
      "Upload the signing keys (JWKS) of an IAM OIDC provider whose issuer Coffer cannot reach "
      "(needs the account root).");
  set_jwks->add_option("--provider-arn", o->provider_arn, "The OIDC provider's ARN")->required();
  set_jwks->add_option("--jwks-file", o->jwks_file,
                       "The JWKS document (e.g. kubectl get --raw /openid/v1/jwks); omit it to "
                       "remove the uploaded keys");
  AddRemoteOptions(set_jwks, *o);

  return [=]() -> int {
    if (!op->parsed()) return -1;
    if (init->parsed()) return RunInit(*o);
    if (unseal->parsed()) return RunUnseal(*o);
    if (seal->parsed()) {
      Remote remote(*o);
      return PrintResult(remote.Call("POST", "/sys/seal", "{}", /*sign=*/true));
    }
    if (status->parsed()) {
      Remote remote(*o);
      return PrintResult(remote.Call("GET", "/sys/seal-status", "", /*sign=*/false));
    }
    if (rotate_root->parsed()) return RunRotateRoot(*o);
    if (rotate_root_verify->parsed()) return RunRotateRootVerify(*o);
    if (rotate_keyring->parsed()) return RunRotateKeyring(*o);
    if (set_jwks->parsed()) return RunSetOidcJwks(*o);
    return 2;
  };
}

}  // namespace coffer::cli
