// kagi/math/wide.hpp: 64x64 -> 128-bit products and carry chains for the
// elliptic-curve fields (x25519.hpp, p256.hpp) and the big integers of RSA
// (bigint.hpp).
//
// At run time products use unsigned __int128 when the compiler has it; at
// compile time (and without __int128) a portable pair of 64-bit words. Code
// that sums many products is written once as a template on a "wide" policy
// (wide_native or wide_portable) and picks the policy with
// std::is_constant_evaluated(); single-limb helpers (mac, addc, subb) pick it
// themselves. Everything is constant time: no branches, no tables.
#ifndef KAGI_MATH_WIDE_HPP
#define KAGI_MATH_WIDE_HPP

#include <cstdint>
#include <type_traits>

namespace kagi::detail::wide {

using u64 = std::uint64_t;

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 native_u128;
#define KAGI_WIDE_INT128 1
#else
#define KAGI_WIDE_INT128 0
#endif

// A 128-bit unsigned number as two 64-bit words, with the operations the
// field code needs.
struct portable_u128 {
  u64 lo = 0, hi = 0;

  [[nodiscard]] static constexpr portable_u128 mul(u64 a, u64 b) noexcept {
    const u64 a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    const u64 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    const u64 mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    return {(p00 & 0xffffffffu) | (mid << 32), p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32)};
  }
  [[nodiscard]] friend constexpr portable_u128 operator+(portable_u128 a, portable_u128 b) noexcept {
    const u64 lo = a.lo + b.lo;
    return {lo, a.hi + b.hi + static_cast<u64>(lo < a.lo)};
  }
  [[nodiscard]] friend constexpr portable_u128 operator+(portable_u128 a, u64 b) noexcept {
    const u64 lo = a.lo + b;
    return {lo, a.hi + static_cast<u64>(lo < b)};
  }
};

// The policies: type, mul(a, b), shr(x, n) for 0 < n < 64, low(x), high(x).
struct wide_portable {
  using type = portable_u128;
  [[nodiscard]] static constexpr type mul(u64 a, u64 b) noexcept { return portable_u128::mul(a, b); }
  [[nodiscard]] static constexpr type from(u64 a) noexcept { return {a, 0}; }
  [[nodiscard]] static constexpr type shr(type a, int n) noexcept { return {(a.lo >> n) | (a.hi << (64 - n)), a.hi >> n}; }
  [[nodiscard]] static constexpr u64 low(type a) noexcept { return a.lo; }
  [[nodiscard]] static constexpr u64 high(type a) noexcept { return a.hi; }
  // a * b + c + carry: the low word, the high word left in carry.
  [[nodiscard]] static constexpr u64 mac(u64 a, u64 b, u64 c, u64& carry) noexcept {
    const portable_u128 t = portable_u128::mul(a, b) + c + carry;
    carry = t.hi;
    return t.lo;
  }
};

#if KAGI_WIDE_INT128
struct wide_native {
  using type = native_u128;
  [[nodiscard]] static constexpr type mul(u64 a, u64 b) noexcept { return static_cast<native_u128>(a) * b; }
  [[nodiscard]] static constexpr type from(u64 a) noexcept { return a; }
  [[nodiscard]] static constexpr type shr(type a, int n) noexcept { return a >> n; }
  [[nodiscard]] static constexpr u64 low(type a) noexcept { return static_cast<u64>(a); }
  [[nodiscard]] static constexpr u64 high(type a) noexcept { return static_cast<u64>(a >> 64); }
  [[nodiscard]] static constexpr u64 mac(u64 a, u64 b, u64 c, u64& carry) noexcept {
    const native_u128 t = static_cast<native_u128>(a) * b + c + carry;
    carry = static_cast<u64>(t >> 64);
    return static_cast<u64>(t);
  }
};
#else
using wide_native = wide_portable;
#endif

// a * b + c + carry: returns the low word, leaves the high word in carry
// (never overflows: (2^64 - 1)^2 + 2 (2^64 - 1) < 2^128).
[[nodiscard]] constexpr u64 mac(u64 a, u64 b, u64 c, u64& carry) noexcept {
  if (std::is_constant_evaluated()) return wide_portable::mac(a, b, c, carry);
  return wide_native::mac(a, b, c, carry);
}

// a + b + carry, carry 0 or 1 in and out.
[[nodiscard]] constexpr u64 addc(u64 a, u64 b, u64& carry) noexcept {
  const u64 s = a + b;
  const u64 c1 = static_cast<u64>(s < a);
  const u64 t = s + carry;
  carry = c1 | static_cast<u64>(t < s);
  return t;
}

// a - b - borrow, borrow 0 or 1 in and out.
[[nodiscard]] constexpr u64 subb(u64 a, u64 b, u64& borrow) noexcept {
  const u64 d = a - b;
  const u64 b1 = static_cast<u64>(a < b);
  const u64 t = d - borrow;
  borrow = b1 | static_cast<u64>(d < borrow);
  return t;
}

}  // namespace kagi::detail::wide

#endif  // KAGI_MATH_WIDE_HPP
