// Fuzzes what the KMS plugin parses: KMS's JSON answers (Encrypt, Decrypt, errors) and the
// key_id the apiserver sends back from etcd. The first byte picks the parser; the rest is input.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "grpc/kms_plugin/internal/kms_json.h"
#include "grpc/kms_plugin/key_id.h"

using namespace coffer::kmsplugin;  // NOLINT(google-build-using-namespace)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto r = internal::ParseEncryptResponse(in);
      if (r.has_value() && (r->blob.empty() || r->key_arn.empty())) std::abort();
      if (r.has_value()) (void)KeyIdOfCiphertext(r->key_arn, r->blob);
      break;
    }
    case 1: {
      auto r = internal::ParseDecryptResponse(in);
      if (r.has_value() && r->key_arn.empty()) std::abort();
      break;
    }
    case 2: {
      auto e = internal::ParseErrorResponse(400 + data[0] % 200, in);
      if (e.code == coffer::ErrorCode::kOk) std::abort();
      break;
    }
    default: {
      auto id = KeyId::Parse(in);
      // Whatever parses prints back to the same key_id.
      if (id.has_value() && id->ToString() != in) std::abort();
      if (id.has_value()) (void)CheckCiphertextMatches(*id, in);
      break;
    }
  }
  return 0;
}
