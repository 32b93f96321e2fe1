#include "crypto/openssl/openssl_jose_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "base/encoding.h"
#include "crypto/openssl/openssl_asymmetric.h"

namespace coffer::crypto {
namespace {

class OpensslJoseCodecTest : public ::testing::Test {
 protected:
  // The SPKI DER public key and the PKCS#8 private key of a fresh key pair.
  std::pair<std::string, SecretBytes> KeyPair(KeyPairSpec spec) {
    auto priv = asym_.GenerateKeyPair(spec);
    EXPECT_TRUE(priv.has_value());
    auto pub = asym_.PublicKeyDer(*priv);
    EXPECT_TRUE(pub.has_value());
    return {*pub, std::move(*priv)};
  }

  OpensslAsymmetric asym_;
  OpensslJoseCodec codec_;
};

// RFC 7515 appendix A.2's RSA key (n and e as base64url) must give a key whose parameters read
// back unchanged.
TEST_F(OpensslJoseCodecTest, RsaKeyFromJwkParametersRoundTrips) {
  auto [spki, priv] = KeyPair(KeyPairSpec::kRsa2048);
  auto raw = codec_.RawPublicKeyOf(spki);
  ASSERT_TRUE(raw.has_value()) << raw.error().message;
  EXPECT_EQ(raw->spec, KeyPairSpec::kRsa2048);
  EXPECT_EQ(raw->n.size(), 256u);
  EXPECT_EQ(HexEncode(raw->e), "010001");
  auto der = codec_.RsaPublicKeyDer(raw->n, raw->e);
  ASSERT_TRUE(der.has_value()) << der.error().message;
  EXPECT_EQ(*der, spki);
  // Leading zero bytes (some issuers send them) change nothing.
  auto padded =
      codec_.RsaPublicKeyDer(std::string(1, '\0') + raw->n, std::string(2, '\0') + raw->e);
  ASSERT_TRUE(padded.has_value());
  EXPECT_EQ(*padded, spki);
}

TEST_F(OpensslJoseCodecTest, EcKeysFromJwkParametersRoundTrip) {
  for (KeyPairSpec spec :
       {KeyPairSpec::kEccNistP256, KeyPairSpec::kEccNistP384, KeyPairSpec::kEccNistP521}) {
    auto [spki, priv] = KeyPair(spec);
    auto raw = codec_.RawPublicKeyOf(spki);
    ASSERT_TRUE(raw.has_value()) << raw.error().message;
    EXPECT_EQ(raw->spec, spec);
    auto der = codec_.EcPublicKeyDer(spec, raw->x, raw->y);
    ASSERT_TRUE(der.has_value()) << der.error().message;
    EXPECT_EQ(*der, spki);
  }
}

TEST_F(OpensslJoseCodecTest, RefusesAPointOffTheCurve) {
  auto [spki, priv] = KeyPair(KeyPairSpec::kEccNistP256);
  auto raw = codec_.RawPublicKeyOf(spki);
  ASSERT_TRUE(raw.has_value());
  std::string y = raw->y;
  y[31] = static_cast<char>(y[31] ^ 1);
  auto off = codec_.EcPublicKeyDer(KeyPairSpec::kEccNistP256, raw->x, y);
  ASSERT_FALSE(off.has_value());
  EXPECT_EQ(off.error().code, ErrorCode::kInvalidArgument);
  // Wrong lengths and curves Asymmetric does not support.
  EXPECT_FALSE(codec_.EcPublicKeyDer(KeyPairSpec::kEccNistP256, raw->x.substr(1), raw->y));
  EXPECT_FALSE(codec_.EcPublicKeyDer(KeyPairSpec::kEccNistP384, raw->x, raw->y));
  EXPECT_FALSE(codec_.EcPublicKeyDer(KeyPairSpec::kEccSecgP256k1, raw->x, raw->y));
  EXPECT_FALSE(codec_.EcPublicKeyDer(KeyPairSpec::kRsa2048, raw->x, raw->y));
  EXPECT_FALSE(codec_.EcPublicKeyDer(KeyPairSpec::kEccNistP256, std::string(32, '\0'),
                                     std::string(32, '\0')));
}

TEST_F(OpensslJoseCodecTest, RefusesWeakOrMalformedRsaKeys) {
  auto [spki, priv] = KeyPair(KeyPairSpec::kRsa2048);
  auto raw = codec_.RawPublicKeyOf(spki);
  ASSERT_TRUE(raw.has_value());
  // Even exponent, exponent 3 (below SP 800-56B's 2^16), even modulus, a 1024-bit modulus.
  EXPECT_FALSE(codec_.RsaPublicKeyDer(raw->n, std::string("\x01\x00\x00", 3)));
  EXPECT_FALSE(codec_.RsaPublicKeyDer(raw->n, "\x03"));
  std::string even = raw->n;
  even.back() = static_cast<char>(even.back() & ~1);
  EXPECT_FALSE(codec_.RsaPublicKeyDer(even, raw->e));
  EXPECT_FALSE(codec_.RsaPublicKeyDer(raw->n.substr(0, 128), raw->e));
  EXPECT_FALSE(codec_.RsaPublicKeyDer("", raw->e));
  EXPECT_FALSE(codec_.RsaPublicKeyDer(raw->n, ""));
  EXPECT_FALSE(codec_.RsaPublicKeyDer(std::string(600, '\x7f'), raw->e));
}

TEST_F(OpensslJoseCodecTest, EcdsaSignaturesConvertBetweenRawAndDer) {
  auto [spki, priv] = KeyPair(KeyPairSpec::kEccNistP256);
  auto der = asym_.Sign(priv, SigningAlgorithm::kEcdsaSha256, "message", false);
  ASSERT_TRUE(der.has_value());
  auto raw = codec_.EcdsaSignatureToRaw(KeyPairSpec::kEccNistP256, *der);
  ASSERT_TRUE(raw.has_value()) << raw.error().message;
  EXPECT_EQ(raw->size(), 64u);
  auto back = codec_.EcdsaSignatureToDer(KeyPairSpec::kEccNistP256, *raw);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, *der);
  auto ok = asym_.Verify(spki, SigningAlgorithm::kEcdsaSha256, "message", false, *back);
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(*ok);

  EXPECT_FALSE(codec_.EcdsaSignatureToDer(KeyPairSpec::kEccNistP256, raw->substr(1)));
  EXPECT_FALSE(codec_.EcdsaSignatureToDer(KeyPairSpec::kRsa2048, *raw));
  EXPECT_FALSE(codec_.EcdsaSignatureToRaw(KeyPairSpec::kEccNistP256, "not der"));
  EXPECT_FALSE(codec_.EcdsaSignatureToRaw(KeyPairSpec::kEccNistP256, *der + "x"));
  // A P-384 signature does not fit P-256's 32-byte halves.
  auto [spki384, priv384] = KeyPair(KeyPairSpec::kEccNistP384);
  auto der384 = asym_.Sign(priv384, SigningAlgorithm::kEcdsaSha384, "message", false);
  ASSERT_TRUE(der384.has_value());
  EXPECT_FALSE(codec_.EcdsaSignatureToRaw(KeyPairSpec::kEccNistP256, *der384));
  auto raw384 = codec_.EcdsaSignatureToRaw(KeyPairSpec::kEccNistP384, *der384);
  ASSERT_TRUE(raw384.has_value());
  EXPECT_EQ(raw384->size(), 96u);
}

TEST_F(OpensslJoseCodecTest, RawPublicKeyOfRefusesGarbage) {
  EXPECT_FALSE(codec_.RawPublicKeyOf(""));
  EXPECT_FALSE(codec_.RawPublicKeyOf("garbage"));
  auto [spki, priv] = KeyPair(KeyPairSpec::kEccNistP256);
  EXPECT_FALSE(codec_.RawPublicKeyOf(spki + "x"));
}

}  // namespace
}  // namespace coffer::crypto
