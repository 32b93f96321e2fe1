#include "core/identity/identity_service.h"

#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_random.h"
#include "storage/memory/memory_access_key_store.h"
#include "storage/memory/memory_key_store.h"

namespace coffer::identity {
namespace {

class IdentityServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SecretBytes root(32);
    ASSERT_TRUE(ring_.Unseal(root).has_value());
  }
  storage::memory::MemoryKeyStore key_store_;
  storage::memory::MemoryAccessKeyStore store_;
  crypto::OpensslAead aead_;
  crypto::OpensslRandom random_;
  coffer::testing::FakeClock clock_;
  keys::KeyRing ring_{key_store_, aead_, random_, clock_};
  IdentityService service_{store_, ring_, random_, clock_,
                           core::Account::Make("123456789012", "us-east-1")};
};

TEST_F(IdentityServiceTest, GeneratesRootCredentialsOnceAndSealsTheSecret) {
  auto first = service_.EnsureRootCredentials(std::nullopt, std::nullopt);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->generated);
  EXPECT_TRUE(first->access_key_id.starts_with("AKIA"));
  EXPECT_EQ(first->access_key_id.size(), 20u);
  EXPECT_EQ(first->secret_access_key.size(), 40u);
  auto rec = store_.Get(first->access_key_id)->value();
  EXPECT_EQ(rec.sealed_secret.find(first->secret_access_key.view()), std::string::npos);
  auto again = service_.EnsureRootCredentials(std::nullopt, std::nullopt);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->generated);
  EXPECT_EQ(again->access_key_id, first->access_key_id);
  EXPECT_TRUE(again->secret_access_key.Equals(first->secret_access_key.span()));
}

TEST_F(IdentityServiceTest, ExplicitCredentialsReplaceStoredRootKeys) {
  auto gen = *service_.EnsureRootCredentials(std::nullopt, std::nullopt);
  auto set = service_.EnsureRootCredentials(std::string("AKIAEXPLICIT00000001"),
                                            std::string("explicit-secret-value-123"));
  ASSERT_TRUE(set.has_value());
  EXPECT_FALSE(set->generated);
  auto cred = service_.FindCredential("AKIAEXPLICIT00000001");
  ASSERT_TRUE(cred.has_value());
  EXPECT_EQ((*cred)->secret.view(), "explicit-secret-value-123");
  EXPECT_EQ((*cred)->principal.arn, "arn:aws:iam::123456789012:root");
  EXPECT_EQ(service_.FindCredential(gen.access_key_id).error().reason, reason::kUnknownAccessKey);
}

TEST_F(IdentityServiceTest, RejectsMalformedExplicitCredentials) {
  EXPECT_FALSE(service_.EnsureRootCredentials(std::string("short"), std::string("x")).has_value());
  EXPECT_FALSE(service_.EnsureRootCredentials(std::string("AKIAEXPLICIT00000001"), std::nullopt)
                   .has_value());
  EXPECT_FALSE(service_
                   .EnsureRootCredentials(std::string("akia-lower-case-0001"),
                                          std::string("secret-secret-secret"))
                   .has_value());
}

TEST_F(IdentityServiceTest, ExpiredAndInactiveKeysAreRefused) {
  AccessKeyRecord r;
  r.access_key_id = "ASIAEXPIRING00000001";
  r.principal = service_.RootPrincipal();
  r.sealed_secret = *ring_.SealInternal("access-key", r.access_key_id, "s");
  r.created = clock_.Now();
  r.expires = clock_.Now() + std::chrono::minutes(15);
  ASSERT_TRUE(store_.Put(r).has_value());
  EXPECT_TRUE(service_.FindCredential(r.access_key_id).has_value());
  clock_.Advance(std::chrono::minutes(16));
  EXPECT_EQ(service_.FindCredential(r.access_key_id).error().reason, reason::kExpiredCredentials);
  EXPECT_EQ(service_.FindCredential("AKIANOPE000000000000").error().reason,
            reason::kUnknownAccessKey);
}

}  // namespace
}  // namespace coffer::identity
