#include "grpc/kms_plugin/kms_v2_service.h"

#include <algorithm>
#include <map>
#include <string>

namespace coffer::kmsplugin {
namespace {

using std::chrono::milliseconds;

// Left for the answer to reach the caller after the work is done.
constexpr milliseconds kReplyMargin{100};

}  // namespace

::grpc::Status ToGrpcStatus(const Error& error) {
  return ::grpc::Status(static_cast<::grpc::StatusCode>(static_cast<int>(error.code)),
                        error.message);
}

milliseconds Budget(const ::grpc::ServerContext& context, milliseconds cap) {
  auto deadline = context.deadline();  // system_clock; far future when the caller set none
  auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::system_clock::now());
  return std::clamp(left - kReplyMargin, milliseconds(0), cap);
}

::grpc::Status KmsV2Service::Status(::grpc::ServerContext* context, const v2::StatusRequest*,
                                    v2::StatusResponse* response) {
  StatusReply reply = plugin_.Status(Budget(*context, plugin_.options().timeout));
  response->set_version(std::move(reply.version));
  response->set_healthz(std::move(reply.healthz));
  response->set_key_id(std::move(reply.key_id));
  return ::grpc::Status::OK;
}

::grpc::Status KmsV2Service::Encrypt(::grpc::ServerContext* context,
                                     const v2::EncryptRequest* request,
                                     v2::EncryptResponse* response) {
  milliseconds budget = Budget(*context, plugin_.options().timeout);
  if (budget.count() == 0) {
    return ::grpc::Status(::grpc::StatusCode::DEADLINE_EXCEEDED, "no time left to call KMS");
  }
  auto reply = plugin_.Encrypt(request->plaintext(), request->uid(), budget);
  if (!reply.has_value()) return ToGrpcStatus(reply.error());
  response->set_ciphertext(std::move(reply->ciphertext));
  response->set_key_id(std::move(reply->key_id));
  for (auto& [k, v] : reply->annotations) (*response->mutable_annotations())[k] = std::move(v);
  return ::grpc::Status::OK;
}

::grpc::Status KmsV2Service::Decrypt(::grpc::ServerContext* context,
                                     const v2::DecryptRequest* request,
                                     v2::DecryptResponse* response) {
  milliseconds budget = Budget(*context, plugin_.options().timeout);
  if (budget.count() == 0) {
    return ::grpc::Status(::grpc::StatusCode::DEADLINE_EXCEEDED, "no time left to call KMS");
  }
  std::map<std::string, std::string> annotations(request->annotations().begin(),
                                                 request->annotations().end());
  DecryptInput in{request->ciphertext(), request->key_id(), &annotations, request->uid()};
  auto plaintext = plugin_.Decrypt(in, budget);
  if (!plaintext.has_value()) return ToGrpcStatus(plaintext.error());
  response->set_plaintext(plaintext->data(), plaintext->size());
  return ::grpc::Status::OK;
}

}  // namespace coffer::kmsplugin
