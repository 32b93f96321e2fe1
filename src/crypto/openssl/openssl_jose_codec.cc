#include "crypto/openssl/openssl_jose_codec.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <array>
#include <climits>
#include <memory>
#include <optional>

#include "crypto/openssl/ssl_ptr.h"

namespace coffer::crypto {
namespace {

// Failed decodes and checks leave entries on the thread's error queue; clear it on every way out
// so that unrelated code asking for OpenSSL's last error does not see them.
class ErrorQueueGuard {
 public:
  ErrorQueueGuard() = default;
  ErrorQueueGuard(const ErrorQueueGuard&) = delete;
  ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
  ~ErrorQueueGuard() { ERR_clear_error(); }
};

struct BnDeleter {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

// RSA moduli of more bits than this are refused before OpenSSL sees them (4096 is the largest
// size Asymmetric accepts; the cap bounds the work a hostile JWKS can cause).
constexpr size_t kMaxRsaModulusBytes = 512;
constexpr size_t kMaxRsaExponentBytes = 32;

struct Curve {
  const char* name;  // OpenSSL short name
  size_t bytes;      // field element and order length
};

std::optional<Curve> CurveOf(KeyPairSpec spec) {
  switch (spec) {
    case KeyPairSpec::kEccNistP256:
      return Curve{SN_X9_62_prime256v1, 32};
    case KeyPairSpec::kEccNistP384:
      return Curve{SN_secp384r1, 48};
    case KeyPairSpec::kEccNistP521:
      return Curve{SN_secp521r1, 66};
    default:
      return std::nullopt;
  }
}

const unsigned char* U(std::string_view s) {
  // memcpy from nullptr is undefined behaviour even for zero bytes.
  static const unsigned char kEmpty = 0;
  return s.data() == nullptr ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

BnPtr ToBn(std::string_view bytes) {
  return BnPtr(BN_bin2bn(U(bytes), static_cast<int>(bytes.size()), nullptr));
}

std::string_view StripLeadingZeros(std::string_view s) {
  while (!s.empty() && s.front() == '\0') s.remove_prefix(1);
  return s;
}

Result<std::string> SpkiDer(const EVP_PKEY* pkey) {
  int len = i2d_PUBKEY(pkey, nullptr);
  if (len <= 0) return InternalError("encoding the public key failed");
  std::string out(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  if (i2d_PUBKEY(pkey, &p) != len) return InternalError("encoding the public key failed");
  return out;
}

// Builds a public key from `params` and runs OpenSSL's public-key checks on it.
Result<SslPtr<EVP_PKEY>> FromData(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld));
  SslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return InternalError("building the public key failed");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return InvalidArgumentError("the public key parameters are invalid");
  }
  SslPtr<EVP_PKEY> pkey(raw);
  SslPtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return InvalidArgumentError("the public key fails its validity checks");
  }
  return pkey;
}

}  // namespace

Result<std::string> OpensslJoseCodec::RsaPublicKeyDer(std::string_view n,
                                                      std::string_view e) const {
  ErrorQueueGuard guard;
  n = StripLeadingZeros(n);
  e = StripLeadingZeros(e);
  if (n.empty() || n.size() > kMaxRsaModulusBytes || e.empty() || e.size() > kMaxRsaExponentBytes) {
    return InvalidArgumentError("the RSA key's modulus or exponent has a bad length");
  }
  BnPtr bn_n = ToBn(n), bn_e = ToBn(e);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (bn_n == nullptr || bn_e == nullptr || bld == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return InternalError("building the public key failed");
  }
  // SP 800-56B section 6.4.2.2: 2^16 < e < 2^256 (OpenSSL's check outside FIPS mode accepts
  // any odd e > 1, e.g. 3).
  if (BN_num_bits(bn_e.get()) <= 16 || BN_num_bits(bn_e.get()) > 256) {
    return InvalidArgumentError("the RSA public exponent must be between 2^16 and 2^256");
  }
  COFFER_ASSIGN_OR_RETURN(SslPtr<EVP_PKEY> pkey, FromData("RSA", bld.get()));
  int bits = EVP_PKEY_get_bits(pkey.get());
  if (bits != 2048 && bits != 3072 && bits != 4096) {
    return InvalidArgumentError("RSA keys must have 2048, 3072 or 4096 bits");
  }
  return SpkiDer(pkey.get());
}

Result<std::string> OpensslJoseCodec::EcPublicKeyDer(KeyPairSpec curve, std::string_view x,
                                                     std::string_view y) const {
  ErrorQueueGuard guard;
  std::optional<Curve> c = CurveOf(curve);
  if (!c) return InvalidArgumentError("EC keys must use P-256, P-384 or P-521");
  if (x.size() != c->bytes || y.size() != c->bytes) {
    return InvalidArgumentError("the EC point's coordinates have a bad length");
  }
  std::string point = "\x04";  // uncompressed (SEC 1 section 2.3.3)
  point.append(x);
  point.append(y);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, c->name, 0) != 1 ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_EC_ENCODING,
                                      OSSL_PKEY_EC_ENCODING_GROUP, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return InternalError("building the public key failed");
  }
  // EVP_PKEY_fromdata refuses a point that is not on the curve; the public check also refuses
  // the point at infinity and points outside the prime-order subgroup.
  COFFER_ASSIGN_OR_RETURN(SslPtr<EVP_PKEY> pkey, FromData("EC", bld.get()));
  return SpkiDer(pkey.get());
}

Result<RawPublicKey> OpensslJoseCodec::RawPublicKeyOf(std::string_view spki_der) const {
  ErrorQueueGuard guard;
  if (spki_der.empty() || spki_der.size() > LONG_MAX) {
    return InvalidArgumentError("the public key is not SubjectPublicKeyInfo DER");
  }
  const unsigned char* p = U(spki_der);
  SslPtr<EVP_PKEY> pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (pkey == nullptr || p != U(spki_der) + spki_der.size()) {
    return InvalidArgumentError("the public key is not SubjectPublicKeyInfo DER");
  }
  RawPublicKey out;
  auto to_bytes = [](const BIGNUM* bn, size_t pad) {
    size_t len = pad != 0 ? pad : static_cast<size_t>(BN_num_bytes(bn));
    std::string s(len, '\0');
    if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(len)) < 0) {
      s.clear();
    }
    return s;
  };
  if (EVP_PKEY_is_a(pkey.get(), "RSA") == 1) {
    switch (EVP_PKEY_get_bits(pkey.get())) {
      case 2048:
        out.spec = KeyPairSpec::kRsa2048;
        break;
      case 3072:
        out.spec = KeyPairSpec::kRsa3072;
        break;
      case 4096:
        out.spec = KeyPairSpec::kRsa4096;
        break;
      default:
        return InvalidArgumentError("RSA keys must have 2048, 3072 or 4096 bits");
    }
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    bool ok = EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
              EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e) == 1;
    BnPtr owned_n(n), owned_e(e);
    if (!ok) return InternalError("reading the RSA key failed");
    out.n = to_bytes(n, 0);
    out.e = to_bytes(e, 0);
    return out;
  }
  if (EVP_PKEY_is_a(pkey.get(), "EC") == 1) {
    std::array<char, 64> group{};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.data(),
                                       group.size(), &len) != 1) {
      return InvalidArgumentError("EC keys must use a named curve");
    }
    switch (OBJ_txt2nid(group.data())) {
      case NID_X9_62_prime256v1:
        out.spec = KeyPairSpec::kEccNistP256;
        break;
      case NID_secp384r1:
        out.spec = KeyPairSpec::kEccNistP384;
        break;
      case NID_secp521r1:
        out.spec = KeyPairSpec::kEccNistP521;
        break;
      default:
        return InvalidArgumentError("EC keys must use P-256, P-384 or P-521");
    }
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    bool ok = EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
              EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1;
    BnPtr owned_x(x), owned_y(y);
    if (!ok) return InternalError("reading the EC key failed");
    size_t bytes = CurveOf(out.spec)->bytes;
    out.x = to_bytes(x, bytes);
    out.y = to_bytes(y, bytes);
    if (out.x.empty() || out.y.empty()) return InternalError("reading the EC key failed");
    return out;
  }
  return InvalidArgumentError("the key is neither an RSA nor an EC key");
}

Result<std::string> OpensslJoseCodec::EcdsaSignatureToDer(KeyPairSpec curve,
                                                          std::string_view r_and_s) const {
  ErrorQueueGuard guard;
  std::optional<Curve> c = CurveOf(curve);
  if (!c) return InvalidArgumentError("ECDSA needs P-256, P-384 or P-521");
  if (r_and_s.size() != 2 * c->bytes) {
    return InvalidArgumentError("the ECDSA signature has a bad length");
  }
  BnPtr r = ToBn(r_and_s.substr(0, c->bytes)), s = ToBn(r_and_s.substr(c->bytes));
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || sig == nullptr) return InternalError("out of memory");
  // ECDSA_SIG_set0 takes ownership of both numbers.
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return InternalError("out of memory");
  (void)r.release();
  (void)s.release();
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return InternalError("encoding the signature failed");
  std::string out(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return InternalError("encoding the signature failed");
  return out;
}

Result<std::string> OpensslJoseCodec::EcdsaSignatureToRaw(KeyPairSpec curve,
                                                          std::string_view der) const {
  ErrorQueueGuard guard;
  std::optional<Curve> c = CurveOf(curve);
  if (!c) return InvalidArgumentError("ECDSA needs P-256, P-384 or P-521");
  if (der.empty() || der.size() > LONG_MAX) {
    return InvalidArgumentError("the ECDSA signature is not DER");
  }
  const unsigned char* p = U(der);
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (sig == nullptr || p != U(der) + der.size()) {
    return InvalidArgumentError("the ECDSA signature is not DER");
  }
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  std::string out(2 * c->bytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  const int bytes = static_cast<int>(c->bytes);
  if (BN_is_negative(r) || BN_is_negative(s) || BN_bn2binpad(r, o, bytes) < 0 ||
      BN_bn2binpad(s, o + c->bytes, bytes) < 0) {
    return InvalidArgumentError("the ECDSA signature does not fit the curve");
  }
  return out;
}

}  // namespace coffer::crypto
