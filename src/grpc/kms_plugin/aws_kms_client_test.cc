#include "grpc/kms_plugin/aws_kms_client.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <utility>
#include <vector>

#include "base/encoding.h"
#include "base/testing/fake_clock.h"
#include "crypto/openssl/openssl_hashes.h"

namespace coffer::kmsplugin {
namespace {

using std::chrono::milliseconds;

class AwsKmsClientTest : public ::testing::Test {
 protected:
  AwsKmsClientTest()
      : credentials_("AKIAPLUGIN0000000001", SecretBytes::CopyFrom(std::string_view("s3cret")),
                     "session-token"),
        client_(
            AwsKmsClient::Options{"eu-west-1", "coffer.example:8700"},
            [this](const http::Request& req, milliseconds timeout) -> Result<http::Response> {
              requests_.push_back(req);
              timeouts_.push_back(timeout);
              if (!answer_.has_value()) return answer_.error();
              return http::Response{answer_->status, {}, answer_->body, {}, {}};
            },
            credentials_, hashes_, clock_) {}

  void Answer(int status, std::string body) {
    answer_ = http::Response{status, {}, std::move(body), {}, {}};
  }

  StaticCredentialsProvider credentials_;
  crypto::OpensslHashes hashes_;
  testing::FakeClock clock_{FromUnixMillis(1'790'000'000'000)};
  AwsKmsClient client_;
  std::vector<http::Request> requests_;
  std::vector<milliseconds> timeouts_;
  Result<http::Response> answer_ = http::Response{};
};

TEST_F(AwsKmsClientTest, EncryptSendsASignedTrentServiceCall) {
  Answer(
      200,
      R"({"CiphertextBlob":"AQID","KeyId":"arn:aws:kms:eu-west-1:1:key/k","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"})");
  auto r = client_.Encrypt("alias/k8s", "seed", {{"coffer:purpose", "kubernetes-kms-v2"}},
                           milliseconds(1500));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->blob, std::string("\x01\x02\x03"));
  EXPECT_EQ(r->key_arn, "arn:aws:kms:eu-west-1:1:key/k");

  ASSERT_EQ(requests_.size(), 1u);
  const http::Request& req = requests_[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/");
  EXPECT_EQ(req.HeaderValue("host"), "coffer.example:8700");
  EXPECT_EQ(req.HeaderValue("x-amz-target"), "TrentService.Encrypt");
  EXPECT_EQ(req.HeaderValue("content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(req.HeaderValue("x-amz-security-token"), "session-token");
  EXPECT_EQ(req.HeaderValue("x-amz-date"), FormatAmzDate(clock_.Now()));
  std::string_view auth = req.HeaderValue("authorization");
  EXPECT_TRUE(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIAPLUGIN0000000001/" +
                               FormatAmzDay(clock_.Now()) + "/eu-west-1/kms/aws4_request"))
      << auth;
  EXPECT_LE(timeouts_[0], milliseconds(1500));
  EXPECT_GT(timeouts_[0], milliseconds(1000));
  // The body went out wiped after sending; what the transport saw was the JSON.
  rapidjson::Document doc;
  doc.Parse(req.body.c_str());
  ASSERT_TRUE(doc.IsObject()) << req.body;
  EXPECT_STREQ(doc["KeyId"].GetString(), "alias/k8s");
  EXPECT_STREQ(doc["Plaintext"].GetString(), Base64Encode(std::string_view("seed")).c_str());
  EXPECT_STREQ(doc["EncryptionContext"]["coffer:purpose"].GetString(), "kubernetes-kms-v2");
}

TEST_F(AwsKmsClientTest, DecryptNamesTheKeyAndReturnsThePlaintext) {
  Answer(200, R"({"Plaintext":"c2VlZA==","KeyId":"arn:aws:kms:eu-west-1:1:key/k"})");
  auto r = client_.Decrypt("arn:aws:kms:eu-west-1:1:key/k", std::string("\x01\x02", 2), {},
                           milliseconds(1000));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->plaintext.view(), "seed");
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0].HeaderValue("x-amz-target"), "TrentService.Decrypt");
  rapidjson::Document doc;
  doc.Parse(requests_[0].body.c_str());
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["KeyId"].GetString(), "arn:aws:kms:eu-west-1:1:key/k");
  EXPECT_STREQ(doc["CiphertextBlob"].GetString(), "AQI=");
  EXPECT_FALSE(doc.HasMember("EncryptionContext"));
}

TEST_F(AwsKmsClientTest, MapsKmsErrorsToCanonicalCodes) {
  struct Case {
    int status;
    const char* type;
    ErrorCode want;
  };
  for (const Case& c : {
           Case{400, "NotFoundException", ErrorCode::kNotFound},
           Case{400, "DisabledException", ErrorCode::kFailedPrecondition},
           Case{400, "KMSInvalidStateException", ErrorCode::kFailedPrecondition},
           Case{400, "InvalidCiphertextException", ErrorCode::kInvalidArgument},
           Case{400, "com.amazonaws.kms#IncorrectKeyException:http://x",
                ErrorCode::kInvalidArgument},
           Case{400, "AccessDeniedException", ErrorCode::kPermissionDenied},
           Case{400, "UnrecognizedClientException", ErrorCode::kUnauthenticated},
           Case{400, "InvalidSignatureException", ErrorCode::kUnauthenticated},
           Case{400, "ThrottlingException", ErrorCode::kResourceExhausted},
           Case{503, "ServiceUnavailableException", ErrorCode::kUnavailable},
           Case{500, "KMSInternalException", ErrorCode::kUnavailable},
           Case{400, "SomethingNewException", ErrorCode::kUnknown},
       }) {
    Answer(c.status, std::string(R"({"__type":")") + c.type + R"(","message":"because"})");
    auto r = client_.Encrypt("k", "p", {}, milliseconds(1000));
    ASSERT_FALSE(r.has_value()) << c.type;
    EXPECT_EQ(r.error().code, c.want) << c.type;
    EXPECT_NE(r.error().message.find("because"), std::string::npos) << r.error().message;
  }
  Answer(502, "<html>proxy error</html>");
  auto gateway = client_.Decrypt("k", "b", {}, milliseconds(1000));
  ASSERT_FALSE(gateway.has_value());
  EXPECT_EQ(gateway.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(gateway.error().message, "HTTP 502");
}

TEST_F(AwsKmsClientTest, TransportFailuresPassThrough) {
  answer_ = UnavailableError("cannot connect to http://127.0.0.1:1: Connection refused");
  auto r = client_.Encrypt("k", "p", {}, milliseconds(1000));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("Connection refused"), std::string::npos);
}

TEST_F(AwsKmsClientTest, MalformedSuccessIsInternal) {
  for (const char* body :
       {"", "[]", R"({"KeyId":"k"})", R"({"CiphertextBlob":"!!","KeyId":"k"})",
        R"({"CiphertextBlob":"AQID","KeyId":""})", R"({"CiphertextBlob":"","KeyId":"k"})"}) {
    Answer(200, body);
    auto r = client_.Encrypt("k", "p", {}, milliseconds(1000));
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kInternal) << body;
  }
}

}  // namespace
}  // namespace coffer::kmsplugin
