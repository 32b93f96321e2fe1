#ifndef COFFER_API_AWS_QUERY_QUERY_RESPONSE_H_
#define COFFER_API_AWS_QUERY_QUERY_RESPONSE_H_

#include <string>
#include <string_view>

#include "api/aws_query/query_model.h"
#include "api/aws_query/query_request.h"
#include "api/common/api_error.h"
#include "base/result.h"

namespace coffer::api::aws_query {

// Appends `text` as XML character data: & < > " ' escaped, '\r' as &#xD; (parsers would turn a
// raw one into '\n'), and the code points XML 1.0 cannot carry (other C0 controls, U+FFFE/FFFF)
// as U+FFFD. REQUIRES: `text` is valid UTF-8.
void AppendXmlEscaped(std::string& out, std::string_view text);

// The query protocol's success body for `op`, from the JSON the handler wrote (JsonOut) and the
// operation's output shape:
//   <OpResponse xmlns="ns"><OpResult>...</OpResult>
//   <ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></OpResponse>
// Structure members become elements (by wire name, in model order; absent or null ones are left
// out; members the shape does not know are dropped), lists <member> elements, maps
// <entry><key/><value/></entry>, booleans true/false, timestamps (JSON epoch seconds) ISO 8601
// UTC ("2026-11-22T05:25:40Z", with .mmm when not whole seconds), blobs their base64 text.
// Operations without output get only ResponseMetadata.
// Errors: kInternal when the JSON is not valid or does not fit the shape (a handler bug).
// `json` is wiped afterwards (outputs can carry secret access keys).
Result<std::string> EncodeResponse(std::string& json, const QueryOperation& op,
                                   const ShapeNames& names, std::string_view xml_namespace,
                                   std::string_view request_id);

// <ErrorResponse xmlns="ns"><Error><Type>Sender|Receiver</Type><Code/><Message/></Error>
// <RequestId/></ErrorResponse>; Receiver for 5xx statuses. An empty namespace is left out.
std::string EncodeError(const ApiError& error, std::string_view xml_namespace,
                        std::string_view request_id);

}  // namespace coffer::api::aws_query

#endif  // COFFER_API_AWS_QUERY_QUERY_RESPONSE_H_
