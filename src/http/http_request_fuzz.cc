// Fuzzes HTTP/1.1 request parsing as the server does it: Beast's parser with the server's head
// and body limits, then the conversion into http::Request. Any byte string must parse, be
// refused, or need more input; never crash, hang or read out of bounds.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <cstdlib>

#include "http/internal/request_conversion.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace bhttp = boost::beast::http;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(1 << 20);
  parser.header_limit(16 << 10);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = 0;
  // Feed the bytes as the socket might deliver them, in two uneven pieces.
  size_t first = size / 3;
  used += parser.put(boost::asio::buffer(data, first), ec);
  if ((!ec || ec == bhttp::error::need_more) && !parser.is_done() && used < size) {
    ec = {};
    used += parser.put(boost::asio::buffer(data + used, size - used), ec);
  }
  if (used > size) std::abort();
  if (parser.is_done()) {
    coffer::http::Request out;
    auto message = parser.release();
    coffer::http::internal::ToRequest(message, out);
    for (const auto& h : out.headers) {
      for (char c : h.name) {
        if (c >= 'A' && c <= 'Z') std::abort();  // names must be lower case
      }
    }
    (void)out.Path();
    (void)out.Query();
  }
  return 0;
}
