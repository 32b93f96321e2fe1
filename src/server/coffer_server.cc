#include "server/coffer_server.h"

#include <signal.h>
#include <sys/stat.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "api/aws_json/audit_recorder.h"
#include "api/aws_json/aws_json_protocol.h"
#include "api/aws_json/cloudtrail_api.h"
#include "api/aws_json/kms_api.h"
#include "api/aws_json/re2_pattern_matcher.h"
#include "api/aws_json/secrets_manager_api.h"
#include "api/aws_json/ssm_api.h"
#include "api/aws_query/aws_query_protocol.h"
#include "api/aws_query/iam_api.h"
#include "api/aws_query/sts_api.h"
#include "api/common/policy_cache.h"
#include "api/common/policy_document_parser.h"
#include "api/common/sigv4.h"
#include "audit_trail/file_audit_log.h"
#include "audit_trail/file_audit_reader.h"
#include "base/logging.h"
#include "base/metrics.h"
#include "base/strings.h"
#include "core/common/account.h"
#include "core/identity/authorizer.h"
#include "core/identity/iam_service.h"
#include "core/identity/identity_service.h"
#include "core/identity/sts_service.h"
#include "core/keys/key_ring.h"
#include "core/keys/key_service.h"
#include "core/parameters/parameter_service.h"
#include "core/secrets/secret_service.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_asymmetric.h"
#include "crypto/openssl/openssl_hashes.h"
#include "crypto/openssl/openssl_jose_codec.h"
#include "crypto/openssl/openssl_random.h"
#include "http/server.h"
#include "oidc/document_fetcher.h"
#include "oidc/oidc_token_verifier.h"
#include "server/audit_wiring.h"
#include "server/data_dir.h"
#include "server/log_sink.h"
#include "server/root_of_trust.h"
#include "server/router.h"
#include "server/sys_api.h"
#include "storage/sqlite/sqlite_access_key_store.h"
#include "storage/sqlite/sqlite_database.h"
#include "storage/sqlite/sqlite_iam_store.h"
#include "storage/sqlite/sqlite_key_store.h"
#include "storage/sqlite/sqlite_meta.h"
#include "storage/sqlite/sqlite_parameter_store.h"
#include "storage/sqlite/sqlite_secret_store.h"

#ifndef COFFER_VERSION
#define COFFER_VERSION "0.0.0"
#endif

namespace coffer::server {
namespace {

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

Result<HostPort> ParseListen(std::string_view s) {
  HostPort hp;
  std::string_view port;
  if (s.starts_with("[")) {
    size_t close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return InvalidArgumentError("--listen must be HOST:PORT (IPv6 as [ADDR]:PORT)");
    }
    hp.host = std::string(s.substr(1, close - 1));
    port = s.substr(close + 2);
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return InvalidArgumentError("--listen must be HOST:PORT");
    hp.host = std::string(s.substr(0, colon));
    port = s.substr(colon + 1);
  }
  auto p = ParseInt64(port);
  if (!p || *p < 0 || *p > 65535 || hp.host.empty()) {
    return InvalidArgumentError("--listen must be HOST:PORT with a port from 0 to 65535");
  }
  if (hp.host == "localhost") hp.host = "127.0.0.1";
  hp.port = static_cast<uint16_t>(*p);
  return hp;
}

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

class CofferServerImpl final : public CofferServer {
 public:
  explicit CofferServerImpl(ServerConfig config) : config_(std::move(config)) {}
  ~CofferServerImpl() override { Shutdown(); }

  Result<void> Init(std::ostream& out);
  uint16_t port() const override { return http_ ? http_->port() : 0; }
  void Shutdown() override;

 private:
  Result<void> ResolveAccount();
  // Start-up work that needs the unsealed keyring (root credentials). Runs after every unseal;
  // does its work once.
  Result<void> OnUnsealed();
  Result<void> OpenAuditTrail();
  // Records work Coffer did by itself (see ServiceEvent).
  void AuditServiceEvent(std::string_view service, std::string_view name, std::string arn,
                         std::string_view resource_type);
  void SweepLoop();

  ServerConfig config_;
  const Clock& clock_ = RealClock::Get();
  crypto::OpensslRandom random_;
  crypto::OpensslAead aead_;
  crypto::OpensslHashes hashes_;
  crypto::OpensslAsymmetric asymmetric_;
  std::optional<DataDir> data_dir_;
  std::unique_ptr<storage::sqlite::SqliteDatabase> db_;
  std::unique_ptr<storage::sqlite::SqliteKeyStore> key_store_;
  std::unique_ptr<storage::sqlite::SqliteSecretStore> secret_store_;
  std::unique_ptr<storage::sqlite::SqliteParameterStore> parameter_store_;
  std::unique_ptr<storage::sqlite::SqliteAccessKeyStore> access_key_store_;
  core::Account account_;
  std::unique_ptr<keys::KeyRing> ring_;
  std::unique_ptr<RootOfTrust> root_of_trust_;
  std::mutex unsealed_mu_;
  bool unsealed_once_ = false;  // guarded by unsealed_mu_
  std::ostream* out_ = nullptr;
  std::unique_ptr<keys::KeyService> keys_;
  std::unique_ptr<secrets::SecretService> secrets_;
  api::aws_json::Re2PatternMatcher parameter_patterns_;
  std::unique_ptr<parameters::ParameterService> parameters_;
  std::unique_ptr<identity::IdentityService> identity_;
  std::unique_ptr<storage::sqlite::SqliteIamStore> iam_store_;
  api::JsonPolicyParser policy_parser_;
  std::unique_ptr<api::PolicyCache> policy_cache_;
  std::unique_ptr<identity::IamService> iam_;
  std::unique_ptr<identity::Authorizer> authorizer_;
  crypto::OpensslJoseCodec jose_;
  oidc::HttpsDocumentFetcher oidc_fetcher_;
  std::unique_ptr<oidc::OidcTokenVerifier> web_identity_;
  std::unique_ptr<identity::StsService> sts_;
  std::unique_ptr<api::SigV4Verifier> verifier_;
  // The audit trail: a FileAuditLog, or a NullAuditLog with --audit-mode off.
  std::unique_ptr<KmsDigestSigner> digest_signer_;
  std::unique_ptr<audit_trail::FileAuditLog> file_audit_;
  std::unique_ptr<audit::AuditLog> null_audit_;
  audit::AuditLog* audit_log_ = nullptr;
  std::unique_ptr<audit_trail::FileAuditReader> audit_reader_;
  std::unique_ptr<api::aws_json::AuditRecorder> audit_recorder_;
  std::unique_ptr<api::aws_json::CloudTrailApi> cloudtrail_api_;
  std::unique_ptr<api::aws_json::AwsJsonProtocol> aws_json_;
  std::unique_ptr<api::aws_json::SecretsManagerApi> secrets_api_;
  std::unique_ptr<api::aws_json::KmsApi> kms_api_;
  std::unique_ptr<api::aws_json::SsmApi> ssm_api_;
  std::unique_ptr<api::aws_query::AwsQueryProtocol> aws_query_;
  std::unique_ptr<api::aws_query::IamApi> iam_api_;
  std::unique_ptr<api::aws_query::StsApi> sts_api_;
  std::unique_ptr<SysApi> sys_api_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<http::Server> http_;

  std::thread sweeper_;
  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool stopping_ = false;
  bool shut_down_ = false;
};

Result<void> CofferServerImpl::ResolveAccount() {
  using storage::sqlite::GetMeta;
  using storage::sqlite::PutMeta;
  COFFER_ASSIGN_OR_RETURN(auto stored_account, GetMeta(*db_, "account_id"));
  COFFER_ASSIGN_OR_RETURN(auto stored_region, GetMeta(*db_, "region"));
  std::string account_id, region;
  if (config_.account_id) {
    if (!core::IsValidAccountId(*config_.account_id)) {
      return InvalidArgumentError("--account-id must be 12 digits");
    }
    if (stored_account && *stored_account != *config_.account_id) {
      return FailedPreconditionError("this data directory belongs to account " + *stored_account +
                                     ", not " + *config_.account_id);
    }
    account_id = *config_.account_id;
  } else if (stored_account) {
    account_id = *stored_account;
  } else {
    account_id = std::to_string(1 + random_.Uniform(9)) + random_.FromAlphabet("0123456789", 11);
  }
  if (config_.region) {
    if (!core::IsValidRegionName(*config_.region)) {
      return InvalidArgumentError("--region must look like us-east-1");
    }
    if (stored_region && *stored_region != *config_.region) {
      return FailedPreconditionError("this data directory serves region " + *stored_region +
                                     ", not " + *config_.region);
    }
    region = *config_.region;
  } else {
    region = stored_region.value_or("us-east-1");
  }
  if (!stored_account) COFFER_RETURN_IF_ERROR(PutMeta(*db_, "account_id", account_id));
  if (!stored_region) COFFER_RETURN_IF_ERROR(PutMeta(*db_, "region", region));
  account_ = core::Account::Make(account_id, region);
  return Ok();
}

Result<void> CofferServerImpl::Init(std::ostream& out) {
  log::Level level;
  if (!log::ParseLevel(config_.log_level, &level)) {
    return InvalidArgumentError("--log-level must be debug, info, warn or error");
  }
  log::SetLevel(level);

  COFFER_ASSIGN_OR_RETURN(HostPort listen, ParseListen(config_.listen));
  bool tls = config_.tls_cert.has_value() || config_.tls_key.has_value();
  if (!tls && !IsLoopbackHost(listen.host) && !config_.insecure_http) {
    return FailedPreconditionError(
        "refusing to serve plain HTTP on a non-loopback address: give --tls-cert and --tls-key, "
        "or --insecure-http if something else terminates TLS");
  }

  COFFER_ASSIGN_OR_RETURN(data_dir_, DataDir::Open(config_.data_dir));
  int io_threads = config_.io_threads > 0
                       ? config_.io_threads
                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  COFFER_ASSIGN_OR_RETURN(
      db_, storage::sqlite::SqliteDatabase::Open(
               {data_dir_->DatabasePath().string(), static_cast<size_t>(io_threads) + 8, 512}));
  key_store_ = std::make_unique<storage::sqlite::SqliteKeyStore>(*db_);
  secret_store_ = std::make_unique<storage::sqlite::SqliteSecretStore>(*db_);
  parameter_store_ = std::make_unique<storage::sqlite::SqliteParameterStore>(*db_);
  access_key_store_ = std::make_unique<storage::sqlite::SqliteAccessKeyStore>(*db_);
  COFFER_RETURN_IF_ERROR(ResolveAccount());

  ring_ = std::make_unique<keys::KeyRing>(*key_store_, aead_, random_, clock_);
  keys_ = std::make_unique<keys::KeyService>(*key_store_, *ring_, aead_, random_, clock_, account_,
                                             keys::KeyService::Options{}, &asymmetric_);
  secrets_ = std::make_unique<secrets::SecretService>(*secret_store_, *keys_, aead_, random_,
                                                      clock_, secrets::SecretService::Options{});
  identity_ = std::make_unique<identity::IdentityService>(*access_key_store_, *ring_, random_,
                                                          clock_, account_);
  identity_->set_policy_parser(&policy_parser_);
  // IAM: policies are not secret, so they load before any unseal.
  iam_store_ = std::make_unique<storage::sqlite::SqliteIamStore>(*db_);
  iam_ = std::make_unique<identity::IamService>(*iam_store_, *identity_, policy_parser_, random_,
                                                clock_, account_);
  COFFER_RETURN_IF_ERROR(iam_->Load());
  authorizer_ = std::make_unique<identity::Authorizer>(*iam_);
  policy_cache_ = std::make_unique<api::PolicyCache>(policy_parser_);
  web_identity_ = std::make_unique<oidc::OidcTokenVerifier>(asymmetric_, jose_, oidc_fetcher_);
  sts_ = std::make_unique<identity::StsService>(*iam_, *identity_, *web_identity_, *authorizer_,
                                                clock_);
  COFFER_RETURN_IF_ERROR(OpenAuditTrail());
  // Key file and PKCS#11 unseal here; a Shamir server starts sealed and runs OnUnsealed when
  // the last unseal key arrives.
  out_ = &out;
  COFFER_ASSIGN_OR_RETURN(root_of_trust_,
                          RootOfTrust::Open(*data_dir_, *ring_, random_, config_.pkcs11_pin_file,
                                            [this] { return OnUnsealed(); }));
  COFFER_RETURN_IF_ERROR(root_of_trust_->UnsealAtStart());

  verifier_ = std::make_unique<api::SigV4Verifier>(
      hashes_, clock_,
      [this](std::string_view id, std::string_view token) {
        return identity_->FindCredential(id, token);
      },
      config_.max_clock_skew);
  metrics::Registry& registry = metrics::Registry::Default();
  aws_json_ =
      std::make_unique<api::aws_json::AwsJsonProtocol>(*verifier_, random_, clock_, registry);
  aws_json_->set_authorizer(authorizer_.get());
  if (audit_recorder_) aws_json_->set_audit(audit_recorder_.get());
  secrets_api_ = std::make_unique<api::aws_json::SecretsManagerApi>(*secrets_);
  secrets_api_->set_policy_cache(policy_cache_.get());
  aws_json_->AddService(secrets_api_.get());
  kms_api_ = std::make_unique<api::aws_json::KmsApi>(*keys_);
  kms_api_->set_policy_cache(policy_cache_.get());
  aws_json_->AddService(kms_api_.get());
  parameters_ = std::make_unique<parameters::ParameterService>(
      *parameter_store_, *keys_, parameter_patterns_, clock_, secrets_.get(),
      parameters::ParameterService::Options{});
  ssm_api_ = std::make_unique<api::aws_json::SsmApi>(*parameters_);
  aws_json_->AddService(ssm_api_.get());
  if (audit_reader_) {
    cloudtrail_api_ = std::make_unique<api::aws_json::CloudTrailApi>(*audit_reader_);
    aws_json_->AddService(cloudtrail_api_.get());
  }
  aws_query_ = std::make_unique<api::aws_query::AwsQueryProtocol>(
      *verifier_, random_, clock_,
      api::aws_query::RequestMetrics{&aws_json_->requests_family(), &aws_json_->latency_family()});
  aws_query_->set_authorizer(authorizer_.get());
  if (audit_recorder_) aws_query_->set_audit(audit_recorder_.get());
  iam_api_ = std::make_unique<api::aws_query::IamApi>(*iam_, *authorizer_);
  aws_query_->AddService(iam_api_.get());
  sts_api_ = std::make_unique<api::aws_query::StsApi>(*sts_, *authorizer_, account_);
  aws_query_->AddService(sts_api_.get());
  sys_api_ = std::make_unique<SysApi>(*root_of_trust_, *verifier_);
  sys_api_->set_iam(iam_.get());
  router_ = std::make_unique<Router>(
      *aws_json_, registry,
      [this] {
        if (ring_->is_sealed()) return false;
        return storage::sqlite::GetMeta(*db_, "account_id").has_value();
      },
      config_.max_body_bytes, sys_api_.get(), [this] { return ring_->is_sealed(); });
  router_->set_aws_query(aws_query_.get());
  if (audit_recorder_) router_->set_audit(audit_recorder_.get());

  http::Server::Options hopts;
  hopts.host = listen.host;
  hopts.port = listen.port;
  hopts.io_threads = io_threads;
  hopts.worker_threads = config_.worker_threads;
  hopts.max_body_bytes = config_.max_body_bytes;
  hopts.tls_cert_file = config_.tls_cert;
  hopts.tls_key_file = config_.tls_key;
  COFFER_ASSIGN_OR_RETURN(http_, http::Server::Create(hopts, *router_));
  http_->Start();
  sweeper_ = std::thread([this] { SweepLoop(); });

  std::string host =
      listen.host.find(':') != std::string::npos ? "[" + listen.host + "]" : listen.host;
  out << "Coffer " << COFFER_VERSION << " is listening on " << (tls ? "https" : "http") << "://"
      << host << ":" << http_->port() << " (account " << account_.account_id << ", region "
      << account_.region << ", data " << data_dir_->path().string() << ", root of trust "
      << RootProviderName(root_of_trust_->provider())
      << (ring_->is_sealed() ? ", sealed" : ", unsealed") << ")" << std::endl;
  log::Info("coffer started",
            {{"address", host + ":" + std::to_string(http_->port())},
             {"account_id", account_.account_id},
             {"region", account_.region},
             {"tls", tls},
             {"root_of_trust", std::string(RootProviderName(root_of_trust_->provider()))},
             {"sealed", ring_->is_sealed()},
             {"root_key_created", root_of_trust_->root_key_created()}});
  return Ok();
}

Result<void> CofferServerImpl::OpenAuditTrail() {
  using Mode = ServerConfig::AuditMode;
  if (config_.audit_mode == Mode::kOff) {
    log::Warn("the audit trail is off (--audit-mode off): API calls are not recorded");
    return Ok();
  }
  std::filesystem::path dir =
      config_.audit_dir ? std::filesystem::path(*config_.audit_dir) : data_dir_->path() / "audit";
  digest_signer_ = std::make_unique<KmsDigestSigner>(*keys_);
  audit_trail::FileAuditLog::Options options;
  options.dir = dir;
  options.max_file_bytes = config_.audit_max_file_bytes;
  options.digest_every_events = config_.audit_digest_events;
  options.digest_interval = config_.audit_digest_interval;
  options.sync = config_.audit_fsync;
  options.fail_closed = config_.audit_mode == Mode::kFailClosed;
  options.mirror_stdout = config_.audit_stdout;
  options.mirror_syslog = config_.audit_syslog;
  options.signer = digest_signer_.get();
  options.metrics = &metrics::Registry::Default();
  // The chain's head at each digest, kept outside the trail: `coffer audit verify` compares
  // it with the trail to detect truncation.
  options.on_checkpoint = [this](const audit_trail::Checkpoint& c) {
    auto stored =
        storage::sqlite::PutMeta(*db_, "audit_checkpoint",
                                 std::to_string(c.last_sequence) + " " + c.last_event_hash + " " +
                                     std::to_string(ToUnixMillis(c.time)));
    if (!stored.has_value()) {
      log::Warn("could not store the audit checkpoint", {{"error", stored.error().message}});
    }
  };
  auto opened = audit_trail::FileAuditLog::Create(std::move(options), hashes_, clock_);
  if (!opened.has_value()) {
    return Error{opened.error().code,
                 "cannot open the audit trail in " + dir.string() + ": " + opened.error().message};
  }
  file_audit_ = std::move(*opened);
  audit_log_ = file_audit_.get();
  COFFER_ASSIGN_OR_RETURN(audit_reader_, audit_trail::FileAuditReader::Open(dir));
  audit_recorder_ = std::make_unique<api::aws_json::AuditRecorder>(
      *audit_log_, random_, account_.account_id, account_.region);
  return Ok();
}

void CofferServerImpl::AuditServiceEvent(std::string_view service, std::string_view name,
                                         std::string arn, std::string_view resource_type) {
  if (audit_log_ == nullptr) return;
  audit_log_->Append(
      ServiceEvent(service, name, std::move(arn), resource_type, account_, clock_.Now(), random_),
      [](const Result<void>& r) {
        if (!r.has_value()) {
          log::Warn("could not audit background work", {{"error", r.error().message}});
        }
      });
}

Result<void> CofferServerImpl::OnUnsealed() {
  std::lock_guard lock(unsealed_mu_);
  if (unsealed_once_) return Ok();
  COFFER_ASSIGN_OR_RETURN(identity::RootCredentials root,
                          identity_->EnsureRootCredentials(Env("COFFER_ROOT_ACCESS_KEY_ID"),
                                                           Env("COFFER_ROOT_SECRET_ACCESS_KEY")));
  if (root.generated) {
    COFFER_RETURN_IF_ERROR(data_dir_->WriteCredentials(root.access_key_id, root.secret_access_key));
    *out_ << "Generated root credentials (shown once; also in "
          << data_dir_->CredentialsPath().string() << ", mode 0600):\n"
          << "  AWS_ACCESS_KEY_ID=" << root.access_key_id << "\n"
          << "  AWS_SECRET_ACCESS_KEY=" << root.secret_access_key.view() << std::endl;
  }
  unsealed_once_ = true;
  if (digest_signer_) {
    // Create the digest signing key now, so its public key can be fetched (and pinned) before
    // the first digest is due.
    auto key = digest_signer_->PublicKey();
    if (!key.has_value()) {
      log::Warn("the audit digest key is not available yet", {{"error", key.error().message}});
    }
  }
  return Ok();
}

void CofferServerImpl::SweepLoop() {
  while (true) {
    {
      std::unique_lock lock(sweep_mu_);
      if (sweep_cv_.wait_for(lock, config_.sweep_interval, [this] { return stopping_; })) return;
    }
    if (ring_->is_sealed()) continue;  // nothing to do until an operator unseals
    auto purged = secrets_->PurgeDue(1000, [this](const std::string& arn) {
      AuditServiceEvent("secretsmanager", "DeleteSecret", arn, "AWS::SecretsManager::Secret");
    });
    if (!purged.has_value()) {
      log::Warn("deletion sweep failed", {{"error", purged.error().message}});
    } else if (*purged > 0) {
      log::Info("purged secrets past their recovery window",
                {{"count", static_cast<int64_t>(*purged)}});
    }
    auto pruned = secrets_->PruneVersions();
    if (!pruned.has_value()) {
      log::Warn("version pruning failed", {{"error", pruned.error().message}});
    } else if (*pruned > 0) {
      log::Info("pruned deprecated secret versions", {{"count", static_cast<int64_t>(*pruned)}});
    }
    auto key_work = keys_->RunScheduledWork([this](const keys::Key& key, std::string_view action) {
      AuditServiceEvent("kms", action, key.arn, "AWS::KMS::Key");
    });
    if (!key_work.has_value()) {
      log::Warn("KMS key sweep failed", {{"error", key_work.error().message}});
    } else if (key_work->first > 0 || key_work->second > 0) {
      log::Info("KMS key sweep", {{"deleted", static_cast<int64_t>(key_work->first)},
                                  {"rotated", static_cast<int64_t>(key_work->second)}});
    }
  }
}

void CofferServerImpl::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (http_) http_->Drain(config_.drain_grace);
  {
    std::lock_guard lock(sweep_mu_);
    stopping_ = true;
  }
  sweep_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  http_.reset();
  // The last events and a final signed digest, while the keyring is still open.
  if (file_audit_) file_audit_->Shutdown();
  if (db_) db_->Flush();
  if (ring_) ring_->Seal();
  log::Info("coffer stopped");
  log::Flush();
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

Result<std::unique_ptr<CofferServer>> CofferServer::Start(const ServerConfig& config,
                                                          std::ostream& out) {
  auto server = std::make_unique<CofferServerImpl>(config);
  COFFER_RETURN_IF_ERROR(server->Init(out));
  return std::unique_ptr<CofferServer>(std::move(server));
}

int RunServer(const ServerConfig& config) {
  // Block the stop signals in every thread; this one waits for them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Everything Coffer creates (database, WAL, key and credential files) is for its user only.
  umask(077);
  log::SetSink(MakeSpdlogSink());

  auto server = CofferServer::Start(config, std::cout);
  if (!server.has_value()) {
    std::cerr << "coffer: " << server.error().message << std::endl;
    log::Flush();
    return 1;
  }
  int sig = 0;
  sigwait(&stop, &sig);
  log::Info("stopping: draining in-flight requests", {{"signal", sig}});
  (*server)->Shutdown();
  server->reset();
  log::Flush();
  return 0;
}

}  // namespace coffer::server
