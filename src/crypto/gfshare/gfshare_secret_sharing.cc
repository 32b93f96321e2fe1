#include "crypto/gfshare/gfshare_secret_sharing.h"

extern "C" {
#include <libgfshare.h>
}

#include <memory>
#include <mutex>
#include <set>

#include "base/encoding.h"
#include "base/strings.h"

namespace coffer::crypto {
namespace {

// libgfshare draws its polynomial coefficients, and the bytes it overwrites freed contexts with,
// through one global function pointer that takes no context argument. RandomHook installs a
// trampoline to the caller's Random under a process-wide lock for as long as a context lives, so
// concurrent calls cannot see each other's source and nothing ever comes from random(3).
std::mutex g_rand_mu;
Random* g_random = nullptr;

void FillFromRandom(unsigned char* buffer, unsigned int count) { g_random->Fill({buffer, count}); }

class RandomHook {
 public:
  explicit RandomHook(Random& random) : lock_(g_rand_mu) {
    g_random = &random;
    gfshare_fill_rand = FillFromRandom;
  }
  ~RandomHook() { g_random = nullptr; }
  RandomHook(const RandomHook&) = delete;
  RandomHook& operator=(const RandomHook&) = delete;

 private:
  std::lock_guard<std::mutex> lock_;
};

struct CtxDeleter {
  void operator()(gfshare_ctx* ctx) const { gfshare_ctx_free(ctx); }
};
using CtxPtr = std::unique_ptr<gfshare_ctx, CtxDeleter>;

}  // namespace

Result<std::vector<SecretBytes>> GfshareSecretSharing::Split(const SecretBytes& secret, int shares,
                                                             int threshold) {
  if (threshold < 2) return InvalidArgumentError("the threshold must be at least 2");
  if (shares < threshold) {
    return InvalidArgumentError("the number of shares must be at least the threshold");
  }
  if (shares > 255) return InvalidArgumentError("at most 255 shares");
  if (secret.empty()) return InvalidArgumentError("the secret is empty");

  std::vector<unsigned char> xs(static_cast<size_t>(shares));
  for (int i = 0; i < shares; ++i) xs[static_cast<size_t>(i)] = static_cast<unsigned char>(i + 1);
  auto size = static_cast<unsigned int>(secret.size());

  RandomHook hook(random_);  // declared before `ctx`, so it outlives it
  CtxPtr ctx(gfshare_ctx_init_enc(xs.data(), static_cast<unsigned int>(shares),
                                  static_cast<unsigned char>(threshold), size));
  if (!ctx) return InternalError("libgfshare could not create a splitting context");
  // libgfshare copies the secret into its own buffer and overwrites it in gfshare_ctx_free.
  SecretBytes copy = secret.Clone();
  gfshare_ctx_enc_setsecret(ctx.get(), copy.data());
  std::vector<SecretBytes> out;
  out.reserve(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    SecretBytes share(1 + secret.size());
    share.data()[0] = xs[i];
    gfshare_ctx_enc_getshare(ctx.get(), static_cast<unsigned char>(i), share.data() + 1);
    out.push_back(std::move(share));
  }
  return out;
}

Result<SecretBytes> GfshareSecretSharing::Combine(const std::vector<SecretBytes>& shares) {
  if (shares.size() < 2) return InvalidArgumentError("at least 2 shares are needed");
  if (shares.size() > 255) return InvalidArgumentError("at most 255 shares");
  size_t size = shares.front().size();
  if (size < 2) return InvalidArgumentError("a share is too short");
  std::vector<unsigned char> xs;
  std::set<unsigned char> seen;
  for (const SecretBytes& s : shares) {
    if (s.size() != size) return InvalidArgumentError("the shares have different lengths");
    unsigned char x = s.data()[0];
    if (x == 0) return InvalidArgumentError("a share has the invalid number 0");
    if (!seen.insert(x).second) return InvalidArgumentError("the same share was given twice");
    xs.push_back(x);
  }
  RandomHook hook(random_);
  CtxPtr ctx(gfshare_ctx_init_dec(xs.data(), static_cast<unsigned int>(xs.size()),
                                  static_cast<unsigned int>(size - 1)));
  if (!ctx) return InternalError("libgfshare could not create a combining context");
  for (size_t i = 0; i < shares.size(); ++i) {
    // libgfshare reads the share through a non-const pointer but does not modify it.
    SecretBytes copy = SecretBytes::CopyFrom(shares[i].span().subspan(1));
    gfshare_ctx_dec_giveshare(ctx.get(), static_cast<unsigned char>(i), copy.data());
  }
  SecretBytes secret(size - 1);
  gfshare_ctx_dec_extract(ctx.get(), secret.data());
  return secret;
}

std::string EncodeShareText(const SecretBytes& share) { return Base64Encode(share.span()); }

Result<SecretBytes> DecodeShareText(std::string_view text) {
  auto raw = Base64Decode(TrimWhitespace(text));
  if (!raw) return InvalidArgumentError("the share is not valid base64");
  SecretBytes share = SecretBytes::TakeFrom(*raw);
  if (share.size() < 2) return InvalidArgumentError("the share is too short");
  if (share.data()[0] == 0) return InvalidArgumentError("the share has the invalid number 0");
  return share;
}

}  // namespace coffer::crypto
