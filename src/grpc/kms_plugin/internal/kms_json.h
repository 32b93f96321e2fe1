#ifndef COFFER_GRPC_KMS_PLUGIN_INTERNAL_KMS_JSON_H_
#define COFFER_GRPC_KMS_PLUGIN_INTERNAL_KMS_JSON_H_

#include <string>
#include <string_view>

#include "base/result.h"
#include "grpc/kms_plugin/kms.h"

// The awsJson1_1 bodies of KMS Encrypt and Decrypt, as AwsKmsClient sends and reads them.
namespace coffer::kmsplugin::internal {

// {"KeyId":…,"Plaintext":<base64>,"EncryptionContext":{…}}. The caller wipes the result.
std::string EncryptRequestBody(std::string_view key_ref, std::string_view plaintext,
                               const EncryptionContext& context);
// {"KeyId":…,"CiphertextBlob":<base64>,"EncryptionContext":{…}}.
std::string DecryptRequestBody(std::string_view key_ref, std::string_view blob,
                               const EncryptionContext& context);

// A 200 answer to Encrypt: CiphertextBlob (base64) and KeyId. kInternal when malformed.
Result<KmsCiphertext> ParseEncryptResponse(std::string_view body);
// A 200 answer to Decrypt: Plaintext (base64) and KeyId. kInternal when malformed.
Result<KmsPlaintext> ParseDecryptResponse(std::string_view body);
// Any other answer: the error `__type` (as botocore reads it: after '#', before ':') and
// message mapped to a canonical code (see Kms in kms.h). The message is "<type>: <message>",
// cut to printable ASCII.
Error ParseErrorResponse(int http_status, std::string_view body);

}  // namespace coffer::kmsplugin::internal

#endif  // COFFER_GRPC_KMS_PLUGIN_INTERNAL_KMS_JSON_H_
