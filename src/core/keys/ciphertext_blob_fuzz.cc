// Fuzzes the KMS ciphertext envelope parser: any byte string must parse or be refused cleanly,
// and whatever parses must serialise back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/keys/ciphertext_blob.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto blob = coffer::keys::CiphertextBlob::Parse(in);
  if (blob.has_value() && blob->Serialize() != in) std::abort();
  return 0;
}
