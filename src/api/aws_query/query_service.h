#ifndef COFFER_API_AWS_QUERY_QUERY_SERVICE_H_
#define COFFER_API_AWS_QUERY_QUERY_SERVICE_H_

#include <string_view>

#include "api/aws_json/service.h"
#include "api/aws_query/query_model.h"
#include "api/common/api_error.h"
#include "base/result.h"

namespace coffer::api::aws_query {

// An AWS service spoken over the query protocol (Action=<Operation>&Version=<api version>, XML
// responses): IAM, STS. Handlers are written exactly like aws_json ones: AwsQueryProtocol decodes
// the form parameters into the JSON object call.in reads (member names as in the model, lists as
// arrays, maps as objects, timestamps as epoch seconds, blobs base64), validated against the input
// shape, and turns what the handler writes into call.out (JsonOut, an object with the output
// shape's members) into the XML response.
// For an unsigned operation (model authtype none, e.g. STS AssumeRoleWithWebIdentity) that arrives
// without a signature, call.ctx.credential is null: do not call ctx.principal().
// Implementations are thread-safe.
class QueryService {
 public:
  virtual ~QueryService() = default;
  // The SigV4 service in the credential scope ("iam", "sts"); it routes signed requests.
  virtual std::string_view signing_name() const = 0;
  // The generated model: API version, XML namespace, every operation (see IamModel()/StsModel()).
  virtual const QueryModel& model() const = 0;
  virtual bool Implements(std::string_view operation) const = 0;
  // True when the operation waits for durable writes (run on the worker pool, off the I/O
  // threads).
  virtual bool MayBlock(std::string_view operation) const = 0;
  // Runs the operation; on success writes the output object into call.out (nothing, or "{}",
  // for operations without output).
  virtual Result<void> Invoke(std::string_view operation, aws_json::Call& call) = 0;
  // The wire error for a domain error: the query error code (e.g. "NoSuchEntity", 404).
  virtual ApiError MapError(const Error& error) const = 0;
};

}  // namespace coffer::api::aws_query

#endif  // COFFER_API_AWS_QUERY_QUERY_SERVICE_H_
