// kagi/ec/p256.hpp: ECDH on NIST P-256 (SEC 1 v2 section 3.3.1; curve from
// FIPS 186-5 / SP 800-186: y^2 = x^3 - 3x + b over GF(p), p = 2^256 - 2^224 +
// 2^192 + 2^96 - 1, prime order n, cofactor 1).
//
//   public_key(d)              = d G, SEC 1 uncompressed (04 || X || Y)
//   shared_secret(d, peer)     = x-coordinate of d Q, 32 bytes big-endian
//
// Field elements are four 64-bit limbs in Montgomery form (R = 2^256), always
// fully reduced below p; products use the 128-bit helpers of wide.hpp
// (__int128 at run time, portable words at compile time). Points are
// projective (X : Y : Z) and added with the complete formulas of Renes,
// Costello and Batina (ePrint 2015/1060, algorithms 4 and 5 for a = -3), so
// no input, the point at infinity and P + P included, needs a special case.
// Doubling uses cheaper formulas for a = -3: one projective doubling is 7M +
// 3S (against the 13 multiplications of RCB algorithm 6), and a run of k
// doublings goes through Jacobian coordinates at 4M + 4S each plus 4M + S
// for the two conversions. Their one exceptional input, the point at
// infinity, is fixed up with a mask, so they are complete too.
//
// d Q is a fixed-window scalar multiplication: signed 5-bit digits, a table
// of 1Q..16Q (8 doublings, 7 additions) read with masked scans of every
// entry, then 51 windows of 5 Jacobian doublings and one addition, whatever
// the scalar. d G (public_key at run time) adds 52 points picked from a
// precomputed table of signed 5-bit multiples of 32^i G (52 x 16 affine
// points, 53 KB, built once on first use, read with masked scans), with no
// doublings.
//
// What derives from the scalar is wiped before returning (secure_wipe): the
// scalar's limbs, the signed digits, the running point and the picked
// multiple of d Q, the affine result and the caller's copy of the secret.
// Only named objects are wiped, once per operation; register spills inside
// the point formulas are not reachable from here.
//
// The peer's point is fully validated before use: 65 bytes, prefix 04, both
// coordinates below p, on the curve (the point at infinity has no
// uncompressed encoding). A private scalar of 0 or >= n is refused.
#ifndef KAGI_EC_P256_HPP
#define KAGI_EC_P256_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/cpu.hpp"
#include "../core/ct.hpp"
#include "../core/dispatch.hpp"
#include "../core/random.hpp"
#include "../core/result.hpp"
#include "../encoding/keys.hpp"
#include "../math/wide.hpp"

namespace kagi {

namespace detail::p256 {

using u64 = std::uint64_t;
using wide::addc;
using wide::mac;
using wide::subb;

// A field element (Montgomery form unless said otherwise), least significant limb first.
struct fe {
  u64 v[4]{};
};

inline constexpr fe p_raw{{0xffffffffffffffff, 0x00000000ffffffff, 0x0000000000000000, 0xffffffff00000001}};
inline constexpr fe n_raw{{0xf3b9cac2fc632551, 0xbce6faada7179e84, 0xffffffffffffffff, 0xffffffff00000000}};
inline constexpr fe r2_raw{{0x0000000000000003, 0xfffffffbffffffff, 0xfffffffffffffffe, 0x00000004fffffffd}};  // R^2 mod p
inline constexpr fe one_mont{{0x0000000000000001, 0xffffffff00000000, 0xffffffffffffffff, 0x00000000fffffffe}};  // R mod p

// Big-endian 32 bytes to limbs (no reduction) and back.
[[nodiscard]] constexpr fe load_be(const std::uint8_t* s) noexcept {
  return {{load_be64(s + 24), load_be64(s + 16), load_be64(s + 8), load_be64(s)}};
}
constexpr void store_be(std::uint8_t* s, const fe& a) noexcept {
  store_be64(s, a.v[3]);
  store_be64(s + 8, a.v[2]);
  store_be64(s + 16, a.v[1]);
  store_be64(s + 24, a.v[0]);
}

// All ones when a < b (as 256-bit numbers), in constant time.
[[nodiscard]] constexpr u64 lt_mask(const fe& a, const fe& b) noexcept {
  u64 borrow = 0;
  for (int i = 0; i < 4; ++i) (void)subb(a.v[i], b.v[i], borrow);
  return ct::mask_from_bit(borrow);
}
[[nodiscard]] constexpr u64 is_zero_mask(const fe& a) noexcept {
  return ct::is_zero(a.v[0] | a.v[1] | a.v[2] | a.v[3]);
}

// r = (t4 : t) - p when that is not negative, else t; t4 : t < 2p.
[[nodiscard]] constexpr fe reduce_once(const fe& t, u64 t4) noexcept {
  fe d;
  u64 borrow = 0;
  for (int i = 0; i < 4; ++i) d.v[i] = subb(t.v[i], p_raw.v[i], borrow);
  (void)subb(t4, 0, borrow);  // borrow out of the fifth word: t < p
  const u64 keep = ct::mask_from_bit(borrow);
  fe r;
  for (int i = 0; i < 4; ++i) r.v[i] = ct::select(keep, t.v[i], d.v[i]);
  return r;
}

// GF(p) on 64-bit limbs with Montgomery multiplication (CIOS). Since
// p = -1 mod 2^64, the Montgomery factor -p^-1 mod 2^64 is 1.
struct field_mont {
  using fe = p256::fe;
  static constexpr const char* name = "portable";

  [[nodiscard]] static constexpr fe zero() noexcept { return {}; }
  [[nodiscard]] static constexpr fe one() noexcept { return one_mont; }

  [[nodiscard]] static constexpr fe add(const fe& a, const fe& b) noexcept {
    fe s;
    u64 carry = 0;
    for (int i = 0; i < 4; ++i) s.v[i] = addc(a.v[i], b.v[i], carry);
    return reduce_once(s, carry);
  }
  [[nodiscard]] static constexpr fe sub(const fe& a, const fe& b) noexcept {
    fe d;
    u64 borrow = 0;
    for (int i = 0; i < 4; ++i) d.v[i] = subb(a.v[i], b.v[i], borrow);
    const u64 m = ct::mask_from_bit(borrow);  // add p back when a < b
    u64 carry = 0;
    for (int i = 0; i < 4; ++i) d.v[i] = addc(d.v[i], p_raw.v[i] & m, carry);
    return d;
  }
  [[nodiscard]] static constexpr fe neg(const fe& a) noexcept { return sub(zero(), a); }

  // a b / 2^256 mod p for a, b < p, on 32-bit words with 64-bit products:
  // the compile-time path (one plain expression per step keeps constant
  // evaluation cheap). -p^-1 mod 2^32 is 1 too.
  [[nodiscard]] static constexpr fe mul32(const fe& a, const fe& b) noexcept {
    using u32 = std::uint32_t;
    u32 x[8]{}, y[8]{}, m[8]{};
    for (int i = 0; i < 4; ++i) {
      x[2 * i] = static_cast<u32>(a.v[i]);
      x[2 * i + 1] = static_cast<u32>(a.v[i] >> 32);
      y[2 * i] = static_cast<u32>(b.v[i]);
      y[2 * i + 1] = static_cast<u32>(b.v[i] >> 32);
      m[2 * i] = static_cast<u32>(p_raw.v[i]);
      m[2 * i + 1] = static_cast<u32>(p_raw.v[i] >> 32);
    }
    u32 t[10]{};
    for (int i = 0; i < 8; ++i) {
      u64 c = 0;
      for (int j = 0; j < 8; ++j) {
        c += static_cast<u64>(x[j]) * y[i] + t[j];
        t[j] = static_cast<u32>(c);
        c >>= 32;
      }
      c += t[8];
      t[8] = static_cast<u32>(c);
      t[9] = static_cast<u32>(c >> 32);
      const u64 q = t[0];
      c = (q * m[0] + t[0]) >> 32;
      for (int j = 1; j < 8; ++j) {
        c += q * m[j] + t[j];
        t[j - 1] = static_cast<u32>(c);
        c >>= 32;
      }
      c += t[8];
      t[7] = static_cast<u32>(c);
      t[8] = static_cast<u32>(t[9] + (c >> 32));
    }
    fe r;
    for (int i = 0; i < 4; ++i) r.v[i] = t[2 * i] | (static_cast<u64>(t[2 * i + 1]) << 32);
    return reduce_once(r, t[8]);
  }

  // a b / 2^256 mod p for a, b < p (CIOS on 64-bit words).
  template <class W>
  [[nodiscard]] static constexpr fe mul_w(const fe& a, const fe& b) noexcept {
    u64 t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
    for (int i = 0; i < 4; ++i) {
      // t += a * b[i]
      u64 c = 0;
      const u64 bi = b.v[i];
      t0 = W::mac(a.v[0], bi, t0, c);
      t1 = W::mac(a.v[1], bi, t1, c);
      t2 = W::mac(a.v[2], bi, t2, c);
      t3 = W::mac(a.v[3], bi, t3, c);
      u64 cc = 0;
      t4 = addc(t4, c, cc);
      const u64 t5 = cc;
      // t = (t + m p) / 2^64 with m = t0 (the low word then cancels).
      const u64 m = t0;
      c = 0;
      (void)W::mac(m, p_raw.v[0], t0, c);
      t0 = W::mac(m, p_raw.v[1], t1, c);
      t1 = W::mac(m, p_raw.v[2], t2, c);
      t2 = W::mac(m, p_raw.v[3], t3, c);
      cc = 0;
      t3 = addc(t4, c, cc);
      t4 = t5 + cc;
    }
    return reduce_once(fe{{t0, t1, t2, t3}}, t4);
  }

  // At compile time the 128-bit type is used too where the compiler has one
  // (GCC and clang evaluate it in constant expressions, and it keeps a
  // compile-time scalar multiplication within their default limits);
  // otherwise mul32.
  [[nodiscard]] static constexpr fe mul(const fe& a, const fe& b) noexcept {
#if KAGI_WIDE_INT128
    return mul_w<wide::wide_native>(a, b);
#else
    if (std::is_constant_evaluated()) return mul32(a, b);
    return mul_w<wide::wide_portable>(a, b);
#endif
  }
  [[nodiscard]] static constexpr fe sqr(const fe& a) noexcept { return mul(a, a); }

  // r = mask ? a : r.
  static constexpr void cmov(u64 mask, fe& r, const fe& a) noexcept {
    const u64 m = ct::value_barrier(mask);
    for (int i = 0; i < 4; ++i) r.v[i] ^= m & (r.v[i] ^ a.v[i]);
  }
};

template <class F>
[[nodiscard]] constexpr fe to_mont(const fe& a) noexcept {
  return F::mul(a, r2_raw);
}
template <class F>
[[nodiscard]] constexpr fe from_mont(const fe& a) noexcept {
  return F::mul(a, fe{{1, 0, 0, 0}});
}

// b of the curve equation, in Montgomery form.
inline constexpr fe b_mont{{0xd89cdf6229c4bddf, 0xacf005cd78843090, 0xe5a220abf7212ed6, 0xdc30061d04874834}};
// The base point G (affine, plain big-endian coordinates from FIPS 186-5).
inline constexpr std::array<std::uint8_t, 32> gx_bytes{
    0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2,
    0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96};
inline constexpr std::array<std::uint8_t, 32> gy_bytes{
    0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16,
    0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};

// f^(2^n): n squarings.
template <class F>
[[nodiscard]] constexpr fe sqr_n(fe f, int n) noexcept {
  for (int i = 0; i < n; ++i) f = F::sqr(f);
  return f;
}

// a^(p - 2) = a^-1 (0 for a = 0). p - 2 in binary, from the top: 32 ones,
// 31 zeros, a one, 96 zeros, 94 ones, 0, 1. 255 squarings, 12 multiplications.
template <class F>
[[nodiscard]] constexpr fe invert(const fe& a) noexcept {
  const fe x2 = F::mul(F::sqr(a), a);               // 2^2 - 1
  const fe x3 = F::mul(F::sqr(x2), a);              // 2^3 - 1
  const fe x6 = F::mul(sqr_n<F>(x3, 3), x3);        // 2^6 - 1
  const fe x12 = F::mul(sqr_n<F>(x6, 6), x6);       // 2^12 - 1
  const fe x15 = F::mul(sqr_n<F>(x12, 3), x3);      // 2^15 - 1
  const fe x30 = F::mul(sqr_n<F>(x15, 15), x15);    // 2^30 - 1
  const fe x32 = F::mul(sqr_n<F>(x30, 2), x2);      // 2^32 - 1
  fe t = F::mul(sqr_n<F>(x32, 32), a);              // 32 ones, 31 zeros, 1
  t = sqr_n<F>(t, 96);                              // 96 zeros
  t = F::mul(sqr_n<F>(t, 32), x32);                 // 32 ones
  t = F::mul(sqr_n<F>(t, 32), x32);                 // 32 ones
  t = F::mul(sqr_n<F>(t, 30), x30);                 // 30 ones
  return F::mul(sqr_n<F>(t, 2), a);                 // 0, 1
}

// ---- points: projective (X : Y : Z), the point at infinity is (0 : 1 : 0)

struct point {
  fe x, y, z;
};
struct affine {
  fe x, y;
};

template <class F>
[[nodiscard]] constexpr point infinity() noexcept {
  return {F::zero(), F::one(), F::zero()};
}

// P + Q, complete (RCB algorithm 4, a = -3): 12M + 2 mul by b.
template <class F>
[[nodiscard]] constexpr point add(const point& p, const point& q) noexcept {
  fe t0 = F::mul(p.x, q.x), t1 = F::mul(p.y, q.y), t2 = F::mul(p.z, q.z);
  fe t3 = F::add(p.x, p.y), t4 = F::add(q.x, q.y);
  t3 = F::mul(t3, t4);
  t4 = F::add(t0, t1);
  t3 = F::sub(t3, t4);
  t4 = F::add(p.y, p.z);
  fe x3 = F::add(q.y, q.z);
  t4 = F::mul(t4, x3);
  x3 = F::add(t1, t2);
  t4 = F::sub(t4, x3);
  x3 = F::add(p.x, p.z);
  fe y3 = F::add(q.x, q.z);
  x3 = F::mul(x3, y3);
  y3 = F::add(t0, t2);
  y3 = F::sub(x3, y3);
  fe z3 = F::mul(b_mont, t2);
  x3 = F::sub(y3, z3);
  z3 = F::add(x3, x3);
  x3 = F::add(x3, z3);
  z3 = F::sub(t1, x3);
  x3 = F::add(t1, x3);
  y3 = F::mul(b_mont, y3);
  t1 = F::add(t2, t2);
  t2 = F::add(t1, t2);
  y3 = F::sub(y3, t2);
  y3 = F::sub(y3, t0);
  t1 = F::add(y3, y3);
  y3 = F::add(t1, y3);
  t1 = F::add(t0, t0);
  t0 = F::add(t1, t0);
  t0 = F::sub(t0, t2);
  t1 = F::mul(t4, y3);
  t2 = F::mul(t0, y3);
  y3 = F::mul(x3, z3);
  y3 = F::add(y3, t2);
  x3 = F::mul(t3, x3);
  x3 = F::sub(x3, t1);
  z3 = F::mul(t4, z3);
  t1 = F::mul(t3, t0);
  z3 = F::add(z3, t1);
  return {x3, y3, z3};
}

// P + Q for an affine Q (RCB algorithm 5, a = -3): 11M + 2 mul by b.
// Complete for every P; Q cannot be the point at infinity.
template <class F>
[[nodiscard]] constexpr point madd(const point& p, const affine& q) noexcept {
  fe t0 = F::mul(p.x, q.x), t1 = F::mul(p.y, q.y);
  fe t3 = F::add(q.x, q.y), t4 = F::add(p.x, p.y);
  t3 = F::mul(t3, t4);
  t4 = F::add(t0, t1);
  t3 = F::sub(t3, t4);
  t4 = F::mul(q.y, p.z);
  t4 = F::add(t4, p.y);
  fe y3 = F::mul(q.x, p.z);
  y3 = F::add(y3, p.x);
  fe z3 = F::mul(b_mont, p.z);
  fe x3 = F::sub(y3, z3);
  z3 = F::add(x3, x3);
  x3 = F::add(x3, z3);
  z3 = F::sub(t1, x3);
  x3 = F::add(t1, x3);
  y3 = F::mul(b_mont, y3);
  t1 = F::add(p.z, p.z);
  fe t2 = F::add(t1, p.z);
  y3 = F::sub(y3, t2);
  y3 = F::sub(y3, t0);
  t1 = F::add(y3, y3);
  y3 = F::add(t1, y3);
  t1 = F::add(t0, t0);
  t0 = F::add(t1, t0);
  t0 = F::sub(t0, t2);
  t1 = F::mul(t4, y3);
  t2 = F::mul(t0, y3);
  y3 = F::mul(x3, z3);
  y3 = F::add(y3, t2);
  x3 = F::mul(t3, x3);
  x3 = F::sub(x3, t1);
  z3 = F::mul(t4, z3);
  t1 = F::mul(t3, t0);
  z3 = F::add(z3, t1);
  return {x3, y3, z3};
}

// 2P: the projective doubling for a = -3 (EFD "dbl-2007-bl" with
// w = 3 X^2 + a Z^2 = 3 (X - Z)(X + Z) and B = 2 X R): 7M + 3S. From the
// affine lambda = (3x^2 - 3) / 2y with x = X/Z, y = Y/Z and s = 2 Y Z:
//   w = 3 (X - Z)(X + Z), R = Y s, B = 2 X R, h = w^2 - 2 B,
//   X3 = h s, Y3 = w (B - h) - 2 R^2, Z3 = s^3.
// Valid whenever Y Z != 0. When Y Z = 0 (the point at infinity (0 : Y : 0),
// or a point of order 2, which a prime-order curve does not have) s = 0, so
// X3 = Z3 = 0 and the result is 2P = (0 : 1 : 0) once Y3 is set to 1 under a
// mask: complete, with no branch.
template <class F>
[[nodiscard]] constexpr point dbl(const point& p) noexcept {
  fe w = F::mul(F::sub(p.x, p.z), F::add(p.x, p.z));
  w = F::add(F::add(w, w), w);
  fe s = F::mul(p.y, p.z);
  s = F::add(s, s);
  const fe r = F::mul(p.y, s);
  const fe rr = F::sqr(r);
  fe b = F::mul(p.x, r);
  b = F::add(b, b);
  const fe h = F::sub(F::sqr(w), F::add(b, b));
  point out;
  out.x = F::mul(h, s);
  out.y = F::sub(F::mul(w, F::sub(b, h)), F::add(rr, rr));
  out.z = F::mul(s, F::sqr(s));
  F::cmov(is_zero_mask(out.z), out.y, F::one());
  return out;
}

// 2^k P for a run of doublings: converted to Jacobian coordinates
// (x = X/Z^2, y = Y/Z^3), doubled there k times (4M + 4S each, against 7M +
// 3S for dbl), and converted back; the two conversions cost 4M + S more.
//   to Jacobian:    (X : Y : Z) -> (X Z : Y Z^2 : Z), same Z^2 as delta below
//   Jacobian, a = -3 (EFD "dbl-2001-b" with Z3 = 2 Y Z): delta = Z^2,
//     gamma = Y^2, beta = X gamma, alpha = 3 (X - delta)(X + delta),
//     X3 = alpha^2 - 8 beta, Y3 = alpha (4 beta - X3) - 8 gamma^2, Z3 = 2 Y Z
//   from Jacobian:  (X : Y : Z) -> (X Z : Y : Z^3)
// For a point other than infinity every step is exact (a prime-order curve
// has no point of order 2, so no intermediate Y is 0). The point at infinity
// (0 : Y : 0) becomes (0 : 0 : 0) and stays so; the result then has Z = 0, and
// Y is set to 1 under a mask, giving (0 : 1 : 0): complete, with no branch.
struct jacobian {
  fe x, y, z;
};

// 2P in Jacobian coordinates; delta = Z^2 is passed in (dbl_times has it for
// the first doubling). The products are in critical-path order: delta ->
// alpha -> alpha^2 -> X3 -> Y3 first, the independent ones in between, so
// that out-of-order execution overlaps them (the inline-assembly field
// operations of p256_x86.hpp are issued in source order).
template <class F>
[[nodiscard]] constexpr jacobian jdbl(const jacobian& p, const fe& delta) noexcept {
  fe alpha = F::mul(F::sub(p.x, delta), F::add(p.x, delta));
  const fe gamma = F::sqr(p.y);
  fe z3 = F::mul(p.y, p.z);
  alpha = F::add(F::add(alpha, alpha), alpha);
  const fe beta = F::mul(p.x, gamma);
  const fe alpha2 = F::sqr(alpha);
  fe beta4 = F::add(beta, beta);
  beta4 = F::add(beta4, beta4);
  fe gamma8 = F::sqr(gamma);
  z3 = F::add(z3, z3);
  const fe x3 = F::sub(alpha2, F::add(beta4, beta4));
  gamma8 = F::add(gamma8, gamma8);
  gamma8 = F::add(gamma8, gamma8);
  gamma8 = F::add(gamma8, gamma8);
  const fe y3 = F::sub(F::mul(alpha, F::sub(beta4, x3)), gamma8);
  return {x3, y3, z3};
}

template <class F>
[[nodiscard]] constexpr point dbl_times(const point& p, int k) noexcept {
  const fe z2 = F::sqr(p.z);
  jacobian j{F::mul(p.x, p.z), F::mul(p.y, z2), p.z};
  for (int i = 0; i < k; ++i) j = jdbl<F>(j, i == 0 ? z2 : F::sqr(j.z));
  point out{F::mul(j.x, j.z), j.y, F::mul(j.z, F::sqr(j.z))};
  F::cmov(is_zero_mask(out.z), out.y, F::one());
  return out;
}

// The affine coordinates of P (Montgomery form), (0, 0) for the point at infinity.
template <class F>
[[nodiscard]] constexpr affine to_affine(const point& p) noexcept {
  const fe zinv = invert<F>(p.z);
  return {F::mul(p.x, zinv), F::mul(p.y, zinv)};
}

// True (all ones) when (x, y) satisfies y^2 = x^3 - 3x + b (Montgomery form).
template <class F>
[[nodiscard]] constexpr u64 on_curve_mask(const affine& a) noexcept {
  const fe y2 = F::sqr(a.y);
  const fe x3 = F::mul(F::sqr(a.x), a.x);
  const fe three_x = F::add(F::add(a.x, a.x), a.x);
  const fe rhs = F::add(F::sub(x3, three_x), b_mont);
  const fe d = F::sub(y2, rhs);
  return is_zero_mask(d);
}

// ---- scalars

// The 32-byte big-endian scalar as limbs; all ones when 0 < d < n.
[[nodiscard]] constexpr u64 scalar_valid_mask(const fe& d) noexcept {
  return lt_mask(d, n_raw) & ~is_zero_mask(d);
}

// d = sum digit[i] 2^(w i) with digit[i] in [-2^(w-1), 2^(w-1)), for d < 2^256;
// count = ceil(257 / w) digits (the last one takes the final carry).
template <int W, int Count>
constexpr void recode_signed(const fe& d, std::int32_t (&digit)[Count]) noexcept {
  static_assert(W * Count >= 257 && W < 8);
  std::int32_t carry = 0;
  for (int i = 0; i < Count; ++i) {
    const int bit = W * i;
    // W bits starting at `bit` (bit positions are public).
    u64 w = 0;
    if (bit < 256) {
      w = d.v[bit / 64] >> (bit % 64);
      if (bit % 64 + W > 64 && bit / 64 + 1 < 4) w |= d.v[bit / 64 + 1] << (64 - bit % 64);
    }
    const std::int32_t v = static_cast<std::int32_t>(w & ((1u << W) - 1)) + carry;
    carry = (v + (1 << (W - 1))) >> W;  // 1 when v >= 2^(W-1)
    digit[i] = v - (carry << W);
  }
}

// |digit| and its sign (1 when negative), without branches.
constexpr void digit_abs(std::int32_t digit, std::uint32_t& mag, std::uint32_t& neg) noexcept {
  neg = static_cast<std::uint32_t>(digit) >> 31;
  mag = static_cast<std::uint32_t>((digit ^ -static_cast<std::int32_t>(neg)) + static_cast<std::int32_t>(neg));
}

// ---- d Q for a validated affine Q: signed 5-bit windows

// r |= a & m limb by limb, m all ones or zero: the masked table scans
// accumulate the one entry whose mask is set (every entry is read).
constexpr void or_masked(fe& r, const fe& a, u64 m) noexcept {
  for (int i = 0; i < 4; ++i) r.v[i] |= a.v[i] & m;
}

// r = digit Q from table[i] = (i + 1) Q: the point at infinity for digit 0.
// (Written in place: the caller's r is the one slot it wipes.)
template <class F>
constexpr void select_point(point& r, const point (&table)[16], std::int32_t digit) noexcept {
  std::uint32_t mag = 0, neg = 0;
  digit_abs(digit, mag, neg);
  r = {};
  or_masked(r.y, F::one(), ct::value_barrier(ct::is_zero<u64>(mag)));
  for (std::uint32_t i = 0; i < 16; ++i) {
    const u64 m = ct::value_barrier(ct::eq<u64>(mag, i + 1));
    or_masked(r.x, table[i].x, m);
    or_masked(r.y, table[i].y, m);
    or_masked(r.z, table[i].z, m);
  }
  F::cmov(ct::mask_from_bit<u64>(neg), r.y, F::neg(r.y));
}

template <class F>
[[nodiscard]] constexpr point scalar_mul(const fe& d, const affine& q) noexcept {
  // table[i] = (i + 1) Q: even multiples by doubling (cheaper), odd ones by adding Q.
  point table[16];
  table[0] = {q.x, q.y, F::one()};
  for (int i = 1; i < 16; ++i) table[i] = (i % 2 == 1) ? dbl<F>(table[i / 2]) : add<F>(table[i - 1], table[0]);
  std::int32_t digit[52];
  recode_signed<5>(d, digit);
  // The running point r and the picked multiple s derive from the scalar:
  // both are named (one slot each for the whole loop) so they can be wiped once.
  point r{}, s{};
  select_point<F>(r, table, digit[51]);
  for (int i = 50; i >= 0; --i) {
    r = dbl_times<F>(r, 5);
    select_point<F>(s, table, digit[i]);
    r = add<F>(r, s);
  }
  const point out = r;
  secure_wipe(std::span<std::int32_t, 52>(digit));
  secure_wipe_objects(r, s);
  return out;
}

// ---- d G: table[i][j] = (j + 1) 32^i G, affine; signed 5-bit digits, one
// mixed addition per digit and no doublings.

inline constexpr int base_rows = 52;     // ceil(257 / 5) digits
inline constexpr int base_entries = 16;  // |digit| <= 16

struct base_table {
  affine e[base_rows][base_entries];
};

template <class F>
void make_base_table(base_table& table) noexcept {
  point row{to_mont<F>(load_be(gx_bytes.data())), to_mont<F>(load_be(gy_bytes.data())), F::one()};
  for (int i = 0; i < base_rows; ++i) {
    point pts[base_entries];
    fe prefix[base_entries];
    pts[0] = row;
    for (int j = 1; j < base_entries; ++j) pts[j] = (j % 2 == 1) ? dbl<F>(pts[j / 2]) : add<F>(pts[j - 1], row);
    row = dbl<F>(pts[base_entries - 1]);  // 32 (32^i G)
    // One inversion per row for all the Z coordinates (Montgomery's trick).
    fe acc = F::one();
    for (int j = 0; j < base_entries; ++j) {
      prefix[j] = acc;
      acc = F::mul(acc, pts[j].z);
    }
    fe inv = invert<F>(acc);
    for (int j = base_entries - 1; j >= 0; --j) {
      const fe zinv = F::mul(inv, prefix[j]);
      inv = F::mul(inv, pts[j].z);
      table.e[i][j] = {F::mul(pts[j].x, zinv), F::mul(pts[j].y, zinv)};
    }
  }
}

// The table for field F, built on first use (thread-safe static initialization).
template <class F>
[[nodiscard]] const base_table& base() noexcept {
  static const base_table table = [] {
    base_table t{};
    make_base_table<F>(t);
    return t;
  }();
  return table;
}

template <class F>
[[nodiscard]] point base_mul(const fe& d) noexcept {
  std::int32_t digit[base_rows];
  recode_signed<5>(d, digit);
  const base_table& table = base<F>();
  point r = infinity<F>();
  affine s{};  // the picked multiple (named outside the loop so that it is wiped once)
  for (int i = 0; i < base_rows; ++i) {
    std::uint32_t mag = 0, neg = 0;
    digit_abs(digit[i], mag, neg);
    s = {};  // stays (0, 0) for digit 0: the sum is computed, then dropped
    for (std::uint32_t j = 0; j < base_entries; ++j) {
      const u64 m = ct::value_barrier(ct::eq<u64>(mag, j + 1));
      or_masked(s.x, table.e[i][j].x, m);
      or_masked(s.y, table.e[i][j].y, m);
    }
    F::cmov(ct::mask_from_bit<u64>(neg), s.y, F::neg(s.y));
    const point sum = madd<F>(r, s);
    const u64 use = ~ct::is_zero<u64>(mag);  // digit 0 adds nothing
    F::cmov(use, r.x, sum.x);
    F::cmov(use, r.y, sum.y);
    F::cmov(use, r.z, sum.z);
  }
  secure_wipe(std::span<std::int32_t, base_rows>(digit));
  secure_wipe_objects(s);  // r is d G, the public key
  return r;
}

// ---- the operations on the portable field

// 04 || X || Y of P (never the point at infinity here).
template <class F>
constexpr void encode_point(std::uint8_t* out, const point& p) noexcept {
  const affine a = to_affine<F>(p);
  out[0] = 0x04;
  store_be(out + 1, from_mont<F>(a.x));
  store_be(out + 33, from_mont<F>(a.y));
}

// Decodes and validates a peer's point: 65 bytes, 04, x < p, y < p, on the
// curve. The point is public, so this may branch on it.
template <class F>
[[nodiscard]] constexpr std::optional<affine> decode_point(std::span<const std::uint8_t> in) noexcept {
  if (in.size() != 65 || in[0] != 0x04) return std::nullopt;
  const fe x = load_be(in.data() + 1), y = load_be(in.data() + 33);
  if (!(lt_mask(x, p_raw) & lt_mask(y, p_raw))) return std::nullopt;
  const affine a{to_mont<F>(x), to_mont<F>(y)};
  if (!on_curve_mask<F>(a)) return std::nullopt;
  return a;
}

template <class F>
constexpr void public_key(std::uint8_t* out, const fe& d) noexcept {
  if (std::is_constant_evaluated()) {
    const affine g{to_mont<F>(load_be(gx_bytes.data())), to_mont<F>(load_be(gy_bytes.data()))};
    encode_point<F>(out, scalar_mul<F>(d, g));
  } else {
    encode_point<F>(out, base_mul<F>(d));
  }
}

template <class F>
constexpr void shared_x(std::uint8_t* out, const fe& d, const affine& q) noexcept {
  point p = scalar_mul<F>(d, q);
  affine r = to_affine<F>(p);
  fe x = from_mont<F>(r.x);
  store_be(out, x);
  secure_wipe_objects(p, r, x);  // d Q: its x-coordinate is the shared secret
}

}  // namespace detail::p256
}  // namespace kagi

#include "x86/p256_adx.hpp"

namespace kagi {
namespace detail::p256 {

// The paths: the same formulas over the MULX/ADCX/ADOX field (same Montgomery
// representation), or over the portable one.
struct p256_kernel {
  void (*public_key)(std::uint8_t* out, const fe& d) noexcept;
  void (*shared_x)(std::uint8_t* out, const fe& d, const affine& q) noexcept;
};

inline constexpr auto p256_table = dispatch::make_table<p256_kernel>("p256", {
#if KAGI_X86
    {"mulx-adx", p256_adx_needs, "ec/x86/p256_adx.hpp", {&public_key<field_mont_adx>, &shared_x<field_mont_adx>}},
#endif
    {"portable", 0, {}, {&public_key<field_mont>, &shared_x<field_mont>}},
});
static_assert(p256_table.well_formed());

}  // namespace detail::p256

namespace p256 {

inline constexpr std::size_t private_key_size = 32;
inline constexpr std::size_t public_key_size = 65;
using private_key_type = std::array<std::uint8_t, 32>;  // big-endian scalar in [1, n - 1]
using public_key_type = std::array<std::uint8_t, 65>;   // SEC 1 uncompressed: 04 || X || Y

// True when priv is a valid private key (0 < d < n). Constant time; the
// verdict is declassified.
[[nodiscard]] constexpr bool is_valid_private_key(const private_key_type& priv) noexcept {
  detail::p256::fe d = detail::p256::load_be(priv.data());
  const bool valid = ct::declassify(static_cast<bool>(detail::p256::scalar_valid_mask(d) & 1u));
  secure_wipe_objects(d);
  return valid;
}

// A fresh private key from a random source: 32 random bytes, drawn again in
// the (2^-32 likely) case that they are 0 or >= n. Drawn straight into k (a
// key held elsewhere, such as tls12::ecdhe_private_key's, needs no temporary).
template <random_source R>
constexpr void generate_private_key(R& rng, private_key_type& k) noexcept {
  do {
    rng.fill(k);
  } while (!is_valid_private_key(k));
}
template <random_source R>
[[nodiscard]] constexpr private_key_type generate_private_key(R& rng) noexcept {
  private_key_type k{};
  generate_private_key(rng, k);
  return k;
}

// The public key d G of a private key d, SEC 1 uncompressed (04 || X || Y).
// nullopt when d is 0 or >= n. The result is public and declassified.
[[nodiscard]] constexpr std::optional<public_key_type> public_key(const private_key_type& priv) noexcept {
  if (!is_valid_private_key(priv)) return std::nullopt;
  detail::p256::fe d = detail::p256::load_be(priv.data());
  public_key_type out{};
  if (std::is_constant_evaluated()) {
    detail::p256::public_key<detail::p256::field_mont>(out.data(), d);
  } else {
    detail::p256::p256_table.kernel().public_key(out.data(), d);
  }
  secure_wipe_objects(d);
  return ct::declassify(out);
}

// The ECDH shared secret (SEC 1 3.3.1): the x-coordinate of d Q, 32 bytes
// big-endian, as TLS uses it for the pre-master secret (RFC 8422 5.10).
// nullopt when the peer's point is not 65 bytes, does not start with 04, has
// a coordinate >= p or is not on the curve, or when d is 0 or >= n.
[[nodiscard]] constexpr std::optional<std::array<std::uint8_t, 32>> shared_secret(
    const private_key_type& priv, std::span<const std::uint8_t> peer_point) noexcept {
  using F = detail::p256::field_mont;
  const auto q = detail::p256::decode_point<F>(peer_point);
  if (!q || !is_valid_private_key(priv)) return std::nullopt;
  detail::p256::fe d = detail::p256::load_be(priv.data());
  std::array<std::uint8_t, 32> out{};
  if (std::is_constant_evaluated()) {
    detail::p256::shared_x<F>(out.data(), d, *q);
  } else {
    detail::p256::p256_table.kernel().shared_x(out.data(), d, *q);
  }
  secure_wipe_objects(d);
  std::optional<std::array<std::uint8_t, 32>> secret(out);
  secure_wipe(out);
  return secret;
}

// The public point inside a DER SubjectPublicKeyInfo (RFC 5480 section 2):
//   SEQUENCE { SEQUENCE { id-ecPublicKey, namedCurve secp256r1 }, BIT STRING point }
// Returns a view of the point octets (validate them with shared_secret).
// Errors: the DER reader's errc::der_* for malformed DER, and
// errc::ec_unsupported_key for another algorithm or curve, or explicit curve
// parameters (RFC 5480 2.1.1 allows only the named curve). The format is
// read by encoding/keys.hpp.
[[nodiscard]] constexpr result<bytes_view> point_from_spki(bytes_view spki) noexcept {
  return keys::read_p256_spki(spki);
}

// The path P-256 takes at run time now: "mulx-adx" or "portable".
[[nodiscard]] inline const char* implementation() noexcept { return detail::p256::p256_table.implementation(); }

}  // namespace p256

}  // namespace kagi

#endif  // KAGI_EC_P256_HPP
