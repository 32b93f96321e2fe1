#ifndef COFFER_STORAGE_SQLITE_INTERNAL_JSON_CODEC_H_
#define COFFER_STORAGE_SQLITE_INTERNAL_JSON_CODEC_H_

#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "core/common/tag.h"

// Column encodings for small structured values (tags, staging labels).
namespace coffer::storage::sqlite::internal {

std::string EncodeTags(const core::Tags& tags);
Result<core::Tags> DecodeTags(const std::string& json);
std::string EncodeStringMap(const std::map<std::string, std::string>& m);
Result<std::map<std::string, std::string>> DecodeStringMap(const std::string& json);

}  // namespace coffer::storage::sqlite::internal

#endif  // COFFER_STORAGE_SQLITE_INTERNAL_JSON_CODEC_H_
