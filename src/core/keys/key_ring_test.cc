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

}  // namespace
}  // namespace coffer::keys
