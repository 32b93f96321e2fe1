#ifndef COFFER_API_COMMON_REQUEST_ID_H_
#define COFFER_API_COMMON_REQUEST_ID_H_

#include <string>

#include "crypto/random.h"

namespace coffer::api {

// A UUID-shaped request id, unique within the process and unpredictable across processes: each
// thread draws 16 random bytes once and then counts, so a request costs no call into the RNG.
std::string NewRequestId(crypto::Random& random);

}  // namespace coffer::api

#endif  // COFFER_API_COMMON_REQUEST_ID_H_
