#include "storage/memory/memory_parameter_store.h"

#include "core/parameters/parameter_name.h"

namespace coffer::storage::memory {

using parameters::Parameter;
using parameters::ParameterRead;
using parameters::ParameterVersion;

Result<std::optional<ParameterRead>> MemoryParameterStore::Read(
    std::string_view path, const parameters::Selector& selector) {
  std::lock_guard lock(mu_);
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return std::optional<ParameterRead>();
  const Entry& e = it->second;
  ParameterRead out{e.parameter, std::nullopt};
  int64_t version = e.parameter.version;
  if (selector.version) {
    version = *selector.version;
  } else if (selector.label) {
    auto l = e.parameter.labels.find(*selector.label);
    version = l == e.parameter.labels.end() ? 0 : l->second;
  }
  auto v = e.versions.find(version);
  if (v != e.versions.end()) out.version = v->second;
  return std::optional<ParameterRead>(std::move(out));
}

Result<std::optional<Parameter>> MemoryParameterStore::Find(std::string_view path) {
  std::lock_guard lock(mu_);
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return std::optional<Parameter>();
  return std::optional<Parameter>(it->second.parameter);
}

Result<std::vector<ParameterVersion>> MemoryParameterStore::History(std::string_view path,
                                                                    int64_t after_version,
                                                                    size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<ParameterVersion> out;
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return out;
  for (auto v = it->second.versions.upper_bound(after_version);
       v != it->second.versions.end() && out.size() < limit; ++v) {
    out.push_back(v->second);
  }
  return out;
}

Result<std::vector<ParameterRead>> MemoryParameterStore::Scan(const parameters::PathScan& scan) {
  std::lock_guard lock(mu_);
  std::vector<ParameterRead> out;
  auto it = scan.after ? by_path_.upper_bound(*scan.after) : by_path_.lower_bound(scan.prefix);
  if (it != by_path_.end() && it->first < scan.prefix) it = by_path_.lower_bound(scan.prefix);
  for (; it != by_path_.end() && out.size() < scan.limit; ++it) {
    if (!it->first.starts_with(scan.prefix)) break;
    if (scan.one_level && parameters::ParentOf(it->first) != scan.prefix) continue;
    ParameterRead r{it->second.parameter, std::nullopt};
    if (scan.with_values) {
      auto v = it->second.versions.find(it->second.parameter.version);
      if (v != it->second.versions.end()) r.version = v->second;
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<void> MemoryParameterStore::Create(const Parameter& parameter,
                                          const ParameterVersion& first) {
  std::lock_guard lock(mu_);
  if (by_path_.count(parameter.path)) return AlreadyExistsError("parameter exists");
  Entry e{parameter, {}};
  e.parameter.revision = 1;
  e.versions[first.version] = first;
  by_path_[parameter.path] = std::move(e);
  return Ok();
}

Result<void> MemoryParameterStore::Update(const Parameter& parameter,
                                          const std::vector<ParameterVersion>& new_versions,
                                          const std::vector<int64_t>& deleted_versions) {
  std::lock_guard lock(mu_);
  auto it = by_path_.find(parameter.path);
  if (it == by_path_.end()) return NotFoundError("parameter not found");
  if (it->second.parameter.revision != parameter.revision) {
    return AbortedError("parameter changed");
  }
  for (int64_t v : deleted_versions) it->second.versions.erase(v);
  for (const ParameterVersion& v : new_versions) it->second.versions[v.version] = v;
  it->second.parameter = parameter;
  it->second.parameter.revision = parameter.revision + 1;
  return Ok();
}

Result<void> MemoryParameterStore::Delete(std::string_view path) {
  std::lock_guard lock(mu_);
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return NotFoundError("parameter not found");
  by_path_.erase(it);
  return Ok();
}

}  // namespace coffer::storage::memory
