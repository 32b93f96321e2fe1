#ifndef COFFER_CORE_PARAMETERS_PARAMETER_STORE_H_
#define COFFER_CORE_PARAMETERS_PARAMETER_STORE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/parameters/parameter.h"

namespace coffer::parameters {

// A range of parameters in path order. Every path under `prefix` ("/", "/a/", or any string
// for a name prefix), or with `one_level` only those whose parent is exactly `prefix` (which
// then ends in '/'). Starts after the path `after`. Implementations answer in time proportional
// to `limit`, whatever the number of parameters (keyset paging on an index).
struct PathScan {
  std::string prefix = "/";
  bool one_level = false;
  std::optional<std::string> after;
  size_t limit = 10;
  bool with_values = false;  // also read each parameter's latest version (with its value)
};

// Persistence port for SSM parameters. Implemented by storage/sqlite and storage/memory; the
// same contract suite runs against each. Writes are durable when they return. Thread-safe.
class ParameterStore {
 public:
  virtual ~ParameterStore() = default;

  // The parameter at `path` and, in the same snapshot, the version the selector names (the
  // latest when it names none). The hot path of GetParameter.
  virtual Result<std::optional<ParameterRead>> Read(std::string_view path,
                                                    const Selector& selector) = 0;
  // Metadata (with tags and labels), without any value.
  virtual Result<std::optional<Parameter>> Find(std::string_view path) = 0;
  // Versions in ascending order after `after_version`, with values.
  virtual Result<std::vector<ParameterVersion>> History(std::string_view path,
                                                        int64_t after_version, size_t limit) = 0;
  // Parameters in path order (see PathScan); `version` is set only with `with_values`.
  virtual Result<std::vector<ParameterRead>> Scan(const PathScan& scan) = 0;

  // Inserts a parameter (stored with revision 1) and its first version. kAlreadyExists if the
  // path is taken.
  virtual Result<void> Create(const Parameter& parameter, const ParameterVersion& first) = 0;
  // Replaces the metadata of `parameter.path` if its stored revision is `parameter.revision`
  // (stored as revision + 1), inserts `new_versions` and deletes `deleted_versions`,
  // atomically. kAborted on a revision mismatch, kNotFound if the parameter is gone.
  virtual Result<void> Update(const Parameter& parameter,
                              const std::vector<ParameterVersion>& new_versions,
                              const std::vector<int64_t>& deleted_versions) = 0;
  // Deletes the parameter and its versions. kNotFound if it does not exist.
  virtual Result<void> Delete(std::string_view path) = 0;
};

}  // namespace coffer::parameters

#endif  // COFFER_CORE_PARAMETERS_PARAMETER_STORE_H_
