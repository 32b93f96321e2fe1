// Evaluate must not allocate on the common path (no policy variables): this binary replaces the
// global operator new to count allocations made while a test has counting switched on.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "core/policy/policy_evaluator.h"
#include "core/policy/testing/statement_builder.h"

namespace {
thread_local bool counting = false;
thread_local size_t allocations = 0;
}  // namespace

// noinline: once inlined next to a new-expression, GCC's -Wmismatched-new-delete cannot see that
// this operator new is malloc.
[[gnu::noinline]] void* operator new(std::size_t n) {
  if (counting) ++allocations;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) std::abort();
  return p;
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t /*size*/) noexcept { std::free(p); }

namespace coffer::policy {
namespace {

size_t AllocationsOf(const PolicySet& set, const RequestContext& r, Decision want) {
  allocations = 0;
  counting = true;
  Decision got = Decision::kImplicitDeny;
  for (int i = 0; i < 100; ++i) got = Evaluate(set, r).decision;
  counting = false;
  EXPECT_EQ(got, want);
  return allocations;
}

TEST(PolicyEvaluatorAllocTest, CommonPathDoesNotAllocate) {
  auto policy = testing::Build(PolicyKind::kIdentity, testing::SampleStatements());
  ASSERT_TRUE(policy.has_value()) << policy.error().message;
  PolicySet set;
  set.identity = {*policy};
  RequestContext r = testing::SampleRequest();
  EXPECT_EQ(AllocationsOf(set, r, Decision::kAllow), 0u);
  r.Set("aws:SourceIp", "172.16.0.1");
  EXPECT_EQ(AllocationsOf(set, r, Decision::kExplicitDeny), 0u);
  r.Set("aws:SourceIp", "10.0.0.1");
  r.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:other-AbCdEf";
  EXPECT_EQ(AllocationsOf(set, r, Decision::kImplicitDeny), 0u);
  // A key policy that delegates to the account, with a session policy.
  auto key_policy = testing::Build(PolicyKind::kResource,
                                   {testing::Stmt::Allow()
                                        .Principal("AWS", {"arn:aws:iam::111122223333:root"})
                                        .Action({"*"})
                                        .Resource({"*"})});
  ASSERT_TRUE(key_policy.has_value());
  set.resource = *key_policy;
  set.resource_policy_required = true;
  set.has_session = true;
  set.session = {*policy};
  r.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
  EXPECT_EQ(AllocationsOf(set, r, Decision::kAllow), 0u);
}

TEST(PolicyEvaluatorAllocTest, VariablesAllocateSoTheCounterWorks) {
  auto policy =
      testing::Build(PolicyKind::kIdentity,
                     {testing::Stmt::Allow()
                          .Action({"secretsmanager:GetSecretValue"})
                          .Resource({"arn:aws:secretsmanager:*:*:secret:home/${aws:username}/*"})});
  ASSERT_TRUE(policy.has_value());
  PolicySet set;
  set.identity = {*policy};
  RequestContext r = testing::SampleRequest();
  r.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:home/alice/x";
  EXPECT_GT(AllocationsOf(set, r, Decision::kAllow), 0u);
}

}  // namespace
}  // namespace coffer::policy
