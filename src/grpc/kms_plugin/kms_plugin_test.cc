#include "grpc/kms_plugin/kms_plugin.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "base/testing/fake_clock.h"
#include "grpc/kms_plugin/testing/fake_kms.h"

namespace coffer::kmsplugin {
namespace {

using std::chrono::milliseconds;
using testing::FakeKms;

constexpr milliseconds kBudget{2000};

class KmsPluginTest : public ::testing::Test {
 protected:
  KmsPluginTest() : plugin_(kms_, KmsPlugin::Options{"alias/k8s"}, clock_) {}

  std::string KeyIdV(int v) { return kms_.key_arn() + ":v" + std::to_string(v); }

  FakeKms kms_;
  coffer::testing::FakeClock clock_;
  KmsPlugin plugin_;
};

TEST_F(KmsPluginTest, StatusIsV2OkWithTheKeyArnAndMaterialVersion) {
  StatusReply s = plugin_.Status(kBudget);
  EXPECT_EQ(s.version, "v2");
  EXPECT_EQ(s.healthz, "ok");
  EXPECT_EQ(s.key_id, KeyIdV(1));
  // The probe is a full round trip.
  EXPECT_EQ(kms_.encrypts(), 1);
  EXPECT_EQ(kms_.decrypts(), 1);
}

TEST_F(KmsPluginTest, StatusIsReusedForTheHealthyTtl) {
  ASSERT_EQ(plugin_.Status(kBudget).healthz, "ok");
  clock_.Advance(std::chrono::seconds(9));
  ASSERT_EQ(plugin_.Status(kBudget).healthz, "ok");
  EXPECT_EQ(kms_.encrypts(), 1);
  clock_.Advance(std::chrono::seconds(2));
  ASSERT_EQ(plugin_.Status(kBudget).healthz, "ok");
  EXPECT_EQ(kms_.encrypts(), 2);
}

TEST_F(KmsPluginTest, UnavailableKmsIsReportedInHealthzAndRecoversByItself) {
  ASSERT_EQ(plugin_.Status(kBudget).healthz, "ok");
  kms_.SetFailure(UnavailableError("cannot connect to http://127.0.0.1:8700: Connection refused"));
  clock_.Advance(std::chrono::seconds(11));
  StatusReply down = plugin_.Status(kBudget);
  EXPECT_EQ(down.version, "v2");
  EXPECT_NE(down.healthz, "ok");
  EXPECT_NE(down.healthz.find("Connection refused"), std::string::npos) << down.healthz;
  EXPECT_NE(down.healthz.find("alias/k8s"), std::string::npos) << down.healthz;
  EXPECT_EQ(down.key_id, KeyIdV(1));  // the last known one

  // Unhealthy answers are re-probed after a second.
  int probes = kms_.encrypts();
  plugin_.Status(kBudget);
  EXPECT_EQ(kms_.encrypts(), probes);
  kms_.SetFailure(std::nullopt);
  clock_.Advance(milliseconds(1001));
  StatusReply up = plugin_.Status(kBudget);
  EXPECT_EQ(up.healthz, "ok");
  EXPECT_EQ(up.key_id, KeyIdV(1));
}

TEST_F(KmsPluginTest, DisabledKeyIsUnhealthyWithTheCause) {
  kms_.SetFailure(FailedPreconditionError("DisabledException: arn:... is disabled."));
  StatusReply s = plugin_.Status(kBudget);
  EXPECT_NE(s.healthz, "ok");
  EXPECT_NE(s.healthz.find("DisabledException"), std::string::npos);
  EXPECT_EQ(s.key_id, "");  // never known
}

TEST_F(KmsPluginTest, KeyIdChangesWhenTheKeyRotatesAndEncryptAgrees) {
  ASSERT_EQ(plugin_.Status(kBudget).key_id, KeyIdV(1));
  kms_.Rotate();
  clock_.Advance(std::chrono::seconds(11));
  StatusReply s = plugin_.Status(kBudget);
  EXPECT_EQ(s.key_id, KeyIdV(2));
  auto e = plugin_.Encrypt(std::string(32, 's'), "uid-1", kBudget);
  ASSERT_TRUE(e.has_value()) << e.error().message;
  EXPECT_EQ(e->key_id, s.key_id);
  EXPECT_TRUE(e->annotations.empty());
}

TEST_F(KmsPluginTest, EncryptSeeingANewKeyIdUpdatesTheCachedStatus) {
  ASSERT_EQ(plugin_.Status(kBudget).key_id, KeyIdV(1));
  kms_.Rotate();
  auto e = plugin_.Encrypt(std::string(32, 's'), "uid-1", kBudget);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->key_id, KeyIdV(2));
  // Still within the healthy TTL: no probe, but the new key_id.
  int probes = kms_.encrypts();
  EXPECT_EQ(plugin_.Status(kBudget).key_id, KeyIdV(2));
  EXPECT_EQ(kms_.encrypts(), probes);
}

TEST_F(KmsPluginTest, DecryptsCiphertextsOfEveryEarlierKeyId) {
  std::string seed1(32, '\x01'), seed2(32, '\x02');
  auto e1 = plugin_.Encrypt(seed1, "u1", kBudget);
  ASSERT_TRUE(e1.has_value());
  kms_.Rotate();
  auto e2 = plugin_.Encrypt(seed2, "u2", kBudget);
  ASSERT_TRUE(e2.has_value());
  ASSERT_NE(e1->key_id, e2->key_id);
  for (const auto& [e, seed] : {std::pair(&*e1, &seed1), std::pair(&*e2, &seed2)}) {
    std::map<std::string, std::string> annotations;
    auto d = plugin_.Decrypt({e->ciphertext, e->key_id, &annotations, "u3"}, kBudget);
    ASSERT_TRUE(d.has_value()) << d.error().message;
    EXPECT_EQ(d->view(), *seed);
  }
}

TEST_F(KmsPluginTest, EncryptBindsThePurposeContext) {
  ASSERT_TRUE(plugin_.Encrypt("seed", "u", kBudget).has_value());
  EncryptionContext want{{"coffer:purpose", "kubernetes-kms-v2"}};
  EXPECT_EQ(kms_.last_context(), want);
}

TEST_F(KmsPluginTest, EncryptRefusesEmptyAndOversizedPlaintexts) {
  for (const std::string& p : {std::string(), std::string(513, 'x')}) {
    auto e = plugin_.Encrypt(p, "u", kBudget);
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(plugin_.Encrypt(std::string(512, 'x'), "u", kBudget).has_value());
  EXPECT_EQ(kms_.encrypts(), 1);
}

TEST_F(KmsPluginTest, DecryptRefusesMalformedInput) {
  auto e = plugin_.Encrypt(std::string(32, 's'), "u", kBudget);
  ASSERT_TRUE(e.has_value());
  std::map<std::string, std::string> none;
  std::map<std::string, std::string> bad_key{{"Not_An_FQDN", "v"}};
  std::map<std::string, std::string> too_big{{"a.coffer.dev", std::string(size_t{32} * 1024, 'v')}};
  std::string other_version = kms_.key_arn() + ":v9";
  std::string ct = e->ciphertext;
  std::string flipped = ct;
  flipped[5] ^= 1;  // another key uuid
  struct Case {
    std::string ciphertext, key_id;
    const std::map<std::string, std::string>* annotations;
  };
  for (const Case& c : {
           Case{"", e->key_id, &none},
           Case{std::string(1025, 'c'), e->key_id, &none},
           Case{ct, "", &none},
           Case{ct, std::string(1025, 'k'), &none},
           Case{ct, "some-other-plugin-key", &none},
           Case{ct, other_version, &none},
           Case{flipped, e->key_id, &none},
           Case{"garbage", e->key_id, &none},
           Case{ct, e->key_id, &bad_key},
           Case{ct, e->key_id, &too_big},
       }) {
    auto d = plugin_.Decrypt({c.ciphertext, c.key_id, c.annotations, "u"}, kBudget);
    ASSERT_FALSE(d.has_value()) << c.key_id;
    EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument) << d.error().message;
  }
  EXPECT_EQ(kms_.decrypts(), 0);  // all refused before calling KMS
  std::map<std::string, std::string> fine{{"version.kms.coffer.dev", "1"}};
  EXPECT_TRUE(plugin_.Decrypt({ct, e->key_id, &fine, "u"}, kBudget).has_value());
}

TEST_F(KmsPluginTest, KmsErrorsKeepTheirCode) {
  auto e = plugin_.Encrypt("seed", "u", kBudget);
  ASSERT_TRUE(e.has_value());
  kms_.SetFailure(PermissionDeniedError("AccessDeniedException: no"));
  auto enc = plugin_.Encrypt("seed", "u", kBudget);
  ASSERT_FALSE(enc.has_value());
  EXPECT_EQ(enc.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(enc.error().message, "KMS Encrypt failed: AccessDeniedException: no");
  kms_.SetFailure(UnavailableError("down"));
  auto dec = plugin_.Decrypt({e->ciphertext, e->key_id, nullptr, "u"}, kBudget);
  ASSERT_FALSE(dec.has_value());
  EXPECT_EQ(dec.error().code, ErrorCode::kUnavailable);
}

TEST_F(KmsPluginTest, UnavailableKmsDuringACallForcesTheNextStatusToProbe) {
  ASSERT_EQ(plugin_.Status(kBudget).healthz, "ok");
  kms_.SetFailure(UnavailableError("cannot connect"));
  ASSERT_FALSE(plugin_.Encrypt("seed", "u", kBudget).has_value());
  // No clock advance: the healthy answer would still be fresh, but the failure dropped it.
  StatusReply s = plugin_.Status(kBudget);
  EXPECT_NE(s.healthz, "ok");
  EXPECT_NE(s.healthz.find("cannot connect"), std::string::npos);
}

TEST_F(KmsPluginTest, ConcurrentStatusCallsShareOneProbe) {
  std::vector<std::thread> threads;
  std::vector<StatusReply> replies(8);
  for (size_t i = 0; i < replies.size(); ++i) {
    threads.emplace_back([&, i] { replies[i] = plugin_.Status(kBudget); });
  }
  for (auto& t : threads) t.join();
  for (const StatusReply& r : replies) EXPECT_EQ(r.healthz, "ok");
  EXPECT_EQ(kms_.encrypts(), 1);
}

TEST_F(KmsPluginTest, ATooShortDeadlineAnswersFromTheCacheWithoutProbing) {
  StatusReply first = plugin_.Status(milliseconds(10));
  EXPECT_NE(first.healthz, "ok");
  EXPECT_EQ(kms_.encrypts(), 0);
  EXPECT_EQ(plugin_.Status(kBudget).healthz, "ok");  // the short call cached nothing
}

TEST(IsFullyQualifiedDomainNameTest, FollowsRfc1123) {
  for (const char* ok : {"kms.coffer.dev", "a.b", "version.encryption.remote.io", "x-1.y2"}) {
    EXPECT_TRUE(IsFullyQualifiedDomainName(ok)) << ok;
  }
  for (const char* bad : {"", "coffer", "Kms.coffer.dev", "kms..dev", ".kms.dev", "kms.dev.",
                          "-a.dev", "a-.dev", "kms.coffer.dev/key", "a_b.dev"}) {
    EXPECT_FALSE(IsFullyQualifiedDomainName(bad)) << bad;
  }
  EXPECT_FALSE(IsFullyQualifiedDomainName(std::string(64, 'a') + ".dev"));
  EXPECT_TRUE(IsFullyQualifiedDomainName(std::string(63, 'a') + ".dev"));
}

}  // namespace
}  // namespace coffer::kmsplugin
