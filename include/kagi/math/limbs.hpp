// kagi/math/limbs.hpp: fixed-width constant-time natural numbers as arrays of
// 64-bit limbs, for RSA (up to 4096-bit moduli): carries, comparisons, masked
// selection, shifts (by public and by secret amounts), products, division,
// and conversion from and to big-endian bytes.
//
// Numbers are arrays of 64-bit limbs, least significant first, with a length
// (in limbs) that is public: it comes from the size of a modulus, never from
// a value. No function branches on, or indexes memory with, the value of a
// limb; choices are made with masks (kagi::ct). The few places that reveal
// something derived from a secret (a "does it fit" verdict) say so and call
// ct::declassify.
//
// Multiplication uses unsigned __int128 at run time when the compiler has it
// and portable 32x32-bit products at compile time (wide.hpp), so everything
// here is constexpr. Arithmetic modulo a number is in montgomery.hpp
// (multiplication, exponentiation) and modinv.hpp (inverses, gcd).
#ifndef KAGI_MATH_LIMBS_HPP
#define KAGI_MATH_LIMBS_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../core/result.hpp"
#include "wide.hpp"

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
namespace detail {
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
namespace detail {
// r = a op w for a single limb w, op addc or subb; returns the carry or borrow.
template <limb (*Op)(limb, limb, limb&) noexcept>
constexpr limb op_limb(limb* r, const limb* a, limb w, std::size_t n) noexcept {
  limb c = 0;
  for (std::size_t i = 0; i < n; ++i) {
    r[i] = Op(a[i], w, c);
    w = 0;
  }
  return c;
}
}  // namespace detail
// r = a + w (a single limb); returns the carry.
constexpr limb add_limb(limb* r, const limb* a, limb w, std::size_t n) noexcept {
  return detail::op_limb<&addc>(r, a, w, n);
}
// r = a - w; returns the borrow.
constexpr limb sub_limb(limb* r, const limb* a, limb w, std::size_t n) noexcept {
  return detail::op_limb<&subb>(r, a, w, n);
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

namespace detail {
// r = a >> s (Left false) or a << s (Left true) for a secret s < 64 n: log2(64 n)
// masked passes, each shifting by one power of two or not.
template <bool Left>
constexpr void shift_secret(limb* r, const limb* a, limb s, std::size_t n) noexcept {
  std::array<limb, 2 * max_limbs> t, u;
  copy(t.data(), a, n);
  for (unsigned j = 0; (std::size_t{1} << j) < limb_bits * n; ++j) {
    const std::size_t k = std::size_t{1} << j;
    const std::size_t ls = k / limb_bits;
    const unsigned bs = static_cast<unsigned>(k % limb_bits);
    for (std::size_t i = 0; i < n; ++i) {
      if constexpr (Left) {
        const limb hi = i >= ls ? t[i - ls] : 0, lo = i >= ls + 1 ? t[i - ls - 1] : 0;
        u[i] = bs == 0 ? hi : (hi << bs) | (lo >> (limb_bits - bs));
      } else {
        const limb lo = i + ls < n ? t[i + ls] : 0, hi = i + ls + 1 < n ? t[i + ls + 1] : 0;
        u[i] = bs == 0 ? lo : (lo >> bs) | (hi << (limb_bits - bs));
      }
    }
    select(ct::mask_from_bit((s >> j) & 1u), t.data(), u.data(), t.data(), n);
  }
  copy(r, t.data(), n);
}
}  // namespace detail

// r = a >> s and r = a << s (bits shifted out are lost) for a secret s < 64 n.
constexpr void shift_right_secret(limb* r, const limb* a, limb s, std::size_t n) noexcept {
  detail::shift_secret<false>(r, a, s, n);
}
constexpr void shift_left_secret(limb* r, const limb* a, limb s, std::size_t n) noexcept {
  detail::shift_secret<true>(r, a, s, n);
}

// q = x / m and r = x mod m, by restoring binary long division in constant
// time (for any m != 0, odd or even). x: xn limbs; m: mn limbs (mn <= max_limbs);
// q: xn limbs (or nullptr); r: mn limbs. O(xn * mn * 64): for key checks and
// key generation, not for per-operation use. r and q must not alias x or m.
constexpr void divmod(limb* q, limb* r, const limb* x, std::size_t xn, const limb* m, std::size_t mn) noexcept {
  // A broken precondition stops the program (and tells the optimiser the
  // bounds: GCC 12 otherwise warns about copies of 2^61 limbs).
  if (mn == 0 || mn > max_limbs) kagi::detail::fatal("bn::divmod: modulus of 0 or more than max_limbs limbs");
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

}  // namespace kagi::bn

#endif  // KAGI_MATH_LIMBS_HPP
