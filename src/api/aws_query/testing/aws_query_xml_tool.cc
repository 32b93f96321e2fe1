// A test helper for botocore_parse_test.py: runs the query protocol's encoder and decoder on
// stdin, so botocore itself can check both directions of the wire format.
//   aws_query_xml_tool response <iam|sts> <Operation>   stdin: the handler's JSON output
//   aws_query_xml_tool error <status> <code> <xmlns>     stdin: the message
//   aws_query_xml_tool decode <iam|sts>                  stdin: a form body (Action=...&...)
// Prints the XML (or, for decode, the JSON the handler would read); exit status 1 and the error
// on stdout when the input is refused.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iostream>
#include <iterator>
#include <string>
#include <string_view>

#include "api/aws_query/query_model.h"
#include "api/aws_query/query_request.h"
#include "api/aws_query/query_response.h"

namespace {

using namespace coffer::api::aws_query;  // NOLINT(google-build-using-namespace): a test tool.

const QueryModel* ModelNamed(std::string_view name) {
  if (name == "iam") return &IamModel();
  if (name == "sts") return &StsModel();
  return nullptr;
}

int Usage() {
  std::cerr << "usage: aws_query_xml_tool response <iam|sts> <Operation> | error <status> <code> "
               "<xmlns> | decode <iam|sts>\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  std::string_view mode = argv[1];
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (mode == "error" && argc == 5) {
    coffer::api::ApiError e{std::stoi(argv[2]), argv[3], input, false};
    std::cout << EncodeError(e, argv[4], "req-0001");
    return 0;
  }
  const QueryModel* model = ModelNamed(argv[2]);
  if (model == nullptr) return Usage();
  if (mode == "response" && argc == 4) {
    const QueryOperation* op = model->Find(argv[3]);
    if (op == nullptr) return Usage();
    auto xml = EncodeResponse(input, *op, ShapeNames(*model), model->xml_namespace, "req-0001");
    if (!xml.has_value()) {
      std::cout << xml.error().message;
      return 1;
    }
    std::cout << *xml;
    return 0;
  }
  if (mode == "decode" && argc == 3) {
    auto parsed = ParseForm(input);
    if (auto* err = std::get_if<coffer::api::ApiError>(&parsed)) {
      std::cout << err->code << ": " << err->message;
      return 1;
    }
    const auto& params = std::get<std::vector<FormParam>>(parsed);
    const QueryOperation* op = nullptr;
    for (const FormParam& p : params) {
      if (p.name == "Action") op = model->Find(p.value);
    }
    if (op == nullptr) return Usage();
    rapidjson::Document doc;
    if (auto err = DecodeInput(params, op->input, ShapeNames(*model), doc)) {
      std::cout << err->code << ": " << err->message;
      return 1;
    }
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    doc.Accept(w);
    std::cout << sb.GetString();
    return 0;
  }
  return Usage();
}
