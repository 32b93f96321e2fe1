// Fuzzes the SigV4 verifier with arbitrary Authorization, X-Amz-Date and body bytes: every input
// must end in an AWS error or a verdict, never a crash or a hang.
#include <cstdint>
#include <string>

#include "api/common/sigv4.h"
#include "base/testing/fake_clock.h"
#include "crypto/openssl/openssl_hashes.h"

namespace {
coffer::Result<std::shared_ptr<const coffer::identity::Credential>> Lookup(std::string_view id) {
  auto c = std::make_shared<coffer::identity::Credential>();
  c->access_key_id = std::string(id);
  c->secret = coffer::SecretBytes::CopyFrom(std::string_view("secret-secret-secret"));
  return std::shared_ptr<const coffer::identity::Credential>(c);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static coffer::crypto::OpensslHashes hashes;
  static coffer::testing::FakeClock clock(*coffer::ParseAmzDate("20150830T123600Z"));
  static coffer::api::SigV4Verifier verifier(hashes, clock, Lookup);
  std::string in(reinterpret_cast<const char*>(data), size);
  // Split the input into: authorization \n x-amz-date \n target \n body.
  std::string parts[4];
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    size_t nl = in.find('\n', pos);
    if (nl == std::string::npos) {
      parts[i] = in.substr(pos);
      pos = in.size();
      break;
    }
    parts[i] = in.substr(pos, nl - pos);
    pos = nl + 1;
  }
  if (pos < in.size()) parts[3] = in.substr(pos);
  coffer::http::Request r;
  r.method = "POST";
  r.target = parts[2].empty() ? "/" : parts[2];
  r.headers = {{"host", "localhost"}, {"authorization", parts[0]}, {"x-amz-date", parts[1]}};
  r.body = parts[3];
  (void)verifier.Verify(r, "secretsmanager");
  return 0;
}
