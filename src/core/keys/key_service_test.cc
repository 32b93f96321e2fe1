#include "core/keys/key_service.h"

#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"
#include "core/keys/errors.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_random.h"
#include "storage/memory/memory_key_store.h"

namespace coffer::keys {
namespace {

class KeyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SecretBytes root(32);
    root.mutable_span()[0] = 1;
    ASSERT_TRUE(ring_.Unseal(root).has_value());
  }
  Result<void> SetState(const Key& k, KeyState state) {
    Key copy = *store_.GetKey(k.key_id).value();
    copy.state = state;
    auto r = store_.UpdateKey(copy, std::nullopt);
    service_.Invalidate(k.key_id);
    return r;
  }

  storage::memory::MemoryKeyStore store_;
  crypto::OpensslAead aead_;
  crypto::OpensslRandom random_;
  coffer::testing::FakeClock clock_;
  KeyRing ring_{store_, aead_, random_, clock_};
  KeyService service_{store_,
                      ring_,
                      aead_,
                      random_,
                      clock_,
                      core::Account::Make("123456789012", "us-east-1"),
                      KeyService::Options{}};
};

TEST_F(KeyServiceTest, ManagedKeyIsCreatedOnceWithItsAlias) {
  auto a = service_.ManagedKey("secretsmanager");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  auto b = service_.ManagedKey("secretsmanager");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->key_id, b->key_id);
  EXPECT_EQ(a->manager, KeyManager::kAws);
  EXPECT_EQ(a->arn, "arn:aws:kms:us-east-1:123456789012:key/" + a->key_id);
  EXPECT_EQ(service_.ResolveKey("alias/aws/secretsmanager")->key_id, a->key_id);
  EXPECT_EQ(store_.ListKeys("", 10)->size(), 1u);
}

TEST_F(KeyServiceTest, ResolvesEveryKeyIdForm) {
  Key k = *service_.CreateKey({});
  ASSERT_TRUE(store_.CreateAlias(Alias{"alias/app", k.key_id, clock_.Now(), clock_.Now()}));
  for (const std::string& ref : {k.key_id, k.arn, std::string("alias/app"),
                                 std::string("arn:aws:kms:us-east-1:123456789012:alias/app")}) {
    auto r = service_.ResolveKey(ref);
    ASSERT_TRUE(r.has_value()) << ref;
    EXPECT_EQ(r->key_id, k.key_id);
  }
  for (const std::string& bad : {std::string("alias/none"), std::string("not-a-uuid"),
                                 std::string("arn:aws:kms:us-east-1:999999999999:key/") + k.key_id,
                                 std::string("11111111-2222-4333-8444-555555555555")}) {
    auto r = service_.ResolveKey(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().reason, reason::kKeyNotFound) << bad;
  }
}

TEST_F(KeyServiceTest, EncryptDecryptWithContext) {
  Key k = *service_.CreateKey({});
  EncryptionContext ctx{{"purpose", "test"}};
  auto blob = service_.Encrypt(k, "hello", ctx);
  ASSERT_TRUE(blob.has_value());
  auto plain = service_.Decrypt(*blob, ctx);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->plaintext.view(), "hello");
  EXPECT_EQ(plain->key_arn, k.arn);
}

TEST_F(KeyServiceTest, WrongContextOrTamperedBlobIsInvalidCiphertext) {
  Key k = *service_.CreateKey({});
  auto blob = *service_.Encrypt(k, "hello", {{"a", "1"}});
  EXPECT_EQ(service_.Decrypt(blob, {{"a", "2"}}).error().reason, reason::kInvalidCiphertext);
  EXPECT_EQ(service_.Decrypt(blob, {}).error().reason, reason::kInvalidCiphertext);
  EXPECT_EQ(service_.Decrypt(blob, {{"A", "1"}}).error().reason, reason::kInvalidCiphertext);
  for (size_t i = 0; i < blob.size(); ++i) {
    std::string t = blob;
    t[i] = static_cast<char>(t[i] ^ 0x01);
    auto r = service_.Decrypt(t, {{"a", "1"}});
    ASSERT_FALSE(r.has_value()) << "byte " << i;
  }
}

TEST_F(KeyServiceTest, MismatchedExpectedKeyIsIncorrectKey) {
  Key k1 = *service_.CreateKey({});
  Key k2 = *service_.CreateKey({});
  auto blob = *service_.Encrypt(k1, "x", {});
  EXPECT_EQ(service_.Decrypt(blob, {}, k2.key_id).error().reason, reason::kIncorrectKey);
  EXPECT_TRUE(service_.Decrypt(blob, {}, k1.arn).has_value());
}

TEST_F(KeyServiceTest, DisabledAndPendingDeletionKeysRefuseCrypto) {
  Key k = *service_.CreateKey({});
  auto blob = *service_.Encrypt(k, "x", {});
  ASSERT_TRUE(SetState(k, KeyState::kDisabled).has_value());
  Key disabled = *service_.ResolveKey(k.key_id);
  EXPECT_EQ(service_.Encrypt(disabled, "x", {}).error().reason, reason::kKeyDisabled);
  auto d = service_.Decrypt(blob, {});
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().reason, reason::kKeyDisabled);
  EXPECT_EQ(d.error().message, k.arn + " is disabled.");
  ASSERT_TRUE(SetState(disabled, KeyState::kPendingDeletion).has_value());
  EXPECT_EQ(service_.Decrypt(blob, {}).error().reason, reason::kKeyInvalidState);
  Key pending = *service_.ResolveKey(k.key_id);
  ASSERT_TRUE(SetState(pending, KeyState::kEnabled).has_value());
  EXPECT_EQ(service_.Decrypt(blob, {})->plaintext.view(), "x");
}

TEST_F(KeyServiceTest, GenerateDataKeyReturnsWrappedCopy) {
  Key k = *service_.CreateKey({});
  auto dk = service_.GenerateDataKey(k, {{"c", "d"}}, 32);
  ASSERT_TRUE(dk.has_value());
  EXPECT_EQ(dk->plaintext.size(), 32u);
  auto unwrapped = service_.Decrypt(dk->ciphertext_blob, {{"c", "d"}});
  ASSERT_TRUE(unwrapped.has_value());
  EXPECT_TRUE(unwrapped->plaintext.Equals(dk->plaintext.span()));
}

TEST_F(KeyServiceTest, SealedKeyringMakesCryptoUnavailable) {
  Key k = *service_.CreateKey({});
  auto blob = *service_.Encrypt(k, "x", {});
  KeyService fresh{store_,
                   ring_,
                   aead_,
                   random_,
                   clock_,
                   core::Account::Make("123456789012", "us-east-1"),
                   KeyService::Options{}};
  ring_.Seal();
  auto r = fresh.Decrypt(blob, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace coffer::keys
