#include "core/keys/key_ring.h"

#include <mutex>

namespace coffer::keys {
namespace {

constexpr uint8_t kFormat = 1;
constexpr std::string_view kTermAad = "coffer.keyring.term.v1";
constexpr std::string_view kMaterialAad = "coffer.keyring.material.v1";
constexpr std::string_view kInternalAad = "coffer.keyring.internal.v1";

void PutU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

uint32_t GetU32(std::string_view s) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(s[0])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(s[1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(s[2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(s[3]));
}

// Length-prefixes each part so that no two different tuples serialise alike.
std::string BindAad(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    PutU32(out, static_cast<uint32_t>(p.size()));
    out.append(p);
  }
  return out;
}

std::string TermAad(uint32_t term) {
  std::string t;
  PutU32(t, term);
  return BindAad({kTermAad, t});
}

std::span<const uint8_t> AsSpan(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

constexpr size_t kHeader = 1 + 4 + crypto::Aead::kNonceSize;
constexpr std::string_view kRootRotationPending = "ROOT_ROTATION_PENDING";

}  // namespace

KeyRing::KeyRing(KeyStore& store, const crypto::Aead& aead, crypto::Random& random,
                 const Clock& clock)
    : store_(store), aead_(aead), random_(random), clock_(clock) {}

Result<std::string> KeyRing::SealUnder(const SecretBytes& key, uint32_t term, std::string_view aad,
                                       std::string_view plaintext) {
  std::string out;
  out.push_back(static_cast<char>(kFormat));
  PutU32(out, term);
  std::string nonce = random_.Bytes(crypto::Aead::kNonceSize);
  out.append(nonce);
  std::string bound = BindAad({aad, std::string_view(out.data(), 5)});
  COFFER_ASSIGN_OR_RETURN(std::string ct, aead_.Seal(key.span(), AsSpan(nonce), plaintext, bound));
  out.append(ct);
  return out;
}

Result<SecretBytes> KeyRing::OpenTerm(const SecretBytes& root, const KeyringTerm& t) {
  if (t.sealed.size() < kHeader + crypto::Aead::kTagSize || t.sealed[0] != kFormat) {
    return DataLossError("keyring term is malformed");
  }
  std::string_view s = t.sealed;
  std::string bound = BindAad({TermAad(t.term), s.substr(0, 5)});
  return aead_.Open(root.span(), AsSpan(s.substr(5, crypto::Aead::kNonceSize)), s.substr(kHeader),
                    bound);
}

Result<void> KeyRing::Unseal(const SecretBytes& root_key) {
  if (root_key.size() != crypto::Aead::kKeySize) {
    return InvalidArgumentError("the root key must be 32 bytes");
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<KeyringTerm> stored, store_.ListKeyringTerms());
  std::map<uint32_t, std::shared_ptr<const SecretBytes>> terms;
  if (stored.empty()) {
    SecretBytes term_key = random_.Secret(crypto::Aead::kKeySize);
    KeyringTerm t{1, clock_.Now(), {}};
    COFFER_ASSIGN_OR_RETURN(t.sealed, SealUnder(root_key, 1, TermAad(1), term_key.view()));
    COFFER_RETURN_IF_ERROR(store_.AddKeyringTerm(t));
    terms[1] = std::make_shared<const SecretBytes>(std::move(term_key));
  } else {
    for (const KeyringTerm& t : stored) {
      auto opened = OpenTerm(root_key, t);
      if (!opened.has_value()) {
        return PermissionDeniedError("the root key does not open this keyring", "WRONG_ROOT_KEY");
      }
      terms[t.term] = std::make_shared<const SecretBytes>(std::move(opened).value());
    }
  }
  std::unique_lock lock(mu_);
  terms_ = std::move(terms);
  current_term_ = terms_.rbegin()->first;
  root_ = std::make_shared<const SecretBytes>(root_key.Clone());
  sealed_ = false;
  return Ok();
}

void KeyRing::Seal() {
  std::unique_lock lock(mu_);
  terms_.clear();  // SecretBytes wipe themselves when the last reference goes
  root_.reset();
  current_term_ = 0;
  sealed_ = true;
}

bool KeyRing::is_sealed() const {
  std::shared_lock lock(mu_);
  return sealed_;
}

uint32_t KeyRing::current_term() const {
  std::shared_lock lock(mu_);
  return current_term_;
}

Result<SecretBytes> KeyRing::OpenSealed(std::string_view sealed, std::string_view aad) {
  if (sealed.size() < kHeader + crypto::Aead::kTagSize ||
      static_cast<uint8_t>(sealed[0]) != kFormat) {
    return DataLossError("sealed data is malformed");
  }
  uint32_t term = GetU32(sealed.substr(1, 4));
  std::shared_ptr<const SecretBytes> key;
  {
    std::shared_lock lock(mu_);
    if (sealed_) return UnavailableError("Coffer is sealed", "SEALED");
    auto it = terms_.find(term);
    if (it == terms_.end()) return DataLossError("sealed under an unknown keyring term");
    key = it->second;
  }
  std::string bound = BindAad({aad, sealed.substr(0, 5)});
  return aead_.Open(key->span(), AsSpan(sealed.substr(5, crypto::Aead::kNonceSize)),
                    sealed.substr(kHeader), bound);
}

Result<std::string> KeyRing::SealMaterial(std::string_view key_id, uint32_t version,
                                          std::span<const uint8_t> material) {
  std::shared_ptr<const SecretBytes> key;
  uint32_t term;
  {
    std::shared_lock lock(mu_);
    if (sealed_) return UnavailableError("Coffer is sealed", "SEALED");
    term = current_term_;
    key = terms_.at(term);
  }
  std::string v;
  PutU32(v, version);
  return SealUnder(
      *key, term, BindAad({kMaterialAad, key_id, v}),
      std::string_view(reinterpret_cast<const char*>(material.data()), material.size()));
}

Result<SecretBytes> KeyRing::OpenMaterial(std::string_view key_id, uint32_t version,
                                          std::string_view sealed) {
  std::string v;
  PutU32(v, version);
  return OpenSealed(sealed, BindAad({kMaterialAad, key_id, v}));
}

Result<std::string> KeyRing::SealInternal(std::string_view purpose, std::string_view aad,
                                          std::string_view plaintext) {
  std::shared_ptr<const SecretBytes> key;
  uint32_t term;
  {
    std::shared_lock lock(mu_);
    if (sealed_) return UnavailableError("Coffer is sealed", "SEALED");
    term = current_term_;
    key = terms_.at(term);
  }
  return SealUnder(*key, term, BindAad({kInternalAad, purpose, aad}), plaintext);
}

Result<SecretBytes> KeyRing::OpenInternal(std::string_view purpose, std::string_view aad,
                                          std::string_view sealed) {
  return OpenSealed(sealed, BindAad({kInternalAad, purpose, aad}));
}

Result<uint32_t> KeyRing::RotateTerm() {
  // Serialised with other writers by the exclusive lock; the store write is durable first.
  std::unique_lock lock(mu_);
  if (sealed_) return UnavailableError("Coffer is sealed", "SEALED");
  uint32_t term = current_term_ + 1;
  SecretBytes term_key = random_.Secret(crypto::Aead::kKeySize);
  KeyringTerm t{term, clock_.Now(), {}};
  COFFER_ASSIGN_OR_RETURN(t.sealed, SealUnder(*root_, term, TermAad(term), term_key.view()));
  auto added = store_.AddKeyringTerm(t);
  if (!added.has_value()) {
    if (added.error().reason == kRootRotationPending) {
      // The store refuses in the same transaction as the insert, so a pending rewrap always
      // covers every term; the simpler rule than rewrapping the new term into it.
      return FailedPreconditionError(
          "a root key rotation is pending: verify it with the new unseal keys or cancel it "
          "before adding a keyring term",
          kRootRotationPending);
    }
    return added.error();
  }
  terms_[term] = std::make_shared<const SecretBytes>(std::move(term_key));
  current_term_ = term;
  return term;
}

Result<void> KeyRing::RotateRootKey(const SecretBytes& new_root_key) {
  if (new_root_key.size() != crypto::Aead::kKeySize) {
    return InvalidArgumentError("the root key must be 32 bytes");
  }
  std::unique_lock lock(mu_);
  if (sealed_) return UnavailableError("Coffer is sealed", "SEALED");
  COFFER_ASSIGN_OR_RETURN(std::vector<KeyringTerm> stored, store_.ListKeyringTerms());
  std::vector<KeyringTerm> rewrapped;
  for (const KeyringTerm& t : stored) {
    auto it = terms_.find(t.term);
    if (it == terms_.end()) return InternalError("keyring term not loaded");
    KeyringTerm n = t;
    COFFER_ASSIGN_OR_RETURN(n.sealed,
                            SealUnder(new_root_key, t.term, TermAad(t.term), it->second->view()));
    rewrapped.push_back(std::move(n));
  }
  COFFER_RETURN_IF_ERROR(store_.ReplaceKeyringTerms(rewrapped));
  root_ = std::make_shared<const SecretBytes>(new_root_key.Clone());
  return Ok();
}

Result<bool> KeyRing::Verify(const SecretBytes& candidate) {
  COFFER_ASSIGN_OR_RETURN(std::vector<KeyringTerm> stored, store_.ListKeyringTerms());
  if (stored.empty()) return true;
  return OpenTerm(candidate, stored.front()).has_value();
}

Result<std::string> KeyRing::BeginRootRotation(const SecretBytes& new_root_key) {
  if (new_root_key.size() != crypto::Aead::kKeySize) {
    return InvalidArgumentError("the root key must be 32 bytes");
  }
  // Exclusive: no term can be added between listing the terms and storing their rewrap (the
  // store also refuses new terms once the rewrap is stored).
  std::unique_lock lock(mu_);
  if (sealed_) return UnavailableError("Coffer is sealed", "SEALED");
  COFFER_ASSIGN_OR_RETURN(std::vector<KeyringTerm> stored, store_.ListKeyringTerms());
  PendingRootRotation pending;
  pending.nonce = random_.UuidV4();
  pending.created = clock_.Now();
  for (const KeyringTerm& t : stored) {
    auto it = terms_.find(t.term);
    if (it == terms_.end()) return InternalError("keyring term not loaded");
    KeyringTerm n = t;
    COFFER_ASSIGN_OR_RETURN(n.sealed,
                            SealUnder(new_root_key, t.term, TermAad(t.term), it->second->view()));
    pending.terms.push_back(std::move(n));
  }
  auto put = store_.PutPendingRootRotation(pending);
  if (!put.has_value()) {
    if (put.error().code == ErrorCode::kAlreadyExists) {
      return AlreadyExistsError(
          "a root key rotation is already pending: verify it with the new unseal keys or "
          "cancel it first");
    }
    return put.error();
  }
  return pending.nonce;
}

Result<std::optional<PendingRootRotation>> KeyRing::GetPendingRootRotation() {
  return store_.GetPendingRootRotation();
}

Result<bool> KeyRing::VerifyPendingRoot(std::string_view nonce, const SecretBytes& candidate) {
  COFFER_ASSIGN_OR_RETURN(std::optional<PendingRootRotation> pending,
                          store_.GetPendingRootRotation());
  if (!pending || pending->nonce != nonce) {
    return NotFoundError("no root key rotation with this nonce is pending");
  }
  for (const KeyringTerm& t : pending->terms) {
    if (!OpenTerm(candidate, t).has_value()) return false;
  }
  return true;
}

Result<void> KeyRing::CommitRootRotation(std::string_view nonce, const SecretBytes& new_root_key) {
  if (new_root_key.size() != crypto::Aead::kKeySize) {
    return InvalidArgumentError("the root key must be 32 bytes");
  }
  std::unique_lock lock(mu_);
  if (sealed_) return UnavailableError("Coffer is sealed", "SEALED");
  COFFER_ASSIGN_OR_RETURN(std::optional<PendingRootRotation> pending,
                          store_.GetPendingRootRotation());
  if (!pending || pending->nonce != nonce) {
    return NotFoundError("no root key rotation with this nonce is pending");
  }
  // Every pending term must open under the new root and hold the very key that the live term
  // holds: committing anything else would lose the data sealed under that term.
  for (const KeyringTerm& t : pending->terms) {
    auto opened = OpenTerm(new_root_key, t);
    auto live = terms_.find(t.term);
    if (!opened.has_value() || live == terms_.end() ||
        !ConstantTimeEquals(opened->view(), live->second->view())) {
      return InvalidArgumentError("the new root key does not open the pending keyring rewrap");
    }
  }
  COFFER_RETURN_IF_ERROR(store_.CommitPendingRootRotation(nonce));
  root_ = std::make_shared<const SecretBytes>(new_root_key.Clone());
  return Ok();
}

Result<void> KeyRing::CancelRootRotation() { return store_.DeletePendingRootRotation(); }

}  // namespace coffer::keys
