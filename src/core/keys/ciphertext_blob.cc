#include "core/keys/ciphertext_blob.h"

#include "core/keys/errors.h"

namespace coffer::keys {
namespace {

void PutU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

}  // namespace

std::string CiphertextBlob::Header() const {
  std::string out;
  out.reserve(kHeaderSize);
  out.push_back(static_cast<char>(kFormat));
  out.append(reinterpret_cast<const char*>(key_id.data()), key_id.size());
  PutU32(out, material_version);
  out.append(nonce);
  return out;
}

std::string CiphertextBlob::Serialize() const { return Header() + ciphertext_and_tag; }

Result<CiphertextBlob> CiphertextBlob::Parse(std::string_view blob) {
  if (blob.size() < kHeaderSize + 16 || static_cast<uint8_t>(blob[0]) != kFormat) {
    return InvalidArgumentError("The ciphertext is invalid.", reason::kInvalidCiphertext);
  }
  CiphertextBlob b;
  for (size_t i = 0; i < 16; ++i) b.key_id[i] = static_cast<uint8_t>(blob[1 + i]);
  b.material_version = (static_cast<uint32_t>(static_cast<uint8_t>(blob[17])) << 24) |
                       (static_cast<uint32_t>(static_cast<uint8_t>(blob[18])) << 16) |
                       (static_cast<uint32_t>(static_cast<uint8_t>(blob[19])) << 8) |
                       static_cast<uint32_t>(static_cast<uint8_t>(blob[20]));
  if (b.material_version == 0) {
    return InvalidArgumentError("The ciphertext is invalid.", reason::kInvalidCiphertext);
  }
  b.nonce.assign(blob.substr(21, 12));
  b.ciphertext_and_tag.assign(blob.substr(kHeaderSize));
  return b;
}

std::string CanonicalContext(const EncryptionContext& context) {
  std::string out;
  PutU32(out, static_cast<uint32_t>(context.size()));
  for (const auto& [k, v] : context) {  // std::map: sorted by key, byte-wise
    PutU32(out, static_cast<uint32_t>(k.size()));
    out.append(k);
    PutU32(out, static_cast<uint32_t>(v.size()));
    out.append(v);
  }
  return out;
}

std::string ContextAad(std::string_view header, const EncryptionContext& context) {
  std::string out = "coffer.kms.symmetric.v1";
  out.push_back('\0');
  out.append(header);
  out.append(CanonicalContext(context));
  return out;
}

}  // namespace coffer::keys
