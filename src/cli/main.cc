// `coffer`: one binary, with subcommands.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands/audit.h"
#include "cli/commands/kms_plugin.h"
#include "cli/commands/operator.h"
#include "server/coffer_server.h"

#ifndef COFFER_VERSION
#define COFFER_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{
      "Coffer: a self-hosted secrets platform speaking the AWS Secrets Manager, KMS, "
      "SSM, STS and IAM APIs."};
  app.require_subcommand(1);
  app.set_version_flag("--version", COFFER_VERSION);

  coffer::server::ServerConfig cfg;
  std::string region, account_id, tls_cert, tls_key, pkcs11_pin_file;
  int skew_seconds = static_cast<int>(cfg.max_clock_skew.count());
  int sweep_seconds = static_cast<int>(cfg.sweep_interval.count());
  CLI::App* server = app.add_subcommand("server", "Run the Coffer server.");
  server->add_option("--listen", cfg.listen, "HOST:PORT to listen on (port 0: pick a free one)")
      ->capture_default_str();
  server->add_option("--data-dir", cfg.data_dir, "Data directory (created 0700)")
      ->capture_default_str();
  server->add_option("--region", region, "AWS region this instance serves (default us-east-1)");
  server->add_option("--account-id", account_id,
                     "12-digit account id (generated on first start and kept if not given)");
  server->add_option("--tls-cert", tls_cert, "PEM certificate chain: serve HTTPS");
  server->add_option("--tls-key", tls_key, "PEM private key for --tls-cert");
  server->add_flag("--insecure-http", cfg.insecure_http,
                   "Allow plain HTTP on a non-loopback address");
  server->add_option("--io-threads", cfg.io_threads, "I/O threads (0: one per core)")
      ->capture_default_str();
  server
      ->add_option("--worker-threads", cfg.worker_threads,
                   "Threads for requests that wait on durable writes")
      ->capture_default_str();
  server->add_option("--max-body-bytes", cfg.max_body_bytes, "Largest request body accepted")
      ->capture_default_str();
  server->add_option("--max-clock-skew-seconds", skew_seconds, "SigV4 clock-skew window in seconds")
      ->capture_default_str();
  server
      ->add_option("--sweep-interval-seconds", sweep_seconds,
                   "How often expired deletions are purged")
      ->capture_default_str();
  server->add_option("--log-level", cfg.log_level, "debug | info | warn | error")
      ->capture_default_str();
  server->add_option("--pkcs11-pin-file", pkcs11_pin_file,
                     "PKCS#11 root of trust: file with the token PIN (default: the source given "
                     "at `coffer operator init`, else $COFFER_PKCS11_PIN)");

  std::string audit_mode = "fail-closed", audit_dir;
  int audit_digest_seconds = static_cast<int>(cfg.audit_digest_interval.count());
  server
      ->add_option("--audit-mode", audit_mode,
                   "fail-closed: refuse a request whose audit event cannot be written (503); "
                   "non-blocking: answer anyway and count dropped events; off: no audit trail")
      ->check(CLI::IsMember({"fail-closed", "non-blocking", "off"}))
      ->capture_default_str();
  server->add_option("--audit-dir", audit_dir, "Audit trail directory (default <data-dir>/audit)");
  server
      ->add_option(
          "--audit-fsync", cfg.audit_fsync,
          "fdatasync each batch of audit events before answering (survives power loss; false: "
          "written to the OS before answering, which survives a crash of Coffer)")
      ->capture_default_str();
  server->add_flag("--audit-stdout", cfg.audit_stdout, "Also print every audit event on stdout");
  server->add_flag("--audit-syslog", cfg.audit_syslog,
                   "Also send every audit event to syslog (LOG_AUTHPRIV, ident coffer-audit)");
  server
      ->add_option("--audit-digest-events", cfg.audit_digest_events,
                   "Sign a digest of the audit chain after this many events")
      ->capture_default_str();
  server
      ->add_option("--audit-digest-interval-seconds", audit_digest_seconds,
                   "...or after this many seconds, whichever comes first")
      ->capture_default_str();
  server
      ->add_option("--audit-max-file-bytes", cfg.audit_max_file_bytes,
                   "Start a new audit file beyond this size")
      ->capture_default_str();

  std::function<int()> run_operator = coffer::cli::AddOperatorCommand(app);
  std::function<int()> run_kms_plugin = coffer::cli::AddKmsPluginCommand(app);
  std::function<int()> run_audit = coffer::cli::AddAuditCommand(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // `coffer audit verify` promises 2 for a usage error (1 means a tampered trail).
    return rc != 0 && app.got_subcommand("audit") ? coffer::cli::kAuditUsageError : rc;
  }

  if (server->parsed()) {
    if (!region.empty()) cfg.region = region;
    if (!account_id.empty()) cfg.account_id = account_id;
    if (!tls_cert.empty()) cfg.tls_cert = tls_cert;
    if (!tls_key.empty()) cfg.tls_key = tls_key;
    if (!pkcs11_pin_file.empty()) cfg.pkcs11_pin_file = pkcs11_pin_file;
    cfg.max_clock_skew = std::chrono::seconds(skew_seconds);
    cfg.sweep_interval = std::chrono::seconds(std::max(1, sweep_seconds));
    cfg.audit_mode = audit_mode == "off" ? coffer::server::ServerConfig::AuditMode::kOff
                     : audit_mode == "non-blocking"
                         ? coffer::server::ServerConfig::AuditMode::kNonBlocking
                         : coffer::server::ServerConfig::AuditMode::kFailClosed;
    if (!audit_dir.empty()) cfg.audit_dir = audit_dir;
    cfg.audit_digest_interval = std::chrono::seconds(std::max(1, audit_digest_seconds));
    return coffer::server::RunServer(cfg);
  }
  if (int rc = run_operator(); rc >= 0) return rc;
  if (int rc = run_kms_plugin(); rc >= 0) return rc;
  if (int rc = run_audit(); rc >= 0) return rc;
  return 0;
}
