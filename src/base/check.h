#ifndef COFFER_BASE_CHECK_H_
#define COFFER_BASE_CHECK_H_

namespace coffer::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition, const char* why);
}  // namespace coffer::internal

// Aborts in every build when an invariant breaks and data could be corrupted. Never use it on
// untrusted input: that is an error to return, not a bug.
#define COFFER_CHECK(cond, why)                                                   \
  do {                                                                            \
    if (!(cond)) ::coffer::internal::CheckFailed(__FILE__, __LINE__, #cond, why); \
  } while (false)

#ifndef NDEBUG
#define COFFER_DCHECK(cond, why) COFFER_CHECK(cond, why)
#else
#define COFFER_DCHECK(cond, why) \
  do {                           \
  } while (false)
#endif

#endif  // COFFER_BASE_CHECK_H_
