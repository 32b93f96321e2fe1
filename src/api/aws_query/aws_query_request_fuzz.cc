// Fuzzes the query protocol's request decoder: the input is a form body as IAM and STS clients
// send it. It is parsed (percent-decoding, UTF-8, duplicates, the parameter cap); its Action
// names the IAM or STS operation whose input shape guides decoding and validation (an unknown
// Action falls back to an operation picked by the body's first byte), and any error is encoded
// as an <ErrorResponse>. Must never crash, hang, exhaust memory or the stack.
#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/aws_query/query_model.h"
#include "api/aws_query/query_request.h"
#include "api/aws_query/query_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coffer::api::aws_query;  // NOLINT(google-build-using-namespace): a fuzz harness.
  static const ShapeNames kIamNames(IamModel()), kStsNames(StsModel());
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)FindFormValue(body, "Action");
  auto parsed = ParseForm(body);
  if (auto* err = std::get_if<coffer::api::ApiError>(&parsed)) {
    (void)EncodeError(*err, IamModel().xml_namespace, "fuzz");
    return 0;
  }
  const auto& params = std::get<std::vector<FormParam>>(parsed);
  std::string_view action;
  for (const FormParam& p : params) {
    if (p.name == "Action") action = p.value;
  }
  const QueryModel* model = &IamModel();
  const ShapeNames* names = &kIamNames;
  const QueryOperation* op = model->Find(action);
  if (op == nullptr) {
    model = &StsModel();
    names = &kStsNames;
    op = model->Find(action);
  }
  if (op == nullptr) {
    size_t n = IamModel().operations.size() + StsModel().operations.size();
    size_t i = size == 0 ? 0 : data[0] % n;
    if (i < IamModel().operations.size()) {
      model = &IamModel();
      names = &kIamNames;
      op = &model->operations[i];
    } else {
      op = &model->operations[i - IamModel().operations.size()];
    }
  }
  rapidjson::Document doc;
  if (auto err = DecodeInput(params, op->input, *names, doc)) {
    (void)EncodeError(*err, model->xml_namespace, "fuzz");
  }
  return 0;
}
