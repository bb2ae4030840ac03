// kagi/ec/x86/p256_adx.hpp: the P-256 field and the scalars mod n with MULX,
// ADCX and ADOX (BMI2 + ADX), for the point formulas, scalar multiplications
// and ECDSA arithmetic of p256.hpp.
//
// Montgomery multiplication is one inline-assembly block: the 512-bit
// product (MULX rows with ADCX on the low halves and ADOX on the high
// halves; squares compute the cross products once), then four reduction
// steps t = (t + m p) / 2^64 with m = t_i, where p's shape leaves one MULX
// per step (see KAGI_P256_REDUCE), and a final subtraction of p chosen with
// CMOV. Addition and subtraction mod p are blocks too. No branches, no memory
// indexes; only picked when the CPU has BMI2 and ADX. Inputs are read through
// one pointer register each (with a "memory" clobber): the multiplication
// needs 13 registers, and clang gives every memory operand its own.
//
// Included by ../p256.hpp after the portable code and before its dispatch
// table; on its own it includes the algorithm first.
#include "../p256.hpp"

#ifndef KAGI_EC_X86_P256_ADX_HPP
#define KAGI_EC_X86_P256_ADX_HPP

#if KAGI_X86

namespace kagi::detail::p256 {

inline constexpr u64 p256_p1 = 0x00000000ffffffff;
inline constexpr u64 p256_p3 = 0xffffffff00000001;

#define KAGI_P256_INLINE __attribute__((always_inline)) inline

// The 512-bit product a b into t0..t7: row 0 plain, rows 1..3 with ADCX on
// the low halves and ADOX on the high halves.
#define KAGI_P256_MUL_512 \
  "movq 0(%[b]), %%rdx\n\t" \
  "mulxq 0(%[a]), %[t0], %[t1]\n\t" \
  "mulxq 8(%[a]), %%rax, %[t2]\n\t" \
  "addq %%rax, %[t1]\n\t" \
  "mulxq 16(%[a]), %%rax, %[t3]\n\t" \
  "adcq %%rax, %[t2]\n\t" \
  "mulxq 24(%[a]), %%rax, %[t4]\n\t" \
  "adcq %%rax, %[t3]\n\t" \
  "adcq $0, %[t4]\n\t" \
  "movq 8(%[b]), %%rdx\n\t"                 \
  "xorl %%eax, %%eax\n\t"                    \
  "mulxq 0(%[a]), %%rax, %%rbx\n\t"            \
  "adcxq %%rax, %[t1]\n\t"               \
  "adoxq %%rbx, %[t2]\n\t"               \
  "mulxq 8(%[a]), %%rax, %%rbx\n\t"            \
  "adcxq %%rax, %[t2]\n\t"               \
  "adoxq %%rbx, %[t3]\n\t"               \
  "mulxq 16(%[a]), %%rax, %%rbx\n\t"            \
  "adcxq %%rax, %[t3]\n\t"               \
  "adoxq %%rbx, %[t4]\n\t"               \
  "mulxq 24(%[a]), %%rax, %[t5]\n\t"        \
  "adcxq %%rax, %[t4]\n\t"               \
  "movl $0, %%edx\n\t"                       \
  "adoxq %%rdx, %[t5]\n\t"               \
  "adcxq %%rdx, %[t5]\n\t"               \
  "movq 16(%[b]), %%rdx\n\t"                 \
  "xorl %%eax, %%eax\n\t"                    \
  "mulxq 0(%[a]), %%rax, %%rbx\n\t"            \
  "adcxq %%rax, %[t2]\n\t"               \
  "adoxq %%rbx, %[t3]\n\t"               \
  "mulxq 8(%[a]), %%rax, %%rbx\n\t"            \
  "adcxq %%rax, %[t3]\n\t"               \
  "adoxq %%rbx, %[t4]\n\t"               \
  "mulxq 16(%[a]), %%rax, %%rbx\n\t"            \
  "adcxq %%rax, %[t4]\n\t"               \
  "adoxq %%rbx, %[t5]\n\t"               \
  "mulxq 24(%[a]), %%rax, %[t6]\n\t"        \
  "adcxq %%rax, %[t5]\n\t"               \
  "movl $0, %%edx\n\t"                       \
  "adoxq %%rdx, %[t6]\n\t"               \
  "adcxq %%rdx, %[t6]\n\t"               \
  "movq 24(%[b]), %%rdx\n\t"                 \
  "xorl %%eax, %%eax\n\t"                    \
  "mulxq 0(%[a]), %%rax, %%rbx\n\t"            \
  "adcxq %%rax, %[t3]\n\t"               \
  "adoxq %%rbx, %[t4]\n\t"               \
  "mulxq 8(%[a]), %%rax, %%rbx\n\t"            \
  "adcxq %%rax, %[t4]\n\t"               \
  "adoxq %%rbx, %[t5]\n\t"               \
  "mulxq 16(%[a]), %%rax, %%rbx\n\t"            \
  "adcxq %%rax, %[t5]\n\t"               \
  "adoxq %%rbx, %[t6]\n\t"               \
  "mulxq 24(%[a]), %%rax, %[t7]\n\t"        \
  "adcxq %%rax, %[t6]\n\t"               \
  "movl $0, %%edx\n\t"                       \
  "adoxq %%rdx, %[t7]\n\t"               \
  "adcxq %%rdx, %[t7]\n\t"               \

// The 512-bit square a^2 into t0..t7: the six cross products once, then
// doubled (ADCX chain) while the squares a_i^2 are added (ADOX chain).
#define KAGI_P256_SQR_512 \
  "movq 0(%[a]), %%rdx\n\t" \
  "mulxq 8(%[a]), %[t1], %[t2]\n\t" \
  "mulxq 16(%[a]), %%rax, %[t3]\n\t" \
  "addq %%rax, %[t2]\n\t" \
  "mulxq 24(%[a]), %%rax, %[t4]\n\t" \
  "adcq %%rax, %[t3]\n\t" \
  "adcq $0, %[t4]\n\t" \
  "movq 8(%[a]), %%rdx\n\t" \
  "xorl %k[t5], %k[t5]\n\t" \
  "mulxq 16(%[a]), %%rax, %%rbx\n\t" \
  "adcxq %%rax, %[t3]\n\t" \
  "adoxq %%rbx, %[t4]\n\t" \
  "mulxq 24(%[a]), %%rax, %%rbx\n\t" \
  "adcxq %%rax, %[t4]\n\t" \
  "adoxq %%rbx, %[t5]\n\t" \
  "movq 16(%[a]), %%rdx\n\t" \
  "mulxq 24(%[a]), %%rax, %[t6]\n\t" \
  "adcxq %%rax, %[t5]\n\t" \
  "movl $0, %%edx\n\t" \
  "adoxq %%rdx, %[t6]\n\t" \
  "adcxq %%rdx, %[t6]\n\t" \
  "xorl %k[t7], %k[t7]\n\t" \
  "movq 0(%[a]), %%rdx\n\t" \
  "mulxq %%rdx, %[t0], %%rax\n\t" \
  "adcxq %[t1], %[t1]\n\t" \
  "adoxq %%rax, %[t1]\n\t" \
  "movq 8(%[a]), %%rdx\n\t" \
  "mulxq %%rdx, %%rax, %%rbx\n\t" \
  "adcxq %[t2], %[t2]\n\t" \
  "adoxq %%rax, %[t2]\n\t" \
  "adcxq %[t3], %[t3]\n\t" \
  "adoxq %%rbx, %[t3]\n\t" \
  "movq 16(%[a]), %%rdx\n\t" \
  "mulxq %%rdx, %%rax, %%rbx\n\t" \
  "adcxq %[t4], %[t4]\n\t" \
  "adoxq %%rax, %[t4]\n\t" \
  "adcxq %[t5], %[t5]\n\t" \
  "adoxq %%rbx, %[t5]\n\t" \
  "movq 24(%[a]), %%rdx\n\t" \
  "mulxq %%rdx, %%rax, %%rbx\n\t" \
  "adcxq %[t6], %[t6]\n\t" \
  "adoxq %%rax, %[t6]\n\t" \
  "adcxq %[t7], %[t7]\n\t" \
  "adoxq %%rbx, %[t7]\n\t"

// Montgomery reduction of t0..t7 (t < p 2^256): four times t = (t + m p) / 2^64
// with m = t_i. m p_0 + t_i = m 2^64 and p_1 = 2^32 - 1, so m (p_0 + p_1 2^64)
// + t_i adds exactly m 2^32 from word i + 1 on (a shift each way); only m p_3
// takes a MULX. t_i, consumed, is the scratch register of step i; rax holds
// the carry word t8. The result (t4..t7, t8) is below 2p; p is subtracted
// unless that borrows (CMOV), with t0..t3 as scratch.
#define KAGI_P256_REDUCE \
  "xorl %%eax, %%eax\n\t" \
  "movq %[t0], %%rdx\n\t" \
  "movq %%rdx, %%rbx\n\t" \
  "shlq $32, %[t0]\n\t" \
  "shrq $32, %%rbx\n\t" \
  "addq %[t0], %[t1]\n\t" \
  "adcq %%rbx, %[t2]\n\t" \
  "mulxq %[p3], %[t0], %%rbx\n\t" \
  "adcq %[t0], %[t3]\n\t" \
  "adcq %%rbx, %[t4]\n\t" \
  "adcq $0, %[t5]\n\t" \
  "adcq $0, %[t6]\n\t" \
  "adcq $0, %[t7]\n\t" \
  "adcq $0, %%rax\n\t" \
  "movq %[t1], %%rdx\n\t" \
  "movq %%rdx, %%rbx\n\t" \
  "shlq $32, %[t1]\n\t" \
  "shrq $32, %%rbx\n\t" \
  "addq %[t1], %[t2]\n\t" \
  "adcq %%rbx, %[t3]\n\t" \
  "mulxq %[p3], %[t1], %%rbx\n\t" \
  "adcq %[t1], %[t4]\n\t" \
  "adcq %%rbx, %[t5]\n\t" \
  "adcq $0, %[t6]\n\t" \
  "adcq $0, %[t7]\n\t" \
  "adcq $0, %%rax\n\t" \
  "movq %[t2], %%rdx\n\t" \
  "movq %%rdx, %%rbx\n\t" \
  "shlq $32, %[t2]\n\t" \
  "shrq $32, %%rbx\n\t" \
  "addq %[t2], %[t3]\n\t" \
  "adcq %%rbx, %[t4]\n\t" \
  "mulxq %[p3], %[t2], %%rbx\n\t" \
  "adcq %[t2], %[t5]\n\t" \
  "adcq %%rbx, %[t6]\n\t" \
  "adcq $0, %[t7]\n\t" \
  "adcq $0, %%rax\n\t" \
  "movq %[t3], %%rdx\n\t" \
  "movq %%rdx, %%rbx\n\t" \
  "shlq $32, %[t3]\n\t" \
  "shrq $32, %%rbx\n\t" \
  "addq %[t3], %[t4]\n\t" \
  "adcq %%rbx, %[t5]\n\t" \
  "mulxq %[p3], %[t3], %%rbx\n\t" \
  "adcq %[t3], %[t6]\n\t" \
  "adcq %%rbx, %[t7]\n\t" \
  "adcq $0, %%rax\n\t" \
  "movq %[t4], %[t0]\n\t" \
  "movq %[t5], %[t1]\n\t" \
  "movq %[t6], %[t2]\n\t" \
  "movq %[t7], %[t3]\n\t" \
  "subq $-1, %[t0]\n\t" \
  "sbbq %[p1], %[t1]\n\t" \
  "sbbq $0, %[t2]\n\t" \
  "sbbq %[p3], %[t3]\n\t" \
  "sbbq $0, %%rax\n\t" \
  "cmovncq %[t0], %[t4]\n\t" \
  "cmovncq %[t1], %[t5]\n\t" \
  "cmovncq %[t2], %[t6]\n\t" \
  "cmovncq %[t3], %[t7]\n\t"

#define KAGI_P256_T_OUTPUTS                                                                                   \
  [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5), [t6] "=&r"(t6), \
      [t7] "=&r"(t7)

struct field_mont_adx {
  using fe = p256::fe;
  static constexpr const char* name = "mulx-adx";

  [[nodiscard]] static constexpr fe zero() noexcept { return {}; }
  [[nodiscard]] static constexpr fe one() noexcept { return one_mont; }

  // a b / 2^256 mod p for a, b < p; the result is below p.
  [[nodiscard]] KAGI_P256_INLINE static fe mul(const fe& a, const fe& b) noexcept {
    u64 t0, t1, t2, t3, t4, t5, t6, t7;
    __asm__(KAGI_P256_MUL_512 KAGI_P256_REDUCE
            : KAGI_P256_T_OUTPUTS
            : [a] "r"(a.v), [b] "r"(b.v), [p1] "m"(p256_p1), [p3] "m"(p256_p3)
            : "rax", "rbx", "rdx", "cc", "memory");
    return {{t4, t5, t6, t7}};
  }
  // a^2 / 2^256 mod p for a < p.
  [[nodiscard]] KAGI_P256_INLINE static fe sqr(const fe& a) noexcept {
    u64 t0, t1, t2, t3, t4, t5, t6, t7;
    __asm__(KAGI_P256_SQR_512 KAGI_P256_REDUCE
            : KAGI_P256_T_OUTPUTS
            : [a] "r"(a.v), [p1] "m"(p256_p1), [p3] "m"(p256_p3)
            : "rax", "rbx", "rdx", "cc", "memory");
    return {{t4, t5, t6, t7}};
  }

  // a + b mod p for a, b < p.
  [[nodiscard]] KAGI_P256_INLINE static fe add(const fe& a, const fe& b) noexcept {
    u64 r0, r1, r2, r3, t0, t1, t2, t3;
    __asm__(
        "movq 0(%[a]), %[r0]\n\t"
        "movq 8(%[a]), %[r1]\n\t"
        "movq 16(%[a]), %[r2]\n\t"
        "movq 24(%[a]), %[r3]\n\t"
        "xorl %%eax, %%eax\n\t"
        "addq 0(%[b]), %[r0]\n\t"
        "adcq 8(%[b]), %[r1]\n\t"
        "adcq 16(%[b]), %[r2]\n\t"
        "adcq 24(%[b]), %[r3]\n\t"
        "adcq $0, %%rax\n\t"  // the carry word
        "movq %[r0], %[t0]\n\t"
        "movq %[r1], %[t1]\n\t"
        "movq %[r2], %[t2]\n\t"
        "movq %[r3], %[t3]\n\t"
        "subq $-1, %[t0]\n\t"
        "sbbq %[p1], %[t1]\n\t"
        "sbbq $0, %[t2]\n\t"
        "sbbq %[p3], %[t3]\n\t"
        "sbbq $0, %%rax\n\t"  // borrows exactly when a + b < p
        "cmovncq %[t0], %[r0]\n\t"
        "cmovncq %[t1], %[r1]\n\t"
        "cmovncq %[t2], %[r2]\n\t"
        "cmovncq %[t3], %[r3]\n\t"
        : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [t0] "=&r"(t0), [t1] "=&r"(t1),
          [t2] "=&r"(t2), [t3] "=&r"(t3)
        : [a] "r"(a.v), [b] "r"(b.v), [p1] "m"(p256_p1), [p3] "m"(p256_p3)
        : "rax", "cc", "memory");
    return {{r0, r1, r2, r3}};
  }

  // a - b mod p for a, b < p: p is added back (under a mask) when a < b.
  [[nodiscard]] KAGI_P256_INLINE static fe sub(const fe& a, const fe& b) noexcept {
    u64 r0, r1, r2, r3, t1, t3;
    __asm__(
        "movq 0(%[a]), %[r0]\n\t"
        "movq 8(%[a]), %[r1]\n\t"
        "movq 16(%[a]), %[r2]\n\t"
        "movq 24(%[a]), %[r3]\n\t"
        "subq 0(%[b]), %[r0]\n\t"
        "sbbq 8(%[b]), %[r1]\n\t"
        "sbbq 16(%[b]), %[r2]\n\t"
        "sbbq 24(%[b]), %[r3]\n\t"
        "sbbq %%rax, %%rax\n\t"  // all ones when a < b
        "movl %%eax, %k[t1]\n\t"  // p_1 & mask
        "movq %[p3], %[t3]\n\t"
        "andq %%rax, %[t3]\n\t"   // p_3 & mask
        "addq %%rax, %[r0]\n\t"   // p_0 & mask = mask
        "adcq %[t1], %[r1]\n\t"
        "adcq $0, %[r2]\n\t"
        "adcq %[t3], %[r3]\n\t"
        : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [t1] "=&r"(t1), [t3] "=&r"(t3)
        : [a] "r"(a.v), [b] "r"(b.v), [p3] "m"(p256_p3)
        : "rax", "cc", "memory");
    return {{r0, r1, r2, r3}};
  }
  [[nodiscard]] KAGI_P256_INLINE static fe neg(const fe& a) noexcept { return sub(zero(), a); }

  // r = mask ? a : r (kept in general registers, see x25519_adx.hpp).
  static void cmov(u64 mask, fe& r, const fe& a) noexcept {
    const u64 m = ct::value_barrier(mask);
    for (int i = 0; i < 4; ++i) r.v[i] ^= ct::value_barrier(m & (r.v[i] ^ a.v[i]));
  }
};

// The scalars mod n (ECDSA) with MULX, ADCX and ADOX: Montgomery
// multiplication in one block, CIOS. Each of the four rows adds a b_i to the
// accumulator (MULX of each limb of a, low halves on the ADCX chain, high
// halves on the ADOX chain), then adds m n with m = acc_0 n0inv mod 2^64,
// which clears the low word; the accumulator (five words, below 2n) then
// moves down a word by renaming registers (the ROW macro's arguments turn
// by one). n is subtracted at the end unless that borrows (CMOV).
inline constexpr u64 p256_n0 = 0xf3b9cac2fc632551;
inline constexpr u64 p256_n1 = 0xbce6faada7179e84;
inline constexpr u64 p256_n2 = 0xffffffffffffffff;
inline constexpr u64 p256_n3 = 0xffffffff00000000;
inline constexpr u64 p256_n0inv = n0inv;

// acc (A0..A4) += a * b[B], carries into A5 (zeroed here); then acc += m n
// with m = A0 n0inv, after which A0 is zero.
#define KAGI_P256N_ROW(B, A0, A1, A2, A3, A4, A5) \
  "movq " B "(%[b]), %%rdx\n\t" \
  "xorl %k[" A5 "], %k[" A5 "]\n\t" \
  "mulxq 0(%[a]), %%rax, %%rbx\n\t" \
  "adcxq %%rax, %[" A0 "]\n\t" \
  "adoxq %%rbx, %[" A1 "]\n\t" \
  "mulxq 8(%[a]), %%rax, %%rbx\n\t" \
  "adcxq %%rax, %[" A1 "]\n\t" \
  "adoxq %%rbx, %[" A2 "]\n\t" \
  "mulxq 16(%[a]), %%rax, %%rbx\n\t" \
  "adcxq %%rax, %[" A2 "]\n\t" \
  "adoxq %%rbx, %[" A3 "]\n\t" \
  "mulxq 24(%[a]), %%rax, %%rbx\n\t" \
  "adcxq %%rax, %[" A3 "]\n\t" \
  "adoxq %%rbx, %[" A4 "]\n\t" \
  "movl $0, %%eax\n\t" \
  "adcxq %%rax, %[" A4 "]\n\t" \
  "adoxq %%rax, %[" A5 "]\n\t" \
  "adcxq %%rax, %[" A5 "]\n\t" \
  "movq %[" A0 "], %%rdx\n\t" \
  "imulq %[n0inv], %%rdx\n\t" \
  "xorl %%eax, %%eax\n\t" \
  "mulxq %[n0], %%rax, %%rbx\n\t" \
  "adcxq %%rax, %[" A0 "]\n\t" \
  "adoxq %%rbx, %[" A1 "]\n\t" \
  "mulxq %[n1], %%rax, %%rbx\n\t" \
  "adcxq %%rax, %[" A1 "]\n\t" \
  "adoxq %%rbx, %[" A2 "]\n\t" \
  "mulxq %[n2], %%rax, %%rbx\n\t" \
  "adcxq %%rax, %[" A2 "]\n\t" \
  "adoxq %%rbx, %[" A3 "]\n\t" \
  "mulxq %[n3], %%rax, %%rbx\n\t" \
  "adcxq %%rax, %[" A3 "]\n\t" \
  "adoxq %%rbx, %[" A4 "]\n\t" \
  "movl $0, %%eax\n\t" \
  "adcxq %%rax, %[" A4 "]\n\t" \
  "adoxq %%rax, %[" A5 "]\n\t" \
  "adcxq %%rax, %[" A5 "]\n\t"

struct scalar_mont_adx : scalar_mont {
  static constexpr const char* name = "mulx-adx";

  // a b / 2^256 mod n for a, b < n; the result is below n.
  [[nodiscard]] KAGI_P256_INLINE static fe mul(const fe& a, const fe& b) noexcept {
    u64 r0, r1, r2, r3, r4, r5;
    __asm__(
        "xorl %k[r0], %k[r0]\n\t"
        "xorl %k[r1], %k[r1]\n\t"
        "xorl %k[r2], %k[r2]\n\t"
        "xorl %k[r3], %k[r3]\n\t"
        "xorl %k[r4], %k[r4]\n\t"
        KAGI_P256N_ROW("0", "r0", "r1", "r2", "r3", "r4", "r5")
        KAGI_P256N_ROW("8", "r1", "r2", "r3", "r4", "r5", "r0")
        KAGI_P256N_ROW("16", "r2", "r3", "r4", "r5", "r0", "r1")
        KAGI_P256N_ROW("24", "r3", "r4", "r5", "r0", "r1", "r2")
        // The value is r4 + r5 2^64 + r0 2^128 + r1 2^192 + r2 2^256 < 2n.
        "movq %[r4], %[r3]\n\t"
        "movq %[r5], %%rax\n\t"
        "movq %[r0], %%rbx\n\t"
        "movq %[r1], %%rdx\n\t"
        "subq %[n0], %[r3]\n\t"
        "sbbq %[n1], %%rax\n\t"
        "sbbq %[n2], %%rbx\n\t"
        "sbbq %[n3], %%rdx\n\t"
        "sbbq $0, %[r2]\n\t"
        "cmovncq %[r3], %[r4]\n\t"
        "cmovncq %%rax, %[r5]\n\t"
        "cmovncq %%rbx, %[r0]\n\t"
        "cmovncq %%rdx, %[r1]\n\t"
        : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4), [r5] "=&r"(r5)
        : [a] "r"(a.v), [b] "r"(b.v), [n0] "m"(p256_n0), [n1] "m"(p256_n1), [n2] "m"(p256_n2), [n3] "m"(p256_n3),
          [n0inv] "m"(p256_n0inv)
        : "rax", "rbx", "rdx", "cc", "memory");
    return {{r4, r5, r0, r1}};
  }
  [[nodiscard]] KAGI_P256_INLINE static fe sqr(const fe& a) noexcept { return mul(a, a); }
};

inline constexpr std::uint32_t p256_adx_needs = cpu::bmi2 | cpu::adx;

#undef KAGI_P256N_ROW

#undef KAGI_P256_MUL_512
#undef KAGI_P256_SQR_512
#undef KAGI_P256_REDUCE
#undef KAGI_P256_T_OUTPUTS
#undef KAGI_P256_INLINE

}  // namespace kagi::detail::p256

#endif  // KAGI_X86

#endif  // KAGI_EC_X86_P256_ADX_HPP
