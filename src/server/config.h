#ifndef COFFER_SERVER_CONFIG_H_
#define COFFER_SERVER_CONFIG_H_

#include <chrono>
#include <optional>
#include <string>

namespace coffer::server {

// `coffer server`'s settings. Defaults work with no flags: loopback, ./coffer-data.
struct ServerConfig {
  std::string listen = "127.0.0.1:8700";
  std::string data_dir = "./coffer-data";
  std::optional<std::string> account_id;  // 12 digits; generated once and kept when absent
  std::optional<std::string> region;      // default us-east-1, kept once chosen
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  bool insecure_http = false;  // allow plain HTTP on a non-loopback address
  int io_threads = 0;          // 0: one per core
  int worker_threads = 64;     // for requests that wait on durable writes
  size_t max_body_bytes = 1 << 20;
  std::chrono::seconds max_clock_skew{15 * 60};
  std::chrono::seconds sweep_interval{60};
  std::chrono::seconds drain_grace{10};
  std::string log_level = "info";
  // PKCS#11 root of trust: read the PIN from this file instead of the source recorded at init
  // (default: the COFFER_PKCS11_PIN environment variable).
  std::optional<std::string> pkcs11_pin_file;

  // The audit trail (docs/design/audit.md). Every API call is recorded before it is answered.
  enum class AuditMode {
    kFailClosed,   // a call whose event cannot be made durable is refused (503)
    kNonBlocking,  // calls are answered anyway; events that cannot be written are dropped
    kOff,          // no trail (benchmarks, throwaway instances)
  };
  AuditMode audit_mode = AuditMode::kFailClosed;
  std::optional<std::string> audit_dir;  // default <data-dir>/audit
  // fdatasync each batch before answering (survives power loss). Off: each event is written to
  // the OS before its answer (survives a crash of Coffer, kill -9), as Vault's file audit does.
  bool audit_fsync = false;
  bool audit_stdout = false;                       // also print every event on stdout
  bool audit_syslog = false;                       // also send every event to syslog (LOG_AUTHPRIV)
  size_t audit_digest_events = 1000;               // sign a digest after this many events...
  std::chrono::seconds audit_digest_interval{60};  // ...or this long, whichever comes first
  size_t audit_max_file_bytes = size_t{64} << 20;  // rotate the audit file beyond this size
};

}  // namespace coffer::server

#endif  // COFFER_SERVER_CONFIG_H_
