// kagi/hash/x86/sha512_avx2.hpp: SHA-512 compression with AVX2 and BMI2.
//
// Blocks go in pairs. The message schedules of both blocks are computed
// together on 256-bit vectors: vector j holds schedule words 2j and 2j+1 of the
// first block in its low 128-bit lane and the same words of the second block
// in its high lane (vpshufb, vpalignr and the shifts all work within lanes),
// so each vector step makes four words and no step needs a word made in the
// same step:
//
//   W[t..t+1] = sigma1(W[t-2..t-1]) + W[t-7..t-6] + sigma0(W[t-15..t-14]) + W[t-16..t-15]
//
// W[t] + K[t] goes to a stack buffer; the rounds run in scalar registers
// (rorx for the rotations, Maj from the previous round's a ^ b) and read it.
// The vector work is interleaved with the rounds and spread over both blocks
// of a pair: during a pair's first block the rest of its schedule is made,
// during its second block the start of the next pair's (software pipelining
// over two buffers); only the very first block of a call does the whole
// schedule of its pair alone. An odd last block is paired with itself and its
// second set of rounds skipped; compress2 (two states, one block each) is one
// pair with each block's rounds applied to its own state.
//
// Measured against the same code without the interleaving (the whole schedule
// first, then the rounds): about 15% slower; against OpenSSL's AVX2 code (the
// same kind of kernel) about parity, a few percent either way with the
// compiler (clang keeps the schedule in registers, GCC spills some of it).
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

// The schedule ring: eight vectors, slot I + k holding words 2(j-8+k),
// 2(j-8+k)+1 when vector j is next. Named members rather than an array: GCC
// keeps more of them in registers (fewer ymm spills).
struct sha512_avx2_ring {
  __m256i v0, v1, v2, v3, v4, v5, v6, v7;

  template <int I>
  KAGI_SHA512_TARGET KAGI_SHA512_INLINE __m256i& at() noexcept {
    constexpr int i = I & 7;
    if constexpr (i == 0) return v0;
    else if constexpr (i == 1) return v1;
    else if constexpr (i == 2) return v2;
    else if constexpr (i == 3) return v3;
    else if constexpr (i == 4) return v4;
    else if constexpr (i == 5) return v5;
    else if constexpr (i == 6) return v6;
    else return v7;
  }
};

// Slot I (words 2j-16, 2j-15) becomes words 2j, 2j+1.
template <int I>
KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_schedule(sha512_avx2_ring& x) noexcept {
  const __m256i w15 = _mm256_alignr_epi8(x.at<I + 1>(), x.at<I>(), 8);     // W[t-15], W[t-14]
  const __m256i w7 = _mm256_alignr_epi8(x.at<I + 5>(), x.at<I + 4>(), 8);  // W[t-7], W[t-6]
  const __m256i s = _mm256_add_epi64(_mm256_add_epi64(x.at<I>(), w7), sha512_avx2_sigma0(w15));
  x.at<I>() = _mm256_add_epi64(s, sha512_avx2_sigma1(x.at<I + 7>()));
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

struct sha512_avx2_state {
  std::uint64_t s[8];
  std::uint64_t bc;

  KAGI_SHA512_TARGET KAGI_SHA512_INLINE explicit sha512_avx2_state(const std::uint64_t* h) noexcept
      : s{h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]}, bc(h[1] ^ h[2]) {}

  KAGI_SHA512_TARGET KAGI_SHA512_INLINE void add_to(std::uint64_t* h) const noexcept {
    for (int i = 0; i < 8; ++i) h[i] += s[i];
  }
};

// ---- one block's 80 rounds with schedule work interleaved
//
// wk buffers hold 40 vectors of W + K (vector j: words 2j, 2j+1 of the first
// block, then of the second). A block's rounds read one lane (rd: the buffer,
// plus 2 for the second block). The schedule work put between them:
//   dense:  vectors 8..39 of the same pair, one every two rounds of the first
//           64 (a pair's first block when nothing came before it);
//   spread: eight vectors every 32 rounds, one every four rounds of the first
//           64 (vectors 24..39 of the same pair during its first block, 8..23
//           of the next pair during the second block, whose vectors 0..7 were
//           just loaded), so the vector work is spread over both blocks;
//   none:   the last second block.

// Vectors 0..7 of the blocks p1 and p2: byte-swapped words, x + K stored.
KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_load(sha512_avx2_ring& x, const std::uint8_t* p1,
                                                            const std::uint8_t* p2, std::uint64_t* wk) noexcept {
  const __m256i bswap = _mm256_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8,  //
                                         7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
  // An opaque pointer to K, so that GCC does not hoist the eight K vectors out
  // of the caller's loop and spill them.
  const std::uint64_t* k = sha512_k.data();
  __asm__("" : "+r"(k));
  const auto load = [&](int j) KAGI_SHA512_TARGET {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p1 + 16 * j));
    const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p2 + 16 * j));
    const __m256i v = _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1), bswap);
    sha512_avx2_store_wk(wk + 4 * j, v, k + 2 * j);
    return v;
  };
  x = {load(0), load(1), load(2), load(3), load(4), load(5), load(6), load(7)};
}

// Two rounds, then vector 8(g+1)+I into ring slot I, stored a group ahead.
template <int I>
KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_dense_step(sha512_avx2_state& st, sha512_avx2_ring& x,
                                                                  std::uint64_t* wk, const std::uint64_t* k) noexcept {
  sha512_avx2_round<(2 * I) & 7>(st.s, st.bc, wk[4 * I]);
  sha512_avx2_schedule<I>(x);
  sha512_avx2_store_wk(wk + 32 + 4 * I, x.at<I>(), k + 16 + 2 * I);
  sha512_avx2_round<(2 * I + 1) & 7>(st.s, st.bc, wk[4 * I + 1]);
}

KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_dense(std::uint64_t* h, sha512_avx2_ring& x,
                                                             std::uint64_t* wk) noexcept {
  sha512_avx2_state st(h);
  const std::uint64_t* k = sha512_k.data();
  for (int g = 0; g < 4; ++g, wk += 32, k += 16) {
    sha512_avx2_dense_step<0>(st, x, wk, k);
    sha512_avx2_dense_step<1>(st, x, wk, k);
    sha512_avx2_dense_step<2>(st, x, wk, k);
    sha512_avx2_dense_step<3>(st, x, wk, k);
    sha512_avx2_dense_step<4>(st, x, wk, k);
    sha512_avx2_dense_step<5>(st, x, wk, k);
    sha512_avx2_dense_step<6>(st, x, wk, k);
    sha512_avx2_dense_step<7>(st, x, wk, k);
  }
  sha512_avx2_16_rounds(st.s, st.bc, wk);
  st.add_to(h);
}

// Four rounds (rd: the lane's words of vectors 2I, 2I+1), the next vector into
// ring slot I (the vector number is a multiple of 8 plus I) in the middle.
template <int I>
KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_spread_step(sha512_avx2_state& st, sha512_avx2_ring& x,
                                                                   const std::uint64_t* rd, std::uint64_t* wr,
                                                                   const std::uint64_t* k) noexcept {
  sha512_avx2_round<(4 * I) & 7>(st.s, st.bc, rd[8 * I]);
  sha512_avx2_round<(4 * I + 1) & 7>(st.s, st.bc, rd[8 * I + 1]);
  sha512_avx2_schedule<I>(x);
  sha512_avx2_store_wk(wr + 4 * I, x.at<I>(), k + 2 * I);
  sha512_avx2_round<(4 * I + 2) & 7>(st.s, st.bc, rd[8 * I + 4]);
  sha512_avx2_round<(4 * I + 3) & 7>(st.s, st.bc, rd[8 * I + 5]);
}

// wr and k: where the first of the sixteen vectors goes and its K.
KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_spread(std::uint64_t* h, sha512_avx2_ring& x,
                                                              const std::uint64_t* rd, std::uint64_t* wr,
                                                              const std::uint64_t* k) noexcept {
  sha512_avx2_state st(h);
  for (int half = 0; half < 2; ++half, rd += 64, wr += 32, k += 16) {
    sha512_avx2_spread_step<0>(st, x, rd, wr, k);
    sha512_avx2_spread_step<1>(st, x, rd, wr, k);
    sha512_avx2_spread_step<2>(st, x, rd, wr, k);
    sha512_avx2_spread_step<3>(st, x, rd, wr, k);
    sha512_avx2_spread_step<4>(st, x, rd, wr, k);
    sha512_avx2_spread_step<5>(st, x, rd, wr, k);
    sha512_avx2_spread_step<6>(st, x, rd, wr, k);
    sha512_avx2_spread_step<7>(st, x, rd, wr, k);
  }
  sha512_avx2_16_rounds(st.s, st.bc, rd);
  st.add_to(h);
}

KAGI_SHA512_TARGET KAGI_SHA512_INLINE void sha512_avx2_plain(std::uint64_t* h, const std::uint64_t* rd) noexcept {
  sha512_avx2_state st(h);
  for (int g = 0; g < 5; ++g) sha512_avx2_16_rounds(st.s, st.bc, rd + 32 * g);
  st.add_to(h);
}

KAGI_SHA512_TARGET inline void sha512_compress_avx2(std::uint64_t* h, const std::uint8_t* p,
                                                    std::size_t blocks) noexcept {
  if (blocks == 0) return;
  alignas(32) std::uint64_t buf[2][160];
  std::uint64_t* cur = buf[0];
  std::uint64_t* next = buf[1];
  sha512_avx2_ring x;
  // The first pair (or the only block, as its own partner).
  sha512_avx2_load(x, p, blocks >= 2 ? p + 128 : p, cur);
  sha512_avx2_dense(h, x, cur);
  // Here the first block of the pair at p is done and cur holds its schedule.
  while (blocks >= 2) {
    blocks -= 2;
    p += 256;
    if (blocks == 0) {
      sha512_avx2_plain(h, cur + 2);
      break;
    }
    // The second block, with vectors 0..23 of the next pair made meanwhile.
    sha512_avx2_load(x, p, blocks >= 2 ? p + 128 : p, next);
    sha512_avx2_spread(h, x, cur + 2, next + 32, sha512_k.data() + 16);
    std::uint64_t* t = cur;
    cur = next;
    next = t;
    // The next pair's first block, finishing its schedule (vectors 24..39).
    sha512_avx2_spread(h, x, cur, cur + 96, sha512_k.data() + 48);
  }
}

KAGI_SHA512_TARGET inline void sha512_compress2_avx2(std::uint64_t* h1, const std::uint8_t* p1, std::uint64_t* h2,
                                                     const std::uint8_t* p2) noexcept {
  alignas(32) std::uint64_t wk[160];
  sha512_avx2_ring x;
  sha512_avx2_load(x, p1, p2, wk);
  sha512_avx2_dense(h1, x, wk);
  sha512_avx2_plain(h2, wk + 2);
}

#undef KAGI_SHA512_INLINE
#undef KAGI_SHA512_TARGET

}  // namespace kagi::detail

#endif  // KAGI_X86

#endif  // KAGI_HASH_X86_SHA512_AVX2_HPP
