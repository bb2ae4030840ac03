// kagi/math/primes.hpp: random probable primes (FIPS 186-5 appendix B.3),
// for RSA key generation.
//
//   random_bits(x, bits, rng)          uniform bits-bit numbers
//   passes_trial_division(x, n)        no odd prime below 2000 divides x
//   miller_rabin(w, bits, rounds, rng) FIPS 186-5 B.3.1
//   random_prime(p, bits, e, rng)      a probable prime with the top two bits
//                                      set and e not dividing p - 1
//
// The candidates are secret (they become an RSA key): every test on them is
// constant time and reveals only its verdict (ct::declassify), and the trial
// division uses Barrett reduction by public constants instead of a division
// instruction.
#ifndef KAGI_MATH_PRIMES_HPP
#define KAGI_MATH_PRIMES_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "limbs.hpp"
#include "montgomery.hpp"

namespace kagi::bn {

namespace detail {

// Odd primes below 2000, grouped into products below 2^32 for trial division.
struct prime_group {
  std::uint32_t product = 1;
  std::uint64_t product_mu = 0;  // floor((2^64 - 1) / product)
  std::array<std::uint16_t, 9> primes{};
  std::array<std::uint64_t, 9> mu{};  // floor((2^64 - 1) / prime)
  std::size_t count = 0;
};
inline constexpr std::size_t small_prime_limit = 2000;

consteval auto make_prime_groups() {
  std::array<bool, small_prime_limit> composite{};
  std::array<prime_group, 120> groups{};
  std::size_t g = 0;
  for (std::size_t i = 3; i < small_prime_limit; i += 2) {
    if (composite[i]) continue;
    for (std::size_t j = i * i; j < small_prime_limit; j += 2 * i) composite[j] = true;
    if (std::uint64_t{groups[g].product} * i >= (std::uint64_t{1} << 32) || groups[g].count == 9) ++g;
    auto& grp = groups[g];
    grp.primes[grp.count] = static_cast<std::uint16_t>(i);
    grp.mu[grp.count] = ~std::uint64_t{0} / i;
    ++grp.count;
    grp.product = static_cast<std::uint32_t>(grp.product * i);
  }
  for (auto& grp : groups)
    if (grp.count != 0) grp.product_mu = ~std::uint64_t{0} / grp.product;
  return groups;
}
inline constexpr auto prime_groups = make_prime_groups();

}  // namespace detail

// v mod d for d < 2^32 with mu = floor((2^64 - 1) / d), without division (Barrett).
[[nodiscard]] constexpr std::uint64_t mod_barrett(std::uint64_t v, std::uint64_t d, std::uint64_t mu) noexcept {
  const std::uint64_t q = mul_wide(v, mu).hi;
  std::uint64_t r = v - q * d;
  r -= d & ct::ge(r, d);
  r -= d & ct::ge(r, d);
  return r;
}
// x mod d (x of n limbs) for a public d < 2^32, in constant time.
[[nodiscard]] constexpr std::uint64_t mod_small(const limb* x, std::size_t n, std::uint64_t d, std::uint64_t mu) noexcept {
  std::uint64_t r = 0;
  for (std::size_t i = n; i-- > 0;) {
    r = mod_barrett((r << 32) | (x[i] >> 32), d, mu);
    r = mod_barrett((r << 32) | (x[i] & 0xffffffffu), d, mu);
  }
  return r;
}

// True when no odd prime below 2000 divides x (x > 2000). Only the verdict is revealed.
[[nodiscard]] constexpr bool passes_trial_division(const limb* x, std::size_t n) noexcept {
  std::uint64_t bad = 0;
  for (const auto& grp : detail::prime_groups) {
    if (grp.count == 0) break;
    const std::uint64_t r = mod_small(x, n, grp.product, grp.product_mu);
    for (std::size_t i = 0; i < grp.count; ++i) bad |= ct::is_zero(mod_barrett(r, grp.primes[i], grp.mu[i]));
  }
  return !ct::declassify(bad != 0);
}

// Miller-Rabin rounds for a prime of `bits` bits: FIPS 186-5 table B.1
// (2^-112 for 1024-bit primes, 2^-128 for 1536, 2^-144 for 2048); more
// below 1024 bits (legacy and test keys).
[[nodiscard]] constexpr int miller_rabin_rounds(std::size_t bits) noexcept {
  return bits >= 1536 ? 4 : bits >= 1024 ? 5 : bits >= 512 ? 7 : 10;
}

// Random bits into x (n limbs), keeping `bits` bits.
template <class R>
constexpr void random_bits(limb* x, std::size_t bits, R& rng) noexcept {
  const std::size_t n = limbs_for_bits(bits);
  std::array<std::uint8_t, 8 * (max_limbs + 2)> buf{};
  rng.fill(std::span(buf).first(8 * n));
  for (std::size_t i = 0; i < n; ++i) x[i] = load_le64(buf.data() + 8 * i);
  if (bits % 64 != 0) x[n - 1] &= (limb{1} << (bits % 64)) - 1;
  secure_wipe(buf);
}

// FIPS 186-5 B.3.1 (Miller-Rabin) on the odd w of `bits` bits (n limbs). The
// number of trailing zeros of w - 1 is treated as public (it is about two bits
// of information, the same choice BoringSSL makes); everything else about w
// is handled in constant time and only the verdict is revealed.
template <class R>
[[nodiscard]] constexpr bool miller_rabin(const limb* w, std::size_t bits, int rounds, R& rng) noexcept {
  const std::size_t n = limbs_for_bits(bits);
  auto ctx = montgomery::create(w, n);
  if (!ctx) return false;
  std::array<limb, max_limbs> wm1{}, m{}, b{}, z{}, minus_one{}, zero{}, two{};
  (void)sub_limb(wm1.data(), w, 1, n);
  const auto a = static_cast<std::size_t>(ct::declassify(trailing_zeros(wm1.data(), n)));
  // m = (w - 1) >> a (a public now)
  std::array<limb, max_limbs + 1> t{};
  copy(t.data(), wm1.data(), n);
  const std::size_t ls = a / limb_bits;
  for (std::size_t i = 0; i < n; ++i) t[i] = i + ls < n ? t[i + ls] : 0;
  shift_right(m.data(), t.data(), static_cast<unsigned>(a % limb_bits), n);
  ctx->mod_sub(minus_one.data(), zero.data(), ctx->one());
  two[0] = 2;
  for (int round = 0; round < rounds; ++round) {
    // b uniform in [2, w - 2]: random bits(w)-bit numbers until one is in range.
    for (;;) {
      random_bits(b.data(), bits, rng);
      const limb in_range = ~less(b.data(), two.data(), n) & less(b.data(), wm1.data(), n);
      if (ct::declassify(in_range != 0)) break;
    }
    ctx->to_mont(z.data(), b.data());
    ctx->pow(z.data(), z.data(), m.data(), bits);
    limb pass = equal(z.data(), ctx->one(), n) | equal(z.data(), minus_one.data(), n);
    for (std::size_t j = 1; j < a; ++j) {
      ctx->sqr(z.data(), z.data());
      pass |= equal(z.data(), minus_one.data(), n);
    }
    if (!ct::declassify(pass != 0)) return false;
  }
  secure_wipe(z);
  secure_wipe(b);
  return true;
}

// A random probable prime p of exactly `bits` bits with the top two bits set
// (so that p q has 2 bits bits) and gcd(p - 1, e) = 1 for a public prime
// e < 2^32 (an RSA public exponent such as 65537).
template <class R>
constexpr void random_prime(limb* p, std::size_t bits, std::uint64_t e, R& rng) noexcept {
  const std::size_t n = limbs_for_bits(bits);
  const std::uint64_t e_mu = ~std::uint64_t{0} / e;
  for (;;) {
    random_bits(p, bits, rng);
    p[(bits - 1) / 64] |= limb{1} << ((bits - 1) % 64);
    p[(bits - 2) / 64] |= limb{1} << ((bits - 2) % 64);
    p[0] |= 1;
    if (!passes_trial_division(p, n)) continue;
    if (ct::declassify(mod_small(p, n, e, e_mu) == 1)) continue;
    if (miller_rabin(p, bits, miller_rabin_rounds(bits), rng)) return;
  }
}

}  // namespace kagi::bn

#endif  // KAGI_MATH_PRIMES_HPP
