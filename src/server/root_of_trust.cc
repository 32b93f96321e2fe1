#include "server/root_of_trust.h"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/logging.h"
#include "base/strings.h"
#include "crypto/gfshare/gfshare_secret_sharing.h"
#include "crypto/openssl/openssl_aead.h"
#include "crypto/openssl/openssl_random.h"
#include "storage/sqlite/sqlite_database.h"
#include "storage/sqlite/sqlite_key_store.h"

namespace coffer::server {
namespace {

constexpr size_t kRootKeySize = 32;

std::optional<RootProvider> ParseProvider(std::string_view s) {
  if (s == "file") return RootProvider::kFile;
  if (s == "shamir") return RootProvider::kShamir;
  if (s == "pkcs11") return RootProvider::kPkcs11;
  return std::nullopt;
}

std::string Str(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

int Int(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsInt()) return 0;
  return it->value.GetInt();
}

Result<SecretBytes> LoadPin(const RootOfTrustSettings& settings,
                            const std::optional<std::string>& pin_file_override) {
  std::string path = pin_file_override.value_or(settings.pin_file);
  if (!path.empty()) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      return FailedPreconditionError("cannot read the PKCS#11 PIN file " + path);
    }
    if ((st.st_mode & 077) != 0) {
      return FailedPreconditionError("the PKCS#11 PIN file " + path +
                                     " is readable by group or others; chmod 600 it");
    }
    auto text = ReadSmallFile(path);
    if (!text.has_value()) {
      return FailedPreconditionError("cannot read the PKCS#11 PIN file " + path);
    }
    std::string_view pin = TrimWhitespace(*text);
    SecretBytes out = SecretBytes::CopyFrom(pin);
    SecureWipe(text->data(), text->size());
    if (out.empty()) return FailedPreconditionError("the PKCS#11 PIN file is empty");
    return out;
  }
  std::string env = settings.pin_env.empty() ? "COFFER_PKCS11_PIN" : settings.pin_env;
  const char* v = std::getenv(env.c_str());
  if (v == nullptr || *v == '\0') {
    return FailedPreconditionError("no PKCS#11 PIN: give --pkcs11-pin-file or set " + env);
  }
  return SecretBytes::CopyFrom(std::string_view(v));
}

}  // namespace

std::string_view RootProviderName(RootProvider provider) {
  switch (provider) {
    case RootProvider::kFile:
      return "file";
    case RootProvider::kShamir:
      return "shamir";
    case RootProvider::kPkcs11:
      return "pkcs11";
  }
  return "file";
}

Result<std::optional<RootOfTrustSettings>> ReadRootOfTrustSettings(const DataDir& dir) {
  std::filesystem::path p = dir.RootOfTrustPath();
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return std::optional<RootOfTrustSettings>();
  if (!S_ISREG(st.st_mode)) {
    return FailedPreconditionError("root-of-trust.json is not a regular file");
  }
  COFFER_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(p));
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return FailedPreconditionError("root-of-trust.json is not valid JSON");
  }
  RootOfTrustSettings s;
  auto provider = ParseProvider(Str(doc, "provider"));
  if (!provider) return FailedPreconditionError("root-of-trust.json names an unknown provider");
  s.provider = *provider;
  if (s.provider == RootProvider::kShamir) {
    s.shares = Int(doc, "shares");
    s.threshold = Int(doc, "threshold");
    if (s.threshold < 2 || s.shares < s.threshold || s.shares > 255) {
      return FailedPreconditionError("root-of-trust.json has an invalid Shamir threshold");
    }
  }
  if (s.provider == RootProvider::kPkcs11) {
    auto it = doc.FindMember("pkcs11");
    if (it == doc.MemberEnd() || !it->value.IsObject()) {
      return FailedPreconditionError("root-of-trust.json has no pkcs11 settings");
    }
    const rapidjson::Value& p11 = it->value;
    s.pkcs11.module_path = Str(p11, "module");
    s.pkcs11.token_label = Str(p11, "token_label");
    s.pkcs11.key_label = Str(p11, "key_label");
    s.pin_file = Str(p11, "pin_file");
    std::string env = Str(p11, "pin_env");
    if (!env.empty()) s.pin_env = env;
    auto wrapped = Base64Decode(Str(doc, "wrapped_root_key"));
    if (!wrapped || wrapped->empty()) {
      return FailedPreconditionError("root-of-trust.json has no valid wrapped_root_key");
    }
    s.wrapped_root_key = *wrapped;
    std::string pending = Str(doc, "pending_wrapped_root_key");
    if (!pending.empty()) {
      auto decoded = Base64Decode(pending);
      if (!decoded) {
        return FailedPreconditionError("root-of-trust.json has a malformed pending key");
      }
      s.pending_wrapped_root_key = *decoded;
    }
  }
  return std::optional<RootOfTrustSettings>(std::move(s));
}

Result<void> WriteRootOfTrustSettings(const DataDir& dir, const RootOfTrustSettings& s) {
  rapidjson::StringBuffer sb;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("version");
  w.Int(1);
  w.Key("provider");
  w.String(std::string(RootProviderName(s.provider)).c_str());
  if (s.provider == RootProvider::kShamir) {
    w.Key("shares");
    w.Int(s.shares);
    w.Key("threshold");
    w.Int(s.threshold);
  }
  if (s.provider == RootProvider::kPkcs11) {
    w.Key("pkcs11");
    w.StartObject();
    w.Key("module");
    w.String(s.pkcs11.module_path.c_str());
    w.Key("token_label");
    w.String(s.pkcs11.token_label.c_str());
    w.Key("key_label");
    w.String(s.pkcs11.key_label.c_str());
    if (!s.pin_file.empty()) {
      w.Key("pin_file");
      w.String(s.pin_file.c_str());
    } else {
      w.Key("pin_env");
      w.String(s.pin_env.c_str());
    }
    w.EndObject();
    w.Key("wrapped_root_key");
    w.String(Base64Encode(s.wrapped_root_key).c_str());
    if (!s.pending_wrapped_root_key.empty()) {
      w.Key("pending_wrapped_root_key");
      w.String(Base64Encode(s.pending_wrapped_root_key).c_str());
    }
  }
  w.EndObject();
  std::string text(sb.GetString(), sb.GetSize());
  text += "\n";
  return WriteFileAtomically(dir.RootOfTrustPath(), text, 0600);
}

Result<void> InitRootOfTrust(const InitOptions& options, std::ostream& out) {
  bool shamir = options.shares > 0 || options.threshold > 0;
  if (shamir && options.pkcs11) {
    return InvalidArgumentError("choose Shamir shares or PKCS#11, not both");
  }
  if (shamir &&
      (options.threshold < 2 || options.shares < options.threshold || options.shares > 255)) {
    return InvalidArgumentError("--threshold must be at least 2 and at most --shares (<= 255)");
  }
  COFFER_ASSIGN_OR_RETURN(DataDir dir, DataDir::Open(options.data_dir));
  COFFER_ASSIGN_OR_RETURN(
      auto db, storage::sqlite::SqliteDatabase::Open({dir.DatabasePath().string(), 1, 512}));
  storage::sqlite::SqliteKeyStore store(*db);
  // The keyring is the data: once it exists, the root of trust can only be rotated, never
  // re-initialised. Anything else left by an interrupted init is overwritten.
  COFFER_ASSIGN_OR_RETURN(std::vector<keys::KeyringTerm> terms, store.ListKeyringTerms());
  if (!terms.empty()) {
    return FailedPreconditionError(
        "this data directory already has a keyring; its root of trust can be rotated (coffer "
        "operator rotate-root) but not initialised again");
  }

  crypto::OpensslRandom random;
  crypto::OpensslAead aead;
  keys::KeyRing ring(store, aead, random, RealClock::Get());
  RootOfTrustSettings settings;
  SecretBytes root = random.Secret(kRootKeySize);
  std::vector<SecretBytes> shares;
  if (shamir) {
    settings.provider = RootProvider::kShamir;
    settings.shares = options.shares;
    settings.threshold = options.threshold;
    crypto::GfshareSecretSharing sharing(random);
    COFFER_ASSIGN_OR_RETURN(shares, sharing.Split(root, options.shares, options.threshold));
  } else if (options.pkcs11) {
    settings.provider = RootProvider::kPkcs11;
    settings.pkcs11 = *options.pkcs11;
    if (options.pin_file) settings.pin_file = *options.pin_file;
    COFFER_ASSIGN_OR_RETURN(SecretBytes pin, LoadPin(settings, std::nullopt));
    COFFER_ASSIGN_OR_RETURN(auto hsm, crypto::Pkcs11KeyWrapper::Open(settings.pkcs11, pin, random));
    COFFER_RETURN_IF_ERROR(hsm->FindKey(/*create=*/true));
    COFFER_ASSIGN_OR_RETURN(settings.wrapped_root_key, hsm->Wrap(root));
  } else {
    COFFER_RETURN_IF_ERROR(dir.WriteRootKeyFile(dir.RootKeyPath(), root));
  }
  if (settings.provider != RootProvider::kFile) {
    // A root key file left by an earlier start would only mislead.
    ::unlink(dir.RootKeyPath().c_str());
  }
  ::unlink(dir.PendingRootKeyPath().c_str());
  // Settings first, keyring second: a crash in between leaves settings without a keyring,
  // which a second init overwrites.
  COFFER_RETURN_IF_ERROR(WriteRootOfTrustSettings(dir, settings));
  COFFER_RETURN_IF_ERROR(ring.Unseal(root));
  ring.Seal();
  db->Flush();

  switch (settings.provider) {
    case RootProvider::kFile:
      out << "Initialised " << dir.path().string() << " with a key-file root of trust ("
          << dir.RootKeyPath().string() << ", mode 0600).\n";
      break;
    case RootProvider::kPkcs11:
      out << "Initialised " << dir.path().string()
          << " with a PKCS#11 root of trust: the root key is wrapped by HSM key '"
          << settings.pkcs11.key_label << "' on token '" << settings.pkcs11.token_label << "'.\n";
      break;
    case RootProvider::kShamir:
      out << "Initialised " << dir.path().string()
          << " with a Shamir root of trust: " << options.threshold << " of these " << options.shares
          << " unseal keys rebuild the root key.\n"
          << "They are shown only now and stored nowhere: give one to each key holder.\n\n";
      for (size_t i = 0; i < shares.size(); ++i) {
        out << "Unseal Key " << (i + 1) << ": " << crypto::EncodeShareText(shares[i]) << "\n";
      }
      out << "\nThe server starts sealed; unseal it with `coffer operator unseal` ("
          << options.threshold << " times, one key each).\n";
      break;
  }
  out.flush();
  return Ok();
}

RootOfTrust::RootOfTrust(const DataDir& dir, keys::KeyRing& ring, crypto::Random& random,
                         RootOfTrustSettings settings, OnUnsealed on_unsealed)
    : dir_(dir),
      ring_(ring),
      random_(random),
      sharing_(std::make_unique<crypto::GfshareSecretSharing>(random)),
      on_unsealed_(std::move(on_unsealed)),
      settings_(std::move(settings)) {}

Result<std::unique_ptr<RootOfTrust>> RootOfTrust::Open(const DataDir& dir, keys::KeyRing& ring,
                                                       crypto::Random& random,
                                                       std::optional<std::string> pin_file,
                                                       OnUnsealed on_unsealed) {
  COFFER_ASSIGN_OR_RETURN(std::optional<RootOfTrustSettings> settings,
                          ReadRootOfTrustSettings(dir));
  std::unique_ptr<RootOfTrust> rot(new RootOfTrust(
      dir, ring, random, settings.value_or(RootOfTrustSettings{}), std::move(on_unsealed)));
  rot->pin_file_override_ = std::move(pin_file);
  return rot;
}

Result<void> RootOfTrust::UnsealWith(const SecretBytes& root) {
  COFFER_RETURN_IF_ERROR(ring_.Unseal(root));
  if (on_unsealed_) {
    auto done = on_unsealed_();
    if (!done.has_value()) {
      ring_.Seal();
      return done;
    }
  }
  log::Info("keyring unsealed", {{"provider", std::string(RootProviderName(settings_.provider))},
                                 {"term", static_cast<int64_t>(ring_.current_term())}});
  return Ok();
}

// Key-file root rotation writes the new key to root.key.next, rewraps the keyring in one store
// transaction, then renames root.key.next over root.key. A crash can leave either file stale,
// never both: before the rewrap commits, root.key still opens the keyring (root.key.next is
// dropped here); after it, root.key.next does (and the rename is finished here).
Result<SecretBytes> RootOfTrust::LoadFileRoot() {
  bool created = false;
  COFFER_ASSIGN_OR_RETURN(SecretBytes root, dir_.LoadOrCreateRootKey(random_, &created));
  root_key_created_ = created;
  std::filesystem::path next_path = dir_.PendingRootKeyPath();
  auto next = dir_.ReadRootKeyFile(next_path);
  if (!next.has_value()) {
    if (next.error().code == ErrorCode::kNotFound) return root;
    return next.error();
  }
  COFFER_ASSIGN_OR_RETURN(bool current_opens, ring_.Verify(root));
  if (current_opens) {
    log::Warn("dropping root.key.next left by an interrupted root rotation");
    ::unlink(next_path.c_str());
    return root;
  }
  COFFER_ASSIGN_OR_RETURN(bool next_opens, ring_.Verify(*next));
  if (!next_opens) return root;  // Unseal reports the wrong key
  log::Warn("finishing an interrupted root rotation: root.key.next becomes root.key");
  COFFER_RETURN_IF_ERROR(RenameDurably(next_path, dir_.RootKeyPath()));
  return std::move(next).value();
}

Result<void> RootOfTrust::OpenHsm() {
  if (hsm_) return Ok();
  COFFER_ASSIGN_OR_RETURN(SecretBytes pin, LoadPin(settings_, pin_file_override_));
  COFFER_ASSIGN_OR_RETURN(hsm_, crypto::Pkcs11KeyWrapper::Open(settings_.pkcs11, pin, random_));
  auto found = hsm_->FindKey(/*create=*/false);
  if (!found.has_value()) {
    hsm_.reset();
    return found;
  }
  return Ok();
}

// PKCS#11 root rotation follows the same order as the key file: the new wrapped key is recorded
// as pending, the keyring is rewrapped, then the pending key replaces the current one.
Result<SecretBytes> RootOfTrust::LoadPkcs11Root() {
  COFFER_RETURN_IF_ERROR(OpenHsm());
  COFFER_ASSIGN_OR_RETURN(SecretBytes root, hsm_->Unwrap(settings_.wrapped_root_key));
  if (settings_.pending_wrapped_root_key.empty()) return root;
  COFFER_ASSIGN_OR_RETURN(bool current_opens, ring_.Verify(root));
  RootOfTrustSettings updated = settings_;
  if (current_opens) {
    updated.pending_wrapped_root_key.clear();
    COFFER_RETURN_IF_ERROR(WriteRootOfTrustSettings(dir_, updated));
    settings_ = std::move(updated);
    return root;
  }
  COFFER_ASSIGN_OR_RETURN(SecretBytes next, hsm_->Unwrap(settings_.pending_wrapped_root_key));
  COFFER_ASSIGN_OR_RETURN(bool next_opens, ring_.Verify(next));
  if (!next_opens) return root;
  updated.wrapped_root_key = updated.pending_wrapped_root_key;
  updated.pending_wrapped_root_key.clear();
  COFFER_RETURN_IF_ERROR(WriteRootOfTrustSettings(dir_, updated));
  settings_ = std::move(updated);
  return next;
}

Result<void> RootOfTrust::UnsealAtStart() {
  std::lock_guard lock(mu_);
  switch (settings_.provider) {
    case RootProvider::kShamir:
      log::Info("the keyring is sealed: waiting for unseal keys",
                {{"threshold", settings_.threshold}, {"shares", settings_.shares}});
      return Ok();
    case RootProvider::kFile: {
      COFFER_ASSIGN_OR_RETURN(SecretBytes root, LoadFileRoot());
      return UnsealWith(root);
    }
    case RootProvider::kPkcs11: {
      COFFER_ASSIGN_OR_RETURN(SecretBytes root, LoadPkcs11Root());
      return UnsealWith(root);
    }
  }
  return Ok();
}

SealStatus RootOfTrust::Status() const {
  std::lock_guard lock(mu_);
  SealStatus s;
  s.sealed = ring_.is_sealed();
  s.provider = settings_.provider;
  s.threshold = settings_.threshold;
  s.shares = settings_.shares;
  s.progress = static_cast<int>(progress_.size());
  s.term = s.sealed ? 0 : ring_.current_term();
  return s;
}

Result<void> RootOfTrust::AddShare(std::string_view share, std::vector<SecretBytes>& progress) {
  if (share.empty()) return InvalidArgumentError("no unseal key was given");
  COFFER_ASSIGN_OR_RETURN(SecretBytes s, crypto::DecodeShareText(share));
  if (s.size() != 1 + kRootKeySize) {
    return InvalidArgumentError("this is not a Coffer unseal key (wrong length)");
  }
  for (const SecretBytes& have : progress) {
    if (have.data()[0] == s.data()[0]) {
      return InvalidArgumentError("this unseal key was already entered");
    }
  }
  progress.push_back(std::move(s));
  return Ok();
}

Result<SealStatus> RootOfTrust::Unseal(std::string_view share) {
  {
    std::lock_guard lock(mu_);
    if (!ring_.is_sealed()) {
      progress_.clear();
    } else if (settings_.provider != RootProvider::kShamir) {
      if (!share.empty()) {
        return InvalidArgumentError("this server's root of trust is " +
                                    std::string(RootProviderName(settings_.provider)) +
                                    ": it takes no unseal keys");
      }
      COFFER_ASSIGN_OR_RETURN(SecretBytes root, settings_.provider == RootProvider::kFile
                                                    ? LoadFileRoot()
                                                    : LoadPkcs11Root());
      COFFER_RETURN_IF_ERROR(UnsealWith(root));
    } else {
      COFFER_RETURN_IF_ERROR(AddShare(share, progress_));
      if (static_cast<int>(progress_.size()) >= settings_.threshold) {
        std::vector<SecretBytes> shares = std::move(progress_);
        progress_.clear();
        COFFER_ASSIGN_OR_RETURN(SecretBytes root, sharing_->Combine(shares));
        COFFER_ASSIGN_OR_RETURN(bool opens, ring_.Verify(root));
        if (!opens) {
          log::Warn("unseal keys did not rebuild the root key; progress was reset");
          return InvalidArgumentError(
              "the unseal keys entered do not rebuild the root key (one of them is wrong or "
              "from another server); progress was reset, start again");
        }
        COFFER_RETURN_IF_ERROR(UnsealWith(root));
      }
    }
  }
  return Status();
}

void RootOfTrust::ResetProgress() {
  std::lock_guard lock(mu_);
  progress_.clear();
}

void RootOfTrust::Seal() {
  std::lock_guard lock(mu_);
  progress_.clear();
  verify_progress_.clear();
  ring_.Seal();
  log::Info("keyring sealed");
}

Result<RootRotation> RootOfTrust::RotateRoot() {
  std::lock_guard lock(mu_);
  if (ring_.is_sealed()) return UnavailableError("Coffer is sealed", "SEALED");
  SecretBytes next = random_.Secret(kRootKeySize);
  RootRotation rotation;
  switch (settings_.provider) {
    case RootProvider::kShamir: {
      // The new shares exist only in this response, so nothing is committed yet: the terms
      // rewrapped under the new root are stored as pending (one transaction) and the old shares
      // keep opening the keyring until the operator proves, by entering T new shares, that they
      // hold the new ones (VerifyRotateRoot). A crash or a lost response costs nothing but a
      // cancel and a new attempt.
      COFFER_ASSIGN_OR_RETURN(std::vector<SecretBytes> shares,
                              sharing_->Split(next, settings_.shares, settings_.threshold));
      COFFER_ASSIGN_OR_RETURN(rotation.nonce, ring_.BeginRootRotation(next));
      verify_nonce_ = rotation.nonce;
      verify_progress_.clear();
      for (const SecretBytes& s : shares) rotation.shares.push_back(crypto::EncodeShareText(s));
      log::Info("root key rotation started: waiting for the new unseal keys",
                {{"nonce", rotation.nonce}, {"threshold", settings_.threshold}});
      return rotation;
    }
    case RootProvider::kFile: {
      // See LoadFileRoot for why this order survives a crash at any point.
      std::filesystem::path next_path = dir_.PendingRootKeyPath();
      COFFER_RETURN_IF_ERROR(dir_.WriteRootKeyFile(next_path, next));
      auto rotated = ring_.RotateRootKey(next);
      if (!rotated.has_value()) {
        ::unlink(next_path.c_str());
        return rotated.error();
      }
      COFFER_RETURN_IF_ERROR(RenameDurably(next_path, dir_.RootKeyPath()));
      break;
    }
    case RootProvider::kPkcs11: {
      COFFER_RETURN_IF_ERROR(OpenHsm());
      COFFER_ASSIGN_OR_RETURN(std::string wrapped, hsm_->Wrap(next));
      RootOfTrustSettings pending = settings_;
      pending.pending_wrapped_root_key = wrapped;
      COFFER_RETURN_IF_ERROR(WriteRootOfTrustSettings(dir_, pending));
      auto rotated = ring_.RotateRootKey(next);
      if (!rotated.has_value()) {
        (void)WriteRootOfTrustSettings(dir_, settings_);
        return rotated.error();
      }
      RootOfTrustSettings done = settings_;
      done.wrapped_root_key = wrapped;
      COFFER_RETURN_IF_ERROR(WriteRootOfTrustSettings(dir_, done));
      settings_ = std::move(done);
      break;
    }
  }
  log::Info("root key rotated", {{"provider", std::string(RootProviderName(settings_.provider))}});
  return rotation;
}

Result<RootRotationStatus> RootOfTrust::RotationStatusLocked() {
  RootRotationStatus status;
  status.threshold = settings_.threshold;
  status.shares = settings_.shares;
  COFFER_ASSIGN_OR_RETURN(std::optional<keys::PendingRootRotation> pending,
                          ring_.GetPendingRootRotation());
  if (!pending) return status;
  status.pending = true;
  status.nonce = pending->nonce;
  status.started = pending->created;
  if (verify_nonce_ == pending->nonce) status.progress = static_cast<int>(verify_progress_.size());
  return status;
}

Result<RootRotationStatus> RootOfTrust::RotateRootStatus() {
  std::lock_guard lock(mu_);
  return RotationStatusLocked();
}

Result<RootRotationStatus> RootOfTrust::VerifyRotateRoot(std::string_view nonce,
                                                         std::string_view share) {
  std::lock_guard lock(mu_);
  if (settings_.provider != RootProvider::kShamir) {
    return InvalidArgumentError("this server's root of trust is " +
                                std::string(RootProviderName(settings_.provider)) +
                                ": its root rotation needs no verification");
  }
  if (ring_.is_sealed()) return UnavailableError("Coffer is sealed", "SEALED");
  COFFER_ASSIGN_OR_RETURN(std::optional<keys::PendingRootRotation> pending,
                          ring_.GetPendingRootRotation());
  if (!pending) return InvalidArgumentError("no root key rotation is pending");
  if (nonce.empty() || pending->nonce != nonce) {
    return InvalidArgumentError("the nonce does not name the pending root key rotation");
  }
  if (verify_nonce_ != pending->nonce) {
    verify_nonce_ = pending->nonce;
    verify_progress_.clear();
  }
  COFFER_RETURN_IF_ERROR(AddShare(share, verify_progress_));
  if (static_cast<int>(verify_progress_.size()) < settings_.threshold) {
    return RotationStatusLocked();
  }
  std::vector<SecretBytes> shares = std::move(verify_progress_);
  verify_progress_.clear();
  auto root = sharing_->Combine(shares);
  bool opens = false;
  if (root.has_value()) {
    COFFER_ASSIGN_OR_RETURN(opens, ring_.VerifyPendingRoot(pending->nonce, *root));
  }
  if (!opens) {
    log::Warn("new unseal keys did not rebuild the pending root key; progress was reset",
              {{"nonce", pending->nonce}});
    return InvalidArgumentError(
        "the new unseal keys entered do not rebuild the pending root key (one of them is wrong "
        "or from another rotation); progress was reset, start again. The old unseal keys are "
        "still the valid ones");
  }
  COFFER_RETURN_IF_ERROR(ring_.CommitRootRotation(pending->nonce, *root));
  log::Info("root key rotated: the new unseal keys were verified; the old ones no longer work",
            {{"nonce", pending->nonce}});
  RootRotationStatus status;
  status.complete = true;
  status.nonce = pending->nonce;
  status.threshold = settings_.threshold;
  status.shares = settings_.shares;
  status.progress = settings_.threshold;
  return status;
}

Result<void> RootOfTrust::CancelRotateRoot() {
  std::lock_guard lock(mu_);
  auto cancelled = ring_.CancelRootRotation();
  if (!cancelled.has_value()) {
    if (cancelled.error().code == ErrorCode::kNotFound) {
      return NotFoundError("no root key rotation is pending");
    }
    return cancelled;
  }
  verify_progress_.clear();
  verify_nonce_.clear();
  log::Info("pending root key rotation cancelled; the current unseal keys stay valid");
  return Ok();
}

Result<uint32_t> RootOfTrust::RotateKeyring() {
  COFFER_ASSIGN_OR_RETURN(uint32_t term, ring_.RotateTerm());
  log::Info("keyring term rotated", {{"term", static_cast<int64_t>(term)}});
  return term;
}

}  // namespace coffer::server
