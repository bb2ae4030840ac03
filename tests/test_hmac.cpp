// hash/hmac.hpp with SHA-256 on every path: RFC 4231, NIST CAVP HMAC.rsp
// [L=32] (truncated MACs), Wycheproof, streaming, key reuse, OpenSSL; the
// keyed states (hmac_pads) against single compressions; and hmac<H> over a
// stand-in hash of SHA-384's shape against HMAC written from its streaming
// interface.
#include <doctest/doctest.h>

#include <kagi/hash/hmac.hpp>
#include <string>
#include <vector>

#include "support/block_hash_stand_in.hpp"
#include "support/kat.hpp"
#include "support/dudect.hpp"
#include "support/openssl.hpp"
#include "support/sha256_paths.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

using namespace kagi::literals;
using kagi::hmac_sha256;
using kagi_test::bytes;

namespace {

bytes mac(std::span<const std::uint8_t> key, std::span<const std::uint8_t> msg) {
  const auto t = hmac_sha256::mac(key, msg);
  return bytes(t.begin(), t.end());
}

}  // namespace

TEST_CASE("HMAC-SHA-256 known answer at compile time (RFC 4231 case 2)") {
  KAGI_CHECK_CONSTEXPR(hmac_sha256::mac("4a656665"_hex, "7768617420646f2079612077616e7420666f72206e6f7468696e673f"_hex) ==
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"_hex);
}

TEST_CASE("HMAC-SHA-256 RFC 4231") {
  const auto records = kagi_test::parse_records("rfc/rfc4231_hmac_sha256.txt");
  REQUIRE(records.size() == 7);
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    for (const auto& r : records) {
      INFO(r.where());
      bytes expected = r.get_hex("hmac_sha256");
      bytes got = mac(r.get_hex("key"), r.get_hex("data"));
      if (r.has("truncate_bytes")) got.resize(std::stoul(r.get("truncate_bytes")));
      CHECK(got == expected);
      hmac_sha256 h(r.get_hex("key"));
      h.update(r.get_hex("data"));
      CHECK(h.verify(expected));
    }
  });
}

TEST_CASE("HMAC-SHA-256 NIST HMAC.rsp [L=32]") {
  const auto records = kagi_test::parse_records("nist/hmac/HMAC.rsp");
  std::size_t n = 0;
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    n = 0;
    for (const auto& r : records) {
      if (r.header("L") != "32") continue;
      INFO(r.where());
      ++n;
      const bytes key = r.get_hex("Key");
      REQUIRE(key.size() == std::stoul(r.get("Klen")));
      const bytes expected = r.get_hex("Mac");
      REQUIRE(expected.size() == std::stoul(r.get("Tlen")));
      bytes got = mac(key, r.get_hex("Msg"));
      got.resize(expected.size());
      CHECK(got == expected);
      hmac_sha256 h(key);
      h.update(r.get_hex("Msg"));
      CHECK(h.verify(expected));
    }
  });
  CHECK(n == 225);
}

TEST_CASE("HMAC-SHA-256 Wycheproof hmac_sha256_test.json") {
  const auto j = kagi_test::read_json("wycheproof/hmac_sha256_test.json");
  std::size_t count = 0;
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    count = 0;
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
        bytes got = mac(key, msg);
        got.resize(tag_bytes);
        hmac_sha256 h(key);
        h.update(msg);
        const bool verified = h.verify(tag);
        if (result == "valid") {
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
}

TEST_CASE("HMAC-SHA-256 streaming, key reuse, truncation limits") {
  kagi_test::test_rng rng(10);
  const bytes key = rng.bytes(40);
  const bytes msg = rng.bytes(200);
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    const bytes whole = mac(key, msg);
    hmac_sha256 h(key);
    for (std::size_t i = 0; i <= msg.size(); ++i) {
      h.update(std::span(msg).first(i)).update(std::span(msg).subspan(i));
      const auto t = h.finish();  // finish leaves the key in place for the next message
      CHECK(bytes(t.begin(), t.end()) == whole);
    }
    // Three chunks, every pair of cut points (crossing the 64- and 128-byte block edges).
    const auto head = std::span(msg).first(140);
    const bytes whole_head = mac(key, head);
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i <= head.size(); ++i) {
      for (std::size_t j = i; j <= head.size(); ++j) {
        h.update(head.first(i)).update(head.subspan(i, j - i)).update(head.subspan(j));
        const auto t = h.finish();
        mismatches += bytes(t.begin(), t.end()) != whole_head;
      }
    }
    CHECK(mismatches == 0);
    h.update(rng.bytes(10));
    h.reset();
    h.update(msg);
    CHECK(h.verify(whole));
    // Truncated tags down to half the output verify; shorter ones never do.
    for (std::size_t len = 0; len <= 32; ++len) {
      h.update(msg);
      CHECK(h.verify(std::span(whole).first(len)) == (len >= 16));
    }
    bytes longer = whole;
    longer.push_back(0);
    h.update(msg);
    CHECK_FALSE(h.verify(longer));
    bytes wrong = whole;
    wrong[31] ^= 1;
    h.update(msg);
    CHECK_FALSE(h.verify(wrong));
    // Keys longer than a block are hashed first: HMAC(K) == HMAC(SHA256(K)).
    const bytes long_key = rng.bytes(65);
    const auto hk = kagi::sha256::hash(long_key);
    CHECK(mac(long_key, msg) == mac(hk, msg));
  });
}

TEST_CASE("HMAC keyed states: one compression of K0 ^ ipad and of K0 ^ opad; SHA-256 resumes from them") {
  kagi_test::test_rng rng(12);
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    for (std::size_t key_len : {0u, 1u, 32u, 63u, 64u, 65u, 100u, 200u}) {
      INFO("key " << key_len);
      const bytes key = rng.bytes(key_len);
      bytes k0(64, 0);
      if (key.size() > 64) {
        const auto d = kagi::sha256::hash(key);
        std::copy(d.begin(), d.end(), k0.begin());
      } else {
        std::copy(key.begin(), key.end(), k0.begin());
      }
      bytes ipad = k0, opad = k0;
      for (auto& b : ipad) b ^= 0x36;
      for (auto& b : opad) b ^= 0x5c;
      // hmac_pads makes both with compress2; here each is one compress call.
      auto inner = kagi::sha256::initial_state, outer = kagi::sha256::initial_state;
      kagi::sha256::compress(inner.data(), ipad.data(), 1);
      kagi::sha256::compress(outer.data(), opad.data(), 1);
      const kagi::hmac_pads<kagi::sha256> pads(key);
      CHECK(pads.inner() == inner);
      CHECK(pads.outer() == outer);
      const hmac_sha256 h(key);
      CHECK(h.pads().inner() == inner);
      CHECK(h.pads().outer() == outer);
      // The resumed hash: SHA-256(ipad || msg) from the inner state.
      const bytes msg = rng.bytes(rng.uniform(0, 200));
      bytes whole = ipad;
      whole.insert(whole.end(), msg.begin(), msg.end());
      kagi::sha256 resumed(inner, 64);
      resumed.update(msg);
      CHECK(resumed.finish() == kagi::sha256::hash(whole));
    }
  });
}

TEST_CASE("HMAC over a hash of SHA-384's shape equals HMAC written from its streaming interface") {
  using wide_hmac = kagi::hmac<kagi_test::wide_test_hash>;
  static_assert(wide_hmac::tag_size == 48 && wide_hmac::block_size == 128);
  kagi_test::test_rng rng(13);
  for (std::size_t key_len = 0; key_len <= 300; key_len += 13) {
    const bytes key = rng.bytes(key_len);
    const bytes msg = rng.bytes(rng.uniform(0, 400));
    INFO("key " << key.size() << " msg " << msg.size());
    const bytes expected = kagi_test::hmac_reference<kagi_test::wide_test_hash>(key, msg);
    const auto t = wide_hmac::mac(key, msg);
    CHECK(bytes(t.begin(), t.end()) == expected);
    wide_hmac h(key);
    const std::size_t cut = rng.uniform(0, msg.size());
    h.update(std::span(msg).first(cut)).update(std::span(msg).subspan(cut));
    CHECK(h.verify(expected));
    h.update(msg);  // the key stays after verify
    const auto again = h.finish();
    CHECK(bytes(again.begin(), again.end()) == expected);
  }
  // And the oracle itself, over SHA-256, agrees with the tested HMAC-SHA-256.
  for (int i = 0; i < 50; ++i) {
    const bytes key = rng.bytes(rng.uniform(0, 150));
    const bytes msg = rng.bytes(rng.uniform(0, 300));
    CHECK(kagi_test::hmac_reference<kagi::sha256>(key, msg) == mac(key, msg));
  }
}

#if KAGI_HAVE_OPENSSL
TEST_CASE("HMAC-SHA-256 agrees with OpenSSL on random inputs") {
  kagi_test::test_rng rng(11);
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    for (int i = 0; i < 300; ++i) {
      const bytes key = rng.bytes(rng.uniform(0, 150));
      const bytes msg = rng.bytes(rng.uniform(0, 2000));
      INFO("key " << key.size() << " msg " << msg.size());
      CHECK(mac(key, msg) == kagi_test::ossl::hmac_sha256(key, msg));
    }
  });
}
#endif

// ---- dudect-style timing (support/dudect.hpp): HMAC-SHA-256 of 64 bytes
// under an all-zero key and message against random ones, on every SHA-256
// path. The SHA-NI kernel, which valgrind cannot run, is checked here.
TEST_SUITE("timing") {
  TEST_CASE("HMAC-SHA-256: time does not depend on the key or the message (dudect)") {
    kagi_test::test_rng rng(53);
    std::vector<bytes> keys[2], msgs[2];
    for (int i = 0; i < 64; ++i) {
      keys[0].push_back(bytes(32, 0));
      msgs[0].push_back(bytes(64, 0));
      keys[1].push_back(rng.bytes(32));
      msgs[1].push_back(rng.bytes(64));
    }
    kagi_test::on_every_sha256_path([&](const kagi_test::path& path) {
      volatile std::uint8_t sink = 0;
      const double worst = kagi_test::dudect_worst_t(
          std::string(path.name) + " HMAC of 64 bytes", 20000, 64, rng, [&](int cls, std::size_t i) {
            sink = sink ^ kagi::hmac_sha256::mac(keys[cls][i], msgs[cls][i])[0];
          });
      CHECK(worst < kagi_test::dudect_threshold);
    });
  }
}
