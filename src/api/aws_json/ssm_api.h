#ifndef COFFER_API_AWS_JSON_SSM_API_H_
#define COFFER_API_AWS_JSON_SSM_API_H_

#include "api/aws_json/service.h"
#include "core/parameters/parameter_service.h"

namespace coffer::api::aws_json {

// AWS Systems Manager Parameter Store (X-Amz-Target "AmazonSSM.<Op>", signing name "ssm") over
// the parameters domain: the 13 parameter and tagging operations of the SSM model. Thread-safe.
class SsmApi final : public Service {
 public:
  explicit SsmApi(parameters::ParameterService& parameters) : parameters_(parameters) {}

  std::string_view target_prefix() const override { return "AmazonSSM"; }
  std::string_view signing_name() const override { return "ssm"; }
  std::span<const Operation> operations() const override;
  bool Implements(std::string_view operation) const override;
  bool MayBlock(std::string_view operation) const override;
  // Every write but DeleteParameters (several writes) ends in one durable write.
  bool Deferrable(std::string_view operation) const override;
  Result<void> Invoke(std::string_view operation, Call& call) override;
  ApiError MapError(const Error& error) const override;

 private:
  // Checks the caller's permission for `op` on every parameter it names.
  Result<void> AuthorizeCall(std::string_view op, Call& c);
  Result<void> PutParameter(Call& c);
  Result<void> GetParameter(Call& c);
  Result<void> GetParameters(Call& c);
  Result<void> GetParametersByPath(Call& c);
  Result<void> DescribeParameters(Call& c);
  Result<void> GetParameterHistory(Call& c);
  Result<void> DeleteParameter(Call& c);
  Result<void> DeleteParameters(Call& c);
  Result<void> LabelParameterVersion(Call& c);
  Result<void> UnlabelParameterVersion(Call& c);
  Result<void> AddTagsToResource(Call& c);
  Result<void> ListTagsForResource(Call& c);
  Result<void> RemoveTagsFromResource(Call& c);

  parameters::ParameterService& parameters_;
};

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_SSM_API_H_
