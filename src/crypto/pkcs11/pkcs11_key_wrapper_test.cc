#include "crypto/pkcs11/pkcs11_key_wrapper.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "crypto/openssl/openssl_random.h"

namespace coffer::crypto {
namespace {

// Debian's softhsm2 package (installed by scripts/setup).
std::string ModulePath() {
  const char* env = std::getenv("COFFER_TEST_PKCS11_MODULE");
  return env != nullptr ? env : "/usr/lib/softhsm/libsofthsm2.so";
}

constexpr char kPin[] = "1234-user-pin";
constexpr char kToken[] = "coffer-unit";

// One SoftHSM2 token in a temporary directory for the whole suite: SOFTHSM2_CONF points at a
// config whose tokendir is private to this test binary.
class Pkcs11KeyWrapperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/coffer-softhsm-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::filesystem::path(tmpl);
    std::filesystem::create_directory(*dir_ / "tokens");
    std::ofstream conf(*dir_ / "softhsm2.conf");
    conf << "directories.tokendir = " << (*dir_ / "tokens").string() << "\n"
         << "objectstore.backend = file\nlog.level = ERROR\n";
    conf.close();
    setenv("SOFTHSM2_CONF", (*dir_ / "softhsm2.conf").c_str(), 1);
    std::string cmd = std::string("softhsm2-util --init-token --free --label ") + kToken +
                      " --pin " + kPin + " --so-pin 5678-so-pin >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "softhsm2-util failed (is softhsm2 installed?)";
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }

  Result<std::unique_ptr<Pkcs11KeyWrapper>> OpenWith(std::string key_label, std::string pin = kPin,
                                                     std::string token = kToken) {
    return Pkcs11KeyWrapper::Open({ModulePath(), std::move(token), std::move(key_label)},
                                  SecretBytes::CopyFrom(pin), random_);
  }

  static SecretBytes RootKey() { return SecretBytes::CopyFrom(std::string(32, '\x5a')); }

  static std::filesystem::path* dir_;
  OpensslRandom random_;
};

std::filesystem::path* Pkcs11KeyWrapperTest::dir_ = nullptr;

TEST_F(Pkcs11KeyWrapperTest, WrapThenUnwrapRoundTrips) {
  auto w = OpenWith("round-trip");
  ASSERT_TRUE(w.has_value()) << w.error().message;
  ASSERT_TRUE((*w)->FindKey(/*create=*/true).has_value());
  auto wrapped = (*w)->Wrap(RootKey());
  ASSERT_TRUE(wrapped.has_value()) << wrapped.error().message;
  EXPECT_EQ(wrapped->size(), 1u + 12 + 32 + 16);
  EXPECT_EQ(wrapped->find(std::string(32, '\x5a')), std::string::npos);
  auto unwrapped = (*w)->Unwrap(*wrapped);
  ASSERT_TRUE(unwrapped.has_value()) << unwrapped.error().message;
  EXPECT_TRUE(unwrapped->Equals(RootKey().span()));
}

TEST_F(Pkcs11KeyWrapperTest, TheKeyPersistsOnTheTokenAcrossSessions) {
  std::string wrapped;
  {
    auto w = OpenWith("persistent");
    ASSERT_TRUE(w.has_value());
    ASSERT_TRUE((*w)->FindKey(true).has_value());
    wrapped = (*w)->Wrap(RootKey()).value();
  }
  auto w = OpenWith("persistent");
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->FindKey(/*create=*/false).has_value());
  auto unwrapped = (*w)->Unwrap(wrapped);
  ASSERT_TRUE(unwrapped.has_value()) << unwrapped.error().message;
  EXPECT_TRUE(unwrapped->Equals(RootKey().span()));
}

TEST_F(Pkcs11KeyWrapperTest, WrappingIsRandomised) {
  auto w = OpenWith("randomised");
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->FindKey(true).has_value());
  EXPECT_NE((*w)->Wrap(RootKey()).value(), (*w)->Wrap(RootKey()).value());
}

TEST_F(Pkcs11KeyWrapperTest, EveryFlippedByteFailsToUnwrap) {
  auto w = OpenWith("tamper");
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->FindKey(true).has_value());
  std::string wrapped = (*w)->Wrap(RootKey()).value();
  for (size_t i = 0; i < wrapped.size(); ++i) {
    std::string t = wrapped;
    t[i] = static_cast<char>(t[i] ^ 0x01);
    auto r = (*w)->Unwrap(t);
    ASSERT_FALSE(r.has_value()) << "byte " << i;
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss) << "byte " << i << ": " << r.error().message;
  }
  EXPECT_EQ((*w)->Unwrap(wrapped.substr(1)).error().code, ErrorCode::kDataLoss);
  EXPECT_EQ((*w)->Unwrap("").error().code, ErrorCode::kDataLoss);
}

TEST_F(Pkcs11KeyWrapperTest, AnotherHsmKeyCannotUnwrap) {
  std::string wrapped;
  {
    auto a = OpenWith("key-a");
    ASSERT_TRUE(a.has_value());
    ASSERT_TRUE((*a)->FindKey(true).has_value());
    wrapped = (*a)->Wrap(RootKey()).value();
  }
  auto b = OpenWith("key-b");
  ASSERT_TRUE(b.has_value());
  ASSERT_TRUE((*b)->FindKey(true).has_value());
  auto r = (*b)->Unwrap(wrapped);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
}

TEST_F(Pkcs11KeyWrapperTest, WrongPinIsPermissionDeniedAndNotEchoed) {
  auto w = OpenWith("any", "not-the-pin-9876");
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.error().message.find("not-the-pin-9876"), std::string::npos);
}

TEST_F(Pkcs11KeyWrapperTest, UnknownTokenIsNotFound) {
  auto w = OpenWith("any", kPin, "no-such-token");
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, ErrorCode::kNotFound);
}

TEST_F(Pkcs11KeyWrapperTest, MissingKeyWithoutCreateIsNotFound) {
  auto w = OpenWith("never-created");
  ASSERT_TRUE(w.has_value());
  auto r = (*w)->FindKey(/*create=*/false);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*w)->Wrap(RootKey()).error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(Pkcs11KeyWrapperTest, ModuleThatIsNotThereIsFailedPrecondition) {
  auto w = Pkcs11KeyWrapper::Open({"/nonexistent/libnothing.so", kToken, "k"},
                                  SecretBytes::CopyFrom(std::string(kPin)), random_);
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, ErrorCode::kFailedPrecondition);
  // A library that is not a PKCS#11 module.
  auto not_p11 = Pkcs11KeyWrapper::Open({"libc.so.6", kToken, "k"},
                                        SecretBytes::CopyFrom(std::string(kPin)), random_);
  ASSERT_FALSE(not_p11.has_value());
  EXPECT_EQ(not_p11.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(Pkcs11KeyWrapperTest, RejectsBadArguments) {
  EXPECT_EQ(OpenWith("").error().code, ErrorCode::kInvalidArgument);
  auto w = OpenWith("args");
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE((*w)->FindKey(true).has_value());
  EXPECT_EQ((*w)->Wrap(SecretBytes::CopyFrom(std::string(16, 'x'))).error().code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace coffer::crypto
