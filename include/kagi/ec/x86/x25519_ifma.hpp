// kagi/ec/x86/x25519_ifma.hpp: the X25519 ladder four lanes wide on AVX-512
// IFMA; its final inversion runs on the radix-2^64 MULX/ADX field of
// x25519_adx.hpp (hence BMI2 and ADX in its needs).
//
// Included by ../x25519.hpp after the portable code and before its dispatch
// tables; on its own it includes the algorithm first.
#include "../x25519.hpp"

#ifndef KAGI_EC_X86_X25519_IFMA_HPP
#define KAGI_EC_X86_X25519_IFMA_HPP

#include "x25519_adx.hpp"

#if KAGI_X86

namespace kagi::detail::c25519 {

#define KAGI_X25519_IFMA_TARGET KAGI_TARGET("avx512f,avx512vl,avx512ifma")
inline constexpr std::uint32_t x25519_ifma_needs = cpu::avx512f | cpu::avx512vl | cpu::avx512ifma | x25519_adx_needs;

// ---- a 4-way ladder with AVX-512 IFMA
//
// Lane i of every register holds a limb of the i-th of four field elements.
// Elements are five limbs in radix 2^51, the portable field's radix: IFMA
// multiplies the low 52 bits of each lane (vpmadd52luq/vpmadd52huq add the
// low/high 52 bits of the 104-bit product), so limbs below 2^52 ("ready")
// are what a product takes, and the bit of room above 2^51 lets one parallel
// carry pass (fe4_carry: every limb at once, no chain) make limbs ready
// again. Bounds, for ready inputs:
//   fe4_mul_wide: limbs below 2^60.3 (not carried; column sums below 2^56,
//     plus 19 times the column five places up);
//   sums and differences of wide values (a + 1024p - b): below 2^62;
//   fe4_carry of limbs below 2^62: below 2^51 + 2^15, ready.
// A ladder step has three dependent rounds of four products; with the state
// X = [x2, z2, x3, z3] (wide, after the conditional swap):
//   T = [A, B, C, D] = [x2 + z2, x2 - z2, x3 + z3, x3 - z3], and [A, B, B, A]
//   U = T * [A, B, B, A]                               = [AA, BB, CB, DA]
//   L = [BB, E, DA + CB, DA - CB], E = AA - BB
//   P = L * [1, 1, DA + CB, DA - CB]                   = [BB, E, x3', (DA - CB)^2]
//   X = P * [AA, BB + 121666 E, 1, x1]                 = [x2', z2', x3', z3']
// (BB + 121666 E = AA + 121665 E): the right operand of the third round is
// made beside the second, so only L needs a carry pass between the first two
// rounds. The conditional swap is folded into the permutations that build T:
// their lane indexes flip by 2 under a mask made from the secret bit (vpermq
// with a register index: no memory access).

#define KAGI_IFMA_INLINE KAGI_X25519_IFMA_TARGET __attribute__((always_inline)) inline

struct fe4 {
  __m256i l[5];
};

// KAGI_IFMA_LIMB(i) for each limb, written out (loops over the limbs were
// left rolled, with the state going through memory).
#define KAGI_IFMA_EACH_LIMB KAGI_IFMA_LIMB(0) KAGI_IFMA_LIMB(1) KAGI_IFMA_LIMB(2) KAGI_IFMA_LIMB(3) KAGI_IFMA_LIMB(4)

KAGI_IFMA_INLINE __m256i ifma_set1(u64 x) noexcept { return _mm256_set1_epi64x(static_cast<long long>(x)); }
KAGI_IFMA_INLINE __m256i ifma_lanes(u64 l0, u64 l1, u64 l2, u64 l3) noexcept {
  return _mm256_set_epi64x(static_cast<long long>(l3), static_cast<long long>(l2), static_cast<long long>(l1),
                           static_cast<long long>(l0));
}

// One parallel carry pass: limbs below 2^62 in, below 2^51 + 2^15 out
// (value unchanged mod p; 2^255 = 19 folds the top carry into limb 0).
KAGI_IFMA_INLINE fe4 fe4_carry(const fe4& t) noexcept {
  const __m256i m51 = ifma_set1(mask51);
  const __m256i q0 = _mm256_srli_epi64(t.l[0], 51), q1 = _mm256_srli_epi64(t.l[1], 51);
  const __m256i q2 = _mm256_srli_epi64(t.l[2], 51), q3 = _mm256_srli_epi64(t.l[3], 51);
  const __m256i q4 = _mm256_srli_epi64(t.l[4], 51);
  // q4 < 2^11: 19 q4 with one IFMA.
  return {{_mm256_madd52lo_epu64(_mm256_and_si256(t.l[0], m51), q4, ifma_set1(19)),
           _mm256_add_epi64(_mm256_and_si256(t.l[1], m51), q0), _mm256_add_epi64(_mm256_and_si256(t.l[2], m51), q1),
           _mm256_add_epi64(_mm256_and_si256(t.l[3], m51), q2), _mm256_add_epi64(_mm256_and_si256(t.l[4], m51), q3)}};
}

// A column from its lows and highs: l + 2 h.
KAGI_IFMA_INLINE __m256i fe4_col(__m256i l, __m256i h) noexcept { return _mm256_add_epi64(l, _mm256_slli_epi64(h, 1)); }
// c + 19 d = (c + d) + (2 d + 16 d).
KAGI_IFMA_INLINE __m256i fe4_fold(__m256i c, __m256i d) noexcept {
  return _mm256_add_epi64(_mm256_add_epi64(c, d), _mm256_add_epi64(_mm256_slli_epi64(d, 1), _mm256_slli_epi64(d, 4)));
}

// a * b lane by lane: ready limbs in, wide limbs (below 2^60.3) out.
KAGI_IFMA_INLINE fe4 fe4_mul_wide(const fe4& a, const fe4& b) noexcept {
  // a_i b_j = lo + 2^52 hi: lo goes to column i + j, 2 hi to column i + j + 1.
  // Column k sums its lows (L_k) and its highs (H_k) in chains of at most
  // three products (IFMA latency); c_k = L_k + 2 H_k, and column k + 5 folds
  // into column k times 19.
  const __m256i a0 = a.l[0], a1 = a.l[1], a2 = a.l[2], a3 = a.l[3], a4 = a.l[4];
  const __m256i b0 = b.l[0], b1 = b.l[1], b2 = b.l[2], b3 = b.l[3], b4 = b.l[4];
  const __m256i z = _mm256_setzero_si256();
#define KAGI_LO(acc, x, y) _mm256_madd52lo_epu64(acc, x, y)
#define KAGI_HI(acc, x, y) _mm256_madd52hi_epu64(acc, x, y)
  const __m256i L0 = KAGI_LO(z, a0, b0);
  const __m256i L1 = KAGI_LO(KAGI_LO(z, a1, b0), a0, b1);
  const __m256i L2 = KAGI_LO(KAGI_LO(KAGI_LO(z, a2, b0), a1, b1), a0, b2);
  const __m256i L3 = _mm256_add_epi64(KAGI_LO(KAGI_LO(z, a3, b0), a2, b1), KAGI_LO(KAGI_LO(z, a1, b2), a0, b3));
  const __m256i L4 =
      _mm256_add_epi64(KAGI_LO(KAGI_LO(KAGI_LO(z, a4, b0), a3, b1), a2, b2), KAGI_LO(KAGI_LO(z, a1, b3), a0, b4));
  const __m256i L5 = _mm256_add_epi64(KAGI_LO(KAGI_LO(z, a4, b1), a3, b2), KAGI_LO(KAGI_LO(z, a2, b3), a1, b4));
  const __m256i L6 = KAGI_LO(KAGI_LO(KAGI_LO(z, a4, b2), a3, b3), a2, b4);
  const __m256i L7 = KAGI_LO(KAGI_LO(z, a4, b3), a3, b4);
  const __m256i L8 = KAGI_LO(z, a4, b4);
  const __m256i H1 = KAGI_HI(z, a0, b0);
  const __m256i H2 = KAGI_HI(KAGI_HI(z, a1, b0), a0, b1);
  const __m256i H3 = KAGI_HI(KAGI_HI(KAGI_HI(z, a2, b0), a1, b1), a0, b2);
  const __m256i H4 = _mm256_add_epi64(KAGI_HI(KAGI_HI(z, a3, b0), a2, b1), KAGI_HI(KAGI_HI(z, a1, b2), a0, b3));
  const __m256i H5 =
      _mm256_add_epi64(KAGI_HI(KAGI_HI(KAGI_HI(z, a4, b0), a3, b1), a2, b2), KAGI_HI(KAGI_HI(z, a1, b3), a0, b4));
  const __m256i H6 = _mm256_add_epi64(KAGI_HI(KAGI_HI(z, a4, b1), a3, b2), KAGI_HI(KAGI_HI(z, a2, b3), a1, b4));
  const __m256i H7 = KAGI_HI(KAGI_HI(KAGI_HI(z, a4, b2), a3, b3), a2, b4);
  const __m256i H8 = KAGI_HI(KAGI_HI(z, a4, b3), a3, b4);
  const __m256i H9 = KAGI_HI(z, a4, b4);
#undef KAGI_LO
#undef KAGI_HI
  return {{fe4_fold(L0, fe4_col(L5, H5)), fe4_fold(fe4_col(L1, H1), fe4_col(L6, H6)),
           fe4_fold(fe4_col(L2, H2), fe4_col(L7, H7)), fe4_fold(fe4_col(L3, H3), fe4_col(L8, H8)),
           fe4_fold(fe4_col(L4, H4), _mm256_slli_epi64(H9, 1))}};
}

// a * b lane by lane, ready limbs in and out.
KAGI_IFMA_INLINE fe4 fe4_mul(const fe4& a, const fe4& b) noexcept { return fe4_carry(fe4_mul_wide(a, b)); }

// 1024 p in radix 2^51: every limb above any wide limb, so a + 1024p - b
// stays positive.
KAGI_IFMA_INLINE __m256i fe4_k1024p(int i) noexcept {
  return ifma_set1(i == 0 ? (u64{1} << 61) - 19 * 1024 : (u64{1} << 61) - 1024);
}

// carry(a + (b or 1024p - b)), the difference in the lanes of Neg; a, b wide.
template <int Neg>
KAGI_IFMA_INLINE fe4 fe4_add_sub(const fe4& a, const fe4& b) noexcept {
  constexpr __mmask8 m = static_cast<__mmask8>(Neg);
  fe4 r;
#define KAGI_IFMA_LIMB(i) r.l[i] = _mm256_add_epi64(a.l[i], _mm256_mask_sub_epi64(b.l[i], m, fe4_k1024p(i), b.l[i]));
  KAGI_IFMA_EACH_LIMB
#undef KAGI_IFMA_LIMB
  return fe4_carry(r);
}

KAGI_IFMA_INLINE fe4 fe4_permutex(const fe4& a, __m256i idx) noexcept {
  return {{_mm256_permutexvar_epi64(idx, a.l[0]), _mm256_permutexvar_epi64(idx, a.l[1]),
           _mm256_permutexvar_epi64(idx, a.l[2]), _mm256_permutexvar_epi64(idx, a.l[3]),
           _mm256_permutexvar_epi64(idx, a.l[4])}};
}
template <int Imm>
KAGI_IFMA_INLINE fe4 fe4_permute(const fe4& a) noexcept {
  return {{_mm256_permute4x64_epi64(a.l[0], Imm), _mm256_permute4x64_epi64(a.l[1], Imm),
           _mm256_permute4x64_epi64(a.l[2], Imm), _mm256_permute4x64_epi64(a.l[3], Imm),
           _mm256_permute4x64_epi64(a.l[4], Imm)}};
}

// carry(b + k a) lane by lane, for a ready, b wide and k below 2^20 in each lane.
KAGI_IFMA_INLINE fe4 fe4_add_small(const fe4& b, const fe4& a, __m256i k) noexcept {
  // a_i k = lo + 2^52 hi: lo into limb i, 2 hi into limb i + 1 (38 hi into
  // limb 0 from limb 4).
  const __m256i z = _mm256_setzero_si256();
  __m256i r[5], h[5];
#define KAGI_IFMA_LIMB(i)                            \
  r[i] = _mm256_madd52lo_epu64(b.l[i], a.l[i], k); \
  h[i] = _mm256_madd52hi_epu64(z, a.l[i], k);
  KAGI_IFMA_EACH_LIMB
#undef KAGI_IFMA_LIMB
  return fe4_carry({{_mm256_madd52lo_epu64(r[0], h[4], ifma_set1(38)),
                     _mm256_add_epi64(r[1], _mm256_slli_epi64(h[0], 1)),
                     _mm256_add_epi64(r[2], _mm256_slli_epi64(h[1], 1)),
                     _mm256_add_epi64(r[3], _mm256_slli_epi64(h[2], 1)),
                     _mm256_add_epi64(r[4], _mm256_slli_epi64(h[3], 1))}});
}

// Radix 2^51 limbs of a radix-2^64 value (below 2^256: limb 4 below 2^52).
KAGI_IFMA_INLINE void to_radix51(u64 (&l)[5], const fe64& f) noexcept {
  l[0] = f.v[0] & mask51;
  l[1] = ((f.v[0] >> 51) | (f.v[1] << 13)) & mask51;
  l[2] = ((f.v[1] >> 38) | (f.v[2] << 26)) & mask51;
  l[3] = ((f.v[2] >> 25) | (f.v[3] << 39)) & mask51;
  l[4] = f.v[3] >> 12;
}
// From ready limbs (below 2^52): one carry chain leaves limbs 0..3 below
// 2^51 and limb 4 below 2^52, so the value is below 2^256.
KAGI_IFMA_INLINE fe64 from_radix51(u64 (&l)[5]) noexcept {
  for (int i = 0; i < 4; ++i) {
    l[i + 1] += l[i] >> 51;
    l[i] &= mask51;
  }
  return {{l[0] | (l[1] << 51), (l[1] >> 13) | (l[2] << 38), (l[2] >> 26) | (l[3] << 25), (l[3] >> 39) | (l[4] << 12)}};
}

// Lanes [a, b, c, d] of a fe4 (ready) from four radix-2^64 values.
KAGI_IFMA_INLINE fe4 fe4_from(const fe64& a, const fe64& b, const fe64& c, const fe64& d) noexcept {
  u64 la[5], lb[5], lc[5], ld[5];
  to_radix51(la, a);
  to_radix51(lb, b);
  to_radix51(lc, c);
  to_radix51(ld, d);
  fe4 r;
  for (int i = 0; i < 5; ++i) r.l[i] = ifma_lanes(la[i], lb[i], lc[i], ld[i]);
  return r;
}
// One lane of a ready fe4 as a radix-2^64 value.
KAGI_IFMA_INLINE fe64 fe4_lane(const fe4& a, int lane) noexcept {
  alignas(32) u64 buf[5][4];
  for (int i = 0; i < 5; ++i) _mm256_store_si256(reinterpret_cast<__m256i*>(buf[i]), a.l[i]);
  u64 l[5];
  for (int i = 0; i < 5; ++i) l[i] = buf[i][lane];
  const fe64 r = from_radix51(l);
  // buf holds every lane of the ladder's state.
  secure_wipe(std::span<u64, 20>(&buf[0][0], 20));
  secure_wipe(l);
  return r;
}

KAGI_X25519_IFMA_TARGET inline void ladder_ifma(std::uint8_t* out, const std::uint8_t* k, const std::uint8_t* u) noexcept {
  using G = field64_adx;
  const fe64 x1 = G::from_bytes(u);
  fe4 x = fe4_from(G::one(), G::zero(), x1, G::one());  // [x2, z2, x3, z3]
  const fe4 g = fe4_from(G::one(), G::one(), G::one(), x1);
  const __m256i k121666 = ifma_lanes(0, 121666, 0, 0);
  // Lane indexes of T's operands without the swap; the swap flips each by 2.
  const __m256i ix = ifma_lanes(0, 0, 2, 2), iz = ifma_lanes(1, 1, 3, 3);
  u64 swap = 0;
  for (int t = 254; t >= 0; --t) {
    const u64 bit = (k[t >> 3] >> (t & 7)) & 1u;
    swap ^= bit;
    const __m256i flip = ifma_set1(ct::mask_from_bit(swap) & 2);
    swap = bit;
    // [A, B, C, D] = [x2, x2, x3, x3] +- [z2, z2, z3, z3], and [A, B, B, A].
    const fe4 t4 = fe4_add_sub<0xa>(fe4_permutex(x, _mm256_xor_si256(ix, flip)),
                                    fe4_permutex(x, _mm256_xor_si256(iz, flip)));
    const fe4 s4 = fe4_permute<0x14>(t4);
    const fe4 u4 = fe4_mul_wide(t4, s4);  // [AA, BB, CB, DA]
    // L = [BB, AA, DA, DA] + [0, -BB, CB, -CB]; R = [1, 1, DA + CB, DA - CB].
    // v2 = [AA, BB, CB, CB] with an in-lane unpack (latency 1, not 3).
    const fe4 v1 = fe4_permute<0xf1>(u4);
    fe4 v2;
#define KAGI_IFMA_LIMB(i) v2.l[i] = _mm256_mask_unpacklo_epi64(u4.l[i], 0xc, u4.l[i], u4.l[i]);
    KAGI_IFMA_EACH_LIMB
#undef KAGI_IFMA_LIMB
    fe4 w;
#define KAGI_IFMA_LIMB(i) \
  w.l[i] = _mm256_mask_add_epi64(v1.l[i], 0xe, v1.l[i], _mm256_mask_sub_epi64(v2.l[i], 0xa, fe4_k1024p(i), v2.l[i]));
    KAGI_IFMA_EACH_LIMB
#undef KAGI_IFMA_LIMB
    const fe4 l4 = fe4_carry(w);
    fe4 r4;
#define KAGI_IFMA_LIMB(i) r4.l[i] = _mm256_mask_blend_epi64(0x3, l4.l[i], g.l[i]);
    KAGI_IFMA_EACH_LIMB
#undef KAGI_IFMA_LIMB
    // [AA, BB + 121666 E, 1, x1] (lanes 0 and 1 of u4 are AA and BB, lane 1 of l4 is E).
    const fe4 f = fe4_add_small(u4, l4, k121666);
    fe4 g3;
#define KAGI_IFMA_LIMB(i) g3.l[i] = _mm256_mask_blend_epi64(0x3, g.l[i], f.l[i]);
    KAGI_IFMA_EACH_LIMB
#undef KAGI_IFMA_LIMB
    x = fe4_mul_wide(fe4_mul(l4, r4), g3);
  }
  // The last swap, then a carry pass makes the limbs ready for fe4_lane.
  x = fe4_carry(fe4_permutex(x, _mm256_xor_si256(ifma_lanes(0, 1, 2, 3), ifma_set1(ct::mask_from_bit(swap) & 2))));
  fe64 x2 = fe4_lane(x, 0), z2 = fe4_lane(x, 1);
  fe64 r = G::mul(x2, invert<G>(z2));
  G::to_bytes(out, r);
  secure_wipe_objects(x, x2, z2, r);  // the ladder's state and the result derive from the scalar
}

#undef KAGI_IFMA_EACH_LIMB
#undef KAGI_IFMA_INLINE

}  // namespace kagi::detail::c25519

#endif  // KAGI_X86

#endif  // KAGI_EC_X86_X25519_IFMA_HPP
