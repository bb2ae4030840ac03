// hash/sha256.hpp on every path: NIST CAVP short, long and Monte Carlo
// vectors, streaming against one-shot, portable against SHA-NI, and OpenSSL.
#include <doctest/doctest.h>

#include <kagi/hash/sha256.hpp>
#include <string>
#include <vector>

#include "support/kat.hpp"
#include "support/openssl.hpp"
#include "support/sha256_paths.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

using namespace kagi::literals;
using kagi::sha256;
using kagi_test::bytes;

namespace {

bytes digest(std::span<const std::uint8_t> msg) {
  auto d = sha256::hash(msg);
  return bytes(d.begin(), d.end());
}

void run_msg_file(const char* file) {
  const auto records = kagi_test::parse_records(file);
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    for (const auto& r : records) {
      INFO(r.where());
      const std::size_t len = std::stoul(r.get("Len"));
      REQUIRE(len % 8 == 0);
      bytes msg = r.get_hex("Msg");
      msg.resize(len / 8);  // Len = 0 is written as Msg = 00
      CHECK(digest(msg) == r.get_hex("MD"));
    }
  });
}

}  // namespace

TEST_CASE("SHA-256 known answers at compile time") {
  // FIPS 180-4 examples (NIST "Examples with intermediate values").
  KAGI_CHECK_CONSTEXPR(sha256::hash({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"_hex);
  KAGI_CHECK_CONSTEXPR(sha256::hash("616263"_hex) ==
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"_hex);
  KAGI_CHECK_CONSTEXPR(
      sha256::hash("6162636462636465636465666465666765666768666768696768696a68696a6b696a6b6c6a6b6c6d6b6c6d6e6c6d6e6f6d6e6f706e6f7071"_hex) ==
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"_hex);
}

TEST_CASE("SHA-256 NIST SHA256ShortMsg.rsp") { run_msg_file("nist/sha/SHA256ShortMsg.rsp"); }
TEST_CASE("SHA-256 NIST SHA256LongMsg.rsp") { run_msg_file("nist/sha/SHA256LongMsg.rsp"); }

TEST_CASE("SHA-256 NIST SHA256Monte.rsp") {
  const auto records = kagi_test::parse_records("nist/sha/SHA256Monte.rsp");
  REQUIRE(records.size() == 101);
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    bytes seed = records[0].get_hex("Seed");
    for (std::size_t j = 1; j < records.size(); ++j) {
      INFO(records[j].where());
      bytes md[3] = {seed, seed, seed};
      for (int i = 3; i < 1003; ++i) {
        sha256 h;
        h.update(md[0]).update(md[1]).update(md[2]);
        const auto d = h.finish();
        md[0] = std::move(md[1]);
        md[1] = std::move(md[2]);
        md[2] = bytes(d.begin(), d.end());
      }
      seed = md[2];
      CHECK(std::stoul(records[j].get("COUNT")) == j - 1);
      CHECK(seed == records[j].get_hex("MD"));
    }
  });
}

TEST_CASE("SHA-256 streaming split at every offset equals one-shot") {
  kagi_test::test_rng rng(1);
  const bytes msg = rng.bytes(300);
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    const bytes whole = digest(msg);
    for (std::size_t i = 0; i <= msg.size(); ++i) {
      sha256 h;
      h.update(std::span(msg).first(i)).update(std::span(msg).subspan(i));
      const auto d = h.finish();
      CHECK(bytes(d.begin(), d.end()) == whole);
    }
    // Three pieces, and one byte at a time.
    for (std::size_t i = 0; i <= msg.size(); i += 7) {
      for (std::size_t j = i; j <= msg.size(); j += 13) {
        sha256 h;
        h.update(std::span(msg).subspan(0, i)).update(std::span(msg).subspan(i, j - i)).update(std::span(msg).subspan(j));
        const auto d = h.finish();
        CHECK(bytes(d.begin(), d.end()) == whole);
      }
    }
    sha256 h;
    for (auto b : msg) h.update(std::span(&b, 1));
    const auto d = h.finish();
    CHECK(bytes(d.begin(), d.end()) == whole);
    // finish() resets: the object hashes the next message from scratch.
    h.update(msg);
    const auto again = h.finish();
    CHECK(bytes(again.begin(), again.end()) == whole);
  });
}

TEST_CASE("SHA-256 portable and SHA-NI agree on random inputs") {
  const auto paths = kagi_test::available_paths(kagi_test::sha256_paths);
  kagi_test::test_rng rng(2);
  for (std::size_t len = 0; len < 1100; len += 1 + len / 16) {
    const bytes msg = rng.bytes(len);
    INFO("length " << len);
    bytes first;
    for (const auto& p : paths) {
      kagi::cpu::testing::scoped_disable off(p.disable);
      const bytes d = digest(msg);
      if (first.empty()) first = d;
      CHECK(d == first);
    }
  }
}

TEST_CASE("SHA-256 compress2 equals two single-block compressions, on every path") {
  kagi_test::test_rng rng(4);
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    for (int i = 0; i < 50; ++i) {
      const bytes b1 = rng.bytes(64), b2 = rng.bytes(64), s = rng.bytes(64);
      std::array<std::uint32_t, 8> h1{}, h2{};
      for (std::size_t k = 0; k < 8; ++k) {
        h1[k] = kagi::load_be32(s.data() + 4 * k);
        h2[k] = kagi::load_be32(s.data() + 32 + 4 * k);
      }
      auto e1 = h1, e2 = h2;
      kagi::detail::sha256_compress_portable(e1.data(), b1.data(), 1);
      kagi::detail::sha256_compress_portable(e2.data(), b2.data(), 1);
      sha256::compress2(h1.data(), b1.data(), h2.data(), b2.data());
      CHECK(h1 == e1);
      CHECK(h2 == e2);
    }
  });
}

#if KAGI_HAVE_OPENSSL
TEST_CASE("SHA-256 agrees with OpenSSL on random inputs") {
  kagi_test::test_rng rng(3);
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    for (int i = 0; i < 300; ++i) {
      const bytes msg = rng.bytes(rng.uniform(0, 5000));
      INFO("length " << msg.size());
      CHECK(digest(msg) == kagi_test::ossl::sha256(msg));
    }
  });
}
#endif
