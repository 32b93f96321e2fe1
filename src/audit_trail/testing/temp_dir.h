#ifndef COFFER_AUDIT_TRAIL_TESTING_TEMP_DIR_H_
#define COFFER_AUDIT_TRAIL_TESTING_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/check.h"

namespace coffer::audit_trail::testing {

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "coffer-audit-XXXXXX").string();
    COFFER_CHECK(::mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::filesystem::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

// The lines of `p` without their newlines (a trailing partial line included).
inline std::vector<std::string> ReadLines(const std::filesystem::path& p) {
  std::vector<std::string> lines;
  std::stringstream ss(ReadFile(p));
  std::string line;
  while (std::getline(ss, line)) lines.push_back(line);
  return lines;
}

inline void WriteLines(const std::filesystem::path& p, const std::vector<std::string>& lines) {
  std::string data;
  for (const std::string& l : lines) data += l + "\n";
  WriteFile(p, data);
}

// The trail files in `dir`, sorted by name (= sequence order).
inline std::vector<std::filesystem::path> TrailFiles(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".jsonl") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace coffer::audit_trail::testing

#endif  // COFFER_AUDIT_TRAIL_TESTING_TEMP_DIR_H_
