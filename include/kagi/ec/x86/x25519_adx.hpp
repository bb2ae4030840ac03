// kagi/ec/x86/x25519_adx.hpp: GF(2^255 - 19) in radix 2^64 with MULX, ADCX and
// ADOX (BMI2 + ADX), for the X25519 ladder and fixed-base code of x25519.hpp.
//
// An element is four 64-bit limbs holding any value below 2^256 (not
// necessarily below p); 2^256 = 38 (mod p) folds the high half of a product
// back. Products are 4x4 schoolbook with two carry chains at once (ADCX on
// the low halves, ADOX on the high halves), squares compute the six cross
// products once. Each operation is one inline-assembly block: no target
// attribute is needed, so the shared templates inline it, and it has no
// branches or memory indexes at all (sqr_n loops on its public count only).
// mul, sqr and mul_small return "tight" values, below 2^255 + 2^40.
// The ladder (ladder_adx, below) is this field's own: the swap, the sums and
// differences and the product by a24 are fused into three blocks that fold
// once, which tight inputs allow. The fixed-base code is x25519.hpp's,
// shared with the portable field. The dispatcher only picks this file's
// code when the CPU reports BMI2 and ADX.
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

// Folds the carry word in r12 (below 2^33) into p0..p3 (output registers):
// bit 255 and r12 go back in as 19 each (2^255 = 19 mod p), so the result is
// "tight", below 2^255 + 2^40 (below 2^255 + 2^13 for mul and sqr, whose carry
// word is below 2^7). Two tight values add without overflow beyond one fold.
#define KAGI_FE64_FOLD_R12 \
  "addq %[p3], %[p3]\n\t"   \
  "adcq %%r12, %%r12\n\t"   \
  "shrq $1, %[p3]\n\t"      \
  "imulq $19, %%r12, %%r12\n\t" \
  "addq %%r12, %[p0]\n\t"   \
  "adcq $0, %[p1]\n\t"      \
  "adcq $0, %[p2]\n\t"      \
  "adcq $0, %[p3]\n\t"

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

  // f^(2^n), n >= 1 squarings in one loop that keeps the value in registers
  // (the inversion's chains of squarings). The square of sqr() with the
  // registers reused: the input limbs serve as temporaries once read, so
  // fourteen registers do, and the counter (public) lives in memory. Not
  // instrumented by AddressSanitizer: it would move the counter to its own
  // stack frame, addressed through a fifteenth register (g++ -fsanitize=address
  // then finds the constraints impossible); the block touches no other memory.
  [[nodiscard]] __attribute__((no_sanitize_address)) static fe sqr_n(const fe& f, int n) noexcept {
    u64 a0 = f.v[0], a1 = f.v[1], a2 = f.v[2], a3 = f.v[3];
    fe r;
    if (n <= 0) return f;
    __asm__(
        "1:\n\t"
        // Cross products a_i a_j (i < j) into p1..p3, r12..r14; p0 a temporary.
        "movq %[a0], %%rdx\n\t"
        "mulxq %[a1], %[p1], %[p2]\n\t"
        "mulxq %[a2], %%rax, %[p3]\n\t"
        "addq %%rax, %[p2]\n\t"
        "mulxq %[a3], %%rax, %%r12\n\t"
        "adcq %%rax, %[p3]\n\t"
        "adcq $0, %%r12\n\t"
        "movq %[a1], %%rdx\n\t"
        "xorl %%r13d, %%r13d\n\t"
        "mulxq %[a2], %%rax, %[p0]\n\t"
        "adcxq %%rax, %[p3]\n\t"
        "adoxq %[p0], %%r12\n\t"
        "mulxq %[a3], %%rax, %[p0]\n\t"
        "adcxq %%rax, %%r12\n\t"
        "adoxq %[p0], %%r13\n\t"
        "movq %[a2], %%rdx\n\t"
        "mulxq %[a3], %%rax, %%r14\n\t"
        "adcxq %%rax, %%r13\n\t"
        "movl $0, %%edx\n\t"
        "adoxq %%rdx, %%r14\n\t"
        "adcxq %%rdx, %%r14\n\t"
        // Double them and add the squares; a_i is dead once in rdx (a0 the temporary).
        "xorl %%r15d, %%r15d\n\t"
        "movq %[a0], %%rdx\n\t"
        "mulxq %%rdx, %[p0], %%rax\n\t"
        "adcxq %[p1], %[p1]\n\t"
        "adoxq %%rax, %[p1]\n\t"
        "movq %[a1], %%rdx\n\t"
        "mulxq %%rdx, %%rax, %[a0]\n\t"
        "adcxq %[p2], %[p2]\n\t"
        "adoxq %%rax, %[p2]\n\t"
        "adcxq %[p3], %[p3]\n\t"
        "adoxq %[a0], %[p3]\n\t"
        "movq %[a2], %%rdx\n\t"
        "mulxq %%rdx, %%rax, %[a0]\n\t"
        "adcxq %%r12, %%r12\n\t"
        "adoxq %%rax, %%r12\n\t"
        "adcxq %%r13, %%r13\n\t"
        "adoxq %[a0], %%r13\n\t"
        "movq %[a3], %%rdx\n\t"
        "mulxq %%rdx, %%rax, %[a0]\n\t"
        "adcxq %%r14, %%r14\n\t"
        "adoxq %%rax, %%r14\n\t"
        "adcxq %%r15, %%r15\n\t"
        "adoxq %[a0], %%r15\n\t"
        // Reduce (as KAGI_FE64_REDUCE_512, a0 for rbx).
        "movl $38, %%edx\n\t"
        "xorl %%eax, %%eax\n\t"
        "mulxq %%r12, %%rax, %[a0]\n\t"
        "adcxq %%rax, %[p0]\n\t"
        "adoxq %[a0], %[p1]\n\t"
        "mulxq %%r13, %%rax, %[a0]\n\t"
        "adcxq %%rax, %[p1]\n\t"
        "adoxq %[a0], %[p2]\n\t"
        "mulxq %%r14, %%rax, %[a0]\n\t"
        "adcxq %%rax, %[p2]\n\t"
        "adoxq %[a0], %[p3]\n\t"
        "mulxq %%r15, %%rax, %%r12\n\t"
        "adcxq %%rax, %[p3]\n\t"
        "movl $0, %%edx\n\t"
        "adoxq %%rdx, %%r12\n\t"
        "adcxq %%rdx, %%r12\n\t"
        KAGI_FE64_FOLD_R12
        "movq %[p0], %[a0]\n\t"
        "movq %[p1], %[a1]\n\t"
        "movq %[p2], %[a2]\n\t"
        "movq %[p3], %[a3]\n\t"
        "decl %[n]\n\t"
        "jnz 1b\n\t"
        : [p0] "=&r"(r.v[0]), [p1] "=&r"(r.v[1]), [p2] "=&r"(r.v[2]), [p3] "=&r"(r.v[3]), [a0] "+r"(a0),
          [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [n] "+m"(n)
        :
        : "rax", "rdx", "r12", "r13", "r14", "r15", "cc");
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

// ---- The ladder, with the additions and subtractions fused into a few blocks
//
// mul, sqr and mul_small return tight values (below 2^255 + 2^40), and so do
// from_bytes, zero and one. On tight inputs one fold is enough:
//   a + b < 2^256 + 2^41: on a carry the low 256 bits are below 2^41, so
//     adding 38 to the low limb cannot carry again;
//   a - b (b tight, a below 2^256): on a borrow a - b + 2^256 >= 2^255 - 2^40,
//     so subtracting 38 (with the borrow through the limbs) cannot borrow again.
// Sums and differences are below 2^256, not tight: they only feed mul and sqr.

// R0..R3 = A + B (A, B tight; A an addressing expression list).
#define KAGI_FE64_ADD1(A0, A1, A2, A3, B0, B1, B2, B3, R0, R1, R2, R3, T) \
  "movq " A0 ", " R0 "\n\t"                                                  \
  "movq " A1 ", " R1 "\n\t"                                                  \
  "movq " A2 ", " R2 "\n\t"                                                  \
  "movq " A3 ", " R3 "\n\t"                                                  \
  "addq " B0 ", " R0 "\n\t"                                                  \
  "adcq " B1 ", " R1 "\n\t"                                                  \
  "adcq " B2 ", " R2 "\n\t"                                                  \
  "adcq " B3 ", " R3 "\n\t"                                                  \
  "sbbq " T ", " T "\n\t"                                                    \
  "andq $38, " T "\n\t"                                                      \
  "addq " T ", " R0 "\n\t"

// R0..R3 = A - B (B tight).
#define KAGI_FE64_SUB1(A0, A1, A2, A3, B0, B1, B2, B3, R0, R1, R2, R3, T) \
  "movq " A0 ", " R0 "\n\t"                                                  \
  "movq " A1 ", " R1 "\n\t"                                                  \
  "movq " A2 ", " R2 "\n\t"                                                  \
  "movq " A3 ", " R3 "\n\t"                                                  \
  "subq " B0 ", " R0 "\n\t"                                                  \
  "sbbq " B1 ", " R1 "\n\t"                                                  \
  "sbbq " B2 ", " R2 "\n\t"                                                  \
  "sbbq " B3 ", " R3 "\n\t"                                                  \
  "sbbq " T ", " T "\n\t"                                                    \
  "andq $38, " T "\n\t"                                                      \
  "subq " T ", " R0 "\n\t"                                                   \
  "sbbq $0, " R1 "\n\t"                                                      \
  "sbbq $0, " R2 "\n\t"                                                      \
  "sbbq $0, " R3 "\n\t"

// Swaps R0..R3 and S0..S3 when the flags say nonzero (set by a test of the
// mask before): conditional moves, no branch.
#define KAGI_FE64_CSWAP_REGS(T)                                                          \
  "movq %[r0], " T "\n\tcmovnzq %[s0], %[r0]\n\tcmovnzq " T ", %[s0]\n\t"                \
  "movq %[r1], " T "\n\tcmovnzq %[s1], %[r1]\n\tcmovnzq " T ", %[s1]\n\t"                \
  "movq %[r2], " T "\n\tcmovnzq %[s2], %[r2]\n\tcmovnzq " T ", %[s2]\n\t"                \
  "movq %[r3], " T "\n\tcmovnzq %[s3], %[r3]\n\tcmovnzq " T ", %[s3]\n\t"

#define KAGI_FE64_STORE(R, OFF)                                   \
  "movq %[r0], " OFF "+0(" R ")\n\tmovq %[r1], " OFF "+8(" R ")\n\t" \
  "movq %[r2], " OFF "+16(" R ")\n\tmovq %[r3], " OFF "+24(" R ")\n\t"
#define KAGI_FE64_STORE_S(R, OFF)                                 \
  "movq %[s0], " OFF "+0(" R ")\n\tmovq %[s1], " OFF "+8(" R ")\n\t" \
  "movq %[s2], " OFF "+16(" R ")\n\tmovq %[s3], " OFF "+24(" R ")\n\t"

// The start of a ladder step: st = (x2, z2, x3, z3), swap = all ones or 0.
// Writes w = (a, b, c, d) = (x2 + z2, x2 - z2, x3 + z3, x3 - z3) of the
// conditionally swapped state: the sums and differences are computed first
// and swapped in registers, so the state itself is never swapped (all four
// are overwritten by the step).
KAGI_FE64_INLINE void fe64_ladder_start(u64 swap, const fe64 (&st)[4], fe64 (&w)[4]) noexcept {
  u64 r0, r1, r2, r3, s0, s1, s2, s3, t;
  __asm__(
      KAGI_FE64_ADD1("0(%[st])", "8(%[st])", "16(%[st])", "24(%[st])", "32(%[st])", "40(%[st])", "48(%[st])",
                     "56(%[st])", "%[r0]", "%[r1]", "%[r2]", "%[r3]", "%[t]")
      KAGI_FE64_ADD1("64(%[st])", "72(%[st])", "80(%[st])", "88(%[st])", "96(%[st])", "104(%[st])", "112(%[st])",
                     "120(%[st])", "%[s0]", "%[s1]", "%[s2]", "%[s3]", "%[t]")
      "testq %[m], %[m]\n\t"
      KAGI_FE64_CSWAP_REGS("%[t]")
      KAGI_FE64_STORE("%[w]", "0")
      KAGI_FE64_STORE_S("%[w]", "64")
      KAGI_FE64_SUB1("0(%[st])", "8(%[st])", "16(%[st])", "24(%[st])", "32(%[st])", "40(%[st])", "48(%[st])",
                     "56(%[st])", "%[r0]", "%[r1]", "%[r2]", "%[r3]", "%[t]")
      KAGI_FE64_SUB1("64(%[st])", "72(%[st])", "80(%[st])", "88(%[st])", "96(%[st])", "104(%[st])", "112(%[st])",
                     "120(%[st])", "%[s0]", "%[s1]", "%[s2]", "%[s3]", "%[t]")
      "testq %[m], %[m]\n\t"
      KAGI_FE64_CSWAP_REGS("%[t]")
      KAGI_FE64_STORE("%[w]", "32")
      KAGI_FE64_STORE_S("%[w]", "96")
      : "=m"(w), [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [s0] "=&r"(s0), [s1] "=&r"(s1),
        [s2] "=&r"(s2), [s3] "=&r"(s3), [t] "=&r"(t)
      : [st] "r"(&st[0]), [w] "r"(&w[0]), [m] "r"(swap), "m"(st)
      : "cc");
}

// s = a + b and d = a - b (a, b tight).
KAGI_FE64_INLINE void fe64_add_sub(const fe64& a, const fe64& b, fe64& s, fe64& d) noexcept {
  u64 r0, r1, r2, r3, s0, s1, s2, s3, t;
  __asm__(KAGI_FE64_ADD1("%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[b0]", "%[b1]", "%[b2]", "%[b3]", "%[r0]", "%[r1]",
                         "%[r2]", "%[r3]", "%[t]")
          KAGI_FE64_SUB1("%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[b0]", "%[b1]", "%[b2]", "%[b3]", "%[s0]", "%[s1]",
                         "%[s2]", "%[s3]", "%[t]")
          "movq %[r0], %[o0]\n\tmovq %[r1], %[o1]\n\tmovq %[r2], %[o2]\n\tmovq %[r3], %[o3]\n\t"
          "movq %[s0], %[q0]\n\tmovq %[s1], %[q1]\n\tmovq %[s2], %[q2]\n\tmovq %[s3], %[q3]\n\t"
          : [o0] "=m"(s.v[0]), [o1] "=m"(s.v[1]), [o2] "=m"(s.v[2]), [o3] "=m"(s.v[3]), [q0] "=m"(d.v[0]),
            [q1] "=m"(d.v[1]), [q2] "=m"(d.v[2]), [q3] "=m"(d.v[3]), [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2),
            [r3] "=&r"(r3), [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [t] "=&r"(t)
          : [a0] "m"(a.v[0]), [a1] "m"(a.v[1]), [a2] "m"(a.v[2]), [a3] "m"(a.v[3]), [b0] "m"(b.v[0]),
            [b1] "m"(b.v[1]), [b2] "m"(b.v[2]), [b3] "m"(b.v[3])
          : "cc");
}

// e = aa - bb and f = aa + 121665 e (aa, bb tight; f tight): the z2 factors.
KAGI_FE64_INLINE void fe64_ladder_e_f(const fe64& aa, const fe64& bb, fe64& e, fe64& f) noexcept {
  // e goes through memory (just stored, read back by mulx) so that few
  // registers are needed: clang gives up on this block with more.
  u64 p0, p1, p2, p3, t;
  __asm__(KAGI_FE64_SUB1("%[a0]", "%[a1]", "%[a2]", "%[a3]", "%[b0]", "%[b1]", "%[b2]", "%[b3]", "%[p0]", "%[p1]",
                         "%[p2]", "%[p3]", "%[t]")
          "movq %[p0], %[e0]\n\tmovq %[p1], %[e1]\n\tmovq %[p2], %[e2]\n\tmovq %[p3], %[e3]\n\t"
          "movl $121665, %%edx\n\t"
          "mulxq %[e0], %[p0], %[p1]\n\t"
          "mulxq %[e1], %[t], %[p2]\n\t"
          "addq %[t], %[p1]\n\t"
          "mulxq %[e2], %[t], %[p3]\n\t"
          "adcq %[t], %[p2]\n\t"
          "mulxq %[e3], %[t], %%r12\n\t"
          "adcq %[t], %[p3]\n\t"
          "adcq $0, %%r12\n\t"
          "addq %[a0], %[p0]\n\t"
          "adcq %[a1], %[p1]\n\t"
          "adcq %[a2], %[p2]\n\t"
          "adcq %[a3], %[p3]\n\t"
          "adcq $0, %%r12\n\t"
          KAGI_FE64_FOLD_R12
          "movq %[p0], %[f0]\n\tmovq %[p1], %[f1]\n\tmovq %[p2], %[f2]\n\tmovq %[p3], %[f3]\n\t"
          : [e0] "=m"(e.v[0]), [e1] "=m"(e.v[1]), [e2] "=m"(e.v[2]), [e3] "=m"(e.v[3]), [f0] "=m"(f.v[0]),
            [f1] "=m"(f.v[1]), [f2] "=m"(f.v[2]), [f3] "=m"(f.v[3]), [p0] "=&r"(p0), [p1] "=&r"(p1), [p2] "=&r"(p2),
            [p3] "=&r"(p3), [t] "=&r"(t)
          : [a0] "m"(aa.v[0]), [a1] "m"(aa.v[1]), [a2] "m"(aa.v[2]), [a3] "m"(aa.v[3]), [b0] "m"(bb.v[0]),
            [b1] "m"(bb.v[1]), [b2] "m"(bb.v[2]), [b3] "m"(bb.v[3])
          : "rdx", "r12", "cc");
}

// The Montgomery ladder of x25519.hpp's ladder<F> on this field, with the
// step's additions, subtractions, swaps and the multiplication by a24 fused
// (the same formulas; RFC 7748 section 5): 5M + 4S and three small blocks per bit.
inline void ladder_adx(std::uint8_t* out, const std::uint8_t* k, const std::uint8_t* u) noexcept {
  using F = field64_adx;
  const fe64 x1 = F::from_bytes(u);
  fe64 st[4] = {F::one(), F::zero(), x1, F::one()};  // x2, z2, x3, z3
  fe64 w[4];                                         // a, b, c, d
  u64 swap = 0;
  for (int t = 254; t >= 0; --t) {
    const u64 bit = (k[t >> 3] >> (t & 7)) & 1u;
    swap ^= bit;
    fe64_ladder_start(ct::mask_from_bit(swap), st, w);
    swap = bit;
    const fe64 aa = F::sqr(w[0]);
    const fe64 bb = F::sqr(w[1]);
    const fe64 da = F::mul(w[3], w[0]);
    const fe64 cb = F::mul(w[2], w[1]);
    fe64 s, d;
    fe64_add_sub(da, cb, s, d);
    st[2] = F::sqr(s);
    st[3] = F::mul(x1, F::sqr(d));
    fe64 e, f;
    fe64_ladder_e_f(aa, bb, e, f);
    st[0] = F::mul(aa, bb);
    st[1] = F::mul(e, f);
  }
  const u64 m = ct::mask_from_bit(swap);
  F::cswap(m, st[0], st[2]);
  F::cswap(m, st[1], st[3]);
  fe64 r = F::mul(st[0], invert<F>(st[1]));
  F::to_bytes(out, r);
  // The ladder's state, the last step's sums and the result derive from the scalar.
  secure_wipe(std::span<fe64, 4>(st));
  secure_wipe(std::span<fe64, 4>(w));
  secure_wipe_objects(r);
}

#undef KAGI_FE64_ADD1
#undef KAGI_FE64_SUB1
#undef KAGI_FE64_CSWAP_REGS
#undef KAGI_FE64_STORE
#undef KAGI_FE64_STORE_S
#undef KAGI_FE64_FOLD_R12
#undef KAGI_FE64_REDUCE_512
#undef KAGI_FE64_MUL_ROW
#undef KAGI_FE64_CLOBBERS
#undef KAGI_FE64_INLINE

inline constexpr std::uint32_t x25519_adx_needs = cpu::bmi2 | cpu::adx;

}  // namespace kagi::detail::c25519

#endif  // KAGI_X86

#endif  // KAGI_EC_X86_X25519_ADX_HPP
