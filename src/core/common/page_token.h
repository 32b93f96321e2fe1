#ifndef COFFER_CORE_COMMON_PAGE_TOKEN_H_
#define COFFER_CORE_COMMON_PAGE_TOKEN_H_

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coffer::core {

// Opaque pagination tokens (NextToken): base64url of fields joined by '\x1f'. The first field
// names the listing ("ls1", "gp1"…) so a token from one listing is refused by another.
std::string EncodePageToken(std::initializer_list<std::string_view> fields);
// The fields of `token`, or nullopt unless it decodes to exactly `fields` fields starting with
// `kind`. The caller reports its own error.
std::optional<std::vector<std::string>> DecodePageToken(std::string_view token,
                                                        std::string_view kind, size_t fields);

}  // namespace coffer::core

#endif  // COFFER_CORE_COMMON_PAGE_TOKEN_H_
