#ifndef COFFER_STORAGE_MEMORY_MEMORY_PARAMETER_STORE_H_
#define COFFER_STORAGE_MEMORY_MEMORY_PARAMETER_STORE_H_

#include <map>
#include <mutex>

#include "base/thread_annotations.h"
#include "core/parameters/parameter_store.h"

namespace coffer::storage::memory {

// A ParameterStore in process memory, for tests. Thread-safe.
class MemoryParameterStore final : public parameters::ParameterStore {
 public:
  Result<std::optional<parameters::ParameterRead>> Read(
      std::string_view path, const parameters::Selector& selector) override;
  Result<std::optional<parameters::Parameter>> Find(std::string_view path) override;
  Result<std::vector<parameters::ParameterVersion>> History(std::string_view path,
                                                            int64_t after_version,
                                                            size_t limit) override;
  Result<std::vector<parameters::ParameterRead>> Scan(const parameters::PathScan& scan) override;
  Result<void> Create(const parameters::Parameter& parameter,
                      const parameters::ParameterVersion& first) override;
  Result<void> Update(const parameters::Parameter& parameter,
                      const std::vector<parameters::ParameterVersion>& new_versions,
                      const std::vector<int64_t>& deleted_versions) override;
  Result<void> Delete(std::string_view path) override;

 private:
  struct Entry {
    parameters::Parameter parameter;
    std::map<int64_t, parameters::ParameterVersion> versions;
  };
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> by_path_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::storage::memory

#endif  // COFFER_STORAGE_MEMORY_MEMORY_PARAMETER_STORE_H_
