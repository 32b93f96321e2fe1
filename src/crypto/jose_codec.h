#ifndef COFFER_CRYPTO_JOSE_CODEC_H_
#define COFFER_CRYPTO_JOSE_CODEC_H_

#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/asymmetric.h"

namespace coffer::crypto {

// The raw parameters of a public key, as a JWK (RFC 7518 section 6) carries them once base64url
// is undone: big-endian unsigned integers without leading zero bytes for RSA, and for EC the
// affine coordinates, each exactly as long as the curve's field (32 bytes for P-256).
struct RawPublicKey {
  KeyPairSpec spec = KeyPairSpec::kRsa2048;
  std::string n, e;  // RSA modulus and public exponent
  std::string x, y;  // EC point
};

// Converts between JOSE encodings (JWK key parameters, JWS ECDSA signatures) and the DER forms
// that Asymmetric works with. Keys are held to Asymmetric's rules: RSA with 2048, 3072 or 4096
// bits, EC on P-256, P-384 or P-521. Errors: kInvalidArgument for any input that is malformed,
// out of range or (EC) not a point on the curve. Implementations are thread-safe.
class JoseCodec {
 public:
  virtual ~JoseCodec() = default;

  // SubjectPublicKeyInfo DER of the RSA key (n, e). Leading zero bytes are allowed; the key must
  // pass the public-key checks of SP 800-56B (odd modulus and exponent, 2^16 < e < 2^256).
  virtual Result<std::string> RsaPublicKeyDer(std::string_view n, std::string_view e) const = 0;
  // SubjectPublicKeyInfo DER (named curve) of the EC point (x, y). REQUIRES: `curve` is
  // kEccNistP256, kEccNistP384 or kEccNistP521, else kInvalidArgument.
  virtual Result<std::string> EcPublicKeyDer(KeyPairSpec curve, std::string_view x,
                                             std::string_view y) const = 0;
  // The parameters of a SubjectPublicKeyInfo DER key (the reverse of the two above).
  virtual Result<RawPublicKey> RawPublicKeyOf(std::string_view spki_der) const = 0;

  // A JWS ECDSA signature (r || s, each as long as the curve's order, RFC 7518 section 3.4) to
  // the DER ECDSA-Sig-Value that Asymmetric::Verify takes, and back.
  virtual Result<std::string> EcdsaSignatureToDer(KeyPairSpec curve,
                                                  std::string_view r_and_s) const = 0;
  virtual Result<std::string> EcdsaSignatureToRaw(KeyPairSpec curve,
                                                  std::string_view der) const = 0;
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_JOSE_CODEC_H_
