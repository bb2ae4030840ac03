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
// For 16 and 32 limbs (RSA-2048's CRT halves and its whole modulus, which
// the public operation works on) mont_mul_adx and mont_sqr_adx take unrolled
// versions: the passes spelt out limb by limb, the limb the next u comes from
// kept in a register, and squaring with its cross products done once and
// REDC in place. The row also has the exponentiation's
// table scan (table_lookup_sse2: SSE2, which every x86-64 CPU has).
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

// ---- 16 limbs (the CRT halves of RSA-2048): the same arithmetic, unrolled.
// mont_mul_adx and mont_sqr_adx take these for n = 16 (and the 32-limb
// versions below, from the same macros, for n = 32); the rows of a pass
// are spelt out limb by limb (the offsets are the limb indexes times 8), so
// the only loop is over the 16 rows, and the top limbs of the accumulator
// stay in registers. Same ideas, same fixed sequence of instructions and
// addresses.

// One limb of a pass: t[J] (read at J, written at D) += lo(x[J] rdx) + PREV
// (the previous high half), high half to NEXT; CF and OF carry the two sums.
#define KAGI_MX(X, J, D, PREV, NEXT)                   \
  "mulxq 8*" #J "(%[" #X "]), %%r8, %%" #NEXT "\n\t"    \
  "adcxq 8*" #J "(%[t]), %%r8\n\t"                      \
  "adoxq %%" #PREV ", %%r8\n\t"                         \
  "movq %%r8, 8*" #D "(%[t])\n\t"

// r = a b / R mod m for n = 16 (CIOS as mont_mul_adx). Registers: t[16] in
// r11, t[17] in r13, the new t[0] of a row's product pass in r12 (u = r12
// m0inv for its reduction pass), r10 = 0, high halves alternating in r9/r14.
KAGI_TARGET("bmi2,adx") inline void mont_mul_adx16(limb* r, const limb* a, const limb* b, const limb* m,
                                                   limb m0inv) noexcept {
  limb t[17];
  set_zero(t, 16);
  limb* tp = t;
  __asm__ volatile(
      "movl $16, %%ecx\n\t"
      "xorl %%r11d, %%r11d\n\t"
      "xorl %%r12d, %%r12d\n\t"
      "1:\n\t"
      // t += a b[i]; t[0] also in r12 (before and after)
      "movq (%[b]), %%rdx\n\t"
      "leaq 8(%[b]), %[b]\n\t"
      "xorl %%r10d, %%r10d\n\t"
      "mulxq (%[a]), %%r8, %%r9\n\t"
      "adcxq %%r12, %%r8\n\t"
      "movq %%r8, (%[t])\n\t"
      "movq %%r8, %%r12\n\t"
      KAGI_MX(a, 1, 1, r9, r14) KAGI_MX(a, 2, 2, r14, r9) KAGI_MX(a, 3, 3, r9, r14) KAGI_MX(a, 4, 4, r14, r9)
      KAGI_MX(a, 5, 5, r9, r14) KAGI_MX(a, 6, 6, r14, r9) KAGI_MX(a, 7, 7, r9, r14) KAGI_MX(a, 8, 8, r14, r9)
      KAGI_MX(a, 9, 9, r9, r14) KAGI_MX(a, 10, 10, r14, r9)
      KAGI_MX(a, 11, 11, r9, r14) KAGI_MX(a, 12, 12, r14, r9)
      KAGI_MX(a, 13, 13, r9, r14) KAGI_MX(a, 14, 14, r14, r9) KAGI_MX(a, 15, 15, r9, r14)
      "adcxq %%r14, %%r11\n\t"  // t[16] += high half + CF + OF
      "adoxq %%r10, %%r11\n\t"
      "movl $0, %%r13d\n\t"      // t[17] = the carries out of that
      "adcxq %%r10, %%r13\n\t"
      "adoxq %%r10, %%r13\n\t"
      // t = (t + u m) / 2^64, u = t[0] m0inv
      "movq %%r12, %%rdx\n\t"
      "imulq %[k], %%rdx\n\t"
      "xorl %%r10d, %%r10d\n\t"
      "mulxq (%[m]), %%r8, %%r9\n\t"
      "adcxq %%r12, %%r8\n\t"   // zero, by the choice of u
      KAGI_MX(m, 1, 0, r9, r14)
      "movq %%r8, %%r12\n\t"  // the next u comes from this limb
      KAGI_MX(m, 2, 1, r14, r9) KAGI_MX(m, 3, 2, r9, r14) KAGI_MX(m, 4, 3, r14, r9)
      KAGI_MX(m, 5, 4, r9, r14) KAGI_MX(m, 6, 5, r14, r9) KAGI_MX(m, 7, 6, r9, r14) KAGI_MX(m, 8, 7, r14, r9)
      KAGI_MX(m, 9, 8, r9, r14) KAGI_MX(m, 10, 9, r14, r9)
      KAGI_MX(m, 11, 10, r9, r14) KAGI_MX(m, 12, 11, r14, r9)
      KAGI_MX(m, 13, 12, r9, r14) KAGI_MX(m, 14, 13, r14, r9) KAGI_MX(m, 15, 14, r9, r14)
      "adcxq %%r14, %%r11\n\t"  // t[15] = t[16] + high half + CF + OF
      "adoxq %%r10, %%r11\n\t"
      "movq %%r11, 8*15(%[t])\n\t"
      "movq %%r13, %%r11\n\t"   // t[16] = t[17] + the carries out of that
      "adcxq %%r10, %%r11\n\t"
      "adoxq %%r10, %%r11\n\t"
      "decl %%ecx\n\t"
      "jnz 1b\n\t"
      "movq %%r11, 8*16(%[t])\n\t"
      : [b] "+r"(b), [t] "+r"(tp)
      : [a] "r"(a), [m] "r"(m), [k] "m"(m0inv)
      : "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "cc", "memory");
  final_sub_asm(r, t, m, 16);
}

// Squaring's cross products: row I adds a[I] a[J] (J > I) at t[I + J], its
// last high half (plus the carries) into t[I + N] (N limbs), which no row has
// touched yet.
#define KAGI_SQ_ROW(I)                \
  "movq 8*" #I "(%[a]), %%rdx\n\t"     \
  "xorl %%r10d, %%r10d\n\t"
#define KAGI_SQ_FIRST(I, J, NEXT)                    \
  "mulxq 8*" #J "(%[a]), %%r8, %%" #NEXT "\n\t"       \
  "adcxq 8*" #I "+8*" #J "(%[t]), %%r8\n\t"           \
  "movq %%r8, 8*" #I "+8*" #J "(%[t])\n\t"
#define KAGI_SQ(I, J, PREV, NEXT)                    \
  "mulxq 8*" #J "(%[a]), %%r8, %%" #NEXT "\n\t"       \
  "adcxq 8*" #I "+8*" #J "(%[t]), %%r8\n\t"           \
  "adoxq %%" #PREV ", %%r8\n\t"                       \
  "movq %%r8, 8*" #I "+8*" #J "(%[t])\n\t"
#define KAGI_SQ_TAIL(I, N, HI)          \
  "adcxq %%r10, %%" #HI "\n\t"         \
  "adoxq %%r10, %%" #HI "\n\t"         \
  "movq %%" #HI ", 8*" #I "+8*" #N "(%[t])\n\t"
// Doubling (CF) and the square a[I]^2 added at t[2I] (OF).
#define KAGI_SQ_DIAG(I)                   \
  "movq 8*" #I "(%[a]), %%rdx\n\t"         \
  "mulxq %%rdx, %%r8, %%r9\n\t"            \
  "movq 16*" #I "(%[t]), %%r11\n\t"        \
  "movq 16*" #I "+8(%[t]), %%r12\n\t"      \
  "adcxq %%r11, %%r11\n\t"                 \
  "adcxq %%r12, %%r12\n\t"                 \
  "adoxq %%r8, %%r11\n\t"                  \
  "adoxq %%r9, %%r12\n\t"                  \
  "movq %%r11, 16*" #I "(%[t])\n\t"        \
  "movq %%r12, 16*" #I "+8(%[t])\n\t"

// r = a^2 / R mod m for n = 16: the square in t[0..31] (cross products,
// doubling, diagonal), then REDC in place: 16 passes, pass i adding u m at
// t[i] (u = t[i] m0inv) with its top limb and the previous pass's carry
// (r13) into t[i + 16]. The result t[16..31] + 2^1024 r13 = (a^2 + U m) / R
// is below 2m.
KAGI_TARGET("bmi2,adx") inline void mont_sqr_adx16(limb* r, const limb* a, const limb* m, limb m0inv) noexcept {
  limb t[33];
  set_zero(t, 32);
  limb* tp = t;
  __asm__ volatile(
      KAGI_SQ_ROW(0) KAGI_SQ_FIRST(0, 1, r9) KAGI_SQ(0, 2, r9, r14) KAGI_SQ(0, 3, r14, r9)
      KAGI_SQ(0, 4, r9, r14) KAGI_SQ(0, 5, r14, r9) KAGI_SQ(0, 6, r9, r14) KAGI_SQ(0, 7, r14, r9)
      KAGI_SQ(0, 8, r9, r14) KAGI_SQ(0, 9, r14, r9) KAGI_SQ(0, 10, r9, r14) KAGI_SQ(0, 11, r14, r9)
      KAGI_SQ(0, 12, r9, r14) KAGI_SQ(0, 13, r14, r9) KAGI_SQ(0, 14, r9, r14) KAGI_SQ(0, 15, r14, r9)
      KAGI_SQ_TAIL(0, 16, r9)
      KAGI_SQ_ROW(1) KAGI_SQ_FIRST(1, 2, r9) KAGI_SQ(1, 3, r9, r14) KAGI_SQ(1, 4, r14, r9)
      KAGI_SQ(1, 5, r9, r14) KAGI_SQ(1, 6, r14, r9) KAGI_SQ(1, 7, r9, r14) KAGI_SQ(1, 8, r14, r9)
      KAGI_SQ(1, 9, r9, r14) KAGI_SQ(1, 10, r14, r9) KAGI_SQ(1, 11, r9, r14) KAGI_SQ(1, 12, r14, r9)
      KAGI_SQ(1, 13, r9, r14) KAGI_SQ(1, 14, r14, r9) KAGI_SQ(1, 15, r9, r14) KAGI_SQ_TAIL(1, 16, r14)
      KAGI_SQ_ROW(2) KAGI_SQ_FIRST(2, 3, r9) KAGI_SQ(2, 4, r9, r14) KAGI_SQ(2, 5, r14, r9)
      KAGI_SQ(2, 6, r9, r14) KAGI_SQ(2, 7, r14, r9) KAGI_SQ(2, 8, r9, r14) KAGI_SQ(2, 9, r14, r9)
      KAGI_SQ(2, 10, r9, r14) KAGI_SQ(2, 11, r14, r9) KAGI_SQ(2, 12, r9, r14) KAGI_SQ(2, 13, r14, r9)
      KAGI_SQ(2, 14, r9, r14) KAGI_SQ(2, 15, r14, r9) KAGI_SQ_TAIL(2, 16, r9)
      KAGI_SQ_ROW(3) KAGI_SQ_FIRST(3, 4, r9) KAGI_SQ(3, 5, r9, r14) KAGI_SQ(3, 6, r14, r9)
      KAGI_SQ(3, 7, r9, r14) KAGI_SQ(3, 8, r14, r9) KAGI_SQ(3, 9, r9, r14) KAGI_SQ(3, 10, r14, r9)
      KAGI_SQ(3, 11, r9, r14) KAGI_SQ(3, 12, r14, r9) KAGI_SQ(3, 13, r9, r14) KAGI_SQ(3, 14, r14, r9)
      KAGI_SQ(3, 15, r9, r14) KAGI_SQ_TAIL(3, 16, r14)
      KAGI_SQ_ROW(4) KAGI_SQ_FIRST(4, 5, r9) KAGI_SQ(4, 6, r9, r14) KAGI_SQ(4, 7, r14, r9)
      KAGI_SQ(4, 8, r9, r14) KAGI_SQ(4, 9, r14, r9) KAGI_SQ(4, 10, r9, r14) KAGI_SQ(4, 11, r14, r9)
      KAGI_SQ(4, 12, r9, r14) KAGI_SQ(4, 13, r14, r9) KAGI_SQ(4, 14, r9, r14) KAGI_SQ(4, 15, r14, r9)
      KAGI_SQ_TAIL(4, 16, r9)
      KAGI_SQ_ROW(5) KAGI_SQ_FIRST(5, 6, r9) KAGI_SQ(5, 7, r9, r14) KAGI_SQ(5, 8, r14, r9)
      KAGI_SQ(5, 9, r9, r14) KAGI_SQ(5, 10, r14, r9) KAGI_SQ(5, 11, r9, r14) KAGI_SQ(5, 12, r14, r9)
      KAGI_SQ(5, 13, r9, r14) KAGI_SQ(5, 14, r14, r9) KAGI_SQ(5, 15, r9, r14) KAGI_SQ_TAIL(5, 16, r14)
      KAGI_SQ_ROW(6) KAGI_SQ_FIRST(6, 7, r9) KAGI_SQ(6, 8, r9, r14) KAGI_SQ(6, 9, r14, r9)
      KAGI_SQ(6, 10, r9, r14) KAGI_SQ(6, 11, r14, r9) KAGI_SQ(6, 12, r9, r14) KAGI_SQ(6, 13, r14, r9)
      KAGI_SQ(6, 14, r9, r14) KAGI_SQ(6, 15, r14, r9) KAGI_SQ_TAIL(6, 16, r9)
      KAGI_SQ_ROW(7) KAGI_SQ_FIRST(7, 8, r9) KAGI_SQ(7, 9, r9, r14) KAGI_SQ(7, 10, r14, r9)
      KAGI_SQ(7, 11, r9, r14) KAGI_SQ(7, 12, r14, r9) KAGI_SQ(7, 13, r9, r14) KAGI_SQ(7, 14, r14, r9)
      KAGI_SQ(7, 15, r9, r14) KAGI_SQ_TAIL(7, 16, r14)
      KAGI_SQ_ROW(8) KAGI_SQ_FIRST(8, 9, r9) KAGI_SQ(8, 10, r9, r14) KAGI_SQ(8, 11, r14, r9)
      KAGI_SQ(8, 12, r9, r14) KAGI_SQ(8, 13, r14, r9) KAGI_SQ(8, 14, r9, r14) KAGI_SQ(8, 15, r14, r9)
      KAGI_SQ_TAIL(8, 16, r9)
      KAGI_SQ_ROW(9) KAGI_SQ_FIRST(9, 10, r9) KAGI_SQ(9, 11, r9, r14) KAGI_SQ(9, 12, r14, r9)
      KAGI_SQ(9, 13, r9, r14) KAGI_SQ(9, 14, r14, r9) KAGI_SQ(9, 15, r9, r14) KAGI_SQ_TAIL(9, 16, r14)
      KAGI_SQ_ROW(10) KAGI_SQ_FIRST(10, 11, r9) KAGI_SQ(10, 12, r9, r14) KAGI_SQ(10, 13, r14, r9)
      KAGI_SQ(10, 14, r9, r14) KAGI_SQ(10, 15, r14, r9) KAGI_SQ_TAIL(10, 16, r9)
      KAGI_SQ_ROW(11) KAGI_SQ_FIRST(11, 12, r9) KAGI_SQ(11, 13, r9, r14) KAGI_SQ(11, 14, r14, r9)
      KAGI_SQ(11, 15, r9, r14) KAGI_SQ_TAIL(11, 16, r14)
      KAGI_SQ_ROW(12) KAGI_SQ_FIRST(12, 13, r9) KAGI_SQ(12, 14, r9, r14) KAGI_SQ(12, 15, r14, r9)
      KAGI_SQ_TAIL(12, 16, r9)
      KAGI_SQ_ROW(13) KAGI_SQ_FIRST(13, 14, r9) KAGI_SQ(13, 15, r9, r14) KAGI_SQ_TAIL(13, 16, r14)
      KAGI_SQ_ROW(14) KAGI_SQ_FIRST(14, 15, r9) KAGI_SQ_TAIL(14, 16, r9)
      "xorl %%r10d, %%r10d\n\t"
      KAGI_SQ_DIAG(0) KAGI_SQ_DIAG(1) KAGI_SQ_DIAG(2) KAGI_SQ_DIAG(3) KAGI_SQ_DIAG(4) KAGI_SQ_DIAG(5)
      KAGI_SQ_DIAG(6) KAGI_SQ_DIAG(7) KAGI_SQ_DIAG(8) KAGI_SQ_DIAG(9) KAGI_SQ_DIAG(10) KAGI_SQ_DIAG(11)
      KAGI_SQ_DIAG(12) KAGI_SQ_DIAG(13) KAGI_SQ_DIAG(14) KAGI_SQ_DIAG(15)
      "movl $16, %%ecx\n\t"
      "xorl %%r13d, %%r13d\n\t"
      "movq (%[t]), %%r12\n\t"  // t[i], kept in a register from pass to pass
      "1:\n\t"
      "movq %%r12, %%rdx\n\t"
      "imulq %[k], %%rdx\n\t"
      "xorl %%r10d, %%r10d\n\t"
      "mulxq (%[m]), %%r8, %%r9\n\t"
      "adcxq %%r12, %%r8\n\t"  // zero, by the choice of u
      KAGI_MX(m, 1, 1, r9, r14)
      "movq %%r8, %%r12\n\t"  // the next u comes from this limb
      KAGI_MX(m, 2, 2, r14, r9) KAGI_MX(m, 3, 3, r9, r14) KAGI_MX(m, 4, 4, r14, r9)
      KAGI_MX(m, 5, 5, r9, r14) KAGI_MX(m, 6, 6, r14, r9) KAGI_MX(m, 7, 7, r9, r14) KAGI_MX(m, 8, 8, r14, r9)
      KAGI_MX(m, 9, 9, r9, r14) KAGI_MX(m, 10, 10, r14, r9)
      KAGI_MX(m, 11, 11, r9, r14) KAGI_MX(m, 12, 12, r14, r9)
      KAGI_MX(m, 13, 13, r9, r14) KAGI_MX(m, 14, 14, r14, r9) KAGI_MX(m, 15, 15, r9, r14)
      "adcxq %%r10, %%r14\n\t"  // the top limb of t[i..i+15] + u m
      "adoxq %%r10, %%r14\n\t"
      "addq $-1, %%r13\n\t"     // CF = the previous pass's carry
      "adcq %%r14, 8*16(%[t])\n\t"
      "movl $0, %%r13d\n\t"
      "adcq %%r10, %%r13\n\t"
      "leaq 8(%[t]), %[t]\n\t"
      "decl %%ecx\n\t"
      "jnz 1b\n\t"
      "movq %%r13, 8*16(%[t])\n\t"
      : [t] "+r"(tp)
      : [a] "r"(a), [m] "r"(m), [k] "m"(m0inv)
      : "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "cc", "memory");
  final_sub_asm(r, t + 16, m, 16);
}

// ---- 32 limbs (RSA-2048's full modulus: its public operation and the
// private operation's fault check): the 16-limb kernels with the rows twice
// as long, written out limb by limb in the same pattern (every macro's
// offsets are its limb indexes; the high-half registers alternate r9/r14).

// r = a b / R mod m for n = 32; registers as in mont_mul_adx16 (r11 = t[32],
// r13 = t[33]).
KAGI_TARGET("bmi2,adx") inline void mont_mul_adx32(limb* r, const limb* a, const limb* b, const limb* m,
                                                   limb m0inv) noexcept {
  limb t[33];
  set_zero(t, 32);
  limb* tp = t;
  __asm__ volatile(
      "movl $32, %%ecx\n\t"
      "xorl %%r11d, %%r11d\n\t"
      "xorl %%r12d, %%r12d\n\t"
      "1:\n\t"
      // t += a b[i]; t[0] also in r12 (before and after)
      "movq (%[b]), %%rdx\n\t"
      "leaq 8(%[b]), %[b]\n\t"
      "xorl %%r10d, %%r10d\n\t"
      "mulxq (%[a]), %%r8, %%r9\n\t"
      "adcxq %%r12, %%r8\n\t"
      "movq %%r8, (%[t])\n\t"
      "movq %%r8, %%r12\n\t"
      KAGI_MX(a, 1, 1, r9, r14) KAGI_MX(a, 2, 2, r14, r9) KAGI_MX(a, 3, 3, r9, r14) KAGI_MX(a, 4, 4, r14, r9)
      KAGI_MX(a, 5, 5, r9, r14) KAGI_MX(a, 6, 6, r14, r9) KAGI_MX(a, 7, 7, r9, r14) KAGI_MX(a, 8, 8, r14, r9)
      KAGI_MX(a, 9, 9, r9, r14) KAGI_MX(a, 10, 10, r14, r9) KAGI_MX(a, 11, 11, r9, r14) KAGI_MX(a, 12, 12, r14, r9)
      KAGI_MX(a, 13, 13, r9, r14) KAGI_MX(a, 14, 14, r14, r9) KAGI_MX(a, 15, 15, r9, r14) KAGI_MX(a, 16, 16, r14, r9)
      KAGI_MX(a, 17, 17, r9, r14) KAGI_MX(a, 18, 18, r14, r9) KAGI_MX(a, 19, 19, r9, r14) KAGI_MX(a, 20, 20, r14, r9)
      KAGI_MX(a, 21, 21, r9, r14) KAGI_MX(a, 22, 22, r14, r9) KAGI_MX(a, 23, 23, r9, r14) KAGI_MX(a, 24, 24, r14, r9)
      KAGI_MX(a, 25, 25, r9, r14) KAGI_MX(a, 26, 26, r14, r9) KAGI_MX(a, 27, 27, r9, r14) KAGI_MX(a, 28, 28, r14, r9)
      KAGI_MX(a, 29, 29, r9, r14) KAGI_MX(a, 30, 30, r14, r9) KAGI_MX(a, 31, 31, r9, r14)
      "adcxq %%r14, %%r11\n\t"  // t[32] += high half + CF + OF
      "adoxq %%r10, %%r11\n\t"
      "movl $0, %%r13d\n\t"      // t[33] = the carries out of that
      "adcxq %%r10, %%r13\n\t"
      "adoxq %%r10, %%r13\n\t"
      // t = (t + u m) / 2^64, u = t[0] m0inv
      "movq %%r12, %%rdx\n\t"
      "imulq %[k], %%rdx\n\t"
      "xorl %%r10d, %%r10d\n\t"
      "mulxq (%[m]), %%r8, %%r9\n\t"
      "adcxq %%r12, %%r8\n\t"   // zero, by the choice of u
      KAGI_MX(m, 1, 0, r9, r14)
      "movq %%r8, %%r12\n\t"  // the next u comes from this limb
      KAGI_MX(m, 2, 1, r14, r9) KAGI_MX(m, 3, 2, r9, r14) KAGI_MX(m, 4, 3, r14, r9) KAGI_MX(m, 5, 4, r9, r14)
      KAGI_MX(m, 6, 5, r14, r9) KAGI_MX(m, 7, 6, r9, r14) KAGI_MX(m, 8, 7, r14, r9) KAGI_MX(m, 9, 8, r9, r14)
      KAGI_MX(m, 10, 9, r14, r9) KAGI_MX(m, 11, 10, r9, r14) KAGI_MX(m, 12, 11, r14, r9) KAGI_MX(m, 13, 12, r9, r14)
      KAGI_MX(m, 14, 13, r14, r9) KAGI_MX(m, 15, 14, r9, r14) KAGI_MX(m, 16, 15, r14, r9) KAGI_MX(m, 17, 16, r9, r14)
      KAGI_MX(m, 18, 17, r14, r9) KAGI_MX(m, 19, 18, r9, r14) KAGI_MX(m, 20, 19, r14, r9) KAGI_MX(m, 21, 20, r9, r14)
      KAGI_MX(m, 22, 21, r14, r9) KAGI_MX(m, 23, 22, r9, r14) KAGI_MX(m, 24, 23, r14, r9) KAGI_MX(m, 25, 24, r9, r14)
      KAGI_MX(m, 26, 25, r14, r9) KAGI_MX(m, 27, 26, r9, r14) KAGI_MX(m, 28, 27, r14, r9) KAGI_MX(m, 29, 28, r9, r14)
      KAGI_MX(m, 30, 29, r14, r9) KAGI_MX(m, 31, 30, r9, r14)
      "adcxq %%r14, %%r11\n\t"  // t[31] = t[32] + high half + CF + OF
      "adoxq %%r10, %%r11\n\t"
      "movq %%r11, 8*31(%[t])\n\t"
      "movq %%r13, %%r11\n\t"   // t[32] = t[33] + the carries out of that
      "adcxq %%r10, %%r11\n\t"
      "adoxq %%r10, %%r11\n\t"
      "decl %%ecx\n\t"
      "jnz 1b\n\t"
      "movq %%r11, 8*32(%[t])\n\t"
      : [b] "+r"(b), [t] "+r"(tp)
      : [a] "r"(a), [m] "r"(m), [k] "m"(m0inv)
      : "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "cc", "memory");
  final_sub_asm(r, t, m, 32);
}

// r = a^2 / R mod m for n = 32, as mont_sqr_adx16: the 496 cross products
// (row I's last high half into t[I + 32]), doubling and diagonal, then 32
// REDC passes in place.
KAGI_TARGET("bmi2,adx") inline void mont_sqr_adx32(limb* r, const limb* a, const limb* m, limb m0inv) noexcept {
  limb t[65];
  set_zero(t, 64);
  limb* tp = t;
  __asm__ volatile(
      KAGI_SQ_ROW(0) KAGI_SQ_FIRST(0, 1, r9) KAGI_SQ(0, 2, r9, r14) KAGI_SQ(0, 3, r14, r9) KAGI_SQ(0, 4, r9, r14)
      KAGI_SQ(0, 5, r14, r9) KAGI_SQ(0, 6, r9, r14) KAGI_SQ(0, 7, r14, r9) KAGI_SQ(0, 8, r9, r14)
      KAGI_SQ(0, 9, r14, r9) KAGI_SQ(0, 10, r9, r14) KAGI_SQ(0, 11, r14, r9) KAGI_SQ(0, 12, r9, r14)
      KAGI_SQ(0, 13, r14, r9) KAGI_SQ(0, 14, r9, r14) KAGI_SQ(0, 15, r14, r9) KAGI_SQ(0, 16, r9, r14)
      KAGI_SQ(0, 17, r14, r9) KAGI_SQ(0, 18, r9, r14) KAGI_SQ(0, 19, r14, r9) KAGI_SQ(0, 20, r9, r14)
      KAGI_SQ(0, 21, r14, r9) KAGI_SQ(0, 22, r9, r14) KAGI_SQ(0, 23, r14, r9) KAGI_SQ(0, 24, r9, r14)
      KAGI_SQ(0, 25, r14, r9) KAGI_SQ(0, 26, r9, r14) KAGI_SQ(0, 27, r14, r9) KAGI_SQ(0, 28, r9, r14)
      KAGI_SQ(0, 29, r14, r9) KAGI_SQ(0, 30, r9, r14) KAGI_SQ(0, 31, r14, r9) KAGI_SQ_TAIL(0, 32, r9)
      KAGI_SQ_ROW(1) KAGI_SQ_FIRST(1, 2, r9) KAGI_SQ(1, 3, r9, r14) KAGI_SQ(1, 4, r14, r9) KAGI_SQ(1, 5, r9, r14)
      KAGI_SQ(1, 6, r14, r9) KAGI_SQ(1, 7, r9, r14) KAGI_SQ(1, 8, r14, r9) KAGI_SQ(1, 9, r9, r14)
      KAGI_SQ(1, 10, r14, r9) KAGI_SQ(1, 11, r9, r14) KAGI_SQ(1, 12, r14, r9) KAGI_SQ(1, 13, r9, r14)
      KAGI_SQ(1, 14, r14, r9) KAGI_SQ(1, 15, r9, r14) KAGI_SQ(1, 16, r14, r9) KAGI_SQ(1, 17, r9, r14)
      KAGI_SQ(1, 18, r14, r9) KAGI_SQ(1, 19, r9, r14) KAGI_SQ(1, 20, r14, r9) KAGI_SQ(1, 21, r9, r14)
      KAGI_SQ(1, 22, r14, r9) KAGI_SQ(1, 23, r9, r14) KAGI_SQ(1, 24, r14, r9) KAGI_SQ(1, 25, r9, r14)
      KAGI_SQ(1, 26, r14, r9) KAGI_SQ(1, 27, r9, r14) KAGI_SQ(1, 28, r14, r9) KAGI_SQ(1, 29, r9, r14)
      KAGI_SQ(1, 30, r14, r9) KAGI_SQ(1, 31, r9, r14) KAGI_SQ_TAIL(1, 32, r14)
      KAGI_SQ_ROW(2) KAGI_SQ_FIRST(2, 3, r9) KAGI_SQ(2, 4, r9, r14) KAGI_SQ(2, 5, r14, r9) KAGI_SQ(2, 6, r9, r14)
      KAGI_SQ(2, 7, r14, r9) KAGI_SQ(2, 8, r9, r14) KAGI_SQ(2, 9, r14, r9) KAGI_SQ(2, 10, r9, r14)
      KAGI_SQ(2, 11, r14, r9) KAGI_SQ(2, 12, r9, r14) KAGI_SQ(2, 13, r14, r9) KAGI_SQ(2, 14, r9, r14)
      KAGI_SQ(2, 15, r14, r9) KAGI_SQ(2, 16, r9, r14) KAGI_SQ(2, 17, r14, r9) KAGI_SQ(2, 18, r9, r14)
      KAGI_SQ(2, 19, r14, r9) KAGI_SQ(2, 20, r9, r14) KAGI_SQ(2, 21, r14, r9) KAGI_SQ(2, 22, r9, r14)
      KAGI_SQ(2, 23, r14, r9) KAGI_SQ(2, 24, r9, r14) KAGI_SQ(2, 25, r14, r9) KAGI_SQ(2, 26, r9, r14)
      KAGI_SQ(2, 27, r14, r9) KAGI_SQ(2, 28, r9, r14) KAGI_SQ(2, 29, r14, r9) KAGI_SQ(2, 30, r9, r14)
      KAGI_SQ(2, 31, r14, r9) KAGI_SQ_TAIL(2, 32, r9)
      KAGI_SQ_ROW(3) KAGI_SQ_FIRST(3, 4, r9) KAGI_SQ(3, 5, r9, r14) KAGI_SQ(3, 6, r14, r9) KAGI_SQ(3, 7, r9, r14)
      KAGI_SQ(3, 8, r14, r9) KAGI_SQ(3, 9, r9, r14) KAGI_SQ(3, 10, r14, r9) KAGI_SQ(3, 11, r9, r14)
      KAGI_SQ(3, 12, r14, r9) KAGI_SQ(3, 13, r9, r14) KAGI_SQ(3, 14, r14, r9) KAGI_SQ(3, 15, r9, r14)
      KAGI_SQ(3, 16, r14, r9) KAGI_SQ(3, 17, r9, r14) KAGI_SQ(3, 18, r14, r9) KAGI_SQ(3, 19, r9, r14)
      KAGI_SQ(3, 20, r14, r9) KAGI_SQ(3, 21, r9, r14) KAGI_SQ(3, 22, r14, r9) KAGI_SQ(3, 23, r9, r14)
      KAGI_SQ(3, 24, r14, r9) KAGI_SQ(3, 25, r9, r14) KAGI_SQ(3, 26, r14, r9) KAGI_SQ(3, 27, r9, r14)
      KAGI_SQ(3, 28, r14, r9) KAGI_SQ(3, 29, r9, r14) KAGI_SQ(3, 30, r14, r9) KAGI_SQ(3, 31, r9, r14)
      KAGI_SQ_TAIL(3, 32, r14)
      KAGI_SQ_ROW(4) KAGI_SQ_FIRST(4, 5, r9) KAGI_SQ(4, 6, r9, r14) KAGI_SQ(4, 7, r14, r9) KAGI_SQ(4, 8, r9, r14)
      KAGI_SQ(4, 9, r14, r9) KAGI_SQ(4, 10, r9, r14) KAGI_SQ(4, 11, r14, r9) KAGI_SQ(4, 12, r9, r14)
      KAGI_SQ(4, 13, r14, r9) KAGI_SQ(4, 14, r9, r14) KAGI_SQ(4, 15, r14, r9) KAGI_SQ(4, 16, r9, r14)
      KAGI_SQ(4, 17, r14, r9) KAGI_SQ(4, 18, r9, r14) KAGI_SQ(4, 19, r14, r9) KAGI_SQ(4, 20, r9, r14)
      KAGI_SQ(4, 21, r14, r9) KAGI_SQ(4, 22, r9, r14) KAGI_SQ(4, 23, r14, r9) KAGI_SQ(4, 24, r9, r14)
      KAGI_SQ(4, 25, r14, r9) KAGI_SQ(4, 26, r9, r14) KAGI_SQ(4, 27, r14, r9) KAGI_SQ(4, 28, r9, r14)
      KAGI_SQ(4, 29, r14, r9) KAGI_SQ(4, 30, r9, r14) KAGI_SQ(4, 31, r14, r9) KAGI_SQ_TAIL(4, 32, r9)
      KAGI_SQ_ROW(5) KAGI_SQ_FIRST(5, 6, r9) KAGI_SQ(5, 7, r9, r14) KAGI_SQ(5, 8, r14, r9) KAGI_SQ(5, 9, r9, r14)
      KAGI_SQ(5, 10, r14, r9) KAGI_SQ(5, 11, r9, r14) KAGI_SQ(5, 12, r14, r9) KAGI_SQ(5, 13, r9, r14)
      KAGI_SQ(5, 14, r14, r9) KAGI_SQ(5, 15, r9, r14) KAGI_SQ(5, 16, r14, r9) KAGI_SQ(5, 17, r9, r14)
      KAGI_SQ(5, 18, r14, r9) KAGI_SQ(5, 19, r9, r14) KAGI_SQ(5, 20, r14, r9) KAGI_SQ(5, 21, r9, r14)
      KAGI_SQ(5, 22, r14, r9) KAGI_SQ(5, 23, r9, r14) KAGI_SQ(5, 24, r14, r9) KAGI_SQ(5, 25, r9, r14)
      KAGI_SQ(5, 26, r14, r9) KAGI_SQ(5, 27, r9, r14) KAGI_SQ(5, 28, r14, r9) KAGI_SQ(5, 29, r9, r14)
      KAGI_SQ(5, 30, r14, r9) KAGI_SQ(5, 31, r9, r14) KAGI_SQ_TAIL(5, 32, r14)
      KAGI_SQ_ROW(6) KAGI_SQ_FIRST(6, 7, r9) KAGI_SQ(6, 8, r9, r14) KAGI_SQ(6, 9, r14, r9) KAGI_SQ(6, 10, r9, r14)
      KAGI_SQ(6, 11, r14, r9) KAGI_SQ(6, 12, r9, r14) KAGI_SQ(6, 13, r14, r9) KAGI_SQ(6, 14, r9, r14)
      KAGI_SQ(6, 15, r14, r9) KAGI_SQ(6, 16, r9, r14) KAGI_SQ(6, 17, r14, r9) KAGI_SQ(6, 18, r9, r14)
      KAGI_SQ(6, 19, r14, r9) KAGI_SQ(6, 20, r9, r14) KAGI_SQ(6, 21, r14, r9) KAGI_SQ(6, 22, r9, r14)
      KAGI_SQ(6, 23, r14, r9) KAGI_SQ(6, 24, r9, r14) KAGI_SQ(6, 25, r14, r9) KAGI_SQ(6, 26, r9, r14)
      KAGI_SQ(6, 27, r14, r9) KAGI_SQ(6, 28, r9, r14) KAGI_SQ(6, 29, r14, r9) KAGI_SQ(6, 30, r9, r14)
      KAGI_SQ(6, 31, r14, r9) KAGI_SQ_TAIL(6, 32, r9)
      KAGI_SQ_ROW(7) KAGI_SQ_FIRST(7, 8, r9) KAGI_SQ(7, 9, r9, r14) KAGI_SQ(7, 10, r14, r9) KAGI_SQ(7, 11, r9, r14)
      KAGI_SQ(7, 12, r14, r9) KAGI_SQ(7, 13, r9, r14) KAGI_SQ(7, 14, r14, r9) KAGI_SQ(7, 15, r9, r14)
      KAGI_SQ(7, 16, r14, r9) KAGI_SQ(7, 17, r9, r14) KAGI_SQ(7, 18, r14, r9) KAGI_SQ(7, 19, r9, r14)
      KAGI_SQ(7, 20, r14, r9) KAGI_SQ(7, 21, r9, r14) KAGI_SQ(7, 22, r14, r9) KAGI_SQ(7, 23, r9, r14)
      KAGI_SQ(7, 24, r14, r9) KAGI_SQ(7, 25, r9, r14) KAGI_SQ(7, 26, r14, r9) KAGI_SQ(7, 27, r9, r14)
      KAGI_SQ(7, 28, r14, r9) KAGI_SQ(7, 29, r9, r14) KAGI_SQ(7, 30, r14, r9) KAGI_SQ(7, 31, r9, r14)
      KAGI_SQ_TAIL(7, 32, r14)
      KAGI_SQ_ROW(8) KAGI_SQ_FIRST(8, 9, r9) KAGI_SQ(8, 10, r9, r14) KAGI_SQ(8, 11, r14, r9) KAGI_SQ(8, 12, r9, r14)
      KAGI_SQ(8, 13, r14, r9) KAGI_SQ(8, 14, r9, r14) KAGI_SQ(8, 15, r14, r9) KAGI_SQ(8, 16, r9, r14)
      KAGI_SQ(8, 17, r14, r9) KAGI_SQ(8, 18, r9, r14) KAGI_SQ(8, 19, r14, r9) KAGI_SQ(8, 20, r9, r14)
      KAGI_SQ(8, 21, r14, r9) KAGI_SQ(8, 22, r9, r14) KAGI_SQ(8, 23, r14, r9) KAGI_SQ(8, 24, r9, r14)
      KAGI_SQ(8, 25, r14, r9) KAGI_SQ(8, 26, r9, r14) KAGI_SQ(8, 27, r14, r9) KAGI_SQ(8, 28, r9, r14)
      KAGI_SQ(8, 29, r14, r9) KAGI_SQ(8, 30, r9, r14) KAGI_SQ(8, 31, r14, r9) KAGI_SQ_TAIL(8, 32, r9)
      KAGI_SQ_ROW(9) KAGI_SQ_FIRST(9, 10, r9) KAGI_SQ(9, 11, r9, r14) KAGI_SQ(9, 12, r14, r9) KAGI_SQ(9, 13, r9, r14)
      KAGI_SQ(9, 14, r14, r9) KAGI_SQ(9, 15, r9, r14) KAGI_SQ(9, 16, r14, r9) KAGI_SQ(9, 17, r9, r14)
      KAGI_SQ(9, 18, r14, r9) KAGI_SQ(9, 19, r9, r14) KAGI_SQ(9, 20, r14, r9) KAGI_SQ(9, 21, r9, r14)
      KAGI_SQ(9, 22, r14, r9) KAGI_SQ(9, 23, r9, r14) KAGI_SQ(9, 24, r14, r9) KAGI_SQ(9, 25, r9, r14)
      KAGI_SQ(9, 26, r14, r9) KAGI_SQ(9, 27, r9, r14) KAGI_SQ(9, 28, r14, r9) KAGI_SQ(9, 29, r9, r14)
      KAGI_SQ(9, 30, r14, r9) KAGI_SQ(9, 31, r9, r14) KAGI_SQ_TAIL(9, 32, r14)
      KAGI_SQ_ROW(10) KAGI_SQ_FIRST(10, 11, r9) KAGI_SQ(10, 12, r9, r14) KAGI_SQ(10, 13, r14, r9)
      KAGI_SQ(10, 14, r9, r14) KAGI_SQ(10, 15, r14, r9) KAGI_SQ(10, 16, r9, r14) KAGI_SQ(10, 17, r14, r9)
      KAGI_SQ(10, 18, r9, r14) KAGI_SQ(10, 19, r14, r9) KAGI_SQ(10, 20, r9, r14) KAGI_SQ(10, 21, r14, r9)
      KAGI_SQ(10, 22, r9, r14) KAGI_SQ(10, 23, r14, r9) KAGI_SQ(10, 24, r9, r14) KAGI_SQ(10, 25, r14, r9)
      KAGI_SQ(10, 26, r9, r14) KAGI_SQ(10, 27, r14, r9) KAGI_SQ(10, 28, r9, r14) KAGI_SQ(10, 29, r14, r9)
      KAGI_SQ(10, 30, r9, r14) KAGI_SQ(10, 31, r14, r9) KAGI_SQ_TAIL(10, 32, r9)
      KAGI_SQ_ROW(11) KAGI_SQ_FIRST(11, 12, r9) KAGI_SQ(11, 13, r9, r14) KAGI_SQ(11, 14, r14, r9)
      KAGI_SQ(11, 15, r9, r14) KAGI_SQ(11, 16, r14, r9) KAGI_SQ(11, 17, r9, r14) KAGI_SQ(11, 18, r14, r9)
      KAGI_SQ(11, 19, r9, r14) KAGI_SQ(11, 20, r14, r9) KAGI_SQ(11, 21, r9, r14) KAGI_SQ(11, 22, r14, r9)
      KAGI_SQ(11, 23, r9, r14) KAGI_SQ(11, 24, r14, r9) KAGI_SQ(11, 25, r9, r14) KAGI_SQ(11, 26, r14, r9)
      KAGI_SQ(11, 27, r9, r14) KAGI_SQ(11, 28, r14, r9) KAGI_SQ(11, 29, r9, r14) KAGI_SQ(11, 30, r14, r9)
      KAGI_SQ(11, 31, r9, r14) KAGI_SQ_TAIL(11, 32, r14)
      KAGI_SQ_ROW(12) KAGI_SQ_FIRST(12, 13, r9) KAGI_SQ(12, 14, r9, r14) KAGI_SQ(12, 15, r14, r9)
      KAGI_SQ(12, 16, r9, r14) KAGI_SQ(12, 17, r14, r9) KAGI_SQ(12, 18, r9, r14) KAGI_SQ(12, 19, r14, r9)
      KAGI_SQ(12, 20, r9, r14) KAGI_SQ(12, 21, r14, r9) KAGI_SQ(12, 22, r9, r14) KAGI_SQ(12, 23, r14, r9)
      KAGI_SQ(12, 24, r9, r14) KAGI_SQ(12, 25, r14, r9) KAGI_SQ(12, 26, r9, r14) KAGI_SQ(12, 27, r14, r9)
      KAGI_SQ(12, 28, r9, r14) KAGI_SQ(12, 29, r14, r9) KAGI_SQ(12, 30, r9, r14) KAGI_SQ(12, 31, r14, r9)
      KAGI_SQ_TAIL(12, 32, r9)
      KAGI_SQ_ROW(13) KAGI_SQ_FIRST(13, 14, r9) KAGI_SQ(13, 15, r9, r14) KAGI_SQ(13, 16, r14, r9)
      KAGI_SQ(13, 17, r9, r14) KAGI_SQ(13, 18, r14, r9) KAGI_SQ(13, 19, r9, r14) KAGI_SQ(13, 20, r14, r9)
      KAGI_SQ(13, 21, r9, r14) KAGI_SQ(13, 22, r14, r9) KAGI_SQ(13, 23, r9, r14) KAGI_SQ(13, 24, r14, r9)
      KAGI_SQ(13, 25, r9, r14) KAGI_SQ(13, 26, r14, r9) KAGI_SQ(13, 27, r9, r14) KAGI_SQ(13, 28, r14, r9)
      KAGI_SQ(13, 29, r9, r14) KAGI_SQ(13, 30, r14, r9) KAGI_SQ(13, 31, r9, r14) KAGI_SQ_TAIL(13, 32, r14)
      KAGI_SQ_ROW(14) KAGI_SQ_FIRST(14, 15, r9) KAGI_SQ(14, 16, r9, r14) KAGI_SQ(14, 17, r14, r9)
      KAGI_SQ(14, 18, r9, r14) KAGI_SQ(14, 19, r14, r9) KAGI_SQ(14, 20, r9, r14) KAGI_SQ(14, 21, r14, r9)
      KAGI_SQ(14, 22, r9, r14) KAGI_SQ(14, 23, r14, r9) KAGI_SQ(14, 24, r9, r14) KAGI_SQ(14, 25, r14, r9)
      KAGI_SQ(14, 26, r9, r14) KAGI_SQ(14, 27, r14, r9) KAGI_SQ(14, 28, r9, r14) KAGI_SQ(14, 29, r14, r9)
      KAGI_SQ(14, 30, r9, r14) KAGI_SQ(14, 31, r14, r9) KAGI_SQ_TAIL(14, 32, r9)
      KAGI_SQ_ROW(15) KAGI_SQ_FIRST(15, 16, r9) KAGI_SQ(15, 17, r9, r14) KAGI_SQ(15, 18, r14, r9)
      KAGI_SQ(15, 19, r9, r14) KAGI_SQ(15, 20, r14, r9) KAGI_SQ(15, 21, r9, r14) KAGI_SQ(15, 22, r14, r9)
      KAGI_SQ(15, 23, r9, r14) KAGI_SQ(15, 24, r14, r9) KAGI_SQ(15, 25, r9, r14) KAGI_SQ(15, 26, r14, r9)
      KAGI_SQ(15, 27, r9, r14) KAGI_SQ(15, 28, r14, r9) KAGI_SQ(15, 29, r9, r14) KAGI_SQ(15, 30, r14, r9)
      KAGI_SQ(15, 31, r9, r14) KAGI_SQ_TAIL(15, 32, r14)
      KAGI_SQ_ROW(16) KAGI_SQ_FIRST(16, 17, r9) KAGI_SQ(16, 18, r9, r14) KAGI_SQ(16, 19, r14, r9)
      KAGI_SQ(16, 20, r9, r14) KAGI_SQ(16, 21, r14, r9) KAGI_SQ(16, 22, r9, r14) KAGI_SQ(16, 23, r14, r9)
      KAGI_SQ(16, 24, r9, r14) KAGI_SQ(16, 25, r14, r9) KAGI_SQ(16, 26, r9, r14) KAGI_SQ(16, 27, r14, r9)
      KAGI_SQ(16, 28, r9, r14) KAGI_SQ(16, 29, r14, r9) KAGI_SQ(16, 30, r9, r14) KAGI_SQ(16, 31, r14, r9)
      KAGI_SQ_TAIL(16, 32, r9)
      KAGI_SQ_ROW(17) KAGI_SQ_FIRST(17, 18, r9) KAGI_SQ(17, 19, r9, r14) KAGI_SQ(17, 20, r14, r9)
      KAGI_SQ(17, 21, r9, r14) KAGI_SQ(17, 22, r14, r9) KAGI_SQ(17, 23, r9, r14) KAGI_SQ(17, 24, r14, r9)
      KAGI_SQ(17, 25, r9, r14) KAGI_SQ(17, 26, r14, r9) KAGI_SQ(17, 27, r9, r14) KAGI_SQ(17, 28, r14, r9)
      KAGI_SQ(17, 29, r9, r14) KAGI_SQ(17, 30, r14, r9) KAGI_SQ(17, 31, r9, r14) KAGI_SQ_TAIL(17, 32, r14)
      KAGI_SQ_ROW(18) KAGI_SQ_FIRST(18, 19, r9) KAGI_SQ(18, 20, r9, r14) KAGI_SQ(18, 21, r14, r9)
      KAGI_SQ(18, 22, r9, r14) KAGI_SQ(18, 23, r14, r9) KAGI_SQ(18, 24, r9, r14) KAGI_SQ(18, 25, r14, r9)
      KAGI_SQ(18, 26, r9, r14) KAGI_SQ(18, 27, r14, r9) KAGI_SQ(18, 28, r9, r14) KAGI_SQ(18, 29, r14, r9)
      KAGI_SQ(18, 30, r9, r14) KAGI_SQ(18, 31, r14, r9) KAGI_SQ_TAIL(18, 32, r9)
      KAGI_SQ_ROW(19) KAGI_SQ_FIRST(19, 20, r9) KAGI_SQ(19, 21, r9, r14) KAGI_SQ(19, 22, r14, r9)
      KAGI_SQ(19, 23, r9, r14) KAGI_SQ(19, 24, r14, r9) KAGI_SQ(19, 25, r9, r14) KAGI_SQ(19, 26, r14, r9)
      KAGI_SQ(19, 27, r9, r14) KAGI_SQ(19, 28, r14, r9) KAGI_SQ(19, 29, r9, r14) KAGI_SQ(19, 30, r14, r9)
      KAGI_SQ(19, 31, r9, r14) KAGI_SQ_TAIL(19, 32, r14)
      KAGI_SQ_ROW(20) KAGI_SQ_FIRST(20, 21, r9) KAGI_SQ(20, 22, r9, r14) KAGI_SQ(20, 23, r14, r9)
      KAGI_SQ(20, 24, r9, r14) KAGI_SQ(20, 25, r14, r9) KAGI_SQ(20, 26, r9, r14) KAGI_SQ(20, 27, r14, r9)
      KAGI_SQ(20, 28, r9, r14) KAGI_SQ(20, 29, r14, r9) KAGI_SQ(20, 30, r9, r14) KAGI_SQ(20, 31, r14, r9)
      KAGI_SQ_TAIL(20, 32, r9)
      KAGI_SQ_ROW(21) KAGI_SQ_FIRST(21, 22, r9) KAGI_SQ(21, 23, r9, r14) KAGI_SQ(21, 24, r14, r9)
      KAGI_SQ(21, 25, r9, r14) KAGI_SQ(21, 26, r14, r9) KAGI_SQ(21, 27, r9, r14) KAGI_SQ(21, 28, r14, r9)
      KAGI_SQ(21, 29, r9, r14) KAGI_SQ(21, 30, r14, r9) KAGI_SQ(21, 31, r9, r14) KAGI_SQ_TAIL(21, 32, r14)
      KAGI_SQ_ROW(22) KAGI_SQ_FIRST(22, 23, r9) KAGI_SQ(22, 24, r9, r14) KAGI_SQ(22, 25, r14, r9)
      KAGI_SQ(22, 26, r9, r14) KAGI_SQ(22, 27, r14, r9) KAGI_SQ(22, 28, r9, r14) KAGI_SQ(22, 29, r14, r9)
      KAGI_SQ(22, 30, r9, r14) KAGI_SQ(22, 31, r14, r9) KAGI_SQ_TAIL(22, 32, r9)
      KAGI_SQ_ROW(23) KAGI_SQ_FIRST(23, 24, r9) KAGI_SQ(23, 25, r9, r14) KAGI_SQ(23, 26, r14, r9)
      KAGI_SQ(23, 27, r9, r14) KAGI_SQ(23, 28, r14, r9) KAGI_SQ(23, 29, r9, r14) KAGI_SQ(23, 30, r14, r9)
      KAGI_SQ(23, 31, r9, r14) KAGI_SQ_TAIL(23, 32, r14)
      KAGI_SQ_ROW(24) KAGI_SQ_FIRST(24, 25, r9) KAGI_SQ(24, 26, r9, r14) KAGI_SQ(24, 27, r14, r9)
      KAGI_SQ(24, 28, r9, r14) KAGI_SQ(24, 29, r14, r9) KAGI_SQ(24, 30, r9, r14) KAGI_SQ(24, 31, r14, r9)
      KAGI_SQ_TAIL(24, 32, r9)
      KAGI_SQ_ROW(25) KAGI_SQ_FIRST(25, 26, r9) KAGI_SQ(25, 27, r9, r14) KAGI_SQ(25, 28, r14, r9)
      KAGI_SQ(25, 29, r9, r14) KAGI_SQ(25, 30, r14, r9) KAGI_SQ(25, 31, r9, r14) KAGI_SQ_TAIL(25, 32, r14)
      KAGI_SQ_ROW(26) KAGI_SQ_FIRST(26, 27, r9) KAGI_SQ(26, 28, r9, r14) KAGI_SQ(26, 29, r14, r9)
      KAGI_SQ(26, 30, r9, r14) KAGI_SQ(26, 31, r14, r9) KAGI_SQ_TAIL(26, 32, r9)
      KAGI_SQ_ROW(27) KAGI_SQ_FIRST(27, 28, r9) KAGI_SQ(27, 29, r9, r14) KAGI_SQ(27, 30, r14, r9)
      KAGI_SQ(27, 31, r9, r14) KAGI_SQ_TAIL(27, 32, r14)
      KAGI_SQ_ROW(28) KAGI_SQ_FIRST(28, 29, r9) KAGI_SQ(28, 30, r9, r14) KAGI_SQ(28, 31, r14, r9)
      KAGI_SQ_TAIL(28, 32, r9)
      KAGI_SQ_ROW(29) KAGI_SQ_FIRST(29, 30, r9) KAGI_SQ(29, 31, r9, r14) KAGI_SQ_TAIL(29, 32, r14)
      KAGI_SQ_ROW(30) KAGI_SQ_FIRST(30, 31, r9) KAGI_SQ_TAIL(30, 32, r9)
      "xorl %%r10d, %%r10d\n\t"
      KAGI_SQ_DIAG(0) KAGI_SQ_DIAG(1) KAGI_SQ_DIAG(2) KAGI_SQ_DIAG(3) KAGI_SQ_DIAG(4) KAGI_SQ_DIAG(5) KAGI_SQ_DIAG(6)
      KAGI_SQ_DIAG(7) KAGI_SQ_DIAG(8) KAGI_SQ_DIAG(9) KAGI_SQ_DIAG(10) KAGI_SQ_DIAG(11) KAGI_SQ_DIAG(12)
      KAGI_SQ_DIAG(13) KAGI_SQ_DIAG(14) KAGI_SQ_DIAG(15) KAGI_SQ_DIAG(16) KAGI_SQ_DIAG(17) KAGI_SQ_DIAG(18)
      KAGI_SQ_DIAG(19) KAGI_SQ_DIAG(20) KAGI_SQ_DIAG(21) KAGI_SQ_DIAG(22) KAGI_SQ_DIAG(23) KAGI_SQ_DIAG(24)
      KAGI_SQ_DIAG(25) KAGI_SQ_DIAG(26) KAGI_SQ_DIAG(27) KAGI_SQ_DIAG(28) KAGI_SQ_DIAG(29) KAGI_SQ_DIAG(30)
      KAGI_SQ_DIAG(31)
      "movl $32, %%ecx\n\t"
      "xorl %%r13d, %%r13d\n\t"
      "movq (%[t]), %%r12\n\t"  // t[i], kept in a register from pass to pass
      "1:\n\t"
      "movq %%r12, %%rdx\n\t"
      "imulq %[k], %%rdx\n\t"
      "xorl %%r10d, %%r10d\n\t"
      "mulxq (%[m]), %%r8, %%r9\n\t"
      "adcxq %%r12, %%r8\n\t"  // zero, by the choice of u
      KAGI_MX(m, 1, 1, r9, r14)
      "movq %%r8, %%r12\n\t"  // the next u comes from this limb
      KAGI_MX(m, 2, 2, r14, r9) KAGI_MX(m, 3, 3, r9, r14) KAGI_MX(m, 4, 4, r14, r9) KAGI_MX(m, 5, 5, r9, r14)
      KAGI_MX(m, 6, 6, r14, r9) KAGI_MX(m, 7, 7, r9, r14) KAGI_MX(m, 8, 8, r14, r9) KAGI_MX(m, 9, 9, r9, r14)
      KAGI_MX(m, 10, 10, r14, r9) KAGI_MX(m, 11, 11, r9, r14) KAGI_MX(m, 12, 12, r14, r9) KAGI_MX(m, 13, 13, r9, r14)
      KAGI_MX(m, 14, 14, r14, r9) KAGI_MX(m, 15, 15, r9, r14) KAGI_MX(m, 16, 16, r14, r9) KAGI_MX(m, 17, 17, r9, r14)
      KAGI_MX(m, 18, 18, r14, r9) KAGI_MX(m, 19, 19, r9, r14) KAGI_MX(m, 20, 20, r14, r9) KAGI_MX(m, 21, 21, r9, r14)
      KAGI_MX(m, 22, 22, r14, r9) KAGI_MX(m, 23, 23, r9, r14) KAGI_MX(m, 24, 24, r14, r9) KAGI_MX(m, 25, 25, r9, r14)
      KAGI_MX(m, 26, 26, r14, r9) KAGI_MX(m, 27, 27, r9, r14) KAGI_MX(m, 28, 28, r14, r9) KAGI_MX(m, 29, 29, r9, r14)
      KAGI_MX(m, 30, 30, r14, r9) KAGI_MX(m, 31, 31, r9, r14)
      "adcxq %%r10, %%r14\n\t"  // the top limb of t[i..i+31] + u m
      "adoxq %%r10, %%r14\n\t"
      "addq $-1, %%r13\n\t"     // CF = the previous pass's carry
      "adcq %%r14, 8*32(%[t])\n\t"
      "movl $0, %%r13d\n\t"
      "adcq %%r10, %%r13\n\t"
      "leaq 8(%[t]), %[t]\n\t"
      "decl %%ecx\n\t"
      "jnz 1b\n\t"
      "movq %%r13, 8*32(%[t])\n\t"
      : [t] "+r"(tp)
      : [a] "r"(a), [m] "r"(m), [k] "m"(m0inv)
      : "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "cc", "memory");
  final_sub_asm(r, t + 32, m, 32);
}

#undef KAGI_SQ_DIAG
#undef KAGI_SQ_TAIL
#undef KAGI_SQ
#undef KAGI_SQ_FIRST
#undef KAGI_SQ_ROW
#undef KAGI_MX

// The table scan of the exponentiation (table_lookup) in SSE2, which every
// x86-64 CPU has (ct::select_entry_sse2: for 16 limbs the entry being built
// stays in eight xmm registers; every entry is read, in order; no branch on
// the index).
inline void table_lookup_sse2(limb* r, const limb* table, std::size_t entries, std::size_t n, limb index) noexcept {
  if (n != 16) return table_lookup(r, table, entries, n, index);
  ct::select_entry_sse2<16 * sizeof(limb)>(r, table, entries, static_cast<std::uint32_t>(index));  // index < entries <= 64
}

KAGI_TARGET("bmi2,adx") inline void mont_mul_adx(limb* r, const limb* a, const limb* b, const limb* m, limb m0inv,
                                                 std::size_t n) noexcept {
  if (n == 16) return mont_mul_adx16(r, a, b, m, m0inv);
  if (n == 32) return mont_mul_adx32(r, a, b, m, m0inv);
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
  if (n == 16) return mont_sqr_adx16(r, a, m, m0inv);
  if (n == 32) return mont_sqr_adx32(r, a, m, m0inv);
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
