// KeyService: the KMS API's cryptographic operations beyond envelope encryption (asymmetric keys,
// HMAC keys, data key pairs) and the algorithm choices of Encrypt/Decrypt.
#include "base/secret_bytes.h"
#include "core/keys/errors.h"
#include "core/keys/key_service.h"

namespace coffer::keys {
namespace {

constexpr size_t kMaxSymmetricPlaintext = 4096;

Error UsageError(const Key& k, std::string_view op) {
  return InvalidArgumentError(k.arn + " key usage is " + std::string(KeyUsageName(k.usage)) +
                                  " which is not valid for " + std::string(op) + ".",
                              reason::kInvalidKeyUsage);
}

bool SigningFits(KeySpec spec, crypto::SigningAlgorithm a) {
  using A = crypto::SigningAlgorithm;
  switch (a) {
    case A::kRsassaPssSha256:
    case A::kRsassaPssSha384:
    case A::kRsassaPssSha512:
    case A::kRsassaPkcs1V15Sha256:
    case A::kRsassaPkcs1V15Sha384:
    case A::kRsassaPkcs1V15Sha512:
      return IsRsa(spec);
    case A::kEcdsaSha256:
      return spec == KeySpec::kEccNistP256 || spec == KeySpec::kEccSecgP256k1;
    case A::kEcdsaSha384:
      return spec == KeySpec::kEccNistP384;
    case A::kEcdsaSha512:
      return spec == KeySpec::kEccNistP521;
  }
  return false;
}

bool MacFits(KeySpec spec, crypto::MacAlgorithm a) {
  switch (a) {
    case crypto::MacAlgorithm::kHmacSha224:
      return spec == KeySpec::kHmac224;
    case crypto::MacAlgorithm::kHmacSha256:
      return spec == KeySpec::kHmac256;
    case crypto::MacAlgorithm::kHmacSha384:
      return spec == KeySpec::kHmac384;
    case crypto::MacAlgorithm::kHmacSha512:
      return spec == KeySpec::kHmac512;
  }
  return false;
}

std::span<const uint8_t> AsSpan(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

Result<SecretBytes> KeyService::OpenCurrentMaterial(const Key& key) {
  COFFER_ASSIGN_OR_RETURN(auto material, Material(key.key_id, key.current_material));
  return material->Clone();
}

Result<std::string> KeyService::EncryptWith(const Key& key, EncryptionAlgorithm algorithm,
                                            std::string_view plaintext,
                                            const EncryptionContext& context) {
  if (key.usage != KeyUsage::kEncryptDecrypt) return UsageError(key, "Encrypt");
  if (key.spec == KeySpec::kSymmetricDefault) {
    if (algorithm != EncryptionAlgorithm::kSymmetricDefault) {
      return InvalidArgumentError(
          "The encryption algorithm " +
              std::string(algorithm == EncryptionAlgorithm::kRsaesOaepSha1 ? "RSAES_OAEP_SHA_1"
                                                                           : "RSAES_OAEP_SHA_256") +
              " is not valid for a symmetric key.",
          reason::kInvalidKeyUsage);
    }
    if (plaintext.size() > kMaxSymmetricPlaintext) {
      return InvalidArgumentError("Plaintext must be at most 4096 bytes.", reason::kValidation);
    }
    return Encrypt(key, plaintext, context);
  }
  COFFER_RETURN_IF_ERROR(CheckUsable(key, KeyUsage::kEncryptDecrypt));
  if (algorithm == EncryptionAlgorithm::kSymmetricDefault) {
    return InvalidArgumentError(
        "The encryption algorithm SYMMETRIC_DEFAULT is not valid for an "
        "RSA key; use RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256.",
        reason::kInvalidKeyUsage);
  }
  if (!context.empty()) {
    return InvalidArgumentError("Asymmetric keys do not support an encryption context.",
                                reason::kValidation);
  }
  COFFER_ASSIGN_OR_RETURN(SecretBytes priv, OpenCurrentMaterial(key));
  COFFER_ASSIGN_OR_RETURN(std::string pub, asymmetric().PublicKeyDer(priv));
  auto padding = algorithm == EncryptionAlgorithm::kRsaesOaepSha1 ? crypto::RsaPadding::kOaepSha1
                                                                  : crypto::RsaPadding::kOaepSha256;
  auto ct = asymmetric().RsaEncrypt(pub, padding, plaintext);
  if (!ct.has_value() && ct.error().code == ErrorCode::kInvalidArgument) {
    return InvalidArgumentError(ct.error().message, reason::kValidation);
  }
  return ct;
}

Result<Decrypted> KeyService::DecryptWith(std::string_view ciphertext,
                                          EncryptionAlgorithm algorithm,
                                          const EncryptionContext& context,
                                          std::optional<std::string_view> key_ref) {
  if (algorithm == EncryptionAlgorithm::kSymmetricDefault) {
    if (key_ref) {
      COFFER_ASSIGN_OR_RETURN(Key k, ResolveKey(*key_ref));
      if (k.spec != KeySpec::kSymmetricDefault) {
        return InvalidArgumentError(
            "The encryption algorithm SYMMETRIC_DEFAULT is not valid for "
            "the asymmetric key " +
                k.arn + ".",
            reason::kInvalidKeyUsage);
      }
    }
    return Decrypt(ciphertext, context, key_ref);
  }
  if (!key_ref) {
    return InvalidArgumentError("A KeyId is required to decrypt with an asymmetric algorithm.",
                                reason::kValidation);
  }
  COFFER_ASSIGN_OR_RETURN(Key key, ResolveKey(*key_ref));
  if (!IsRsa(key.spec)) {
    return InvalidArgumentError("The encryption algorithm is not valid for " + key.arn + ".",
                                reason::kInvalidKeyUsage);
  }
  COFFER_RETURN_IF_ERROR(CheckUsable(key, KeyUsage::kEncryptDecrypt));
  COFFER_ASSIGN_OR_RETURN(SecretBytes priv, OpenCurrentMaterial(key));
  auto padding = algorithm == EncryptionAlgorithm::kRsaesOaepSha1 ? crypto::RsaPadding::kOaepSha1
                                                                  : crypto::RsaPadding::kOaepSha256;
  auto plain = asymmetric().RsaDecrypt(priv, padding, ciphertext);
  if (!plain.has_value()) {
    return InvalidArgumentError("The ciphertext is invalid.", reason::kInvalidCiphertext);
  }
  return Decrypted{std::move(plain).value(), key.arn};
}

Result<std::string> KeyService::Sign(const Key& key, crypto::SigningAlgorithm algorithm,
                                     std::string_view message, bool is_digest) {
  if (key.usage != KeyUsage::kSignVerify) return UsageError(key, "Sign");
  COFFER_RETURN_IF_ERROR(CheckUsable(key, KeyUsage::kSignVerify));
  if (!SigningFits(key.spec, algorithm)) {
    return InvalidArgumentError("The signing algorithm is not valid for the key spec " +
                                    std::string(KeySpecName(key.spec)) + ".",
                                reason::kInvalidKeyUsage);
  }
  COFFER_ASSIGN_OR_RETURN(SecretBytes priv, OpenCurrentMaterial(key));
  auto sig = asymmetric().Sign(priv, algorithm, message, is_digest);
  if (!sig.has_value() && sig.error().code == ErrorCode::kInvalidArgument) {
    return InvalidArgumentError(sig.error().message, reason::kValidation);
  }
  return sig;
}

Result<bool> KeyService::Verify(const Key& key, crypto::SigningAlgorithm algorithm,
                                std::string_view message, bool is_digest,
                                std::string_view signature) {
  if (key.usage != KeyUsage::kSignVerify) return UsageError(key, "Verify");
  COFFER_RETURN_IF_ERROR(CheckUsable(key, KeyUsage::kSignVerify));
  if (!SigningFits(key.spec, algorithm)) {
    return InvalidArgumentError("The signing algorithm is not valid for the key spec " +
                                    std::string(KeySpecName(key.spec)) + ".",
                                reason::kInvalidKeyUsage);
  }
  COFFER_ASSIGN_OR_RETURN(std::string pub, GetPublicKey(key));
  auto ok = asymmetric().Verify(pub, algorithm, message, is_digest, signature);
  if (!ok.has_value() && ok.error().code == ErrorCode::kInvalidArgument) {
    return InvalidArgumentError(ok.error().message, reason::kValidation);
  }
  return ok;
}

Result<std::string> KeyService::GetPublicKey(const Key& key) {
  if (!IsAsymmetric(key.spec)) {
    return FailedPreconditionError(key.arn + " is not an asymmetric key; it has no public key.",
                                   reason::kUnsupported);
  }
  if (key.state == KeyState::kDisabled) {
    return FailedPreconditionError(key.arn + " is disabled.", reason::kKeyDisabled);
  }
  if (key.state != KeyState::kEnabled) {
    return FailedPreconditionError(key.arn + " is pending deletion.", reason::kKeyInvalidState);
  }
  COFFER_ASSIGN_OR_RETURN(SecretBytes priv, OpenCurrentMaterial(key));
  return asymmetric().PublicKeyDer(priv);
}

Result<std::string> KeyService::GenerateMac(const Key& key, crypto::MacAlgorithm algorithm,
                                            std::string_view message) {
  if (key.usage != KeyUsage::kGenerateVerifyMac) return UsageError(key, "GenerateMac");
  COFFER_RETURN_IF_ERROR(CheckUsable(key, KeyUsage::kGenerateVerifyMac));
  if (!MacFits(key.spec, algorithm)) {
    return InvalidArgumentError("The MAC algorithm is not valid for the key spec " +
                                    std::string(KeySpecName(key.spec)) + ".",
                                reason::kInvalidKeyUsage);
  }
  COFFER_ASSIGN_OR_RETURN(auto material, Material(key.key_id, key.current_material));
  return asymmetric().Mac(material->span(), algorithm, message);
}

Result<bool> KeyService::VerifyMac(const Key& key, crypto::MacAlgorithm algorithm,
                                   std::string_view message, std::string_view mac) {
  COFFER_ASSIGN_OR_RETURN(std::string expected, GenerateMac(key, algorithm, message));
  return ConstantTimeEquals(expected, mac);
}

Result<DataKeyPair> KeyService::GenerateDataKeyPair(const Key& key, crypto::KeyPairSpec spec,
                                                    const EncryptionContext& context) {
  if (key.spec != KeySpec::kSymmetricDefault || key.usage != KeyUsage::kEncryptDecrypt) {
    return InvalidArgumentError(key.arn +
                                    " must be a symmetric encryption key to protect a data "
                                    "key pair.",
                                reason::kInvalidKeyUsage);
  }
  COFFER_RETURN_IF_ERROR(CheckUsable(key, KeyUsage::kEncryptDecrypt));
  DataKeyPair out;
  COFFER_ASSIGN_OR_RETURN(out.private_key, asymmetric().GenerateKeyPair(spec));
  COFFER_ASSIGN_OR_RETURN(out.public_key, asymmetric().PublicKeyDer(out.private_key));
  COFFER_ASSIGN_OR_RETURN(out.private_key_ciphertext,
                          Encrypt(key, out.private_key.view(), context));
  out.key_arn = key.arn;
  (void)AsSpan;
  return out;
}

}  // namespace coffer::keys
