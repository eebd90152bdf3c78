// sha256_hex: dbt's file checksums. Known vectors (FIPS 180-2 / NIST examples), a digest that
// spans many blocks, and the per-thread context reused across calls and threads.
#include "util/hash.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace dbtpy {
namespace {

TEST(Sha256Hex, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Hex, BytesAfterAZeroByteCount) {
  EXPECT_NE(sha256_hex(std::string("a\0b", 3)), sha256_hex(std::string("a\0c", 3)));
  EXPECT_EQ(sha256_hex(std::string("a\0b", 3)), sha256_hex(std::string("a\0b", 3)));
}

// A call must not see state left by the previous one on the same thread (the context is
// reused), and threads hashing at once must not disturb each other.
TEST(Sha256Hex, RepeatedAndConcurrentCallsAgree) {
  const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(sha256_hex(std::string(5000, 'x')), sha256_hex(std::string(5000, 'x')));
  EXPECT_EQ(sha256_hex("abc"), abc);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (sha256_hex(std::string(static_cast<size_t>(i * 37), 'q')) !=
            sha256_hex(std::string(static_cast<size_t>(i * 37), 'q')))
          ++wrong[static_cast<size_t>(t)];
        if (sha256_hex("abc") != abc) ++wrong[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& th : threads)
    th.join();
  for (int w : wrong)
    EXPECT_EQ(w, 0);
}

}  // namespace
}  // namespace dbtpy
