#ifndef COFFER_API_COMMON_API_ERROR_H_
#define COFFER_API_COMMON_API_ERROR_H_

#include <string>

namespace coffer::api {

// An error as a wire protocol reports it: HTTP status, AWS error code, message.
struct ApiError {
  int status = 400;
  std::string code;
  std::string message;
  // AWS's authentication layer spells the member "message"; services spell it "Message".
  bool lowercase_message = false;
};

}  // namespace coffer::api

#endif  // COFFER_API_COMMON_API_ERROR_H_
