#include "grpc/kms_plugin/key_id.h"

#include <gtest/gtest.h>

#include "core/keys/ciphertext_blob.h"

namespace coffer::kmsplugin {
namespace {

constexpr char kArn[] =
    "arn:aws:kms:us-east-1:123456789012:key/0b6e1122-3344-4555-8677-8899aabbcc9f";

std::string Blob(const UuidBytes& key, uint32_t version) {
  keys::CiphertextBlob b;
  b.key_id = key;
  b.material_version = version;
  b.nonce = std::string(12, 'n');
  b.ciphertext_and_tag = std::string(48, 'c');
  return b.Serialize();
}

UuidBytes KeyUuid() { return *ParseUuid("0b6e1122-3344-4555-8677-8899aabbcc9f"); }

TEST(KeyIdTest, IsTheArnAndTheMaterialVersion) {
  KeyId id{kArn, KeyUuid(), 7};
  EXPECT_EQ(id.ToString(), std::string(kArn) + ":v7");
}

TEST(KeyIdTest, ParseRoundTrips) {
  auto id = KeyId::Parse(std::string(kArn) + ":v42");
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(id->key_arn, kArn);
  EXPECT_EQ(id->key_uuid, KeyUuid());
  EXPECT_EQ(id->material_version, 42u);
  EXPECT_EQ(id->ToString(), std::string(kArn) + ":v42");
  auto cn = KeyId::Parse(
      "arn:aws-cn:kms:cn-north-1:123456789012:key/0b6e1122-3344-4555-8677-8899aabbcc9f:v1");
  EXPECT_TRUE(cn.has_value());
}

TEST(KeyIdTest, ParseRejectsWhatThePluginNeverIssues) {
  std::string arn = kArn;
  for (const std::string& bad : {
           std::string(),
           arn,
           arn + ":v",
           arn + ":v0",
           arn + ":v01",
           arn + ":v1x",
           arn + ":v-1",
           arn + ":v4294967296",
           arn + ":v99999999999",
           std::string("arn:aws:kms:us-east-1:123456789012:alias/k8s:v1"),
           std::string("arn:aws:s3:us-east-1:123456789012:key/0b6e1122-3344-4555-8677-"
                       "8899aabbcc9f:v1"),
           std::string("arn:aws:kms:us-east-1:123456789012:key/not-a-uuid:v1"),
           std::string("1234abcd-12ab-34cd-56ef-1234567890ab:v1"),
           arn + ":v1" + std::string(1024, '1'),
       }) {
    auto id = KeyId::Parse(bad);
    ASSERT_FALSE(id.has_value()) << bad;
    EXPECT_EQ(id.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(KeyId::Parse(arn + ":v4294967295").has_value());
}

TEST(KeyIdTest, OfCiphertextTakesTheVersionFromTheBlob) {
  auto id = KeyIdOfCiphertext(kArn, Blob(KeyUuid(), 3));
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(id->ToString(), std::string(kArn) + ":v3");
}

TEST(KeyIdTest, OfCiphertextRefusesABlobOfAnotherKeyOrNoBlob) {
  UuidBytes other = KeyUuid();
  other[0] ^= 1;
  auto wrong = KeyIdOfCiphertext(kArn, Blob(other, 1));
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(KeyIdOfCiphertext(kArn, "short").has_value());
  EXPECT_FALSE(KeyIdOfCiphertext("alias/k8s", Blob(KeyUuid(), 1)).has_value());
}

TEST(KeyIdTest, CheckCiphertextMatchesKeyAndVersion) {
  KeyId id{kArn, KeyUuid(), 2};
  EXPECT_TRUE(CheckCiphertextMatches(id, Blob(KeyUuid(), 2)).has_value());
  auto old_version = CheckCiphertextMatches(id, Blob(KeyUuid(), 1));
  ASSERT_FALSE(old_version.has_value());
  EXPECT_EQ(old_version.error().code, ErrorCode::kInvalidArgument);
  UuidBytes other = KeyUuid();
  other[15] ^= 1;
  EXPECT_FALSE(CheckCiphertextMatches(id, Blob(other, 2)).has_value());
  std::string flipped = Blob(KeyUuid(), 2);
  flipped[0] = 2;  // another format byte
  EXPECT_FALSE(CheckCiphertextMatches(id, flipped).has_value());
}

}  // namespace
}  // namespace coffer::kmsplugin
