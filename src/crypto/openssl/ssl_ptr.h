#ifndef COFFER_CRYPTO_OPENSSL_SSL_PTR_H_
#define COFFER_CRYPTO_OPENSSL_SSL_PTR_H_

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace coffer::crypto {

// unique_ptr with the right free function for each OpenSSL type.
template <class T>
struct SslDeleter;
#define COFFER_SSL_DELETER(T, fn)          \
  template <>                              \
  struct SslDeleter<T> {                   \
    void operator()(T* p) const { fn(p); } \
  }
COFFER_SSL_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free);
COFFER_SSL_DELETER(EVP_CIPHER, EVP_CIPHER_free);
COFFER_SSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free);
COFFER_SSL_DELETER(EVP_MD, EVP_MD_free);
COFFER_SSL_DELETER(EVP_MAC_CTX, EVP_MAC_CTX_free);
COFFER_SSL_DELETER(EVP_MAC, EVP_MAC_free);
COFFER_SSL_DELETER(EVP_PKEY, EVP_PKEY_free);
COFFER_SSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
COFFER_SSL_DELETER(BIO, BIO_free_all);
COFFER_SSL_DELETER(X509, X509_free);
#undef COFFER_SSL_DELETER

template <class T>
using SslPtr = std::unique_ptr<T, SslDeleter<T>>;

// The text of OpenSSL's most recent error on this thread (and clears the queue). For logs only.
std::string LastOpensslError();

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_OPENSSL_SSL_PTR_H_
