// kagi/math/modinv.hpp: modular inverses in constant time.
//
//   neg_inverse_limb(m0)        -m0^-1 mod 2^64 for odd m0 (Newton's iteration;
//                               Montgomery reduction's constant)
//   inverse(r, y, m, m0inv, n)  y^-1 mod m for odd m, with a mask saying whether
//                               it exists (gcd(y, m) = 1)
//   gcd(r, y, m, m0inv, n)      gcd(y, m) for odd m
//
// The last two are one algorithm: binary GCD on 64-bit approximations, 31
// steps per round, with the matrix of each round applied to the full numbers
// (T. Pornin, "Optimized Binary GCD for Modular Inversion", 2020). The number
// of rounds depends only on n, every step is masked, and the cofactor u of y
// is kept modulo m with a Montgomery-style division by 2^31 (hence m0inv).
// bn::montgomery::inverse and ::gcd call these with the context's modulus.
#ifndef KAGI_MATH_MODINV_HPP
#define KAGI_MATH_MODINV_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/ct.hpp"
#include "limbs.hpp"

namespace kagi::bn {

// -m0^-1 mod 2^64 for odd m0 (Newton's iteration: each step doubles the
// number of correct low bits, from 5 at x = m0 * 3 ^ 2).
[[nodiscard]] constexpr limb neg_inverse_limb(limb m0) noexcept {
  limb x = (m0 * 3) ^ 2;
  for (int i = 0; i < 4; ++i) x *= 2 - m0 * x;
  return 0 - x;
}

namespace detail {

// Top 33 bits of a at scale len (bits [len - 33, len)), len >= 64, in
// constant time (len is secret).
[[nodiscard]] constexpr limb top_bits33(const limb* a, std::size_t n, limb len) noexcept {
  const limb s = len - 33;
  const limb w = s / limb_bits;
  const limb off = s % limb_bits;
  limb lo = 0, hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    lo |= a[i] & ct::eq(static_cast<limb>(i), w);
    hi |= a[i] & ct::eq(static_cast<limb>(i), w + 1);
  }
  // (hi:lo) >> off without a shift by 64 when off == 0.
  const limb x = (lo >> off) | ((hi << 1) << (63 - off));
  return x & ((limb{1} << 33) - 1);
}

// r = (f a + g b) / 2^31 for signed f, g (|f| + |g| <= 2^31) and a, b < 2^(64 n);
// the division is exact. Writes |result| to r (n limbs) and returns an
// all-ones mask when the result was negative.
constexpr limb lin_comb_shift31(limb* r, const limb* a, const limb* b, std::int64_t f, std::int64_t g,
                                std::size_t n) noexcept {
  std::array<limb, max_limbs + 2> x, y;
  const limb fneg = ct::mask_from_bit(static_cast<limb>(f) >> 63), gneg = ct::mask_from_bit(static_cast<limb>(g) >> 63);
  const limb fabs = (static_cast<limb>(f) ^ fneg) - fneg, gabs = (static_cast<limb>(g) ^ gneg) - gneg;
  mul_limb(x.data(), a, fabs, n);
  mul_limb(y.data(), b, gabs, n);
  x[n + 1] = 0;
  y[n + 1] = 0;
  cond_negate(fneg, x.data(), x.data(), n + 2);
  cond_negate(gneg, y.data(), y.data(), n + 2);
  (void)add(x.data(), x.data(), y.data(), n + 2);
  const limb neg = ct::mask_from_bit(x[n + 1] >> 63);
  cond_negate(neg, x.data(), x.data(), n + 2);
  shift_right(x.data(), x.data(), 31, n + 2);
  copy(r, x.data(), n);
  return neg;
}

// r = (f u + g v) / 2^31 mod m for u, v < m and signed f, g with
// |f| + |g| <= 2^31: negative factors are applied to m - u and m - v, the
// division is Montgomery's (add the multiple of m that clears 31 low bits).
constexpr void lin_comb_mod(limb* r, const limb* u, const limb* v, std::int64_t f, std::int64_t g, const limb* m,
                            limb m0inv, std::size_t n) noexcept {
  std::array<limb, max_limbs + 2> x, y, uu, vv;
  const limb fneg = ct::mask_from_bit(static_cast<limb>(f) >> 63), gneg = ct::mask_from_bit(static_cast<limb>(g) >> 63);
  const limb fabs = (static_cast<limb>(f) ^ fneg) - fneg, gabs = (static_cast<limb>(g) ^ gneg) - gneg;
  (void)sub(uu.data(), m, u, n);
  select(fneg, uu.data(), uu.data(), u, n);
  (void)sub(vv.data(), m, v, n);
  select(gneg, vv.data(), vv.data(), v, n);
  mul_limb(x.data(), uu.data(), fabs, n);
  mul_limb(y.data(), vv.data(), gabs, n);
  x[n + 1] = add(x.data(), x.data(), y.data(), n + 1);  // < 2^31 m
  const limb q = (x[0] * m0inv) & 0x7fffffffu;
  mul_limb(y.data(), m, q, n);
  y[n + 1] = 0;
  (void)add(x.data(), x.data(), y.data(), n + 2);  // divisible by 2^31, < 2^32 m
  shift_right(x.data(), x.data(), 31, n + 2);      // < 2m
  const limb borrow = sub(y.data(), x.data(), m, n);
  const limb b2 = (x[n] - borrow) >> 63;  // x[n] is 0 or 1: borrow out of the top limb
  select(ct::mask_from_bit(b2 & borrow), r, x.data(), y.data(), n);
  secure_wipe(std::span(uu).first(n));
  secure_wipe(std::span(vv).first(n));
}

#if KAGI_WIDE_INT128
__extension__ typedef __int128 i128;

// Run-time forms of one round's updates, each a single pass with signed
// 128-bit accumulators (the constexpr forms above take several passes).
// (ra, rb) = (|f0 a + g0 b|, |f1 a + g1 b|) / 2^31; returns the two sign masks.
inline void lin_comb2_shift31_rt(limb* ra, limb* rb, const limb* a, const limb* b, std::int64_t f0, std::int64_t g0,
                                 std::int64_t f1, std::int64_t g1, std::size_t n, limb& nega, limb& negb) noexcept {
  i128 c0 = 0, c1 = 0;
  limb p0 = 0, p1 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    c0 += static_cast<i128>(f0) * static_cast<i128>(a[i]) + static_cast<i128>(g0) * static_cast<i128>(b[i]);
    c1 += static_cast<i128>(f1) * static_cast<i128>(a[i]) + static_cast<i128>(g1) * static_cast<i128>(b[i]);
    const auto l0 = static_cast<limb>(c0), l1 = static_cast<limb>(c1);
    c0 >>= 64;
    c1 >>= 64;
    if (i > 0) {
      ra[i - 1] = (p0 >> 31) | (l0 << 33);
      rb[i - 1] = (p1 >> 31) | (l1 << 33);
    }
    p0 = l0;
    p1 = l1;
  }
  ra[n - 1] = (p0 >> 31) | (static_cast<limb>(c0) << 33);
  rb[n - 1] = (p1 >> 31) | (static_cast<limb>(c1) << 33);
  nega = ct::mask_from_bit(static_cast<limb>(c0 >> 64) & 1u);
  negb = ct::mask_from_bit(static_cast<limb>(c1 >> 64) & 1u);
  cond_negate(nega, ra, ra, n);
  cond_negate(negb, rb, rb, n);
}

// r = (f u + g v) / 2^31 mod m for u, v < m and |f| + |g| <= 2^31: the
// multiple q m that clears the low 31 bits is added in the same pass; the
// quotient lies in (-m, 2m) and one masked add or subtract of m brings it in.
inline void lin_comb_mod_rt(limb* r, const limb* u, const limb* v, std::int64_t f, std::int64_t g, const limb* m,
                            limb m0inv, std::size_t n) noexcept {
  const limb t0 = static_cast<limb>(f) * u[0] + static_cast<limb>(g) * v[0];
  const auto q = static_cast<std::int64_t>((t0 * m0inv) & 0x7fffffffu);
  i128 c = 0;
  limb prev = 0;
  std::array<limb, max_limbs + 1> t;
  for (std::size_t i = 0; i < n; ++i) {
    c += static_cast<i128>(f) * static_cast<i128>(u[i]) + static_cast<i128>(g) * static_cast<i128>(v[i]) +
         static_cast<i128>(q) * static_cast<i128>(m[i]);
    const auto l = static_cast<limb>(c);
    c >>= 64;
    if (i > 0) t[i - 1] = (prev >> 31) | (l << 33);
    prev = l;
  }
  t[n - 1] = (prev >> 31) | (static_cast<limb>(c) << 33);
  t[n] = static_cast<limb>(c >> 31);  // sign-extended top: 0, 1 (up to 2m) or all ones (negative)
  const limb negative = ct::mask_from_bit(t[n] >> 63);
  std::array<limb, max_limbs + 1> plus, minus;
  const limb carry = add(plus.data(), t.data(), m, n);  // t + m (for negative t: in [0, m))
  (void)carry;
  limb borrow = sub(minus.data(), t.data(), m, n);      // t - m
  borrow = (t[n] - borrow) >> 63;                        // t < m (t >= 0 here)
  select(ct::mask_from_bit(borrow), minus.data(), t.data(), minus.data(), n);
  select(negative, r, plus.data(), minus.data(), n);
}
#endif  // KAGI_WIDE_INT128

// The binary GCD of y < m and the odd m > 1 (n limbs, m0inv = neg_inverse_limb(m[0])):
// writes y^-1 mod m to inv and gcd(y, m) to g (either may be nullptr) and
// returns an all-ones mask when the gcd is 1.
constexpr limb binary_gcd(const limb* y, const limb* m, limb m0inv, std::size_t n, limb* inv, limb* g) noexcept {
  std::array<limb, max_limbs> a, b, u, v, na, nb, nu, nv, ab;
  copy(a.data(), y, n);
  copy(b.data(), m, n);
  set_zero(u.data(), n);
  set_zero(v.data(), n);
  u[0] = 1;
  // Each round does 31 steps of the binary GCD (a, b shrink by at least one
  // bit per step in total: 2 * 64 n - 1 steps suffice), plus one spare round.
  const std::size_t rounds = (2 * limb_bits * n + 30) / 31 + 1;
  for (std::size_t round = 0; round < rounds; ++round) {
    // Approximations: low 31 bits and the top 33 bits at the scale of the
    // longer of a and b (exact once both fit in 64 bits).
    for (std::size_t i = 0; i < n; ++i) ab[i] = a[i] | b[i];
    limb len = bit_length(ab.data(), n);
    len = ct::select(ct::lt(len, limb{64}), limb{64}, len);
    limb abar = (top_bits33(a.data(), n, len) << 31) | (a[0] & 0x7fffffffu);
    limb bbar = (top_bits33(b.data(), n, len) << 31) | (b[0] & 0x7fffffffu);
    std::int64_t f0 = 1, g0 = 0, f1 = 0, g1 = 1;
    for (int j = 0; j < 31; ++j) {
      const limb odd = ct::mask_from_bit(abar & 1u);
      const limb swap = odd & ct::lt(abar, bbar);
      const limb t = swap & (abar ^ bbar);
      abar ^= t;
      bbar ^= t;
      const auto sw = static_cast<std::int64_t>(swap);
      const std::int64_t tf = sw & (f0 ^ f1), tg = sw & (g0 ^ g1);
      f0 ^= tf;
      f1 ^= tf;
      g0 ^= tg;
      g1 ^= tg;
      const auto od = static_cast<std::int64_t>(odd);
      abar -= bbar & odd;
      f0 -= f1 & od;
      g0 -= g1 & od;
      abar >>= 1;
      f1 *= 2;
      g1 *= 2;
    }
    limb nega = 0, negb = 0;
#if KAGI_WIDE_INT128
    if (!std::is_constant_evaluated()) {
      lin_comb2_shift31_rt(na.data(), nb.data(), a.data(), b.data(), f0, g0, f1, g1, n, nega, negb);
    } else
#endif
    {
      nega = lin_comb_shift31(na.data(), a.data(), b.data(), f0, g0, n);
      negb = lin_comb_shift31(nb.data(), a.data(), b.data(), f1, g1, n);
    }
    f0 = static_cast<std::int64_t>((static_cast<limb>(f0) ^ nega) - nega);
    g0 = static_cast<std::int64_t>((static_cast<limb>(g0) ^ nega) - nega);
    f1 = static_cast<std::int64_t>((static_cast<limb>(f1) ^ negb) - negb);
    g1 = static_cast<std::int64_t>((static_cast<limb>(g1) ^ negb) - negb);
#if KAGI_WIDE_INT128
    if (!std::is_constant_evaluated()) {
      lin_comb_mod_rt(nu.data(), u.data(), v.data(), f0, g0, m, m0inv, n);
      lin_comb_mod_rt(nv.data(), u.data(), v.data(), f1, g1, m, m0inv, n);
    } else
#endif
    {
      lin_comb_mod(nu.data(), u.data(), v.data(), f0, g0, m, m0inv, n);
      lin_comb_mod(nv.data(), u.data(), v.data(), f1, g1, m, m0inv, n);
    }
    copy(a.data(), na.data(), n);
    copy(b.data(), nb.data(), n);
    copy(u.data(), nu.data(), n);
    copy(v.data(), nv.data(), n);
  }
  // Now a = 0 and b = gcd(y, m); v y = b mod m.
  std::array<limb, max_limbs> one;
  set_zero(one.data(), n);
  one[0] = 1;
  const limb ok = equal(b.data(), one.data(), n) & is_zero(a.data(), n);
  if (inv != nullptr) copy(inv, v.data(), n);
  if (g != nullptr) copy(g, b.data(), n);
  for (auto* s : {&a, &b, &u, &v, &na, &nb, &nu, &nv, &ab}) secure_wipe(std::span(*s).first(n));
  return ok;
}

}  // namespace detail

// r = y^-1 mod m for y < m and an odd m > 1 of n limbs (m0inv =
// neg_inverse_limb(m[0])), in constant time. Returns an all-ones mask when y
// is invertible (gcd(y, m) = 1), zero otherwise (r is then meaningless). r may
// alias y.
[[nodiscard]] constexpr limb inverse(limb* r, const limb* y, const limb* m, limb m0inv, std::size_t n) noexcept {
  return detail::binary_gcd(y, m, m0inv, n, r, nullptr);
}

// r = gcd(y, m) for y < m and an odd m > 1, in constant time (the same algorithm).
constexpr void gcd(limb* r, const limb* y, const limb* m, limb m0inv, std::size_t n) noexcept {
  (void)detail::binary_gcd(y, m, m0inv, n, nullptr, r);
}

}  // namespace kagi::bn

#endif  // KAGI_MATH_MODINV_HPP
