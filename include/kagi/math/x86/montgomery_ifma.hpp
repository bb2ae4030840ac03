// kagi/math/x86/montgomery_ifma.hpp: exponentiation with AVX-512 IFMA in radix
// 2^52 (the "avx512-ifma" row of mont_pow_table): secret exponents for moduli
// of 16, 24 or 32 limbs (the CRT halves of 2048-, 3072- and 4096-bit RSA keys;
// 3, 4 or 5 zmm registers a number), one or two at once, and public exponents
// also for 48 and 64 limbs (8 and 10 registers). Plain numbers in and out;
// the final subtraction is montgomery_adx.hpp's (plain x86: sbb).
//
// A number of D digits of 52 bits lives in K zmm registers (8 digits each,
// lanes past D are zero). amm52 computes a b / 2^(52 D) mod m up to one
// extra m: with a, b < 2m and 4m < 2^(52 D) the result is < 2m again, so an
// exponentiation never needs the final subtraction (C. D. Walter's bound;
// S. Gueron and V. Krasnov, "Accelerating big integer arithmetic using Intel
// IFMA extensions", 2016). Per digit b[i]: the low halves of a b[i] go in,
// y = (lane 0) k0 mod 2^52 makes lane 0 divisible by 2^52, the low halves of
// y m go in, the accumulator moves down one lane (lane 0's carry added to the
// new lane 0), and the high halves of both products go in, already aligned.
// Lanes grow past 52 bits; normalize() carries them.
//
// Included by ../montgomery.hpp after the portable code and the MULX/ADX
// kernel, and before the dispatch tables; on its own it includes the
// algorithm first.
#include "../montgomery.hpp"

#ifndef KAGI_MATH_X86_MONTGOMERY_IFMA_HPP
#define KAGI_MATH_X86_MONTGOMERY_IFMA_HPP

#if KAGI_X86

namespace kagi::bn::detail {

inline constexpr std::uint32_t ifma_needs = cpu::avx512f | cpu::avx512vl | cpu::avx512dq | cpu::avx512ifma | cpu::bmi2;

#define KAGI_IFMA_TARGET KAGI_TARGET("avx512f,avx512vl,avx512dq,avx512ifma,bmi2")

// GCC 12's AVX-512 intrinsics start some results from _mm512_undefined_*(),
// which -Wuninitialized reports once inlined here (GCC bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

inline constexpr limb digit_mask52 = (limb{1} << 52) - 1;

// The loops over the K registers of a number and the L numbers must be
// unrolled so that the accumulators live in registers (GCC keeps them as
// arrays in memory otherwise).
#if defined(__clang__)
#define KAGI_UNROLL _Pragma("unroll")
#else
#define KAGI_UNROLL _Pragma("GCC unroll 16")
#endif

template <int K>
struct zdigits {
  __m512i w[K];
};

template <int K>
KAGI_IFMA_TARGET inline zdigits<K> zload(const limb* d) noexcept {
  zdigits<K> z;
  KAGI_UNROLL
  for (int k = 0; k < K; ++k) z.w[k] = _mm512_loadu_si512(d + 8 * k);
  return z;
}
template <int K>
KAGI_IFMA_TARGET inline void zstore(limb* d, const zdigits<K>& z) noexcept {
  KAGI_UNROLL
  for (int k = 0; k < K; ++k) _mm512_storeu_si512(d + 8 * k, z.w[k]);
}

// Carries every lane into the next, leaving digits below 2^52: first the
// high bits of every lane move up one lane (a lane then exceeds 2^52 by at
// most one bit), then single carries ripple through runs of all-ones digits,
// found with mask arithmetic: lanes that receive one are ((g << 1) + p) ^ p
// for g = lanes over 2^52 - 1 and p = lanes equal to it.
template <int K>
KAGI_IFMA_TARGET inline void normalize(zdigits<K>& a) noexcept {
  const __m512i mask = _mm512_set1_epi64(static_cast<long long>(digit_mask52));
  const __m512i zero = _mm512_setzero_si512();
  __m512i c[K];
  KAGI_UNROLL
  for (int k = 0; k < K; ++k) {
    c[k] = _mm512_srli_epi64(a.w[k], 52);
    a.w[k] = _mm512_and_si512(a.w[k], mask);
  }
  KAGI_UNROLL
  for (int k = K - 1; k >= 0; --k) {
    const __m512i below = k > 0 ? c[k - 1] : zero;
    a.w[k] = _mm512_add_epi64(a.w[k], _mm512_alignr_epi64(c[k], below, 7));
  }
  // One bit a lane: 64 bits hold 8 registers; 10 (4096-bit moduli) need 128.
  using lane_bits = std::conditional_t<(K <= 8), std::uint64_t, kagi::detail::wide::native_u128>;
  lane_bits g = 0, p = 0;
  KAGI_UNROLL
  for (int k = 0; k < K; ++k) {
    g |= static_cast<lane_bits>(_mm512_cmpgt_epu64_mask(a.w[k], mask)) << (8 * k);
    p |= static_cast<lane_bits>(_mm512_cmpeq_epu64_mask(a.w[k], mask)) << (8 * k);
  }
  const lane_bits carries = ((g << 1) + p) ^ p;
  const __m512i one = _mm512_set1_epi64(1);
  KAGI_UNROLL
  for (int k = 0; k < K; ++k) {
    const auto km = static_cast<__mmask8>(carries >> (8 * k));
    a.w[k] = _mm512_and_si512(_mm512_mask_add_epi64(a.w[k], km, a.w[k], one), mask);
  }
}

// L independent products a[l] b[l] / 2^(52 D) mod m[l] (almost: below 2m),
// normalized. b[l] is in memory (its digits are broadcast one at a time);
// a and m are normalized.
//
// The latency that matters is lane 0 -> y -> lane 0 of the next digit. So
// lane 0 is kept exactly in a scalar, acc0: with the full 104-bit products
// a0 b[i] and m0 y, (acc0 + a0 b[i] + m0 y) / 2^52 is lane 0's whole
// contribution to the next position, and the next acc0 is that plus lane 1
// (read from the vectors before y is needed there) plus the low half of
// m1 y. The vectors keep the a b and m y contributions in two accumulators
// (two short chains instead of one long one); their lane 0 is never read
// and is replaced by acc0 at the end. With L = 2 (the two CRT halves of an
// RSA key) two such loops interleave.
template <int K, int L>
KAGI_IFMA_TARGET inline void amm52(zdigits<K>* out, const zdigits<K>* a, const limb* const* b, const zdigits<K>* m,
                                   const limb* m0, const limb* k0, int digits) noexcept {
  const __m512i zero = _mm512_setzero_si512();
  zdigits<K> accA[L], accM[L];
  limb acc0[L], a0[L], m1[L];
  KAGI_UNROLL
  for (int l = 0; l < L; ++l) {
    KAGI_UNROLL
    for (int k = 0; k < K; ++k) accA[l].w[k] = accM[l].w[k] = zero;
    acc0[l] = 0;
    a0[l] = static_cast<limb>(_mm_cvtsi128_si64(_mm512_castsi512_si128(a[l].w[0])));
    m1[l] = static_cast<limb>(_mm_extract_epi64(_mm512_castsi512_si128(m[l].w[0]), 1));
  }
  for (int i = 0; i < digits; ++i) {
    KAGI_UNROLL
    for (int l = 0; l < L; ++l) {
      const limb bi = b[l][i];
      const __m512i bv = _mm512_set1_epi64(static_cast<long long>(bi));
      KAGI_UNROLL
      for (int k = 0; k < K; ++k) accA[l].w[k] = _mm512_madd52lo_epu64(accA[l].w[k], a[l].w[k], bv);
      const limb lane1 = static_cast<limb>(_mm_extract_epi64(_mm512_castsi512_si128(accA[l].w[0]), 1)) +
                         static_cast<limb>(_mm_extract_epi64(_mm512_castsi512_si128(accM[l].w[0]), 1));
      // (hi:lo) = acc0 + a0 b[i] + m0 y, a multiple of 2^52 by the choice of y
      const limb_pair p = mul_wide(a0[l], bi);
      limb c = 0;
      limb lo = addc(acc0[l], p.lo, c);
      limb hi = p.hi + c;
      const limb y = (lo * k0[l]) & digit_mask52;
      const limb_pair q = mul_wide(m0[l], y);
      c = 0;
      lo = addc(lo, q.lo, c);
      hi += q.hi + c;
      acc0[l] = lane1 + ((m1[l] * y) & digit_mask52) + ((lo >> 52) | (hi << 12));
      const __m512i yv = _mm512_set1_epi64(static_cast<long long>(y));
      KAGI_UNROLL
      for (int k = 0; k < K; ++k) accM[l].w[k] = _mm512_madd52lo_epu64(accM[l].w[k], m[l].w[k], yv);
      KAGI_UNROLL
      for (int k = 0; k < K; ++k) {
        const __m512i up = k + 1 < K ? accA[l].w[k + 1] : zero, upm = k + 1 < K ? accM[l].w[k + 1] : zero;
        accA[l].w[k] = _mm512_alignr_epi64(up, accA[l].w[k], 1);
        accM[l].w[k] = _mm512_alignr_epi64(upm, accM[l].w[k], 1);
      }
      KAGI_UNROLL
      for (int k = 0; k < K; ++k) {
        accA[l].w[k] = _mm512_madd52hi_epu64(accA[l].w[k], a[l].w[k], bv);
        accM[l].w[k] = _mm512_madd52hi_epu64(accM[l].w[k], m[l].w[k], yv);
      }
    }
  }
  KAGI_UNROLL
  for (int l = 0; l < L; ++l) {
    zdigits<K> r;
    KAGI_UNROLL
    for (int k = 0; k < K; ++k) r.w[k] = _mm512_add_epi64(accA[l].w[k], accM[l].w[k]);
    r.w[0] = _mm512_mask_set1_epi64(r.w[0], 1, static_cast<long long>(acc0[l]));
    normalize(r);
    out[l] = r;
  }
}

// limbs <-> 52-bit digits (8 K lanes; positions are public).
inline void limbs_to_digits(limb* d, std::size_t lanes, const limb* x, std::size_t n) noexcept {
  for (std::size_t j = 0; j < lanes; ++j) {
    const std::size_t bit = 52 * j, i = bit / 64, off = bit % 64;
    limb v = i < n ? x[i] >> off : 0;
    if (off > 12 && i + 1 < n) v |= x[i + 1] << (64 - off);
    d[j] = v & digit_mask52;
  }
}
inline void digits_to_limbs(limb* x, std::size_t n, const limb* d, std::size_t digits) noexcept {
  for (std::size_t i = 0; i < n; ++i) x[i] = 0;
  for (std::size_t j = 0; j < digits; ++j) {
    const std::size_t bit = 52 * j, i = bit / 64, off = bit % 64;
    if (i < n) x[i] |= d[j] << off;
    if (off > 12 && i + 1 < n) x[i + 1] |= d[j] >> (64 - off);
  }
}

// ct read of table entry `index` (entries of 8 K digits), every entry touched.
template <int K>
KAGI_IFMA_TARGET inline zdigits<K> zlookup(const limb* table, std::size_t entries, limb index) noexcept {
  zdigits<K> r;
  for (int k = 0; k < K; ++k) r.w[k] = _mm512_setzero_si512();
  const __m512i idx = _mm512_set1_epi64(static_cast<long long>(index));
  for (std::size_t e = 0; e < entries; ++e) {
    const __mmask8 hit = _mm512_cmpeq_epi64_mask(_mm512_set1_epi64(static_cast<long long>(e)), idx);
    for (int k = 0; k < K; ++k) r.w[k] = _mm512_mask_loadu_epi64(r.w[k], hit, table + (e * K + k) * 8);
  }
  return r;
}

// r = a (normalized digits, at most m) as n limbs below m: the last step of
// every IFMA exponentiation, after the product with 1 that leaves the domain.
template <int K>
KAGI_IFMA_TARGET inline void digits_out(limb* r, const zdigits<K>& a, const limb* m, std::size_t n,
                                        int digits) noexcept {
  alignas(64) limb d[8 * K];
  zstore(d, a);
  limb v[max_limbs + 1];
  digits_to_limbs(v, n + 1, d, static_cast<std::size_t>(digits));
  final_sub_asm(r, v, m, n);
  secure_wipe(std::span(v));
  secure_wipe(std::span(d));
}

// L exponentiations in lockstep: r[l] = b[l]^exp[l] mod m[l] (plain in and
// out, b < m), all exponents of exp_bits bits, fixed 5-bit windows with
// masked table scans.
template <int K, int L>
KAGI_IFMA_TARGET inline void pow_ifma_k(limb* const* r, const limb* const* b, const limb* const* exp,
                                        std::size_t exp_bits, const limb* const* m, const limb* const* rr52,
                                        const limb* k0, std::size_t n) noexcept {
  constexpr std::size_t lanes = 8 * K;
  const int digits = static_cast<int>(ifma_digits(n));
  constexpr unsigned w = 5;
  constexpr std::size_t entries = std::size_t{1} << w;
  alignas(64) limb md[L][lanes], bd[L][lanes], rd[L][lanes], sq[L][lanes], one[lanes];
  alignas(64) limb table[L][entries * lanes];
  zdigits<K> mz[L], x[L], t[L];
  limb m0[L];
  const limb* bp[L];
  for (std::size_t j = 0; j < lanes; ++j) one[j] = 0;
  one[0] = 1;
  for (int l = 0; l < L; ++l) {
    limbs_to_digits(md[l], lanes, m[l], n);
    limbs_to_digits(bd[l], lanes, b[l], n);
    limbs_to_digits(rd[l], lanes, rr52[l], n);
    mz[l] = zload<K>(md[l]);
    m0[l] = md[l][0];
  }
  // table[0] = 2^(52 D) mod m (1 in this domain), table[i] = b^i 2^(52 D)
  for (int l = 0; l < L; ++l) x[l] = zload<K>(rd[l]), bp[l] = one;
  amm52<K, L>(t, x, bp, mz, m0, k0, digits);
  for (int l = 0; l < L; ++l) zstore(table[l], t[l]), x[l] = zload<K>(bd[l]), bp[l] = rd[l];
  zdigits<K> bm[L];
  amm52<K, L>(bm, x, bp, mz, m0, k0, digits);
  for (int l = 0; l < L; ++l) zstore(table[l] + lanes, bm[l]);
  for (std::size_t i = 2; i < entries; ++i) {
    for (int l = 0; l < L; ++l) bp[l] = table[l] + (i - 1) * lanes;
    amm52<K, L>(t, bm, bp, mz, m0, k0, digits);
    for (int l = 0; l < L; ++l) zstore(table[l] + i * lanes, t[l]);
  }
  const std::size_t exp_limbs = limbs_for_bits(exp_bits);
  const std::size_t windows = (exp_bits + w - 1) / w;
  zdigits<K> acc[L];
  KAGI_UNROLL
  for (int l = 0; l < L; ++l) acc[l] = zload<K>(table[l]);  // (for exp_bits = 0)
  for (std::size_t k = windows; k-- > 0;) {
    if (k + 1 != windows) {
      for (unsigned j = 0; j < w; ++j) {
        for (int l = 0; l < L; ++l) zstore(sq[l], acc[l]), bp[l] = sq[l];
        amm52<K, L>(acc, acc, bp, mz, m0, k0, digits);
      }
    }
    for (int l = 0; l < L; ++l) t[l] = zlookup<K>(table[l], entries, window_bits(exp[l], exp_limbs, k * w, w));
    if (k + 1 == windows) {
      for (int l = 0; l < L; ++l) acc[l] = t[l];
    } else {
      for (int l = 0; l < L; ++l) zstore(sq[l], t[l]), bp[l] = sq[l];
      amm52<K, L>(acc, acc, bp, mz, m0, k0, digits);
    }
  }
  // Out of the domain: acc / 2^(52 D) (at most m), then below m.
  for (int l = 0; l < L; ++l) bp[l] = one;
  amm52<K, L>(acc, acc, bp, mz, m0, k0, digits);
  for (int l = 0; l < L; ++l) {
    digits_out(r[l], acc[l], m[l], n, digits);
    secure_wipe(std::span(table[l]));
    secure_wipe(std::span(sq[l]));
    secure_wipe(std::span(bd[l]));
  }
}

KAGI_IFMA_TARGET inline void pow_ifma(limb* r, const limb* b, const limb* exp, std::size_t exp_bits, const limb* m,
                                      const limb* rr52, limb k0, std::size_t n) noexcept {
  limb* rs[1] = {r};
  const limb* bs[1] = {b};
  const limb* es[1] = {exp};
  const limb* ms[1] = {m};
  const limb* rrs[1] = {rr52};
  const limb ks[1] = {k0};
  switch (n) {
    case 16: return pow_ifma_k<3, 1>(rs, bs, es, exp_bits, ms, rrs, ks, n);
    case 24: return pow_ifma_k<4, 1>(rs, bs, es, exp_bits, ms, rrs, ks, n);
    default: return pow_ifma_k<5, 1>(rs, bs, es, exp_bits, ms, rrs, ks, n);
  }
}

// r = x^exp mod m for a public exponent (RSA's e: its bits steer the
// square-and-multiply and are not secret; x may be, and is handled like any
// operand), plain in and out, x < m. Into the 2^(52 D) domain with rr52,
// square-and-multiply with amm52 (operands stay below 2m), back out with 1
// and the final subtraction. r may alias x.
template <int K>
KAGI_IFMA_TARGET inline void pow_public_ifma_k(limb* r, const limb* x, const limb* exp, std::size_t exp_limbs,
                                               const limb* m, const limb* rr52, limb k0, std::size_t n) noexcept {
  constexpr std::size_t lanes = 8 * K;
  const int digits = static_cast<int>(ifma_digits(n));
  alignas(64) limb md[lanes], xd[lanes], rd[lanes], sq[lanes], one[lanes];
  for (std::size_t j = 0; j < lanes; ++j) one[j] = 0;
  one[0] = 1;
  limbs_to_digits(md, lanes, m, n);
  limbs_to_digits(xd, lanes, x, n);
  limbs_to_digits(rd, lanes, rr52, n);
  const zdigits<K> mz = zload<K>(md);
  const limb m0 = md[0];
  const limb* bp = rd;
  zdigits<K> acc = zload<K>(xd);
  amm52<K, 1>(&acc, &acc, &bp, &mz, &m0, &k0, digits);  // x 2^(52 D)
  zstore(xd, acc);
  const std::size_t bits = static_cast<std::size_t>(bit_length(exp, exp_limbs));
  if (bits == 0) acc = zload<K>(rd), bp = one, amm52<K, 1>(&acc, &acc, &bp, &mz, &m0, &k0, digits);  // 1 2^(52 D)
  for (std::size_t i = bits > 0 ? bits - 1 : 0; i-- > 0;) {
    zstore(sq, acc);
    bp = sq;
    amm52<K, 1>(&acc, &acc, &bp, &mz, &m0, &k0, digits);
    if (bit(exp, i)) {
      bp = xd;
      amm52<K, 1>(&acc, &acc, &bp, &mz, &m0, &k0, digits);
    }
  }
  bp = one;
  amm52<K, 1>(&acc, &acc, &bp, &mz, &m0, &k0, digits);  // acc / 2^(52 D): at most m
  digits_out(r, acc, m, n, digits);
  secure_wipe(std::span(sq));
  secure_wipe(std::span(xd));
}

KAGI_IFMA_TARGET inline void pow_public_ifma(limb* r, const limb* x, const limb* exp, std::size_t exp_limbs,
                                             const limb* m, const limb* rr52, limb k0, std::size_t n) noexcept {
  switch (n) {
    case 16: return pow_public_ifma_k<3>(r, x, exp, exp_limbs, m, rr52, k0, n);
    case 24: return pow_public_ifma_k<4>(r, x, exp, exp_limbs, m, rr52, k0, n);
    case 32: return pow_public_ifma_k<5>(r, x, exp, exp_limbs, m, rr52, k0, n);
    case 48: return pow_public_ifma_k<8>(r, x, exp, exp_limbs, m, rr52, k0, n);
    default: return pow_public_ifma_k<10>(r, x, exp, exp_limbs, m, rr52, k0, n);
  }
}

KAGI_IFMA_TARGET inline void pow2_ifma(limb* r1, const limb* b1, const limb* e1, const limb* m1, const limb* rr1,
                                       limb k1, limb* r2, const limb* b2, const limb* e2, const limb* m2,
                                       const limb* rr2, limb k2, std::size_t exp_bits, std::size_t n) noexcept {
  limb* rs[2] = {r1, r2};
  const limb* bs[2] = {b1, b2};
  const limb* es[2] = {e1, e2};
  const limb* ms[2] = {m1, m2};
  const limb* rrs[2] = {rr1, rr2};
  const limb ks[2] = {k1, k2};
  switch (n) {
    case 16: return pow_ifma_k<3, 2>(rs, bs, es, exp_bits, ms, rrs, ks, n);
    case 24: return pow_ifma_k<4, 2>(rs, bs, es, exp_bits, ms, rrs, ks, n);
    default: return pow_ifma_k<5, 2>(rs, bs, es, exp_bits, ms, rrs, ks, n);
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#undef KAGI_IFMA_TARGET
#undef KAGI_UNROLL

}  // namespace kagi::bn::detail

#endif  // KAGI_X86

#endif  // KAGI_MATH_X86_MONTGOMERY_IFMA_HPP
