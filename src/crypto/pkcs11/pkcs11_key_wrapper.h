#ifndef COFFER_CRYPTO_PKCS11_PKCS11_KEY_WRAPPER_H_
#define COFFER_CRYPTO_PKCS11_PKCS11_KEY_WRAPPER_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "base/thread_annotations.h"
#include "crypto/random.h"

namespace coffer::crypto {

// Where the HSM key lives: a PKCS#11 module (a shared library, loaded with dlopen at run time),
// the label of the token in one of its slots, and the label of the AES key on that token.
struct Pkcs11KeyConfig {
  std::string module_path;
  std::string token_label;
  std::string key_label;
};

// Wraps and unwraps Coffer's 32-byte root key with a non-extractable AES-256 key held in an HSM,
// through PKCS#11. The wrapped form is
//
//   0x01 | IV (12 bytes) | CKM_AES_GCM(root key) with a 128-bit tag, AAD "coffer-root-key-v1"
//
// so the root key exists in plain text only in this process's memory, never on disk. The PIN is
// used for C_Login and never stored, logged or put in an error message. Holds one logged-in
// session for its lifetime; thread-safe (calls into the module are serialised).
class Pkcs11KeyWrapper {
 public:
  // Loads the module, initialises it, finds the token by label and logs in as the user.
  // kFailedPrecondition: the module cannot be loaded or is not PKCS#11; kNotFound: no token has
  // that label; kPermissionDenied: the PIN is wrong or locked; kUnavailable: other module errors.
  static Result<std::unique_ptr<Pkcs11KeyWrapper>> Open(const Pkcs11KeyConfig& config,
                                                        const SecretBytes& pin, Random& random);
  ~Pkcs11KeyWrapper();
  Pkcs11KeyWrapper(const Pkcs11KeyWrapper&) = delete;
  Pkcs11KeyWrapper& operator=(const Pkcs11KeyWrapper&) = delete;

  // Finds the AES key labelled `key_label`; when there is none and `create` is true, generates
  // one on the token (CKA_TOKEN, CKA_SENSITIVE, not CKA_EXTRACTABLE). kNotFound without
  // `create`; kFailedPrecondition when several keys share the label or the key is extractable.
  Result<void> FindKey(bool create);

  // REQUIRES: FindKey() succeeded. `root_key` is 32 bytes.
  Result<std::string> Wrap(const SecretBytes& root_key);
  // kDataLoss when `wrapped` is malformed, was made by another key or was modified.
  Result<SecretBytes> Unwrap(std::string_view wrapped);

 private:
  struct Module;
  Pkcs11KeyWrapper(std::unique_ptr<Module> module, Pkcs11KeyConfig config, Random& random);

  std::mutex mu_;
  std::unique_ptr<Module> module_ COFFER_GUARDED_BY(mu_);
  Pkcs11KeyConfig config_;
  Random& random_;
};

}  // namespace coffer::crypto

#endif  // COFFER_CRYPTO_PKCS11_PKCS11_KEY_WRAPPER_H_
