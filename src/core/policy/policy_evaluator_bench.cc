// Policy evaluation cost on the request path: a realistic 10-statement identity policy with
// conditions (testing::SampleStatements) against a request it allows, denies explicitly and
// denies implicitly; a KMS key policy delegating to the account; a resource pattern with a
// policy variable; and, for scale, compiling the policy. Run from a release build:
//   cmake --preset release && cmake --build build/release --target policy_evaluator_bench
//   build/release/src/core/policy/policy_evaluator_bench
#include <benchmark/benchmark.h>

#include "core/policy/policy_evaluator.h"
#include "core/policy/testing/statement_builder.h"

namespace coffer::policy {
namespace {

PolicyPtr Sample() { return *testing::Build(PolicyKind::kIdentity, testing::SampleStatements()); }

void Run(benchmark::State& state, const PolicySet& set, const RequestContext& r, Decision want) {
  if (Evaluate(set, r).decision != want) {
    state.SkipWithError("unexpected decision");
    return;
  }
  for ([[maybe_unused]] auto _ : state) {
    Evaluation e = Evaluate(set, r);
    benchmark::DoNotOptimize(e);
  }
}

void EvaluateTenStatementsAllow(benchmark::State& state) {
  PolicySet set;
  set.identity = {Sample()};
  Run(state, set, testing::SampleRequest(), Decision::kAllow);
}
BENCHMARK(EvaluateTenStatementsAllow);

void EvaluateTenStatementsExplicitDeny(benchmark::State& state) {
  PolicySet set;
  set.identity = {Sample()};
  RequestContext r = testing::SampleRequest();
  r.Set("aws:SourceIp", "172.16.0.1");
  Run(state, set, r, Decision::kExplicitDeny);
}
BENCHMARK(EvaluateTenStatementsExplicitDeny);

void EvaluateTenStatementsImplicitDeny(benchmark::State& state) {
  PolicySet set;
  set.identity = {Sample()};
  RequestContext r = testing::SampleRequest();
  r.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:other/db-AbCdEf";
  Run(state, set, r, Decision::kImplicitDeny);
}
BENCHMARK(EvaluateTenStatementsImplicitDeny);

// Three attached policies of ten statements each, plus a session policy and a KMS-style key
// policy delegating to the account: the heaviest ordinary request.
void EvaluateThirtyStatementsKeyPolicySession(benchmark::State& state) {
  PolicySet set;
  set.identity = {Sample(), Sample(), Sample()};
  set.has_session = true;
  set.session = {Sample()};
  set.resource = *testing::Build(PolicyKind::kResource,
                                 {testing::Stmt::Allow()
                                      .Sid("Enable IAM User Permissions")
                                      .Principal("AWS", {"arn:aws:iam::111122223333:root"})
                                      .Action({"kms:*", "secretsmanager:*"})
                                      .Resource({"*"})});
  set.resource_policy_required = true;
  Run(state, set, testing::SampleRequest(), Decision::kAllow);
}
BENCHMARK(EvaluateThirtyStatementsKeyPolicySession);

void EvaluatePolicyVariable(benchmark::State& state) {
  PolicySet set;
  set.identity = {*testing::Build(
      PolicyKind::kIdentity,
      {testing::Stmt::Allow()
           .Action({"secretsmanager:GetSecretValue"})
           .Resource({"arn:aws:secretsmanager:*:*:secret:home/${aws:username}/*"})})};
  RequestContext r = testing::SampleRequest();
  r.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:home/alice/db-AbCdEf";
  Run(state, set, r, Decision::kAllow);
}
BENCHMARK(EvaluatePolicyVariable);

void BuildTenStatements(benchmark::State& state) {
  const std::vector<testing::Stmt> statements = testing::SampleStatements();
  for ([[maybe_unused]] auto _ : state) {
    auto p = testing::Build(PolicyKind::kIdentity, statements);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BuildTenStatements);

}  // namespace
}  // namespace coffer::policy

BENCHMARK_MAIN();
