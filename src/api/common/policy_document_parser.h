#ifndef COFFER_API_COMMON_POLICY_DOCUMENT_PARSER_H_
#define COFFER_API_COMMON_POLICY_DOCUMENT_PARSER_H_

#include <cstddef>
#include <string_view>

#include "base/result.h"
#include "core/policy/policy.h"

namespace coffer::api {

// The JSON side of IAM policy documents: RapidJSON parses (iteratively, validating UTF-8, depth
// bounded, so no input can exhaust the stack), this class checks the wire syntax — JSON types,
// unknown and duplicate fields — and core/policy's PolicyBuilder checks and compiles the rest.
// Stateless and thread-safe.
//
// Parse errors: kInvalidArgument with reason policy::reason::kMalformedPolicy and a message that
// names the statement and field ("Statement[1] (Sid \"Read\"): Unknown field Actions"); documents
// over kMaxDocumentBytes or nested deeper than kMaxDepth are rejected the same way.
class JsonPolicyParser final : public policy::PolicyParser {
 public:
  // AWS's largest policy documents: KMS key policies, 32 KiB; Coffer allows some headroom.
  static constexpr size_t kMaxDocumentBytes = 128 * 1024;
  // The grammar needs six levels (policy, Statement, statement, Condition, operator, values).
  static constexpr unsigned kMaxDepth = 16;

  Result<policy::PolicyPtr> Parse(std::string_view document,
                                  policy::PolicyKind kind) const override;
};

}  // namespace coffer::api

#endif  // COFFER_API_COMMON_POLICY_DOCUMENT_PARSER_H_
