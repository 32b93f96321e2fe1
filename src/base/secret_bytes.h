#ifndef COFFER_BASE_SECRET_BYTES_H_
#define COFFER_BASE_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace coffer {

// Owns secret material (plaintext values, keys, passwords). The buffer is wiped on destruction and
// on move-from; it never reallocates, so no unwiped copy is left behind. Not copyable (use Clone()
// deliberately) and it has no operator<<, so it cannot end up in a log by accident.
// Not thread-safe; immutable use from several threads is fine.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t size);  // zero-filled
  static SecretBytes CopyFrom(std::span<const uint8_t> bytes);
  static SecretBytes CopyFrom(std::string_view bytes);
  // Copies `s` and then wipes it.
  static SecretBytes TakeFrom(std::string& s);

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  SecretBytes Clone() const { return CopyFrom(span()); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  std::span<const uint8_t> span() const { return {data_.get(), size_}; }
  std::span<uint8_t> mutable_span() { return {data_.get(), size_}; }
  // A view for APIs taking text; the caller must not copy it into unwiped storage.
  std::string_view view() const { return {reinterpret_cast<const char*>(data_.get()), size_}; }

  // Constant-time comparison.
  bool Equals(std::span<const uint8_t> other) const;

 private:
  void Wipe();
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

// Overwrites `size` bytes at `p` in a way the compiler cannot elide.
void SecureWipe(void* p, size_t size);

// Constant-time equality of two byte ranges (false if the sizes differ; the size is not secret).
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace coffer

#endif  // COFFER_BASE_SECRET_BYTES_H_
