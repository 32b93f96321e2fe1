#include "api/aws_query/query_model.h"

namespace coffer::api::aws_query {

// The generated tables are compiled once, here, so every user shares one copy of each shape.
namespace shapes::iam {
#include "api/aws_query/shapes/iam_shapes.inc"
}  // namespace shapes::iam

namespace shapes::sts {
#include "api/aws_query/shapes/sts_shapes.inc"
}  // namespace shapes::sts

const QueryOperation* QueryModel::Find(std::string_view operation) const {
  for (const QueryOperation& op : operations) {
    if (op.name == operation) return &op;
  }
  return nullptr;
}

const QueryModel& IamModel() { return shapes::iam::kQueryModel; }
const QueryModel& StsModel() { return shapes::sts::kQueryModel; }

}  // namespace coffer::api::aws_query
