#include "crypto/pkcs11/pkcs11_key_wrapper.h"

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <array>
#include <vector>

#include "base/logging.h"

namespace coffer::crypto {
namespace {

constexpr uint8_t kFormat = 1;
constexpr size_t kIvSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kRootKeySize = 32;
constexpr std::string_view kAad = "coffer-root-key-v1";

std::string RvName(CK_RV rv) {
  switch (rv) {
    case CKR_PIN_INCORRECT:
      return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED:
      return "CKR_PIN_LOCKED";
    case CKR_TOKEN_NOT_PRESENT:
      return "CKR_TOKEN_NOT_PRESENT";
    case CKR_MECHANISM_INVALID:
      return "CKR_MECHANISM_INVALID";
    case CKR_ENCRYPTED_DATA_INVALID:
      return "CKR_ENCRYPTED_DATA_INVALID";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "CKR 0x%lx", static_cast<unsigned long>(rv));
      return buf;
    }
  }
}

Error ModuleError(std::string_view what, CK_RV rv) {
  return UnavailableError("PKCS#11 " + std::string(what) + " failed: " + RvName(rv));
}

// CK_TOKEN_INFO labels are 32 bytes, blank-padded, not NUL-terminated.
std::string TokenLabel(const CK_TOKEN_INFO& info) {
  std::string label(reinterpret_cast<const char*>(info.label), sizeof info.label);
  while (!label.empty() && (label.back() == ' ' || label.back() == '\0')) label.pop_back();
  return label;
}

}  // namespace

// The loaded module, its function list and the logged-in session. Torn down in reverse order.
struct Pkcs11KeyWrapper::Module {
  void* handle = nullptr;
  CK_FUNCTION_LIST_PTR fn = nullptr;
  bool initialized_here = false;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  bool logged_in = false;
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;

  ~Module() {
    if (fn != nullptr) {
      if (logged_in) fn->C_Logout(session);
      if (session != CK_INVALID_HANDLE) fn->C_CloseSession(session);
      if (initialized_here) fn->C_Finalize(nullptr);
    }
    if (handle != nullptr) dlclose(handle);
  }
};

Pkcs11KeyWrapper::Pkcs11KeyWrapper(std::unique_ptr<Module> module, Pkcs11KeyConfig config,
                                   Random& random)
    : module_(std::move(module)), config_(std::move(config)), random_(random) {}

Pkcs11KeyWrapper::~Pkcs11KeyWrapper() {
  std::lock_guard lock(mu_);
  module_.reset();
}

Result<std::unique_ptr<Pkcs11KeyWrapper>> Pkcs11KeyWrapper::Open(const Pkcs11KeyConfig& config,
                                                                 const SecretBytes& pin,
                                                                 Random& random) {
  if (config.module_path.empty()) {
    return InvalidArgumentError("no PKCS#11 module path was given");
  }
  if (config.token_label.empty() || config.key_label.empty()) {
    return InvalidArgumentError("the PKCS#11 token label and key label must not be empty");
  }
  auto m = std::make_unique<Module>();
  m->handle = dlopen(config.module_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (m->handle == nullptr) {
    const char* why = dlerror();
    log::Warn("cannot load the PKCS#11 module",
              {{"module", config.module_path}, {"error", why != nullptr ? why : ""}});
    return FailedPreconditionError("cannot load the PKCS#11 module " + config.module_path);
  }
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(m->handle, "C_GetFunctionList"));
  if (get_list == nullptr || get_list(&m->fn) != CKR_OK || m->fn == nullptr) {
    return FailedPreconditionError(config.module_path + " is not a PKCS#11 module");
  }
  CK_C_INITIALIZE_ARGS init_args{};
  init_args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = m->fn->C_Initialize(&init_args);
  if (rv == CKR_OK) {
    m->initialized_here = true;
  } else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    return ModuleError("C_Initialize", rv);
  }

  CK_ULONG count = 0;
  rv = m->fn->C_GetSlotList(CK_TRUE, nullptr, &count);
  if (rv != CKR_OK) return ModuleError("C_GetSlotList", rv);
  std::vector<CK_SLOT_ID> slots(count);
  rv = m->fn->C_GetSlotList(CK_TRUE, slots.data(), &count);
  if (rv != CKR_OK) return ModuleError("C_GetSlotList", rv);
  slots.resize(count);
  std::optional<CK_SLOT_ID> slot;
  for (CK_SLOT_ID s : slots) {
    CK_TOKEN_INFO info{};
    if (m->fn->C_GetTokenInfo(s, &info) != CKR_OK) continue;
    if ((info.flags & CKF_TOKEN_INITIALIZED) == 0) continue;
    if (TokenLabel(info) == config.token_label) {
      slot = s;
      break;
    }
  }
  if (!slot) return NotFoundError("no PKCS#11 token is labelled '" + config.token_label + "'");

  rv = m->fn->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                            &m->session);
  if (rv != CKR_OK) return ModuleError("C_OpenSession", rv);
  // C_Login takes a non-const pointer; the module only reads the PIN.
  SecretBytes pin_copy = pin.Clone();
  rv = m->fn->C_Login(m->session, CKU_USER, pin_copy.data(), pin_copy.size());
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE) {
    return PermissionDeniedError("the HSM rejected the PKCS#11 PIN", "PKCS11_PIN_INCORRECT");
  }
  if (rv == CKR_PIN_LOCKED) {
    return PermissionDeniedError("the PKCS#11 PIN is locked", "PKCS11_PIN_LOCKED");
  }
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return ModuleError("C_Login", rv);
  m->logged_in = rv == CKR_OK;
  return std::unique_ptr<Pkcs11KeyWrapper>(new Pkcs11KeyWrapper(std::move(m), config, random));
}

Result<void> Pkcs11KeyWrapper::FindKey(bool create) {
  std::lock_guard lock(mu_);
  Module& m = *module_;
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE type = CKK_AES;
  std::string label = config_.key_label;
  std::array<CK_ATTRIBUTE, 3> find{{
      {CKA_CLASS, &cls, sizeof cls},
      {CKA_KEY_TYPE, &type, sizeof type},
      {CKA_LABEL, label.data(), label.size()},
  }};
  CK_RV rv = m.fn->C_FindObjectsInit(m.session, find.data(), find.size());
  if (rv != CKR_OK) return ModuleError("C_FindObjectsInit", rv);
  std::array<CK_OBJECT_HANDLE, 2> found{};
  CK_ULONG n = 0;
  rv = m.fn->C_FindObjects(m.session, found.data(), found.size(), &n);
  m.fn->C_FindObjectsFinal(m.session);
  if (rv != CKR_OK) return ModuleError("C_FindObjects", rv);
  if (n > 1) {
    return FailedPreconditionError("several AES keys on the token are labelled '" + label + "'");
  }
  if (n == 1) {
    CK_BBOOL extractable = CK_TRUE, sensitive = CK_FALSE;
    std::array<CK_ATTRIBUTE, 2> attrs{{
        {CKA_EXTRACTABLE, &extractable, sizeof extractable},
        {CKA_SENSITIVE, &sensitive, sizeof sensitive},
    }};
    rv = m.fn->C_GetAttributeValue(m.session, found[0], attrs.data(), attrs.size());
    if (rv != CKR_OK) return ModuleError("C_GetAttributeValue", rv);
    if (extractable != CK_FALSE || sensitive != CK_TRUE) {
      return FailedPreconditionError("the HSM key '" + label +
                                     "' is extractable or not sensitive; refusing to use it");
    }
    m.key = found[0];
    return Ok();
  }
  if (!create) return NotFoundError("the token has no AES key labelled '" + label + "'");

  CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
  CK_ULONG len = kRootKeySize;
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  std::array<CK_ATTRIBUTE, 12> tmpl{{
      {CKA_CLASS, &cls, sizeof cls},
      {CKA_KEY_TYPE, &type, sizeof type},
      {CKA_VALUE_LEN, &len, sizeof len},
      {CKA_LABEL, label.data(), label.size()},
      {CKA_TOKEN, &yes, sizeof yes},
      {CKA_PRIVATE, &yes, sizeof yes},
      {CKA_SENSITIVE, &yes, sizeof yes},
      {CKA_EXTRACTABLE, &no, sizeof no},
      {CKA_ENCRYPT, &yes, sizeof yes},
      {CKA_DECRYPT, &yes, sizeof yes},
      {CKA_WRAP, &yes, sizeof yes},
      {CKA_UNWRAP, &yes, sizeof yes},
  }};
  rv = m.fn->C_GenerateKey(m.session, &gen, tmpl.data(), tmpl.size(), &m.key);
  if (rv != CKR_OK) return ModuleError("C_GenerateKey", rv);
  log::Info("generated the root-key wrapping key in the HSM", {{"key_label", label}});
  return Ok();
}

Result<std::string> Pkcs11KeyWrapper::Wrap(const SecretBytes& root_key) {
  if (root_key.size() != kRootKeySize) return InvalidArgumentError("the root key must be 32 bytes");
  std::lock_guard lock(mu_);
  Module& m = *module_;
  if (m.key == CK_INVALID_HANDLE) return FailedPreconditionError("no HSM key was selected");
  std::string iv = random_.Bytes(kIvSize);
  std::string aad(kAad);
  CK_GCM_PARAMS params{};
  params.pIv = reinterpret_cast<CK_BYTE_PTR>(iv.data());
  params.ulIvLen = iv.size();
  params.ulIvBits = iv.size() * 8;
  params.pAAD = reinterpret_cast<CK_BYTE_PTR>(aad.data());
  params.ulAADLen = aad.size();
  params.ulTagBits = kTagSize * 8;
  CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
  CK_RV rv = m.fn->C_EncryptInit(m.session, &mech, m.key);
  if (rv != CKR_OK) return ModuleError("C_EncryptInit (AES-GCM)", rv);
  SecretBytes plain = root_key.Clone();
  std::string ct(kRootKeySize + kTagSize + 16, '\0');
  CK_ULONG ct_len = ct.size();
  rv = m.fn->C_Encrypt(m.session, plain.data(), plain.size(),
                       reinterpret_cast<CK_BYTE_PTR>(ct.data()), &ct_len);
  if (rv != CKR_OK) return ModuleError("C_Encrypt (AES-GCM)", rv);
  if (ct_len != kRootKeySize + kTagSize) {
    return InternalError("the HSM returned an AES-GCM ciphertext of unexpected length");
  }
  ct.resize(ct_len);
  std::string out;
  out.push_back(static_cast<char>(kFormat));
  out += iv;
  out += ct;
  return out;
}

Result<SecretBytes> Pkcs11KeyWrapper::Unwrap(std::string_view wrapped) {
  if (wrapped.size() != 1 + kIvSize + kRootKeySize + kTagSize ||
      static_cast<uint8_t>(wrapped[0]) != kFormat) {
    return DataLossError("the wrapped root key is malformed");
  }
  std::lock_guard lock(mu_);
  Module& m = *module_;
  if (m.key == CK_INVALID_HANDLE) return FailedPreconditionError("no HSM key was selected");
  std::string iv(wrapped.substr(1, kIvSize));
  std::string ct(wrapped.substr(1 + kIvSize));
  std::string aad(kAad);
  CK_GCM_PARAMS params{};
  params.pIv = reinterpret_cast<CK_BYTE_PTR>(iv.data());
  params.ulIvLen = iv.size();
  params.ulIvBits = iv.size() * 8;
  params.pAAD = reinterpret_cast<CK_BYTE_PTR>(aad.data());
  params.ulAADLen = aad.size();
  params.ulTagBits = kTagSize * 8;
  CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
  CK_RV rv = m.fn->C_DecryptInit(m.session, &mech, m.key);
  if (rv != CKR_OK) return ModuleError("C_DecryptInit (AES-GCM)", rv);
  SecretBytes plain(ct.size());
  CK_ULONG plain_len = plain.size();
  rv = m.fn->C_Decrypt(m.session, reinterpret_cast<CK_BYTE_PTR>(ct.data()), ct.size(), plain.data(),
                       &plain_len);
  // A failed GCM tag check has no dedicated return value: modules answer
  // CKR_ENCRYPTED_DATA_INVALID, CKR_FUNCTION_FAILED or (SoftHSM2) CKR_GENERAL_ERROR.
  if (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE ||
      rv == CKR_DATA_INVALID || rv == CKR_FUNCTION_FAILED || rv == CKR_GENERAL_ERROR) {
    return DataLossError("the HSM key does not open the wrapped root key", "ROOT_KEY_UNWRAP");
  }
  if (rv != CKR_OK) return ModuleError("C_Decrypt (AES-GCM)", rv);
  if (plain_len != kRootKeySize) {
    return DataLossError("the wrapped root key has the wrong length");
  }
  return SecretBytes::CopyFrom(plain.span().subspan(0, kRootKeySize));
}

}  // namespace coffer::crypto
