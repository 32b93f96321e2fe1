#ifndef COFFER_BASE_RESULT_H_
#define COFFER_BASE_RESULT_H_

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/check.h"
#include "base/error_code.h"

namespace coffer {

// An error: a canonical code, a message for the caller (never secret material, SQL or paths) and
// an optional reason, a stable domain identifier (like google.rpc.ErrorInfo.reason) that lets a
// protocol adapter pick a wire error more precise than the code, e.g. "KEY_DISABLED". `reason`
// must point to static storage.
struct Error {
  ErrorCode code = ErrorCode::kUnknown;
  std::string message;
  std::string_view reason;

  Error() = default;
  Error(ErrorCode c, std::string m, std::string_view r = {})
      : code(c), message(std::move(m)), reason(r) {}
};

// A T or an Error, with std::expected's member names so that a later switch to std::expected is one
// alias. Never throws. Accessing value() of an error (or error() of a value) is a bug and aborts.
template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(const T& value)
      : v_(std::in_place_index<0>, value) {}  // NOLINT(google-explicit-constructor)
  Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}    // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  template <class U, class = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                              !std::is_same_v<std::decay_t<U>, T> &&
                                              !std::is_same_v<std::decay_t<U>, Error> &&
                                              !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value) : v_(std::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    COFFER_CHECK(has_value(), "value() of an error Result");
    return std::get<0>(v_);
  }
  const T& value() const& {
    COFFER_CHECK(has_value(), "value() of an error Result");
    return std::get<0>(v_);
  }
  T&& value() && {
    COFFER_CHECK(has_value(), "value() of an error Result");
    return std::get<0>(std::move(v_));
  }
  const Error& error() const& {
    COFFER_CHECK(!has_value(), "error() of a successful Result");
    return std::get<1>(v_);
  }
  Error&& error() && {
    COFFER_CHECK(!has_value(), "error() of a successful Result");
    return std::get<1>(std::move(v_));
  }
  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const { COFFER_CHECK(ok_, "value() of an error Result"); }
  const Error& error() const& {
    COFFER_CHECK(!ok_, "error() of a successful Result");
    return error_;
  }
  Error&& error() && {
    COFFER_CHECK(!ok_, "error() of a successful Result");
    return std::move(error_);
  }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> Ok() { return {}; }

inline Error InvalidArgumentError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kInvalidArgument, std::move(m), reason};
}
inline Error NotFoundError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kNotFound, std::move(m), reason};
}
inline Error AlreadyExistsError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kAlreadyExists, std::move(m), reason};
}
inline Error PermissionDeniedError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kPermissionDenied, std::move(m), reason};
}
inline Error FailedPreconditionError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kFailedPrecondition, std::move(m), reason};
}
inline Error ResourceExhaustedError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kResourceExhausted, std::move(m), reason};
}
inline Error AbortedError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kAborted, std::move(m), reason};
}
inline Error InternalError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kInternal, std::move(m), reason};
}
inline Error UnavailableError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kUnavailable, std::move(m), reason};
}
inline Error UnauthenticatedError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kUnauthenticated, std::move(m), reason};
}
inline Error DataLossError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kDataLoss, std::move(m), reason};
}
inline Error UnimplementedError(std::string m, std::string_view reason = {}) {
  return {ErrorCode::kUnimplemented, std::move(m), reason};
}

}  // namespace coffer

#define COFFER_INTERNAL_CONCAT2(a, b) a##b
#define COFFER_INTERNAL_CONCAT(a, b) COFFER_INTERNAL_CONCAT2(a, b)

// Returns the error of `expr` (a Result) from the enclosing function if there is one.
#define COFFER_RETURN_IF_ERROR(expr)                    \
  do {                                                  \
    auto coffer_internal_result = (expr);               \
    if (!coffer_internal_result.has_value()) {          \
      return std::move(coffer_internal_result).error(); \
    }                                                   \
  } while (false)

// Evaluates `expr` (a Result<T>); on error returns it, else assigns (or declares) `lhs`.
#define COFFER_ASSIGN_OR_RETURN(lhs, expr) \
  COFFER_INTERNAL_ASSIGN_OR_RETURN(COFFER_INTERNAL_CONCAT(coffer_internal_r_, __LINE__), lhs, expr)
#define COFFER_INTERNAL_ASSIGN_OR_RETURN(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.has_value()) return std::move(tmp).error();   \
  lhs = std::move(tmp).value()

#endif  // COFFER_BASE_RESULT_H_
