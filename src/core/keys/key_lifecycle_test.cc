// KeyService's KMS control plane and asymmetric/HMAC operations, against the memory store and
// the real OpenSSL primitives.
#include <gtest/gtest.h>

#include <set>

#include "base/testing/fake_clock.h"
#include "core/keys/errors.h"
#include "core/keys/key_service.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_asymmetric.h"
#include "crypto/openssl/openssl_random.h"
#include "storage/memory/memory_key_store.h"

namespace coffer::keys {
namespace {

using std::chrono::hours;

constexpr auto kDay = hours(24);

class KeyLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SecretBytes root(32);
    root.mutable_span()[0] = 7;
    ASSERT_TRUE(ring_.Unseal(root).has_value());
  }

  Key Create(KeySpec spec = KeySpec::kSymmetricDefault,
             KeyUsage usage = KeyUsage::kEncryptDecrypt) {
    CreateKeyRequest req;
    req.spec = spec;
    req.usage = usage;
    auto k = service_.CreateKey(req);
    EXPECT_TRUE(k.has_value()) << k.error().message;
    return *k;
  }

  storage::memory::MemoryKeyStore store_;
  crypto::OpensslAead aead_;
  crypto::OpensslRandom random_;
  crypto::OpensslAsymmetric asymmetric_;
  coffer::testing::FakeClock clock_;
  KeyRing ring_{store_, aead_, random_, clock_};
  KeyService service_{store_,
                      ring_,
                      aead_,
                      random_,
                      clock_,
                      core::Account::Make("123456789012", "us-east-1"),
                      KeyService::Options{},
                      &asymmetric_};
};

TEST_F(KeyLifecycleTest, DisabledKeyRefusesCryptoUntilEnabled) {
  Key k = Create();
  auto blob = service_.Encrypt(k, "hello", {});
  ASSERT_TRUE(blob.has_value());
  ASSERT_TRUE(service_.DisableKey(k.key_id).has_value());
  Key disabled = *service_.ResolveKey(k.key_id);
  EXPECT_EQ(disabled.state, KeyState::kDisabled);
  EXPECT_EQ(service_.Encrypt(disabled, "x", {}).error().reason, reason::kKeyDisabled);
  EXPECT_EQ(service_.Decrypt(*blob, {}).error().reason, reason::kKeyDisabled);
  ASSERT_TRUE(service_.EnableKey(k.arn).has_value());
  auto plain = service_.Decrypt(*blob, {});
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->plaintext.view(), "hello");
}

TEST_F(KeyLifecycleTest, ManagementOperationsRefuseAliases) {
  Key k = Create();
  ASSERT_TRUE(service_.CreateAlias("alias/app", k.key_id).has_value());
  EXPECT_EQ(service_.DisableKey("alias/app").error().reason, reason::kKeyNotFound);
  EXPECT_EQ(service_.ScheduleKeyDeletion("alias/app", 7).error().reason, reason::kKeyNotFound);
  EXPECT_EQ(service_.TagKey("alias/app", {{"a", "b"}}).error().reason, reason::kKeyNotFound);
  EXPECT_EQ(service_.ResolveKey("alias/app")->key_id, k.key_id);
}

TEST_F(KeyLifecycleTest, DeletionWaitsForTheWindowAndCanBeCancelled) {
  Key k = Create();
  EXPECT_EQ(service_.ScheduleKeyDeletion(k.key_id, 6).error().reason, reason::kValidation);
  EXPECT_EQ(service_.ScheduleKeyDeletion(k.key_id, 31).error().reason, reason::kValidation);
  auto scheduled = service_.ScheduleKeyDeletion(k.key_id, 7);
  ASSERT_TRUE(scheduled.has_value());
  EXPECT_EQ(scheduled->state, KeyState::kPendingDeletion);
  ASSERT_TRUE(scheduled->deletion_date.has_value());
  EXPECT_EQ(*scheduled->deletion_date, clock_.Now() + 7 * kDay);
  Key pending = *service_.ResolveKey(k.key_id);
  EXPECT_EQ(service_.Encrypt(pending, "x", {}).error().reason, reason::kKeyInvalidState);
  EXPECT_EQ(service_.EnableKey(k.key_id).error().reason, reason::kKeyInvalidState);

  auto cancelled = service_.CancelKeyDeletion(k.key_id);
  ASSERT_TRUE(cancelled.has_value());
  EXPECT_EQ(cancelled->state, KeyState::kDisabled);  // AWS leaves a cancelled key disabled
  EXPECT_EQ(service_.CancelKeyDeletion(k.key_id).error().reason, reason::kKeyInvalidState);

  ASSERT_TRUE(service_.ScheduleKeyDeletion(k.key_id, 7).has_value());
  clock_.Advance(7 * kDay - hours(1));
  EXPECT_EQ(service_.RunScheduledWork()->first, 0u);
  EXPECT_TRUE(service_.ResolveKey(k.key_id).has_value());
  clock_.Advance(hours(2));
  EXPECT_EQ(service_.RunScheduledWork()->first, 1u);
  EXPECT_EQ(service_.ResolveKey(k.key_id).error().reason, reason::kKeyNotFound);
}

TEST_F(KeyLifecycleTest, DeletingAKeyDeletesItsAliases) {
  Key k = Create();
  ASSERT_TRUE(service_.CreateAlias("alias/doomed", k.key_id).has_value());
  ASSERT_TRUE(service_.ScheduleKeyDeletion(k.key_id, 7).has_value());
  clock_.Advance(8 * kDay);
  ASSERT_TRUE(service_.RunScheduledWork().has_value());
  EXPECT_EQ(service_.ResolveKey("alias/doomed").error().reason, reason::kKeyNotFound);
  EXPECT_TRUE(service_.ListAliases("", std::nullopt, 50)->items.empty());
}

TEST_F(KeyLifecycleTest, AliasRules) {
  Key a = Create();
  Key b = Create();
  Key hmac = Create(KeySpec::kHmac256, KeyUsage::kGenerateVerifyMac);
  EXPECT_EQ(service_.CreateAlias("app", a.key_id).error().reason, reason::kInvalidAliasName);
  EXPECT_EQ(service_.CreateAlias("alias/aws/mine", a.key_id).error().reason,
            reason::kInvalidAliasName);
  EXPECT_EQ(service_.CreateAlias("alias/bad name", a.key_id).error().reason,
            reason::kInvalidAliasName);
  ASSERT_TRUE(service_.CreateAlias("alias/app", a.key_id).has_value());
  EXPECT_EQ(service_.CreateAlias("alias/app", b.key_id).error().reason, reason::kAliasExists);
  ASSERT_TRUE(service_.UpdateAlias("alias/app", b.arn).has_value());
  EXPECT_EQ(service_.ResolveKey("alias/app")->key_id, b.key_id);
  // A new target must have the same type and usage.
  EXPECT_EQ(service_.UpdateAlias("alias/app", hmac.key_id).error().reason, reason::kValidation);
  EXPECT_EQ(service_.UpdateAlias("alias/missing", a.key_id).error().reason, reason::kKeyNotFound);
  ASSERT_TRUE(service_.CreateAlias("alias/other", a.key_id).has_value());
  auto of_a = service_.ListAliases(a.key_id, std::nullopt, 50);
  ASSERT_TRUE(of_a.has_value());
  ASSERT_EQ(of_a->items.size(), 1u);
  EXPECT_EQ(of_a->items[0].name, "alias/other");
  ASSERT_TRUE(service_.DeleteAlias("alias/app").has_value());
  EXPECT_EQ(service_.ResolveKey("alias/app").error().reason, reason::kKeyNotFound);
  EXPECT_EQ(service_.DeleteAlias("alias/app").error().reason, reason::kKeyNotFound);
}

TEST_F(KeyLifecycleTest, ListKeysPagesWithMarkers) {
  std::set<std::string> created;
  for (int i = 0; i < 5; ++i) created.insert(Create().key_id);
  std::set<std::string> seen;
  std::optional<std::string> marker;
  int pages = 0;
  do {
    auto page = service_.ListKeys(marker, 2);
    ASSERT_TRUE(page.has_value());
    for (const Key& k : page->items) seen.insert(k.key_id);
    marker = page->next_marker;
    ++pages;
  } while (marker);
  EXPECT_EQ(seen, created);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(service_.ListKeys(std::string("!!"), 2).error().reason, reason::kInvalidMarker);
}

TEST_F(KeyLifecycleTest, TagsMergeAndAwsPrefixIsReserved) {
  Key k = Create();
  ASSERT_TRUE(service_.TagKey(k.key_id, {{"team", "a"}, {"env", "prod"}}).has_value());
  ASSERT_TRUE(service_.TagKey(k.key_id, {{"team", "b"}}).has_value());
  ASSERT_TRUE(service_.UntagKey(k.key_id, {"env"}).has_value());
  Key tagged = *service_.ResolveKey(k.key_id);
  ASSERT_EQ(tagged.tags.size(), 1u);
  EXPECT_EQ(tagged.tags[0].value, "b");
  EXPECT_EQ(service_.TagKey(k.key_id, {{"aws:x", "1"}}).error().reason, reason::kTag);
  CreateKeyRequest reserved;
  reserved.tags = {{"Aws:owner", "x"}};
  EXPECT_EQ(service_.CreateKey(reserved).error().reason, reason::kTag);
  CreateKeyRequest too_many;
  for (int i = 0; i < 51; ++i) too_many.tags.push_back({"k" + std::to_string(i), "v"});
  EXPECT_EQ(service_.CreateKey(too_many).error().reason, reason::kTag);
}

TEST_F(KeyLifecycleTest, RotationKeepsOldCiphertextsDecryptable) {
  Key k = Create();
  auto old_blob = service_.Encrypt(k, "before", {{"a", "b"}});
  ASSERT_TRUE(old_blob.has_value());
  auto rotated = service_.RotateKeyOnDemand(k.key_id);
  ASSERT_TRUE(rotated.has_value()) << rotated.error().message;
  EXPECT_EQ(rotated->current_material, 2u);
  Key current = *service_.ResolveKey(k.key_id);
  auto new_blob = service_.Encrypt(current, "after", {});
  ASSERT_TRUE(new_blob.has_value());
  EXPECT_EQ(CiphertextBlob::Parse(*old_blob)->material_version, 1u);
  EXPECT_EQ(CiphertextBlob::Parse(*new_blob)->material_version, 2u);
  EXPECT_EQ(service_.Decrypt(*old_blob, {{"a", "b"}})->plaintext.view(), "before");
  EXPECT_EQ(service_.Decrypt(*new_blob, {})->plaintext.view(), "after");
  auto rotations = service_.ListKeyRotations(k.key_id);
  ASSERT_TRUE(rotations.has_value());
  ASSERT_EQ(rotations->size(), 1u);
  EXPECT_TRUE((*rotations)[0].on_demand);
}

TEST_F(KeyLifecycleTest, AutomaticRotationRunsWhenDue) {
  Key k = Create();
  EXPECT_EQ(service_.EnableKeyRotation(k.key_id, 89).error().reason, reason::kValidation);
  EXPECT_EQ(service_.EnableKeyRotation(k.key_id, 2561).error().reason, reason::kValidation);
  ASSERT_TRUE(service_.EnableKeyRotation(k.key_id, 90).has_value());
  auto status = service_.GetKeyRotationStatus(k.key_id);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->enabled);
  EXPECT_EQ(status->period_days, 90);
  ASSERT_TRUE(status->next_rotation.has_value());
  EXPECT_EQ(*status->next_rotation, clock_.Now() + 90 * kDay);
  clock_.Advance(89 * kDay);
  EXPECT_EQ(service_.RunScheduledWork()->second, 0u);
  clock_.Advance(2 * kDay);
  EXPECT_EQ(service_.RunScheduledWork()->second, 1u);
  Key rotated = *service_.ResolveKey(k.key_id);
  EXPECT_EQ(rotated.current_material, 2u);
  EXPECT_FALSE((*service_.ListKeyRotations(k.key_id))[0].on_demand);
  ASSERT_TRUE(service_.DisableKeyRotation(k.key_id).has_value());
  EXPECT_FALSE(service_.GetKeyRotationStatus(k.key_id)->enabled);
}

TEST_F(KeyLifecycleTest, AsymmetricKeysCannotRotate) {
  Key k = Create(KeySpec::kEccNistP256, KeyUsage::kSignVerify);
  EXPECT_EQ(service_.EnableKeyRotation(k.key_id, 365).error().reason, reason::kUnsupported);
  EXPECT_EQ(service_.RotateKeyOnDemand(k.key_id).error().reason, reason::kUnsupported);
}

TEST_F(KeyLifecycleTest, SignAndVerifyWithEveryAsymmetricSpec) {
  struct Case {
    KeySpec spec;
    crypto::SigningAlgorithm algorithm;
  };
  for (Case c : {Case{KeySpec::kRsa2048, crypto::SigningAlgorithm::kRsassaPssSha256},
                 Case{KeySpec::kRsa2048, crypto::SigningAlgorithm::kRsassaPkcs1V15Sha512},
                 Case{KeySpec::kEccNistP256, crypto::SigningAlgorithm::kEcdsaSha256},
                 Case{KeySpec::kEccNistP384, crypto::SigningAlgorithm::kEcdsaSha384}}) {
    Key k = Create(c.spec, KeyUsage::kSignVerify);
    auto sig = service_.Sign(k, c.algorithm, "message", false);
    ASSERT_TRUE(sig.has_value()) << sig.error().message;
    EXPECT_TRUE(*service_.Verify(k, c.algorithm, "message", false, *sig));
    EXPECT_FALSE(*service_.Verify(k, c.algorithm, "massage", false, *sig));
    auto pub = service_.GetPublicKey(k);
    ASSERT_TRUE(pub.has_value());
    EXPECT_TRUE(*asymmetric_.Verify(*pub, c.algorithm, "message", false, *sig));
  }
}

TEST_F(KeyLifecycleTest, SigningRejectsWrongUsageAndAlgorithm) {
  Key ecc = Create(KeySpec::kEccNistP256, KeyUsage::kSignVerify);
  EXPECT_EQ(
      service_.Sign(ecc, crypto::SigningAlgorithm::kRsassaPssSha256, "m", false).error().reason,
      reason::kInvalidKeyUsage);
  EXPECT_EQ(service_.Sign(ecc, crypto::SigningAlgorithm::kEcdsaSha384, "m", false).error().reason,
            reason::kInvalidKeyUsage);
  Key sym = Create();
  EXPECT_EQ(service_.Sign(sym, crypto::SigningAlgorithm::kEcdsaSha256, "m", false).error().reason,
            reason::kInvalidKeyUsage);
  EXPECT_EQ(service_.GetPublicKey(sym).error().reason, reason::kUnsupported);
  // Data-key operations need a symmetric key.
  EXPECT_EQ(service_.Encrypt(ecc, "x", {}).error().reason, reason::kInvalidKeyUsage);
}

TEST_F(KeyLifecycleTest, RsaEncryptDecryptWithOaep) {
  Key k = Create(KeySpec::kRsa2048, KeyUsage::kEncryptDecrypt);
  for (auto alg : {EncryptionAlgorithm::kRsaesOaepSha1, EncryptionAlgorithm::kRsaesOaepSha256}) {
    auto ct = service_.EncryptWith(k, alg, "secret", {});
    ASSERT_TRUE(ct.has_value()) << ct.error().message;
    auto pt = service_.DecryptWith(*ct, alg, {}, k.key_id);
    ASSERT_TRUE(pt.has_value()) << pt.error().message;
    EXPECT_EQ(pt->plaintext.view(), "secret");
  }
  EXPECT_EQ(service_.EncryptWith(k, EncryptionAlgorithm::kSymmetricDefault, "x", {}).error().reason,
            reason::kInvalidKeyUsage);
  EXPECT_EQ(
      service_.EncryptWith(k, EncryptionAlgorithm::kRsaesOaepSha256, std::string(300, 'x'), {})
          .error()
          .reason,
      reason::kValidation);
  EXPECT_EQ(service_.DecryptWith("garbage", EncryptionAlgorithm::kRsaesOaepSha256, {}, k.key_id)
                .error()
                .reason,
            reason::kInvalidCiphertext);
}

TEST_F(KeyLifecycleTest, SymmetricPlaintextLimitIs4096Bytes) {
  Key k = Create();
  EXPECT_TRUE(
      service_.EncryptWith(k, EncryptionAlgorithm::kSymmetricDefault, std::string(4096, 'x'), {})
          .has_value());
  EXPECT_EQ(
      service_.EncryptWith(k, EncryptionAlgorithm::kSymmetricDefault, std::string(4097, 'x'), {})
          .error()
          .reason,
      reason::kValidation);
}

TEST_F(KeyLifecycleTest, HmacKnownAnswerAndVerify) {
  Key k = Create(KeySpec::kHmac256, KeyUsage::kGenerateVerifyMac);
  auto mac = service_.GenerateMac(k, crypto::MacAlgorithm::kHmacSha256, "data");
  ASSERT_TRUE(mac.has_value()) << mac.error().message;
  EXPECT_EQ(mac->size(), 32u);
  EXPECT_TRUE(*service_.VerifyMac(k, crypto::MacAlgorithm::kHmacSha256, "data", *mac));
  EXPECT_FALSE(*service_.VerifyMac(k, crypto::MacAlgorithm::kHmacSha256, "date", *mac));
  EXPECT_EQ(service_.GenerateMac(k, crypto::MacAlgorithm::kHmacSha512, "d").error().reason,
            reason::kInvalidKeyUsage);
  CreateKeyRequest wrong;
  wrong.spec = KeySpec::kHmac256;  // usage left at ENCRYPT_DECRYPT
  EXPECT_EQ(service_.CreateKey(wrong).error().reason, reason::kValidation);
}

TEST_F(KeyLifecycleTest, DataKeyPairPrivateKeyDecryptsUnderTheSymmetricKey) {
  Key k = Create();
  auto pair = service_.GenerateDataKeyPair(k, crypto::KeyPairSpec::kEccNistP256, {{"c", "1"}});
  ASSERT_TRUE(pair.has_value()) << pair.error().message;
  auto opened = service_.Decrypt(pair->private_key_ciphertext, {{"c", "1"}});
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->plaintext.view(), pair->private_key.view());
  EXPECT_EQ(*asymmetric_.PublicKeyDer(pair->private_key), pair->public_key);
}

TEST_F(KeyLifecycleTest, KeyPolicyOnlyNamedDefault) {
  Key k = Create();
  auto policy = service_.GetKeyPolicy(k.key_id, "default");
  ASSERT_TRUE(policy.has_value());
  EXPECT_NE(policy->find("arn:aws:iam::123456789012:root"), std::string::npos);
  EXPECT_EQ(service_.GetKeyPolicy(k.key_id, "other").error().reason, reason::kKeyNotFound);
  ASSERT_TRUE(service_.PutKeyPolicy(k.key_id, "default", "{\"Statement\":[]}").has_value());
  EXPECT_EQ(*service_.GetKeyPolicy(k.key_id, "default"), "{\"Statement\":[]}");
}

TEST_F(KeyLifecycleTest, AwsManagedKeysCannotBeChanged) {
  Key managed = *service_.ManagedKey("ssm");
  EXPECT_EQ(service_.DisableKey(managed.key_id).error().reason, reason::kUnsupported);
  EXPECT_EQ(service_.ScheduleKeyDeletion(managed.key_id, 7).error().reason, reason::kUnsupported);
  EXPECT_EQ(service_.CreateAlias("alias/mine", managed.key_id).error().reason,
            reason::kUnsupported);
  EXPECT_EQ(service_.DeleteAlias("alias/aws/ssm").error().reason, reason::kInvalidAliasName);
}

}  // namespace
}  // namespace coffer::keys
