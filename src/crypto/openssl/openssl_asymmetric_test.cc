#include "crypto/openssl/openssl_asymmetric.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/encoding.h"

namespace coffer::crypto {
namespace {

constexpr KeyPairSpec kAllSpecs[] = {
    KeyPairSpec::kRsa2048,       KeyPairSpec::kRsa3072,     KeyPairSpec::kRsa4096,
    KeyPairSpec::kEccNistP256,   KeyPairSpec::kEccNistP384, KeyPairSpec::kEccNistP521,
    KeyPairSpec::kEccSecgP256k1,
};
constexpr KeyPairSpec kRsaSpecs[] = {KeyPairSpec::kRsa2048, KeyPairSpec::kRsa3072,
                                     KeyPairSpec::kRsa4096};
constexpr SigningAlgorithm kRsaAlgorithms[] = {
    SigningAlgorithm::kRsassaPssSha256,      SigningAlgorithm::kRsassaPssSha384,
    SigningAlgorithm::kRsassaPssSha512,      SigningAlgorithm::kRsassaPkcs1V15Sha256,
    SigningAlgorithm::kRsassaPkcs1V15Sha384, SigningAlgorithm::kRsassaPkcs1V15Sha512,
};

// The key spec / signing algorithm pairs that AWS KMS allows.
std::vector<std::pair<KeyPairSpec, SigningAlgorithm>> KmsSigningPairs() {
  std::vector<std::pair<KeyPairSpec, SigningAlgorithm>> pairs;
  for (KeyPairSpec spec : kRsaSpecs) {
    for (SigningAlgorithm algorithm : kRsaAlgorithms) pairs.emplace_back(spec, algorithm);
  }
  pairs.emplace_back(KeyPairSpec::kEccNistP256, SigningAlgorithm::kEcdsaSha256);
  pairs.emplace_back(KeyPairSpec::kEccSecgP256k1, SigningAlgorithm::kEcdsaSha256);
  pairs.emplace_back(KeyPairSpec::kEccNistP384, SigningAlgorithm::kEcdsaSha384);
  pairs.emplace_back(KeyPairSpec::kEccNistP521, SigningAlgorithm::kEcdsaSha512);
  return pairs;
}

const EVP_MD* HashOf(SigningAlgorithm algorithm) {
  switch (algorithm) {
    case SigningAlgorithm::kRsassaPssSha256:
    case SigningAlgorithm::kRsassaPkcs1V15Sha256:
    case SigningAlgorithm::kEcdsaSha256:
      return EVP_sha256();
    case SigningAlgorithm::kRsassaPssSha384:
    case SigningAlgorithm::kRsassaPkcs1V15Sha384:
    case SigningAlgorithm::kEcdsaSha384:
      return EVP_sha384();
    case SigningAlgorithm::kRsassaPssSha512:
    case SigningAlgorithm::kRsassaPkcs1V15Sha512:
    case SigningAlgorithm::kEcdsaSha512:
      return EVP_sha512();
  }
  return nullptr;
}

bool IsPss(SigningAlgorithm a) {
  return a == SigningAlgorithm::kRsassaPssSha256 || a == SigningAlgorithm::kRsassaPssSha384 ||
         a == SigningAlgorithm::kRsassaPssSha512;
}
bool IsEcdsa(SigningAlgorithm a) {
  return a == SigningAlgorithm::kEcdsaSha256 || a == SigningAlgorithm::kEcdsaSha384 ||
         a == SigningAlgorithm::kEcdsaSha512;
}

// Computed with OpenSSL directly rather than through the code under test.
std::string Digest(const EVP_MD* md, std::string_view message) {
  std::string out(static_cast<size_t>(EVP_MD_get_size(md)), '\0');
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(message.data(), message.size(), reinterpret_cast<unsigned char*>(out.data()),
                       &len, md, nullptr),
            1);
  return out;
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Flip(std::string s, size_t i) {
  s[i] = static_cast<char>(s[i] ^ 0x01);
  return s;
}

SslPtr<EVP_PKEY> ParseSpki(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return SslPtr<EVP_PKEY>(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
}

// PKCS#8 DER of a key made with OpenSSL directly, for keys GenerateKeyPair does not make.
SecretBytes Pkcs8Of(EVP_PKEY* pkey) {
  std::unique_ptr<OSSL_ENCODER_CTX, decltype(&OSSL_ENCODER_CTX_free)> encoder(
      OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr),
      OSSL_ENCODER_CTX_free);
  unsigned char* data = nullptr;
  size_t len = 0;
  EXPECT_EQ(OSSL_ENCODER_to_data(encoder.get(), &data, &len), 1);
  SecretBytes out = SecretBytes::CopyFrom(std::span<const uint8_t>(data, len));
  OPENSSL_clear_free(data, len);
  return out;
}

class OpensslAsymmetricTest : public ::testing::Test {
 protected:
  // Key generation (RSA 4096 above all) is slow, so each spec's key is made once for all tests.
  static const SecretBytes& PrivateKey(KeyPairSpec spec, int index = 0) {
    static std::map<std::pair<KeyPairSpec, int>, SecretBytes> keys;
    auto it = keys.find({spec, index});
    if (it == keys.end()) {
      OpensslAsymmetric asymmetric;
      auto key = asymmetric.GenerateKeyPair(spec);
      COFFER_CHECK(key.has_value(), "key generation failed");
      it = keys.emplace(std::make_pair(spec, index), std::move(key).value()).first;
    }
    return it->second;
  }
  std::string PublicKey(KeyPairSpec spec, int index = 0) {
    auto der = asymmetric_.PublicKeyDer(PrivateKey(spec, index));
    EXPECT_TRUE(der.has_value());
    return der.value_or("");
  }

  OpensslAsymmetric asymmetric_;
};

TEST_F(OpensslAsymmetricTest, EverySpecGeneratesAStandardKeyPair) {
  // SubjectPublicKeyInfo sizes with e = 65537, named curves and uncompressed points, as KMS
  // GetPublicKey returns them.
  const std::map<KeyPairSpec, size_t> spki_sizes = {
      {KeyPairSpec::kRsa2048, 294},      {KeyPairSpec::kRsa3072, 422},
      {KeyPairSpec::kRsa4096, 550},      {KeyPairSpec::kEccNistP256, 91},
      {KeyPairSpec::kEccNistP384, 120},  {KeyPairSpec::kEccNistP521, 158},
      {KeyPairSpec::kEccSecgP256k1, 88},
  };
  for (KeyPairSpec spec : kAllSpecs) {
    SCOPED_TRACE(static_cast<int>(spec));
    const SecretBytes& priv = PrivateKey(spec);

    // An unencrypted PKCS#8 PrivateKeyInfo.
    const unsigned char* p = priv.data();
    std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(
        d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(priv.size())),
        PKCS8_PRIV_KEY_INFO_free);
    ASSERT_NE(p8, nullptr);
    EXPECT_EQ(p, priv.data() + priv.size());

    auto found = asymmetric_.SpecOf(priv);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(*found, spec);

    std::string pub = PublicKey(spec);
    EXPECT_EQ(pub.size(), spki_sizes.at(spec));
    SslPtr<EVP_PKEY> pkey = ParseSpki(pub);
    ASSERT_NE(pkey, nullptr);
    if (spec == KeyPairSpec::kRsa2048 || spec == KeyPairSpec::kRsa3072 ||
        spec == KeyPairSpec::kRsa4096) {
      size_t e = 0;
      ASSERT_EQ(EVP_PKEY_get_size_t_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e), 1);
      EXPECT_EQ(e, 65537U);
    }
  }
}

TEST_F(OpensslAsymmetricTest, GeneratedKeysDiffer) {
  auto a = asymmetric_.GenerateKeyPair(KeyPairSpec::kEccNistP256);
  auto b = asymmetric_.GenerateKeyPair(KeyPairSpec::kEccNistP256);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_FALSE(a->Equals(b->span()));
}

TEST_F(OpensslAsymmetricTest, SignThenVerifyEveryAlgorithmInBothModes) {
  const std::string message = "the quick brown fox jumps over the lazy dog";
  for (auto [spec, algorithm] : KmsSigningPairs()) {
    SCOPED_TRACE(testing::Message() << "spec " << static_cast<int>(spec) << " algorithm "
                                    << static_cast<int>(algorithm));
    const SecretBytes& priv = PrivateKey(spec);
    std::string pub = PublicKey(spec);
    std::string digest = Digest(HashOf(algorithm), message);

    auto of_message = asymmetric_.Sign(priv, algorithm, message, false);
    auto of_digest = asymmetric_.Sign(priv, algorithm, digest, true);
    ASSERT_TRUE(of_message.has_value()) << of_message.error().message;
    ASSERT_TRUE(of_digest.has_value()) << of_digest.error().message;

    // Each signature verifies in both modes: signing a message is signing its digest.
    for (const std::string& signature : {*of_message, *of_digest}) {
      auto by_message = asymmetric_.Verify(pub, algorithm, message, false, signature);
      auto by_digest = asymmetric_.Verify(pub, algorithm, digest, true, signature);
      ASSERT_TRUE(by_message.has_value()) << by_message.error().message;
      ASSERT_TRUE(by_digest.has_value()) << by_digest.error().message;
      EXPECT_TRUE(*by_message);
      EXPECT_TRUE(*by_digest);
    }
    if (!IsPss(algorithm) && !IsEcdsa(algorithm)) {
      // PKCS#1 v1.5 is deterministic.
      EXPECT_EQ(*of_message, *of_digest);
    }
    if (IsEcdsa(algorithm)) {
      // DER: an ECDSA-Sig-Value SEQUENCE that parses completely.
      const auto* p = reinterpret_cast<const unsigned char*>(of_message->data());
      ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(of_message->size()));
      EXPECT_NE(sig, nullptr);
      EXPECT_EQ(p, reinterpret_cast<const unsigned char*>(of_message->data()) + of_message->size());
      ECDSA_SIG_free(sig);
    }
  }
}

// KMS's PSS parameters, checked with OpenSSL directly: the salt is exactly as long as the digest,
// and MGF1 uses the signature's hash.
TEST_F(OpensslAsymmetricTest, PssUsesDigestLengthSaltAndSameHashMgf1) {
  const std::string message = "pss parameters";
  for (SigningAlgorithm algorithm :
       {SigningAlgorithm::kRsassaPssSha256, SigningAlgorithm::kRsassaPssSha384,
        SigningAlgorithm::kRsassaPssSha512}) {
    SCOPED_TRACE(static_cast<int>(algorithm));
    auto signature = asymmetric_.Sign(PrivateKey(KeyPairSpec::kRsa2048), algorithm, message, false);
    ASSERT_TRUE(signature.has_value());
    SslPtr<EVP_PKEY> pkey = ParseSpki(PublicKey(KeyPairSpec::kRsa2048));
    const EVP_MD* md = HashOf(algorithm);
    auto verify = [&](int salt_length, const EVP_MD* mgf1) {
      SslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
      EVP_PKEY_CTX* pctx = nullptr;
      EXPECT_EQ(EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey.get()), 1);
      EXPECT_GT(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 0);
      EXPECT_GT(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_length), 0);
      EXPECT_GT(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf1), 0);
      bool ok = EVP_DigestVerify(
                    ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()),
                    signature->size(), reinterpret_cast<const unsigned char*>(message.data()),
                    message.size()) == 1;
      ERR_clear_error();
      return ok;
    };
    const int hash_length = EVP_MD_get_size(md);
    EXPECT_TRUE(verify(hash_length, md));
    EXPECT_FALSE(verify(hash_length - 1, md));
    EXPECT_FALSE(verify(hash_length + 1, md));
    EXPECT_FALSE(verify(hash_length, EVP_sha1()));
  }
}

TEST_F(OpensslAsymmetricTest, DigestOfWrongLengthIsInvalidArgument) {
  const SecretBytes& priv = PrivateKey(KeyPairSpec::kRsa2048);
  std::string pub = PublicKey(KeyPairSpec::kRsa2048);
  std::string sha256 = Digest(EVP_sha256(), "message");
  std::string good = *asymmetric_.Sign(priv, SigningAlgorithm::kRsassaPssSha256, sha256, true);
  for (const std::string& digest :
       {sha256.substr(0, 31), sha256 + "x", Digest(EVP_sha384(), "message"), std::string()}) {
    auto sig = asymmetric_.Sign(priv, SigningAlgorithm::kRsassaPssSha256, digest, true);
    ASSERT_FALSE(sig.has_value());
    EXPECT_EQ(sig.error().code, ErrorCode::kInvalidArgument);
    auto ok = asymmetric_.Verify(pub, SigningAlgorithm::kRsassaPssSha256, digest, true, good);
    ASSERT_FALSE(ok.has_value());
    EXPECT_EQ(ok.error().code, ErrorCode::kInvalidArgument);
  }
  auto ecdsa = asymmetric_.Sign(PrivateKey(KeyPairSpec::kEccNistP521),
                                SigningAlgorithm::kEcdsaSha512, sha256, true);
  ASSERT_FALSE(ecdsa.has_value());
  EXPECT_EQ(ecdsa.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(OpensslAsymmetricTest, AlgorithmThatDoesNotFitTheKeyIsInvalidArgument) {
  const std::pair<KeyPairSpec, SigningAlgorithm> mismatches[] = {
      {KeyPairSpec::kRsa2048, SigningAlgorithm::kEcdsaSha256},
      {KeyPairSpec::kRsa4096, SigningAlgorithm::kEcdsaSha512},
      {KeyPairSpec::kEccNistP256, SigningAlgorithm::kRsassaPssSha256},
      {KeyPairSpec::kEccNistP384, SigningAlgorithm::kRsassaPkcs1V15Sha384},
      // KMS pairs each curve with one hash.
      {KeyPairSpec::kEccNistP256, SigningAlgorithm::kEcdsaSha384},
      {KeyPairSpec::kEccNistP384, SigningAlgorithm::kEcdsaSha256},
      {KeyPairSpec::kEccNistP521, SigningAlgorithm::kEcdsaSha256},
      {KeyPairSpec::kEccSecgP256k1, SigningAlgorithm::kEcdsaSha512},
  };
  for (auto [spec, algorithm] : mismatches) {
    SCOPED_TRACE(testing::Message() << "spec " << static_cast<int>(spec) << " algorithm "
                                    << static_cast<int>(algorithm));
    auto sig = asymmetric_.Sign(PrivateKey(spec), algorithm, "message", false);
    ASSERT_FALSE(sig.has_value());
    EXPECT_EQ(sig.error().code, ErrorCode::kInvalidArgument);
    auto ok = asymmetric_.Verify(PublicKey(spec), algorithm, "message", false, "signature");
    ASSERT_FALSE(ok.has_value());
    EXPECT_EQ(ok.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST_F(OpensslAsymmetricTest, TamperedOrForeignSignatureDoesNotVerify) {
  const std::string message = "message";
  for (auto [spec, algorithm] : KmsSigningPairs()) {
    SCOPED_TRACE(testing::Message() << "spec " << static_cast<int>(spec) << " algorithm "
                                    << static_cast<int>(algorithm));
    std::string pub = PublicKey(spec);
    std::string sig = *asymmetric_.Sign(PrivateKey(spec), algorithm, message, false);
    std::string other = *asymmetric_.Sign(PrivateKey(spec, 1), algorithm, message, false);
    std::string digest = Digest(HashOf(algorithm), message);
    std::vector<std::string> bad = {
        Flip(sig, 0),
        Flip(sig, sig.size() / 2),
        Flip(sig, sig.size() - 1),
        sig.substr(0, sig.size() - 1),
        sig + '\0',
        std::string(sig.size(), '\0'),
        "garbage",
        std::string(),
        other,
    };
    for (size_t i = 0; i < bad.size(); ++i) {
      for (bool is_digest : {false, true}) {
        auto ok =
            asymmetric_.Verify(pub, algorithm, is_digest ? digest : message, is_digest, bad[i]);
        ASSERT_TRUE(ok.has_value()) << "case " << i << ": " << ok.error().message;
        EXPECT_FALSE(*ok) << "case " << i << " is_digest " << is_digest;
      }
    }
  }
}

TEST_F(OpensslAsymmetricTest, TamperedMessageDoesNotVerify) {
  for (auto [spec, algorithm] : KmsSigningPairs()) {
    SCOPED_TRACE(testing::Message() << "spec " << static_cast<int>(spec) << " algorithm "
                                    << static_cast<int>(algorithm));
    std::string pub = PublicKey(spec);
    std::string sig = *asymmetric_.Sign(PrivateKey(spec), algorithm, "message", false);
    EXPECT_FALSE(*asymmetric_.Verify(pub, algorithm, "messagE", false, sig));
    EXPECT_FALSE(*asymmetric_.Verify(pub, algorithm, "", false, sig));
    std::string digest = Digest(HashOf(algorithm), "message");
    EXPECT_FALSE(*asymmetric_.Verify(pub, algorithm, Flip(digest, 0), true, sig));
  }
}

TEST_F(OpensslAsymmetricTest, SignsAnEmptyMessage) {
  const SecretBytes& priv = PrivateKey(KeyPairSpec::kEccNistP256);
  auto sig = asymmetric_.Sign(priv, SigningAlgorithm::kEcdsaSha256, std::string_view(), false);
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(*asymmetric_.Verify(PublicKey(KeyPairSpec::kEccNistP256),
                                  SigningAlgorithm::kEcdsaSha256, Digest(EVP_sha256(), ""), true,
                                  *sig));
}

TEST_F(OpensslAsymmetricTest, OaepRoundTripsWithBothPaddings) {
  for (KeyPairSpec spec : kRsaSpecs) {
    for (RsaPadding padding : {RsaPadding::kOaepSha1, RsaPadding::kOaepSha256}) {
      SCOPED_TRACE(testing::Message() << "spec " << static_cast<int>(spec) << " padding "
                                      << static_cast<int>(padding));
      const size_t modulus = spec == KeyPairSpec::kRsa2048   ? 256
                             : spec == KeyPairSpec::kRsa3072 ? 384
                                                             : 512;
      const size_t hash = padding == RsaPadding::kOaepSha1 ? 20 : 32;
      const size_t max = modulus - 2 * hash - 2;  // KMS: 214/190 bytes for RSA 2048, and so on.
      std::string pub = PublicKey(spec);
      for (const std::string& plaintext : {std::string("secret"), std::string(max, 'x'),
                                           std::string(), std::string("\0\1\0", 3)}) {
        auto ct = asymmetric_.RsaEncrypt(pub, padding, plaintext);
        ASSERT_TRUE(ct.has_value()) << ct.error().message;
        EXPECT_EQ(ct->size(), modulus);
        auto pt = asymmetric_.RsaDecrypt(PrivateKey(spec), padding, *ct);
        ASSERT_TRUE(pt.has_value()) << pt.error().message;
        EXPECT_EQ(pt->view(), plaintext);
      }
      auto too_long = asymmetric_.RsaEncrypt(pub, padding, std::string(max + 1, 'x'));
      ASSERT_FALSE(too_long.has_value());
      EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

// KMS's OAEP parameters, checked by decrypting with OpenSSL directly: MGF1 uses the OAEP hash.
TEST_F(OpensslAsymmetricTest, OaepUsesSameHashForMgf1) {
  std::string pub = PublicKey(KeyPairSpec::kRsa2048);
  auto ct = asymmetric_.RsaEncrypt(pub, RsaPadding::kOaepSha256, "secret");
  ASSERT_TRUE(ct.has_value());
  const unsigned char* p = PrivateKey(KeyPairSpec::kRsa2048).data();
  SslPtr<EVP_PKEY> pkey(
      d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(PrivateKey(KeyPairSpec::kRsa2048).size())));
  ASSERT_NE(pkey, nullptr);
  auto decrypt = [&](const EVP_MD* mgf1) {
    SslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(pkey.get(), nullptr));
    EXPECT_EQ(EVP_PKEY_decrypt_init(ctx.get()), 1);
    EXPECT_GT(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING), 0);
    EXPECT_GT(EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()), 0);
    EXPECT_GT(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), mgf1), 0);
    std::string out(256, '\0');
    size_t len = out.size();
    bool ok = EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                               reinterpret_cast<const unsigned char*>(ct->data()), ct->size()) == 1;
    ERR_clear_error();
    out.resize(ok ? len : 0);
    return out;
  };
  EXPECT_EQ(decrypt(EVP_sha256()), "secret");
  EXPECT_EQ(decrypt(EVP_sha1()), "");
}

TEST_F(OpensslAsymmetricTest, BadCiphertextIsDataLoss) {
  std::string pub = PublicKey(KeyPairSpec::kRsa2048);
  const SecretBytes& priv = PrivateKey(KeyPairSpec::kRsa2048);
  std::string ct = *asymmetric_.RsaEncrypt(pub, RsaPadding::kOaepSha256, "secret");
  std::vector<std::pair<const char*, Result<SecretBytes>>> results;
  results.emplace_back("first byte flipped",
                       asymmetric_.RsaDecrypt(priv, RsaPadding::kOaepSha256, Flip(ct, 0)));
  results.emplace_back("middle byte flipped", asymmetric_.RsaDecrypt(priv, RsaPadding::kOaepSha256,
                                                                     Flip(ct, ct.size() / 2)));
  results.emplace_back("last byte flipped", asymmetric_.RsaDecrypt(priv, RsaPadding::kOaepSha256,
                                                                   Flip(ct, ct.size() - 1)));
  results.emplace_back("truncated", asymmetric_.RsaDecrypt(priv, RsaPadding::kOaepSha256,
                                                           ct.substr(0, ct.size() - 1)));
  results.emplace_back("extended", asymmetric_.RsaDecrypt(priv, RsaPadding::kOaepSha256, ct + 'x'));
  results.emplace_back("empty", asymmetric_.RsaDecrypt(priv, RsaPadding::kOaepSha256, ""));
  results.emplace_back("other padding", asymmetric_.RsaDecrypt(priv, RsaPadding::kOaepSha1, ct));
  results.emplace_back("other key", asymmetric_.RsaDecrypt(PrivateKey(KeyPairSpec::kRsa2048, 1),
                                                           RsaPadding::kOaepSha256, ct));
  results.emplace_back("larger key", asymmetric_.RsaDecrypt(PrivateKey(KeyPairSpec::kRsa3072),
                                                            RsaPadding::kOaepSha256, ct));
  for (const auto& [what, result] : results) {
    ASSERT_FALSE(result.has_value()) << what;
    EXPECT_EQ(result.error().code, ErrorCode::kDataLoss) << what;
  }
}

TEST_F(OpensslAsymmetricTest, OaepNeedsAnRsaKey) {
  auto ct = asymmetric_.RsaEncrypt(PublicKey(KeyPairSpec::kEccNistP256), RsaPadding::kOaepSha256,
                                   "secret");
  ASSERT_FALSE(ct.has_value());
  EXPECT_EQ(ct.error().code, ErrorCode::kInvalidArgument);
  auto pt = asymmetric_.RsaDecrypt(PrivateKey(KeyPairSpec::kEccNistP256), RsaPadding::kOaepSha256,
                                   std::string(256, 'x'));
  ASSERT_FALSE(pt.has_value());
  EXPECT_EQ(pt.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(OpensslAsymmetricTest, HmacMatchesRfc4231) {
  // RFC 4231 test case 2.
  const std::string key = "Jefe";
  const std::string data = "what do ya want for nothing?";
  const std::pair<MacAlgorithm, const char*> vectors[] = {
      {MacAlgorithm::kHmacSha224, "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44"},
      {MacAlgorithm::kHmacSha256,
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {MacAlgorithm::kHmacSha384,
       "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecf"
       "ab21649"},
      {MacAlgorithm::kHmacSha512,
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f"
       "8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
  };
  for (auto [algorithm, expected] : vectors) {
    auto mac = asymmetric_.Mac(Bytes(key), algorithm, data);
    ASSERT_TRUE(mac.has_value()) << mac.error().message;
    EXPECT_EQ(HexEncode(*mac), expected);
  }
  // Test case 6: a key longer than the block size.
  const std::string long_key(131, '\xaa');
  auto mac = asymmetric_.Mac(Bytes(long_key), MacAlgorithm::kHmacSha512,
                             "Test Using Larger Than Block-Size Key - Hash Key First");
  ASSERT_TRUE(mac.has_value());
  EXPECT_EQ(HexEncode(*mac),
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2"
            "215d6a1e5295e64f73f63f0aec8b915a985d786598");
}

TEST_F(OpensslAsymmetricTest, HmacOfEmptyKeyIsInvalidArgument) {
  auto mac = asymmetric_.Mac({}, MacAlgorithm::kHmacSha256, "data");
  ASSERT_FALSE(mac.has_value());
  EXPECT_EQ(mac.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(OpensslAsymmetricTest, MalformedPrivateKeyIsInvalidArgument) {
  const SecretBytes& good = PrivateKey(KeyPairSpec::kEccNistP256);
  std::vector<SecretBytes> bad;
  bad.push_back(SecretBytes());
  bad.push_back(SecretBytes::CopyFrom("garbage"));
  bad.push_back(SecretBytes::CopyFrom(std::string(1000, '\x30')));
  bad.push_back(SecretBytes::CopyFrom(good.view().substr(0, good.size() - 1)));
  bad.push_back(SecretBytes::CopyFrom(std::string(good.view()) + '\0'));
  bad.push_back(SecretBytes::CopyFrom(PublicKey(KeyPairSpec::kEccNistP256)));

  // Keys that parse but are not one of the KMS specs.
  SslPtr<EVP_PKEY> rsa1024(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  SslPtr<EVP_PKEY> p224(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-224"));
  SslPtr<EVP_PKEY> ed25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  SslPtr<EVP_PKEY> explicit_p256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_TRUE(rsa1024 && p224 && ed25519 && explicit_p256);
  ASSERT_EQ(EVP_PKEY_set_utf8_string_param(explicit_p256.get(), OSSL_PKEY_PARAM_EC_ENCODING,
                                           OSSL_PKEY_EC_ENCODING_EXPLICIT),
            1);
  bad.push_back(Pkcs8Of(rsa1024.get()));
  bad.push_back(Pkcs8Of(p224.get()));
  bad.push_back(Pkcs8Of(ed25519.get()));
  bad.push_back(Pkcs8Of(explicit_p256.get()));

  // A traditional (not PKCS#8) RSAPrivateKey.
  SslPtr<EVP_PKEY> rsa2048(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  ASSERT_NE(rsa2048, nullptr);
  unsigned char* traditional = nullptr;
  int len = i2d_PrivateKey(rsa2048.get(), &traditional);
  ASSERT_GT(len, 0);
  bad.push_back(SecretBytes::CopyFrom(std::span<const uint8_t>(traditional, len)));
  OPENSSL_clear_free(traditional, static_cast<size_t>(len));

  for (size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(i);
    const SecretBytes& key = bad[i];
    auto spec = asymmetric_.SpecOf(key);
    ASSERT_FALSE(spec.has_value());
    EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
    auto pub = asymmetric_.PublicKeyDer(key);
    ASSERT_FALSE(pub.has_value());
    EXPECT_EQ(pub.error().code, ErrorCode::kInvalidArgument);
    auto sig = asymmetric_.Sign(key, SigningAlgorithm::kEcdsaSha256, "m", false);
    ASSERT_FALSE(sig.has_value());
    EXPECT_EQ(sig.error().code, ErrorCode::kInvalidArgument);
    auto pt = asymmetric_.RsaDecrypt(key, RsaPadding::kOaepSha256, std::string(256, 'x'));
    ASSERT_FALSE(pt.has_value());
    EXPECT_EQ(pt.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(ERR_peek_error(), 0UL);
  }
}

TEST_F(OpensslAsymmetricTest, MalformedPublicKeyIsInvalidArgument) {
  std::string good = PublicKey(KeyPairSpec::kRsa2048);
  const std::string bad[] = {
      "",
      "garbage",
      good.substr(0, good.size() - 1),
      good + '\0',
      std::string(PrivateKey(KeyPairSpec::kRsa2048).view()),
  };
  for (const std::string& pub : bad) {
    auto ok = asymmetric_.Verify(pub, SigningAlgorithm::kRsassaPssSha256, "m", false, "sig");
    ASSERT_FALSE(ok.has_value());
    EXPECT_EQ(ok.error().code, ErrorCode::kInvalidArgument);
    auto ct = asymmetric_.RsaEncrypt(pub, RsaPadding::kOaepSha256, "m");
    ASSERT_FALSE(ct.has_value());
    EXPECT_EQ(ct.error().code, ErrorCode::kInvalidArgument);
  }
}

// The EC private key carries its public point; a key whose point belongs to another private key
// parses, but SpecOf must not accept it.
TEST_F(OpensslAsymmetricTest, SpecOfRejectsMismatchedKeyHalves) {
  const SecretBytes& a = PrivateKey(KeyPairSpec::kEccNistP256);
  const SecretBytes& b = PrivateKey(KeyPairSpec::kEccNistP256, 1);
  ASSERT_EQ(a.size(), b.size());
  // The uncompressed point (0x04 || X || Y) is the last 65 bytes of OpenSSL's P-256 PKCS#8.
  ASSERT_EQ(a.data()[a.size() - 65], 0x04);
  std::string spliced(a.view().substr(0, a.size() - 65));
  spliced += b.view().substr(b.size() - 65);
  auto spec = asymmetric_.SpecOf(SecretBytes::CopyFrom(spliced));
  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(OpensslAsymmetricTest, FailuresLeaveNoOpensslErrors) {
  ERR_clear_error();
  std::string pub = PublicKey(KeyPairSpec::kRsa2048);
  EXPECT_FALSE(*asymmetric_.Verify(pub, SigningAlgorithm::kRsassaPssSha256, "m", false,
                                   std::string(256, 'x')));
  EXPECT_EQ(ERR_peek_error(), 0UL);
  EXPECT_FALSE(asymmetric_
                   .RsaDecrypt(PrivateKey(KeyPairSpec::kRsa2048), RsaPadding::kOaepSha1,
                               std::string(256, 'x'))
                   .has_value());
  EXPECT_EQ(ERR_peek_error(), 0UL);
  EXPECT_FALSE(*asymmetric_.Verify(PublicKey(KeyPairSpec::kEccNistP256),
                                   SigningAlgorithm::kEcdsaSha256, "m", false, "not DER"));
  EXPECT_EQ(ERR_peek_error(), 0UL);
  EXPECT_FALSE(asymmetric_.SpecOf(SecretBytes::CopyFrom("garbage")).has_value());
  EXPECT_EQ(ERR_peek_error(), 0UL);
}

TEST_F(OpensslAsymmetricTest, ConcurrentUseFromManyThreads) {
  const SecretBytes& rsa = PrivateKey(KeyPairSpec::kRsa2048);
  const SecretBytes& ec = PrivateKey(KeyPairSpec::kEccNistP256);
  std::string rsa_pub = PublicKey(KeyPairSpec::kRsa2048);
  std::string ec_pub = PublicKey(KeyPairSpec::kEccNistP256);
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string message = "message " + std::to_string(t) + "/" + std::to_string(i);
        auto sig = asymmetric_.Sign(ec, SigningAlgorithm::kEcdsaSha256, message, false);
        auto ct = asymmetric_.RsaEncrypt(rsa_pub, RsaPadding::kOaepSha256, message);
        auto mac = asymmetric_.Mac(Bytes(message), MacAlgorithm::kHmacSha256, message);
        if (!sig || !ct || !mac ||
            !asymmetric_.Verify(ec_pub, SigningAlgorithm::kEcdsaSha256, message, false, *sig)
                 .value_or(false)) {
          ++failures[t];
          continue;
        }
        auto pt = asymmetric_.RsaDecrypt(rsa, RsaPadding::kOaepSha256, *ct);
        if (!pt || pt->view() != message) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace coffer::crypto
