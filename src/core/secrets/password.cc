#include "core/secrets/password.h"

#include <vector>

#include "core/secrets/errors.h"

namespace coffer::secrets {

Result<SecretBytes> GeneratePassword(const PasswordOptions& o, crypto::Random& random) {
  if (o.length < 1 || o.length > 4096) {
    return InvalidArgumentError("PasswordLength must be between 1 and 4096.",
                                reason::kInvalidParameter);
  }
  auto keep = [&](std::string_view chars) {
    std::string out;
    for (char c : chars) {
      if (o.exclude_characters.find(c) == std::string::npos) out.push_back(c);
    }
    return out;
  };
  std::vector<std::string> classes;
  if (!o.exclude_lowercase) classes.push_back(keep("abcdefghijklmnopqrstuvwxyz"));
  if (!o.exclude_uppercase) classes.push_back(keep("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
  if (!o.exclude_numbers) classes.push_back(keep("0123456789"));
  if (!o.exclude_punctuation) classes.push_back(keep(kPunctuation));
  if (o.include_space) classes.push_back(keep(" "));
  std::erase_if(classes, [](const std::string& c) { return c.empty(); });
  if (classes.empty()) {
    return InvalidArgumentError(
        "The password can't be generated: the request excludes every character type.",
        reason::kInvalidParameter);
  }
  std::string pool;
  for (const auto& c : classes) pool += c;
  size_t length = static_cast<size_t>(o.length);
  if (o.require_each_included_type && length < classes.size()) {
    return InvalidArgumentError("Password length is too short based on the required types.",
                                reason::kInvalidParameter);
  }
  SecretBytes out(length);
  uint8_t* p = out.data();
  size_t i = 0;
  if (o.require_each_included_type) {
    for (const auto& c : classes) {
      p[i++] = static_cast<uint8_t>(c[random.Uniform(static_cast<uint32_t>(c.size()))]);
    }
  }
  for (; i < length; ++i) {
    p[i] = static_cast<uint8_t>(pool[random.Uniform(static_cast<uint32_t>(pool.size()))]);
  }
  // Fisher-Yates, so the required characters are not always first.
  for (size_t k = length - 1; k > 0; --k) {
    size_t j = random.Uniform(static_cast<uint32_t>(k + 1));
    std::swap(p[k], p[j]);
  }
  return out;
}

}  // namespace coffer::secrets
