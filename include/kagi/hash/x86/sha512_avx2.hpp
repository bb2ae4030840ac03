// kagi/hash/x86/sha512_avx2.hpp: SHA-512 compression with AVX2 and BMI2.
//
// Blocks go in pairs. The message schedules of both blocks are computed
// together on 256-bit vectors: x[j] holds schedule words 2j and 2j+1 of the
// first block in its low 128-bit lane and the same words of the second block
// in its high lane (vpshufb, vpalignr and the shifts all work within lanes),
// so each vector step makes four words and no step needs a word made in the
// same step:
//
//   W[t..t+1] = sigma1(W[t-2..t-1]) + W[t-7..t-6] + sigma0(W[t-15..t-14]) + W[t-16..t-15]
//
// W[t] + K[t] goes to a stack buffer. The rounds run in scalar registers
// (rorx for the rotations, Maj from the previous round's a ^ b): the first
// block's rounds are interleaved with the vector work on the schedule, the
// second block's read the finished buffer. An odd last block goes through the
// same code with itself as the partner and its second set of rounds skipped.
// compress2 (two states, one block each) is the same pass with the rounds of
// each block applied to its own state.
//
// Included by ../sha512.hpp after the portable code (the constants and the
// sigma functions it uses) and before the dispatch table that names these
// kernels; on its own it includes the algorithm first.
#include "../sha512.hpp"

#ifndef KAGI_HASH_X86_SHA512_AVX2_HPP
#define KAGI_HASH_X86_SHA512_AVX2_HPP

#if KAGI_X86

namespace kagi::detail {

#define KAGI_SHA512_TARGET KAGI_TARGET("avx2,bmi2")
#define KAGI_SHA512_INLINE __attribute__((always_inline)) inline
inline constexpr std::uint32_t sha512_avx2_needs = cpu::avx | cpu::avx2 | cpu::bmi2;

// ---- the message schedule, two words of two blocks per vector

// sigma0(x) = (x ror 1) ^ (x ror 8) ^ (x >> 7); the rotation by 8 is a byte shuffle.
KAGI_SHA512_TARGET KAGI_SHA512_INLINE __m256i sha512_avx2_sigma0(__m256i x) noexcept {
  const __m256i ror8 = _mm256_setr_epi8(1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 8,  //
                                        1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 8);
  const __m256i r1 = _mm256_xor_si256(_mm256_srli_epi64(x, 1), _mm256_slli_epi64(x, 63));
  return _mm256_xor_si256(_mm256_xor_si256(r1, _mm256_shuffle_epi8(x, ror8)), _mm256_srli_epi64(x, 7));
}

// sigma1(x) = (x ror 19) ^ (x ror 61) ^ (x >> 6).
KAGI_SHA512_TARGET KAGI_SHA512_INLINE __m256i sha512_avx2_sigma1(__m256i x) noexcept {
  const __m256i r19 = _mm256_xor_si256(_mm256_srli_epi64(x, 19), _mm256_slli_epi64(x, 45));
  const __m256i r61 = _mm256_xor_si256(_mm256_srli_epi64(x, 61), _mm256_slli_epi64(x, 3));
  return _mm256_xor_si256(_mm256_xor_si256(r19, r61), _mm256_srli_epi64(x, 6));
}

// x[I] (words 2j-16, 2j-15) becomes words 2j, 2j+1; the ring of eight vectors
// holds words 2j-16 .. 2j-1, so slot I + k holds words 2(j-8+k), 2(j-8+k)+1.
template <int I>
KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_schedule(__m256i (&x)[8]) noexcept {
  const __m256i w15 = _mm256_alignr_epi8(x[(I + 1) & 7], x[I], 8);          // W[t-15], W[t-14]
  const __m256i w7 = _mm256_alignr_epi8(x[(I + 5) & 7], x[(I + 4) & 7], 8);  // W[t-7], W[t-6]
  const __m256i s = _mm256_add_epi64(_mm256_add_epi64(x[I], w7), sha512_avx2_sigma0(w15));
  x[I] = _mm256_add_epi64(s, sha512_avx2_sigma1(x[(I + 7) & 7]));
}

// W + K for one vector: K[2j], K[2j+1] in both lanes.
KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_store_wk(std::uint64_t* wk, __m256i x,
                                                                const std::uint64_t* k) noexcept {
  const __m256i kk = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(k)));
  _mm256_store_si256(reinterpret_cast<__m256i*>(wk), _mm256_add_epi64(x, kk));
}

// ---- the rounds, in scalar registers

// Keeps the compiler from re-associating a sum (no instruction): the order of
// the additions below decides the length of the dependency chains.
KAGI_SHA512_INLINE std::uint64_t sha512_avx2_pin(std::uint64_t x) noexcept {
  __asm__("" : "+r"(x));
  return x;
}

// Round K of an eight-round rotation: s[(i - K) & 7] plays the role of the
// i-th working variable a..h, so no value moves between rounds. bc holds b ^ c
// (the previous round's a ^ b): Maj(a, b, c) = ((a ^ b) & (b ^ c)) ^ b.
template <int K>
KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_round(std::uint64_t (&s)[8], std::uint64_t& bc,
                                                             std::uint64_t wk) noexcept {
  const std::uint64_t a = s[(0 - K) & 7], b = s[(1 - K) & 7], e = s[(4 - K) & 7], f = s[(5 - K) & 7],
                      g = s[(6 - K) & 7];
  std::uint64_t& d = s[(3 - K) & 7];
  std::uint64_t& h = s[(7 - K) & 7];
  // t1 = ((h + W + K) + Ch) + Sigma1(e); the new a = (t1 + Maj) + Sigma0(a).
  const std::uint64_t t1 = sha512_avx2_pin(sha512_avx2_pin(h + wk) + (((f ^ g) & e) ^ g)) + sha512_big_sigma1(e);
  const std::uint64_t ab = a ^ b;
  const std::uint64_t maj = (ab & bc) ^ b;
  bc = ab;
  d += t1;
  h = sha512_avx2_pin(t1 + maj) + sha512_big_sigma0(a);
}

// Sixteen rounds from the stored W + K of one lane (wk points at the lane's
// first word of the group; the words of a vector are 4 apart).
KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_16_rounds(std::uint64_t (&s)[8], std::uint64_t& bc,
                                                                 const std::uint64_t* wk) noexcept {
  sha512_avx2_round<0>(s, bc, wk[0]);
  sha512_avx2_round<1>(s, bc, wk[1]);
  sha512_avx2_round<2>(s, bc, wk[4]);
  sha512_avx2_round<3>(s, bc, wk[5]);
  sha512_avx2_round<4>(s, bc, wk[8]);
  sha512_avx2_round<5>(s, bc, wk[9]);
  sha512_avx2_round<6>(s, bc, wk[12]);
  sha512_avx2_round<7>(s, bc, wk[13]);
  sha512_avx2_round<0>(s, bc, wk[16]);
  sha512_avx2_round<1>(s, bc, wk[17]);
  sha512_avx2_round<2>(s, bc, wk[20]);
  sha512_avx2_round<3>(s, bc, wk[21]);
  sha512_avx2_round<4>(s, bc, wk[24]);
  sha512_avx2_round<5>(s, bc, wk[25]);
  sha512_avx2_round<6>(s, bc, wk[28]);
  sha512_avx2_round<7>(s, bc, wk[29]);
}

// Two rounds of the first lane, then the next schedule vector into ring slot I
// (its W + K stored one group of sixteen rounds ahead).
template <int I>
KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_2_rounds_scheduling(std::uint64_t (&s)[8], std::uint64_t& bc,
                                                                           __m256i (&x)[8], std::uint64_t* wk,
                                                                           const std::uint64_t* k) noexcept {
  sha512_avx2_round<(2 * I) & 7>(s, bc, wk[4 * I]);
  sha512_avx2_schedule<I>(x);
  sha512_avx2_store_wk(wk + 32 + 4 * I, x[I], k + 16 + 2 * I);
  sha512_avx2_round<(2 * I + 1) & 7>(s, bc, wk[4 * I + 1]);
}

struct sha512_avx2_state {
  std::uint64_t s[8];
  std::uint64_t bc;

  KAGI_SHA512_TARGET KAGI_SHA512_INLINE explicit sha512_avx2_state(const std::uint64_t* h) noexcept
      : s{h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]}, bc(h[1] ^ h[2]) {}

  KAGI_SHA512_TARGET KAGI_SHA512_INLINE void add_to(std::uint64_t* h) const noexcept {
    for (int i = 0; i < 8; ++i) h[i] += s[i];
  }
};

// The schedules of blocks p1 and p2 (W + K into wk: 40 vectors of 4 words) and
// the 80 rounds of p1 on h1.
KAGI_SHA512_TARGET inline void sha512_avx2_first(std::uint64_t* h1, const std::uint8_t* p1, const std::uint8_t* p2,
                                                 std::uint64_t* wk) noexcept {
  const __m256i bswap = _mm256_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8,  //
                                         7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
  __m256i x[8];
  for (int j = 0; j < 8; ++j) {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p1 + 16 * j));
    const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p2 + 16 * j));
    x[j] = _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1), bswap);
    sha512_avx2_store_wk(wk + 4 * j, x[j], sha512_k.data() + 2 * j);
  }
  sha512_avx2_state st(h1);
  const std::uint64_t* k = sha512_k.data();
  for (int group = 0; group < 4; ++group, wk += 32, k += 16) {
    sha512_avx2_2_rounds_scheduling<0>(st.s, st.bc, x, wk, k);
    sha512_avx2_2_rounds_scheduling<1>(st.s, st.bc, x, wk, k);
    sha512_avx2_2_rounds_scheduling<2>(st.s, st.bc, x, wk, k);
    sha512_avx2_2_rounds_scheduling<3>(st.s, st.bc, x, wk, k);
    sha512_avx2_2_rounds_scheduling<4>(st.s, st.bc, x, wk, k);
    sha512_avx2_2_rounds_scheduling<5>(st.s, st.bc, x, wk, k);
    sha512_avx2_2_rounds_scheduling<6>(st.s, st.bc, x, wk, k);
    sha512_avx2_2_rounds_scheduling<7>(st.s, st.bc, x, wk, k);
  }
  sha512_avx2_16_rounds(st.s, st.bc, wk);
  st.add_to(h1);
}

// The 80 rounds of the second block from the stored schedule.
KAGI_SHA512_TARGET inline void sha512_avx2_second(std::uint64_t* h2, const std::uint64_t* wk) noexcept {
  sha512_avx2_state st(h2);
  for (int group = 0; group < 5; ++group) sha512_avx2_16_rounds(st.s, st.bc, wk + 2 + 32 * group);
  st.add_to(h2);
}

KAGI_SHA512_TARGET inline void sha512_compress_avx2(std::uint64_t* h, const std::uint8_t* p,
                                                    std::size_t blocks) noexcept {
  alignas(32) std::uint64_t wk[160];
  for (; blocks >= 2; blocks -= 2, p += 256) {
    sha512_avx2_first(h, p, p + 128, wk);
    sha512_avx2_second(h, wk);
  }
  if (blocks == 1) sha512_avx2_first(h, p, p, wk);
}

KAGI_SHA512_TARGET inline void sha512_compress2_avx2(std::uint64_t* h1, const std::uint8_t* p1, std::uint64_t* h2,
                                                     const std::uint8_t* p2) noexcept {
  alignas(32) std::uint64_t wk[160];
  sha512_avx2_first(h1, p1, p2, wk);
  sha512_avx2_second(h2, wk);
}

#undef KAGI_SHA512_INLINE
#undef KAGI_SHA512_TARGET

}  // namespace kagi::detail

#endif  // KAGI_X86

#endif  // KAGI_HASH_X86_SHA512_AVX2_HPP
