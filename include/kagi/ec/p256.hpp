// kagi/ec/p256.hpp: NIST P-256 arithmetic and ECDH (SEC 1 v2 section 3.3.1;
// curve from FIPS 186-5 / SP 800-186: y^2 = x^3 - 3x + b over GF(p), p =
// 2^256 - 2^224 + 2^192 + 2^96 - 1, prime order n, cofactor 1), and the
// arithmetic of ECDSA (whose protocol is in ecdsa_p256.hpp).
//
//   public_key(d)              = d G, SEC 1 uncompressed (04 || X || Y)
//   shared_secret(d, peer)     = x-coordinate of d Q, 32 bytes big-endian
//
// Field elements are four 64-bit limbs in Montgomery form (R = 2^256), always
// fully reduced below p; products use the 128-bit helpers of wide.hpp
// (__int128 at run time, portable words at compile time). The complete
// projective formulas of Renes, Costello and Batina (ePrint 2015/1060,
// algorithms 4 and 5 for a = -3; doubling with 7M + 3S for a = -3) need no
// special case for any input, the point at infinity and P + P included; they
// build the tables and serve the code that adds arbitrary points.
//
// The scalar multiplications run in Jacobian coordinates (doubling 4M + 4S,
// addition 12M + 4S, affine addition 8M + 3S), whose formulas are not
// complete; each multiplication keeps them away from their exceptional
// inputs (the proofs are at scalar_mul_jacobian and base_mul): the running
// point starts as "nothing yet" (a mask, not a point), takes the first
// nonzero digit's multiple as it is, and keeps its value under a mask when a
// digit is 0.
//
// d Q is a fixed-window scalar multiplication: signed 5-bit digits, a table
// of 1Q..16Q read with masked scans of every entry, then 51 windows of 5
// doublings and one addition, whatever the scalar. d G (public_key and ECDSA
// signing at run time) adds 43 points picked from a precomputed table of
// signed 6-bit multiples of 64^i G (43 x 32 affine points, 88 KB, built once
// on first use, read with masked scans), with no doublings. The scans are
// SSE2 at run time on x86-64.
//
// Inverses (affine results, ECDSA's k^-1 and s^-1) run safegcd in constant
// time, mod p and mod n; the scalars mod n have their own Montgomery
// arithmetic. ECDSA verification works on public values and runs in
// variable time: u1 G + u2 Q by Straus's method on wNAF digits.
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
// The group order n: its Montgomery constants (R = 2^256 again).
inline constexpr u64 n0inv = 0xccd1c8aaee00bc4f;  // -n^-1 mod 2^64
inline constexpr fe n_r2{{0x83244c95be79eea2, 0x4699799c49bd6fa6, 0x2845b2392b6bec59, 0x66e12d94f3d95620}};  // R^2 mod n
inline constexpr fe n_one_mont{{0x0c46353d039cdaaf, 0x4319055258e8617b, 0x0000000000000000, 0x00000000ffffffff}};  // R mod n

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

// r = (t4 : t) - m when that is not negative, else t; for (t4 : t) < 2m.
[[nodiscard]] constexpr fe reduce_once_mod(const fe& t, u64 t4, const fe& m) noexcept {
  fe d;
  u64 borrow = 0;
  for (int i = 0; i < 4; ++i) d.v[i] = subb(t.v[i], m.v[i], borrow);
  (void)subb(t4, 0, borrow);
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

// Scalars: the integers mod n (ECDSA's arithmetic on r, s, k and d) with
// Montgomery multiplication (CIOS, R = 2^256, general reduction: n has no
// special shape at its low end). Every value is fully reduced below n;
// constant time (masked final subtractions, no branches).
struct scalar_mont {
  static constexpr const char* name = "portable";

  // a b / 2^256 mod n for a, b < n.
  template <class W>
  [[nodiscard]] static constexpr fe mul_w(const fe& a, const fe& b) noexcept {
    u64 t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
    for (int i = 0; i < 4; ++i) {
      u64 c = 0;
      const u64 bi = b.v[i];
      t0 = W::mac(a.v[0], bi, t0, c);
      t1 = W::mac(a.v[1], bi, t1, c);
      t2 = W::mac(a.v[2], bi, t2, c);
      t3 = W::mac(a.v[3], bi, t3, c);
      u64 cc = 0;
      t4 = addc(t4, c, cc);
      const u64 t5 = cc;
      // t = (t + m n) / 2^64 with m = t0 n0inv (the low word then cancels).
      const u64 m = t0 * n0inv;
      c = 0;
      (void)W::mac(m, n_raw.v[0], t0, c);
      t0 = W::mac(m, n_raw.v[1], t1, c);
      t1 = W::mac(m, n_raw.v[2], t2, c);
      t2 = W::mac(m, n_raw.v[3], t3, c);
      cc = 0;
      t3 = addc(t4, c, cc);
      t4 = t5 + cc;
    }
    return reduce_once_mod(fe{{t0, t1, t2, t3}}, t4, n_raw);
  }
  [[nodiscard]] static constexpr fe mul(const fe& a, const fe& b) noexcept {
    return mul_w<wide::wide_native>(a, b);  // wide_portable where there is no __int128
  }
  [[nodiscard]] static constexpr fe sqr(const fe& a) noexcept { return mul(a, a); }

  // a + b mod n and a - b mod n for a, b < n.
  [[nodiscard]] static constexpr fe add(const fe& a, const fe& b) noexcept {
    fe s;
    u64 carry = 0;
    for (int i = 0; i < 4; ++i) s.v[i] = addc(a.v[i], b.v[i], carry);
    return reduce_once_mod(s, carry, n_raw);
  }
  [[nodiscard]] static constexpr fe sub(const fe& a, const fe& b) noexcept {
    fe d;
    u64 borrow = 0;
    for (int i = 0; i < 4; ++i) d.v[i] = subb(a.v[i], b.v[i], borrow);
    const u64 m = ct::mask_from_bit(borrow);  // add n back when a < b
    u64 carry = 0;
    for (int i = 0; i < 4; ++i) d.v[i] = addc(d.v[i], n_raw.v[i] & m, carry);
    return d;
  }
};

// Into and out of the Montgomery form of a scalar type S (a < n).
template <class S>
[[nodiscard]] constexpr fe scalar_to_mont(const fe& a) noexcept {
  return S::mul(a, n_r2);
}
template <class S>
[[nodiscard]] constexpr fe scalar_from_mont(const fe& a) noexcept {
  return S::mul(a, fe{{1, 0, 0, 0}});
}

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

// ---- inverses by safegcd (D. J. Bernstein and B.-Y. Yang, "Fast
// constant-time gcd computation and modular inversion", 2019; in the form of
// P. Wuille's safegcd write-up for libsecp256k1, with delta starting at 1/2).
//
// For an odd modulus m < 2^256 and 0 <= x < m: f = m, g = x, d = 0, e = 1,
// and divsteps on (delta, f, g)
//   delta > 0 and g odd:  (1 - delta, g, (g - f) / 2)
//   otherwise:            (1 + delta, f, (g + (g mod 2) f) / 2)
// keep f = d x and g = e x (mod m). 590 divsteps bring g to 0 for inputs
// below 2^256 (the bound for delta = 1/2); f is then +-gcd(x, m) = +-1 and
// x^-1 = +-d. The divsteps run 62 at a time on the low 64 bits of f and g,
// giving a matrix [u v; q r] (entries at most 2^62) that is applied to the
// full f, g (exact division by 2^62) and to d, e (modulo m: a multiple of m
// makes the sum divisible by 2^62, and the sign terms keep d, e in (-2m, m)).
// 10 rounds (620 divsteps). Numbers are five signed limbs of 62 bits; every
// step is masked, so the time depends on nothing but m. Needs __int128.
#if KAGI_WIDE_INT128
__extension__ typedef __int128 i128;

struct s62 {
  std::int64_t v[5]{};  // sum v[i] 2^(62 i); v[0..3] in [0, 2^62), v[4] signed
};
inline constexpr std::int64_t m62 = (std::int64_t{1} << 62) - 1;
inline constexpr s62 p_s62{{0x3fffffffffffffff, 0x3ffffffff, 0x0, 0x3fffffc000000040, 0xff}};
inline constexpr s62 n_s62{{0x33b9cac2fc632551, 0x339beab69c5e7a13, 0x3ffffffffffffffb, 0x3fffffc00000003f, 0xff}};
inline constexpr u64 p_inv62 = 0x3fffffffffffffff;  // p^-1 mod 2^62
inline constexpr u64 n_inv62 = 0x332e375511ff43b1;  // n^-1 mod 2^62

[[nodiscard]] constexpr s62 to_s62(const fe& a) noexcept {
  return {{static_cast<std::int64_t>(a.v[0] & m62), static_cast<std::int64_t>(((a.v[0] >> 62) | (a.v[1] << 2)) & m62),
           static_cast<std::int64_t>(((a.v[1] >> 60) | (a.v[2] << 4)) & m62),
           static_cast<std::int64_t>(((a.v[2] >> 58) | (a.v[3] << 6)) & m62), static_cast<std::int64_t>(a.v[3] >> 56)}};
}
// For 0 <= a < 2^256 with normalized limbs.
[[nodiscard]] constexpr fe from_s62(const s62& a) noexcept {
  const auto w = [&](int i) { return static_cast<u64>(a.v[i]); };
  return {{w(0) | (w(1) << 62), (w(1) >> 2) | (w(2) << 60), (w(2) >> 4) | (w(3) << 58), (w(3) >> 6) | (w(4) << 56)}};
}

struct divstep_matrix {
  std::int64_t u, v, q, r;
};

// 62 divsteps on the low 64 bits of f (odd) and g; delta is held doubled
// (dd = 2 delta, odd). Returns the new dd; t (scaled by 2^62) maps the
// full (f, g) to 2^62 (f', g').
[[nodiscard]] constexpr std::int64_t divsteps62(std::int64_t dd, u64 f, u64 g, divstep_matrix& t) noexcept {
  u64 u = 1, v = 0, q = 0, r = 1;
  for (int i = 0; i < 62; ++i) {
    const u64 c1 = ct::value_barrier(static_cast<u64>((-dd) >> 63));  // delta > 0
    const u64 c2 = ct::value_barrier(0 - (g & 1u));                    // g odd
    const u64 swap = c1 & c2;
    // g odd: g += f (or g -= f when swapping), and the same on the matrix rows.
    const u64 x = (f ^ swap) - swap, y = (u ^ swap) - swap, z = (v ^ swap) - swap;
    g += x & c2;
    q += y & c2;
    r += z & c2;
    // Swapping: f takes the old g (= new g + f), (u, v) the old (q, r).
    f += g & swap;
    u += q & swap;
    v += r & swap;
    dd = static_cast<std::int64_t>((static_cast<u64>(dd) ^ swap) - swap) + 2;
    g >>= 1;
    u <<= 1;
    v <<= 1;
  }
  t = {static_cast<std::int64_t>(u), static_cast<std::int64_t>(v), static_cast<std::int64_t>(q),
       static_cast<std::int64_t>(r)};
  return dd;
}

// (f, g) = [u v; q r] (f, g) / 2^62 (exact).
constexpr void update_fg(s62& f, s62& g, const divstep_matrix& t) noexcept {
  i128 cf = static_cast<i128>(t.u) * f.v[0] + static_cast<i128>(t.v) * g.v[0];
  i128 cg = static_cast<i128>(t.q) * f.v[0] + static_cast<i128>(t.r) * g.v[0];
  cf >>= 62;
  cg >>= 62;
  for (int i = 1; i < 5; ++i) {
    cf += static_cast<i128>(t.u) * f.v[i] + static_cast<i128>(t.v) * g.v[i];
    cg += static_cast<i128>(t.q) * f.v[i] + static_cast<i128>(t.r) * g.v[i];
    f.v[i - 1] = static_cast<std::int64_t>(cf) & m62;
    g.v[i - 1] = static_cast<std::int64_t>(cg) & m62;
    cf >>= 62;
    cg >>= 62;
  }
  f.v[4] = static_cast<std::int64_t>(cf);
  g.v[4] = static_cast<std::int64_t>(cg);
}

// (d, e) = ([u v; q r] (d, e) + m (md, me)) / 2^62 with md, me chosen to make
// the division exact and to keep d, e in (-2m, m).
constexpr void update_de(s62& d, s62& e, const divstep_matrix& t, const s62& m, u64 m_inv62) noexcept {
  const std::int64_t sd = d.v[4] >> 63, se = e.v[4] >> 63;
  std::int64_t md = (t.u & sd) + (t.v & se);
  std::int64_t me = (t.q & sd) + (t.r & se);
  i128 cd = static_cast<i128>(t.u) * d.v[0] + static_cast<i128>(t.v) * e.v[0];
  i128 ce = static_cast<i128>(t.q) * d.v[0] + static_cast<i128>(t.r) * e.v[0];
  md -= static_cast<std::int64_t>((m_inv62 * static_cast<u64>(cd) + static_cast<u64>(md)) & static_cast<u64>(m62));
  me -= static_cast<std::int64_t>((m_inv62 * static_cast<u64>(ce) + static_cast<u64>(me)) & static_cast<u64>(m62));
  cd += static_cast<i128>(m.v[0]) * md;
  ce += static_cast<i128>(m.v[0]) * me;
  cd >>= 62;
  ce >>= 62;
  for (int i = 1; i < 5; ++i) {
    cd += static_cast<i128>(t.u) * d.v[i] + static_cast<i128>(t.v) * e.v[i] + static_cast<i128>(m.v[i]) * md;
    ce += static_cast<i128>(t.q) * d.v[i] + static_cast<i128>(t.r) * e.v[i] + static_cast<i128>(m.v[i]) * me;
    d.v[i - 1] = static_cast<std::int64_t>(cd) & m62;
    e.v[i - 1] = static_cast<std::int64_t>(ce) & m62;
    cd >>= 62;
    ce >>= 62;
  }
  d.v[4] = static_cast<std::int64_t>(cd);
  e.v[4] = static_cast<std::int64_t>(ce);
}

// Limbs 0..3 back into [0, 2^62), the carries into the signed top limb.
constexpr void carry_s62(s62& a) noexcept {
  for (int i = 0; i < 4; ++i) {
    a.v[i + 1] += a.v[i] >> 62;
    a.v[i] &= m62;
  }
}

// x^-1 mod m (0 for x = 0), plain (not Montgomery) in and out, x < m.
[[nodiscard]] constexpr fe safegcd_invert(const fe& x, const s62& m, u64 m_inv62) noexcept {
  s62 f = m, g = to_s62(x), d{}, e{};
  e.v[0] = 1;
  std::int64_t dd = 1;
  divstep_matrix t{};
  for (int i = 0; i < 10; ++i) {
    dd = divsteps62(dd, static_cast<u64>(f.v[0]) | (static_cast<u64>(f.v[1]) << 62),
                    static_cast<u64>(g.v[0]) | (static_cast<u64>(g.v[1]) << 62), t);
    update_de(d, e, t, m, m_inv62);
    update_fg(f, g, t);
  }
  // x^-1 = f d with f = +-1, and d in (-2m, m): into [0, m).
  std::int64_t neg = d.v[4] >> 63;
  for (int i = 0; i < 5; ++i) d.v[i] += m.v[i] & neg;
  const std::int64_t fneg = f.v[4] >> 63;
  for (int i = 0; i < 5; ++i) d.v[i] = (d.v[i] ^ fneg) - fneg;
  carry_s62(d);
  neg = d.v[4] >> 63;
  for (int i = 0; i < 5; ++i) d.v[i] += m.v[i] & neg;
  carry_s62(d);
  const fe out = from_s62(d);
  secure_wipe_objects(f, g, d, e, t, dd);
  return out;
}
#endif  // KAGI_WIDE_INT128

// f^(2^n): n squarings.
template <class F>
[[nodiscard]] constexpr fe sqr_n(fe f, int n) noexcept {
  for (int i = 0; i < n; ++i) f = F::sqr(f);
  return f;
}

// a^(p - 2) = a^-1 (0 for a = 0). p - 2 in binary, from the top: 32 ones,
// 31 zeros, a one, 96 zeros, 94 ones, 0, 1. 255 squarings, 12 multiplications.
template <class F>
[[nodiscard]] constexpr fe invert_fermat(const fe& a) noexcept {
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

// a^-1 in Montgomery form (0 for a = 0), in constant time: safegcd where the
// compiler has __int128 (about 2.5 times faster than the exponentiation),
// which inverts a R; one product with R^3 gives a^-1 R.
inline constexpr fe r3_p{{0xfffffffd0000000a, 0xffffffedfffffff7, 0x00000005fffffffc, 0x0000001800000001}};  // R^3 mod p
template <class F>
[[nodiscard]] constexpr fe invert(const fe& a) noexcept {
#if KAGI_WIDE_INT128
  return F::mul(safegcd_invert(a, p_s62, p_inv62), r3_p);
#else
  return invert_fermat<F>(a);
#endif
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

// Jacobian coordinates (x = X/Z^2, y = Y/Z^3), for the scalar
// multiplications: doubling for a = -3 (EFD "dbl-2001-b" with Z3 = 2 Y Z),
// 4M + 4S against 7M + 3S for dbl:
//   delta = Z^2, gamma = Y^2, beta = X gamma, alpha = 3 (X - delta)(X + delta),
//   X3 = alpha^2 - 8 beta, Y3 = alpha (4 beta - X3) - 8 gamma^2, Z3 = 2 Y Z
// exact for every point other than infinity (a prime-order curve has no
// point of order 2, so Y is never 0); the additions below are not complete,
// and their callers keep them away from their exceptional inputs.
struct jacobian {
  fe x, y, z;
};

// 2P in Jacobian coordinates; delta = Z^2 is passed in (a caller that has
// it saves a square). The products are in critical-path order: delta ->
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

// P + Q for a Jacobian P and an affine Q (EFD "madd-2007-bl" without its
// Z1 = 1 shortcuts): 8M + 3S. Not complete: P must not be the point at
// infinity nor +-Q. The fixed-base multiplication below never meets those
// cases (see base_mul), and the verification code checks for them.
//   Z1Z1 = Z1^2, U2 = x2 Z1Z1, S2 = y2 Z1 Z1Z1, H = U2 - X1, r = S2 - Y1,
//   X3 = r^2 - H^3 - 2 X1 H^2, Y3 = r (X1 H^2 - X3) - Y1 H^3, Z3 = Z1 H
template <class F>
[[nodiscard]] constexpr jacobian jmadd(const jacobian& p, const affine& q) noexcept {
  const fe z1z1 = F::sqr(p.z);
  const fe u2 = F::mul(q.x, z1z1);
  const fe s2 = F::mul(q.y, F::mul(p.z, z1z1));
  const fe h = F::sub(u2, p.x);
  const fe r = F::sub(s2, p.y);
  const fe hh = F::sqr(h);
  const fe hhh = F::mul(h, hh);
  const fe v = F::mul(p.x, hh);
  const fe x3 = F::sub(F::sub(F::sqr(r), hhh), F::add(v, v));
  const fe y3 = F::sub(F::mul(r, F::sub(v, x3)), F::mul(p.y, hhh));
  return {x3, y3, F::mul(p.z, h)};
}

// P + Q, both Jacobian (EFD "add-2007-bl"): 12M + 4S. Not complete: neither
// may be the point at infinity, nor P = +-Q (scalar_mul_jacobian keeps it
// away from those inputs).
//   U1 = X1 Z2^2, U2 = X2 Z1^2, S1 = Y1 Z2^3, S2 = Y2 Z1^3, H = U2 - U1,
//   r = S2 - S1, X3 = r^2 - H^3 - 2 U1 H^2, Y3 = r (U1 H^2 - X3) - S1 H^3,
//   Z3 = Z1 Z2 H
template <class F>
[[nodiscard]] constexpr jacobian jadd(const jacobian& p, const jacobian& q) noexcept {
  const fe z1z1 = F::sqr(p.z), z2z2 = F::sqr(q.z);
  const fe u1 = F::mul(p.x, z2z2), u2 = F::mul(q.x, z1z1);
  const fe s1 = F::mul(p.y, F::mul(q.z, z2z2)), s2 = F::mul(q.y, F::mul(p.z, z1z1));
  const fe h = F::sub(u2, u1), r = F::sub(s2, s1);
  const fe hh = F::sqr(h);
  const fe hhh = F::mul(h, hh);
  const fe v = F::mul(u1, hh);
  const fe x3 = F::sub(F::sub(F::sqr(r), hhh), F::add(v, v));
  const fe y3 = F::sub(F::mul(r, F::sub(v, x3)), F::mul(s1, hhh));
  return {x3, y3, F::mul(F::mul(p.z, q.z), h)};
}

// The affine coordinates of P (Montgomery form), (0, 0) for the point at infinity.
template <class F>
[[nodiscard]] constexpr affine to_affine(const point& p) noexcept {
  const fe zinv = invert<F>(p.z);
  return {F::mul(p.x, zinv), F::mul(p.y, zinv)};
}
template <class F>
[[nodiscard]] constexpr affine to_affine(const jacobian& p) noexcept {
  const fe zinv = invert<F>(p.z);
  const fe zinv2 = F::sqr(zinv);
  return {F::mul(p.x, zinv2), F::mul(p.y, F::mul(zinv2, zinv))};
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

// r = table[mag - 1], or all zeros for mag = 0, reading every entry (T is
// made of whole fe's: affine or jacobian). The scans were a fifth of d G's
// time in scalar code; at run time on x86 they are vector code: each entry's
// mask is a compare of a running index with mag, and each 16 or 32 bytes of
// the entry are anded with it and ored into registers (the loops over them
// unrolled, so that they stay in registers). SSE2 is baseline x86-64; AVX2,
// where the CPU has it, halves the operations.
template <class T, std::size_t N>
constexpr void pick_entry_generic(T& r, const T (&table)[N], std::uint32_t mag) noexcept {
  static_assert(sizeof(T) % sizeof(fe) == 0 && std::is_trivially_copyable_v<T>);
  r = T{};
  for (std::uint32_t j = 0; j < N; ++j) {
    const u64 m = ct::value_barrier(ct::eq<u64>(mag, j + 1));
    or_masked(r.x, table[j].x, m);
    or_masked(r.y, table[j].y, m);
    if constexpr (sizeof(T) == 3 * sizeof(fe)) or_masked(r.z, table[j].z, m);
  }
}

#if KAGI_X86
// (mag - 1 wraps to 2^32 - 1 for mag = 0, which no entry number matches.)
template <class T, std::size_t N>
inline void pick_entry_sse2(T& r, const T (&table)[N], std::uint32_t mag) noexcept {
  ct::select_entry_sse2<sizeof(T)>(&r, table, N, mag - 1);
}

template <class T, std::size_t N>
KAGI_TARGET("avx2") inline void pick_entry_avx2(T& r, const T (&table)[N], std::uint32_t mag) noexcept {
  constexpr std::size_t vecs = sizeof(T) / 32;
  __m256i acc[vecs];
#pragma GCC unroll 8
  for (auto& a : acc) a = _mm256_setzero_si256();
  const __m256i want = _mm256_set1_epi32(static_cast<int>(mag));
  const __m256i one = _mm256_set1_epi32(1);
  __m256i index = _mm256_setzero_si256();
  for (std::size_t j = 0; j < N; ++j) {
    index = _mm256_add_epi32(index, one);
    const __m256i m = _mm256_cmpeq_epi32(index, want);
    const auto* e = reinterpret_cast<const __m256i*>(&table[j]);
#pragma GCC unroll 8
    for (std::size_t k = 0; k < vecs; ++k)
      acc[k] = _mm256_or_si256(acc[k], _mm256_and_si256(m, _mm256_loadu_si256(e + k)));
  }
  auto* out = reinterpret_cast<__m256i*>(&r);
#pragma GCC unroll 8
  for (std::size_t k = 0; k < vecs; ++k) _mm256_storeu_si256(out + k, acc[k]);
}
#endif

template <class T, std::size_t N>
constexpr void pick_entry(T& r, const T (&table)[N], std::uint32_t mag) noexcept {
#if KAGI_X86
  if (!std::is_constant_evaluated()) {
    if (cpu::has(cpu::avx2)) {
      pick_entry_avx2(r, table, mag);
    } else {
      pick_entry_sse2(r, table, mag);
    }
    return;
  }
#endif
  pick_entry_generic(r, table, mag);
}

// r = digit Q from table[i] = (i + 1) Q: the point at infinity for digit 0.
// (Written in place: the caller's r is the one slot it wipes.)
template <class F>
constexpr void select_point(point& r, const point (&table)[16], std::int32_t digit) noexcept {
  std::uint32_t mag = 0, neg = 0;
  digit_abs(digit, mag, neg);
  pick_entry(r, table, mag);
  or_masked(r.y, F::one(), ct::value_barrier(ct::is_zero<u64>(mag)));
  F::cmov(ct::mask_from_bit<u64>(neg), r.y, F::neg(r.y));
}

// d Q in Jacobian coordinates for 0 < d < n and a point Q of order n, in
// constant time. Signed 5-bit digits d = sum d_i 32^i (52 of them), a table
// of 1Q..16Q, then from the top digit down: 5 doublings and one addition of
// the picked d_i Q, all Jacobian (jdbl 4M + 4S, jadd 12M + 4S: the running
// point is never converted, where complete projective additions needed
// 14 products and two conversions per window, 4M + 2S more). jadd is not
// complete, so, as in base_mul, the running point starts as "nothing yet" (a
// mask) and takes the first nonzero digit's multiple as it is, and a zero
// digit keeps the running point (the sum is computed and dropped). No other
// exceptional case occurs: before digit i the running point is 32 a Q with a
// = sum_{k>i} d_k 32^(k-i-1) != 0 (the lowest nonzero digit, 1 <= |d_k| <=
// 16, is not a multiple of 32), and 32 a = +-d_i (mod n) cannot hold. For i
// >= 1, |32 a| + |d_i| < d / 32^(i-1) + 16 < n makes it an equation of
// integers, which |d_i| < 32 <= |32 a| rules out. For i = 0, 32 a + d_0 = d:
// 32 a = -d_0 would make d = 0, and 32 a = d_0 (mod n) would make d = 2 d_0
// + k n, which for 0 < d < n leaves only d = 2 d_0 (then a = 0) or d = n +
// 2 d_0 with d_0 < 0, where d = d_0 (mod 32) gives d_0 = -n = 15 (mod 32), not
// negative. The doublings never meet the point at infinity either (2^j a Q
// with 0 < |2^j a| < n, or 32 a = d - d_0 = 0 mod n, which n odd rules out).
template <class F>
[[nodiscard]] constexpr jacobian scalar_mul_jacobian(const fe& d, const affine& q) noexcept {
  // table[i] = (i + 1) Q: even multiples by doubling, odd ones by adding Q
  // (Q is public: none of this depends on d).
  jacobian table[16];
  table[0] = {q.x, q.y, F::one()};
  for (int i = 1; i < 16; ++i)
    table[i] = (i % 2 == 1) ? jdbl<F>(table[i / 2], F::sqr(table[i / 2].z)) : jmadd<F>(table[i - 1], q);
  std::int32_t digit[52];
  recode_signed<5>(d, digit);
  // The running point r, the picked multiple s and the sum derive from the
  // scalar: named once for the whole loop so that they can be wiped once.
  jacobian r{}, s{}, sum{};
  u64 empty = ~u64{0};  // all ones while every digit so far was 0
  for (int i = 51; i >= 0; --i) {
    for (int k = 0; k < 5 && i < 51; ++k) r = jdbl<F>(r, F::sqr(r.z));
    std::uint32_t mag = 0, neg = 0;
    digit_abs(digit[i], mag, neg);
    pick_entry(s, table, mag);
    F::cmov(ct::mask_from_bit<u64>(neg), s.y, F::neg(s.y));
    sum = jadd<F>(r, s);
    const u64 nonzero = ~ct::is_zero<u64>(mag);
    const u64 first = ct::value_barrier(empty & nonzero);  // r = s
    const u64 more = ct::value_barrier(~empty & nonzero);  // r = r + s
    F::cmov(more, r.x, sum.x);
    F::cmov(more, r.y, sum.y);
    F::cmov(more, r.z, sum.z);
    F::cmov(first, r.x, s.x);
    F::cmov(first, r.y, s.y);
    F::cmov(first, r.z, s.z);
    empty &= ~nonzero;
  }
  const jacobian out = r;
  secure_wipe(std::span<std::int32_t, 52>(digit));
  secure_wipe_objects(r, s, sum);
  return out;
}

// The same as a projective point (X Z : Y : Z^3), for the code that adds it
// with the complete formulas; for 0 <= d < n (d = 0 leaves the running point
// "nothing yet", all zeros, which becomes the point at infinity (0 : 1 : 0)).
template <class F>
[[nodiscard]] constexpr point scalar_mul(const fe& d, const affine& q) noexcept {
  jacobian j = scalar_mul_jacobian<F>(d, q);
  point out{F::mul(j.x, j.z), j.y, F::mul(j.z, F::sqr(j.z))};
  F::cmov(is_zero_mask(out.z), out.y, F::one());
  secure_wipe_objects(j);
  return out;
}

// ---- d G: table[i][j] = (j + 1) 64^i G, affine; signed 6-bit digits, one
// mixed addition per nonzero digit and no doublings.
//
// The additions are Jacobian + affine (jmadd, 8M + 3S), which are not
// complete, so the code keeps them away from their exceptional inputs: the
// running point starts as "nothing yet" (a mask, not a point) and takes the
// first nonzero digit's point as it is; a zero digit keeps the running point
// (the sum is computed and dropped). No other exceptional case can occur for
// 0 < d < n: before row j the running point is a_j G with a_j =
// sum_{i<j} d_i 64^i, |a_j| <= 32 (64^j - 1) / 63 < 0.51 * 64^j, and the
// point added is b_j G with b_j = d_j 64^j, |b_j| >= 64^j. a_j = 0 only when
// every digit so far was 0 (the lowest nonzero digit, 1 <= |d_i| <= 32, is
// not a multiple of 64). For j <= 41, |a_j| + |b_j| < 32.51 * 2^246 < n, so
// a_j = +-b_j (mod n) would need a_j = +-b_j as integers, which |a_j| < |b_j|
// rules out. For j = 42 (the last digit, bits 252 to 255 and the carry: 0 to
// 16), a_j + b_j = d: a_j = -b_j would mean d = 0; a_j = b_j (mod n) with
// |a_j| < |b_j| <= 2^256 < 2n leaves a_j = b_j - n, so d = 2 b_j - n, below
// n only when b_j < n, i.e. d_42 <= 15, where |a_j| = n - b_j >= n - 15 *
// 2^252 > 0.99 * 2^252 contradicts |a_j| < 0.51 * 2^252.
//
// 6-bit rather than 5-bit digits: 43 additions instead of 52 for twice the
// entries per scan (88 KB of table instead of 53 KB); the SSE2 scans cost
// less than the 9 additions saved.

inline constexpr int base_window = 6;
inline constexpr int base_rows = (257 + base_window - 1) / base_window;  // 43 digits
inline constexpr int base_entries = 1 << (base_window - 1);              // |digit| <= 32

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
    row = dbl<F>(pts[base_entries - 1]);  // 2 base_entries (64^i G)
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

// d G in Jacobian coordinates for 0 < d < n, in constant time.
template <class F>
[[nodiscard]] jacobian base_mul(const fe& d) noexcept {
  std::int32_t digit[base_rows];
  recode_signed<base_window>(d, digit);
  const base_table& table = base<F>();
  jacobian r{F::zero(), F::one(), F::zero()};  // meaningless until the first nonzero digit
  u64 empty = ~u64{0};                         // all ones while every digit so far was 0
  // The picked multiple and the sum (named outside the loop so that they are wiped once).
  affine s{};
  jacobian sum{};
  for (int i = 0; i < base_rows; ++i) {
    std::uint32_t mag = 0, neg = 0;
    digit_abs(digit[i], mag, neg);
    pick_entry(s, table.e[i], mag);
    F::cmov(ct::mask_from_bit<u64>(neg), s.y, F::neg(s.y));
    sum = jmadd<F>(r, s);
    const u64 nonzero = ~ct::is_zero<u64>(mag);
    const u64 first = ct::value_barrier(empty & nonzero);  // r = s
    const u64 more = ct::value_barrier(~empty & nonzero);  // r = r + s
    F::cmov(more, r.x, sum.x);
    F::cmov(more, r.y, sum.y);
    F::cmov(more, r.z, sum.z);
    F::cmov(first, r.x, s.x);
    F::cmov(first, r.y, s.y);
    F::cmov(first, r.z, F::one());
    empty &= ~nonzero;
  }
  secure_wipe(std::span<std::int32_t, base_rows>(digit));
  secure_wipe_objects(s, sum);  // r is d G: the caller wipes it or publishes it
  return r;
}

// ---- the operations on the portable field

// 04 || X || Y of an affine point, or of P (never the point at infinity here).
template <class F>
constexpr void encode_point(std::uint8_t* out, const affine& a) noexcept {
  out[0] = 0x04;
  store_be(out + 1, from_mont<F>(a.x));
  store_be(out + 33, from_mont<F>(a.y));
}
template <class F>
constexpr void encode_point(std::uint8_t* out, const point& p) noexcept {
  encode_point<F>(out, to_affine<F>(p));
}

// The base point G in Montgomery form.
template <class F>
[[nodiscard]] constexpr affine generator() noexcept {
  return {to_mont<F>(load_be(gx_bytes.data())), to_mont<F>(load_be(gy_bytes.data()))};
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
    encode_point<F>(out, scalar_mul<F>(d, generator<F>()));
  } else {
    encode_point<F>(out, to_affine<F>(base_mul<F>(d)));  // d G is the public key: nothing to wipe
  }
}

template <class F>
constexpr void shared_x(std::uint8_t* out, const fe& d, const affine& q) noexcept {
  jacobian p = scalar_mul_jacobian<F>(d, q);
  affine r = to_affine<F>(p);
  fe x = from_mont<F>(r.x);
  store_be(out, x);
  secure_wipe_objects(p, r, x);  // d Q: its x-coordinate is the shared secret
}

// ---- ECDSA arithmetic (SEC 1 v2 4.1.3 and 4.1.4). The protocol around it
// (nonces, digests, encodings, errors) is in ecdsa_p256.hpp.

// n - 2 for Fermat's inverse: its low 128 bits (the high ones are
// ffffffff 00000000 ffffffff ffffffff).
inline constexpr u64 n_minus_2_low[2] = {0xf3b9cac2fc63254f, 0xbce6faada7179e84};
[[nodiscard]] constexpr int n_minus_2_bit(int i) noexcept {
  return static_cast<int>((n_minus_2_low[i / 64] >> (i % 64)) & 1u);
}

// a^(n - 2) = a^-1 mod n (0 for a = 0), Montgomery form in and out. The
// exponent is public and fixed, so is the sequence of operations: the high
// 128 bits of n - 2 by the chain x_k = a^(2^k - 1) (x_4 = a^15 from the
// table), the low 128 bits by windows of up to 5 bits over the odd powers
// a, a^3, ..., a^31 (indexes from the exponent only). 253 squarings and 42
// multiplications. What derives from a is wiped.
template <class S>
[[nodiscard]] constexpr fe scalar_invert_fermat(const fe& a) noexcept {
  fe odd[16];  // a^(2 i + 1)
  fe a2 = S::sqr(a);
  odd[0] = a;
  for (int i = 1; i < 16; ++i) odd[i] = S::mul(odd[i - 1], a2);
  fe x8 = S::mul(sqr_n<S>(odd[7], 4), odd[7]);
  fe x16 = S::mul(sqr_n<S>(x8, 8), x8);
  fe x32 = S::mul(sqr_n<S>(x16, 16), x16);
  fe t = S::mul(sqr_n<S>(x32, 64), x32);  // 32 ones, 32 zeros, 32 ones
  t = S::mul(sqr_n<S>(t, 32), x32);       // and 32 ones
  for (int i = 127; i >= 0;) {
    if (n_minus_2_bit(i) == 0) {
      t = S::sqr(t);
      --i;
      continue;
    }
    int j = i < 4 ? 0 : i - 4;  // the window [j, i] ends in a one
    while (n_minus_2_bit(j) == 0) ++j;
    int w = 0;
    for (int b = i; b >= j; --b) w = 2 * w + n_minus_2_bit(b);
    t = S::mul(sqr_n<S>(t, i - j + 1), odd[w >> 1]);
    i = j - 1;
  }
  secure_wipe(odd);
  secure_wipe_objects(a2, x8, x16, x32);
  return t;
}

// a^-1 mod n in Montgomery form (0 for a = 0), in constant time: safegcd
// (see invert) where there is __int128, else the exponentiation.
inline constexpr fe r3_n{{0xac8ebec90b65a624, 0x111f28ae0c0555c9, 0x2543b9246ba5e93f, 0x503a54e76407be65}};  // R^3 mod n
template <class S>
[[nodiscard]] constexpr fe scalar_invert(const fe& a) noexcept {
#if KAGI_WIDE_INT128
  return S::mul(safegcd_invert(a, n_s62, n_inv62), r3_n);
#else
  return scalar_invert_fermat<S>(a);
#endif
}

// One signing attempt with the nonce k (SEC 1 4.1.3 steps 1 to 6, for
// 0 < d < n, 0 < k < n and e < n):
//   R = k G, r = x_R mod n, s = k^-1 (e + r d) mod n.
// Returns all ones when r != 0 and s != 0 (otherwise the caller takes the
// next nonce). Constant time in d and k: the fixed-base multiplication,
// the inverses by fixed exponentiations and the Montgomery products have no
// branch or index on them. Named intermediates are wiped.
template <class F, class S>
constexpr u64 ecdsa_sign(fe& r, fe& s, const fe& d, const fe& k, const fe& e) noexcept {
  fe x;
  if (std::is_constant_evaluated()) {
    x = from_mont<F>(to_affine<F>(scalar_mul<F>(k, generator<F>())).x);
  } else {
    jacobian p = base_mul<F>(k);
    fe zinv = invert<F>(p.z);
    x = from_mont<F>(F::mul(p.x, F::sqr(zinv)));  // X / Z^2
    secure_wipe_objects(p, zinv);
  }
  r = reduce_once_mod(x, 0, n_raw);  // x < p < 2n
  fe km = scalar_to_mont<S>(k);
  fe kinv = scalar_invert<S>(km);                        // k^-1 R
  fe t = S::add(S::mul(scalar_to_mont<S>(r), d), e);     // r d + e
  s = S::mul(kinv, t);                                   // k^-1 (e + r d)
  secure_wipe_objects(x, km, kinv, t);
  return ~is_zero_mask(r) & ~is_zero_mask(s);
}

// ---- verification: u1 G + u2 Q on public values, in variable time

[[nodiscard]] constexpr bool is_zero(const fe& a) noexcept { return (a.v[0] | a.v[1] | a.v[2] | a.v[3]) == 0; }
[[nodiscard]] constexpr bool equal(const fe& a, const fe& b) noexcept {
  return ((a.v[0] ^ b.v[0]) | (a.v[1] ^ b.v[1]) | (a.v[2] ^ b.v[2]) | (a.v[3] ^ b.v[3])) == 0;
}

// The point at infinity in Jacobian coordinates: any (X : Y : 0).
template <class F>
[[nodiscard]] constexpr jacobian jinfinity() noexcept {
  return {F::one(), F::one(), F::zero()};
}

// 2P (jdbl: 4M + 4S); the point at infinity stays at Z = 0.
template <class F>
[[nodiscard]] constexpr jacobian vt_dbl(const jacobian& p) noexcept {
  return jdbl<F>(p, F::sqr(p.z));
}

// P + Q in Jacobian coordinates (EFD "add-2007-bl" with Z3 = Z1 Z2 H: 12M +
// 4S), made complete by branches on the (public) points.
template <class F>
[[nodiscard]] constexpr jacobian vt_add(const jacobian& p, const jacobian& q) noexcept {
  if (is_zero(p.z)) return q;
  if (is_zero(q.z)) return p;
  const fe z1z1 = F::sqr(p.z), z2z2 = F::sqr(q.z);
  const fe u1 = F::mul(p.x, z2z2), u2 = F::mul(q.x, z1z1);
  const fe s1 = F::mul(p.y, F::mul(q.z, z2z2)), s2 = F::mul(q.y, F::mul(p.z, z1z1));
  const fe h = F::sub(u2, u1), r = F::sub(s2, s1);
  if (is_zero(h)) return is_zero(r) ? vt_dbl<F>(p) : jinfinity<F>();
  const fe hh = F::sqr(h);
  const fe hhh = F::mul(h, hh);
  const fe v = F::mul(u1, hh);
  const fe x3 = F::sub(F::sub(F::sqr(r), hhh), F::add(v, v));
  const fe y3 = F::sub(F::mul(r, F::sub(v, x3)), F::mul(s1, hhh));
  return {x3, y3, F::mul(F::mul(p.z, q.z), h)};
}

// P + Q for an affine Q (jmadd's formulas, 8M + 3S), complete by branches.
template <class F>
[[nodiscard]] constexpr jacobian vt_madd(const jacobian& p, const affine& q) noexcept {
  if (is_zero(p.z)) return {q.x, q.y, F::one()};
  const fe z1z1 = F::sqr(p.z);
  const fe h = F::sub(F::mul(q.x, z1z1), p.x);
  const fe r = F::sub(F::mul(q.y, F::mul(p.z, z1z1)), p.y);
  if (is_zero(h)) return is_zero(r) ? vt_dbl<F>(p) : jinfinity<F>();
  const fe hh = F::sqr(h);
  const fe hhh = F::mul(h, hh);
  const fe v = F::mul(p.x, hh);
  const fe x3 = F::sub(F::sub(F::sqr(r), hhh), F::add(v, v));
  const fe y3 = F::sub(F::mul(r, F::sub(v, x3)), F::mul(p.y, hhh));
  return {x3, y3, F::mul(p.z, h)};
}

// table[i] = (2 i + 1) P, Jacobian, i < N.
template <class F, std::size_t N>
constexpr void odd_multiples(jacobian (&table)[N], const affine& p) noexcept {
  table[0] = {p.x, p.y, F::one()};
  const jacobian p2 = vt_dbl<F>(table[0]);
  for (std::size_t i = 1; i < N; ++i) table[i] = vt_add<F>(table[i - 1], p2);
}

// The same as affine points (one inversion for all, Montgomery's trick).
template <class F, std::size_t N>
constexpr void odd_multiples_affine(std::array<affine, N>& out, const affine& p) noexcept {
  jacobian t[N];
  odd_multiples<F>(t, p);
  fe prefix[N];
  fe acc = F::one();
  for (std::size_t i = 0; i < N; ++i) {
    prefix[i] = acc;
    acc = F::mul(acc, t[i].z);
  }
  fe inv = invert<F>(acc);
  for (std::size_t i = N; i-- > 0;) {
    const fe zinv = F::mul(inv, prefix[i]);
    inv = F::mul(inv, t[i].z);
    const fe zinv2 = F::sqr(zinv);
    out[i] = {F::mul(t[i].x, zinv2), F::mul(t[i].y, F::mul(zinv2, zinv))};
  }
}

// The width-W NAF of k < 2^256: k = sum naf[i] 2^i, each nonzero digit odd
// with |digit| < 2^(W-1), and W - 1 zeros after each. Returns the number of
// digits up to the top nonzero one (0 for k = 0).
template <int W>
constexpr int wnaf(std::int8_t (&naf)[257], const fe& k) noexcept {
  static_assert(W >= 2 && W <= 8);
  u64 x[5] = {k.v[0], k.v[1], k.v[2], k.v[3], 0};
  int len = 0;
  for (int i = 0; i < 257; ++i) {
    std::int32_t digit = 0;
    if (x[0] & 1u) {
      digit = static_cast<std::int32_t>(x[0] & ((1u << W) - 1));
      if (digit >= (1 << (W - 1))) digit -= 1 << W;
      // x -= digit: the low W bits become zero.
      u64 c = 0;
      if (digit > 0) {
        x[0] = subb(x[0], static_cast<u64>(digit), c);
        for (int j = 1; j < 5; ++j) x[j] = subb(x[j], 0, c);
      } else {
        x[0] = addc(x[0], static_cast<u64>(-digit), c);
        for (int j = 1; j < 5; ++j) x[j] = addc(x[j], 0, c);
      }
      len = i + 1;
    }
    naf[i] = static_cast<std::int8_t>(digit);
    for (int j = 0; j < 4; ++j) x[j] = (x[j] >> 1) | (x[j + 1] << 63);
    x[4] >>= 1;
  }
  return len;
}

// u1 G + u2 Q by Straus's method (one chain of doublings for both) on
// width-WG and width-5 NAFs: g_odd holds (2 i + 1) G, affine, for i <
// 2^(WG-2); Q's odd multiples up to 15 Q are made here (Jacobian). About
// 256 doublings, 256 / 6 additions for Q and 256 / (WG + 1) mixed ones for G.
inline constexpr int q_window = 5;

template <class F, int WG>
[[nodiscard]] constexpr jacobian double_mul(const fe& u1, const affine* g_odd, const fe& u2, const affine& q) noexcept {
  jacobian qt[1 << (q_window - 2)];
  odd_multiples<F>(qt, q);
  std::int8_t ng[257], nq[257];
  const int lg = wnaf<WG>(ng, u1), lq = wnaf<q_window>(nq, u2);
  jacobian r = jinfinity<F>();
  bool started = false;  // r is not the point at infinity's placeholder any more
  for (int i = (lg > lq ? lg : lq) - 1; i >= 0; --i) {
    if (started) r = vt_dbl<F>(r);
    if (const int d = nq[i]; d != 0) {
      jacobian t = qt[(d < 0 ? -d : d) >> 1];
      if (d < 0) t.y = F::neg(t.y);
      r = started ? vt_add<F>(r, t) : t;
      started = true;
    }
    if (const int d = ng[i]; d != 0) {
      affine t = g_odd[(d < 0 ? -d : d) >> 1];
      if (d < 0) t.y = F::neg(t.y);
      r = vt_madd<F>(r, t);
      started = true;
    }
  }
  return r;
}

// SEC 1 4.1.4 steps 4 to 8 for a validated point Q and 0 < r, s < n, e < n:
// w = s^-1, u1 = e w, u2 = r w, R = u1 G + u2 Q; valid when R is not the
// point at infinity and x_R mod n = r. x_R = X / Z^2 is compared without an
// inversion: X = r Z^2, or X = (r + n) Z^2 when r + n < p.
template <class F, class S, int WG>
[[nodiscard]] constexpr bool ecdsa_verify(const affine& q, const fe& e, const fe& r, const fe& s,
                                          const affine* g_odd) noexcept {
  const fe w = scalar_invert<S>(scalar_to_mont<S>(s));  // s^-1 R
  const jacobian p = double_mul<F, WG>(S::mul(w, e), g_odd, S::mul(w, r), q);
  if (is_zero(p.z)) return false;
  const fe z2 = F::sqr(p.z);
  if (equal(F::mul(to_mont<F>(r), z2), p.x)) return true;
  fe rn;
  u64 carry = 0;
  for (int i = 0; i < 4; ++i) rn.v[i] = addc(r.v[i], n_raw.v[i], carry);
  if (carry != 0 || lt_mask(rn, p_raw) == 0) return false;
  return equal(F::mul(to_mont<F>(rn), z2), p.x);
}

// The G table for verification at run time: wNAF width 8, (2 i + 1) G for
// i < 64 (4 KB), built on first use.
inline constexpr int g_window = 8;

template <class F>
[[nodiscard]] const affine* g_odd_table() noexcept {
  static const std::array<affine, (1u << (g_window - 2))> table = [] {
    std::array<affine, (1u << (g_window - 2))> t{};
    odd_multiples_affine<F>(t, generator<F>());
    return t;
  }();
  return table.data();
}

// Verification in a constant expression: a width-5 table for G made here.
[[nodiscard]] constexpr bool ecdsa_verify_constexpr(const affine& q, const fe& e, const fe& r, const fe& s) noexcept {
  std::array<affine, (1u << (q_window - 2))> g{};
  odd_multiples_affine<field_mont>(g, generator<field_mont>());
  return ecdsa_verify<field_mont, scalar_mont, q_window>(q, e, r, s, g.data());
}

template <class F, class S>
u64 ecdsa_sign_kernel(fe& r, fe& s, const fe& d, const fe& k, const fe& e) noexcept {
  return ecdsa_sign<F, S>(r, s, d, k, e);
}
template <class F, class S>
bool ecdsa_verify_kernel(const affine& q, const fe& e, const fe& r, const fe& s) noexcept {
  return ecdsa_verify<F, S, g_window>(q, e, r, s, g_odd_table<F>());
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
  u64 (*ecdsa_sign)(fe& r, fe& s, const fe& d, const fe& k, const fe& e) noexcept;
  bool (*ecdsa_verify)(const affine& q, const fe& e, const fe& r, const fe& s) noexcept;
};

inline constexpr auto p256_table = dispatch::make_table<p256_kernel>("p256", {
#if KAGI_X86
    {"mulx-adx", p256_adx_needs, "ec/x86/p256_adx.hpp",
     {&public_key<field_mont_adx>, &shared_x<field_mont_adx>, &ecdsa_sign_kernel<field_mont_adx, scalar_mont_adx>,
      &ecdsa_verify_kernel<field_mont_adx, scalar_mont_adx>}},
#endif
    {"portable", 0, {},
     {&public_key<field_mont>, &shared_x<field_mont>, &ecdsa_sign_kernel<field_mont, scalar_mont>,
      &ecdsa_verify_kernel<field_mont, scalar_mont>}},
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
