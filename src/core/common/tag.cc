#include "core/common/tag.h"

#include <algorithm>

namespace coffer::core {

void MergeTags(Tags& tags, const Tags& added) {
  for (const Tag& t : added) {
    auto it = std::find_if(tags.begin(), tags.end(), [&](const Tag& x) { return x.key == t.key; });
    if (it != tags.end()) {
      it->value = t.value;
    } else {
      tags.push_back(t);
    }
  }
}

void RemoveTags(Tags& tags, const std::vector<std::string>& keys) {
  std::erase_if(
      tags, [&](const Tag& t) { return std::find(keys.begin(), keys.end(), t.key) != keys.end(); });
}

}  // namespace coffer::core
