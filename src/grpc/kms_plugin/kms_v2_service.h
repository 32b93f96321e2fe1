#ifndef COFFER_GRPC_KMS_PLUGIN_KMS_V2_SERVICE_H_
#define COFFER_GRPC_KMS_PLUGIN_KMS_V2_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "base/result.h"
#include "grpc/kms_plugin/kms_plugin.h"
#include "grpc/proto/kms_v2.grpc.pb.h"

namespace coffer::kmsplugin {

// The gRPC service kube-apiserver calls (/v2.KeyManagementService/{Status,Encrypt,Decrypt}): turns
// requests into KmsPlugin calls bounded by the caller's deadline, and errors into gRPC status codes
// (ErrorCode is numbered like grpc::StatusCode). Thread-safe; `plugin` must outlive it.
class KmsV2Service final : public v2::KeyManagementService::Service {
 public:
  explicit KmsV2Service(KmsPlugin& plugin) : plugin_(plugin) {}

  ::grpc::Status Status(::grpc::ServerContext* context, const v2::StatusRequest* request,
                        v2::StatusResponse* response) override;
  ::grpc::Status Encrypt(::grpc::ServerContext* context, const v2::EncryptRequest* request,
                         v2::EncryptResponse* response) override;
  ::grpc::Status Decrypt(::grpc::ServerContext* context, const v2::DecryptRequest* request,
                         v2::DecryptResponse* response) override;

 private:
  KmsPlugin& plugin_;
};

// The gRPC status for an Error: same code, the error's message.
::grpc::Status ToGrpcStatus(const Error& error);

// The time a handler may spend: what is left of the caller's deadline minus a margin for the
// answer to travel back, and at most `cap`.
std::chrono::milliseconds Budget(const ::grpc::ServerContext& context,
                                 std::chrono::milliseconds cap);

}  // namespace coffer::kmsplugin

#endif  // COFFER_GRPC_KMS_PLUGIN_KMS_V2_SERVICE_H_
