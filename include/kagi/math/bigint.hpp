// kagi/math/bigint.hpp: fixed-width constant-time natural numbers and
// Montgomery arithmetic, for RSA (up to 4096-bit moduli).
//
// Numbers are arrays of 64-bit limbs, least significant first, with a length
// (in limbs) that is public: it comes from the size of a modulus, never from
// a value. No function branches on, or indexes memory with, the value of a
// limb; choices are made with masks (kagi::ct). The few places that reveal
// something derived from a secret (a "does it fit" or "is it invertible"
// verdict) say so and call ct::declassify.
//
// Multiplication uses unsigned __int128 at run time when the compiler has it
// and portable 32x32-bit products at compile time (wide.hpp), so everything here is
// constexpr. Montgomery multiplication (CIOS, with a constant-time final
// subtraction) and squaring (product, then REDC) run on the portable code or,
// on x86-64 with BMI2 and ADX, on kernels in bigint_x86.hpp chosen at run time.
//
//   montgomery ctx = *montgomery::create(m, n);   // m odd, n limbs
//   ctx.to_mont(a_m, a); ctx.pow(r_m, a_m, d, d_bits); ctx.from_mont(r, r_m);
#ifndef KAGI_MATH_BIGINT_HPP
#define KAGI_MATH_BIGINT_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/cpu.hpp"
#include "../core/ct.hpp"
#include "../core/result.hpp"
#include "wide.hpp"

namespace kagi::detail {
// The constant-time test programs (tests/ct) define this to mark the secret
// members of keys and contexts for valgrind; nothing else uses it.
struct ct_probe;
}  // namespace kagi::detail

namespace kagi::bn {

using limb = std::uint64_t;
inline constexpr std::size_t limb_bits = 64;
inline constexpr std::size_t max_bits = 4096;                // the largest modulus
inline constexpr std::size_t max_limbs = max_bits / limb_bits;

[[nodiscard]] constexpr std::size_t limbs_for_bits(std::size_t bits) noexcept { return (bits + limb_bits - 1) / limb_bits; }

struct limb_pair {
  limb lo = 0;
  limb hi = 0;
};

// Single-limb products and carry chains are wide.hpp's, shared with the
// elliptic-curve fields; here they are spelled in limbs.
namespace w = ::kagi::detail::wide;
#define KAGI_BN_INT128 KAGI_WIDE_INT128
namespace detail {
#if KAGI_BN_INT128
using u128 = w::native_u128;
#endif
[[nodiscard]] constexpr limb_pair mul_wide_portable(limb a, limb b) noexcept {
  const w::portable_u128 p = w::portable_u128::mul(a, b);
  return {p.lo, p.hi};
}
}  // namespace detail

// The full 128-bit product of two limbs.
[[nodiscard]] constexpr limb_pair mul_wide(limb a, limb b) noexcept {
  if (std::is_constant_evaluated()) return detail::mul_wide_portable(a, b);
  const auto p = w::wide_native::mul(a, b);
  return {w::wide_native::low(p), w::wide_native::high(p)};
}

// a*b + c + carry: returns the low limb and leaves the high limb in carry
// (the sum never overflows 128 bits).
[[nodiscard]] constexpr limb mac(limb a, limb b, limb c, limb& carry) noexcept { return w::mac(a, b, c, carry); }
// a + b + carry (carry 0 or 1 in and out).
[[nodiscard]] constexpr limb addc(limb a, limb b, limb& carry) noexcept { return w::addc(a, b, carry); }
// a - b - borrow (borrow 0 or 1 in and out).
[[nodiscard]] constexpr limb subb(limb a, limb b, limb& borrow) noexcept { return w::subb(a, b, borrow); }

// ---- numbers of n limbs (n public). Outputs may alias inputs unless noted.

constexpr void set_zero(limb* r, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) r[i] = 0;
}
constexpr void copy(limb* r, const limb* a, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) r[i] = a[i];
}
// r = a + b; returns the carry (0 or 1).
constexpr limb add(limb* r, const limb* a, const limb* b, std::size_t n) noexcept {
  limb c = 0;
  for (std::size_t i = 0; i < n; ++i) r[i] = addc(a[i], b[i], c);
  return c;
}
// r = a - b; returns the borrow (0 or 1).
constexpr limb sub(limb* r, const limb* a, const limb* b, std::size_t n) noexcept {
  limb c = 0;
  for (std::size_t i = 0; i < n; ++i) r[i] = subb(a[i], b[i], c);
  return c;
}
// r = mask ? a : b (mask all ones or zero).
constexpr void select(limb mask, limb* r, const limb* a, const limb* b, std::size_t n) noexcept {
  const limb m = ct::value_barrier(mask);
  for (std::size_t i = 0; i < n; ++i) r[i] = b[i] ^ (m & (a[i] ^ b[i]));
}
// Swaps a and b when mask is all ones.
constexpr void cswap(limb mask, limb* a, limb* b, std::size_t n) noexcept {
  const limb m = ct::value_barrier(mask);
  for (std::size_t i = 0; i < n; ++i) {
    const limb t = m & (a[i] ^ b[i]);
    a[i] ^= t;
    b[i] ^= t;
  }
}
// Masks: all ones when the relation holds.
[[nodiscard]] constexpr limb is_zero(const limb* a, std::size_t n) noexcept {
  limb acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc |= a[i];
  return ct::is_zero(acc);
}
[[nodiscard]] constexpr limb equal(const limb* a, const limb* b, std::size_t n) noexcept {
  limb acc = 0;
  for (std::size_t i = 0; i < n; ++i) acc |= a[i] ^ b[i];
  return ct::is_zero(acc);
}
[[nodiscard]] constexpr limb less(const limb* a, const limb* b, std::size_t n) noexcept {
  limb c = 0;
  for (std::size_t i = 0; i < n; ++i) (void)subb(a[i], b[i], c);
  return ct::mask_from_bit(c);
}
// a < b for numbers of different lengths (the longer one's extra limbs count).
[[nodiscard]] constexpr limb less(const limb* a, std::size_t an, const limb* b, std::size_t bn) noexcept {
  const std::size_t n = an > bn ? an : bn;
  limb c = 0;
  for (std::size_t i = 0; i < n; ++i) (void)subb(i < an ? a[i] : 0, i < bn ? b[i] : 0, c);
  return ct::mask_from_bit(c);
}
// r = a + w (a single limb); returns the carry.
constexpr limb add_limb(limb* r, const limb* a, limb w, std::size_t n) noexcept {
  limb c = 0;
  for (std::size_t i = 0; i < n; ++i) {
    r[i] = addc(a[i], w, c);
    w = 0;
  }
  return c;
}
// r = a - w; returns the borrow.
constexpr limb sub_limb(limb* r, const limb* a, limb w, std::size_t n) noexcept {
  limb c = 0;
  for (std::size_t i = 0; i < n; ++i) {
    r[i] = subb(a[i], w, c);
    w = 0;
  }
  return c;
}
// r = -a (two's complement) when mask is all ones, else r = a.
constexpr void cond_negate(limb mask, limb* r, const limb* a, std::size_t n) noexcept {
  const limb m = ct::value_barrier(mask);
  limb c = m & 1u;
  for (std::size_t i = 0; i < n; ++i) r[i] = addc(a[i] ^ m, 0, c);
}

// Bit i of a (i public, < 64 n).
[[nodiscard]] constexpr limb bit(const limb* a, std::size_t i) noexcept { return (a[i / limb_bits] >> (i % limb_bits)) & 1u; }

// Number of significant bits of one limb, without branches (0 for 0).
[[nodiscard]] constexpr limb bit_length(limb x) noexcept {
  limb r = 0;
  for (unsigned s = 32; s >= 1; s >>= 1) {
    const limb t = x >> s;
    const limb m = ct::is_nonzero(t);
    r += m & s;
    x = ct::select(m, t, x);
  }
  return r + x;
}
// Number of significant bits of a (0 for 0), in constant time. The result is
// as secret as a: declassify it before branching on it.
[[nodiscard]] constexpr limb bit_length(const limb* a, std::size_t n) noexcept {
  limb top = 0, index = 0;  // the highest non-zero limb and its position
  for (std::size_t i = 0; i < n; ++i) {
    const limb nz = ct::is_nonzero(a[i]);
    top = ct::select(nz, a[i], top);
    index = ct::select(nz, static_cast<limb>(i), index);
  }
  const limb len = bit_length(top);
  return ct::select(ct::is_zero(len), limb{0}, limb_bits * index + len);
}

// r = a >> s for 0 <= s < 64 (s public).
constexpr void shift_right(limb* r, const limb* a, unsigned s, std::size_t n) noexcept {
  if (n == 0) return;
  if (s == 0) {
    copy(r, a, n);
    return;
  }
  for (std::size_t i = 0; i + 1 < n; ++i) r[i] = (a[i] >> s) | (a[i + 1] << (limb_bits - s));
  r[n - 1] = a[n - 1] >> s;
}
// r = a << s for 0 <= s < 64 (s public); returns the bits shifted out.
constexpr limb shift_left(limb* r, const limb* a, unsigned s, std::size_t n) noexcept {
  if (n == 0 || s == 0) {
    copy(r, a, n);
    return 0;
  }
  const limb out = a[n - 1] >> (limb_bits - s);
  for (std::size_t i = n - 1; i > 0; --i) r[i] = (a[i] << s) | (a[i - 1] >> (limb_bits - s));
  r[0] = a[0] << s;
  return out;
}

// r (an + bn limbs, not aliasing a or b) = a * b.
constexpr void mul(limb* r, const limb* a, std::size_t an, const limb* b, std::size_t bn) noexcept {
  set_zero(r, an + bn);
  for (std::size_t i = 0; i < bn; ++i) {
    limb c = 0;
    for (std::size_t j = 0; j < an; ++j) r[i + j] = mac(a[j], b[i], r[i + j], c);
    r[i + an] = c;
  }
}
// r (n + 1 limbs, may alias a) = a * w.
constexpr void mul_limb(limb* r, const limb* a, limb w, std::size_t n) noexcept {
  limb c = 0;
  for (std::size_t i = 0; i < n; ++i) r[i] = mac(a[i], w, 0, c);
  r[n] = c;
}

// Reads a big-endian byte string into n limbs. Returns false (and r = 0)
// when the value does not fit; the verdict is declassified.
[[nodiscard]] constexpr bool from_bytes(limb* r, std::size_t n, bytes_view be) noexcept {
  set_zero(r, n);
  limb excess = 0;
  for (std::size_t i = 0; i < be.size(); ++i) {
    const std::size_t pos = be.size() - 1 - i;  // byte position from the least significant end
    if (pos / 8 >= n) {
      excess |= be[i];
    } else {
      r[pos / 8] |= static_cast<limb>(be[i]) << (8 * (pos % 8));
    }
  }
  if (ct::declassify(excess != 0)) {
    set_zero(r, n);
    return false;
  }
  return true;
}
// Writes a as exactly out.size() big-endian bytes. Returns false when a does
// not fit (the verdict is declassified); out is then zeroed.
constexpr bool to_bytes(mutable_bytes out, const limb* a, std::size_t n) noexcept {
  limb excess = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < 8; ++k) {
      const std::size_t pos = 8 * i + k;
      const auto byte = static_cast<std::uint8_t>(a[i] >> (8 * k));
      if (pos < out.size()) out[out.size() - 1 - pos] = byte;
      else excess |= byte;
    }
  }
  for (std::size_t pos = 8 * n; pos < out.size(); ++pos) out[out.size() - 1 - pos] = 0;
  if (ct::declassify(excess != 0)) {
    for (auto& b : out) b = 0;
    return false;
  }
  return true;
}

// Number of trailing zero bits of a (64 n for 0), in constant time.
[[nodiscard]] constexpr limb trailing_zeros(const limb* a, std::size_t n) noexcept {
  limb r = 0, done = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const limb x = a[i];
    const limb low = x & (0 - x);  // lowest set bit (0 when x = 0)
    const limb tz = bit_length(low - 1) & ct::is_nonzero(x);
    const limb here = ct::is_nonzero(x) & ~done;
    r = ct::select(here, static_cast<limb>(limb_bits * i) + tz, r);
    done |= here;
  }
  return ct::select(done, r, static_cast<limb>(limb_bits * n));
}

// r = a >> s and r = a << s (bits shifted out are lost) for a secret s < 64 n:
// log2(64 n) masked passes, each shifting by one power of two or not.
constexpr void shift_right_secret(limb* r, const limb* a, limb s, std::size_t n) noexcept {
  std::array<limb, 2 * max_limbs> t, u;
  copy(t.data(), a, n);
  for (unsigned j = 0; (std::size_t{1} << j) < limb_bits * n; ++j) {
    const std::size_t k = std::size_t{1} << j;
    const std::size_t ls = k / limb_bits;
    const unsigned bs = static_cast<unsigned>(k % limb_bits);
    for (std::size_t i = 0; i < n; ++i) {
      const limb lo = i + ls < n ? t[i + ls] : 0, hi = i + ls + 1 < n ? t[i + ls + 1] : 0;
      u[i] = bs == 0 ? lo : (lo >> bs) | (hi << (limb_bits - bs));
    }
    select(ct::mask_from_bit((s >> j) & 1u), t.data(), u.data(), t.data(), n);
  }
  copy(r, t.data(), n);
}
constexpr void shift_left_secret(limb* r, const limb* a, limb s, std::size_t n) noexcept {
  std::array<limb, 2 * max_limbs> t, u;
  copy(t.data(), a, n);
  for (unsigned j = 0; (std::size_t{1} << j) < limb_bits * n; ++j) {
    const std::size_t k = std::size_t{1} << j;
    const std::size_t ls = k / limb_bits;
    const unsigned bs = static_cast<unsigned>(k % limb_bits);
    for (std::size_t i = 0; i < n; ++i) {
      const limb hi = i >= ls ? t[i - ls] : 0, lo = i >= ls + 1 ? t[i - ls - 1] : 0;
      u[i] = bs == 0 ? hi : (hi << bs) | (lo >> (limb_bits - bs));
    }
    select(ct::mask_from_bit((s >> j) & 1u), t.data(), u.data(), t.data(), n);
  }
  copy(r, t.data(), n);
}

// q = x / m and r = x mod m, by restoring binary long division in constant
// time (for any m != 0, odd or even). x: xn limbs; m: mn limbs (mn <= max_limbs);
// q: xn limbs (or nullptr); r: mn limbs. O(xn * mn * 64): for key checks and
// key generation, not for per-operation use. r and q must not alias x or m.
constexpr void divmod(limb* q, limb* r, const limb* x, std::size_t xn, const limb* m, std::size_t mn) noexcept {
  std::array<limb, max_limbs + 1> rem, t, mm;
  set_zero(rem.data(), mn + 1);
  copy(mm.data(), m, mn);
  mm[mn] = 0;
  if (q != nullptr) set_zero(q, xn);
  for (std::size_t i = xn * limb_bits; i-- > 0;) {
    // rem = 2 rem + bit (rem < m, so 2 rem + 1 fits mn + 1 limbs)
    (void)shift_left(rem.data(), rem.data(), 1, mn + 1);
    rem[0] |= bit(x, i);
    const limb borrow = sub(t.data(), rem.data(), mm.data(), mn + 1);
    const limb ge = ct::mask_from_bit(borrow ^ 1u);
    select(ge, rem.data(), t.data(), rem.data(), mn + 1);
    if (q != nullptr) q[i / limb_bits] |= (ge & 1u) << (i % limb_bits);
  }
  copy(r, rem.data(), mn);
  secure_wipe(std::span(rem).first(mn + 1));
  secure_wipe(std::span(t).first(mn + 1));
}

// ---- a fixed-width value type (for callers that know their width at compile time)

template <std::size_t Limbs>
struct fixed_uint {
  static constexpr std::size_t limb_count = Limbs;
  static constexpr std::size_t bits = Limbs * limb_bits;
  std::array<limb, Limbs> v{};

  constexpr fixed_uint() noexcept = default;
  constexpr explicit fixed_uint(limb x) noexcept { v[0] = x; }
  [[nodiscard]] constexpr limb* data() noexcept { return v.data(); }
  [[nodiscard]] constexpr const limb* data() const noexcept { return v.data(); }

  // Big-endian bytes; errc::bad_length when the value needs more than Limbs limbs.
  [[nodiscard]] static constexpr result<fixed_uint> from_bytes(bytes_view be) noexcept {
    fixed_uint r;
    if (!bn::from_bytes(r.data(), Limbs, be)) return errc::bad_length;
    return r;
  }
  // Exactly out.size() big-endian bytes; false when the value does not fit.
  [[nodiscard]] constexpr bool to_bytes(mutable_bytes out) const noexcept { return bn::to_bytes(out, data(), Limbs); }
  // Not constant time: for public values and tests.
  [[nodiscard]] constexpr bool operator==(const fixed_uint&) const noexcept = default;
};

// ---- Montgomery arithmetic modulo an odd m

namespace detail {

// -m0^-1 mod 2^64 for odd m0 (Newton's iteration: each step doubles the
// number of correct low bits, from 5 at x = m0 * 3 ^ 2).
[[nodiscard]] constexpr limb neg_inverse_limb(limb m0) noexcept {
  limb x = (m0 * 3) ^ 2;
  for (int i = 0; i < 4; ++i) x *= 2 - m0 * x;
  return 0 - x;
}

// r = a * b / R mod m (R = 2^(64 n)), operand scanning with the product
// and reduction rows fused (FIOS): for each limb b[i], u is chosen from the
// low limb so that t + a b[i] + u m is divisible by 2^64, and the two
// multiply-accumulate chains then run side by side with their own carries.
// Needs a * b < m R (for example a < R and b < m); gives r < m. N != 0 fixes
// n at compile time (the compiler then unrolls); N == 0 takes n at run time.
// r may alias a or b.
template <std::size_t N>
constexpr void mont_mul_portable(limb* r, const limb* a, const limb* b, const limb* m, limb m0inv,
                                 std::size_t n) noexcept {
  if constexpr (N != 0) n = N;
  // (Arrays are sized for the largest n; only the first n (+1) limbs are used
  // and initialized, which keeps small sizes cheap, at compile time too.)
  std::array<limb, (N != 0 ? N : max_limbs) + 1> t;
  set_zero(t.data(), n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    const limb bi = b[i];
    limb c1 = 0, c2 = 0;
    const limb t0 = mac(a[0], bi, t[0], c1);
    const limb u = t0 * m0inv;
    (void)mac(m[0], u, t0, c2);  // low limb: zero by the choice of u
    for (std::size_t j = 1; j < n; ++j) {
      const limb s = mac(a[j], bi, t[j], c1);
      t[j - 1] = mac(m[j], u, s, c2);
    }
    limb c3 = 0;
    const limb s = addc(t[n], c1, c3);
    limb c4 = 0;
    t[n - 1] = addc(s, c2, c4);
    t[n] = c3 + c4;
  }
  // t < 2m: subtract m unless that borrows.
  std::array<limb, (N != 0 ? N : max_limbs)> s;
  limb borrow = 0;
  for (std::size_t j = 0; j < n; ++j) s[j] = subb(t[j], m[j], borrow);
  (void)subb(t[n], 0, borrow);
  select(ct::mask_from_bit(borrow), r, t.data(), s.data(), n);
}

// r = a^2 / R mod m for a < m: the full square (cross products once,
// doubled, plus the diagonal), then REDC. r may alias a.
template <std::size_t N>
constexpr void mont_sqr_portable(limb* r, const limb* a, const limb* m, limb m0inv, std::size_t n) noexcept {
  if constexpr (N != 0) n = N;
  std::array<limb, 2 * (N != 0 ? N : max_limbs)> t;
  set_zero(t.data(), 2 * n);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    limb c = 0;
    for (std::size_t j = i + 1; j < n; ++j) t[i + j] = mac(a[i], a[j], t[i + j], c);
    t[i + n] = c;
  }
  limb top = 0;
  for (std::size_t k = 0; k < 2 * n; ++k) {  // double
    const limb x = t[k];
    t[k] = (x << 1) | top;
    top = x >> 63;
  }
  limb c = 0;
  for (std::size_t i = 0; i < n; ++i) {  // add the diagonal
    const limb_pair p = mul_wide(a[i], a[i]);
    t[2 * i] = addc(t[2 * i], p.lo, c);
    t[2 * i + 1] = addc(t[2 * i + 1], p.hi, c);
  }
  // REDC: t < m^2 < m R, so the result is < 2m.
  limb hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const limb u = t[i] * m0inv;
    limb cc = 0;
    for (std::size_t j = 0; j < n; ++j) t[i + j] = mac(m[j], u, t[i + j], cc);
    limb c2 = 0, c3 = 0;
    t[i + n] = addc(t[i + n], cc, c2);
    t[i + n] = addc(t[i + n], hi, c3);
    hi = c2 | c3;  // the sum is below 2^65: at most one of them carries
  }
  std::array<limb, (N != 0 ? N : max_limbs)> s;
  limb borrow = 0;
  for (std::size_t j = 0; j < n; ++j) s[j] = subb(t[n + j], m[j], borrow);
  (void)subb(hi, 0, borrow);
  select(ct::mask_from_bit(borrow), r, t.data() + n, s.data(), n);
}

// The run-time portable entry points: common sizes get an unrolled copy.
inline void mont_mul_portable_rt(limb* r, const limb* a, const limb* b, const limb* m, limb m0inv, std::size_t n) noexcept {
  switch (n) {
    case 16: return mont_mul_portable<16>(r, a, b, m, m0inv, n);
    case 24: return mont_mul_portable<24>(r, a, b, m, m0inv, n);
    case 32: return mont_mul_portable<32>(r, a, b, m, m0inv, n);
    default: return mont_mul_portable<0>(r, a, b, m, m0inv, n);
  }
}
inline void mont_sqr_portable_rt(limb* r, const limb* a, const limb* m, limb m0inv, std::size_t n) noexcept {
  switch (n) {
    case 16: return mont_sqr_portable<16>(r, a, m, m0inv, n);
    case 24: return mont_sqr_portable<24>(r, a, m, m0inv, n);
    case 32: return mont_sqr_portable<32>(r, a, m, m0inv, n);
    default: return mont_sqr_portable<0>(r, a, m, m0inv, n);
  }
}

#if KAGI_X86
// Defined in bigint_x86.hpp (included at the end of this header): CIOS with
// mulx and the two carry chains of adcx/adox, for n a multiple of 4.
KAGI_TARGET("bmi2,adx") void mont_mul_adx(limb* r, const limb* a, const limb* b, const limb* m, limb m0inv,
                                          std::size_t n) noexcept;
KAGI_TARGET("bmi2,adx") void mont_sqr_adx(limb* r, const limb* a, const limb* m, limb m0inv, std::size_t n) noexcept;
inline constexpr std::uint32_t mont_adx_needs = cpu::bmi2 | cpu::adx;
[[nodiscard]] constexpr bool mont_adx_fits(std::size_t n) noexcept { return n % 4 == 0; }

// Defined in bigint_x86.hpp: exponentiation with AVX-512 IFMA in radix 2^52
// ("almost Montgomery" multiplication on 20, 30 or 40 digits of 52 bits in
// 3, 4 or 5 zmm registers), for moduli of 16, 24 or 32 limbs: the CRT halves
// of 2048-, 3072- and 4096-bit RSA keys. r = b^exp mod m for b < m (plain,
// not Montgomery form); rr52 = 2^(104 D) mod m for D digits; k0 = -m^-1 mod 2^52.
KAGI_TARGET("avx512f,avx512vl,avx512dq,avx512ifma,bmi2")
void pow_ifma(limb* r, const limb* b, const limb* exp, std::size_t exp_bits, const limb* m, const limb* rr52, limb k0,
              std::size_t n) noexcept;
// Two at once (an RSA key's two CRT halves), interleaved.
KAGI_TARGET("avx512f,avx512vl,avx512dq,avx512ifma,bmi2")
void pow2_ifma(limb* r1, const limb* b1, const limb* e1, const limb* m1, const limb* rr1, limb k1, limb* r2,
               const limb* b2, const limb* e2, const limb* m2, const limb* rr2, limb k2, std::size_t exp_bits,
               std::size_t n) noexcept;
// A public exponent (exp_limbs limbs; its bits are not secret), plain in and
// out: r = x^exp mod m for x < m; for 16, 24, 32, 48 or 64 limbs.
KAGI_TARGET("avx512f,avx512vl,avx512dq,avx512ifma,bmi2")
void pow_public_ifma(limb* r, const limb* x, const limb* exp, std::size_t exp_limbs, const limb* m, const limb* rr52,
                     limb k0, std::size_t n) noexcept;
inline constexpr std::uint32_t ifma_needs = cpu::avx512f | cpu::avx512vl | cpu::avx512dq | cpu::avx512ifma | cpu::bmi2;
#endif
// The sizes the IFMA exponentiation takes (secret exponents: 3, 4 or 5 zmm
// registers a number; public exponents: also 3072- and 4096-bit moduli in 8
// and 10), and their number of 52-bit digits: the fewest D with 4m < 2^(52 D).
[[nodiscard]] constexpr bool ifma_fits(std::size_t n) noexcept { return n == 16 || n == 24 || n == 32; }
[[nodiscard]] constexpr bool ifma_public_fits(std::size_t n) noexcept { return ifma_fits(n) || n == 48 || n == 64; }
[[nodiscard]] constexpr std::size_t ifma_digits(std::size_t n) noexcept { return (64 * n + 2 + 51) / 52; }
static_assert(ifma_digits(16) == 20 && ifma_digits(24) == 30 && ifma_digits(32) == 40 && ifma_digits(48) == 60 &&
              ifma_digits(64) == 79);

// ct table read: r = table[index] (entries of n limbs), touching every entry.
constexpr void table_lookup(limb* r, const limb* table, std::size_t entries, std::size_t n, limb index) noexcept {
  set_zero(r, n);
  for (std::size_t i = 0; i < entries; ++i) {
    const limb m = ct::eq(static_cast<limb>(i), index);
    const limb* e = table + i * n;
    for (std::size_t j = 0; j < n; ++j) r[j] |= e[j] & m;
  }
}

// Bits [pos, pos + w) of a (a has n limbs; bits past the end read as 0).
[[nodiscard]] constexpr limb window_bits(const limb* a, std::size_t n, std::size_t pos, unsigned w) noexcept {
  const std::size_t i = pos / limb_bits;
  const unsigned s = static_cast<unsigned>(pos % limb_bits);
  limb x = i < n ? a[i] >> s : 0;
  if (s != 0 && s + w > limb_bits && i + 1 < n) x |= a[i + 1] << (limb_bits - s);
  return x & ((limb{1} << w) - 1);
}

}  // namespace detail

class montgomery {
 public:
  constexpr montgomery() noexcept = default;
  constexpr montgomery(const montgomery&) noexcept = default;
  constexpr montgomery& operator=(const montgomery&) noexcept = default;
  constexpr ~montgomery() {
    secure_wipe(m_);
    secure_wipe(rr_);
    secure_wipe(one_);
    secure_wipe(rr52_);
    m0inv_ = 0;
  }

  // A context for the odd modulus m of n limbs (1 <= n <= max_limbs, m > 1).
  // m may be secret (an RSA prime): the work does not depend on its value.
  // errc::invalid_argument for an even m, m <= 1 or a bad n.
  [[nodiscard]] static constexpr result<montgomery> create(const limb* m, std::size_t n) noexcept {
    if (n == 0 || n > max_limbs) return errc::invalid_argument;
    const limb odd = m[0] & 1u;
    std::array<limb, max_limbs> one{};
    one[0] = 1;
    const limb le_one = ~less(one.data(), m, n);
    if (ct::declassify((odd == 0) | (le_one != 0))) return errc::invalid_argument;
    montgomery c;
    c.n_ = n;
    copy(c.m_.data(), m, n);
    c.m0inv_ = detail::neg_inverse_limb(m[0]);
    // R mod m: 1 doubled 64 n times.
    copy(c.one_.data(), one.data(), n);
    for (std::size_t i = 0; i < limb_bits * n; ++i) c.mod_add(c.one_.data(), c.one_.data(), c.one_.data());
    // R^2 mod m: 64 n = k 2^s; double R mod m k more times (2^k in
    // Montgomery form), then square s times: 2^(k 2^s) = R in Montgomery form.
    std::size_t k = limb_bits * n, s = 0;
    while (k % 2 == 0) {
      k /= 2;
      ++s;
    }
    copy(c.rr_.data(), c.one_.data(), n);
    for (std::size_t i = 0; i < k; ++i) c.mod_add(c.rr_.data(), c.rr_.data(), c.rr_.data());
    for (std::size_t i = 0; i < s; ++i) c.sqr(c.rr_.data(), c.rr_.data());
    // For the IFMA exponentiation: 2^(104 D) mod m = R^2 doubled 104 D - 128 n times.
    if (detail::ifma_public_fits(n)) {
      copy(c.rr52_.data(), c.rr_.data(), n);
      for (std::size_t i = 0; i < 104 * detail::ifma_digits(n) - 128 * n; ++i)
        c.mod_add(c.rr52_.data(), c.rr52_.data(), c.rr52_.data());
    }
    return c;
  }

  [[nodiscard]] constexpr std::size_t size() const noexcept { return n_; }
  [[nodiscard]] constexpr const limb* modulus() const noexcept { return m_.data(); }
  [[nodiscard]] constexpr limb m0inv() const noexcept { return m0inv_; }
  // R mod m (1 in Montgomery form) and R^2 mod m.
  [[nodiscard]] constexpr const limb* one() const noexcept { return one_.data(); }
  [[nodiscard]] constexpr const limb* rr() const noexcept { return rr_.data(); }

  // r = a b / R mod m. Needs a b < m R (a < R and b < m is enough). r may alias a or b.
  constexpr void mul(limb* r, const limb* a, const limb* b) const noexcept {
    if (std::is_constant_evaluated()) {
      detail::mont_mul_portable<0>(r, a, b, m_.data(), m0inv_, n_);
      return;
    }
#if KAGI_X86
    if (detail::mont_adx_fits(n_) && cpu::has(detail::mont_adx_needs)) {
      detail::mont_mul_adx(r, a, b, m_.data(), m0inv_, n_);
      return;
    }
#endif
    detail::mont_mul_portable_rt(r, a, b, m_.data(), m0inv_, n_);
  }
  // r = a^2 / R mod m for a < m. r may alias a.
  constexpr void sqr(limb* r, const limb* a) const noexcept {
    if (std::is_constant_evaluated()) {
      detail::mont_sqr_portable<0>(r, a, m_.data(), m0inv_, n_);
      return;
    }
#if KAGI_X86
    if (detail::mont_adx_fits(n_) && cpu::has(detail::mont_adx_needs)) {
      detail::mont_sqr_adx(r, a, m_.data(), m0inv_, n_);
      return;
    }
#endif
    detail::mont_sqr_portable_rt(r, a, m_.data(), m0inv_, n_);
  }

  // The path pow() takes now for this size: "avx512-ifma" (16, 24 or 32
  // limbs), "mulx-adx" (multiples of 4 limbs; mul() and sqr() take it on the
  // IFMA path too) or "portable".
  [[nodiscard]] const char* implementation() const noexcept { return implementation(n_); }
  [[nodiscard]] static const char* implementation(std::size_t n) noexcept {
#if KAGI_X86
    if (detail::ifma_fits(n) && cpu::has(detail::ifma_needs)) return "avx512-ifma";
    if (detail::mont_adx_fits(n) && cpu::has(detail::mont_adx_needs)) return "mulx-adx";
#endif
    (void)n;
    return "portable";
  }
  // The path rsa_public_key's operation (pow_public_ifma, else pow_public)
  // takes now for this size: "avx512-ifma" (16, 24, 32, 48 or 64 limbs),
  // "mulx-adx" or "portable".
  [[nodiscard]] const char* public_implementation() const noexcept {
#if KAGI_X86
    if (detail::ifma_public_fits(n_) && cpu::has(detail::ifma_needs)) return "avx512-ifma";
#endif
    return mul_implementation(n_);
  }
  // The path mul() and sqr() take: "mulx-adx" or "portable".
  [[nodiscard]] static const char* mul_implementation(std::size_t n) noexcept {
#if KAGI_X86
    if (detail::mont_adx_fits(n) && cpu::has(detail::mont_adx_needs)) return "mulx-adx";
#endif
    (void)n;
    return "portable";
  }

  // Montgomery form: r = a R mod m for a < m; back: r = a / R mod m.
  constexpr void to_mont(limb* r, const limb* a) const noexcept { mul(r, a, rr_.data()); }
  constexpr void from_mont(limb* r, const limb* a) const noexcept {
    std::array<limb, max_limbs> one;
    set_zero(one.data(), n_);
    one[0] = 1;
    mul(r, a, one.data());
  }

  // r = x R mod m (the Montgomery form of x mod m) for x of any length xn:
  // Horner's rule on n-limb chunks, each brought in by a multiplication with
  // R^2. Constant time; r must not alias x.
  constexpr void reduce(limb* r, const limb* x, std::size_t xn) const noexcept {
    std::array<limb, max_limbs> chunk, t;
    set_zero(r, n_);
    const std::size_t chunks = (xn + n_ - 1) / n_;
    for (std::size_t c = chunks; c-- > 0;) {
      for (std::size_t i = 0; i < n_; ++i) chunk[i] = c * n_ + i < xn ? x[c * n_ + i] : 0;
      mul(t.data(), chunk.data(), rr_.data());  // chunk R mod m (chunk < R, rr < m)
      mul(r, r, rr_.data());                    // the value so far, times R
      mod_add(r, r, t.data());
    }
    secure_wipe(std::span(chunk).first(n_));
    secure_wipe(std::span(t).first(n_));
  }

  // r = a + b mod m and r = a - b mod m, for a, b < m.
  constexpr void mod_add(limb* r, const limb* a, const limb* b) const noexcept {
    std::array<limb, max_limbs> s, d;
    const limb carry = add(s.data(), a, b, n_);
    const limb borrow = sub(d.data(), s.data(), m_.data(), n_);
    // Keep s only when a + b < m: no carry, and the subtraction borrowed.
    select(ct::mask_from_bit(borrow & (carry ^ 1u)), r, s.data(), d.data(), n_);
  }
  constexpr void mod_sub(limb* r, const limb* a, const limb* b) const noexcept {
    std::array<limb, max_limbs> d, s;
    const limb borrow = sub(d.data(), a, b, n_);
    (void)add(s.data(), d.data(), m_.data(), n_);
    select(ct::mask_from_bit(borrow), r, s.data(), d.data(), n_);
  }

  // r = base^exp in Montgomery form (base in Montgomery form, < m), for a
  // secret exponent of exp_bits bits (public; exp < 2^exp_bits, stored in
  // limbs_for_bits(exp_bits) limbs). Fixed window: the same squarings and
  // multiplications whatever the exponent, and every window's table entry
  // is read by a masked scan of the whole table. r may alias base.
  constexpr void pow(limb* r, const limb* base, const limb* exp, std::size_t exp_bits) const noexcept {
#if KAGI_X86
    if (!std::is_constant_evaluated() && detail::ifma_fits(n_) && cpu::has(detail::ifma_needs)) {
      std::array<limb, max_limbs> x;
      from_mont(x.data(), base);
      detail::pow_ifma(x.data(), x.data(), exp, exp_bits, m_.data(), rr52_.data(), m0inv_ & ((limb{1} << 52) - 1), n_);
      to_mont(r, x.data());
      secure_wipe(std::span(x).first(n_));
      return;
    }
#endif
    const unsigned w = exp_bits > 512 ? 5 : 4;
    const std::size_t entries = std::size_t{1} << w;
    const std::size_t n = n_;
    std::array<limb, 32 * max_limbs> table;
    std::array<limb, max_limbs> acc, t;
    copy(table.data(), one_.data(), n);
    copy(table.data() + n, base, n);
    for (std::size_t i = 2; i < entries; ++i) {
      if (i % 2 == 0) sqr(table.data() + i * n, table.data() + (i / 2) * n);
      else mul(table.data() + i * n, table.data() + (i - 1) * n, base);
    }
    const std::size_t exp_limbs = limbs_for_bits(exp_bits);
    const std::size_t windows = exp_bits == 0 ? 0 : (exp_bits + w - 1) / w;
    copy(acc.data(), one_.data(), n);
    for (std::size_t k = windows; k-- > 0;) {
      if (k + 1 != windows)
        for (unsigned j = 0; j < w; ++j) sqr(acc.data(), acc.data());
      detail::table_lookup(t.data(), table.data(), entries, n, detail::window_bits(exp, exp_limbs, k * w, w));
      if (k + 1 == windows) copy(acc.data(), t.data(), n);
      else mul(acc.data(), acc.data(), t.data());
    }
    copy(r, acc.data(), n);
    secure_wipe(std::span(table).first(entries * n));
    secure_wipe(std::span(acc).first(n));
    secure_wipe(std::span(t).first(n));
  }

  // Two secret-exponent powers at once, r1 = b1^e1 in c1's Montgomery form and
  // r2 = b2^e2 in c2's, both exponents of exp_bits bits: an RSA private key's
  // two CRT halves. On the IFMA path (both moduli of the same size) the two
  // run interleaved in one loop; otherwise one after the other.
  static constexpr void pow2(const montgomery& c1, limb* r1, const limb* b1, const limb* e1, const montgomery& c2,
                             limb* r2, const limb* b2, const limb* e2, std::size_t exp_bits) noexcept {
#if KAGI_X86
    if (!std::is_constant_evaluated() && c1.n_ == c2.n_ && detail::ifma_fits(c1.n_) && cpu::has(detail::ifma_needs)) {
      const std::size_t n = c1.n_;
      std::array<limb, max_limbs> x1, x2;
      c1.from_mont(x1.data(), b1);
      c2.from_mont(x2.data(), b2);
      constexpr limb mask52 = (limb{1} << 52) - 1;
      detail::pow2_ifma(x1.data(), x1.data(), e1, c1.m_.data(), c1.rr52_.data(), c1.m0inv_ & mask52, x2.data(),
                        x2.data(), e2, c2.m_.data(), c2.rr52_.data(), c2.m0inv_ & mask52, exp_bits, n);
      c1.to_mont(r1, x1.data());
      c2.to_mont(r2, x2.data());
      secure_wipe(std::span(x1).first(n));
      secure_wipe(std::span(x2).first(n));
      return;
    }
#endif
    c1.pow(r1, b1, e1, exp_bits);
    c2.pow(r2, b2, e2, exp_bits);
  }

  // r = x^exp mod m, plain in and out (x < m), for a PUBLIC exponent of
  // exp_limbs limbs, with the AVX-512 IFMA kernel when it takes this size on
  // this CPU; returns false (nothing written) otherwise. r may alias x.
  [[nodiscard]] bool pow_public_ifma(limb* r, const limb* x, const limb* exp, std::size_t exp_limbs) const noexcept {
#if KAGI_X86
    if (detail::ifma_public_fits(n_) && cpu::has(detail::ifma_needs)) {
      detail::pow_public_ifma(r, x, exp, exp_limbs, m_.data(), rr52_.data(), m0inv_ & ((limb{1} << 52) - 1), n_);
      return true;
    }
#endif
    (void)r, (void)x, (void)exp, (void)exp_limbs;
    return false;
  }

  // r = base^exp in Montgomery form for a PUBLIC exponent of exp_limbs limbs
  // (square and multiply; the time depends on the exponent). r may alias base.
  constexpr void pow_public(limb* r, const limb* base, const limb* exp, std::size_t exp_limbs) const noexcept {
    const std::size_t bits = static_cast<std::size_t>(bit_length(exp, exp_limbs));
    std::array<limb, max_limbs> b, acc;
    copy(b.data(), base, n_);
    copy(acc.data(), one_.data(), n_);
    if (bits != 0) copy(acc.data(), b.data(), n_);
    for (std::size_t i = bits > 0 ? bits - 1 : 0; i-- > 0;) {
      sqr(acc.data(), acc.data());
      if (bit(exp, i)) mul(acc.data(), acc.data(), b.data());
    }
    copy(r, acc.data(), n_);
  }

  // r = y^-1 mod m for y < m, in constant time (binary GCD on 64-bit
  // approximations, 31 steps per round; T. Pornin, "Optimized Binary GCD for
  // Modular Inversion", 2020). Returns an all-ones mask when y is invertible
  // (gcd(y, m) = 1), zero otherwise (r is then meaningless). r may alias y.
  [[nodiscard]] constexpr limb inverse(limb* r, const limb* y) const noexcept { return binary_gcd(y, r, nullptr); }

  // r = gcd(y, m) for y < m, in constant time (the same algorithm).
  constexpr void gcd(limb* r, const limb* y) const noexcept { (void)binary_gcd(y, nullptr, r); }

 private:
  constexpr limb binary_gcd(const limb* y, limb* inv, limb* g) const noexcept;

  friend struct kagi::detail::ct_probe;
  std::array<limb, max_limbs> m_{}, rr_{}, one_{}, rr52_{};
  limb m0inv_ = 0;
  std::size_t n_ = 0;
};

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

}  // namespace detail

#if KAGI_BN_INT128
namespace detail {
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
}  // namespace detail
#endif

constexpr limb montgomery::binary_gcd(const limb* y, limb* inv, limb* g) const noexcept {
  const std::size_t n = n_;
  std::array<limb, max_limbs> a, b, u, v, na, nb, nu, nv, ab;
  copy(a.data(), y, n);
  copy(b.data(), m_.data(), n);
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
    limb abar = (detail::top_bits33(a.data(), n, len) << 31) | (a[0] & 0x7fffffffu);
    limb bbar = (detail::top_bits33(b.data(), n, len) << 31) | (b[0] & 0x7fffffffu);
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
#if KAGI_BN_INT128
    if (!std::is_constant_evaluated()) {
      detail::lin_comb2_shift31_rt(na.data(), nb.data(), a.data(), b.data(), f0, g0, f1, g1, n, nega, negb);
    } else
#endif
    {
      nega = detail::lin_comb_shift31(na.data(), a.data(), b.data(), f0, g0, n);
      negb = detail::lin_comb_shift31(nb.data(), a.data(), b.data(), f1, g1, n);
    }
    f0 = static_cast<std::int64_t>((static_cast<limb>(f0) ^ nega) - nega);
    g0 = static_cast<std::int64_t>((static_cast<limb>(g0) ^ nega) - nega);
    f1 = static_cast<std::int64_t>((static_cast<limb>(f1) ^ negb) - negb);
    g1 = static_cast<std::int64_t>((static_cast<limb>(g1) ^ negb) - negb);
#if KAGI_BN_INT128
    if (!std::is_constant_evaluated()) {
      detail::lin_comb_mod_rt(nu.data(), u.data(), v.data(), f0, g0, m_.data(), m0inv_, n);
      detail::lin_comb_mod_rt(nv.data(), u.data(), v.data(), f1, g1, m_.data(), m0inv_, n);
    } else
#endif
    {
      detail::lin_comb_mod(nu.data(), u.data(), v.data(), f0, g0, m_.data(), m0inv_, n);
      detail::lin_comb_mod(nv.data(), u.data(), v.data(), f1, g1, m_.data(), m0inv_, n);
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

}  // namespace kagi::bn

#include "x86/bigint_x86.hpp"

#endif  // KAGI_MATH_BIGINT_HPP
