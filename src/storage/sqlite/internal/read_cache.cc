#include "storage/sqlite/internal/read_cache.h"

namespace coffer::storage::sqlite::internal {

std::string ReadCacheKey(std::string_view name, std::string_view version_id,
                         std::string_view stage) {
  std::string key;
  key.reserve(name.size() + version_id.size() + stage.size() + 2);
  key.append(name).push_back('\0');
  key.append(version_id).push_back('\0');
  key.append(stage);
  return key;
}

}  // namespace coffer::storage::sqlite::internal
