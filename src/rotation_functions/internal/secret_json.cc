#include "rotation_functions/internal/secret_json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_set>
#include <utility>

#include "base/check.h"

namespace coffer::rotation_functions::internal {
namespace {

// Keeps the returned pointer aligned like malloc's.
constexpr size_t kHeaderSize = alignof(std::max_align_t);
static_assert(kHeaderSize >= sizeof(size_t));

unsigned char* BlockOf(void* ptr) { return static_cast<unsigned char*>(ptr) - kHeaderSize; }

size_t SizeOf(void* ptr) {
  size_t size = 0;
  std::memcpy(&size, BlockOf(ptr), sizeof size);
  return size;
}

}  // namespace

void* WipingAllocator::Malloc(size_t size) {
  // RapidJSON's CrtAllocator also answers nullptr for an empty request.
  if (size == 0) return nullptr;
  COFFER_CHECK(size <= SIZE_MAX - kHeaderSize, "JSON allocation too large");
  auto* block = static_cast<unsigned char*>(std::malloc(kHeaderSize + size));
  COFFER_CHECK(block != nullptr, "out of memory");
  std::memcpy(block, &size, sizeof size);
  return block + kHeaderSize;
}

void* WipingAllocator::Realloc(void* original, size_t /*original_size*/, size_t new_size) {
  if (new_size == 0) {
    Free(original);
    return nullptr;
  }
  // Never realloc() in place: that could leave a secret-bearing tail behind unwiped.
  void* fresh = Malloc(new_size);
  if (original != nullptr) {
    std::memcpy(fresh, original, std::min(SizeOf(original), new_size));
    Free(original);
  }
  return fresh;
}

void WipingAllocator::Free(void* ptr) {
  if (ptr == nullptr) return;
  unsigned char* block = BlockOf(ptr);
  SecureWipe(block, kHeaderSize + SizeOf(ptr));
  std::free(block);
}

Result<SecretJson> SecretJson::Parse(std::string_view text) {
  if (text.empty()) return InvalidArgumentError("SecretString is empty, not a JSON object");
  auto doc = std::make_unique<JsonDocument>();
  // Iterative parsing bounds the stack on deeply nested input.
  doc->Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                     text.size());
  if (doc->HasParseError()) {
    return InvalidArgumentError(std::string("SecretString is not valid JSON: ") +
                                rapidjson::GetParseError_En(doc->GetParseError()) + " at offset " +
                                std::to_string(doc->GetErrorOffset()));
  }
  if (!doc->IsObject()) return InvalidArgumentError("SecretString is not a JSON object");
  std::unordered_set<std::string_view> names;
  for (const auto& m : doc->GetObject()) {
    if (!names.emplace(m.name.GetString(), m.name.GetStringLength()).second) {
      // Two members of one name are ambiguous: which password would be the real one?
      return InvalidArgumentError("SecretString has a duplicate member name");
    }
  }
  return SecretJson(std::move(doc));
}

const JsonValue* SecretJson::Find(std::string_view name) const {
  const auto key = rapidjson::StringRef(name.data(), name.size());
  auto it = doc_->FindMember(JsonValue(key));
  return it == doc_->MemberEnd() ? nullptr : &it->value;
}

void SecretJson::SetString(std::string_view name, std::string_view value) {
  auto& allocator = doc_->GetAllocator();
  const auto size = static_cast<rapidjson::SizeType>(value.size());
  auto it = doc_->FindMember(JsonValue(rapidjson::StringRef(name.data(), name.size())));
  if (it != doc_->MemberEnd()) {
    it->value.SetString(value.data(), size, allocator);
    return;
  }
  JsonValue key(name.data(), static_cast<rapidjson::SizeType>(name.size()), allocator);
  JsonValue member(value.data(), size, allocator);
  doc_->AddMember(key, member, allocator);
}

SecretBytes SecretJson::Serialize() const {
  rapidjson::GenericStringBuffer<rapidjson::UTF8<>, WipingAllocator> buffer;
  rapidjson::Writer<decltype(buffer), rapidjson::UTF8<>, rapidjson::UTF8<>, WipingAllocator> writer(
      buffer);
  doc_->Accept(writer);
  return SecretBytes::CopyFrom(std::string_view(buffer.GetString(), buffer.GetSize()));
}

}  // namespace coffer::rotation_functions::internal
