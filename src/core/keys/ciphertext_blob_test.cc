#include "core/keys/ciphertext_blob.h"

#include <gtest/gtest.h>

namespace coffer::keys {
namespace {

TEST(CiphertextBlobTest, RoundTrips) {
  CiphertextBlob b;
  b.key_id.fill(7);
  b.material_version = 0x01020304;
  b.nonce = std::string(12, 'n');
  b.ciphertext_and_tag = std::string(20, 'c');
  std::string s = b.Serialize();
  ASSERT_EQ(s.size(), CiphertextBlob::kHeaderSize + 20);
  auto p = CiphertextBlob::Parse(s);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->key_id, b.key_id);
  EXPECT_EQ(p->material_version, 0x01020304u);
  EXPECT_EQ(p->nonce, b.nonce);
  EXPECT_EQ(p->ciphertext_and_tag, b.ciphertext_and_tag);
}

TEST(CiphertextBlobTest, RejectsShortWrongFormatAndVersionZero) {
  EXPECT_FALSE(CiphertextBlob::Parse("").has_value());
  EXPECT_FALSE(CiphertextBlob::Parse(std::string(48, '\x01')).has_value());
  std::string s(60, '\0');
  s[0] = 2;
  EXPECT_FALSE(CiphertextBlob::Parse(s).has_value());
  s[0] = 1;  // material version bytes are zero
  auto r = CiphertextBlob::Parse(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, "INVALID_CIPHERTEXT");
}

TEST(CiphertextBlobTest, CanonicalContextIsOrderIndependentAndInjective) {
  EncryptionContext a{{"b", "2"}, {"a", "1"}};
  EncryptionContext b{{"a", "1"}, {"b", "2"}};
  EXPECT_EQ(CanonicalContext(a), CanonicalContext(b));
  // Concatenation ambiguity: {"ab": "c"} vs {"a": "bc"} must differ.
  EXPECT_NE(CanonicalContext({{"ab", "c"}}), CanonicalContext({{"a", "bc"}}));
  EXPECT_NE(CanonicalContext({}), CanonicalContext({{"", ""}}));
}

}  // namespace
}  // namespace coffer::keys
