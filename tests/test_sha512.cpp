// hash/sha512.hpp (SHA-384 and SHA-512) on every path: NIST CAVP short, long
// and Monte Carlo vectors, FIPS 180-4 examples at compile time, streaming
// against one-shot, the kernels against the portable compression function,
// OpenSSL on random inputs split at random points, and hmac<sha384>,
// hmac<sha512> against RFC 4231, NIST HMAC.rsp, Wycheproof and OpenSSL.
#include <doctest/doctest.h>

#include <kagi/hash/sha512.hpp>
#include <string>
#include <vector>

#include "support/kat.hpp"
#include "support/random.hpp"
#include "support/sha512_paths.hpp"
#include "support/vectors.hpp"

#if KAGI_HAVE_OPENSSL
#include <openssl/evp.h>
#endif

using namespace kagi::literals;
using kagi::sha384;
using kagi::sha512;
using kagi_test::bytes;

namespace {

template <class H>
bytes digest(std::span<const std::uint8_t> msg) {
  auto d = H::hash(msg);
  return bytes(d.begin(), d.end());
}

template <class H>
bytes mac(std::span<const std::uint8_t> key, std::span<const std::uint8_t> msg) {
  auto t = kagi::hmac<H>::mac(key, msg);
  return bytes(t.begin(), t.end());
}

template <class H>
void run_msg_file(const char* file, std::size_t expected_records) {
  const auto records = kagi_test::parse_records(file);
  REQUIRE(records.size() == expected_records);
  kagi_test::on_every_sha512_path([&](const kagi_test::path&) {
    for (const auto& r : records) {
      INFO(r.where());
      REQUIRE(std::stoul(r.header("L")) == H::digest_size);
      const std::size_t len = std::stoul(r.get("Len"));
      REQUIRE(len % 8 == 0);
      bytes msg = r.get_hex("Msg");
      msg.resize(len / 8);  // Len = 0 is written as Msg = 00
      CHECK(digest<H>(msg) == r.get_hex("MD"));
    }
  });
}

// SHAVS Monte Carlo: MD_i = H(MD_{i-3} || MD_{i-2} || MD_{i-1}), 1000 times a checkpoint.
template <class H>
void run_monte_file(const char* file) {
  const auto records = kagi_test::parse_records(file);
  REQUIRE(records.size() == 101);
  kagi_test::on_every_sha512_path([&](const kagi_test::path&) {
    bytes seed = records[0].get_hex("Seed");
    REQUIRE(seed.size() == H::digest_size);
    for (std::size_t j = 1; j < records.size(); ++j) {
      INFO(records[j].where());
      bytes md[3] = {seed, seed, seed};
      for (int i = 3; i < 1003; ++i) {
        H h;
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

#if KAGI_HAVE_OPENSSL
bytes ossl_digest(const char* name, std::span<const std::uint8_t> msg) {
  bytes out(64);
  unsigned int n = 0;
  const EVP_MD* md = std::string_view(name) == "SHA384" ? EVP_sha384() : EVP_sha512();
  REQUIRE(EVP_Digest(msg.data(), msg.size(), out.data(), &n, md, nullptr) == 1);
  out.resize(n);
  return out;
}

bytes ossl_hmac(const char* name, std::span<const std::uint8_t> key, std::span<const std::uint8_t> msg) {
  bytes out(64);
  size_t n = 0;
  static const std::uint8_t empty = 0;
  REQUIRE(EVP_Q_mac(nullptr, "HMAC", nullptr, name, nullptr, key.empty() ? &empty : key.data(), key.size(), msg.data(),
                    msg.size(), out.data(), out.size(), &n) != nullptr);
  out.resize(n);
  return out;
}
#endif

}  // namespace

TEST_CASE("SHA-384 and SHA-512 known answers at compile time") {
  // FIPS 180-4 examples (NIST "Examples with intermediate values"): one block,
  // and the 896-bit message whose padding takes a second block.
  KAGI_CHECK_CONSTEXPR(sha512::hash({}) ==
                       "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                       "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"_hex);
  KAGI_CHECK_CONSTEXPR(sha512::hash("616263"_hex) ==
                       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"_hex);
  KAGI_CHECK_CONSTEXPR(
      sha512::hash("61626364656667686263646566676869636465666768696a6465666768696a6b65666768696a6b6c666768696a6b6c6d"
                   "6768696a6b6c6d6e68696a6b6c6d6e6f696a6b6c6d6e6f706a6b6c6d6e6f70716b6c6d6e6f7071726c6d6e6f70717273"
                   "6d6e6f70717273746e6f707172737475"_hex) ==
      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
      "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"_hex);
  KAGI_CHECK_CONSTEXPR(sha384::hash({}) ==
                       "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
                       "274edebfe76f65fbd51ad2f14898b95b"_hex);
  KAGI_CHECK_CONSTEXPR(sha384::hash("616263"_hex) ==
                       "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                       "8086072ba1e7cc2358baeca134c825a7"_hex);
  KAGI_CHECK_CONSTEXPR(
      sha384::hash("61626364656667686263646566676869636465666768696a6465666768696a6b65666768696a6b6c666768696a6b6c6d"
                   "6768696a6b6c6d6e68696a6b6c6d6e6f696a6b6c6d6e6f706a6b6c6d6e6f70716b6c6d6e6f7071726c6d6e6f70717273"
                   "6d6e6f70717273746e6f707172737475"_hex) ==
      "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712"
      "fcc7c71a557e2db966c3e9fa91746039"_hex);
}

TEST_CASE("HMAC-SHA-384 and HMAC-SHA-512 known answers at compile time (RFC 4231 case 2)") {
  KAGI_CHECK_CONSTEXPR(kagi::hmac_sha384::mac("4a656665"_hex, "7768617420646f2079612077616e7420666f72206e6f7468696e673f"_hex) ==
                       "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
                       "8e2240ca5e69e2c78b3239ecfab21649"_hex);
  KAGI_CHECK_CONSTEXPR(kagi::hmac_sha512::mac("4a656665"_hex, "7768617420646f2079612077616e7420666f72206e6f7468696e673f"_hex) ==
                       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                       "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"_hex);
}

TEST_CASE("SHA-384 and SHA-512 share one dispatch table") {
  CHECK(std::string_view(sha384::implementation()) == sha512::implementation());
  CHECK(kagi_test::sha512_paths.front().name == "portable");
  static_assert(sha512::digest_size == 64 && sha512::block_size == 128);
  static_assert(sha384::digest_size == 48 && sha384::block_size == 128);
  static_assert(kagi::hmac_sha384::tag_size == 48 && kagi::hmac_sha512::tag_size == 64);
}

TEST_CASE("SHA-384 NIST SHA384ShortMsg.rsp") { run_msg_file<sha384>("nist/sha/SHA384ShortMsg.rsp", 129); }
TEST_CASE("SHA-384 NIST SHA384LongMsg.rsp") { run_msg_file<sha384>("nist/sha/SHA384LongMsg.rsp", 128); }
TEST_CASE("SHA-512 NIST SHA512ShortMsg.rsp") { run_msg_file<sha512>("nist/sha/SHA512ShortMsg.rsp", 129); }
TEST_CASE("SHA-512 NIST SHA512LongMsg.rsp") { run_msg_file<sha512>("nist/sha/SHA512LongMsg.rsp", 128); }
TEST_CASE("SHA-384 NIST SHA384Monte.rsp") { run_monte_file<sha384>("nist/sha/SHA384Monte.rsp"); }
TEST_CASE("SHA-512 NIST SHA512Monte.rsp") { run_monte_file<sha512>("nist/sha/SHA512Monte.rsp"); }

TEST_CASE_TEMPLATE("SHA-384/512 streaming split at every offset equals one-shot", H, sha384, sha512) {
  kagi_test::test_rng rng(1);
  const bytes msg = rng.bytes(600);  // over four blocks: pairs, an odd block, every padding case
  kagi_test::on_every_sha512_path([&](const kagi_test::path&) {
    const bytes whole = digest<H>(msg);
    for (std::size_t i = 0; i <= msg.size(); ++i) {
      H h;
      h.update(std::span(msg).first(i)).update(std::span(msg).subspan(i));
      const auto d = h.finish();
      CHECK(bytes(d.begin(), d.end()) == whole);
    }
    // Three pieces, and one byte at a time.
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i <= msg.size(); i += 7) {
      for (std::size_t j = i; j <= msg.size(); j += 13) {
        H h;
        h.update(std::span(msg).subspan(0, i)).update(std::span(msg).subspan(i, j - i)).update(std::span(msg).subspan(j));
        const auto d = h.finish();
        mismatches += bytes(d.begin(), d.end()) != whole;
      }
    }
    CHECK(mismatches == 0);
    H h;
    for (auto b : msg) h.update(std::span(&b, 1));
    const auto d = h.finish();
    CHECK(bytes(d.begin(), d.end()) == whole);
    // finish() resets: the object hashes the next message from scratch.
    h.update(msg);
    const auto again = h.finish();
    CHECK(bytes(again.begin(), again.end()) == whole);
    // Every message length through the padding edges (111, 112, 127, 128 bytes
    // in the last block) against the prefix hashed in one call.
    for (std::size_t len = 0; len <= 300; ++len) {
      H s;
      s.update(std::span(msg).first(len / 3)).update(std::span(msg).subspan(len / 3, len - len / 3));
      const auto got = s.finish();
      CHECK(bytes(got.begin(), got.end()) == digest<H>(std::span(msg).first(len)));
    }
  });
}

TEST_CASE("SHA-512 paths agree on random inputs") {
  const auto paths = kagi_test::available_paths(kagi_test::sha512_paths);
  kagi_test::test_rng rng(2);
  for (std::size_t len = 0; len < 2200; len += 1 + len / 16) {
    const bytes msg = rng.bytes(len);
    INFO("length " << len);
    bytes first384, first512;
    for (const auto& p : paths) {
      kagi::cpu::testing::scoped_disable off(p.disable);
      INFO("path " << std::string(p.name));
      const bytes d384 = digest<sha384>(msg), d512 = digest<sha512>(msg);
      if (first512.empty()) first384 = d384, first512 = d512;
      CHECK(d384 == first384);
      CHECK(d512 == first512);
    }
  }
}

TEST_CASE("SHA-512 compress on 1..9 blocks and compress2 equal the portable compression function, on every path") {
  kagi_test::test_rng rng(4);
  const auto random_state = [&] {
    std::array<std::uint64_t, 8> h{};
    const bytes s = rng.bytes(64);
    for (std::size_t k = 0; k < 8; ++k) h[k] = kagi::load_be64(s.data() + 8 * k);
    return h;
  };
  kagi_test::on_every_sha512_path([&](const kagi_test::path&) {
    for (std::size_t count = 0; count <= 9; ++count) {
      for (int i = 0; i < 10; ++i) {
        const bytes blocks = rng.bytes(128 * count);
        auto h = random_state();
        auto expected = h;
        kagi::detail::sha512_compress_portable(expected.data(), blocks.data(), count);
        sha512::compress(h.data(), blocks.data(), count);
        CHECK(h == expected);
      }
    }
    for (int i = 0; i < 50; ++i) {
      const bytes b1 = rng.bytes(128), b2 = rng.bytes(128);
      auto h1 = random_state(), h2 = random_state();
      auto e1 = h1, e2 = h2;
      kagi::detail::sha512_compress_portable(e1.data(), b1.data(), 1);
      kagi::detail::sha512_compress_portable(e2.data(), b2.data(), 1);
      sha512::compress2(h1.data(), b1.data(), h2.data(), b2.data());
      CHECK(h1 == e1);
      CHECK(h2 == e2);
    }
    // The same block for both states, and blocks straight from unaligned memory.
    const bytes buf = rng.bytes(128 * 5 + 1);
    auto h1 = random_state(), h2 = random_state();
    auto e1 = h1, e2 = h2;
    kagi::detail::sha512_compress_portable(e1.data(), buf.data() + 1, 1);
    kagi::detail::sha512_compress_portable(e2.data(), buf.data() + 1, 1);
    sha384::compress2(h1.data(), buf.data() + 1, h2.data(), buf.data() + 1);
    CHECK(h1 == e1);
    CHECK(h2 == e2);
    kagi::detail::sha512_compress_portable(e1.data(), buf.data() + 1, 5);
    sha384::compress(h1.data(), buf.data() + 1, 5);
    CHECK(h1 == e1);
  });
}

#if KAGI_HAVE_OPENSSL
TEST_CASE_TEMPLATE("SHA-384/512 agree with OpenSSL on random inputs split at random points", H, sha384, sha512) {
  const char* name = H::digest_size == 48 ? "SHA384" : "SHA512";
  kagi_test::test_rng rng(3);
  kagi_test::on_every_sha512_path([&](const kagi_test::path&) {
    for (int i = 0; i < 300; ++i) {
      const bytes msg = rng.bytes(rng.uniform(0, 5000));
      INFO("length " << msg.size());
      const bytes expected = ossl_digest(name, msg);
      CHECK(digest<H>(msg) == expected);
      // The same message in random pieces.
      H h;
      for (std::size_t at = 0; at < msg.size();) {
        const std::size_t n = rng.uniform(0, msg.size() - at);
        h.update(std::span(msg).subspan(at, n));
        at += n;
      }
      const auto d = h.finish();
      CHECK(bytes(d.begin(), d.end()) == expected);
    }
  });
}
#endif

// ---- hmac<sha384>, hmac<sha512> (the generic hash/hmac.hpp)

TEST_CASE("HMAC-SHA-384/512 NIST HMAC.rsp [L=48] and [L=64]") {
  const auto records = kagi_test::parse_records("nist/hmac/HMAC.rsp");
  std::size_t n48 = 0, n64 = 0;
  kagi_test::on_every_sha512_path([&](const kagi_test::path&) {
    n48 = n64 = 0;
    for (const auto& r : records) {
      const std::string& l = r.header("L");
      if (l != "48" && l != "64") continue;
      INFO(r.where());
      const bytes key = r.get_hex("Key");
      REQUIRE(key.size() == std::stoul(r.get("Klen")));
      const bytes expected = r.get_hex("Mac");
      REQUIRE(expected.size() == std::stoul(r.get("Tlen")));
      bytes got;
      bool verified = false;
      if (l == "48") {
        ++n48;
        got = mac<sha384>(key, r.get_hex("Msg"));
        kagi::hmac_sha384 h(key);
        h.update(r.get_hex("Msg"));
        verified = h.verify(expected);
      } else {
        ++n64;
        got = mac<sha512>(key, r.get_hex("Msg"));
        kagi::hmac_sha512 h(key);
        h.update(r.get_hex("Msg"));
        verified = h.verify(expected);
      }
      got.resize(expected.size());
      CHECK(got == expected);
      CHECK(verified);
    }
  });
  CHECK(n48 == 300);
  CHECK(n64 == 375);
}

TEST_CASE_TEMPLATE("HMAC-SHA-384/512 Wycheproof", H, sha384, sha512) {
  const nlohmann::json j = kagi_test::read_json(H::digest_size == 48 ? "wycheproof/hmac_sha384_test.json"
                                                           : "wycheproof/hmac_sha512_test.json");
  std::size_t count = 0, valid = 0;
  kagi_test::on_every_sha512_path([&](const kagi_test::path&) {
    count = valid = 0;
    for (const auto& g : j.at("testGroups")) {
      const std::size_t tag_bytes = g.at("tagSize").get<std::size_t>() / 8;
      for (const auto& t : g.at("tests")) {
        ++count;
        INFO("tcId " << t.at("tcId").get<int>() << ": " << t.at("comment").get<std::string>());
        const bytes key = kagi_test::hex(t.at("key").get<std::string>());
        const bytes msg = kagi_test::hex(t.at("msg").get<std::string>());
        const bytes tag = kagi_test::hex(t.at("tag").get<std::string>());
        const std::string result = t.at("result").get<std::string>();
        REQUIRE(key.size() * 8 == g.at("keySize").get<std::size_t>());
        bytes got = mac<H>(key, msg);
        got.resize(tag_bytes);
        kagi::hmac<H> h(key);
        h.update(msg);
        const bool verified = h.verify(tag);
        if (result == "valid") {
          ++valid;
          CHECK(got == tag);
          CHECK(verified);
        } else {
          REQUIRE(result == "invalid");
          CHECK(got != tag);
          CHECK_FALSE(verified);
        }
      }
    }
  });
  CHECK(count == j.at("numberOfTests").get<std::size_t>());
  CHECK(valid > 0);
}

TEST_CASE_TEMPLATE("HMAC-SHA-384/512 streaming and long keys", H, sha384, sha512) {
  kagi_test::test_rng rng(10);
  const bytes key = rng.bytes(100);
  const bytes msg = rng.bytes(300);
  kagi_test::on_every_sha512_path([&](const kagi_test::path&) {
    const bytes whole = mac<H>(key, msg);
    kagi::hmac<H> h(key);
    for (std::size_t i = 0; i <= msg.size(); ++i) {
      h.update(std::span(msg).first(i)).update(std::span(msg).subspan(i));
      const auto t = h.finish();
      CHECK(bytes(t.begin(), t.end()) == whole);
    }
    // Keys longer than the 128-byte block are hashed first: HMAC(K) == HMAC(H(K)).
    const bytes long_key = rng.bytes(129);
    const auto hk = H::hash(long_key);
    CHECK(mac<H>(long_key, msg) == mac<H>(hk, msg));
    // A 128-byte key is used as it is.
    const bytes block_key = rng.bytes(128);
    const auto hb = H::hash(block_key);
    CHECK(mac<H>(block_key, msg) != mac<H>(hb, msg));
  });
}

#if KAGI_HAVE_OPENSSL
TEST_CASE_TEMPLATE("HMAC-SHA-384/512 agree with OpenSSL on random inputs", H, sha384, sha512) {
  const char* name = H::digest_size == 48 ? "SHA384" : "SHA512";
  kagi_test::test_rng rng(11);
  kagi_test::on_every_sha512_path([&](const kagi_test::path&) {
    for (int i = 0; i < 200; ++i) {
      const bytes key = rng.bytes(rng.uniform(0, 300));
      const bytes msg = rng.bytes(rng.uniform(0, 2000));
      INFO("key " << key.size() << " msg " << msg.size());
      CHECK(mac<H>(key, msg) == ossl_hmac(name, key, msg));
    }
  });
}
#endif
