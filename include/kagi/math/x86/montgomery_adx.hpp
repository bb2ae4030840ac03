// kagi/math/x86/montgomery_adx.hpp: Montgomery multiplication and squaring with
// BMI2 (mulx) and ADX (adcx/adox), for moduli of a multiple of 4 limbs (the
// "mulx-adx" row of mont_mul_table).
//
// Operand scanning (CIOS): for each limb b[i], one pass adds a * b[i] to the
// accumulator t and a second pass adds u * m (u = t[0] m0inv) while moving t
// down one limb. Each pass runs two independent carry chains, CF (adcx) for
// the low halves of the products and OF (adox) for the high halves, over an
// unrolled loop of 4 limbs whose bookkeeping (lea, jrcxz) leaves both flags
// alone. Nothing depends on the values: the sequence of instructions and
// addresses is fixed by n.
//
// Included by ../montgomery.hpp after the portable code and before the
// dispatch tables; on its own it includes the algorithm first.
#include "../montgomery.hpp"

#ifndef KAGI_MATH_X86_MONTGOMERY_ADX_HPP
#define KAGI_MATH_X86_MONTGOMERY_ADX_HPP

#if KAGI_X86

namespace kagi::bn::detail {

inline constexpr std::uint32_t mont_adx_needs = cpu::bmi2 | cpu::adx;
[[nodiscard]] constexpr bool mont_adx_fits(std::size_t n) noexcept { return n % 4 == 0; }

// One limb of a pass: with w in rdx and the previous high half in PREV,
// t[j] (read at SRC, written at DST) += lo(x[j] w) + PREV, high half to NEXT.
#define KAGI_BN_MULX_STEP(K, SRC, DST, PREV, NEXT)      \
  "mulxq " #K "*8(%[x]), %%r8, %%" NEXT "\n\t"           \
  "adcxq " #SRC "(%[t]), %%r8\n\t"                      \
  "adoxq %%" PREV ", %%r8\n\t"                          \
  "movq %%r8, " #DST "(%[t])\n\t"
// The loop of a pass over n / 4 blocks of 4 limbs (count in rcx), writing
// the limbs read at 0, 8, 16, 24 back at D0..D3; it leaves CF and OF alone.
#define KAGI_BN_MULX_LOOP(D0, D1, D2, D3)        \
  "1:\n\t"                                       \
  KAGI_BN_MULX_STEP(0, 0, D0, "rax", "r9")       \
  KAGI_BN_MULX_STEP(1, 8, D1, "r9", "rax")       \
  KAGI_BN_MULX_STEP(2, 16, D2, "rax", "r9")      \
  KAGI_BN_MULX_STEP(3, 24, D3, "r9", "rax")      \
  "leaq 32(%[x]), %[x]\n\t"                      \
  "leaq 32(%[t]), %[t]\n\t"                      \
  "leaq -1(%%rcx), %%rcx\n\t"                    \
  "jrcxz 2f\n\t"                                 \
  "jmp 1b\n\t"                                   \
  "2:\n\t"

// t[0..n+1] += x[0..n-1] * w (t has n + 2 limbs, t[n+1] takes the last carries).
KAGI_TARGET("bmi2,adx") inline void mulx_add_pass(limb* t, const limb* x, limb w, std::size_t n) noexcept {
  std::size_t blocks = n / 4;
  __asm__ volatile(
      "xorl %%r10d, %%r10d\n\t"
      "xorl %%eax, %%eax\n\t"  // previous high half = 0; CF = OF = 0
      KAGI_BN_MULX_LOOP(0, 8, 16, 24)
      "movq 0(%[t]), %%r8\n\t"  // t[n] += high half + CF + OF
      "adcxq %%rax, %%r8\n\t"
      "adoxq %%r10, %%r8\n\t"
      "movq %%r8, 0(%[t])\n\t"
      "movq 8(%[t]), %%r9\n\t"  // t[n+1] += the carries out of that
      "adcxq %%r10, %%r9\n\t"
      "adoxq %%r10, %%r9\n\t"
      "movq %%r9, 8(%[t])\n\t"
      : [t] "+r"(t), [x] "+r"(x), "+c"(blocks)
      : "d"(w)
      : "rax", "r8", "r9", "r10", "cc", "memory");
}

// t[0..n+1] = (t + x[0..n-1] * w) / 2^64, for w chosen so that the low limb
// of the sum is zero. t points one limb into a buffer (t[-1] is scratch).
KAGI_TARGET("bmi2,adx") inline void mulx_add_shift_pass(limb* t, const limb* x, limb w, std::size_t n) noexcept {
  std::size_t blocks = n / 4;
  __asm__ volatile(
      "xorl %%r10d, %%r10d\n\t"
      "xorl %%eax, %%eax\n\t"
      KAGI_BN_MULX_LOOP(-8, 0, 8, 16)
      "movq 0(%[t]), %%r8\n\t"  // t[n-1] = t[n] + high half + CF + OF
      "adcxq %%rax, %%r8\n\t"
      "adoxq %%r10, %%r8\n\t"
      "movq %%r8, -8(%[t])\n\t"
      "movq 8(%[t]), %%r9\n\t"  // t[n] = t[n+1] + the carries out of that
      "adcxq %%r10, %%r9\n\t"
      "adoxq %%r10, %%r9\n\t"
      "movq %%r9, 0(%[t])\n\t"
      "movq %%r10, 8(%[t])\n\t"  // t[n+1] = 0
      : [t] "+r"(t), [x] "+r"(x), "+c"(blocks)
      : "d"(w)
      : "rax", "r8", "r9", "r10", "cc", "memory");
}

#undef KAGI_BN_MULX_LOOP
#undef KAGI_BN_MULX_STEP

// r = a OP b over n limbs (n a multiple of 4), OP adcq or sbbq, 4 limbs a
// turn; the carry (borrow) out is added to C.
#define KAGI_BN_CHAIN_LIMB(OP, K)   \
  "movq " #K "(%[a]), %%r8\n\t"    \
  OP " " #K "(%[b]), %%r8\n\t"     \
  "movq %%r8, " #K "(%[r])\n\t"
#define KAGI_BN_CHAIN(OP, C)                                                         \
  __asm__ volatile(                                                                  \
      "clc\n\t"                                                                      \
      "1:\n\t"                                                                       \
      KAGI_BN_CHAIN_LIMB(OP, 0) KAGI_BN_CHAIN_LIMB(OP, 8)                            \
      KAGI_BN_CHAIN_LIMB(OP, 16) KAGI_BN_CHAIN_LIMB(OP, 24)                          \
      "leaq 32(%[a]), %[a]\n\t"                                                      \
      "leaq 32(%[b]), %[b]\n\t"                                                      \
      "leaq 32(%[r]), %[r]\n\t"                                                      \
      "leaq -1(%%rcx), %%rcx\n\t"                                                    \
      "jrcxz 2f\n\t"                                                                 \
      "jmp 1b\n\t"                                                                   \
      "2:\n\t"                                                                       \
      "adcq $0, %[c]\n\t"                                                            \
      : [r] "+r"(r), [a] "+r"(a), [b] "+r"(b), "+c"(blocks), [c] "+r"(C)           \
      :                                                                              \
      : "r8", "cc", "memory")

// r = a + b (n a multiple of 4); returns the carry.
KAGI_TARGET("bmi2,adx") inline limb add_n_asm(limb* r, const limb* a, const limb* b, std::size_t n) noexcept {
  std::size_t blocks = n / 4;
  limb carry = 0;
  KAGI_BN_CHAIN("adcq", carry);
  return carry;
}

// r = a - b (n a multiple of 4); returns the borrow.
KAGI_TARGET("bmi2,adx") inline limb sub_n_asm(limb* r, const limb* a, const limb* b, std::size_t n) noexcept {
  std::size_t blocks = n / 4;
  limb borrow = 0;
  KAGI_BN_CHAIN("sbbq", borrow);
  return borrow;
}

#undef KAGI_BN_CHAIN
#undef KAGI_BN_CHAIN_LIMB

// r = t - m when t (n + 1 limbs, t < 2m) is at least m, else t.
KAGI_TARGET("bmi2,adx") inline void final_sub_asm(limb* r, const limb* t, const limb* m, std::size_t n) noexcept {
  limb s[max_limbs];  // (only the first n limbs are used)
  limb borrow = sub_n_asm(s, t, m, n);
  borrow = (t[n] - borrow) >> 63;  // t[n] is 0 or 1: the borrow out of the whole number
  select(ct::mask_from_bit(borrow), r, t, s, n);
}

KAGI_TARGET("bmi2,adx") inline void mont_mul_adx(limb* r, const limb* a, const limb* b, const limb* m, limb m0inv,
                                                 std::size_t n) noexcept {
  limb buf[max_limbs + 3];  // t[-1 .. n+1]: only those limbs are used
  limb* t = buf + 1;
  set_zero(buf, n + 3);
  for (std::size_t i = 0; i < n; ++i) {
    mulx_add_pass(t, a, b[i], n);
    mulx_add_shift_pass(t, m, t[0] * m0inv, n);
  }
  final_sub_asm(r, t, m, n);
}

// t[0..2n) = 2 t + the diagonal squares a[i]^2 at 2^(128 i): CF carries the
// doubling, OF the squares, both across the whole loop.
KAGI_TARGET("bmi2,adx") inline void double_add_diagonal(limb* t, const limb* a, std::size_t n) noexcept {
  std::size_t count = n;
  __asm__ volatile(
      "xorl %%r8d, %%r8d\n\t"  // CF = OF = 0
      "1:\n\t"
      "movq 0(%[a]), %%rdx\n\t"
      "mulxq %%rdx, %%r8, %%r9\n\t"
      "movq 0(%[t]), %%r10\n\t"
      "movq 8(%[t]), %%r11\n\t"
      "adcxq %%r10, %%r10\n\t"
      "adcxq %%r11, %%r11\n\t"
      "adoxq %%r8, %%r10\n\t"
      "adoxq %%r9, %%r11\n\t"
      "movq %%r10, 0(%[t])\n\t"
      "movq %%r11, 8(%[t])\n\t"
      "leaq 8(%[a]), %[a]\n\t"
      "leaq 16(%[t]), %[t]\n\t"
      "leaq -1(%%rcx), %%rcx\n\t"
      "jrcxz 2f\n\t"
      "jmp 1b\n\t"
      "2:\n\t"
      : [t] "+r"(t), [a] "+r"(a), "+c"(count)
      :
      : "rdx", "r8", "r9", "r10", "r11", "cc", "memory");
}

// r = a^2 / R mod m. Cross products a[i] a[j] (i < j), row by row with
// mulx_add_pass: row i runs over a copy z of a whose limbs 0..i are zeroed,
// from the start of the 4-limb block after i's (so every pass has a multiple
// of 4 limbs; the few extra products are zero). Rows in order of i never
// overflow a limb they do not carry out of (row i's last carry goes to
// t[i+n+1], untouched until then). Then doubling and the diagonal in one
// pass. Reduction: with a^2 = H R + L, a^2 / R = H + L / R (mod m), and L / R
// comes from n reduction passes on L alone (L < R gives at most m; H < m).
KAGI_TARGET("bmi2,adx") inline void mont_sqr_adx(limb* r, const limb* a, const limb* m, limb m0inv,
                                                 std::size_t n) noexcept {
  // Buffers are sized for the largest n; only the first 2n (+2) limbs are used.
  limb t[2 * max_limbs + 2], z[max_limbs];
  set_zero(t, 2 * n + 2);
  copy(z, a, n);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    z[i] = 0;
    const std::size_t s = (i + 1) & ~std::size_t{3};
    mulx_add_pass(t + i + s, z + s, a[i], n - s);
  }
  double_add_diagonal(t, a, n);
  limb buf[max_limbs + 3];
  limb* u = buf + 1;
  copy(u, t, n);
  u[n] = 0;
  u[n + 1] = 0;
  for (std::size_t i = 0; i < n; ++i) mulx_add_shift_pass(u, m, u[0] * m0inv, n);
  // H + u < 2m (n + 1 limbs); subtract m unless that borrows.
  u[n] += add_n_asm(u, u, t + n, n);
  final_sub_asm(r, u, m, n);
}

}  // namespace kagi::bn::detail

#endif  // KAGI_X86

#endif  // KAGI_MATH_X86_MONTGOMERY_ADX_HPP
