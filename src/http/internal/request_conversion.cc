#include "http/internal/request_conversion.h"

namespace coffer::http::internal {

void ToRequest(boost::beast::http::request<boost::beast::http::string_body>& in, Request& out) {
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  out.headers.reserve(16);
  for (const auto& f : in) {
    std::string name(f.name_string());
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    out.headers.push_back({std::move(name), std::string(f.value())});
  }
  out.body = std::move(in.body());
}

}  // namespace coffer::http::internal
