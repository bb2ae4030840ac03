// core/: bytes, ct, cpu, result, random.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <array>
#include <kagi/core/bytes.hpp>
#include <kagi/core/cpu.hpp>
#include <kagi/core/ct.hpp>
#include <kagi/core/random.hpp>
#include <kagi/core/result.hpp>
#include <string>
#include <vector>

#include "support/kat.hpp"
#include "support/vectors.hpp"

using namespace kagi::literals;

TEST_CASE("hex literal") {
  KAGI_CHECK_CONSTEXPR("00ff10Ab"_hex == std::array<std::uint8_t, 4>{0x00, 0xff, 0x10, 0xab});
  KAGI_CHECK_CONSTEXPR("00 ff\n10"_hex == std::array<std::uint8_t, 3>{0x00, 0xff, 0x10});
  KAGI_CHECK_CONSTEXPR(""_hex.size() == 0);
}

TEST_CASE("endian load and store") {
  constexpr auto b = "0102030405060708"_hex;
  KAGI_CHECK_CONSTEXPR(kagi::load_be32(b.data()) == 0x01020304u);
  KAGI_CHECK_CONSTEXPR(kagi::load_le32(b.data()) == 0x04030201u);
  KAGI_CHECK_CONSTEXPR(kagi::load_be64(b.data()) == 0x0102030405060708ull);
  KAGI_CHECK_CONSTEXPR(kagi::load_le64(b.data()) == 0x0807060504030201ull);
  KAGI_CHECK_CONSTEXPR(kagi::load_be16(b.data() + 6) == 0x0708u);
  std::array<std::uint8_t, 8> o{};
  kagi::store_be64(o.data(), 0x0102030405060708ull);
  CHECK(o == b);
  kagi::store_le64(o.data(), 0x0807060504030201ull);
  CHECK(o == b);
  kagi::store_be32(o.data(), 0xa1b2c3d4u);
  kagi::store_le32(o.data() + 4, 0xa1b2c3d4u);
  CHECK(o == "a1b2c3d4d4c3b2a1"_hex);
  kagi::store_be16(o.data(), 0xbeef);
  CHECK(o[0] == 0xbe);
  CHECK(o[1] == 0xef);
}

TEST_CASE("to_hex and from_hex") {
  std::vector<std::uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
  const std::string text = kagi::to_hex(all);
  CHECK(text.substr(0, 8) == "00010203");
  CHECK(text.substr(text.size() - 4) == "feff");
  auto back = kagi::from_hex(text);
  REQUIRE(back);
  CHECK(*back == all);
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
  CHECK(*kagi::from_hex(upper) == all);

  SUBCASE("bad input is an error") {
    for (std::string bad : {"0", "abc", "0g", "g0", "zz", "0 ", " 0", "1:", "@0", "`0", "/0", "G0", "0x"}) {
      INFO(bad);
      auto r = kagi::from_hex(bad);
      CHECK_FALSE(r);
      CHECK(r.error() == kagi::errc::bad_hex);
    }
    // Every character that is not a hex digit is refused.
    for (int c = 0; c < 256; ++c) {
      const bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      const std::string s = {'0', static_cast<char>(c)};
      CHECK(static_cast<bool>(kagi::from_hex(s)) == digit);
    }
  }
  SUBCASE("output buffer too small") {
    std::array<std::uint8_t, 2> out{};
    auto r = kagi::from_hex("010203", out);
    CHECK(r.error() == kagi::errc::buffer_too_small);
    auto ok = kagi::from_hex("0102", out);
    REQUIRE(ok);
    CHECK(*ok == 2);
  }
}

TEST_CASE("constant-time masks agree with plain comparisons") {
  namespace ct = kagi::ct;
  for (unsigned a = 0; a < 256; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      const auto x = static_cast<std::uint8_t>(a), y = static_cast<std::uint8_t>(b);
      const auto m = [](bool v) { return v ? std::uint8_t{0xff} : std::uint8_t{0}; };
      CHECK_EQ(ct::eq(x, y), m(x == y));
      CHECK_EQ(ct::ne(x, y), m(x != y));
      CHECK_EQ(ct::lt(x, y), m(x < y));
      CHECK_EQ(ct::le(x, y), m(x <= y));
      CHECK_EQ(ct::gt(x, y), m(x > y));
      CHECK_EQ(ct::ge(x, y), m(x >= y));
      CHECK_EQ(ct::select(m(a & 1), x, y), (a & 1) ? x : y);
    }
  }
  using u64 = std::uint64_t;
  constexpr u64 ones = ~u64{0}, top = u64{1} << 63;
  for (u64 v : {u64{0}, u64{1}, u64{2}, top, ones, top - 1}) {
    CHECK(ct::is_zero(v) == (v == 0 ? ones : 0));
    CHECK(ct::is_nonzero(v) == (v != 0 ? ones : 0));
    CHECK(ct::lt(v, ones) == (v < ones ? ones : 0));
    CHECK(ct::lt(top, v) == (top < v ? ones : 0));
    CHECK(ct::lt(v, top) == (v < top ? ones : 0));
  }
  static_assert(ct::select(std::uint32_t{~0u}, 1u, 2u) == 1u);
  static_assert(ct::mask_from_bool<std::uint32_t>(true) == ~0u);
}

TEST_CASE("ct_equal, ct_select, ct_copy") {
  constexpr auto a = "00112233"_hex;
  constexpr auto b = "00112234"_hex;
  KAGI_CHECK_CONSTEXPR(kagi::ct_equal(a, a));
  KAGI_CHECK_CONSTEXPR(!kagi::ct_equal(a, b));
  CHECK_FALSE(kagi::ct_equal(a, std::span<const std::uint8_t>(a).first(3)));
  CHECK(kagi::ct_equal({}, {}));
  std::array<std::uint8_t, 4> out{};
  CHECK(kagi::ct_select(0xff, a, b, out));
  CHECK(out == a);
  CHECK(kagi::ct_select(0x00, a, b, out));
  CHECK(out == b);
  CHECK_FALSE(kagi::ct_select(0xff, a, std::span<const std::uint8_t>(b).first(3), out));
  CHECK(kagi::ct_copy(0x00, out, a));
  CHECK(out == b);
  CHECK(kagi::ct_copy(0xff, out, a));
  CHECK(out == a);
  std::array<std::uint8_t, 3> small{};
  CHECK_FALSE(kagi::ct_copy(0xff, small, a));
}

TEST_CASE("secure_wipe") {
  std::array<std::uint32_t, 5> w{1, 2, 3, 4, 5};
  kagi::secure_wipe(w);
  CHECK(w == std::array<std::uint32_t, 5>{});
  std::vector<std::uint8_t> v(100, 0xaa);
  kagi::secure_wipe(std::span<std::uint8_t>(v));
  CHECK(std::all_of(v.begin(), v.end(), [](auto x) { return x == 0; }));
  constexpr auto wiped = [] {
    std::array<std::uint8_t, 3> x{1, 2, 3};
    kagi::secure_wipe(x);
    return x;
  }();
  static_assert(wiped == std::array<std::uint8_t, 3>{});
}

TEST_CASE("result") {
  kagi::result<int> good = 5;
  CHECK(good);
  CHECK(*good == 5);
  CHECK(good.error() == kagi::errc::ok);
  kagi::result<int> bad = kagi::errc::bad_length;
  CHECK_FALSE(bad);
  CHECK(bad.error() == kagi::errc::bad_length);
  CHECK(bad.message() == kagi::message(kagi::errc::bad_length));
  CHECK(bad.value_or(7) == 7);
  // An "error" of ok is itself a mistake and does not read as success.
  kagi::result<int> odd = kagi::errc::ok;
  CHECK_FALSE(odd);
  kagi::status s;
  CHECK(s);
  kagi::status f = kagi::errc::random_failure;
  CHECK_FALSE(f);
  CHECK(f.message() == "the operating system refused to supply random bytes");
}

TEST_CASE("errc: every code is in a group, each group numbered without gaps, every code has a message") {
  using kagi::errc;
  using kagi::errc_group;
  CHECK(kagi::group(errc::ok) == errc_group::none);
  CHECK(kagi::group(errc::bad_length) == errc_group::general);
  CHECK(kagi::group(errc::der_truncated) == errc_group::encoding);
  CHECK(kagi::group(errc::authentication_failed) == errc_group::crypto);
  CHECK(kagi::group(errc::rsa_bad_modulus) == errc_group::key);
  CHECK(kagi::group(errc::bad_record_mac) == errc_group::tls);
  std::size_t total = 0;
  for (int g = 1; g <= static_cast<int>(errc_group::x509); ++g) {
    CHECK(kagi::group_name(static_cast<errc_group>(g)) != "unknown");
    // Codes of a group are g * 0x100 + 0, 1, 2, ...: a run of known messages,
    // then nothing up to the next group.
    int n = 0;
    while (n < 0x100 && kagi::message(static_cast<errc>(g * 0x100 + n)) != "unknown error") {
      CHECK(kagi::group(static_cast<errc>(g * 0x100 + n)) == static_cast<errc_group>(g));
      ++n;
    }
    for (int m = n; m < 0x100; ++m) CHECK(kagi::message(static_cast<errc>(g * 0x100 + m)) == "unknown error");
    total += static_cast<std::size_t>(n);
  }
  CHECK(total > 40);
  CHECK(kagi::message(static_cast<errc>(0x700)) == "unknown error");
}

TEST_CASE("cpu features and the disable switch") {
  using namespace kagi::cpu;
  std::vector<std::string> unknown;
  const auto mask = parse_disable_list(" shani, avx512 ,bogus,,aesni", [&](std::string_view n) { unknown.emplace_back(n); });
  CHECK(mask == (sha_ni | avx512_all | aesni));
  REQUIRE(unknown.size() == 1);
  CHECK(unknown[0] == "bogus");
  CHECK(parse_disable_list("all", [](std::string_view) {}) == all);

  CHECK((features() & ~allowed()) == 0);
  CHECK((allowed() & ~detected()) == 0);
  {
    testing::scoped_disable off(all);
    CHECK(features() == 0);
    {
      testing::scoped_disable inner(sha_ni);
      CHECK(features() == (allowed() & ~sha_ni));
    }
    CHECK(features() == 0);
  }
  CHECK(features() == allowed());
}

TEST_CASE("KAGI_CPU_DISABLE from the environment") {
  // CTest runs this suite a second time with KAGI_CPU_DISABLE=all (core_cpu_disabled).
  const char* env = std::getenv("KAGI_CPU_DISABLE");
  if (env != nullptr && std::string_view(env) == "all") {
    CHECK(kagi::cpu::allowed() == 0);
    CHECK(kagi::cpu::features() == 0);
  } else if (env == nullptr) {
    CHECK(kagi::cpu::allowed() == kagi::cpu::detected());
  }
}

// The vector-file helper fails the test (naming the file) when a file is missing;
// should_fail makes this case pass only if that happens.
TEST_CASE("a missing vector file fails the test" * doctest::should_fail()) {
  (void)kagi_test::read_vector_file("no/such/file.rsp");
}

TEST_CASE("system_random") {
  kagi::system_random rng;
  std::array<std::uint8_t, 64> a{}, b{};
  REQUIRE(rng.try_fill(a));
  rng.fill(b);
  CHECK(a != b);
  CHECK(a != std::array<std::uint8_t, 64>{});
  std::vector<std::uint8_t> big(1 << 20);
  REQUIRE(rng.try_fill(big));
  // A megabyte of OS randomness has every byte value.
  std::array<int, 256> seen{};
  for (auto x : big) seen[x]++;
  CHECK(std::count(seen.begin(), seen.end(), 0) == 0);
  static_assert(kagi::random_source<kagi::system_random>);
}
