// math/limbs.hpp, montgomery.hpp, modinv.hpp and primes.hpp: limb arithmetic,
// Montgomery multiplication and squaring, exponentiation, reduction,
// inversion and probable primes against OpenSSL's BIGNUM on random inputs, on
// every path (portable, mulx-adx, avx512-ifma: the rows of the two dispatch
// tables), the paths against each other, edge cases, and known facts
// (Fermat's little theorem) as static_asserts.
#include <doctest/doctest.h>

#include <kagi/math/limbs.hpp>
#include <kagi/math/modinv.hpp>
#include <kagi/math/montgomery.hpp>
#include <kagi/math/primes.hpp>
#include <vector>

#include "support/bigint_paths.hpp"
#include "support/kat.hpp"
#include "support/openssl_bn.hpp"
#include "support/random.hpp"

using namespace kagi::bn;
using kagi_test::test_rng;
using limbs = std::vector<limb>;

namespace {

using kagi_test::bigint_paths;

// What implementation() (or, for a public exponent, public_implementation())
// should say for n limbs on a path, from the sizes each kernel is written
// for: the IFMA exponentiations take the CRT halves of 2048-, 3072- and
// 4096-bit keys (16, 24, 32 limbs; public exponents also whole 3072- and
// 4096-bit moduli, 48 and 64); the mulx-adx multiplication takes multiples of
// 4 limbs, on its own path and under the IFMA one.
[[maybe_unused]] std::string_view expected_path(std::size_t n, std::string_view path, bool public_exponent = false) {
  const bool ifma_size = n == 16 || n == 24 || n == 32 || (public_exponent && (n == 48 || n == 64));
  if (path == "avx512-ifma" && ifma_size) return "avx512-ifma";
  if (path != "portable" && n % 4 == 0) return "mulx-adx";
  return "portable";
}

template <class Body>
void on_every_path(Body body) {
  kagi_test::on_every_bigint_path(body);
}

limbs random_limbs(test_rng& rng, std::size_t n) {
  limbs v(n);
  rng.fill(std::span(reinterpret_cast<std::uint8_t*>(v.data()), 8 * n));
  return v;
}

// An odd modulus of n limbs; shape picks how full the top limb is.
limbs random_modulus(test_rng& rng, std::size_t n, int shape) {
  limbs m = random_limbs(rng, n);
  if (shape == 0) m[n - 1] |= limb{1} << 63;             // full top limb
  if (shape == 1) m[n - 1] >>= rng.uniform(1, 62);        // partly full
  if (shape == 2) m[n - 1] = rng.uniform(1, 3);           // almost empty
  if (m[n - 1] == 0) m[n - 1] = 1;
  m[0] |= 1;
  if (n == 1 && m[0] < 3) m[0] = 3;
  return m;
}

// A value below m.
limbs random_below(test_rng& rng, const limbs& m) {
  limbs a = random_limbs(rng, m.size());
  a.back() = m.back() == 0 ? 0 : a.back() % m.back();
  return a;
}

const std::size_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 24, 32, 48, 64};

// Fermat's little theorem at compile time: a^(p-1) = 1 mod p for the prime
// p = 2^127 - 1, and a * a^-1 = 1.
constexpr bool fermat_m127(limb a0) {
  const limb p[2] = {~limb{0}, (limb{1} << 63) - 1};
  auto ctx = montgomery::create(p, 2);
  if (!ctx) return false;
  limb a[2] = {a0, 0x0123456789abcdefu}, am[2] = {}, r[2] = {}, e[2] = {p[0] - 1, p[1]};
  ctx->to_mont(am, a);
  ctx->pow(r, am, e, 127);
  ctx->from_mont(r, r);
  if (r[0] != 1 || r[1] != 0) return false;
  ctx->pow_public_plain(r, a, e, 2);  // the same power, public exponent
  if (r[0] != 1 || r[1] != 0) return false;
  limb inv[2] = {};
  if (ctx->inverse(inv, a) == 0) return false;
  limb im[2] = {};
  ctx->to_mont(im, inv);
  ctx->mul(r, am, im);
  ctx->from_mont(r, r);
  return r[0] == 1 && r[1] == 0;
}

constexpr limb_pair square_of_max() { return mul_wide(~limb{0}, ~limb{0}); }

}  // namespace

TEST_CASE("bigint at compile time") {
  // (2^64 - 1)^2 = 2^128 - 2^65 + 1
  KAGI_CHECK_CONSTEXPR(square_of_max().lo == 1);
  KAGI_CHECK_CONSTEXPR(square_of_max().hi == ~limb{1});
  KAGI_CHECK_CONSTEXPR(fermat_m127(0x1234567890abcdefu));
  KAGI_CHECK_CONSTEXPR(bit_length(limb{0}) == 0);
  KAGI_CHECK_CONSTEXPR(bit_length(limb{1}) == 1);
  KAGI_CHECK_CONSTEXPR(bit_length(~limb{0}) == 64);
  constexpr limb x[3] = {5, 0, 0x8000};
  KAGI_CHECK_CONSTEXPR(bit_length(x, 3) == 128 + 16);
}

TEST_CASE("mul_wide and mac: portable and run-time agree") {
  test_rng rng(1);
  for (int i = 0; i < 10000; ++i) {
    limbs v = random_limbs(rng, 4);
    if (i < 4) v = {~limb{0}, ~limb{0}, ~limb{0}, ~limb{0}};
    const limb_pair w = mul_wide(v[0], v[1]);
    const limb_pair p = kagi::bn::detail::mul_wide_portable(v[0], v[1]);
    CHECK(w.lo == p.lo);
    CHECK(w.hi == p.hi);
    limb c = v[3];
    const limb lo = mac(v[0], v[1], v[2], c);
    // Check against the two-step sum.
    limb c2 = 0;
    limb lo2 = addc(p.lo, v[2], c2);
    limb hi2 = p.hi + c2;
    c2 = 0;
    lo2 = addc(lo2, v[3], c2);
    hi2 += c2;
    CHECK(lo == lo2);
    CHECK(c == hi2);
  }
}

#if KAGI_HAVE_OPENSSL
namespace ossl = kagi_test::ossl;

TEST_CASE("limb arithmetic against OpenSSL") {
  test_rng rng(2);
  ossl::bn_ctx_ptr ctx(BN_CTX_new());
  for (std::size_t n : sizes) {
    for (int iter = 0; iter < 20; ++iter) {
      INFO("n = " << n << ", iteration " << iter);
      limbs a = random_limbs(rng, n), b = random_limbs(rng, n), r(n), q(2 * n);
      if (iter == 0) b = a;
      auto A = ossl::to_bn(a.data(), n), B = ossl::to_bn(b.data(), n), R = ossl::new_bn();
      // add / sub with carry and borrow
      const limb carry = add(r.data(), a.data(), b.data(), n);
      BN_add(R.get(), A.get(), B.get());
      limbs expect = ossl::from_bn(R.get(), n + 1);
      CHECK(limbs(r) == limbs(expect.begin(), expect.end() - 1));
      CHECK(carry == expect.back());
      const limb borrow = sub(r.data(), a.data(), b.data(), n);
      CHECK((borrow != 0) == (BN_cmp(A.get(), B.get()) < 0));
      CHECK((less(a.data(), b.data(), n) != 0) == (BN_cmp(A.get(), B.get()) < 0));
      CHECK((equal(a.data(), b.data(), n) != 0) == (BN_cmp(A.get(), B.get()) == 0));
      if (!borrow) {
        BN_sub(R.get(), A.get(), B.get());
        CHECK(r == ossl::from_bn(R.get(), n));
      }
      // full product
      limbs p(2 * n);
      mul(p.data(), a.data(), n, b.data(), n);
      BN_mul(R.get(), A.get(), B.get(), ctx.get());
      CHECK(p == ossl::from_bn(R.get(), 2 * n));
      // bit length
      CHECK(bit_length(a.data(), n) == static_cast<limb>(BN_num_bits(A.get())));
      // divmod of the product by b (any b != 0, even or odd)
      limbs d = random_limbs(rng, n);
      d.resize(rng.uniform(1, n));
      if (is_zero(d.data(), d.size())) d[0] = 1;
      limbs rem(d.size());
      divmod(q.data(), rem.data(), p.data(), 2 * n, d.data(), d.size());
      auto D = ossl::to_bn(d.data(), d.size()), Q = ossl::new_bn(), M = ossl::new_bn();
      BN_div(Q.get(), M.get(), R.get(), D.get(), ctx.get());
      CHECK(q == ossl::from_bn(Q.get(), 2 * n));
      CHECK(rem == ossl::from_bn(M.get(), d.size()));
    }
  }
}

TEST_CASE("bytes in and out") {
  test_rng rng(3);
  for (std::size_t n : sizes) {
    limbs a = random_limbs(rng, n);
    std::vector<std::uint8_t> be(8 * n);
    REQUIRE(to_bytes(be, a.data(), n));
    auto A = ossl::to_bn(a.data(), n);
    std::vector<std::uint8_t> expect(8 * n);
    BN_bn2binpad(A.get(), expect.data(), static_cast<int>(expect.size()));
    CHECK(be == expect);
    limbs back(n);
    REQUIRE(from_bytes(back.data(), n, be));
    CHECK(back == a);
    // Leading zero bytes are fine; a longer value is refused.
    std::vector<std::uint8_t> longer(3 + be.size(), 0);
    for (std::size_t i = 0; i < be.size(); ++i) longer[3 + i] = be[i];
    REQUIRE(from_bytes(back.data(), n, longer));
    CHECK(back == a);
    longer[1] = 1;
    CHECK_FALSE(from_bytes(back.data(), n, longer));
    // Too small an output.
    std::vector<std::uint8_t> small(8 * n - 1);
    a.back() |= limb{1} << 63;
    CHECK_FALSE(to_bytes(small, a.data(), n));
    std::vector<std::uint8_t> wide(8 * n + 5);
    REQUIRE(to_bytes(wide, a.data(), n));
    CHECK(wide[0] == 0);
  }
  auto u = fixed_uint<2>::from_bytes(std::vector<std::uint8_t>{0x01, 0x02});
  REQUIRE(u);
  CHECK(u->v[0] == 0x0102);
  CHECK(fixed_uint<1>::from_bytes(std::vector<std::uint8_t>(9, 1)).error() == kagi::errc::bad_length);
}

TEST_CASE("trailing zeros, secret shifts and gcd against OpenSSL") {
  test_rng rng(7);
  ossl::bn_ctx_ptr bctx(BN_CTX_new());
  for (std::size_t n : sizes) {
    for (int it = 0; it < 10; ++it) {
      INFO("n = " << n << ", iteration " << it);
      limbs a = random_limbs(rng, n);
      const std::size_t z = rng.uniform(0, 64 * n - 1);
      for (std::size_t b = 0; b < z; ++b) a[b / 64] &= ~(limb{1} << (b % 64));
      a[z / 64] |= limb{1} << (z % 64);
      CHECK(trailing_zeros(a.data(), n) == z);
      limbs r(n), l(n);
      const limb s = rng.uniform(0, 64 * n - 1);
      shift_right_secret(r.data(), a.data(), s, n);
      shift_left_secret(l.data(), a.data(), s, n);
      auto A = ossl::to_bn(a.data(), n), R = ossl::new_bn();
      BN_rshift(R.get(), A.get(), static_cast<int>(s));
      CHECK(r == ossl::from_bn(R.get(), n));
      BN_lshift(R.get(), A.get(), static_cast<int>(s));
      BN_mask_bits(R.get(), static_cast<int>(64 * n));
      CHECK(l == ossl::from_bn(R.get(), n));
      // gcd(y, m) for odd m
      const limbs m = random_modulus(rng, n, it % 3);
      limbs y = random_below(rng, m), g(n);
      if (it % 2 == 0) {  // a gcd above 1: y = (m / d) * j for a small divisor d of m, when there is one
        for (limb d : {3u, 5u, 7u, 11u, 13u}) {
          limbs q(n), rem(1);
          const limb dd[1] = {d};
          divmod(q.data(), rem.data(), m.data(), n, dd, 1);
          if (rem[0] == 0) {
            (void)add(y.data(), q.data(), q.data(), n);  // 2 m / d < m
            break;
          }
        }
      }
      auto ctx = montgomery::create(m.data(), n);
      REQUIRE(ctx);
      ctx->gcd(g.data(), y.data());
      auto Y = ossl::to_bn(y.data(), n), M = ossl::to_bn(m.data(), n), G = ossl::new_bn();
      BN_gcd(G.get(), Y.get(), M.get(), bctx.get());
      CHECK(g == ossl::from_bn(G.get(), n));
    }
  }
  const limb zero[2] = {0, 0};
  CHECK(trailing_zeros(zero, 2) == 128);
}

TEST_CASE("Montgomery contexts refuse bad moduli") {
  const limb even[2] = {4, 1}, one[1] = {1}, zero[2] = {0, 0}, three[1] = {3};
  CHECK(montgomery::create(even, 2).error() == kagi::errc::invalid_argument);
  CHECK(montgomery::create(one, 1).error() == kagi::errc::invalid_argument);
  CHECK(montgomery::create(zero, 2).error() == kagi::errc::invalid_argument);
  CHECK(montgomery::create(three, 0).error() == kagi::errc::invalid_argument);
  CHECK(montgomery::create(three, max_limbs + 1).error() == kagi::errc::invalid_argument);
  CHECK(montgomery::create(three, 1));
}

TEST_CASE("Montgomery arithmetic against OpenSSL on every path") {
  ossl::bn_ctx_ptr bctx(BN_CTX_new());
  on_every_path([&](const kagi_test::path& path) {
    test_rng rng(4);
    for (std::size_t n : sizes) {
      for (int shape = 0; shape < 3; ++shape) {
        INFO("n = " << n << ", modulus shape " << shape);
        const limbs m = random_modulus(rng, n, shape);
        auto ctx = montgomery::create(m.data(), n);
        REQUIRE(ctx);
        CHECK(std::string_view(ctx->implementation()) == expected_path(n, path.name));
        CHECK(std::string_view(montgomery::mul_implementation(n)) ==
              ((path.name != "portable" && n % 4 == 0) ? "mulx-adx" : "portable"));
        auto M = ossl::to_bn(m.data(), n), R = ossl::new_bn();
        const int iters = n > 32 ? 2 : 6;
        for (int it = 0; it < iters; ++it) {
          limbs a = random_below(rng, m), b = random_below(rng, m);
          if (it == 0) a.assign(n, 0);                         // zero
          if (it == 1) (void)sub_limb(a.data(), m.data(), 1, n);  // m - 1
          limbs am(n), bm(n), r(n);
          ctx->to_mont(am.data(), a.data());
          ctx->to_mont(bm.data(), b.data());
          auto A = ossl::to_bn(a.data(), n), B = ossl::to_bn(b.data(), n);
          // multiplication and squaring
          ctx->mul(r.data(), am.data(), bm.data());
          ctx->from_mont(r.data(), r.data());
          BN_mod_mul(R.get(), A.get(), B.get(), M.get(), bctx.get());
          CHECK(r == ossl::from_bn(R.get(), n));
          ctx->sqr(r.data(), am.data());
          ctx->from_mont(r.data(), r.data());
          BN_mod_sqr(R.get(), A.get(), M.get(), bctx.get());
          CHECK(r == ossl::from_bn(R.get(), n));
          // in place
          limbs x = am;
          ctx->mul(x.data(), x.data(), bm.data());
          ctx->mul(r.data(), am.data(), bm.data());
          CHECK(x == r);
          x = am;
          ctx->sqr(x.data(), x.data());
          ctx->sqr(r.data(), am.data());
          CHECK(x == r);
          // add and sub
          ctx->mod_add(r.data(), a.data(), b.data());
          BN_mod_add(R.get(), A.get(), B.get(), M.get(), bctx.get());
          CHECK(r == ossl::from_bn(R.get(), n));
          ctx->mod_sub(r.data(), a.data(), b.data());
          BN_mod_sub(R.get(), A.get(), B.get(), M.get(), bctx.get());
          CHECK(r == ossl::from_bn(R.get(), n));
          // secret-exponent and public-exponent powers
          const std::size_t ebits = it == 2 ? 1 : rng.uniform(0, 64 * n);
          limbs e = random_limbs(rng, limbs_for_bits(ebits) + 1);
          e.resize(limbs_for_bits(ebits));
          if (ebits % 64 != 0) e.back() &= (limb{1} << (ebits % 64)) - 1;
          if (it == 3 && !e.empty()) e.assign(e.size(), ~limb{0}), e.back() >>= (64 - ebits % 64) % 64;
          auto E = ossl::to_bn(e.data(), e.size());
          BN_mod_exp(R.get(), A.get(), E.get(), M.get(), bctx.get());
          ctx->pow(r.data(), am.data(), e.data(), ebits);
          ctx->from_mont(r.data(), r.data());
          CHECK(r == ossl::from_bn(R.get(), n));
          ctx->pow_public(r.data(), am.data(), e.data(), e.size());
          ctx->from_mont(r.data(), r.data());
          CHECK(r == ossl::from_bn(R.get(), n));
          // reduction of a longer number
          const std::size_t xn = rng.uniform(1, 3 * n);
          limbs xl = random_limbs(rng, xn);
          ctx->reduce(r.data(), xl.data(), xn);
          ctx->from_mont(r.data(), r.data());
          auto X = ossl::to_bn(xl.data(), xn);
          BN_nnmod(R.get(), X.get(), M.get(), bctx.get());
          CHECK(r == ossl::from_bn(R.get(), n));
          // inverse
          const limb ok = ctx->inverse(r.data(), a.data());
          auto G = ossl::new_bn();
          BN_gcd(G.get(), A.get(), M.get(), bctx.get());
          CHECK((ok != 0) == (BN_is_one(G.get()) == 1));
          if (ok != 0) {
            BN_mod_inverse(R.get(), A.get(), M.get(), bctx.get());
            CHECK(r == ossl::from_bn(R.get(), n));
          }
        }
      }
    }
  });
}

// Moduli whose limbs are all ones or nearly empty and operands at the top of
// their range give the carry chains of the kernels their largest values:
// r = a b / R mod m is checked as r R = a b (mod m), for a < R and b < m.
TEST_CASE("Montgomery mul and sqr at the edges: all-ones limbs, on every path") {
  ossl::bn_ctx_ptr bctx(BN_CTX_new());
  on_every_path([&](const kagi_test::path&) {
    test_rng rng(9);
    for (std::size_t n : sizes) {
      for (int shape = 0; shape < 4; ++shape) {
        limbs m(n, ~limb{0});                              // 0: 2^(64 n) - 1
        if (shape == 1) {                                  // 1: 2^(64 (n - 1)) + 1 (n > 1)
          m.assign(n, 0);
          m[0] = 1;
          m[n - 1] |= 1;
        }
        if (shape == 2) m[n - 1] = 1;                      // 2: top limb 1, the rest all ones
        if (shape == 3) m[0] = 1;                          // 3: 2^(64 n) - 2^64 + 1
        if (n == 1 && m[0] < 3) m[0] = 3;
        INFO("n = " << n << ", edge modulus " << shape);
        auto ctx = montgomery::create(m.data(), n);
        REQUIRE(ctx);
        auto M = ossl::to_bn(m.data(), n), R = ossl::new_bn(), L = ossl::new_bn(), P = ossl::new_bn();
        limbs m1 = m, m2 = m;
        (void)sub_limb(m1.data(), m.data(), 1, n);
        (void)sub_limb(m2.data(), m.data(), 2, n);
        const limbs ones(n, ~limb{0});
        const limbs as[] = {m1, m2, ones, random_limbs(rng, n)};
        const limbs bs[] = {m1, m2, random_below(rng, m)};
        // r < m and r 2^(64 n) mod m == a b mod m
        auto check_product = [&](const limbs& r, const limbs& a, const limbs& b) {
          auto Rr = ossl::to_bn(r.data(), n);
          REQUIRE(BN_lshift(L.get(), Rr.get(), static_cast<int>(64 * n)));
          REQUIRE(BN_nnmod(L.get(), L.get(), M.get(), bctx.get()));
          auto A = ossl::to_bn(a.data(), n), B = ossl::to_bn(b.data(), n);
          REQUIRE(BN_mod_mul(P.get(), A.get(), B.get(), M.get(), bctx.get()));
          CHECK(BN_cmp(Rr.get(), M.get()) < 0);
          CHECK(BN_cmp(L.get(), P.get()) == 0);
        };
        for (const limbs& a : as) {
          for (const limbs& b : bs) {
            limbs r(n);
            ctx->mul(r.data(), a.data(), b.data());
            check_product(r, a, b);
          }
          if (BN_cmp(ossl::to_bn(a.data(), n).get(), M.get()) >= 0) continue;  // sqr needs a < m
          limbs r(n);
          ctx->sqr(r.data(), a.data());
          check_product(r, a, a);
        }
      }
    }
  });
}

TEST_CASE("pow2: two secret-exponent powers at once, against OpenSSL, on every path") {
  ossl::bn_ctx_ptr bctx(BN_CTX_new());
  on_every_path([&](const kagi_test::path&) {
    test_rng rng(8);
    for (std::size_t n : {16u, 24u, 32u, 8u, 17u}) {
      for (int it = 0; it < 3; ++it) {
        INFO("n = " << n << ", iteration " << it);
        const limbs m1 = random_modulus(rng, n, it % 3), m2 = random_modulus(rng, n, (it + 1) % 3);
        auto c1 = montgomery::create(m1.data(), n), c2 = montgomery::create(m2.data(), n);
        REQUIRE(c1);
        REQUIRE(c2);
        limbs a1 = random_below(rng, m1), a2 = random_below(rng, m2), x1(n), x2(n), r1(n), r2(n);
        if (it == 0) a1.assign(n, 0);
        const std::size_t ebits = it == 1 ? 64 * n : it == 2 ? 0 : rng.uniform(1, 64 * n);
        limbs e1 = random_limbs(rng, limbs_for_bits(ebits) + 1), e2 = random_limbs(rng, limbs_for_bits(ebits) + 1);
        e1.resize(limbs_for_bits(ebits));
        e2.resize(limbs_for_bits(ebits));
        if (ebits % 64 != 0) e1.back() &= (limb{1} << (ebits % 64)) - 1, e2.back() &= (limb{1} << (ebits % 64)) - 1;
        c1->to_mont(x1.data(), a1.data());
        c2->to_mont(x2.data(), a2.data());
        montgomery::pow2(*c1, r1.data(), x1.data(), e1.data(), *c2, r2.data(), x2.data(), e2.data(), ebits);
        c1->from_mont(r1.data(), r1.data());
        c2->from_mont(r2.data(), r2.data());
        auto R = ossl::new_bn();
        BN_mod_exp(R.get(), ossl::to_bn(a1.data(), n).get(), ossl::to_bn(e1.data(), e1.size()).get(),
                   ossl::to_bn(m1.data(), n).get(), bctx.get());
        CHECK(r1 == ossl::from_bn(R.get(), n));
        BN_mod_exp(R.get(), ossl::to_bn(a2.data(), n).get(), ossl::to_bn(e2.data(), e2.size()).get(),
                   ossl::to_bn(m2.data(), n).get(), bctx.get());
        CHECK(r2 == ossl::from_bn(R.get(), n));
      }
    }
  });
}

TEST_CASE("pow_public_plain: public-exponent powers (RSA's public operation), against OpenSSL, on every path") {
  ossl::bn_ctx_ptr bctx(BN_CTX_new());
  on_every_path([&](const kagi_test::path& path) {
    test_rng rng(9);
    for (std::size_t n : {16u, 24u, 32u, 48u, 64u, 8u, 20u, 1u, 3u}) {
      for (int shape = 0; shape < 3; ++shape) {
        const limbs m = random_modulus(rng, n, shape);
        auto ctx = montgomery::create(m.data(), n);
        REQUIRE(ctx);
        CHECK(std::string_view(ctx->public_implementation()) == expected_path(n, path.name, true));
        for (int it = 0; it < 7; ++it) {
          INFO("n = " << n << ", modulus shape " << shape << ", iteration " << it);
          limbs a = random_below(rng, m);
          if (it == 0) a.assign(n, 0);
          if (it == 1) (void)sub_limb(a.data(), m.data(), 1, n);  // m - 1
          // e = 65537, 3, 1, 0, 2 (even: out of Montgomery form the long way),
          // and random exponents of up to 4 limbs
          const limb small[] = {65537, 3, 1, 0, 2};
          limbs e = it < 5 ? limbs{small[it]} : random_limbs(rng, rng.uniform(1, 4));
          limbs r(n, ~limb{0});
          auto R = ossl::new_bn();
          BN_mod_exp(R.get(), ossl::to_bn(a.data(), n).get(), ossl::to_bn(e.data(), e.size()).get(),
                     ossl::to_bn(m.data(), n).get(), bctx.get());
          ctx->pow_public_plain(r.data(), a.data(), e.data(), e.size());
          CHECK(r == ossl::from_bn(R.get(), n));
          limbs x = a;  // in place
          ctx->pow_public_plain(x.data(), x.data(), e.data(), e.size());
          CHECK(x == r);
        }
      }
    }
  });
}

TEST_CASE("primes: trial division, Miller-Rabin and random primes against OpenSSL, on every path") {
  ossl::bn_ctx_ptr bctx(BN_CTX_new());
  on_every_path([&](const kagi_test::path&) {
    test_rng rng(10);
    for (std::size_t bits : {256u, 521u, 1024u}) {
      INFO("bits = " << bits);
      const std::size_t n = limbs_for_bits(bits);
      // OpenSSL's primes are primes; their products with one another, and
      // with a small prime, are not.
      auto P = ossl::new_bn(), Q = ossl::new_bn(), C = ossl::new_bn();
      REQUIRE(BN_generate_prime_ex(P.get(), static_cast<int>(bits), 0, nullptr, nullptr, nullptr) == 1);
      const limbs p = ossl::from_bn(P.get(), n);
      CHECK(passes_trial_division(p.data(), n));
      CHECK(miller_rabin(p.data(), bits, miller_rabin_rounds(bits), rng));
      REQUIRE(BN_generate_prime_ex(Q.get(), static_cast<int>(bits / 2), 0, nullptr, nullptr, nullptr) == 1);
      REQUIRE(BN_generate_prime_ex(C.get(), static_cast<int>(bits - bits / 2), 0, nullptr, nullptr, nullptr) == 1);
      REQUIRE(BN_mul(C.get(), C.get(), Q.get(), bctx.get()) == 1);
      const limbs pq = ossl::from_bn(C.get(), n);
      const std::size_t pq_bits = static_cast<std::size_t>(BN_num_bits(C.get()));
      CHECK(passes_trial_division(pq.data(), n));  // no factor below 2000
      CHECK_FALSE(miller_rabin(pq.data(), pq_bits, miller_rabin_rounds(pq_bits), rng));
      REQUIRE(BN_mul_word(Q.get(), 1999) == 1);  // 1999 q: caught by trial division
      const limbs q1999 = ossl::from_bn(Q.get(), n);
      CHECK_FALSE(passes_trial_division(q1999.data(), n));
      // Random odd numbers: the same verdict as OpenSSL's test.
      for (int it = 0; it < 20; ++it) {
        limbs w = random_limbs(rng, n);
        if (bits % 64 != 0) w.back() &= (limb{1} << (bits % 64)) - 1;
        w[(bits - 1) / 64] |= limb{1} << ((bits - 1) % 64);
        w[0] |= 1;
        const int expect = BN_check_prime(ossl::to_bn(w.data(), n).get(), bctx.get(), nullptr);
        REQUIRE(expect >= 0);
        CHECK(miller_rabin(w.data(), bits, miller_rabin_rounds(bits), rng) == (expect == 1));
      }
      // random_prime: bits bits, the top two set, prime, and 65537 not dividing p - 1.
      limbs r(n);
      random_prime(r.data(), bits, 65537, rng);
      auto R = ossl::to_bn(r.data(), n);
      CHECK(BN_num_bits(R.get()) == static_cast<int>(bits));
      CHECK(BN_is_bit_set(R.get(), static_cast<int>(bits - 2)) == 1);
      CHECK(BN_check_prime(R.get(), bctx.get(), nullptr) == 1);
      REQUIRE(BN_sub_word(R.get(), 1) == 1);
      CHECK(BN_mod_word(R.get(), 65537) != 0);
    }
  });
}

TEST_CASE("inverse: values that share a factor with the modulus") {
  ossl::bn_ctx_ptr bctx(BN_CTX_new());
  test_rng rng(5);
  for (std::size_t n : {1u, 2u, 8u, 16u, 32u}) {
    INFO("n = " << n);
    // m = f * g with odd f, g > 3; a small multiple of f is not invertible.
    limbs f = random_limbs(rng, (n + 1) / 2), g = random_limbs(rng, n / 2 + 1);
    if (n == 1) f = {f[0] & 0xffff}, g = {g[0] & 0xffff};
    f[0] |= 0x101;
    g[0] |= 0x101;
    limbs m(f.size() + g.size());
    mul(m.data(), f.data(), f.size(), g.data(), g.size());
    while (m.size() > 1 && m.back() == 0) m.pop_back();
    auto ctx = montgomery::create(m.data(), m.size());
    REQUIRE(ctx);
    limbs a(m.size()), k = random_limbs(rng, 1), r(m.size());
    limbs fk(f.size() + 1);
    mul_limb(fk.data(), f.data(), 1 + k[0] % 3, f.size());
    for (std::size_t i = 0; i < a.size() && i < fk.size(); ++i) a[i] = fk[i];
    auto A = ossl::to_bn(a.data(), a.size()), M = ossl::to_bn(m.data(), m.size()), G = ossl::new_bn();
    BN_gcd(G.get(), A.get(), M.get(), bctx.get());
    REQUIRE_FALSE(BN_is_one(G.get()));
    CHECK(ctx->inverse(r.data(), a.data()) == 0);
    limbs zero(m.size());
    CHECK(ctx->inverse(r.data(), zero.data()) == 0);
  }
}
#endif

TEST_CASE("all paths agree on random inputs: mul, sqr, pow, inverse") {
  const auto paths = kagi_test::available_paths(bigint_paths);
  test_rng rng(6);
  for (std::size_t n : {4u, 8u, 16u, 24u, 32u, 48u, 64u}) {
    const limbs m = random_modulus(rng, n, static_cast<int>(n % 3));
    for (int it = 0; it < (n > 32 ? 3 : 8); ++it) {
      INFO("n = " << n);
      const limbs a = random_below(rng, m), b = random_below(rng, m), e = random_limbs(rng, n);
      limbs first_mul, first_sqr, first_pow, first_inv;
      for (const auto& p : paths) {
        kagi::cpu::testing::scoped_disable off(p.disable);
        INFO("path " << std::string(p.name));
        auto ctx = montgomery::create(m.data(), n);
        REQUIRE(ctx);
        limbs r(n), s(n), w(n), v(n);
        ctx->mul(r.data(), a.data(), b.data());
        ctx->sqr(s.data(), a.data());
        ctx->pow(w.data(), a.data(), e.data(), 64 * n);
        (void)ctx->inverse(v.data(), a.data());
        if (first_mul.empty()) first_mul = r, first_sqr = s, first_pow = w, first_inv = v;
        CHECK(r == first_mul);
        CHECK(s == first_sqr);
        CHECK(w == first_pow);
        CHECK(v == first_inv);
      }
    }
  }
}
