#include "crypto/openssl/openssl_asymmetric.h"

#include <openssl/buffer.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <climits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "base/check.h"

namespace coffer::crypto {
namespace {

// Failures deep inside OpenSSL (a decoder trying several formats, a signature that does not
// verify) leave entries on the thread's error queue, and some successful calls do too. Left there,
// they would be reported by whatever unrelated code next asks for OpenSSL's last error, so every
// public method clears the queue on each way out.
class ErrorQueueGuard {
 public:
  ErrorQueueGuard() = default;
  ErrorQueueGuard(const ErrorQueueGuard&) = delete;
  ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
  ~ErrorQueueGuard() { ERR_clear_error(); }
};

struct Pkcs8Deleter {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
struct EncoderDeleter {
  void operator()(OSSL_ENCODER_CTX* p) const { OSSL_ENCODER_CTX_free(p); }
};

enum class Hash { kSha1, kSha224, kSha256, kSha384, kSha512 };

// The static (unfetched) digests: EVP_PKEY_CTX_set_*_md only pass their names on to the provider,
// and EVP_DigestSignInit_ex fetches by name, so pre-fetching them would save nothing.
const EVP_MD* MdOf(Hash hash) {
  switch (hash) {
    case Hash::kSha1:
      return EVP_sha1();
    case Hash::kSha224:
      return EVP_sha224();
    case Hash::kSha256:
      return EVP_sha256();
    case Hash::kSha384:
      return EVP_sha384();
    case Hash::kSha512:
      return EVP_sha512();
  }
  return nullptr;
}

enum class Scheme { kRsaPss, kRsaPkcs1, kEcdsa };

struct SigningParams {
  Scheme scheme;
  Hash hash;
};

std::optional<SigningParams> ParamsOf(SigningAlgorithm algorithm) {
  switch (algorithm) {
    case SigningAlgorithm::kRsassaPssSha256:
      return SigningParams{Scheme::kRsaPss, Hash::kSha256};
    case SigningAlgorithm::kRsassaPssSha384:
      return SigningParams{Scheme::kRsaPss, Hash::kSha384};
    case SigningAlgorithm::kRsassaPssSha512:
      return SigningParams{Scheme::kRsaPss, Hash::kSha512};
    case SigningAlgorithm::kRsassaPkcs1V15Sha256:
      return SigningParams{Scheme::kRsaPkcs1, Hash::kSha256};
    case SigningAlgorithm::kRsassaPkcs1V15Sha384:
      return SigningParams{Scheme::kRsaPkcs1, Hash::kSha384};
    case SigningAlgorithm::kRsassaPkcs1V15Sha512:
      return SigningParams{Scheme::kRsaPkcs1, Hash::kSha512};
    case SigningAlgorithm::kEcdsaSha256:
      return SigningParams{Scheme::kEcdsa, Hash::kSha256};
    case SigningAlgorithm::kEcdsaSha384:
      return SigningParams{Scheme::kEcdsa, Hash::kSha384};
    case SigningAlgorithm::kEcdsaSha512:
      return SigningParams{Scheme::kEcdsa, Hash::kSha512};
  }
  return std::nullopt;
}

bool IsRsa(KeyPairSpec spec) {
  return spec == KeyPairSpec::kRsa2048 || spec == KeyPairSpec::kRsa3072 ||
         spec == KeyPairSpec::kRsa4096;
}

// The hash KMS pairs with each curve for ECDSA.
Hash EcdsaHashOf(KeyPairSpec spec) {
  switch (spec) {
    case KeyPairSpec::kEccNistP384:
      return Hash::kSha384;
    case KeyPairSpec::kEccNistP521:
      return Hash::kSha512;
    default:
      return Hash::kSha256;
  }
}

const unsigned char* U(std::string_view s) {
  // Some OpenSSL paths memcpy from the input even when it is empty, and memcpy from nullptr is
  // undefined behaviour even for zero bytes.
  static const unsigned char kEmpty = 0;
  return s.data() == nullptr ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* O(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// A parsed key and what it is.
struct Key {
  SslPtr<EVP_PKEY> pkey;
  KeyPairSpec spec;
};

Result<KeyPairSpec> SpecOfKey(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA") == 1) {
    switch (EVP_PKEY_get_bits(pkey)) {
      case 2048:
        return KeyPairSpec::kRsa2048;
      case 3072:
        return KeyPairSpec::kRsa3072;
      case 4096:
        return KeyPairSpec::kRsa4096;
      default:
        return InvalidArgumentError("RSA keys must have 2048, 3072 or 4096 bits");
    }
  }
  if (EVP_PKEY_is_a(pkey, "EC") == 1) {
    // Explicit curve parameters would be copied into the SubjectPublicKeyInfo, which KMS clients
    // do not expect; KMS keys always name their curve.
    std::array<char, 32> encoding{};
    std::array<char, 64> group{};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, encoding.data(),
                                       encoding.size(), &len) != 1 ||
        std::string_view(encoding.data(), len) != OSSL_PKEY_EC_ENCODING_GROUP ||
        EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &len) != 1) {
      return InvalidArgumentError("EC keys must use a named curve");
    }
    switch (OBJ_txt2nid(group.data())) {
      case NID_X9_62_prime256v1:
        return KeyPairSpec::kEccNistP256;
      case NID_secp384r1:
        return KeyPairSpec::kEccNistP384;
      case NID_secp521r1:
        return KeyPairSpec::kEccNistP521;
      case NID_secp256k1:
        return KeyPairSpec::kEccSecgP256k1;
      default:
        return InvalidArgumentError("EC keys must use P-256, P-384, P-521 or secp256k1");
    }
  }
  return InvalidArgumentError("the key is neither an RSA nor an EC key");
}

Result<Key> ParsePrivate(const SecretBytes& der) {
  if (der.empty() || der.size() > LONG_MAX) {
    return InvalidArgumentError("the private key is not PKCS#8 DER");
  }
  const unsigned char* p = der.data();
  // PKCS8_PRIV_KEY_INFO_free wipes the key octets it holds (ASN1_STRING_clear_free).
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, Pkcs8Deleter> p8(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (p8 == nullptr || p != der.data() + der.size()) {
    return InvalidArgumentError("the private key is not PKCS#8 DER");
  }
  SslPtr<EVP_PKEY> pkey(EVP_PKCS82PKEY(p8.get()));
  if (pkey == nullptr) return InvalidArgumentError("the private key is not PKCS#8 DER");
  COFFER_ASSIGN_OR_RETURN(KeyPairSpec spec, SpecOfKey(pkey.get()));
  return Key{std::move(pkey), spec};
}

Result<Key> ParsePublic(std::string_view der) {
  if (der.empty() || der.size() > LONG_MAX) {
    return InvalidArgumentError("the public key is not SubjectPublicKeyInfo DER");
  }
  const unsigned char* p = U(der);
  SslPtr<EVP_PKEY> pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (pkey == nullptr || p != U(der) + der.size()) {
    return InvalidArgumentError("the public key is not SubjectPublicKeyInfo DER");
  }
  COFFER_ASSIGN_OR_RETURN(KeyPairSpec spec, SpecOfKey(pkey.get()));
  return Key{std::move(pkey), spec};
}

// Checks that `algorithm` may be used with a key of `spec` (and, for a digest, its length), and
// returns its parameters.
Result<SigningParams> CheckSigning(KeyPairSpec spec, SigningAlgorithm algorithm,
                                   std::string_view message, bool is_digest) {
  std::optional<SigningParams> params = ParamsOf(algorithm);
  if (!params) return InvalidArgumentError("unknown signing algorithm");
  if (IsRsa(spec) != (params->scheme != Scheme::kEcdsa)) {
    return InvalidArgumentError("the signing algorithm does not fit the key type");
  }
  if (params->scheme == Scheme::kEcdsa && params->hash != EcdsaHashOf(spec)) {
    return InvalidArgumentError("the ECDSA hash does not fit the key's curve");
  }
  if (is_digest && message.size() != static_cast<size_t>(EVP_MD_get_size(MdOf(params->hash)))) {
    return InvalidArgumentError("the digest's length does not match the signing algorithm's hash");
  }
  return *params;
}

// Sets RSA padding on a signing or verifying context. PSS uses KMS's parameters: salt as long as
// the digest, MGF1 with the signature's hash.
bool ConfigureSigning(EVP_PKEY_CTX* ctx, SigningParams params) {
  switch (params.scheme) {
    case Scheme::kRsaPss:
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, MdOf(params.hash)) > 0;
    case Scheme::kRsaPkcs1:
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0;
    case Scheme::kEcdsa:
      return true;
  }
  return false;
}

const EVP_MD* OaepMdOf(RsaPadding padding) {
  switch (padding) {
    case RsaPadding::kOaepSha1:
      return EVP_sha1();
    case RsaPadding::kOaepSha256:
      return EVP_sha256();
  }
  return nullptr;
}

bool ConfigureOaep(EVP_PKEY_CTX* ctx, const EVP_MD* md) {
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) > 0 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0;
}

const char* HmacDigestOf(MacAlgorithm algorithm) {
  switch (algorithm) {
    case MacAlgorithm::kHmacSha224:
      return "SHA224";
    case MacAlgorithm::kHmacSha256:
      return "SHA256";
    case MacAlgorithm::kHmacSha384:
      return "SHA384";
    case MacAlgorithm::kHmacSha512:
      return "SHA512";
  }
  return nullptr;
}

}  // namespace

OpensslAsymmetric::OpensslAsymmetric() : hmac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)) {
  COFFER_CHECK(hmac_ != nullptr, "HMAC is not available in OpenSSL");
}

Result<SecretBytes> OpensslAsymmetric::GenerateKeyPair(KeyPairSpec spec) {
  ErrorQueueGuard guard;
  unsigned int bits = 0;
  unsigned int public_exponent = RSA_F4;  // 65537, as KMS uses.
  const char* curve = nullptr;
  switch (spec) {
    case KeyPairSpec::kRsa2048:
      bits = 2048;
      break;
    case KeyPairSpec::kRsa3072:
      bits = 3072;
      break;
    case KeyPairSpec::kRsa4096:
      bits = 4096;
      break;
    case KeyPairSpec::kEccNistP256:
      curve = SN_X9_62_prime256v1;
      break;
    case KeyPairSpec::kEccNistP384:
      curve = SN_secp384r1;
      break;
    case KeyPairSpec::kEccNistP521:
      curve = SN_secp521r1;
      break;
    case KeyPairSpec::kEccSecgP256k1:
      curve = SN_secp256k1;
      break;
  }
  std::array<OSSL_PARAM, 4> params{};
  if (bits != 0) {
    params = {OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_BITS, &bits),
              OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_E, &public_exponent),
              OSSL_PARAM_construct_end(), OSSL_PARAM_construct_end()};
  } else if (curve != nullptr) {
    // The OSSL_PARAM API takes char* but does not write through it.
    params = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve), 0),
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING,
                                         const_cast<char*>(OSSL_PKEY_EC_ENCODING_GROUP), 0),
        OSSL_PARAM_construct_utf8_string(
            OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
            const_cast<char*>(OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED), 0),
        OSSL_PARAM_construct_end()};
  } else {
    return InvalidArgumentError("unknown key pair spec");
  }

  SslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, bits != 0 ? "RSA" : "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_params(ctx.get(), params.data()) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return InternalError("key pair generation failed");
  }
  SslPtr<EVP_PKEY> pkey(raw);

  // Encode into a memory BIO, which grows with BUF_MEM_grow_clean and wipes its buffer when freed,
  // and copy straight into SecretBytes. (OpenSSL 3.0's encoder itself frees one intermediate copy
  // without wiping it; no non-deprecated API avoids that.)
  std::unique_ptr<OSSL_ENCODER_CTX, EncoderDeleter> encoder(OSSL_ENCODER_CTX_new_for_pkey(
      pkey.get(), EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr));
  SslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  BUF_MEM* mem = nullptr;
  if (encoder == nullptr || OSSL_ENCODER_CTX_get_num_encoders(encoder.get()) == 0 ||
      bio == nullptr || OSSL_ENCODER_to_bio(encoder.get(), bio.get()) != 1 ||
      BIO_get_mem_ptr(bio.get(), &mem) != 1 || mem == nullptr || mem->length == 0) {
    return InternalError("encoding the private key failed");
  }
  return SecretBytes::CopyFrom(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(mem->data), mem->length));
}

Result<std::string> OpensslAsymmetric::PublicKeyDer(const SecretBytes& private_pkcs8) {
  ErrorQueueGuard guard;
  COFFER_ASSIGN_OR_RETURN(Key key, ParsePrivate(private_pkcs8));
  int len = i2d_PUBKEY(key.pkey.get(), nullptr);
  if (len <= 0) return InternalError("encoding the public key failed");
  std::string out(static_cast<size_t>(len), '\0');
  unsigned char* p = O(out);
  if (i2d_PUBKEY(key.pkey.get(), &p) != len) return InternalError("encoding the public key failed");
  return out;
}

Result<std::string> OpensslAsymmetric::Sign(const SecretBytes& private_pkcs8,
                                            SigningAlgorithm algorithm, std::string_view message,
                                            bool is_digest) {
  ErrorQueueGuard guard;
  COFFER_ASSIGN_OR_RETURN(Key key, ParsePrivate(private_pkcs8));
  COFFER_ASSIGN_OR_RETURN(SigningParams params,
                          CheckSigning(key.spec, algorithm, message, is_digest));
  const EVP_MD* md = MdOf(params.hash);
  std::string signature;
  size_t len = 0;
  if (is_digest) {
    SslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey.get(), nullptr));
    if (ctx == nullptr || EVP_PKEY_sign_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), md) <= 0 || !ConfigureSigning(ctx.get(), params) ||
        EVP_PKEY_sign(ctx.get(), nullptr, &len, U(message), message.size()) != 1) {
      return InternalError("signing failed");
    }
    signature.resize(len);
    if (EVP_PKEY_sign(ctx.get(), O(signature), &len, U(message), message.size()) != 1) {
      return InternalError("signing failed");
    }
  } else {
    SslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;  // Owned by ctx.
    // With no output buffer EVP_DigestSign only reports the maximum length; the second call
    // hashes and signs.
    if (ctx == nullptr ||
        EVP_DigestSignInit_ex(ctx.get(), &pctx, EVP_MD_get0_name(md), nullptr, nullptr,
                              key.pkey.get(), nullptr) != 1 ||
        !ConfigureSigning(pctx, params) ||
        EVP_DigestSign(ctx.get(), nullptr, &len, U(message), message.size()) != 1) {
      return InternalError("signing failed");
    }
    signature.resize(len);
    if (EVP_DigestSign(ctx.get(), O(signature), &len, U(message), message.size()) != 1) {
      return InternalError("signing failed");
    }
  }
  // DER-encoded ECDSA signatures are usually shorter than the maximum.
  signature.resize(len);
  return signature;
}

Result<bool> OpensslAsymmetric::Verify(std::string_view public_spki_der, SigningAlgorithm algorithm,
                                       std::string_view message, bool is_digest,
                                       std::string_view signature) {
  ErrorQueueGuard guard;
  COFFER_ASSIGN_OR_RETURN(Key key, ParsePublic(public_spki_der));
  COFFER_ASSIGN_OR_RETURN(SigningParams params,
                          CheckSigning(key.spec, algorithm, message, is_digest));
  if (signature.empty()) return false;
  const EVP_MD* md = MdOf(params.hash);
  // Only the final call's result is about the signature: it is 0 for a mismatch and negative for
  // a malformed one (bad DER, wrong length), and both just mean "does not verify".
  if (is_digest) {
    SslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey.get(), nullptr));
    if (ctx == nullptr || EVP_PKEY_verify_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_signature_md(ctx.get(), md) <= 0 || !ConfigureSigning(ctx.get(), params)) {
      return InternalError("verification failed");
    }
    return EVP_PKEY_verify(ctx.get(), U(signature), signature.size(), U(message), message.size()) ==
           1;
  }
  SslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // Owned by ctx.
  if (ctx == nullptr ||
      EVP_DigestVerifyInit_ex(ctx.get(), &pctx, EVP_MD_get0_name(md), nullptr, nullptr,
                              key.pkey.get(), nullptr) != 1 ||
      !ConfigureSigning(pctx, params)) {
    return InternalError("verification failed");
  }
  return EVP_DigestVerify(ctx.get(), U(signature), signature.size(), U(message), message.size()) ==
         1;
}

Result<std::string> OpensslAsymmetric::RsaEncrypt(std::string_view public_spki_der,
                                                  RsaPadding padding, std::string_view plaintext) {
  ErrorQueueGuard guard;
  COFFER_ASSIGN_OR_RETURN(Key key, ParsePublic(public_spki_der));
  if (!IsRsa(key.spec)) return InvalidArgumentError("RSA-OAEP needs an RSA key");
  const EVP_MD* md = OaepMdOf(padding);
  if (md == nullptr) return InvalidArgumentError("unknown RSA padding");
  // RFC 8017 section 7.1.1: at most k - 2 hLen - 2 bytes.
  const auto modulus = static_cast<size_t>(EVP_PKEY_get_size(key.pkey.get()));
  const auto hash = static_cast<size_t>(EVP_MD_get_size(md));
  const size_t max_plaintext = modulus - 2 * hash - 2;
  if (plaintext.size() > max_plaintext) {
    return InvalidArgumentError("the plaintext is longer than the " +
                                std::to_string(max_plaintext) +
                                " bytes RSA-OAEP allows for this key and hash");
  }
  SslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey.get(), nullptr));
  size_t len = 0;
  if (ctx == nullptr || EVP_PKEY_encrypt_init(ctx.get()) != 1 || !ConfigureOaep(ctx.get(), md) ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &len, U(plaintext), plaintext.size()) != 1) {
    return InternalError("encryption failed");
  }
  std::string out(len, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), O(out), &len, U(plaintext), plaintext.size()) != 1) {
    return InternalError("encryption failed");
  }
  out.resize(len);
  return out;
}

Result<SecretBytes> OpensslAsymmetric::RsaDecrypt(const SecretBytes& private_pkcs8,
                                                  RsaPadding padding, std::string_view ciphertext) {
  ErrorQueueGuard guard;
  COFFER_ASSIGN_OR_RETURN(Key key, ParsePrivate(private_pkcs8));
  if (!IsRsa(key.spec)) return InvalidArgumentError("RSA-OAEP needs an RSA key");
  const EVP_MD* md = OaepMdOf(padding);
  if (md == nullptr) return InvalidArgumentError("unknown RSA padding");
  // An OAEP ciphertext is exactly as long as the modulus (RFC 8017 section 7.1.2).
  const auto modulus = static_cast<size_t>(EVP_PKEY_get_size(key.pkey.get()));
  if (ciphertext.size() != modulus) return DataLossError("the ciphertext does not decrypt");
  SslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey.get(), nullptr));
  if (ctx == nullptr || EVP_PKEY_decrypt_init(ctx.get()) != 1 || !ConfigureOaep(ctx.get(), md)) {
    return InternalError("decryption failed");
  }
  // Decrypt into a wiped buffer as long as the modulus, then copy out the real length; the
  // SecretBytes destructor wipes the larger one.
  SecretBytes buffer(modulus);
  size_t len = buffer.size();
  if (EVP_PKEY_decrypt(ctx.get(), buffer.data(), &len, U(ciphertext), ciphertext.size()) != 1) {
    return DataLossError("the ciphertext does not decrypt");
  }
  return SecretBytes::CopyFrom(buffer.span().first(len));
}

Result<std::string> OpensslAsymmetric::Mac(std::span<const uint8_t> key, MacAlgorithm algorithm,
                                           std::string_view message) {
  ErrorQueueGuard guard;
  // OpenSSL treats a null key as "keep the previous key", so an empty one cannot be passed, and
  // KMS HMAC keys are never empty.
  if (key.empty()) return InvalidArgumentError("the HMAC key is empty");
  const char* digest = HmacDigestOf(algorithm);
  if (digest == nullptr) return InvalidArgumentError("unknown MAC algorithm");
  // The context copies the key and wipes it when freed (HMAC_CTX_free).
  SslPtr<EVP_MAC_CTX> ctx(EVP_MAC_CTX_new(hmac_.get()));
  COFFER_CHECK(ctx != nullptr, "out of memory");
  // The OSSL_PARAM API takes char* but does not write through it.
  std::array<OSSL_PARAM, 2> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  std::string out(EVP_MAX_MD_SIZE, '\0');
  size_t len = 0;
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params.data()) != 1 ||
      EVP_MAC_update(ctx.get(), U(message), message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), O(out), &len, out.size()) != 1) {
    return InternalError("HMAC failed");
  }
  out.resize(len);
  return out;
}

Result<KeyPairSpec> OpensslAsymmetric::SpecOf(const SecretBytes& private_pkcs8) {
  ErrorQueueGuard guard;
  COFFER_ASSIGN_OR_RETURN(Key key, ParsePrivate(private_pkcs8));
  SslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey.get(), nullptr));
  if (ctx == nullptr) return InternalError("checking the private key failed");
  if (EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    return InvalidArgumentError("the private key is inconsistent");
  }
  return key.spec;
}

}  // namespace coffer::crypto
