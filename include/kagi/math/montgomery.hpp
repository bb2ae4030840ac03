// kagi/math/montgomery.hpp: arithmetic modulo an odd m in Montgomery form
// (a is held as a R mod m, R = 2^(64 n)), and exponentiation.
//
//   montgomery ctx = *montgomery::create(m, n);   // m odd, n limbs (m may be secret)
//   ctx.to_mont(a_m, a); ctx.pow(r_m, a_m, d, d_bits); ctx.from_mont(r, r_m);
//
// Multiplication (fused operand scanning, with a constant-time final
// subtraction) and squaring (the product, then REDC) are the portable code
// below or a kernel of mont_mul_table; the secret-exponent power is a fixed
// window with masked table scans over them, or a kernel of mont_pow_table
// that runs a whole exponentiation in its own representation. Everything is
// constexpr; in constant evaluation the portable code runs.
//
// Dispatch: two tables (core/dispatch.hpp), because the kernels come at two
// levels. mont_mul_table: "mulx-adx" (x86/montgomery_adx.hpp; moduli of a
// multiple of 4 limbs), then "portable"; a row also has the exponentiation's
// masked table scan. mont_pow_table: "avx512-ifma"
// (x86/montgomery_ifma.hpp; radix 2^52, for the moduli of 1024- to 4096-bit
// RSA), then "portable", which stands for the generic exponentiation here,
// itself running on mont_mul_table. implementation() names the path pow()
// takes for a size: the exponentiation kernel's, else the multiplication's.
#ifndef KAGI_MATH_MONTGOMERY_HPP
#define KAGI_MATH_MONTGOMERY_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/cpu.hpp"
#include "../core/ct.hpp"
#include "../core/dispatch.hpp"
#include "../core/result.hpp"
#include "limbs.hpp"
#include "modinv.hpp"

namespace kagi::detail {
// The constant-time test programs (tests/ct) define this to mark the secret
// members of keys and contexts for valgrind; nothing else uses it.
struct ct_probe;
}  // namespace kagi::detail

namespace kagi::bn {

namespace detail {

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

// Radix 2^52 (the IFMA kernel's representation): the sizes its exponentiations
// take (secret exponents: 3, 4 or 5 zmm registers a number; public exponents:
// also 3072- and 4096-bit moduli in 8 and 10), and their number of 52-bit
// digits: the fewest D with 4m < 2^(52 D). A context of a size it takes keeps
// 2^(104 D) mod m for it.
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

inline void table_lookup_rt(limb* r, const limb* table, std::size_t entries, std::size_t n, limb index) noexcept {
  table_lookup(r, table, entries, n, index);
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
}  // namespace kagi::bn

#include "x86/montgomery_adx.hpp"
#include "x86/montgomery_ifma.hpp"

namespace kagi::bn {

namespace detail {

[[nodiscard]] constexpr bool any_size(std::size_t) noexcept { return true; }

// Montgomery multiplication r = a b / R mod m and squaring r = a^2 / R mod m,
// for the sizes fits() takes.
struct mont_mul_kernel {
  bool (*fits)(std::size_t n) noexcept;
  void (*mul)(limb* r, const limb* a, const limb* b, const limb* m, limb m0inv, std::size_t n) noexcept;
  void (*sqr)(limb* r, const limb* a, const limb* m, limb m0inv, std::size_t n) noexcept;
  // r = table[index] (entries of n limbs), reading every entry (table_lookup).
  void (*lookup)(limb* r, const limb* table, std::size_t entries, std::size_t n, limb index) noexcept;
};

inline constexpr auto mont_mul_table = dispatch::make_table<mont_mul_kernel>("montgomery multiplication", {
#if KAGI_X86
    {"mulx-adx", mont_adx_needs, "math/x86/montgomery_adx.hpp",
     {&mont_adx_fits, &mont_mul_adx, &mont_sqr_adx, &table_lookup_sse2}},
#endif
    {"portable", 0, {}, {&any_size, &mont_mul_portable_rt, &mont_sqr_portable_rt, &table_lookup_rt}},
});
static_assert(mont_mul_table.well_formed());

// Whole exponentiations in a kernel's own representation, plain numbers in
// and out (b, x < m), for the sizes fits() (secret exponents) and
// public_fits() (public exponents) take. rr52 = 2^(104 D) mod m and
// k0 = -m^-1 mod 2^52 (see ifma_digits). The "portable" row has no kernel:
// there montgomery's own fixed-window and square-and-multiply code runs, on
// mont_mul_table.
struct mont_pow_kernel {
  bool (*fits)(std::size_t n) noexcept;
  bool (*public_fits)(std::size_t n) noexcept;
  // r = b^exp mod m, exp of exp_bits bits (secret; exp_bits public).
  void (*pow)(limb* r, const limb* b, const limb* exp, std::size_t exp_bits, const limb* m, const limb* rr52, limb k0,
              std::size_t n) noexcept;
  // Two at once (an RSA key's two CRT halves, moduli of one size).
  void (*pow2)(limb* r1, const limb* b1, const limb* e1, const limb* m1, const limb* rr1, limb k1, limb* r2,
               const limb* b2, const limb* e2, const limb* m2, const limb* rr2, limb k2, std::size_t exp_bits,
               std::size_t n) noexcept;
  // r = x^exp mod m for a public exponent of exp_limbs limbs (its bits steer the loop).
  void (*pow_public)(limb* r, const limb* x, const limb* exp, std::size_t exp_limbs, const limb* m, const limb* rr52,
                     limb k0, std::size_t n) noexcept;
};

inline constexpr auto mont_pow_table = dispatch::make_table<mont_pow_kernel>("montgomery exponentiation", {
#if KAGI_X86
    {"avx512-ifma", ifma_needs, "math/x86/montgomery_ifma.hpp",
     {&ifma_fits, &ifma_public_fits, &pow_ifma, &pow2_ifma, &pow_public_ifma}},
#endif
    {"portable", 0, {}, {&any_size, &any_size, nullptr, nullptr, nullptr}},
});
static_assert(mont_pow_table.well_formed());

// The rows the dispatcher takes now (cpu::features()) for n limbs: the
// multiplication's, and the exponentiation's for a secret or a public exponent.
[[nodiscard]] inline std::size_t mul_row(std::size_t n) noexcept {
  return mont_mul_table.pick(cpu::features(), [n](const mont_mul_kernel& k) { return k.fits(n); });
}
[[nodiscard]] inline std::size_t pow_row(std::size_t n, bool public_exponent) noexcept {
  return mont_pow_table.pick(cpu::features(), [n, public_exponent](const mont_pow_kernel& k) {
    return public_exponent ? k.public_fits(n) : k.fits(n);
  });
}
// The exponentiation kernel for n limbs, or nullptr for montgomery's own code.
[[nodiscard]] inline const mont_pow_kernel* pow_kernel(std::size_t n, bool public_exponent) noexcept {
  const auto& k = mont_pow_table.paths[pow_row(n, public_exponent)].kernel;
  return k.pow != nullptr ? &k : nullptr;
}
// The name of the path an exponentiation of n limbs takes: the kernel's, else
// the multiplication's.
[[nodiscard]] inline const char* pow_path(std::size_t n, bool public_exponent) noexcept {
  const auto& row = mont_pow_table.paths[pow_row(n, public_exponent)];
  return row.kernel.pow != nullptr ? row.name : mont_mul_table.paths[mul_row(n)].name;
}

}  // namespace detail

class montgomery {
 public:
  constexpr montgomery() noexcept = default;
  constexpr montgomery(const montgomery&) noexcept = default;
  constexpr montgomery& operator=(const montgomery&) noexcept = default;
  constexpr ~montgomery() { secure_wipe_objects(m_, rr_, one_, rr52_, m0inv_); }

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
    c.m0inv_ = neg_inverse_limb(m[0]);
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
    // For the radix-2^52 exponentiations: 2^(104 D) mod m = R^2 doubled 104 D - 128 n times.
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
    detail::mont_mul_table.paths[detail::mul_row(n_)].kernel.mul(r, a, b, m_.data(), m0inv_, n_);
  }
  // r = a^2 / R mod m for a < m. r may alias a.
  constexpr void sqr(limb* r, const limb* a) const noexcept {
    if (std::is_constant_evaluated()) {
      detail::mont_sqr_portable<0>(r, a, m_.data(), m0inv_, n_);
      return;
    }
    detail::mont_mul_table.paths[detail::mul_row(n_)].kernel.sqr(r, a, m_.data(), m0inv_, n_);
  }

  // The path pow() and pow2() take now for this size: "avx512-ifma" (16, 24
  // or 32 limbs), else the path of mul() and sqr().
  [[nodiscard]] const char* implementation() const noexcept { return implementation(n_); }
  [[nodiscard]] static const char* implementation(std::size_t n) noexcept { return detail::pow_path(n, false); }
  // The path pow_public_plain() takes now for this size: "avx512-ifma" (16,
  // 24, 32, 48 or 64 limbs), else the path of mul() and sqr().
  [[nodiscard]] const char* public_implementation() const noexcept { return detail::pow_path(n_, true); }
  // The path mul() and sqr() take: "mulx-adx" (multiples of 4 limbs) or "portable".
  [[nodiscard]] static const char* mul_implementation(std::size_t n) noexcept {
    return detail::mont_mul_table.paths[detail::mul_row(n)].name;
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
    if (!std::is_constant_evaluated()) {
      if (const auto* k = detail::pow_kernel(n_, false)) {
        std::array<limb, max_limbs> x;
        from_mont(x.data(), base);
        k->pow(x.data(), x.data(), exp, exp_bits, m_.data(), rr52_.data(), k0(), n_);
        to_mont(r, x.data());
        secure_wipe(std::span(x).first(n_));
        return;
      }
    }
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
      const limb bits = detail::window_bits(exp, exp_limbs, k * w, w);
      if (std::is_constant_evaluated()) detail::table_lookup(t.data(), table.data(), entries, n, bits);
      else
        detail::mont_mul_table.paths[detail::mul_row(n)].kernel.lookup(t.data(), table.data(), entries, n, bits);
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
  // two CRT halves. With an exponentiation kernel for both (moduli of one
  // size) the two run interleaved in one loop; otherwise one after the other.
  static constexpr void pow2(const montgomery& c1, limb* r1, const limb* b1, const limb* e1, const montgomery& c2,
                             limb* r2, const limb* b2, const limb* e2, std::size_t exp_bits) noexcept {
    if (!std::is_constant_evaluated() && c1.n_ == c2.n_) {
      if (const auto* k = detail::pow_kernel(c1.n_, false)) {
        const std::size_t n = c1.n_;
        std::array<limb, max_limbs> x1, x2;
        c1.from_mont(x1.data(), b1);
        c2.from_mont(x2.data(), b2);
        k->pow2(x1.data(), x1.data(), e1, c1.m_.data(), c1.rr52_.data(), c1.k0(), x2.data(), x2.data(), e2,
                c2.m_.data(), c2.rr52_.data(), c2.k0(), exp_bits, n);
        c1.to_mont(r1, x1.data());
        c2.to_mont(r2, x2.data());
        secure_wipe(std::span(x1).first(n));
        secure_wipe(std::span(x2).first(n));
        return;
      }
    }
    c1.pow(r1, b1, e1, exp_bits);
    c2.pow(r2, b2, e2, exp_bits);
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

  // r = x^exp mod m, plain in and out (x < m), for a PUBLIC exponent of
  // exp_limbs <= max_limbs limbs (RSA's public operation): an exponentiation
  // kernel where one takes this size, else pow_public. For an odd exponent
  // that needs no conversion out of Montgomery form: x^(exp-1) R times the
  // plain x is x^exp itself (for 65537: 18 multiplications instead of 19).
  // r may alias x.
  constexpr void pow_public_plain(limb* r, const limb* x, const limb* exp, std::size_t exp_limbs) const noexcept {
    if (!std::is_constant_evaluated()) {
      if (const auto* k = detail::pow_kernel(n_, true)) {
        k->pow_public(r, x, exp, exp_limbs, m_.data(), rr52_.data(), k0(), n_);
        return;
      }
    }
    std::array<limb, max_limbs> t, e_even;
    copy(e_even.data(), exp, exp_limbs);
    const bool odd = exp_limbs != 0 && (exp[0] & 1u) != 0;
    if (odd) e_even[0] &= ~limb{1};
    to_mont(t.data(), x);
    pow_public(t.data(), t.data(), e_even.data(), exp_limbs);
    if (odd) {
      mul(r, t.data(), x);
    } else {
      from_mont(r, t.data());
    }
    secure_wipe(std::span(t).first(n_));
  }

  // r = y^-1 mod m for y < m, in constant time (modinv.hpp). Returns an
  // all-ones mask when y is invertible (gcd(y, m) = 1), zero otherwise (r is
  // then meaningless). r may alias y.
  [[nodiscard]] constexpr limb inverse(limb* r, const limb* y) const noexcept {
    return bn::inverse(r, y, m_.data(), m0inv_, n_);
  }
  // r = gcd(y, m) for y < m, in constant time (the same algorithm).
  constexpr void gcd(limb* r, const limb* y) const noexcept { bn::gcd(r, y, m_.data(), m0inv_, n_); }

 private:
  // -m^-1 mod 2^52, for the radix-2^52 kernels.
  [[nodiscard]] constexpr limb k0() const noexcept { return m0inv_ & ((limb{1} << 52) - 1); }

  friend struct kagi::detail::ct_probe;
  std::array<limb, max_limbs> m_{}, rr_{}, one_{}, rr52_{};
  limb m0inv_ = 0;
  std::size_t n_ = 0;
};

}  // namespace kagi::bn

#endif  // KAGI_MATH_MONTGOMERY_HPP
