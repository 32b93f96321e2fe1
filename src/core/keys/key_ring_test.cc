#include "core/keys/key_ring.h"

#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/testing/fake_random.h"
#include "storage/memory/memory_key_store.h"

namespace coffer::keys {
namespace {

class KeyRingTest : public ::testing::Test {
 protected:
  SecretBytes Root(uint8_t fill) {
    SecretBytes k(32);
    for (auto& b : k.mutable_span()) b = fill;
    return k;
  }
  std::span<const uint8_t> Bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }

  storage::memory::MemoryKeyStore store_;
  crypto::OpensslAead aead_;
  crypto::testing::FakeRandom random_;
  coffer::testing::FakeClock clock_;
  KeyRing ring_{store_, aead_, random_, clock_};
};

TEST_F(KeyRingTest, SealedRingRefusesWork) {
  EXPECT_TRUE(ring_.is_sealed());
  auto r = ring_.SealMaterial("k", 1, Bytes("material"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST_F(KeyRingTest, FirstUnsealCreatesTermOneAndMaterialRoundTrips) {
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  EXPECT_EQ(ring_.current_term(), 1u);
  EXPECT_EQ(store_.ListKeyringTerms()->size(), 1u);
  auto sealed = ring_.SealMaterial("key-a", 3, Bytes("0123456789abcdef0123456789abcdef"));
  ASSERT_TRUE(sealed.has_value());
  auto opened = ring_.OpenMaterial("key-a", 3, *sealed);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->view(), "0123456789abcdef0123456789abcdef");
}

TEST_F(KeyRingTest, MaterialIsBoundToKeyAndVersion) {
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  auto sealed = ring_.SealMaterial("key-a", 1, Bytes("m"));
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(ring_.OpenMaterial("key-b", 1, *sealed).error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(ring_.OpenMaterial("key-a", 2, *sealed).error().code, ErrorCode::kDataLoss);
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string t = *sealed;
    t[i] = static_cast<char>(t[i] ^ 0x80);
    EXPECT_FALSE(ring_.OpenMaterial("key-a", 1, t).has_value()) << "byte " << i;
  }
}

TEST_F(KeyRingTest, WrongRootKeyIsRefused) {
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  ring_.Seal();
  auto r = ring_.Unseal(Root(2));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(ring_.is_sealed());
  EXPECT_TRUE(ring_.Unseal(Root(1)).has_value());
}

TEST_F(KeyRingTest, RootKeyRotationRewrapsTermsAndRetiresOldRoot) {
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  auto sealed = ring_.SealMaterial("k", 1, Bytes("material"));
  ASSERT_TRUE(sealed.has_value());
  ASSERT_TRUE(ring_.RotateRootKey(Root(9)).has_value());
  ring_.Seal();
  EXPECT_FALSE(ring_.Unseal(Root(1)).has_value());
  ASSERT_TRUE(ring_.Unseal(Root(9)).has_value());
  EXPECT_EQ(ring_.OpenMaterial("k", 1, *sealed)->view(), "material");
  EXPECT_TRUE(*ring_.Verify(Root(9)));
  EXPECT_FALSE(*ring_.Verify(Root(1)));
}

TEST_F(KeyRingTest, TermRotationKeepsOldMaterialReadable) {
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  auto old_sealed = ring_.SealMaterial("k", 1, Bytes("old"));
  ASSERT_EQ(*ring_.RotateTerm(), 2u);
  auto new_sealed = ring_.SealMaterial("k", 2, Bytes("new"));
  ring_.Seal();
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  EXPECT_EQ(ring_.current_term(), 2u);
  EXPECT_EQ(ring_.OpenMaterial("k", 1, *old_sealed)->view(), "old");
  EXPECT_EQ(ring_.OpenMaterial("k", 2, *new_sealed)->view(), "new");
}

TEST_F(KeyRingTest, InternalSealIsBoundToPurposeAndAad) {
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  auto s = ring_.SealInternal("access-key", "AKIAEXAMPLE", "secret");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(ring_.OpenInternal("access-key", "AKIAEXAMPLE", *s)->view(), "secret");
  EXPECT_FALSE(ring_.OpenInternal("access-key", "AKIAOTHER", *s).has_value());
  EXPECT_FALSE(ring_.OpenInternal("other", "AKIAEXAMPLE", *s).has_value());
}

TEST_F(KeyRingTest, PendingRootRotationChangesNothingUntilCommitted) {
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  ASSERT_EQ(*ring_.RotateTerm(), 2u);
  auto sealed = ring_.SealMaterial("k", 1, Bytes("material"));
  auto nonce = ring_.BeginRootRotation(Root(9));
  ASSERT_TRUE(nonce.has_value()) << nonce.error().message;
  auto pending = ring_.GetPendingRootRotation();
  ASSERT_TRUE(pending.has_value() && pending->has_value());
  EXPECT_EQ((*pending)->nonce, *nonce);
  EXPECT_EQ((*pending)->terms.size(), 2u);
  // Only the old root opens the keyring, across a seal (a restart) too.
  EXPECT_TRUE(*ring_.Verify(Root(1)));
  EXPECT_FALSE(*ring_.Verify(Root(9)));
  ring_.Seal();
  EXPECT_FALSE(ring_.Unseal(Root(9)).has_value());
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  EXPECT_TRUE(*ring_.VerifyPendingRoot(*nonce, Root(9)));
  EXPECT_FALSE(*ring_.VerifyPendingRoot(*nonce, Root(1)));
  EXPECT_EQ(ring_.VerifyPendingRoot("other-nonce", Root(9)).error().code, ErrorCode::kNotFound);
}

TEST_F(KeyRingTest, CommittedRootRotationRetiresOldRoot) {
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  auto sealed = ring_.SealMaterial("k", 1, Bytes("material"));
  auto nonce = ring_.BeginRootRotation(Root(9));
  ASSERT_TRUE(nonce.has_value());
  EXPECT_EQ(ring_.CommitRootRotation(*nonce, Root(8)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ring_.CommitRootRotation("other-nonce", Root(9)).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(ring_.CommitRootRotation(*nonce, Root(9)).has_value());
  EXPECT_FALSE(ring_.GetPendingRootRotation()->has_value());
  // The ring keeps serving, and new terms are sealed under the new root.
  EXPECT_EQ(ring_.OpenMaterial("k", 1, *sealed)->view(), "material");
  ASSERT_EQ(*ring_.RotateTerm(), 2u);
  ring_.Seal();
  EXPECT_FALSE(ring_.Unseal(Root(1)).has_value());
  ASSERT_TRUE(ring_.Unseal(Root(9)).has_value());
  EXPECT_EQ(ring_.current_term(), 2u);
  EXPECT_EQ(ring_.OpenMaterial("k", 1, *sealed)->view(), "material");
}

TEST_F(KeyRingTest, OnlyOneRootRotationIsPendingAndCancelDropsIt) {
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  auto first = ring_.BeginRootRotation(Root(9));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(ring_.BeginRootRotation(Root(7)).error().code, ErrorCode::kAlreadyExists);
  ASSERT_TRUE(ring_.CancelRootRotation().has_value());
  EXPECT_EQ(ring_.CancelRootRotation().error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ring_.CommitRootRotation(*first, Root(9)).error().code, ErrorCode::kNotFound);
  auto second = ring_.BeginRootRotation(Root(7));
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(*second, *first);
  ASSERT_TRUE(ring_.CommitRootRotation(*second, Root(7)).has_value());
  ring_.Seal();
  EXPECT_FALSE(ring_.Unseal(Root(9)).has_value());
  EXPECT_TRUE(ring_.Unseal(Root(7)).has_value());
}

TEST_F(KeyRingTest, TermRotationIsRefusedWhileARootRotationIsPending) {
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  auto nonce = ring_.BeginRootRotation(Root(9));
  ASSERT_TRUE(nonce.has_value());
  auto refused = ring_.RotateTerm();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(refused.error().reason, "ROOT_ROTATION_PENDING");
  EXPECT_EQ(ring_.current_term(), 1u);
  EXPECT_EQ(store_.ListKeyringTerms()->size(), 1u);
  ASSERT_TRUE(ring_.CommitRootRotation(*nonce, Root(9)).has_value());
  EXPECT_EQ(*ring_.RotateTerm(), 2u);
}

TEST_F(KeyRingTest, SealedRingRefusesRootRotation) {
  EXPECT_EQ(ring_.BeginRootRotation(Root(9)).error().code, ErrorCode::kUnavailable);
  ASSERT_TRUE(ring_.Unseal(Root(1)).has_value());
  auto nonce = ring_.BeginRootRotation(Root(9));
  ASSERT_TRUE(nonce.has_value());
  ring_.Seal();
  EXPECT_EQ(ring_.CommitRootRotation(*nonce, Root(9)).error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace coffer::keys
