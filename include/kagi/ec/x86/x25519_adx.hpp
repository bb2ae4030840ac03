// kagi/ec/x86/x25519_adx.hpp: GF(2^255 - 19) in radix 2^64 with MULX, ADCX and
// ADOX (BMI2 + ADX), for the X25519 ladder and fixed-base code of x25519.hpp.
//
// An element is four 64-bit limbs holding any value below 2^256 (not
// necessarily below p); 2^256 = 38 (mod p) folds the high half of a product
// back. Products are 4x4 schoolbook with two carry chains at once (ADCX on
// the low halves, ADOX on the high halves), squares compute the six cross
// products once. Each operation is one inline-assembly block: no target
// attribute is needed, so the shared templates inline it, and it has no
// branches or memory indexes at all. The dispatcher only picks it when the
// CPU reports BMI2 and ADX.
//
// Included by ../x25519.hpp after the portable code and before its dispatch
// tables; on its own it includes the algorithm first.
#include "../x25519.hpp"

#ifndef KAGI_EC_X86_X25519_ADX_HPP
#define KAGI_EC_X86_X25519_ADX_HPP

#if KAGI_X86

namespace kagi::detail::c25519 {

// Each operation is small enough to inline; GCC's size estimate of inline
// assembly would otherwise keep mul out of line and pass results through memory.
#define KAGI_FE64_INLINE __attribute__((always_inline)) inline

struct fe64 {
  u64 v[4]{};
};

// Folds the carry word in r12 (times 38) into p0..p3 (output registers); a
// carry out of that adds 38 once more (p0 is then small, so it cannot carry).
#define KAGI_FE64_FOLD_R12                 \
  "imulq $38, %%r12, %%r12\n\t"                  \
  "addq %%r12, %[p0]\n\t"                         \
  "adcq $0, %[p1]\n\t"                            \
  "adcq $0, %[p2]\n\t"                           \
  "adcq $0, %[p3]\n\t"                           \
  "sbbq %%rax, %%rax\n\t"                        \
  "andq $38, %%rax\n\t"                          \
  "addq %%rax, %[p0]\n\t"

// p0..p3, r12..r15 = 512-bit value; reduces it to p0..p3 (below 2^256).
#define KAGI_FE64_REDUCE_512                                       \
  "movl $38, %%edx\n\t"                                                  \
  "xorl %%eax, %%eax\n\t"                                                \
  "mulxq %%r12, %%rax, %%rbx\n\t"                                        \
  "adcxq %%rax, %[p0]\n\t"                                                \
  "adoxq %%rbx, %[p1]\n\t"                                                \
  "mulxq %%r13, %%rax, %%rbx\n\t"                                        \
  "adcxq %%rax, %[p1]\n\t"                                                \
  "adoxq %%rbx, %[p2]\n\t"                                               \
  "mulxq %%r14, %%rax, %%rbx\n\t"                                        \
  "adcxq %%rax, %[p2]\n\t"                                               \
  "adoxq %%rbx, %[p3]\n\t"                                               \
  "mulxq %%r15, %%rax, %%r12\n\t"                                        \
  "adcxq %%rax, %[p3]\n\t"                                               \
  "movl $0, %%edx\n\t"                                                   \
  "adoxq %%rdx, %%r12\n\t"                                               \
  "adcxq %%rdx, %%r12\n\t" KAGI_FE64_FOLD_R12

// One row of the schoolbook product: p[i..i+4] += a * b_i (rdx = b_i),
// with P0..P4 the registers of p[i..i+4] (P4 is written, not added to).
#define KAGI_FE64_MUL_ROW(P0, P1, P2, P3, P4) \
  "xorl %%eax, %%eax\n\t"                      \
  "mulxq %[a0], %%rax, %%rbx\n\t"              \
  "adcxq %%rax, " P0 "\n\t"                    \
  "adoxq %%rbx, " P1 "\n\t"                    \
  "mulxq %[a1], %%rax, %%rbx\n\t"              \
  "adcxq %%rax, " P1 "\n\t"                    \
  "adoxq %%rbx, " P2 "\n\t"                    \
  "mulxq %[a2], %%rax, %%rbx\n\t"              \
  "adcxq %%rax, " P2 "\n\t"                    \
  "adoxq %%rbx, " P3 "\n\t"                    \
  "mulxq %[a3], %%rax, " P4 "\n\t"             \
  "adcxq %%rax, " P3 "\n\t"                    \
  "movl $0, %%edx\n\t"                         \
  "adoxq %%rdx, " P4 "\n\t"                    \
  "adcxq %%rdx, " P4 "\n\t"

#define KAGI_FE64_CLOBBERS "rax", "rbx", "rdx", "r12", "r13", "r14", "r15", "cc"

struct field64_adx {
  using fe = fe64;
  static constexpr const char* name = "mulx-adx";

  [[nodiscard]] static constexpr fe zero() noexcept { return {}; }
  [[nodiscard]] static constexpr fe one() noexcept { return {{1, 0, 0, 0}}; }
  [[nodiscard]] static constexpr fe small(u64 x) noexcept { return {{x, 0, 0, 0}}; }

  // Little-endian bytes, top bit ignored; values >= p are kept as they are.
  [[nodiscard]] static fe from_bytes(const std::uint8_t* s) noexcept {
    return {{load_le64(s), load_le64(s + 8), load_le64(s + 16), load_le64(s + 24) & 0x7fffffffffffffff}};
  }

  // The canonical encoding. f < 2^256 = 2p + 38: take bit 255 off (adding
  // 19 for it), then subtract p once if the value is still >= p.
  static void to_bytes(std::uint8_t* s, const fe& f) noexcept {
    u64 t[4] = {f.v[0], f.v[1], f.v[2], f.v[3]};
    const u64 top = t[3] >> 63;
    t[3] &= 0x7fffffffffffffff;
    u64 c = 0;
    t[0] = wide::addc(t[0], 19 & ct::mask_from_bit(top), c);
    for (int i = 1; i < 4; ++i) t[i] = wide::addc(t[i], 0, c);  // now t < 2^255 + 19 < 2p
    // t - p = t + 19 - 2^255: take it when bit 255 of t + 19 is set.
    u64 d[4];
    c = 0;
    d[0] = wide::addc(t[0], 19, c);
    for (int i = 1; i < 4; ++i) d[i] = wide::addc(t[i], 0, c);
    const u64 ge = ct::mask_from_bit(d[3] >> 63);
    d[3] &= 0x7fffffffffffffff;
    for (int i = 0; i < 4; ++i) store_le64(s + 8 * i, ct::select(ge, d[i], t[i]));
  }

  [[nodiscard]] KAGI_FE64_INLINE static fe add(const fe& a, const fe& b) noexcept {
    fe r;
    __asm__(
        "movq %[a0], %[p0]\n\t"
        "movq %[a1], %[p1]\n\t"
        "movq %[a2], %[p2]\n\t"
        "movq %[a3], %[p3]\n\t"
        "addq %[b0], %[p0]\n\t"
        "adcq %[b1], %[p1]\n\t"
        "adcq %[b2], %[p2]\n\t"
        "adcq %[b3], %[p3]\n\t"
        "sbbq %%rax, %%rax\n\t"
        "andq $38, %%rax\n\t"
        "addq %%rax, %[p0]\n\t"
        "adcq $0, %[p1]\n\t"
        "adcq $0, %[p2]\n\t"
        "adcq $0, %[p3]\n\t"
        "sbbq %%rax, %%rax\n\t"
        "andq $38, %%rax\n\t"
        "addq %%rax, %[p0]\n\t"



        : [p0] "=&r"(r.v[0]), [p1] "=&r"(r.v[1]), [p2] "=&r"(r.v[2]), [p3] "=&r"(r.v[3])
        : [a0] "m"(a.v[0]), [a1] "m"(a.v[1]), [a2] "m"(a.v[2]), [a3] "m"(a.v[3]), [b0] "m"(b.v[0]),
          [b1] "m"(b.v[1]), [b2] "m"(b.v[2]), [b3] "m"(b.v[3])
        : "rax", "cc");
    return r;
  }

  [[nodiscard]] KAGI_FE64_INLINE static fe sub(const fe& a, const fe& b) noexcept {
    fe r;
    __asm__(
        "movq %[a0], %[p0]\n\t"
        "movq %[a1], %[p1]\n\t"
        "movq %[a2], %[p2]\n\t"
        "movq %[a3], %[p3]\n\t"
        "subq %[b0], %[p0]\n\t"
        "sbbq %[b1], %[p1]\n\t"
        "sbbq %[b2], %[p2]\n\t"
        "sbbq %[b3], %[p3]\n\t"
        "sbbq %%rax, %%rax\n\t"
        "andq $38, %%rax\n\t"
        "subq %%rax, %[p0]\n\t"
        "sbbq $0, %[p1]\n\t"
        "sbbq $0, %[p2]\n\t"
        "sbbq $0, %[p3]\n\t"
        "sbbq %%rax, %%rax\n\t"
        "andq $38, %%rax\n\t"
        "subq %%rax, %[p0]\n\t"



        : [p0] "=&r"(r.v[0]), [p1] "=&r"(r.v[1]), [p2] "=&r"(r.v[2]), [p3] "=&r"(r.v[3])
        : [a0] "m"(a.v[0]), [a1] "m"(a.v[1]), [a2] "m"(a.v[2]), [a3] "m"(a.v[3]), [b0] "m"(b.v[0]),
          [b1] "m"(b.v[1]), [b2] "m"(b.v[2]), [b3] "m"(b.v[3])
        : "rax", "cc");
    return r;
  }
  [[nodiscard]] static fe neg(const fe& a) noexcept { return sub(zero(), a); }

  [[nodiscard]] KAGI_FE64_INLINE static fe mul(const fe& a, const fe& b) noexcept {
    fe r;
    __asm__(
        // Row 0: r8..r12 = a * b0.
        "movq %[b0], %%rdx\n\t"
        "mulxq %[a0], %[p0], %[p1]\n\t"
        "mulxq %[a1], %%rax, %[p2]\n\t"
        "addq %%rax, %[p1]\n\t"
        "mulxq %[a2], %%rax, %[p3]\n\t"
        "adcq %%rax, %[p2]\n\t"
        "mulxq %[a3], %%rax, %%r12\n\t"
        "adcq %%rax, %[p3]\n\t"
        "adcq $0, %%r12\n\t"
        // Rows 1..3.
        "movq %[b1], %%rdx\n\t" KAGI_FE64_MUL_ROW("%[p1]", "%[p2]", "%[p3]", "%%r12", "%%r13")
        "movq %[b2], %%rdx\n\t" KAGI_FE64_MUL_ROW("%[p2]", "%[p3]", "%%r12", "%%r13", "%%r14")
        "movq %[b3], %%rdx\n\t" KAGI_FE64_MUL_ROW("%[p3]", "%%r12", "%%r13", "%%r14", "%%r15")
        KAGI_FE64_REDUCE_512
        : [p0] "=&r"(r.v[0]), [p1] "=&r"(r.v[1]), [p2] "=&r"(r.v[2]), [p3] "=&r"(r.v[3])
        : [a0] "m"(a.v[0]), [a1] "m"(a.v[1]), [a2] "m"(a.v[2]), [a3] "m"(a.v[3]), [b0] "m"(b.v[0]),
          [b1] "m"(b.v[1]), [b2] "m"(b.v[2]), [b3] "m"(b.v[3])
        : KAGI_FE64_CLOBBERS);
    return r;
  }

  [[nodiscard]] KAGI_FE64_INLINE static fe sqr(const fe& a) noexcept {
    fe r;
    __asm__(
        // Cross products a_i a_j (i < j) into r9..r14 (positions 1..6).
        "movq %[a0], %%rdx\n\t"
        "mulxq %[a1], %[p1], %[p2]\n\t"
        "mulxq %[a2], %%rax, %[p3]\n\t"
        "addq %%rax, %[p2]\n\t"
        "mulxq %[a3], %%rax, %%r12\n\t"
        "adcq %%rax, %[p3]\n\t"
        "adcq $0, %%r12\n\t"
        "movq %[a1], %%rdx\n\t"
        "xorl %%r13d, %%r13d\n\t"
        "mulxq %[a2], %%rax, %%rbx\n\t"
        "adcxq %%rax, %[p3]\n\t"
        "adoxq %%rbx, %%r12\n\t"
        "mulxq %[a3], %%rax, %%rbx\n\t"
        "adcxq %%rax, %%r12\n\t"
        "adoxq %%rbx, %%r13\n\t"
        "movq %[a2], %%rdx\n\t"
        "mulxq %[a3], %%rax, %%r14\n\t"
        "adcxq %%rax, %%r13\n\t"
        "movl $0, %%edx\n\t"
        "adoxq %%rdx, %%r14\n\t"
        "adcxq %%rdx, %%r14\n\t"
        // Double them (ADCX chain) and add the squares a_i^2 (ADOX chain).
        "xorl %%r15d, %%r15d\n\t"
        "movq %[a0], %%rdx\n\t"
        "mulxq %%rdx, %[p0], %%rax\n\t"
        "adcxq %[p1], %[p1]\n\t"
        "adoxq %%rax, %[p1]\n\t"
        "movq %[a1], %%rdx\n\t"
        "mulxq %%rdx, %%rax, %%rbx\n\t"
        "adcxq %[p2], %[p2]\n\t"
        "adoxq %%rax, %[p2]\n\t"
        "adcxq %[p3], %[p3]\n\t"
        "adoxq %%rbx, %[p3]\n\t"
        "movq %[a2], %%rdx\n\t"
        "mulxq %%rdx, %%rax, %%rbx\n\t"
        "adcxq %%r12, %%r12\n\t"
        "adoxq %%rax, %%r12\n\t"
        "adcxq %%r13, %%r13\n\t"
        "adoxq %%rbx, %%r13\n\t"
        "movq %[a3], %%rdx\n\t"
        "mulxq %%rdx, %%rax, %%rbx\n\t"
        "adcxq %%r14, %%r14\n\t"
        "adoxq %%rax, %%r14\n\t"
        "adcxq %%r15, %%r15\n\t"
        "adoxq %%rbx, %%r15\n\t"
        KAGI_FE64_REDUCE_512
        : [p0] "=&r"(r.v[0]), [p1] "=&r"(r.v[1]), [p2] "=&r"(r.v[2]), [p3] "=&r"(r.v[3])
        : [a0] "m"(a.v[0]), [a1] "m"(a.v[1]), [a2] "m"(a.v[2]), [a3] "m"(a.v[3])
        : KAGI_FE64_CLOBBERS);
    return r;
  }

  // f * c for a constant c below 2^32.
  [[nodiscard]] KAGI_FE64_INLINE static fe mul_small(const fe& a, u64 c) noexcept {
    fe r;
    __asm__(
        "movq %[c], %%rdx\n\t"
        "mulxq %[a0], %[p0], %[p1]\n\t"
        "mulxq %[a1], %%rax, %[p2]\n\t"
        "addq %%rax, %[p1]\n\t"
        "mulxq %[a2], %%rax, %[p3]\n\t"
        "adcq %%rax, %[p2]\n\t"
        "mulxq %[a3], %%rax, %%r12\n\t"
        "adcq %%rax, %[p3]\n\t"
        "adcq $0, %%r12\n\t"
        KAGI_FE64_FOLD_R12
        : [p0] "=&r"(r.v[0]), [p1] "=&r"(r.v[1]), [p2] "=&r"(r.v[2]), [p3] "=&r"(r.v[3])
        : [a0] "m"(a.v[0]), [a1] "m"(a.v[1]), [a2] "m"(a.v[2]), [a3] "m"(a.v[3]), [c] "r"(c)
        : "rax", "rdx", "r12", "cc");
    return r;
  }

  static void cswap(u64 mask, fe& a, fe& b) noexcept {
    // Each limb goes through the barrier: the loop stays in general registers
    // (vectorized, it would read 16 bytes where 8-byte stores just wrote).
    const u64 m = ct::value_barrier(mask);
    for (int i = 0; i < 4; ++i) {
      const u64 t = ct::value_barrier(m & (a.v[i] ^ b.v[i]));
      a.v[i] ^= t;
      b.v[i] ^= t;
    }
  }
  static void cmov(u64 mask, fe& r, const fe& a) noexcept {
    const u64 m = ct::value_barrier(mask);
    for (int i = 0; i < 4; ++i) r.v[i] ^= ct::value_barrier(m & (r.v[i] ^ a.v[i]));
  }
};

#undef KAGI_FE64_FOLD_R12
#undef KAGI_FE64_REDUCE_512
#undef KAGI_FE64_MUL_ROW
#undef KAGI_FE64_CLOBBERS
#undef KAGI_FE64_INLINE

inline constexpr std::uint32_t x25519_adx_needs = cpu::bmi2 | cpu::adx;

}  // namespace kagi::detail::c25519

#endif  // KAGI_X86

#endif  // KAGI_EC_X86_X25519_ADX_HPP
