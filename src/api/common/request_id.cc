#include "api/common/request_id.h"

#include <cstring>

#include "base/uuid.h"

namespace coffer::api {

std::string NewRequestId(crypto::Random& random) {
  thread_local UuidBytes base{};
  thread_local uint64_t counter = 0;
  if (counter == 0) random.Fill(base);
  ++counter;
  UuidBytes id = base;
  uint64_t low;
  std::memcpy(&low, id.data() + 8, sizeof low);
  low += counter;
  std::memcpy(id.data() + 8, &low, sizeof low);
  return FormatUuidV4(id);
}

}  // namespace coffer::api
