#ifndef COFFER_BASE_ERROR_CODE_H_
#define COFFER_BASE_ERROR_CODE_H_

#include <string_view>

namespace coffer {

// The canonical google.rpc.Code set, numbered like absl::StatusCode and grpc::StatusCode, so each
// protocol adapter needs one mapping table.
enum class ErrorCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

std::string_view ErrorCodeName(ErrorCode code);

}  // namespace coffer

#endif  // COFFER_BASE_ERROR_CODE_H_
