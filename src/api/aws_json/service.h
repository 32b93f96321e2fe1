#ifndef COFFER_API_AWS_JSON_SERVICE_H_
#define COFFER_API_AWS_JSON_SERVICE_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "api/aws_json/json_io.h"
#include "api/aws_json/shape.h"
#include "api/common/api_error.h"
#include "base/clock.h"
#include "base/result.h"
#include "core/identity/authorizer.h"
#include "core/identity/principal.h"
#include "http/message.h"

namespace coffer::api::aws_json {

// What an operation handler knows about the request it serves.
struct CallContext {
  std::string request_id;
  Timestamp received;
  const http::Request* http = nullptr;
  std::shared_ptr<const identity::Credential> credential;
  std::string region;  // from the credential scope
  std::string_view operation;

  // Decides permissions; null when policies are not enforced (components tested alone).
  const identity::Authorizer* authorizer = nullptr;

  const identity::Principal& principal() const { return credential->principal; }
  // True when no policy check is needed: the account root, or no authorizer.
  bool unrestricted() const {
    return authorizer == nullptr || (credential && credential->principal.is_root());
  }
  identity::RequestFacts Facts() const;
  // Ok, or kPermissionDenied with AWS's AccessDenied message.
  Result<void> Authorize(const identity::AccessRequest& request) const;
};

// One operation call: the validated input and the output being written.
struct Call {
  CallContext& ctx;
  JsonIn in;
  JsonOut out;
};

// An AWS service spoken over awsJson1_1 (X-Amz-Target "<prefix>.<Operation>").
// Implementations are thread-safe.
class Service {
 public:
  virtual ~Service() = default;
  virtual std::string_view target_prefix() const = 0;  // "secretsmanager", "TrentService"
  virtual std::string_view signing_name() const = 0;   // SigV4 service: "secretsmanager", "kms"
  // Every operation in the service's model (for input validation and routing).
  virtual std::span<const Operation> operations() const = 0;
  virtual bool Implements(std::string_view operation) const = 0;
  // True when the operation waits for durable writes (run off the I/O threads).
  virtual bool MayBlock(std::string_view operation) const = 0;
  // True when the operation ends in one durable write and fails only before it, so it can run
  // inline and answer once that write commits (see base/deferred_writes.h). Such operations
  // are not run on the worker pool unless their provisional answer could not be confirmed.
  virtual bool Deferrable(std::string_view operation) const { return MayBlock(operation); }
  // Runs the operation; writes the output object into call.out on success.
  virtual Result<void> Invoke(std::string_view operation, Call& call) = 0;
  // The wire error for a domain error.
  virtual ApiError MapError(const Error& error) const = 0;
};

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_SERVICE_H_
