// Fuzzes the STS AssumeRoleWithWebIdentity answer parser: any body, with the HTTP status taken
// from the first byte, must parse or be refused cleanly, and what parses has every credential.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "grpc/kms_plugin/sts_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  int status = data[0] < 128 ? 200 : 400 + data[0] % 200;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto creds = coffer::kmsplugin::ParseAssumeRoleWithWebIdentityResponse(status, body);
  if (creds.has_value()) {
    if (status != 200 || creds->access_key_id.empty() || creds->secret_access_key.empty() ||
        creds->session_token.empty()) {
      std::abort();
    }
  } else if (creds.error().code == coffer::ErrorCode::kOk) {
    std::abort();
  }
  return 0;
}
