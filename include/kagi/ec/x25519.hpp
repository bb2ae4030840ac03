// kagi/ec/x25519.hpp: X25519 Diffie-Hellman (RFC 7748).
//
//   public_key(priv)          = X25519(priv, 9)
//   shared_secret(priv, peer) = X25519(priv, peer), refused when all zero
//
// The field GF(2^255 - 19) is held in radix 2^51: five 64-bit limbs. Products
// of limbs are 128 bits wide: unsigned __int128 at run time, a portable pair of
// 64-bit words at compile time (the same code, templated on the wide type).
// X25519(k, u) is the Montgomery ladder of RFC 7748 section 5 with
// constant-time conditional swaps (masks behind the value barrier); the
// scalar is clamped, the top bit of u is masked, and u values >= p are
// accepted as they are (RFC 7748 section 5).
//
// public_key() at run time takes a faster fixed-base path that is also
// constant time: the scalar times the base point of the birationally
// equivalent twisted Edwards curve edwards25519 (RFC 7748 section 4.1),
// computed as a sum of 64 precomputed multiples picked with masked table
// scans, then mapped to u = (1 + y) / (1 - y). At compile time it is the
// ladder on u = 9.
//
// What derives from the scalar is wiped before returning (secure_wipe): the
// clamped copy, the ladder's state and the signed digits, the running sum and
// the picked multiple of the fixed-base code, the caller's copy of the result.
// Only named objects are wiped, once per operation; register spills inside
// the field operations are not reachable from here.
//
// x86/x25519_adx.hpp adds a field in radix 2^64 (four limbs) with MULX/ADCX/ADOX
// for CPUs with BMI2 and ADX, with its own ladder (the step's additions and
// swap fused into its asm blocks); the fixed-base code is shared.
// x86/x25519_ifma.hpp runs the ladder four lanes wide on AVX-512 IFMA.
#ifndef KAGI_EC_X25519_HPP
#define KAGI_EC_X25519_HPP

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
#include "../math/wide.hpp"

namespace kagi {

namespace detail::c25519 {

using u64 = std::uint64_t;

using wide::wide_native;
using wide::wide_portable;

// ---- GF(2^255 - 19) in radix 2^51
//
// A field element is sum v[i] 2^(51 i). "Tight" limbs are below 2^51 + 2^13
// (what mul, sqr and carry leave); add of two tight elements gives limbs below
// 2^53, sub(a, b) of tight elements (a + 2p - b) limbs below 2^53. mul and sqr
// accept limbs below 2^54, so any one add or sub may feed them.
struct fe51 {
  u64 v[5]{};
};

inline constexpr u64 mask51 = (u64{1} << 51) - 1;

struct field51 {
  using fe = fe51;
  static constexpr const char* name = "portable";

  [[nodiscard]] static constexpr fe zero() noexcept { return {}; }
  [[nodiscard]] static constexpr fe one() noexcept { return {{1, 0, 0, 0, 0}}; }
  [[nodiscard]] static constexpr fe small(u64 x) noexcept { return {{x, 0, 0, 0, 0}}; }

  // Little-endian bytes, top bit ignored; values >= p are kept as they are.
  [[nodiscard]] static constexpr fe from_bytes(const std::uint8_t* s) noexcept {
    const u64 w0 = load_le64(s), w1 = load_le64(s + 8), w2 = load_le64(s + 16), w3 = load_le64(s + 24);
    return {{w0 & mask51, ((w0 >> 51) | (w1 << 13)) & mask51, ((w1 >> 38) | (w2 << 26)) & mask51,
             ((w2 >> 25) | (w3 << 39)) & mask51, (w3 >> 12) & mask51}};
  }

  // The canonical encoding (the value reduced below p), little-endian.
  static constexpr void to_bytes(std::uint8_t* s, const fe& f) noexcept {
    u64 h0 = f.v[0], h1 = f.v[1], h2 = f.v[2], h3 = f.v[3], h4 = f.v[4];
    // One carry pass: limbs below 2^51 except h0 < 2^51 + 2^18; the value is below 2p.
    h1 += h0 >> 51;
    h0 &= mask51;
    h2 += h1 >> 51;
    h1 &= mask51;
    h3 += h2 >> 51;
    h2 &= mask51;
    h4 += h3 >> 51;
    h3 &= mask51;
    h0 += 19 * (h4 >> 51);
    h4 &= mask51;
    // q = floor((h + 19) / 2^255) is 1 exactly when h >= p; then h - p = h + 19 - 2^255.
    u64 q = (h0 + 19) >> 51;
    q = (h1 + q) >> 51;
    q = (h2 + q) >> 51;
    q = (h3 + q) >> 51;
    q = (h4 + q) >> 51;
    h0 += 19 * q;
    h1 += h0 >> 51;
    h0 &= mask51;
    h2 += h1 >> 51;
    h1 &= mask51;
    h3 += h2 >> 51;
    h2 &= mask51;
    h4 += h3 >> 51;
    h3 &= mask51;
    h4 &= mask51;
    store_le64(s, h0 | (h1 << 51));
    store_le64(s + 8, (h1 >> 13) | (h2 << 38));
    store_le64(s + 16, (h2 >> 26) | (h3 << 25));
    store_le64(s + 24, (h3 >> 39) | (h4 << 12));
  }

  [[nodiscard]] static constexpr fe add(const fe& a, const fe& b) noexcept {
    return {{a.v[0] + b.v[0], a.v[1] + b.v[1], a.v[2] + b.v[2], a.v[3] + b.v[3], a.v[4] + b.v[4]}};
  }
  // a - b + 2p (b tight).
  [[nodiscard]] static constexpr fe sub(const fe& a, const fe& b) noexcept {
    constexpr u64 two_p0 = 2 * (mask51 - 18), two_p = 2 * mask51;
    return {{a.v[0] + two_p0 - b.v[0], a.v[1] + two_p - b.v[1], a.v[2] + two_p - b.v[2], a.v[3] + two_p - b.v[3],
             a.v[4] + two_p - b.v[4]}};
  }
  [[nodiscard]] static constexpr fe neg(const fe& a) noexcept { return sub(zero(), a); }

  // Carries five wide column sums into tight limbs.
  template <class W>
  [[nodiscard]] static constexpr fe carry_wide(typename W::type r0, typename W::type r1, typename W::type r2,
                                               typename W::type r3, typename W::type r4) noexcept {
    fe h;
    r1 = r1 + W::shr(r0, 51);
    h.v[0] = W::low(r0) & mask51;
    r2 = r2 + W::shr(r1, 51);
    h.v[1] = W::low(r1) & mask51;
    r3 = r3 + W::shr(r2, 51);
    h.v[2] = W::low(r2) & mask51;
    r4 = r4 + W::shr(r3, 51);
    h.v[3] = W::low(r3) & mask51;
    h.v[4] = W::low(r4) & mask51;
    h.v[0] += 19 * W::low(W::shr(r4, 51));  // r4 < 2^115, so the carry fits 64 bits with room for * 19
    h.v[1] += h.v[0] >> 51;
    h.v[0] &= mask51;
    return h;
  }

  template <class W>
  [[nodiscard]] static constexpr fe mul_w(const fe& f, const fe& g) noexcept {
    const u64 f0 = f.v[0], f1 = f.v[1], f2 = f.v[2], f3 = f.v[3], f4 = f.v[4];
    const u64 g0 = g.v[0], g1 = g.v[1], g2 = g.v[2], g3 = g.v[3], g4 = g.v[4];
    const u64 g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
    // 2^255 = 19 (mod p): column i takes f_j g_k with j + k = i, and 19 f_j g_k with j + k = i + 5.
    const auto r0 = W::mul(f0, g0) + W::mul(f1, g4_19) + W::mul(f2, g3_19) + W::mul(f3, g2_19) + W::mul(f4, g1_19);
    const auto r1 = W::mul(f0, g1) + W::mul(f1, g0) + W::mul(f2, g4_19) + W::mul(f3, g3_19) + W::mul(f4, g2_19);
    const auto r2 = W::mul(f0, g2) + W::mul(f1, g1) + W::mul(f2, g0) + W::mul(f3, g4_19) + W::mul(f4, g3_19);
    const auto r3 = W::mul(f0, g3) + W::mul(f1, g2) + W::mul(f2, g1) + W::mul(f3, g0) + W::mul(f4, g4_19);
    const auto r4 = W::mul(f0, g4) + W::mul(f1, g3) + W::mul(f2, g2) + W::mul(f3, g1) + W::mul(f4, g0);
    return carry_wide<W>(r0, r1, r2, r3, r4);
  }

  template <class W>
  [[nodiscard]] static constexpr fe sqr_w(const fe& f) noexcept {
    const u64 f0 = f.v[0], f1 = f.v[1], f2 = f.v[2], f3 = f.v[3], f4 = f.v[4];
    const u64 f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2, f3_2 = 2 * f3;
    const u64 f3_19 = 19 * f3, f4_19 = 19 * f4;
    const auto r0 = W::mul(f0, f0) + W::mul(f1_2, f4_19) + W::mul(f2_2, f3_19);
    const auto r1 = W::mul(f0_2, f1) + W::mul(f3, f3_19) + W::mul(f2_2, f4_19);
    const auto r2 = W::mul(f0_2, f2) + W::mul(f1, f1) + W::mul(f3_2, f4_19);
    const auto r3 = W::mul(f0_2, f3) + W::mul(f1_2, f2) + W::mul(f4, f4_19);
    const auto r4 = W::mul(f0_2, f4) + W::mul(f1_2, f3) + W::mul(f2, f2);
    return carry_wide<W>(r0, r1, r2, r3, r4);
  }

  template <class W>
  [[nodiscard]] static constexpr fe mul_small_w(const fe& f, u64 c) noexcept {
    return carry_wide<W>(W::mul(f.v[0], c), W::mul(f.v[1], c), W::mul(f.v[2], c), W::mul(f.v[3], c),
                         W::mul(f.v[4], c));
  }

  [[nodiscard]] static constexpr fe mul(const fe& f, const fe& g) noexcept {
    if (std::is_constant_evaluated()) return mul_w<wide_portable>(f, g);
    return mul_w<wide_native>(f, g);
  }
  [[nodiscard]] static constexpr fe sqr(const fe& f) noexcept {
    if (std::is_constant_evaluated()) return sqr_w<wide_portable>(f);
    return sqr_w<wide_native>(f);
  }
  // f * c for a small constant c (below 2^20).
  [[nodiscard]] static constexpr fe mul_small(const fe& f, u64 c) noexcept {
    if (std::is_constant_evaluated()) return mul_small_w<wide_portable>(f, c);
    return mul_small_w<wide_native>(f, c);
  }

  // Swaps a and b when mask is all ones, in constant time.
  static constexpr void cswap(u64 mask, fe& a, fe& b) noexcept {
    // Each limb goes through the barrier: the loop stays in general registers
    // (vectorized, it would read 16 bytes where 8-byte stores just wrote).
    const u64 m = ct::value_barrier(mask);
    for (int i = 0; i < 5; ++i) {
      const u64 t = ct::value_barrier(m & (a.v[i] ^ b.v[i]));
      a.v[i] ^= t;
      b.v[i] ^= t;
    }
  }
  // r = mask ? a : r.
  static constexpr void cmov(u64 mask, fe& r, const fe& a) noexcept {
    const u64 m = ct::value_barrier(mask);
    for (int i = 0; i < 5; ++i) r.v[i] ^= ct::value_barrier(m & (r.v[i] ^ a.v[i]));
  }
};

// ---- generic code over a field F (F::fe, add, sub, mul, sqr, mul_small, cswap, ...)

// f^(2^n): n squarings (by the field's own loop when it has one: F::sqr_n,
// never constexpr).
template <class F>
[[nodiscard]] constexpr typename F::fe sqr_n(typename F::fe f, int n) noexcept {
  if constexpr (requires(const typename F::fe& g, int m) { F::sqr_n(g, m); }) {
    return F::sqr_n(f, n);
  }
  for (int i = 0; i < n; ++i) f = F::sqr(f);
  return f;
}

// z^(p - 2) = z^-1 (0 for z = 0), by the usual chain: 254 squarings, 11 multiplications.
template <class F>
[[nodiscard]] constexpr typename F::fe invert(const typename F::fe& z) noexcept {
  using fe = typename F::fe;
  const fe z2 = F::sqr(z);                                        // 2
  const fe z9 = F::mul(sqr_n<F>(z2, 2), z);                       // 9
  const fe z11 = F::mul(z9, z2);                                  // 11
  const fe z2_5_0 = F::mul(F::sqr(z11), z9);                      // 2^5 - 1
  const fe z2_10_0 = F::mul(sqr_n<F>(z2_5_0, 5), z2_5_0);         // 2^10 - 1
  const fe z2_20_0 = F::mul(sqr_n<F>(z2_10_0, 10), z2_10_0);      // 2^20 - 1
  const fe z2_40_0 = F::mul(sqr_n<F>(z2_20_0, 20), z2_20_0);      // 2^40 - 1
  const fe z2_50_0 = F::mul(sqr_n<F>(z2_40_0, 10), z2_10_0);      // 2^50 - 1
  const fe z2_100_0 = F::mul(sqr_n<F>(z2_50_0, 50), z2_50_0);     // 2^100 - 1
  const fe z2_200_0 = F::mul(sqr_n<F>(z2_100_0, 100), z2_100_0);  // 2^200 - 1
  const fe z2_250_0 = F::mul(sqr_n<F>(z2_200_0, 50), z2_50_0);    // 2^250 - 1
  return F::mul(sqr_n<F>(z2_250_0, 5), z11);                      // 2^255 - 21 = p - 2
}

// RFC 7748 section 5: clamping of the scalar.
constexpr void clamp(std::uint8_t* k) noexcept {
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
}

// The Montgomery ladder (RFC 7748 section 5). k is the clamped scalar, u the
// peer's u-coordinate (32 bytes, top bit ignored); writes X25519(k, u).
template <class F>
constexpr void ladder(std::uint8_t* out, const std::uint8_t* k, const std::uint8_t* u) noexcept {
  using fe = typename F::fe;
  const fe x1 = F::from_bytes(u);
  fe x2 = F::one(), z2 = F::zero(), x3 = x1, z3 = F::one();
  u64 swap = 0;
  for (int t = 254; t >= 0; --t) {
    const u64 bit = (k[t >> 3] >> (t & 7)) & 1u;
    swap ^= bit;
    const u64 m = ct::mask_from_bit(swap);
    F::cswap(m, x2, x3);
    F::cswap(m, z2, z3);
    swap = bit;
    const fe a = F::add(x2, z2);
    const fe aa = F::sqr(a);
    const fe b = F::sub(x2, z2);
    const fe bb = F::sqr(b);
    const fe e = F::sub(aa, bb);
    const fe c = F::add(x3, z3);
    const fe d = F::sub(x3, z3);
    const fe da = F::mul(d, a);
    const fe cb = F::mul(c, b);
    x3 = F::sqr(F::add(da, cb));
    z3 = F::mul(x1, F::sqr(F::sub(da, cb)));
    x2 = F::mul(aa, bb);
    z2 = F::mul(e, F::add(aa, F::mul_small(e, 121665)));  // a24 = (486662 - 2) / 4
  }
  const u64 m = ct::mask_from_bit(swap);
  F::cswap(m, x2, x3);
  F::cswap(m, z2, z3);
  fe r = F::mul(x2, invert<F>(z2));
  F::to_bytes(out, r);
  // The ladder's state (and the result) derive from the scalar.
  secure_wipe_objects(x2, z2, x3, z3, r);
}

// ---- fixed base: edwards25519, -x^2 + y^2 = 1 + d x^2 y^2 (RFC 7748 4.1, RFC 8032 5.1)

// d = -121665/121666 and the base point B = (x, 4/5), little-endian (RFC 8032
// section 5.1; the tests check d * 121666 = -121665, B on the curve, B -> u = 9).
inline constexpr std::array<std::uint8_t, 32> ed_d_bytes{
    0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
    0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52};
inline constexpr std::array<std::uint8_t, 32> ed_base_x_bytes{
    0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25, 0x95, 0x60, 0xc7, 0x2c, 0x69,
    0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2, 0xa4, 0xc0, 0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21};
inline constexpr std::array<std::uint8_t, 32> ed_base_y_bytes{
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};

// Extended coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, T = XY/Z.
template <class F>
struct ed_point {
  typename F::fe x, y, z, t;
};
// An affine point as (y + x, y - x, 2 d x y), ready for mixed addition.
template <class F>
struct ed_niels {
  typename F::fe yp, ym, t2d;
};

template <class F>
[[nodiscard]] constexpr ed_point<F> ed_identity() noexcept {
  return {F::zero(), F::one(), F::one(), F::zero()};
}

// p + q with q affine (add-2008-hwcd-3 with Z2 = 1, a = -1): 7M. Complete on edwards25519.
template <class F>
[[nodiscard]] constexpr ed_point<F> ed_madd(const ed_point<F>& p, const ed_niels<F>& q) noexcept {
  using fe = typename F::fe;
  const fe a = F::mul(F::sub(p.y, p.x), q.ym);
  const fe b = F::mul(F::add(p.y, p.x), q.yp);
  const fe c = F::mul(p.t, q.t2d);
  const fe d = F::add(p.z, p.z);
  const fe e = F::sub(b, a), f = F::sub(d, c), g = F::add(d, c), h = F::add(b, a);
  return {F::mul(e, f), F::mul(g, h), F::mul(f, g), F::mul(e, h)};
}

// p + q, both extended (add-2008-hwcd-3, a = -1, k = 2d): 9M. For building the table.
template <class F>
[[nodiscard]] constexpr ed_point<F> ed_add(const ed_point<F>& p, const ed_point<F>& q,
                                           const typename F::fe& d2) noexcept {
  using fe = typename F::fe;
  const fe a = F::mul(F::sub(p.y, p.x), F::sub(q.y, q.x));
  const fe b = F::mul(F::add(p.y, p.x), F::add(q.y, q.x));
  const fe c = F::mul(F::mul(p.t, q.t), d2);
  const fe zz = F::mul(p.z, q.z);
  const fe d = F::add(zz, zz);
  const fe e = F::sub(b, a), f = F::sub(d, c), g = F::add(d, c), h = F::add(b, a);
  return {F::mul(e, f), F::mul(g, h), F::mul(f, g), F::mul(e, h)};
}

// 2p (dbl-2008-hwcd, a = -1): 4M + 4S. All four outputs are negated (the
// same projective point), and every subtrahend is a product (tight limbs).
//   E = (X+Y)^2 - XX - YY, G = YY - XX, -F = 2ZZ - YY + XX, -H = YY + XX
//   (X3 : Y3 : Z3 : T3) = (E(-F) : G(-H) : (-F)G : E(-H))
template <class F>
[[nodiscard]] constexpr ed_point<F> ed_dbl(const ed_point<F>& p) noexcept {
  using fe = typename F::fe;
  const fe xx = F::sqr(p.x), yy = F::sqr(p.y), zz = F::sqr(p.z);
  const fe s = F::sqr(F::add(p.x, p.y));
  const fe e = F::sub(F::sub(s, yy), xx);
  const fe g = F::sub(yy, xx);
  const fe f = F::add(F::sub(F::add(zz, zz), yy), xx);
  const fe h = F::add(yy, xx);
  return {F::mul(e, f), F::mul(g, h), F::mul(f, g), F::mul(e, h)};
}

// Table of the fixed-base method: entry [j][i] = (i + 1) 16^(2j) B, j < 32, i < 8.
template <class F>
struct ed_base_table {
  ed_niels<F> e[32][8];
};

// Builds the table (run once; public data): each row's eight points are made
// affine with one inversion (Montgomery's trick).
template <class F>
void make_ed_base_table(ed_base_table<F>& table) noexcept {
  using fe = typename F::fe;
  const fe d = F::from_bytes(ed_d_bytes.data());
  const fe d2 = F::add(d, d);
  const fe bx = F::from_bytes(ed_base_x_bytes.data()), by = F::from_bytes(ed_base_y_bytes.data());
  ed_point<F> row_base{bx, by, F::one(), F::mul(bx, by)};
  for (int j = 0; j < 32; ++j) {
    ed_point<F> pts[8];
    fe prefix[8];
    pts[0] = row_base;
    for (int i = 1; i < 8; ++i) pts[i] = ed_add<F>(pts[i - 1], row_base, d2);
    for (int i = 0; i < 8; ++i) row_base = ed_dbl<F>(row_base);  // times 256 for the next row
    fe acc = F::one();
    for (int i = 0; i < 8; ++i) {
      prefix[i] = acc;
      acc = F::mul(acc, pts[i].z);
    }
    fe inv = invert<F>(acc);
    for (int i = 7; i >= 0; --i) {
      const fe zinv = F::mul(inv, prefix[i]);
      inv = F::mul(inv, pts[i].z);
      const fe x = F::mul(pts[i].x, zinv), y = F::mul(pts[i].y, zinv);
      table.e[j][i] = {F::add(y, x), F::sub(y, x), F::mul(F::mul(x, y), d2)};
    }
  }
}

// The table for field F, built on first use (thread-safe static initialization).
template <class F>
[[nodiscard]] const ed_base_table<F>& ed_base() noexcept {
  static const ed_base_table<F> table = [] {
    ed_base_table<F> t{};
    make_ed_base_table<F>(t);
    return t;
  }();
  return table;
}

// r = digit * 16^(2j) B for a signed digit in [-8, 8], read with a masked
// scan of the whole row (no secret-dependent index or branch). Written in
// place: the caller's r is the one slot it wipes.
template <class F>
constexpr void ed_select(ed_niels<F>& r, const ed_base_table<F>& table, int j, std::int32_t digit) noexcept {
  const std::uint32_t neg = static_cast<std::uint32_t>(digit) >> 31;  // 1 when negative
  const std::uint32_t mag = static_cast<std::uint32_t>((digit ^ -static_cast<std::int32_t>(neg)) +
                                                       static_cast<std::int32_t>(neg));
  r = {F::one(), F::one(), F::zero()};  // the identity
  for (std::uint32_t i = 0; i < 8; ++i) {
    const u64 m = ct::eq<u64>(mag, i + 1);
    F::cmov(m, r.yp, table.e[j][i].yp);
    F::cmov(m, r.ym, table.e[j][i].ym);
    F::cmov(m, r.t2d, table.e[j][i].t2d);
  }
  // -(x, y) = (-x, y): swap y + x and y - x, negate 2dxy.
  const u64 nm = ct::mask_from_bit<u64>(neg);
  F::cswap(nm, r.yp, r.ym);
  F::cmov(nm, r.t2d, F::neg(r.t2d));
}

// u-coordinate of k B for the clamped scalar k (so k B is never the identity
// and 1 - y is never zero): u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y).
template <class F>
void base_mul(std::uint8_t* out, const std::uint8_t* k) noexcept {
  // k = sum e[i] 16^i, e[i] in [-8, 8) (e[63] in [-8, 8]: k < 2^255).
  std::int32_t e[64];
  for (int i = 0; i < 32; ++i) {
    e[2 * i] = k[i] & 15;
    e[2 * i + 1] = (k[i] >> 4) & 15;
  }
  std::int32_t carry = 0;
  for (int i = 0; i < 63; ++i) {
    e[i] += carry;
    carry = (e[i] + 8) >> 4;
    e[i] -= carry * 16;
  }
  e[63] += carry;
  const ed_base_table<F>& table = ed_base<F>();
  // Odd digits first, then times 16, then the even digits.
  // The running sum h and the picked multiple s derive from the scalar: both
  // are named (one slot each for the whole loop) so they can be wiped once.
  ed_point<F> h = ed_identity<F>();
  ed_niels<F> s{};
  for (int i = 1; i < 64; i += 2) {
    ed_select<F>(s, table, i / 2, e[i]);
    h = ed_madd<F>(h, s);
  }
  for (int i = 0; i < 4; ++i) h = ed_dbl<F>(h);
  for (int i = 0; i < 64; i += 2) {
    ed_select<F>(s, table, i / 2, e[i]);
    h = ed_madd<F>(h, s);
  }
  F::to_bytes(out, F::mul(F::add(h.z, h.y), invert<F>(F::sub(h.z, h.y))));
  secure_wipe(std::span<std::int32_t, 64>(e));
  secure_wipe_objects(h, s);
}

}  // namespace detail::c25519
}  // namespace kagi

#include "x86/x25519_adx.hpp"
#include "x86/x25519_ifma.hpp"

namespace kagi {
namespace detail::c25519 {

// Two tables: the ladder (variable base: the shared secret) and the
// fixed-base multiplication (the public key) have different kernels.
struct x25519_ladder_kernel {
  void (*ladder)(std::uint8_t* out, const std::uint8_t* k, const std::uint8_t* u) noexcept;
};
struct x25519_base_kernel {
  void (*base_mul)(std::uint8_t* out, const std::uint8_t* k) noexcept;
};

inline constexpr auto x25519_ladder_table = dispatch::make_table<x25519_ladder_kernel>("x25519 ladder", {
#if KAGI_X86
    {"avx512-ifma", x25519_ifma_needs, "ec/x86/x25519_ifma.hpp", {&ladder_ifma}},
    {"mulx-adx", x25519_adx_needs, "ec/x86/x25519_adx.hpp", {&ladder_adx}},
#endif
    {"portable", 0, {}, {&ladder<field51>}},
});
inline constexpr auto x25519_base_table = dispatch::make_table<x25519_base_kernel>("x25519 fixed base", {
#if KAGI_X86
    {"mulx-adx", x25519_adx_needs, "ec/x86/x25519_adx.hpp", {&base_mul<field64_adx>}},
#endif
    {"portable", 0, {}, {&base_mul<field51>}},
});
static_assert(x25519_ladder_table.well_formed() && x25519_base_table.well_formed());

// X25519(k, u) on the fastest path: writes the 32-byte result.
constexpr void scalarmult(std::uint8_t* out, const std::array<std::uint8_t, 32>& scalar,
                          const std::uint8_t* u) noexcept {
  std::array<std::uint8_t, 32> k = scalar;
  clamp(k.data());
  if (std::is_constant_evaluated()) {
    ladder<field51>(out, k.data(), u);
  } else {
    x25519_ladder_table.kernel().ladder(out, k.data(), u);
  }
  secure_wipe(k);
}

}  // namespace detail::c25519

namespace x25519 {

inline constexpr std::size_t key_size = 32;
using private_key_type = std::array<std::uint8_t, 32>;
using public_key_type = std::array<std::uint8_t, 32>;

// The public key of a private key: X25519(priv, 9). Any 32 bytes are a valid
// private key (they are clamped). The result is public and declassified.
[[nodiscard]] constexpr public_key_type public_key(const private_key_type& priv) noexcept {
  public_key_type out{};
  if (std::is_constant_evaluated()) {
    constexpr std::uint8_t nine[32] = {9};
    detail::c25519::scalarmult(out.data(), priv, nine);
    return out;
  }
  std::array<std::uint8_t, 32> k = priv;
  detail::c25519::clamp(k.data());
  detail::c25519::x25519_base_table.kernel().base_mul(out.data(), k.data());
  secure_wipe(k);
  return ct::declassify(out);
}

// The shared secret X25519(priv, peer). nullopt when it is all zero, which
// happens exactly when the peer sent a point of small order (RFC 7748 section
// 6.1; RFC 8422 section 5.11 requires refusing it). Any 32 bytes are accepted
// as the peer's key: the top bit is ignored and values >= p are reduced.
// Only the verdict (zero or not) is declassified; the secret stays secret.
[[nodiscard]] constexpr std::optional<std::array<std::uint8_t, 32>> shared_secret(
    const private_key_type& priv, const public_key_type& peer) noexcept {
  std::array<std::uint8_t, 32> out{};
  detail::c25519::scalarmult(out.data(), priv, peer.data());
  std::uint8_t acc = 0;
  for (std::uint8_t b : out) acc |= b;
  const bool zero = ct::declassify(static_cast<bool>(ct::is_zero(acc) & 1u));
  if (zero) return std::nullopt;
  std::optional<std::array<std::uint8_t, 32>> secret(out);
  secure_wipe(out);
  return secret;
}

// The path shared_secret takes at run time now: "avx512-ifma" (a 4-way
// ladder), "mulx-adx" or "portable".
[[nodiscard]] inline const char* implementation() noexcept {
  return detail::c25519::x25519_ladder_table.implementation();
}
// The path public_key takes at run time now (a fixed-base multiplication on
// edwards25519): "mulx-adx" or "portable".
[[nodiscard]] inline const char* public_key_implementation() noexcept {
  return detail::c25519::x25519_base_table.implementation();
}

}  // namespace x25519

}  // namespace kagi

#endif  // KAGI_EC_X25519_HPP
