// pk/x25519.hpp on every path: RFC 7748 sections 5.2 and 6.1, Wycheproof
// x25519_test.json, the fixed-base public key against the ladder, the paths
// against each other, OpenSSL both ways, and known answers as static_asserts.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <kagi/ec/x25519.hpp>
#include <string>
#include <vector>

#include "support/kat.hpp"
#include "support/dudect.hpp"
#include "support/openssl_ecdh.hpp"
#include "support/paths.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

using namespace kagi::literals;
using kagi_test::bytes;
using key = std::array<std::uint8_t, 32>;

namespace {

namespace c = kagi::detail::c25519;

// The ladder's table has every row of the fixed-base table's among its own
// (mulx-adx, portable), so running the ladder's rows runs both tables' rows:
// TEST_CASE "every fixed-base row is reached" checks that.
const std::vector<kagi_test::path> x25519_paths = kagi_test::paths_of(c::x25519_ladder_table);

template <class Body>
void on_every_path(Body body) {
  kagi_test::for_each_path(c::x25519_ladder_table, body);
}

key to_key(const bytes& b) {
  REQUIRE(b.size() == 32);
  key k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

// X25519(k, u) through the ladder, without the all-zero check.
key ladder(const key& k, const key& u) {
  key out{};
  c::scalarmult(out.data(), k, u.data());
  return out;
}

constexpr key nine{9};

// RFC 7748 section 6.1, as compile-time known answers.
constexpr auto alice_private = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"_hex;
constexpr auto bob_public = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"_hex;

// A field element as its canonical 32 bytes: how elements of two fields are compared.
template <class Field>
constexpr key encoded(const typename Field::fe& f) {
  key s{};
  Field::to_bytes(s.data(), f);
  return s;
}

}  // namespace

TEST_CASE("X25519 known answers at compile time (RFC 7748 section 6.1)") {
  KAGI_CHECK_CONSTEXPR(kagi::x25519::public_key(alice_private) ==
                       "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"_hex);
  KAGI_CHECK_CONSTEXPR(*kagi::x25519::shared_secret(alice_private, bob_public) ==
                       "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"_hex);
}

TEST_CASE("X25519 edwards25519 constants of the fixed-base path") {
  // The field, at compile time: d * 121666 = -121665, B on the curve, and B maps to u = 9.
  using F = c::field51;
  constexpr F::fe d = F::from_bytes(c::ed_d_bytes.data());
  static_assert(encoded<F>(F::add(F::mul_small(d, 121666), F::small(121665))) == key{});
  constexpr F::fe x = F::from_bytes(c::ed_base_x_bytes.data()), y = F::from_bytes(c::ed_base_y_bytes.data());
  constexpr F::fe xx = F::sqr(x), yy = F::sqr(y);
  // -x^2 + y^2 = 1 + d x^2 y^2
  static_assert(encoded<F>(F::sub(yy, xx)) == encoded<F>(F::add(F::one(), F::mul(d, F::mul(xx, yy)))));
  // y = 4/5
  static_assert(encoded<F>(F::mul_small(y, 5)) == encoded<F>(F::small(4)));
  CHECK(kagi::x25519::public_key(key{1}) == ladder(key{1}, nine));
}

TEST_CASE("X25519 field encoding: canonical output, non-canonical input") {
  using F = c::field51;
  // p, p + 1, 2^255 - 1 (= p + 18) reduce to 0, 1, 18; the top bit is ignored.
  const auto p = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"_hex;
  const auto p1 = "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"_hex;
  const auto top = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"_hex;
  key out{};
  F::to_bytes(out.data(), F::from_bytes(p.data()));
  CHECK(out == key{});
  F::to_bytes(out.data(), F::from_bytes(p1.data()));
  CHECK(out == key{1});
  F::to_bytes(out.data(), F::from_bytes(top.data()));
  CHECK(out == key{18});
  // -1 = p - 1
  F::to_bytes(out.data(), F::neg(F::one()));
  CHECK(out == "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"_hex);
}

#if KAGI_X86
TEST_CASE("X25519 radix-2^64 field (mulx-adx) against the radix-2^51 field") {
  if ((kagi::cpu::allowed() & c::x25519_adx_needs) != c::x25519_adx_needs) return;
  using F = c::field51;
  using G = c::field64_adx;
  kagi_test::test_rng rng(15);
  // Edge values: 0, 1, p - 1, p, p + 1, 2^255 - 1, and random bytes (any top bit).
  std::vector<key> values = {key{}, key{1},
                             to_key(kagi_test::hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")),
                             to_key(kagi_test::hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")),
                             to_key(kagi_test::hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")),
                             to_key(kagi_test::hex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))};
  for (int i = 0; i < 200; ++i) {
    key k{};
    rng.fill(k);
    values.push_back(k);
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    const key& x = values[i];
    const key& y = values[(i * 7 + 3) % values.size()];
    INFO("x = " << kagi::to_hex(x) << ", y = " << kagi::to_hex(y));
    const F::fe a = F::from_bytes(x.data()), b = F::from_bytes(y.data());
    G::fe c = G::from_bytes(x.data()), d = G::from_bytes(y.data());
    CHECK(encoded<G>(c) == encoded<F>(a));
    CHECK(encoded<G>(G::mul(c, d)) == encoded<F>(F::mul(a, b)));
    CHECK(encoded<G>(G::sqr(c)) == encoded<F>(F::sqr(a)));
    CHECK(encoded<G>(G::add(c, d)) == encoded<F>(F::add(a, b)));
    CHECK(encoded<G>(G::sub(c, d)) == encoded<F>(F::sub(a, b)));
    CHECK(encoded<G>(G::mul_small(c, 121665)) == encoded<F>(F::mul_small(a, 121665)));
    CHECK(encoded<G>(c::invert<G>(c)) == encoded<F>(c::invert<F>(a)));
    // Values near 2^256 (the radix-2^64 field keeps any value below 2^256).
    // The reference for it: the low 255 bits plus 19 for bit 255 (2^255 = 19 mod p).
    const G::fe big{{~std::uint64_t{0} - (i & 63), ~std::uint64_t{0}, ~std::uint64_t{0}, ~std::uint64_t{0} - (i & 1)}};
    key big_bytes{};
    for (int w = 0; w < 4; ++w) kagi::store_le64(big_bytes.data() + 8 * w, big.v[w]);
    const F::fe big51 = F::add(F::from_bytes(big_bytes.data()), F::small(19));
    CHECK(encoded<G>(big) == encoded<F>(big51));
    CHECK(encoded<G>(G::mul(big, d)) == encoded<F>(F::mul(big51, b)));
    CHECK(encoded<G>(G::mul(big, big)) == encoded<F>(F::mul(big51, big51)));
    CHECK(encoded<G>(G::sqr(big)) == encoded<F>(F::sqr(big51)));
    CHECK(encoded<G>(G::add(big, big)) == encoded<F>(F::add(big51, big51)));
    CHECK(encoded<G>(G::sub(d, big)) == encoded<F>(F::sub(b, F::mul(big51, F::one()))));
    CHECK(encoded<G>(G::mul_small(big, 121666)) == encoded<F>(F::mul_small(big51, 121666)));
  }
}
#endif

#if KAGI_X86
// The mulx-adx ladder's fused blocks assume "tight" inputs (below 2^255 + 2^40,
// what mul, sqr, mul_small and from_bytes return) and fold only once: checked
// here on the extremes of that range against the radix-2^51 field.
TEST_CASE("X25519 mulx-adx ladder blocks on tight values") {
  if ((kagi::cpu::allowed() & c::x25519_adx_needs) != c::x25519_adx_needs) return;
  using F = c::field51;
  using G = c::field64_adx;
  constexpr std::uint64_t top = std::uint64_t{1} << 63, ones = ~std::uint64_t{0};
  // The same value in radix 2^51: the low 255 bits, plus 19 for bit 255.
  const auto to51 = [](const G::fe& g) {
    key b{};
    for (int w = 0; w < 4; ++w) kagi::store_le64(b.data() + 8 * w, g.v[w]);
    return F::add(F::from_bytes(b.data()), F::small(19 * (g.v[3] >> 63)));
  };
  const auto tight = [&](const G::fe& g) {
    return g.v[3] < top || (g.v[3] == top && g.v[2] == 0 && g.v[1] == 0 && g.v[0] < (std::uint64_t{1} << 40));
  };
  std::vector<G::fe> values = {
      G::zero(), G::one(), G::small(37), G::small(38), G::small(39),
      G::fe{{ones - 18, ones, ones, top - 1}},                // p - 1
      G::fe{{ones - 17, ones, ones, top - 1}},                // p
      G::fe{{ones, ones, ones, top - 1}},                     // 2^255 - 1
      G::fe{{(std::uint64_t{1} << 13) - 1, 0, 0, top}},       // the largest mul or sqr result
      G::fe{{(std::uint64_t{1} << 40) - 1, 0, 0, top}},       // the largest tight value
      G::fe{{0, 0, 0, top}}};
  kagi_test::test_rng rng(17);
  for (int i = 0; i < 40; ++i) {
    G::fe r{};
    for (auto& w : r.v) w = static_cast<std::uint64_t>(rng.uniform(0, ~std::size_t{0}));
    if (i % 2 == 0) {
      r.v[3] &= top - 1;  // below 2^255
    } else {
      r = G::fe{{r.v[0] >> (24 + i % 10), 0, 0, top}};  // just above 2^255
    }
    values.push_back(r);
  }
  const G::fe big{{ones, ones, ones, ones}};
  for (const G::fe& v : values) REQUIRE(tight(v));
  // The producers of tight values, on their largest inputs.
  CHECK(tight(G::mul(big, big)));
  CHECK(tight(G::sqr(big)));
  CHECK(tight(G::mul_small(big, 121666)));
  CHECK(tight(G::mul_small(big, 0xffffffff)));
  CHECK(tight(G::sqr_n(big, 1)));
  CHECK(encoded<G>(G::sqr_n(big, 1)) == encoded<G>(G::sqr(big)));
  for (const G::fe& v : values) CHECK(encoded<G>(G::sqr_n(v, 3)) == encoded<G>(G::sqr(G::sqr(G::sqr(v)))));
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = 0; j < values.size(); j += 3) {
      const G::fe& x = values[i];
      const G::fe& y = values[(i + j) % values.size()];
      INFO("i = " << i << ", j = " << j);
      const F::fe x51 = to51(x), y51 = to51(y);
      G::fe s, d;
      c::fe64_add_sub(x, y, s, d);
      CHECK(encoded<G>(s) == encoded<F>(F::add(x51, y51)));
      CHECK(encoded<G>(d) == encoded<F>(F::sub(x51, y51)));
      G::fe e, f;
      c::fe64_ladder_e_f(x, y, e, f);
      const F::fe e51 = F::sub(x51, y51);
      CHECK(encoded<G>(e) == encoded<F>(e51));
      CHECK(encoded<G>(f) == encoded<F>(F::add(x51, F::mul_small(e51, 121665))));
      CHECK(tight(f));
      // The step's start on (x2, z2, x3, z3) = (x, y, y', x'), both ways of the swap.
      const G::fe& x3 = values[(i + 2 * j + 1) % values.size()];
      const G::fe& z3 = values[(3 * i + j + 5) % values.size()];
      const G::fe st[4] = {x, y, x3, z3};
      for (const std::uint64_t swap : {std::uint64_t{0}, ones}) {
        G::fe w[4];
        c::fe64_ladder_start(swap, st, w);
        const F::fe p2 = swap ? to51(x3) : x51, q2 = swap ? to51(z3) : y51;
        const F::fe p3 = swap ? x51 : to51(x3), q3 = swap ? y51 : to51(z3);
        CHECK(encoded<G>(w[0]) == encoded<F>(F::add(p2, q2)));
        CHECK(encoded<G>(w[1]) == encoded<F>(F::sub(p2, q2)));
        CHECK(encoded<G>(w[2]) == encoded<F>(F::add(p3, q3)));
        CHECK(encoded<G>(w[3]) == encoded<F>(F::sub(p3, q3)));
      }
    }
  }
}
#endif

#if KAGI_X86
// The 4-way IFMA field (radix 2^51, lane by lane) against the portable
// radix-2^51 field, on limbs at the edges of the bounds in x25519_ifma.hpp:
// ready limbs up to 2^52 - 1, wide limbs up to what a product of the
// largest ready limbs leaves.
using limbs5 = std::array<std::uint64_t, 5>;
using lanes4 = std::array<limbs5, 4>;

KAGI_X25519_IFMA_TARGET c::fe4 ifma_load(const lanes4& v) {
  c::fe4 r;
  for (int i = 0; i < 5; ++i)
    r.l[i] = _mm256_set_epi64x(static_cast<long long>(v[3][i]), static_cast<long long>(v[2][i]),
                               static_cast<long long>(v[1][i]), static_cast<long long>(v[0][i]));
  return r;
}
KAGI_X25519_IFMA_TARGET lanes4 ifma_store(const c::fe4& a) {
  alignas(32) std::uint64_t buf[5][4];
  for (int i = 0; i < 5; ++i) _mm256_store_si256(reinterpret_cast<__m256i*>(buf[i]), a.l[i]);
  lanes4 r{};
  for (int lane = 0; lane < 4; ++lane)
    for (int i = 0; i < 5; ++i) r[lane][i] = buf[i][lane];
  return r;
}
KAGI_X25519_IFMA_TARGET lanes4 ifma_mul_wide(const lanes4& a, const lanes4& b) {
  return ifma_store(c::fe4_mul_wide(ifma_load(a), ifma_load(b)));
}
KAGI_X25519_IFMA_TARGET lanes4 ifma_carry(const lanes4& a) { return ifma_store(c::fe4_carry(ifma_load(a))); }
KAGI_X25519_IFMA_TARGET lanes4 ifma_add_sub(const lanes4& a, const lanes4& b) {
  return ifma_store(c::fe4_add_sub<0xa>(ifma_load(a), ifma_load(b)));
}
// carry(b + k a) with k = 121666, 0, 2, 2^20 - 1 in lanes 0..3.
constexpr std::uint64_t small_k[4] = {121666, 0, 2, (1 << 20) - 1};
KAGI_X25519_IFMA_TARGET lanes4 ifma_add_small(const lanes4& b, const lanes4& a) {
  const __m256i k = _mm256_set_epi64x(small_k[3], small_k[2], small_k[1], small_k[0]);
  return ifma_store(c::fe4_add_small(ifma_load(b), ifma_load(a), k));
}
KAGI_X25519_IFMA_TARGET c::fe64 ifma_lane(const lanes4& a, int lane) { return c::fe4_lane(ifma_load(a), lane); }

TEST_CASE("X25519 4-way IFMA field against the radix-2^51 field") {
  if ((kagi::cpu::allowed() & c::x25519_ifma_needs) != c::x25519_ifma_needs) return;
  using F = c::field51;
  using G = c::field64_adx;
  // Any limbs below 2^64 as a portable element: each limb split at bit 51,
  // the high parts moved one limb up (times 19 from limb 4 to limb 0).
  const auto value = [](const limbs5& l) {
    F::fe lo{}, hi{};
    for (int i = 0; i < 5; ++i) {
      lo.v[i] = l[i] & c::mask51;
      hi.v[(i + 1) % 5] = (l[i] >> 51) * (i == 4 ? 19 : 1);
    }
    return F::mul(F::add(lo, hi), F::one());
  };
  const std::uint64_t ready_max = (std::uint64_t{1} << 52) - 1, carried_max = (std::uint64_t{1} << 51) + (1 << 15) - 1;
  kagi_test::test_rng rng(16);
  const auto ready_limb = [&](int kind) -> std::uint64_t {
    switch (kind % 6) {
      case 0: return ready_max;
      case 1: return carried_max;
      case 2: return 0;
      case 3: return c::mask51;
      default: return rng.uniform(0, ready_max);
    }
  };
  lanes4 big{};
  for (auto& lane : big) lane.fill(ready_max);
  const lanes4 widest = ifma_mul_wide(big, big);
  const std::uint64_t wide_bound = (std::uint64_t{1} << 60) + (std::uint64_t{1} << 58);  // 2^60.3
  for (int n = 0; n < 400; ++n) {
    lanes4 a{}, b{};
    for (int lane = 0; lane < 4; ++lane)
      for (int i = 0; i < 5; ++i) {
        a[lane][i] = n == 0 ? ready_max : ready_limb(static_cast<int>(rng.uniform(0, 9)));
        b[lane][i] = n < 2 ? ready_max : ready_limb(static_cast<int>(rng.uniform(0, 9)));
      }
    const lanes4 m = ifma_mul_wide(a, b);
    const lanes4 mc = ifma_carry(m);
    // Wide operands for the sums: products, the product of the largest ready limbs, or limbs at their bound.
    lanes4 w1 = m, w2 = n % 3 == 0 ? widest : ifma_mul_wide(b, b);
    if (n % 7 == 1)
      for (auto& lane : w2) lane.fill((std::uint64_t{1} << 60) + (std::uint64_t{1} << 57));
    const lanes4 sd = ifma_add_sub(w1, w2);
    const lanes4 f = ifma_add_small(w1, a);
    for (int lane = 0; lane < 4; ++lane) {
      INFO("n = " << n << ", lane " << lane);
      const F::fe a51 = value(a[lane]), b51 = value(b[lane]);
      for (int i = 0; i < 5; ++i) {
        CHECK(m[lane][i] < wide_bound);
        CHECK(mc[lane][i] <= carried_max);
        CHECK(sd[lane][i] <= carried_max);
        CHECK(f[lane][i] <= carried_max);
      }
      CHECK(encoded<F>(value(m[lane])) == encoded<F>(F::mul(a51, b51)));
      CHECK(encoded<F>(value(mc[lane])) == encoded<F>(F::mul(a51, b51)));
      CHECK(encoded<G>(ifma_lane(mc, lane)) == encoded<F>(F::mul(a51, b51)));
      const F::fe x = value(w1[lane]), y = value(w2[lane]);
      CHECK(encoded<F>(value(sd[lane])) == encoded<F>(lane % 2 == 1 ? F::sub(x, F::mul(y, F::one())) : F::add(x, y)));
      CHECK(encoded<F>(value(f[lane])) == encoded<F>(F::add(x, F::mul_small(a51, small_k[lane]))));
    }
  }
}
#endif

TEST_CASE("X25519 RFC 7748 section 5.2 vectors") {
  std::vector<kagi_test::record> single, iterated;
  for (auto& r : kagi_test::parse_records("rfc/rfc7748_x25519.txt")) {
    if (r.header("@") == "x25519") single.push_back(r);
    if (r.header("@") == "x25519_iterated") iterated.push_back(r);
  }
  REQUIRE(single.size() == 2);
  REQUIRE(iterated.size() == 1);
  on_every_path([&](const kagi_test::path&) {
    for (const auto& r : single) {
      INFO(r.where());
      const auto out = kagi::x25519::shared_secret(to_key(r.get_hex("scalar")), to_key(r.get_hex("u")));
      REQUIRE(out);
      CHECK(*out == to_key(r.get_hex("output")));
    }
    key k = to_key(iterated[0].get_hex("initial_k")), u = to_key(iterated[0].get_hex("initial_u"));
    for (int i = 1; i <= 1000; ++i) {
      const key next = ladder(k, u);
      u = k;
      k = next;
      if (i == 1) CHECK(k == to_key(iterated[0].get_hex("after_1")));
    }
    CHECK(k == to_key(iterated[0].get_hex("after_1000")));
  });
}

TEST_CASE("X25519 RFC 7748 section 5.2: 1,000,000 iterations" * doctest::test_suite("slow")) {
  const auto records = kagi_test::parse_records("rfc/rfc7748_x25519.txt");
  const kagi_test::record* it = nullptr;
  for (const auto& r : records)
    if (r.header("@") == "x25519_iterated") it = &r;
  REQUIRE(it != nullptr);
  on_every_path([&](const kagi_test::path&) {
    key k = to_key(it->get_hex("initial_k")), u = k;
    for (int i = 1; i <= 1000000; ++i) {
      const key next = ladder(k, u);
      u = k;
      k = next;
    }
    CHECK(k == to_key(it->get_hex("after_1000000")));
  });
}

TEST_CASE("X25519 RFC 7748 section 6.1 Diffie-Hellman") {
  kagi_test::record dh;
  for (auto& r : kagi_test::parse_records("rfc/rfc7748_x25519.txt"))
    if (r.header("@") == "x25519_dh") dh = r;
  REQUIRE(!dh.fields.empty());
  on_every_path([&](const kagi_test::path&) {
    const key a = to_key(dh.get_hex("alice_private")), b = to_key(dh.get_hex("bob_private"));
    const key pa = kagi::x25519::public_key(a), pb = kagi::x25519::public_key(b);
    CHECK(pa == to_key(dh.get_hex("alice_public")));
    CHECK(pb == to_key(dh.get_hex("bob_public")));
    const auto ka = kagi::x25519::shared_secret(a, pb), kb = kagi::x25519::shared_secret(b, pa);
    REQUIRE(ka);
    REQUIRE(kb);
    CHECK(*ka == to_key(dh.get_hex("shared")));
    CHECK(*kb == *ka);
  });
}

TEST_CASE("X25519 Wycheproof x25519_test.json") {
  const auto j = kagi_test::read_json("wycheproof/x25519_test.json");
  REQUIRE(j["algorithm"] == "XDH");
  std::size_t count = 0, zero = 0;
  on_every_path([&](const kagi_test::path&) {
    count = zero = 0;
    for (const auto& g : j["testGroups"]) {
      REQUIRE(g["curve"] == "curve25519");
      for (const auto& t : g["tests"]) {
        INFO("tcId " << t["tcId"].get<int>() << ": " << t["comment"].get<std::string>());
        const std::string result = t["result"];
        // Every test is valid or acceptable: the shared value is what X25519 computes.
        REQUIRE((result == "valid" || result == "acceptable"));
        const key priv = to_key(kagi_test::hex(t["private"].get<std::string>()));
        const key pub = to_key(kagi_test::hex(t["public"].get<std::string>()));
        const key expected = to_key(kagi_test::hex(t["shared"].get<std::string>()));
        const auto out = kagi::x25519::shared_secret(priv, pub);
        if (expected == key{}) {
          // A low-order public key: the API refuses the all-zero result.
          CHECK(!out.has_value());
          CHECK(ladder(priv, pub) == key{});
          ++zero;
        } else {
          REQUIRE(out);
          CHECK(*out == expected);
        }
        ++count;
      }
    }
  });
  CHECK(count == j["numberOfTests"].get<std::size_t>());
  CHECK(zero > 0);
}

TEST_CASE("X25519 low-order points give an all-zero result, refused") {
  // The u-coordinates of the points of order 1, 2, 4 and 8 (and the same
  // values plus p, and with the top bit set): X25519 of any clamped scalar is 0.
  const std::vector<key> low = {
      key{},
      key{1},
      to_key(kagi_test::hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")),
      to_key(kagi_test::hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157")),
      to_key(kagi_test::hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")),  // p - 1
      to_key(kagi_test::hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")),  // p
      to_key(kagi_test::hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")),  // p + 1
      to_key(kagi_test::hex("0000000000000000000000000000000000000000000000000000000000000080")),  // 0, top bit set
  };
  kagi_test::test_rng rng(11);
  on_every_path([&](const kagi_test::path&) {
    for (int i = 0; i < 4; ++i) {
      key priv{};
      rng.fill(priv);
      for (const auto& u : low) {
        INFO("u = " << kagi::to_hex(u));
        CHECK(ladder(priv, u) == key{});
        CHECK(!kagi::x25519::shared_secret(priv, u).has_value());
      }
    }
  });
}

TEST_CASE("X25519 fixed-base public key equals the ladder on u = 9") {
  kagi_test::test_rng rng(12);
  on_every_path([&](const kagi_test::path&) {
    for (int i = 0; i < 200; ++i) {
      key priv{};
      rng.fill(priv);
      if (i == 0) priv = key{};
      if (i == 1) priv.fill(0xff);
      INFO("priv = " << kagi::to_hex(priv));
      CHECK(kagi::x25519::public_key(priv) == ladder(priv, nine));
    }
  });
}

TEST_CASE("every fixed-base row is reached while running the ladder's rows") {
  std::vector<std::string> seen;
  on_every_path([&](const kagi_test::path&) { seen.emplace_back(kagi::x25519::public_key_implementation()); });
  for (const auto& row : c::x25519_base_table.paths) {
    if ((kagi::cpu::allowed() & row.needs) != row.needs) continue;
    CHECK_MESSAGE(std::find(seen.begin(), seen.end(), row.name) != seen.end(), row.name);
  }
}

TEST_CASE("X25519 paths agree on random inputs") {
  const auto paths = kagi_test::available_paths(x25519_paths);
  kagi_test::test_rng rng(13);
  for (int i = 0; i < 100; ++i) {
    key priv{}, u{};
    rng.fill(priv);
    rng.fill(u);  // any 32 bytes, top bit and values >= p included
    if (i < 4) std::fill(u.begin() + 1, u.end(), 0xff);
    INFO("priv = " << kagi::to_hex(priv) << ", u = " << kagi::to_hex(u));
    key first_shared{}, first_public{};
    for (std::size_t n = 0; n < paths.size(); ++n) {
      kagi::cpu::testing::scoped_disable off(paths[n].disable);
      const key s = ladder(priv, u), p = kagi::x25519::public_key(priv);
      if (n == 0) {
        first_shared = s;
        first_public = p;
      }
      CHECK(s == first_shared);
      CHECK(p == first_public);
    }
  }
}

#if KAGI_HAVE_OPENSSL
TEST_CASE("X25519 agrees with OpenSSL both ways on random keys") {
  kagi_test::test_rng rng(14);
  on_every_path([&](const kagi_test::path&) {
    for (int i = 0; i < 50; ++i) {
      key a{}, b{};
      rng.fill(a);
      rng.fill(b);
      const key pa = kagi::x25519::public_key(a);
      CHECK(bytes(pa.begin(), pa.end()) == kagi_test::ossl::x25519_public_of(a));
      const bytes pb_ossl = kagi_test::ossl::x25519_public_of(b);
      REQUIRE(pb_ossl.size() == 32);
      // kagi with a's private key and OpenSSL's public key for b, against
      // OpenSSL with b's private key and kagi's public key for a.
      const auto ours = kagi::x25519::shared_secret(a, to_key(pb_ossl));
      const auto theirs = kagi_test::ossl::derive(kagi_test::ossl::x25519_private(b), kagi_test::ossl::x25519_public(pa));
      REQUIRE(ours);
      REQUIRE(theirs);
      CHECK(bytes(ours->begin(), ours->end()) == *theirs);
      // A random peer value (any 32 bytes) gives what OpenSSL computes too.
      key u{};
      rng.fill(u);
      const auto mine = kagi::x25519::shared_secret(a, u);
      const auto ossl = kagi_test::ossl::derive(kagi_test::ossl::x25519_private(a), kagi_test::ossl::x25519_public(u));
      REQUIRE(mine.has_value() == ossl.has_value());
      if (mine) CHECK(bytes(mine->begin(), mine->end()) == *ossl);
    }
  });
}
#endif

// ---- dudect-style timing (support/dudect.hpp): a fixed private scalar (all
// zero bytes before clamping) against random ones, on every path, for the
// ladder and the fixed-base public key. The kernels valgrind cannot run
// (MULX/ADX, AVX-512 IFMA) are checked here.
TEST_SUITE("timing") {
  TEST_CASE("X25519: time does not depend on the private scalar (dudect)") {
    kagi_test::test_rng rng(41);
    std::vector<key> pool[2];
    for (int i = 0; i < 64; ++i) {
      pool[0].push_back(key{});
      key k{};
      rng.fill(k);
      pool[1].push_back(k);
    }
    key peer_scalar{};
    rng.fill(peer_scalar);
    const key peer = kagi::x25519::public_key(peer_scalar);
    on_every_path([&](const kagi_test::path& path) {
      volatile std::uint8_t sink = 0;
      const double shared = kagi_test::dudect_worst_t(
          std::string(path.name) + " shared_secret", 4000, 64, rng, [&](int cls, std::size_t i) {
            const auto s = kagi::x25519::shared_secret(pool[cls][i], peer);
            sink = sink ^ (*s)[0];
          });
      CHECK(shared < kagi_test::dudect_threshold);
      const double pub = kagi_test::dudect_worst_t(
          std::string(path.name) + " public_key", 4000, 64, rng, [&](int cls, std::size_t i) {
            sink = sink ^ kagi::x25519::public_key(pool[cls][i])[0];
          });
      CHECK(pub < kagi_test::dudect_threshold);
    });
  }
}
