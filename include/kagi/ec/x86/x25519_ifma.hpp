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
// One ladder step has three rounds of four independent products; each round
// is one vector multiplication, with lane i of every register holding a limb
// of the i-th operand. Field elements are five limbs in radix 2^52 (IFMA
// multiplies the low 52 bits of each lane: vpmadd52luq/vpmadd52huq add the
// low/high 52 bits of the 104-bit product). "Tight" limbs are below 2^52
// (limb 4 below 2^48), which IFMA needs on its inputs; fe4_normalize makes
// them so. With the state X = [x2, z2, x3, z3]:
//   T = [x2 + z2, x2 - z2, x3 + z3, x3 - z3]              = [A, B, C, D]
//   U = T * [A, B, B, A]                                   = [AA, BB, CB, DA]
//   L = [AA, AA - BB, DA + CB, DA - CB]                    = [AA, E, DA + CB, DA - CB]
//   R = [BB, BB + 121666 E, DA + CB, DA - CB]
//   P = L * R = [x2', z2', (DA + CB)^2, (DA - CB)^2]      (BB + 121666 E = AA + 121665 E)
//   X = P * [1, 1, 1, x1]
// The conditional swap is a masked exchange of lanes 0,1 with 2,3. The final
// inversion runs on the radix-2^64 field.

#define KAGI_IFMA_INLINE KAGI_X25519_IFMA_TARGET __attribute__((always_inline)) inline

struct fe4 {
  __m256i l[5];
};

KAGI_IFMA_INLINE __m256i ifma_set1(u64 x) noexcept { return _mm256_set1_epi64x(static_cast<long long>(x)); }

// Carries limbs below 2^63 into tight limbs (value unchanged mod p): bits
// 255 and up of limb 4 fold back times 19 first, so one pass suffices.
KAGI_IFMA_INLINE fe4 fe4_normalize(const fe4& t) noexcept {
  const __m256i m52 = ifma_set1((u64{1} << 52) - 1), m47 = ifma_set1((u64{1} << 47) - 1);
  __m256i l0 = t.l[0], l1 = t.l[1], l2 = t.l[2], l3 = t.l[3], l4 = t.l[4];
  l0 = _mm256_madd52lo_epu64(l0, _mm256_srli_epi64(l4, 47), ifma_set1(19));
  l4 = _mm256_and_si256(l4, m47);
  l1 = _mm256_add_epi64(l1, _mm256_srli_epi64(l0, 52));
  l0 = _mm256_and_si256(l0, m52);
  l2 = _mm256_add_epi64(l2, _mm256_srli_epi64(l1, 52));
  l1 = _mm256_and_si256(l1, m52);
  l3 = _mm256_add_epi64(l3, _mm256_srli_epi64(l2, 52));
  l2 = _mm256_and_si256(l2, m52);
  l4 = _mm256_add_epi64(l4, _mm256_srli_epi64(l3, 52));
  l3 = _mm256_and_si256(l3, m52);
  return {{l0, l1, l2, l3, l4}};
}

// Columns c0..c9 of a product (each below 2^57) to tight limbs: column k >= 5
// has weight 2^260 2^(52 (k - 5)) and 2^260 = 608 (mod p). Each is split into
// its low 52 bits l (608 l with IFMA: low half to k - 5, high half to k - 4)
// and the rest h (608 h into k - 4); what lands at k = 5 folds once more.
KAGI_IFMA_INLINE fe4 fe4_reduce(__m256i c0, __m256i c1, __m256i c2, __m256i c3, __m256i c4, __m256i c5,
                                __m256i c6, __m256i c7, __m256i c8, __m256i c9) noexcept {
  const __m256i m52 = ifma_set1((u64{1} << 52) - 1), k608 = ifma_set1(608);
  const __m256i l5 = _mm256_and_si256(c5, m52), h5 = _mm256_srli_epi64(c5, 52);
  const __m256i l6 = _mm256_and_si256(c6, m52), h6 = _mm256_srli_epi64(c6, 52);
  const __m256i l7 = _mm256_and_si256(c7, m52), h7 = _mm256_srli_epi64(c7, 52);
  const __m256i l8 = _mm256_and_si256(c8, m52), h8 = _mm256_srli_epi64(c8, 52);
  const __m256i l9 = _mm256_and_si256(c9, m52), h9 = _mm256_srli_epi64(c9, 52);
  // Column j gets 608 l(j+5) (low half) directly, and the high half of
  // 608 l(j+4) plus 608 h(j+4) through a second chain (latency).
  const __m256i z = _mm256_setzero_si256();
  const __m256i x1 = _mm256_madd52lo_epu64(_mm256_madd52hi_epu64(z, l5, k608), h5, k608);
  const __m256i x2 = _mm256_madd52lo_epu64(_mm256_madd52hi_epu64(z, l6, k608), h6, k608);
  const __m256i x3 = _mm256_madd52lo_epu64(_mm256_madd52hi_epu64(z, l7, k608), h7, k608);
  const __m256i x4 = _mm256_madd52lo_epu64(_mm256_madd52hi_epu64(z, l8, k608), h8, k608);
  const __m256i x5 = _mm256_madd52lo_epu64(_mm256_madd52hi_epu64(z, l9, k608), h9, k608);  // weight 2^260 again
  c0 = _mm256_madd52lo_epu64(_mm256_madd52lo_epu64(c0, l5, k608), x5, k608);
  c1 = _mm256_add_epi64(_mm256_madd52lo_epu64(c1, l6, k608), x1);
  c2 = _mm256_add_epi64(_mm256_madd52lo_epu64(c2, l7, k608), x2);
  c3 = _mm256_add_epi64(_mm256_madd52lo_epu64(c3, l8, k608), x3);
  c4 = _mm256_add_epi64(_mm256_madd52lo_epu64(c4, l9, k608), x4);
  return fe4_normalize(fe4{{c0, c1, c2, c3, c4}});
}

// a * b lane by lane, tight in and out.
KAGI_IFMA_INLINE fe4 fe4_mul(const fe4& a, const fe4& b) noexcept {
  // Column k sums the low halves of a_i b_j (i + j = k) and the high halves
  // (i + j = k - 1) in two separate chains (IFMA latency), added at the end.
  const __m256i a0 = a.l[0], a1 = a.l[1], a2 = a.l[2], a3 = a.l[3], a4 = a.l[4];
  const __m256i b0 = b.l[0], b1 = b.l[1], b2 = b.l[2], b3 = b.l[3], b4 = b.l[4];
  const __m256i z = _mm256_setzero_si256();
  __m256i l0 = _mm256_madd52lo_epu64(z, a0, b0);
  __m256i h1 = _mm256_madd52hi_epu64(z, a0, b0);
  __m256i l1 = _mm256_madd52lo_epu64(z, a0, b1);
  __m256i h2 = _mm256_madd52hi_epu64(z, a0, b1);
  __m256i l2 = _mm256_madd52lo_epu64(z, a0, b2);
  __m256i h3 = _mm256_madd52hi_epu64(z, a0, b2);
  __m256i l3 = _mm256_madd52lo_epu64(z, a0, b3);
  __m256i h4 = _mm256_madd52hi_epu64(z, a0, b3);
  __m256i l4 = _mm256_madd52lo_epu64(z, a0, b4);
  __m256i h5 = _mm256_madd52hi_epu64(z, a0, b4);
  l1 = _mm256_madd52lo_epu64(l1, a1, b0);
  h2 = _mm256_madd52hi_epu64(h2, a1, b0);
  l2 = _mm256_madd52lo_epu64(l2, a1, b1);
  h3 = _mm256_madd52hi_epu64(h3, a1, b1);
  l3 = _mm256_madd52lo_epu64(l3, a1, b2);
  h4 = _mm256_madd52hi_epu64(h4, a1, b2);
  l4 = _mm256_madd52lo_epu64(l4, a1, b3);
  h5 = _mm256_madd52hi_epu64(h5, a1, b3);
  __m256i l5 = _mm256_madd52lo_epu64(z, a1, b4);
  __m256i h6 = _mm256_madd52hi_epu64(z, a1, b4);
  l2 = _mm256_madd52lo_epu64(l2, a2, b0);
  h3 = _mm256_madd52hi_epu64(h3, a2, b0);
  l3 = _mm256_madd52lo_epu64(l3, a2, b1);
  h4 = _mm256_madd52hi_epu64(h4, a2, b1);
  l4 = _mm256_madd52lo_epu64(l4, a2, b2);
  h5 = _mm256_madd52hi_epu64(h5, a2, b2);
  l5 = _mm256_madd52lo_epu64(l5, a2, b3);
  h6 = _mm256_madd52hi_epu64(h6, a2, b3);
  __m256i l6 = _mm256_madd52lo_epu64(z, a2, b4);
  __m256i h7 = _mm256_madd52hi_epu64(z, a2, b4);
  l3 = _mm256_madd52lo_epu64(l3, a3, b0);
  h4 = _mm256_madd52hi_epu64(h4, a3, b0);
  l4 = _mm256_madd52lo_epu64(l4, a3, b1);
  h5 = _mm256_madd52hi_epu64(h5, a3, b1);
  l5 = _mm256_madd52lo_epu64(l5, a3, b2);
  h6 = _mm256_madd52hi_epu64(h6, a3, b2);
  l6 = _mm256_madd52lo_epu64(l6, a3, b3);
  h7 = _mm256_madd52hi_epu64(h7, a3, b3);
  __m256i l7 = _mm256_madd52lo_epu64(z, a3, b4);
  __m256i h8 = _mm256_madd52hi_epu64(z, a3, b4);
  l4 = _mm256_madd52lo_epu64(l4, a4, b0);
  h5 = _mm256_madd52hi_epu64(h5, a4, b0);
  l5 = _mm256_madd52lo_epu64(l5, a4, b1);
  h6 = _mm256_madd52hi_epu64(h6, a4, b1);
  l6 = _mm256_madd52lo_epu64(l6, a4, b2);
  h7 = _mm256_madd52hi_epu64(h7, a4, b2);
  l7 = _mm256_madd52lo_epu64(l7, a4, b3);
  h8 = _mm256_madd52hi_epu64(h8, a4, b3);
  __m256i l8 = _mm256_madd52lo_epu64(z, a4, b4);
  __m256i h9 = _mm256_madd52hi_epu64(z, a4, b4);
  return fe4_reduce(l0, _mm256_add_epi64(l1, h1), _mm256_add_epi64(l2, h2),
                    _mm256_add_epi64(l3, h3), _mm256_add_epi64(l4, h4), _mm256_add_epi64(l5, h5),
                    _mm256_add_epi64(l6, h6), _mm256_add_epi64(l7, h7), _mm256_add_epi64(l8, h8), h9);
}

// a * c for a small per-lane constant c (below 2^20), tight in and out.
KAGI_IFMA_INLINE fe4 fe4_mul_small(const fe4& a, __m256i c) noexcept {
  const __m256i z = _mm256_setzero_si256();
  __m256i t0 = _mm256_madd52lo_epu64(z, a.l[0], c);
  __m256i t1 = _mm256_madd52lo_epu64(z, a.l[1], c);
  __m256i t2 = _mm256_madd52lo_epu64(z, a.l[2], c);
  __m256i t3 = _mm256_madd52lo_epu64(z, a.l[3], c);
  __m256i t4 = _mm256_madd52lo_epu64(z, a.l[4], c);
  t1 = _mm256_madd52hi_epu64(t1, a.l[0], c);
  t2 = _mm256_madd52hi_epu64(t2, a.l[1], c);
  t3 = _mm256_madd52hi_epu64(t3, a.l[2], c);
  t4 = _mm256_madd52hi_epu64(t4, a.l[3], c);
  const __m256i t5 = _mm256_madd52hi_epu64(z, a.l[4], c);
  t0 = _mm256_madd52lo_epu64(t0, t5, ifma_set1(608));
  return fe4_normalize(fe4{{t0, t1, t2, t3, t4}});
}

// 4p - a for tight a (limbs stay positive, below 2^54).
KAGI_IFMA_INLINE fe4 fe4_neg4p(const fe4& a) noexcept {
  const u64 top = u64{1} << 54;
  return {{_mm256_sub_epi64(ifma_set1(top - 76), a.l[0]), _mm256_sub_epi64(ifma_set1(top - 4), a.l[1]),
           _mm256_sub_epi64(ifma_set1(top - 4), a.l[2]), _mm256_sub_epi64(ifma_set1(top - 4), a.l[3]),
           _mm256_sub_epi64(ifma_set1((u64{1} << 49) - 4), a.l[4])}};
}

template <int Imm>
KAGI_IFMA_INLINE fe4 fe4_permute(const fe4& a) noexcept {
  return {{_mm256_permute4x64_epi64(a.l[0], Imm), _mm256_permute4x64_epi64(a.l[1], Imm),
           _mm256_permute4x64_epi64(a.l[2], Imm), _mm256_permute4x64_epi64(a.l[3], Imm),
           _mm256_permute4x64_epi64(a.l[4], Imm)}};
}
// Lane i from b where bit i of Mask is set, else from a.
template <int Mask>
KAGI_IFMA_INLINE fe4 fe4_blend(const fe4& a, const fe4& b) noexcept {
  constexpr __mmask8 m = static_cast<__mmask8>(Mask);
  return {{_mm256_mask_blend_epi64(m, a.l[0], b.l[0]), _mm256_mask_blend_epi64(m, a.l[1], b.l[1]),
           _mm256_mask_blend_epi64(m, a.l[2], b.l[2]), _mm256_mask_blend_epi64(m, a.l[3], b.l[3]),
           _mm256_mask_blend_epi64(m, a.l[4], b.l[4])}};
}
// Lanes where bit i of Mask is clear become zero.
template <int Mask>
KAGI_IFMA_INLINE fe4 fe4_maskz(const fe4& a) noexcept {
  constexpr __mmask8 m = static_cast<__mmask8>(Mask);
  return {{_mm256_maskz_mov_epi64(m, a.l[0]), _mm256_maskz_mov_epi64(m, a.l[1]), _mm256_maskz_mov_epi64(m, a.l[2]),
           _mm256_maskz_mov_epi64(m, a.l[3]), _mm256_maskz_mov_epi64(m, a.l[4])}};
}
KAGI_IFMA_INLINE fe4 fe4_add(const fe4& a, const fe4& b) noexcept {
  return {{_mm256_add_epi64(a.l[0], b.l[0]), _mm256_add_epi64(a.l[1], b.l[1]), _mm256_add_epi64(a.l[2], b.l[2]),
           _mm256_add_epi64(a.l[3], b.l[3]), _mm256_add_epi64(a.l[4], b.l[4])}};
}
// Exchanges lanes (0, 1) with (2, 3) when m is all ones (m is a secret-derived mask).
KAGI_IFMA_INLINE fe4 fe4_cswap_halves(const fe4& a, __m256i m) noexcept {
  fe4 r;
#define KAGI_IFMA_CSWAP(i)                                                   \
  r.l[i] = _mm256_xor_si256(                                                 \
      a.l[i], _mm256_and_si256(m, _mm256_xor_si256(a.l[i], _mm256_permute4x64_epi64(a.l[i], 0x4e))));
  KAGI_IFMA_CSWAP(0)
  KAGI_IFMA_CSWAP(1)
  KAGI_IFMA_CSWAP(2)
  KAGI_IFMA_CSWAP(3)
  KAGI_IFMA_CSWAP(4)
#undef KAGI_IFMA_CSWAP
  return r;
}

// Radix 2^52 limbs of a radix-2^64 value (below 2^256), and back.
KAGI_IFMA_INLINE void to_radix52(u64 (&l)[5], const fe64& f) noexcept {
  const u64 m52 = (u64{1} << 52) - 1;
  l[0] = f.v[0] & m52;
  l[1] = ((f.v[0] >> 52) | (f.v[1] << 12)) & m52;
  l[2] = ((f.v[1] >> 40) | (f.v[2] << 24)) & m52;
  l[3] = ((f.v[2] >> 28) | (f.v[3] << 36)) & m52;
  l[4] = f.v[3] >> 16;
}
// From tight limbs (limb 4 below 2^48, so the value is below 2^256).
KAGI_IFMA_INLINE fe64 from_radix52(const u64 (&l)[5]) noexcept {
  return {{l[0] | (l[1] << 52), (l[1] >> 12) | (l[2] << 40), (l[2] >> 24) | (l[3] << 28), (l[3] >> 36) | (l[4] << 16)}};
}

// Lanes [a, b, c, d] of a fe4 from four radix-2^64 values.
KAGI_IFMA_INLINE fe4 fe4_from(const fe64& a, const fe64& b, const fe64& c, const fe64& d) noexcept {
  u64 la[5], lb[5], lc[5], ld[5];
  to_radix52(la, a);
  to_radix52(lb, b);
  to_radix52(lc, c);
  to_radix52(ld, d);
  fe4 r;
  for (int i = 0; i < 5; ++i)
    r.l[i] = _mm256_set_epi64x(static_cast<long long>(ld[i]), static_cast<long long>(lc[i]),
                               static_cast<long long>(lb[i]), static_cast<long long>(la[i]));
  // Limb 4 of a value >= 2^255 can be up to 2^48: normalize (folds bit 255).
  return fe4_normalize(r);
}
KAGI_IFMA_INLINE fe64 fe4_lane(const fe4& a, int lane) noexcept {
  alignas(32) u64 buf[5][4];
  for (int i = 0; i < 5; ++i) _mm256_store_si256(reinterpret_cast<__m256i*>(buf[i]), a.l[i]);
  u64 l[5];
  for (int i = 0; i < 5; ++i) l[i] = buf[i][lane];
  const fe64 r = from_radix52(l);
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
  const __m256i a24 = _mm256_set_epi64x(0, 0, 121666, 0);
  u64 swap = 0;
  for (int t = 254; t >= 0; --t) {
    const u64 bit = (k[t >> 3] >> (t & 7)) & 1u;
    swap ^= bit;
    // Exchange lanes (0, 1) and (2, 3) under a mask made from the secret bit.
    x = fe4_cswap_halves(x, ifma_set1(ct::mask_from_bit(swap)));
    swap = bit;
    // T = [x2, x2, x3, x3] + [z2, 4p - z2, z3, 4p - z3]
    const fe4 xe = fe4_permute<0xa0>(x), ze = fe4_permute<0xf5>(x);
    const fe4 t4 = fe4_normalize(fe4_add(xe, fe4_blend<0xa>(ze, fe4_neg4p(ze))));
    const fe4 u4 = fe4_mul(t4, fe4_permute<0x14>(t4));  // [AA, BB, CB, DA]
    // L = [AA, AA, DA, DA] + [0, 4p - BB, CB, 4p - CB]
    const fe4 v1 = fe4_permute<0xf0>(u4), v2 = fe4_permute<0xa5>(u4);
    const fe4 l4 = fe4_normalize(fe4_add(v1, fe4_maskz<0xe>(fe4_blend<0xa>(v2, fe4_neg4p(v2)))));
    // R = [BB, BB + 121666 E, DA + CB, DA - CB]
    const fe4 bb = fe4_permute<0x55>(u4);
    const fe4 r4 = fe4_blend<0xc>(fe4_normalize(fe4_add(bb, fe4_mul_small(l4, a24))), l4);
    x = fe4_mul(fe4_mul(l4, r4), g);
  }
  x = fe4_cswap_halves(x, ifma_set1(ct::mask_from_bit(swap)));
  fe64 x2 = fe4_lane(x, 0), z2 = fe4_lane(x, 1);
  fe64 r = G::mul(x2, invert<G>(z2));
  G::to_bytes(out, r);
  secure_wipe_objects(x, x2, z2, r);  // the ladder's state and the result derive from the scalar
}

#undef KAGI_IFMA_INLINE

}  // namespace kagi::detail::c25519

#endif  // KAGI_X86

#endif  // KAGI_EC_X86_X25519_IFMA_HPP
