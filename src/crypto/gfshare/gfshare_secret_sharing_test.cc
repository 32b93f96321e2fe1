#include "crypto/gfshare/gfshare_secret_sharing.h"

#include <gtest/gtest.h>

#include <thread>

#include "base/encoding.h"
#include "crypto/testing/fake_random.h"

namespace coffer::crypto {
namespace {

SecretBytes Secret32() {
  std::string s;
  for (int i = 0; i < 32; ++i) s.push_back(static_cast<char>(0xa0 + i));
  return SecretBytes::CopyFrom(s);
}

std::vector<SecretBytes> Pick(const std::vector<SecretBytes>& all, std::vector<size_t> idx) {
  std::vector<SecretBytes> out;
  for (size_t i : idx) out.push_back(all[i].Clone());
  return out;
}

// Multiplication by 2 in GF(2^8) with libgfshare's (and AES's neighbour) polynomial
// x^8 + x^4 + x^3 + x^2 + 1 (0x11d).
uint8_t Times2(uint8_t a) { return static_cast<uint8_t>((a << 1) ^ ((a & 0x80) != 0 ? 0x1d : 0)); }

TEST(GfshareSecretSharingTest, AnyThresholdSubsetRebuildsTheSecret) {
  testing::FakeRandom random(7);
  GfshareSecretSharing sharing(random);
  SecretBytes secret = Secret32();
  auto shares = sharing.Split(secret, 5, 3);
  ASSERT_TRUE(shares.has_value()) << shares.error().message;
  ASSERT_EQ(shares->size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ((*shares)[i].size(), 33u);
    EXPECT_EQ((*shares)[i].data()[0], i + 1);
  }
  for (size_t a = 0; a < 5; ++a) {
    for (size_t b = a + 1; b < 5; ++b) {
      for (size_t c = b + 1; c < 5; ++c) {
        auto combined = sharing.Combine(Pick(*shares, {c, a, b}));
        ASSERT_TRUE(combined.has_value());
        EXPECT_TRUE(combined->Equals(secret.span())) << a << b << c;
      }
    }
  }
  auto all = sharing.Combine(Pick(*shares, {0, 1, 2, 3, 4}));
  ASSERT_TRUE(all.has_value());
  EXPECT_TRUE(all->Equals(secret.span()));
}

TEST(GfshareSecretSharingTest, FewerThanThresholdSharesGiveAWrongSecret) {
  testing::FakeRandom random(11);
  GfshareSecretSharing sharing(random);
  SecretBytes secret = Secret32();
  auto shares = sharing.Split(secret, 5, 3);
  ASSERT_TRUE(shares.has_value());
  auto two = sharing.Combine(Pick(*shares, {0, 3}));
  ASSERT_TRUE(two.has_value());  // no error: the caller must check the result
  EXPECT_FALSE(two->Equals(secret.span()));
}

TEST(GfshareSecretSharingTest, ThresholdMayEqualTheNumberOfShares) {
  testing::FakeRandom random(3);
  GfshareSecretSharing sharing(random);
  SecretBytes secret = Secret32();
  auto shares = sharing.Split(secret, 3, 3);
  ASSERT_TRUE(shares.has_value());
  auto combined = sharing.Combine(Pick(*shares, {2, 0, 1}));
  ASSERT_TRUE(combined.has_value());
  EXPECT_TRUE(combined->Equals(secret.span()));
  auto short_by_one = sharing.Combine(Pick(*shares, {0, 1}));
  ASSERT_TRUE(short_by_one.has_value());
  EXPECT_FALSE(short_by_one->Equals(secret.span()));
}

// Known answer: for threshold 2, share(x) = c*x + secret over GF(2^8). Shares made by hand for
// x = 1 and x = 2 must combine to the secret, so the field and share format match gfsplit's.
TEST(GfshareSecretSharingTest, CombinesHandMadeThreshold2Shares) {
  testing::FakeRandom random(1);
  GfshareSecretSharing sharing(random);
  std::string secret = "coffer";
  std::string coeff = "\x01\x80\xff\x10\x57\xc3";
  std::string s1(1, '\x01'), s2(1, '\x02');
  for (size_t i = 0; i < secret.size(); ++i) {
    auto c = static_cast<uint8_t>(coeff[i]);
    auto m = static_cast<uint8_t>(secret[i]);
    s1.push_back(static_cast<char>(c ^ m));
    s2.push_back(static_cast<char>(Times2(c) ^ m));
  }
  std::vector<SecretBytes> shares;
  shares.push_back(SecretBytes::CopyFrom(s2));
  shares.push_back(SecretBytes::CopyFrom(s1));
  auto combined = sharing.Combine(shares);
  ASSERT_TRUE(combined.has_value());
  EXPECT_EQ(combined->view(), secret);
}

TEST(GfshareSecretSharingTest, CoefficientsComeFromTheGivenRandom) {
  SecretBytes secret = Secret32();
  testing::FakeRandom r1(42), r2(42), r3(43);
  auto a = GfshareSecretSharing(r1).Split(secret, 3, 2);
  auto b = GfshareSecretSharing(r2).Split(secret, 3, 2);
  auto c = GfshareSecretSharing(r3).Split(secret, 3, 2);
  ASSERT_TRUE(a.has_value() && b.has_value() && c.has_value());
  EXPECT_TRUE((*a)[0].Equals((*b)[0].span()));
  EXPECT_FALSE((*a)[0].Equals((*c)[0].span()));
  // A share on its own is not the secret.
  EXPECT_FALSE(SecretBytes::CopyFrom((*a)[0].span().subspan(1)).Equals(secret.span()));
}

TEST(GfshareSecretSharingTest, RejectsBadParameters) {
  testing::FakeRandom random;
  GfshareSecretSharing sharing(random);
  SecretBytes secret = Secret32();
  EXPECT_EQ(sharing.Split(secret, 5, 1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(sharing.Split(secret, 2, 3).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(sharing.Split(secret, 256, 3).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(sharing.Split(SecretBytes(), 3, 2).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(sharing.Split(secret, 255, 2).has_value());
}

TEST(GfshareSecretSharingTest, RejectsMalformedShareSets) {
  testing::FakeRandom random;
  GfshareSecretSharing sharing(random);
  auto shares = sharing.Split(Secret32(), 3, 2);
  ASSERT_TRUE(shares.has_value());
  // Too few.
  EXPECT_EQ(sharing.Combine(Pick(*shares, {0})).error().code, ErrorCode::kInvalidArgument);
  // The same share twice.
  EXPECT_EQ(sharing.Combine(Pick(*shares, {1, 1})).error().code, ErrorCode::kInvalidArgument);
  // Different lengths.
  std::vector<SecretBytes> mixed = Pick(*shares, {0});
  mixed.push_back(SecretBytes::CopyFrom(std::string("\x02\x01\x02", 3)));
  EXPECT_EQ(sharing.Combine(mixed).error().code, ErrorCode::kInvalidArgument);
  // x = 0.
  std::vector<SecretBytes> zero = Pick(*shares, {0});
  SecretBytes z = (*shares)[1].Clone();
  z.data()[0] = 0;
  zero.push_back(std::move(z));
  EXPECT_EQ(sharing.Combine(zero).error().code, ErrorCode::kInvalidArgument);
}

TEST(GfshareSecretSharingTest, ShareTextRoundTrips) {
  testing::FakeRandom random;
  GfshareSecretSharing sharing(random);
  SecretBytes secret = Secret32();
  auto shares = sharing.Split(secret, 3, 2);
  ASSERT_TRUE(shares.has_value());
  std::string text = EncodeShareText((*shares)[2]);
  EXPECT_EQ(text.size(), 44u);
  auto back = DecodeShareText("  " + text + "\n");
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->Equals((*shares)[2].span()));

  EXPECT_EQ(DecodeShareText("not base64!").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(DecodeShareText(Base64Encode(std::string_view("\x01", 1))).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(DecodeShareText(Base64Encode(std::string_view("\x00\x01\x02", 3))).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(GfshareSecretSharingTest, ConcurrentSplitsAndCombinesAreSafe) {
  testing::FakeRandom random(5);
  GfshareSecretSharing sharing(random);
  SecretBytes secret = Secret32();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto shares = sharing.Split(secret, 4, 2);
        if (!shares.has_value()) {
          ++failures;
          continue;
        }
        auto combined = sharing.Combine(Pick(*shares, {3, 1}));
        if (!combined.has_value() || !combined->Equals(secret.span())) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace coffer::crypto
