#include "core/keys/key.h"

namespace coffer::keys {

std::string_view KeyStateName(KeyState s) {
  switch (s) {
    case KeyState::kEnabled:
      return "Enabled";
    case KeyState::kDisabled:
      return "Disabled";
    case KeyState::kPendingDeletion:
      return "PendingDeletion";
    case KeyState::kUnavailable:
      return "Unavailable";
  }
  return "Unavailable";
}

std::string_view KeySpecName(KeySpec s) {
  switch (s) {
    case KeySpec::kSymmetricDefault:
      return "SYMMETRIC_DEFAULT";
    case KeySpec::kRsa2048:
      return "RSA_2048";
    case KeySpec::kRsa3072:
      return "RSA_3072";
    case KeySpec::kRsa4096:
      return "RSA_4096";
    case KeySpec::kEccNistP256:
      return "ECC_NIST_P256";
    case KeySpec::kEccNistP384:
      return "ECC_NIST_P384";
    case KeySpec::kEccNistP521:
      return "ECC_NIST_P521";
    case KeySpec::kEccSecgP256k1:
      return "ECC_SECG_P256K1";
    case KeySpec::kHmac224:
      return "HMAC_224";
    case KeySpec::kHmac256:
      return "HMAC_256";
    case KeySpec::kHmac384:
      return "HMAC_384";
    case KeySpec::kHmac512:
      return "HMAC_512";
  }
  return "SYMMETRIC_DEFAULT";
}

bool IsRsa(KeySpec s) {
  return s == KeySpec::kRsa2048 || s == KeySpec::kRsa3072 || s == KeySpec::kRsa4096;
}
bool IsEcc(KeySpec s) {
  return s == KeySpec::kEccNistP256 || s == KeySpec::kEccNistP384 || s == KeySpec::kEccNistP521 ||
         s == KeySpec::kEccSecgP256k1;
}
bool IsHmac(KeySpec s) {
  return s == KeySpec::kHmac224 || s == KeySpec::kHmac256 || s == KeySpec::kHmac384 ||
         s == KeySpec::kHmac512;
}

std::string_view KeyUsageName(KeyUsage u) {
  switch (u) {
    case KeyUsage::kEncryptDecrypt:
      return "ENCRYPT_DECRYPT";
    case KeyUsage::kSignVerify:
      return "SIGN_VERIFY";
    case KeyUsage::kGenerateVerifyMac:
      return "GENERATE_VERIFY_MAC";
  }
  return "ENCRYPT_DECRYPT";
}

std::optional<KeyState> ParseKeyState(std::string_view s) {
  for (KeyState k : {KeyState::kEnabled, KeyState::kDisabled, KeyState::kPendingDeletion,
                     KeyState::kUnavailable}) {
    if (KeyStateName(k) == s) return k;
  }
  return std::nullopt;
}

std::optional<KeySpec> ParseKeySpec(std::string_view s) {
  for (KeySpec k : {KeySpec::kSymmetricDefault, KeySpec::kRsa2048, KeySpec::kRsa3072,
                    KeySpec::kRsa4096, KeySpec::kEccNistP256, KeySpec::kEccNistP384,
                    KeySpec::kEccNistP521, KeySpec::kEccSecgP256k1, KeySpec::kHmac224,
                    KeySpec::kHmac256, KeySpec::kHmac384, KeySpec::kHmac512}) {
    if (KeySpecName(k) == s) return k;
  }
  return std::nullopt;
}

std::optional<KeyUsage> ParseKeyUsage(std::string_view s) {
  for (KeyUsage k :
       {KeyUsage::kEncryptDecrypt, KeyUsage::kSignVerify, KeyUsage::kGenerateVerifyMac}) {
    if (KeyUsageName(k) == s) return k;
  }
  return std::nullopt;
}

}  // namespace coffer::keys
