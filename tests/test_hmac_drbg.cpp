// hash/hmac_drbg.hpp: NIST CAVP HMAC_DRBG.rsp [SHA-256] sections, limits and
// errors, and a compile-time run.
#include <doctest/doctest.h>

#include <kagi/hash/hmac_drbg.hpp>
#include <string>
#include <vector>

#include "support/kat.hpp"
#include "support/sha256_paths.hpp"
#include "support/vectors.hpp"

using namespace kagi::literals;
using kagi::hmac_drbg;
using kagi_test::bytes;

TEST_CASE("HMAC_DRBG NIST HMAC_DRBG.rsp [SHA-256]") {
  const auto records = kagi_test::parse_records("nist/drbg/HMAC_DRBG.rsp");
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    std::size_t n = 0;
    for (const auto& r : records) {
      if (r.header("@") != "SHA-256") continue;
      INFO(r.where());
      ++n;
      REQUIRE(r.header("PredictionResistance") == "False");
      hmac_drbg d(r.get_hex("EntropyInput"), r.get_hex("Nonce"), r.get_hex("PersonalizationString"));
      REQUIRE(d.reseed(r.get_hex("EntropyInputReseed"), r.get_hex("AdditionalInputReseed")));
      const auto additional = r.all("AdditionalInput");
      REQUIRE(additional.size() == 2);
      bytes out(std::stoul(r.header("ReturnedBitsLen")) / 8);
      REQUIRE(d.generate(out, kagi_test::hex(additional[0])));
      REQUIRE(d.generate(out, kagi_test::hex(additional[1])));
      CHECK(out == r.get_hex("ReturnedBits"));
    }
    CHECK(n == 16 * 15);
  });
}

namespace {
// The first CAVP [SHA-256] case (no personalization, no additional input),
// run entirely at compile time.
constexpr std::array<std::uint8_t, 128> cavp_first_case() {
  hmac_drbg d("06032cd5eed33f39265f49ecb142c511da9aff2af71203bffaf34a9ca5bd9c0d"_hex, "0e66f71edc43e42a45ad3c6fc6cdc4df"_hex);
  std::array<std::uint8_t, 128> out{};
  if (!d.reseed("01920a4e669ed3a85ae8a33b35a74ad7fb2a6bb4cf395ce00334a9c9a5a5d552"_hex)) return {};
  (void)d.generate(out);
  (void)d.generate(out);
  return out;
}
}  // namespace

TEST_CASE("HMAC_DRBG at compile time") {
  KAGI_CHECK_CONSTEXPR(cavp_first_case() ==
                       "76fc79fe9b50beccc991a11b5635783a83536add03c157fb30645e611c2898bb2b1bc215000209208cd506cb28da2a51bdb03826aaf2bd2335d576d519160842e7158ad0949d1a9ec3e66ea1b1a064b005de914eac2e9d4f2d72a8616a80225422918250ff66a41bd2f864a6a38cc5b6499dc43f7f2bd09e1e0f8f5885935124"_hex);
}

TEST_CASE("HMAC_DRBG limits and errors") {
  const bytes seed(32, 0x11);
  SUBCASE("too little entropy leaves it unseeded") {
    hmac_drbg d(bytes(31, 0x11));
    bytes out(16, 0xaa);
    const auto r = d.generate(out);
    CHECK(r.error() == kagi::errc::not_seeded);
    CHECK(out == bytes(16, 0));
    CHECK(d.reseed(bytes(31, 0x22)).error() == kagi::errc::not_seeded);
    CHECK(d.reseed(seed));
    CHECK(d.generate(out));
  }
  SUBCASE("request size limit") {
    hmac_drbg d(seed);
    bytes big(hmac_drbg::max_request + 1);
    CHECK(d.generate(big).error() == kagi::errc::request_too_large);
    big.resize(hmac_drbg::max_request);
    CHECK(d.generate(big));
    // fill() splits large requests.
    bytes huge(3 * hmac_drbg::max_request + 5);
    d.fill(huge);
    CHECK(huge[huge.size() - 1] != huge[huge.size() - 2]);
  }
  SUBCASE("deterministic, and different seeds differ") {
    hmac_drbg a(seed), b(seed), c(bytes(32, 0x12));
    bytes x(64), y(64), z(64);
    a.fill(x);
    b.fill(y);
    c.fill(z);
    CHECK(x == y);
    CHECK(x != z);
    a.fill(x);
    CHECK(x != y);  // the state moves on
  }
  static_assert(kagi::random_source<hmac_drbg>);
}
