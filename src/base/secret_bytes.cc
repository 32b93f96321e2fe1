#include "base/secret_bytes.h"

#include <string.h>  // explicit_bzero (glibc): base links no crypto library, and this can't be elided.

#include <cstring>

namespace coffer {

void SecureWipe(void* p, size_t size) {
  if (p != nullptr && size > 0) explicit_bzero(p, size);
}

bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  // Eight bytes at a time (session tokens are long and compared on every request); the empty
  // asm keeps the compiler from turning the loop into one that stops at the first difference.
  uint64_t diff = 0;
  size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    uint64_t x = 0;
    uint64_t y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    diff |= x ^ y;
    asm volatile("" : "+r"(diff));
  }
  for (; i < a.size(); ++i) {
    diff |= static_cast<uint64_t>(a[i] ^ b[i]);
    asm volatile("" : "+r"(diff));
  }
  return diff == 0;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return ConstantTimeEquals(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(a.data()), a.size()),
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
}

SecretBytes::SecretBytes(size_t size) : data_(new uint8_t[size]()), size_(size) {}

SecretBytes SecretBytes::CopyFrom(std::span<const uint8_t> bytes) {
  SecretBytes s(bytes.size());
  if (!bytes.empty()) std::memcpy(s.data_.get(), bytes.data(), bytes.size());
  return s;
}

SecretBytes SecretBytes::CopyFrom(std::string_view bytes) {
  return CopyFrom(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

SecretBytes SecretBytes::TakeFrom(std::string& s) {
  SecretBytes out = CopyFrom(std::string_view(s));
  SecureWipe(s.data(), s.size());
  s.clear();
  return out;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(other.size_) {
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::move(other.data_);
    size_ = other.size_;
    other.size_ = 0;
  }
  return *this;
}

SecretBytes::~SecretBytes() { Wipe(); }

void SecretBytes::Wipe() {
  if (data_) SecureWipe(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

bool SecretBytes::Equals(std::span<const uint8_t> other) const {
  return ConstantTimeEquals(span(), other);
}

}  // namespace coffer
