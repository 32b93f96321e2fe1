#include "crypto/openssl/openssl_aead.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace coffer::crypto {
namespace {

std::string Hex(std::string_view h) { return *HexDecode(h); }
std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 60-byte message).
struct Vector {
  std::string key = Hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  std::string iv = Hex("cafebabefacedbaddecaf888");
  std::string aad = Hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  std::string pt =
      Hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
          "49a6b525b16aedf5aa0de657ba637b39");
  std::string ct_tag =
      Hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
          "56828838c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b");
};

TEST(OpensslAeadTest, SealMatchesKnownAnswer) {
  Vector v;
  OpensslAead aead;
  auto ct = aead.Seal(Span(v.key), Span(v.iv), v.pt, v.aad);
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(HexEncode(*ct), HexEncode(v.ct_tag));
}

TEST(OpensslAeadTest, OpenMatchesKnownAnswer) {
  Vector v;
  OpensslAead aead;
  auto pt = aead.Open(Span(v.key), Span(v.iv), v.ct_tag, v.aad);
  ASSERT_TRUE(pt.has_value());
  EXPECT_EQ(pt->view(), v.pt);
}

TEST(OpensslAeadTest, EveryFlippedByteFailsAuthentication) {
  Vector v;
  OpensslAead aead;
  for (size_t i = 0; i < v.ct_tag.size(); ++i) {
    std::string tampered = v.ct_tag;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    auto r = aead.Open(Span(v.key), Span(v.iv), tampered, v.aad);
    ASSERT_FALSE(r.has_value()) << "byte " << i;
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  }
}

TEST(OpensslAeadTest, WrongAadOrKeyFails) {
  Vector v;
  OpensslAead aead;
  EXPECT_FALSE(aead.Open(Span(v.key), Span(v.iv), v.ct_tag, "other aad").has_value());
  std::string key2 = v.key;
  key2[0] ^= 1;
  EXPECT_FALSE(aead.Open(Span(key2), Span(v.iv), v.ct_tag, v.aad).has_value());
  EXPECT_FALSE(aead.Open(Span(v.key), Span(v.iv), v.ct_tag.substr(0, 10), v.aad).has_value());
}

TEST(OpensslAeadTest, RejectsBadSizes) {
  Vector v;
  OpensslAead aead;
  std::string short_key(16, 'k');
  EXPECT_EQ(aead.Seal(Span(short_key), Span(v.iv), "x", "").error().code,
            ErrorCode::kInvalidArgument);
  std::string short_iv(8, 'n');
  EXPECT_EQ(aead.Seal(Span(v.key), Span(short_iv), "x", "").error().code,
            ErrorCode::kInvalidArgument);
}

TEST(OpensslAeadTest, EmptyPlaintextRoundTrips) {
  Vector v;
  OpensslAead aead;
  auto ct = aead.Seal(Span(v.key), Span(v.iv), "", "aad");
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->size(), Aead::kTagSize);
  auto pt = aead.Open(Span(v.key), Span(v.iv), *ct, "aad");
  ASSERT_TRUE(pt.has_value());
  EXPECT_TRUE(pt->empty());
}

}  // namespace
}  // namespace coffer::crypto
