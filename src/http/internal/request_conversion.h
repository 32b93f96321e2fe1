#ifndef COFFER_HTTP_INTERNAL_REQUEST_CONVERSION_H_
#define COFFER_HTTP_INTERNAL_REQUEST_CONVERSION_H_

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/message.h"

namespace coffer::http::internal {

// Moves a parsed Beast request into the Boost-free Request handlers see: header names
// lower-cased, arrival order kept, the body moved out.
void ToRequest(boost::beast::http::request<boost::beast::http::string_body>& in, Request& out);

}  // namespace coffer::http::internal

#endif  // COFFER_HTTP_INTERNAL_REQUEST_CONVERSION_H_
