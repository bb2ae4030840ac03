// kagi/core/ct.hpp: constant-time building blocks.
//
// A mask is an unsigned integer that is either all zeros or all ones. Masks are
// made from secrets without branches, pass through value_barrier() so the
// optimizer cannot turn them back into branches, and choose values with
// select(). At compile time the barrier is a no-op (asm is not allowed there).
#ifndef KAGI_CORE_CT_HPP
#define KAGI_CORE_CT_HPP

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "cpu.hpp"  // KAGI_X86 and the intrinsics

// The constant-time test programs (tests/ct) define KAGI_CT_VALGRIND so that
// classify()/declassify() tell valgrind memcheck which bytes are secret.
#if defined(KAGI_CT_VALGRIND)
#include <valgrind/memcheck.h>
#endif

namespace kagi {

namespace ct {

// Hides x from the optimizer: after the barrier the compiler cannot know that x
// is 0 or ~0, so code written with masks stays branch-free.
template <std::unsigned_integral T>
[[nodiscard]] constexpr T value_barrier(T x) noexcept {
  if (!std::is_constant_evaluated()) {
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(x));
#else
    volatile T v = x;
    x = v;
#endif
  }
  return x;
}

// All ones when bit == 1, zero when bit == 0 (bit must be 0 or 1).
template <std::unsigned_integral T>
[[nodiscard]] constexpr T mask_from_bit(T bit) noexcept {
  return static_cast<T>(T{0} - value_barrier(bit));
}

// All ones when b is true. For booleans that are not secret, or already masks.
template <std::unsigned_integral T = std::uint64_t>
[[nodiscard]] constexpr T mask_from_bool(bool b) noexcept {
  return mask_from_bit<T>(static_cast<T>(b));
}

template <std::unsigned_integral T>
[[nodiscard]] constexpr T is_zero(T x) noexcept {
  constexpr int top = static_cast<int>(sizeof(T) * 8 - 1);
  return mask_from_bit<T>(static_cast<T>(static_cast<T>(~x & static_cast<T>(x - 1)) >> top));
}
template <std::unsigned_integral T>
[[nodiscard]] constexpr T is_nonzero(T x) noexcept {
  return static_cast<T>(~is_zero(x));
}
template <std::unsigned_integral T>
[[nodiscard]] constexpr T eq(T a, T b) noexcept {
  return is_zero(static_cast<T>(a ^ b));
}
template <std::unsigned_integral T>
[[nodiscard]] constexpr T ne(T a, T b) noexcept {
  return static_cast<T>(~eq(a, b));
}
// a < b, unsigned.
template <std::unsigned_integral T>
[[nodiscard]] constexpr T lt(T a, T b) noexcept {
  constexpr int top = static_cast<int>(sizeof(T) * 8 - 1);
  const T borrow = static_cast<T>(a ^ ((a ^ b) | (static_cast<T>(a - b) ^ b)));
  return mask_from_bit<T>(static_cast<T>(borrow >> top));
}
template <std::unsigned_integral T>
[[nodiscard]] constexpr T gt(T a, T b) noexcept { return lt(b, a); }
template <std::unsigned_integral T>
[[nodiscard]] constexpr T le(T a, T b) noexcept { return static_cast<T>(~lt(b, a)); }
template <std::unsigned_integral T>
[[nodiscard]] constexpr T ge(T a, T b) noexcept { return static_cast<T>(~lt(a, b)); }

// mask ? a : b
template <std::unsigned_integral T>
[[nodiscard]] constexpr T select(T mask, T a, T b) noexcept {
  return static_cast<T>(b ^ (value_barrier(mask) & (a ^ b)));
}

// Valgrind hooks for the ct test suite. classify() marks bytes as secret
// (undefined to memcheck); declassify() marks bytes as public again where the
// library deliberately reveals a value derived from secrets (a tag check's
// verdict, a public key). Both are no-ops outside the ct programs.
inline void classify(const void* p, std::size_t n) noexcept {
#if defined(KAGI_CT_VALGRIND)
  VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#else
  (void)p;
  (void)n;
#endif
}
inline void declassify(const void* p, std::size_t n) noexcept {
#if defined(KAGI_CT_VALGRIND)
  VALGRIND_MAKE_MEM_DEFINED(p, n);
#else
  (void)p;
  (void)n;
#endif
}
template <class T>
  requires std::is_trivially_copyable_v<T>
[[nodiscard]] constexpr T declassify(T v) noexcept {
  if (!std::is_constant_evaluated()) declassify(&v, sizeof v);
  return v;
}

}  // namespace ct

// True when a and b hold the same bytes. The time depends on the lengths only
// (which are public); the verdict is declassified.
[[nodiscard]] constexpr bool ct_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  std::uint32_t acc = 0;
  for (std::size_t i = 0; i < a.size(); ++i) acc |= static_cast<std::uint32_t>(a[i] ^ b[i]);
  return ct::declassify(static_cast<bool>(ct::is_zero(acc) & 1u));
}

// out[i] = mask ? a[i] : b[i]. mask is all ones or zero. Sizes must match
// (they are public); on a mismatch nothing is written and false is returned.
[[nodiscard]] constexpr bool ct_select(std::uint8_t mask, std::span<const std::uint8_t> a,
                                       std::span<const std::uint8_t> b, std::span<std::uint8_t> out) noexcept {
  if (a.size() != out.size() || b.size() != out.size()) return false;
  const std::uint8_t m = ct::value_barrier(mask);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(b[i] ^ (m & (a[i] ^ b[i])));
  return true;
}

// dst = mask ? src : dst, in constant time. Sizes must match (public).
[[nodiscard]] constexpr bool ct_copy(std::uint8_t mask, std::span<std::uint8_t> dst,
                                     std::span<const std::uint8_t> src) noexcept {
  if (dst.size() != src.size()) return false;
  const std::uint8_t m = ct::value_barrier(mask);
  for (std::size_t i = 0; i < dst.size(); ++i)
    dst[i] = static_cast<std::uint8_t>(dst[i] ^ (m & (dst[i] ^ src[i])));
  return true;
}

// Zeroes memory in a way the optimizer cannot drop, even when the object dies
// right after. Works on spans of any trivially copyable element type, at run
// time and at compile time.
template <class T, std::size_t N>
  requires std::is_trivially_copyable_v<T>
constexpr void secure_wipe(std::span<T, N> s) noexcept {
  if (std::is_constant_evaluated()) {
    for (auto& e : s) e = T{};
    return;
  }
  if (s.empty()) return;
  void* p = static_cast<void*>(s.data());
  std::memset(p, 0, s.size_bytes());
#if defined(__GNUC__) || defined(__clang__)
  __asm__ __volatile__("" : : "r"(p) : "memory");
#else
  volatile unsigned char* v = static_cast<volatile unsigned char*>(p);
  for (std::size_t i = 0; i < s.size_bytes(); ++i) v[i] = 0;
#endif
}
template <class C>
  requires requires(C& c) { std::span(c); }
constexpr void secure_wipe(C& c) noexcept {
  secure_wipe(std::span(c));
}

// Zeroes whole objects that held secret-derived values (field elements,
// points, limb arrays): secure_wipe on each, seen as a one-element span.
template <class... T>
  requires(std::is_trivially_copyable_v<T> && ...)
constexpr void secure_wipe_objects(T&... objects) noexcept {
  (secure_wipe(std::span<T, 1>(&objects, 1)), ...);
}

#if KAGI_X86
namespace ct {

// out = entry number `index` of a table of `entries` entries of Bytes bytes,
// or zeros when index >= entries, in SSE2 (baseline x86-64): every entry is
// read, in order, and its mask is a vector compare of its number with index,
// so nothing branches on index or uses it as an address. The entry being
// built stays in Bytes / 16 xmm registers (the loops over them unrolled: as
// a loop over an array g++ -O2 keeps them in memory). The table scans of
// the RSA exponentiation and of the P-256 scalar multiplications.
template <std::size_t Bytes>
inline void select_entry_sse2(void* out, const void* table, std::size_t entries, std::uint32_t index) noexcept {
  static_assert(Bytes % 16 == 0 && Bytes <= 256);
  constexpr std::size_t vecs = Bytes / 16;
  __m128i acc[vecs];
#pragma GCC unroll 16
  for (auto& a : acc) a = _mm_setzero_si128();
  const __m128i want = _mm_set1_epi32(static_cast<int>(index));
  const __m128i one = _mm_set1_epi32(1);
  __m128i number = _mm_setzero_si128();
  const auto* e = static_cast<const __m128i*>(table);
  for (std::size_t j = 0; j < entries; ++j, e += vecs) {
    const __m128i m = _mm_cmpeq_epi32(number, want);
    number = _mm_add_epi32(number, one);
#pragma GCC unroll 16
    for (std::size_t k = 0; k < vecs; ++k) acc[k] = _mm_or_si128(acc[k], _mm_and_si128(m, _mm_loadu_si128(e + k)));
  }
  auto* o = static_cast<__m128i*>(out);
#pragma GCC unroll 16
  for (std::size_t k = 0; k < vecs; ++k) _mm_storeu_si128(o + k, acc[k]);
}

}  // namespace ct
#endif

}  // namespace kagi

#endif  // KAGI_CORE_CT_HPP
