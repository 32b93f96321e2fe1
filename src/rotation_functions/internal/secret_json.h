#ifndef COFFER_ROTATION_FUNCTIONS_INTERNAL_SECRET_JSON_H_
#define COFFER_ROTATION_FUNCTIONS_INTERNAL_SECRET_JSON_H_

#include <rapidjson/document.h>

#include <cstddef>
#include <memory>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace coffer::rotation_functions::internal {

// A RapidJSON allocator (concept Allocator) that wipes every block before freeing it, so the
// passwords a secret's JSON carries leave no copies behind in freed parse stacks, pools or output
// buffers. Each block is prefixed with its size because RapidJSON's Free() is static and sizeless.
class WipingAllocator {
 public:
  static const bool kNeedFree = true;
  void* Malloc(size_t size);
  void* Realloc(void* original, size_t original_size, size_t new_size);
  static void Free(void* ptr);
};

using JsonDocument =
    rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<WipingAllocator>,
                               WipingAllocator>;
using JsonValue =
    rapidjson::GenericValue<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<WipingAllocator>>;

// A secret's SecretString parsed as a JSON object. Members keep their order, so a copy with one
// member changed serializes like the original apart from that member. Not thread-safe.
class SecretJson {
 public:
  // kInvalidArgument unless `text` is valid UTF-8 holding one JSON object whose member names are
  // unique. Messages name the problem and its offset, never the content.
  static Result<SecretJson> Parse(std::string_view text);

  // The member called `name`, or nullptr.
  const JsonValue* Find(std::string_view name) const;
  // Replaces the member called `name` by a string, or appends one.
  void SetString(std::string_view name, std::string_view value);
  SecretBytes Serialize() const;

 private:
  explicit SecretJson(std::unique_ptr<JsonDocument> doc) : doc_(std::move(doc)) {}
  std::unique_ptr<JsonDocument> doc_;
};

}  // namespace coffer::rotation_functions::internal

#endif  // COFFER_ROTATION_FUNCTIONS_INTERNAL_SECRET_JSON_H_
