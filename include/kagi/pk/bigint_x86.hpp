// kagi/pk/bigint_x86.hpp: Montgomery multiplication and squaring with BMI2
// (mulx) and ADX (adcx/adox), for moduli of a multiple of 4 limbs.
//
// Operand scanning (CIOS): for each limb b[i], one pass adds a * b[i] to the
// accumulator t and a second pass adds u * m (u = t[0] m0inv) while moving t
// down one limb. Each pass runs two independent carry chains, CF (adcx) for
// the low halves of the products and OF (adox) for the high halves, over an
// unrolled loop of 4 limbs whose bookkeeping (lea, jrcxz) leaves both flags
// alone. Nothing depends on the values: the sequence of instructions and
// addresses is fixed by n.
#ifndef KAGI_PK_BIGINT_X86_HPP
#define KAGI_PK_BIGINT_X86_HPP

#include "bigint.hpp"

#if KAGI_X86

namespace kagi::bn::detail {

// One limb of a pass: with w in rdx and the previous high half in PREV,
// t[j] (read at SRC, written at DST) += lo(x[j] w) + PREV, high half to NEXT.
#define KAGI_BN_MULX_STEP(K, SRC, DST, PREV, NEXT)      \
  "mulxq " #K "*8(%[x]), %%r8, %%" NEXT "\n\t"           \
  "adcxq " #SRC "(%[t]), %%r8\n\t"                      \
  "adoxq %%" PREV ", %%r8\n\t"                          \
  "movq %%r8, " #DST "(%[t])\n\t"

// t[0..n+1] += x[0..n-1] * w (t has n + 2 limbs, t[n+1] takes the last carries).
KAGI_TARGET("bmi2,adx") inline void mulx_add_pass(limb* t, const limb* x, limb w, std::size_t n) noexcept {
  std::size_t blocks = n / 4;
  __asm__ volatile(
      "xorl %%r10d, %%r10d\n\t"
      "xorl %%eax, %%eax\n\t"  // previous high half = 0; CF = OF = 0
      "1:\n\t"
      KAGI_BN_MULX_STEP(0, 0, 0, "rax", "r9")
      KAGI_BN_MULX_STEP(1, 8, 8, "r9", "rax")
      KAGI_BN_MULX_STEP(2, 16, 16, "rax", "r9")
      KAGI_BN_MULX_STEP(3, 24, 24, "r9", "rax")
      "leaq 32(%[x]), %[x]\n\t"
      "leaq 32(%[t]), %[t]\n\t"
      "leaq -1(%%rcx), %%rcx\n\t"
      "jrcxz 2f\n\t"
      "jmp 1b\n\t"
      "2:\n\t"
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
      "1:\n\t"
      KAGI_BN_MULX_STEP(0, 0, -8, "rax", "r9")
      KAGI_BN_MULX_STEP(1, 8, 0, "r9", "rax")
      KAGI_BN_MULX_STEP(2, 16, 8, "rax", "r9")
      KAGI_BN_MULX_STEP(3, 24, 16, "r9", "rax")
      "leaq 32(%[x]), %[x]\n\t"
      "leaq 32(%[t]), %[t]\n\t"
      "leaq -1(%%rcx), %%rcx\n\t"
      "jrcxz 2f\n\t"
      "jmp 1b\n\t"
      "2:\n\t"
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

#undef KAGI_BN_MULX_STEP

// r = a + b (n a multiple of 4); returns the carry. adc chain, 4 limbs a turn.
KAGI_TARGET("bmi2,adx") inline limb add_n_asm(limb* r, const limb* a, const limb* b, std::size_t n) noexcept {
  std::size_t blocks = n / 4;
  limb carry = 0;
  __asm__ volatile(
      "clc\n\t"
      "1:\n\t"
      "movq 0(%[a]), %%r8\n\t"
      "adcq 0(%[b]), %%r8\n\t"
      "movq %%r8, 0(%[r])\n\t"
      "movq 8(%[a]), %%r8\n\t"
      "adcq 8(%[b]), %%r8\n\t"
      "movq %%r8, 8(%[r])\n\t"
      "movq 16(%[a]), %%r8\n\t"
      "adcq 16(%[b]), %%r8\n\t"
      "movq %%r8, 16(%[r])\n\t"
      "movq 24(%[a]), %%r8\n\t"
      "adcq 24(%[b]), %%r8\n\t"
      "movq %%r8, 24(%[r])\n\t"
      "leaq 32(%[a]), %[a]\n\t"
      "leaq 32(%[b]), %[b]\n\t"
      "leaq 32(%[r]), %[r]\n\t"
      "leaq -1(%%rcx), %%rcx\n\t"
      "jrcxz 2f\n\t"
      "jmp 1b\n\t"
      "2:\n\t"
      "adcq $0, %[c]\n\t"
      : [r] "+r"(r), [a] "+r"(a), [b] "+r"(b), "+c"(blocks), [c] "+r"(carry)
      :
      : "r8", "cc", "memory");
  return carry;
}

// r = a - b (n a multiple of 4); returns the borrow.
KAGI_TARGET("bmi2,adx") inline limb sub_n_asm(limb* r, const limb* a, const limb* b, std::size_t n) noexcept {
  std::size_t blocks = n / 4;
  limb borrow = 0;
  __asm__ volatile(
      "clc\n\t"
      "1:\n\t"
      "movq 0(%[a]), %%r8\n\t"
      "sbbq 0(%[b]), %%r8\n\t"
      "movq %%r8, 0(%[r])\n\t"
      "movq 8(%[a]), %%r8\n\t"
      "sbbq 8(%[b]), %%r8\n\t"
      "movq %%r8, 8(%[r])\n\t"
      "movq 16(%[a]), %%r8\n\t"
      "sbbq 16(%[b]), %%r8\n\t"
      "movq %%r8, 16(%[r])\n\t"
      "movq 24(%[a]), %%r8\n\t"
      "sbbq 24(%[b]), %%r8\n\t"
      "movq %%r8, 24(%[r])\n\t"
      "leaq 32(%[a]), %[a]\n\t"
      "leaq 32(%[b]), %[b]\n\t"
      "leaq 32(%[r]), %[r]\n\t"
      "leaq -1(%%rcx), %%rcx\n\t"
      "jrcxz 2f\n\t"
      "jmp 1b\n\t"
      "2:\n\t"
      "adcq $0, %[c]\n\t"
      : [r] "+r"(r), [a] "+r"(a), [b] "+r"(b), "+c"(blocks), [c] "+r"(borrow)
      :
      : "r8", "cc", "memory");
  return borrow;
}

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

// r = a^2 / R mod m. The square's cross products a[i] a[j] (i < j) are added
// row by row with mulx_add_pass for the parts that span whole 4-limb blocks
// (so every pass has a length that is a multiple of 4), the products inside a
// block in plain code; then doubling and the diagonal. Reduction: with
// a^2 = H R + L, a^2 / R = H + L / R (mod m), and L / R comes from n
// reduction passes on L alone (L < R gives a result <= m; H < m).
// That is 1.5 n^2 limb products instead of 2 n^2.
KAGI_TARGET("bmi2,adx") inline void mont_sqr_adx(limb* r, const limb* a, const limb* m, limb m0inv,
                                                 std::size_t n) noexcept {
  // Buffers are sized for the largest n; only the first 2n (+2) limbs are used.
  limb t[2 * max_limbs + 2];
  set_zero(t, 2 * n + 2);
  const std::size_t k = n / 4;
  for (std::size_t p = 0; p + 1 < k; ++p) {
    const std::size_t s = 4 * (p + 1);
    for (std::size_t i = 4 * p; i < 4 * p + 4; ++i) mulx_add_pass(t + i + s, a + s, a[i], n - s);
  }
  // Products inside each block: positions 8p+1 .. 8p+7, disjoint between blocks.
  limb d[2 * max_limbs];
  for (std::size_t p = 0; p < k; ++p) {
    const limb* x = a + 4 * p;
    limb* y = d + 8 * p;
    y[0] = 0;
    y[7] = 0;
    limb c = 0;
    y[1] = mac(x[0], x[1], 0, c);
    y[2] = mac(x[0], x[2], 0, c);
    y[3] = mac(x[0], x[3], 0, c);
    y[4] = c;
    c = 0;
    y[3] = mac(x[1], x[2], y[3], c);
    y[4] = mac(x[1], x[3], y[4], c);
    y[5] = c;
    c = 0;
    y[5] = mac(x[2], x[3], y[5], c);
    y[6] = c;
  }
  (void)add_n_asm(t, t, d, 2 * n);
  limb top = 0;
  for (std::size_t j = 0; j < 2 * n; ++j) {  // double
    const limb v = t[j];
    t[j] = (v << 1) | top;
    top = v >> 63;
  }
  limb c = 0;
  for (std::size_t i = 0; i < n; ++i) {  // the diagonal
    const limb_pair sq = mul_wide(a[i], a[i]);
    t[2 * i] = addc(t[2 * i], sq.lo, c);
    t[2 * i + 1] = addc(t[2 * i + 1], sq.hi, c);
  }
  // L / R mod m (up to m) in u, by n reduction passes.
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

#endif  // KAGI_PK_BIGINT_X86_HPP
