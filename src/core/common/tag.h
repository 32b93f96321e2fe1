#ifndef COFFER_CORE_COMMON_TAG_H_
#define COFFER_CORE_COMMON_TAG_H_

#include <string>
#include <vector>

namespace coffer::core {

// A resource tag (secrets, keys, parameters, IAM entities).
struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};
using Tags = std::vector<Tag>;

// Adds or overwrites `added` into `tags`, keeping first-insertion order.
void MergeTags(Tags& tags, const Tags& added);
// Removes every tag whose key is in `keys`.
void RemoveTags(Tags& tags, const std::vector<std::string>& keys);

}  // namespace coffer::core

#endif  // COFFER_CORE_COMMON_TAG_H_
