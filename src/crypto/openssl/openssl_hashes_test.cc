#include "crypto/openssl/openssl_hashes.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "base/encoding.h"

namespace coffer::crypto {
namespace {

TEST(OpensslHashesTest, Sha256KnownAnswers) {
  OpensslHashes h;
  // FIPS 180-2 appendix B.
  EXPECT_EQ(HexEncode(h.Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(h.Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(OpensslHashesTest, HmacSha256Rfc4231) {
  OpensslHashes h;
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(h.HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block size.
  std::string key(131, '\xaa');
  EXPECT_EQ(HexEncode(h.HmacSha256(key, "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(OpensslHashesTest, HmacIsThreadSafe) {
  OpensslHashes h;
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (HexEncode(h.HmacSha256("Jefe", "what do ya want for nothing?")) !=
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") {
          ++mismatches;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace coffer::crypto
