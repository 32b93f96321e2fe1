#include "crypto/openssl/openssl_aead.h"

#include <climits>

#include "base/check.h"

namespace coffer::crypto {
namespace {

Result<void> CheckSizes(std::span<const uint8_t> key, std::span<const uint8_t> nonce) {
  if (key.size() != Aead::kKeySize) return InvalidArgumentError("AES-256-GCM needs a 32-byte key");
  if (nonce.size() != Aead::kNonceSize) {
    return InvalidArgumentError("AES-256-GCM needs a 12-byte nonce");
  }
  return Ok();
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

OpensslAead::OpensslAead() : cipher_(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)) {
  COFFER_CHECK(cipher_ != nullptr, "AES-256-GCM is not available in OpenSSL");
}

Result<std::string> OpensslAead::Seal(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                                      std::string_view plaintext, std::string_view aad) const {
  COFFER_RETURN_IF_ERROR(CheckSizes(key, nonce));
  if (plaintext.size() > INT_MAX - kTagSize || aad.size() > INT_MAX) {
    return InvalidArgumentError("message too large");
  }
  SslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  COFFER_CHECK(ctx != nullptr, "out of memory");
  std::string out(plaintext.size() + kTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0, total = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), cipher_.get(), key.data(), nonce.data(), nullptr) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), o, &len, U(plaintext), static_cast<int>(plaintext.size())) !=
          1) {
    return InternalError("encryption failed");
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), o + total, &len) != 1)
    return InternalError("encryption failed");
  total += len;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, o + total) != 1) {
    return InternalError("encryption failed");
  }
  return out;
}

Result<SecretBytes> OpensslAead::Open(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                                      std::string_view ciphertext_and_tag,
                                      std::string_view aad) const {
  COFFER_RETURN_IF_ERROR(CheckSizes(key, nonce));
  if (ciphertext_and_tag.size() < kTagSize) return DataLossError("ciphertext is truncated");
  if (ciphertext_and_tag.size() > INT_MAX || aad.size() > INT_MAX) {
    return InvalidArgumentError("message too large");
  }
  size_t ct_size = ciphertext_and_tag.size() - kTagSize;
  SslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  COFFER_CHECK(ctx != nullptr, "out of memory");
  SecretBytes out(ct_size);
  int len = 0;
  // GCM's tag must be set before Final; the const_cast is OpenSSL's API, which does not write.
  auto* tag = const_cast<unsigned char*>(U(ciphertext_and_tag.substr(ct_size)));
  if (EVP_DecryptInit_ex2(ctx.get(), cipher_.get(), key.data(), nonce.data(), nullptr) != 1 ||
      (!aad.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, U(ciphertext_and_tag),
                        static_cast<int>(ct_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) != 1) {
    return DataLossError("decryption failed");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &final_len) != 1) {
    return DataLossError("ciphertext failed authentication");
  }
  return out;
}

}  // namespace coffer::crypto
