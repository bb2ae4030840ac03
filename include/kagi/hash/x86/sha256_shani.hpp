// kagi/hash/x86/sha256_shani.hpp: SHA-256 compression with the SHA extensions (SHA-NI).
//
// sha256rnds2 does two rounds on the state held as (A,B,E,F) and (C,D,G,H);
// sha256msg1/msg2 extend the message schedule four words at a time. Group g
// (rounds 4g..4g+3) uses schedule words W[g] held in m[g % 4], finishes W[g+1]
// and starts W[g+3], so the schedule stays ahead of the rounds.
//
// Two kernels: one stream of consecutive blocks, and two independent single
// blocks interleaved group by group (the TLS PRF computes two HMACs at once;
// a round's latency is hidden behind the other stream's work).
//
// Included by ../sha256.hpp after the portable code (the constants it uses) and
// before the dispatch table that names these kernels; on its own it includes
// the algorithm first.
#include "../sha256.hpp"

#ifndef KAGI_HASH_X86_SHA256_SHANI_HPP
#define KAGI_HASH_X86_SHA256_SHANI_HPP

#include <utility>

#if KAGI_X86

namespace kagi::detail {

#define KAGI_SHA256_TARGET KAGI_TARGET("sha,sse4.1,ssse3")
inline constexpr std::uint32_t sha256_shani_needs = cpu::sha_ni | cpu::sse41 | cpu::ssse3;

struct sha256_shani_lane {
  __m128i abef, cdgh;    // the state in sha256rnds2's layout
  __m128i abef0, cdgh0;  // the state before the current block
  __m128i m[4];          // message schedule, four words per register

  KAGI_SHA256_TARGET void load(const std::uint32_t* h) noexcept {
    const __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));
    const __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 4));
    const __m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
    const __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
    abef = _mm_alignr_epi8(cdab, efgh, 8);
    cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);
  }

  KAGI_SHA256_TARGET void store(std::uint32_t* h) const noexcept {
    const __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
    const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm_blend_epi16(feba, dchg, 0xf0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h + 4), _mm_alignr_epi8(dchg, feba, 8));
  }

  KAGI_SHA256_TARGET void begin(const std::uint8_t* p) noexcept {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    abef0 = abef;
    cdgh0 = cdgh;
    // Written out: as a loop, -O2 keeps m in memory and adds a store-to-load
    // round trip at the start of every block.
    const auto* q = reinterpret_cast<const __m128i*>(p);
    m[0] = _mm_shuffle_epi8(_mm_loadu_si128(q), bswap);
    m[1] = _mm_shuffle_epi8(_mm_loadu_si128(q + 1), bswap);
    m[2] = _mm_shuffle_epi8(_mm_loadu_si128(q + 2), bswap);
    m[3] = _mm_shuffle_epi8(_mm_loadu_si128(q + 3), bswap);
  }

  template <int G>
  KAGI_SHA256_TARGET void group() noexcept {
    __m128i k = _mm_add_epi32(m[G % 4], _mm_loadu_si128(reinterpret_cast<const __m128i*>(sha256_k.data() + 4 * G)));
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);
    k = _mm_shuffle_epi32(k, 0x0e);
    abef = _mm_sha256rnds2_epu32(abef, cdgh, k);
    if constexpr (G >= 3 && G <= 14) {  // W[G+1] = msg2(msg1(W[G-3], W[G-2]) + W[G-1..G] words, W[G])
      const __m128i t = _mm_add_epi32(m[(G + 1) % 4], _mm_alignr_epi8(m[G % 4], m[(G + 3) % 4], 4));
      m[(G + 1) % 4] = _mm_sha256msg2_epu32(t, m[G % 4]);
    }
    if constexpr (G >= 1 && G <= 12) {  // start W[G+3]: msg1(W[G-1], W[G])
      m[(G + 3) % 4] = _mm_sha256msg1_epu32(m[(G + 3) % 4], m[G % 4]);
    }
  }

  KAGI_SHA256_TARGET void end() noexcept {
    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);
  }
};

template <int... G>
KAGI_SHA256_TARGET inline void sha256_shani_block(sha256_shani_lane& a, std::integer_sequence<int, G...>) noexcept {
  (a.group<G>(), ...);
}

template <int... G>
KAGI_SHA256_TARGET inline void sha256_shani_block2(sha256_shani_lane& a, sha256_shani_lane& b,
                                                   std::integer_sequence<int, G...>) noexcept {
  ((a.group<G>(), b.group<G>()), ...);
}

KAGI_SHA256_TARGET inline void sha256_compress_shani(std::uint32_t* h, const std::uint8_t* p,
                                                     std::size_t blocks) noexcept {
  sha256_shani_lane a;
  a.load(h);
  for (; blocks > 0; --blocks, p += 64) {
    a.begin(p);
    sha256_shani_block(a, std::make_integer_sequence<int, 16>{});
    a.end();
  }
  a.store(h);
}

KAGI_SHA256_TARGET inline void sha256_compress2_shani(std::uint32_t* h1, const std::uint8_t* p1, std::uint32_t* h2,
                                                      const std::uint8_t* p2) noexcept {
  sha256_shani_lane a, b;
  a.load(h1);
  b.load(h2);
  a.begin(p1);
  b.begin(p2);
  sha256_shani_block2(a, b, std::make_integer_sequence<int, 16>{});
  a.end();
  b.end();
  a.store(h1);
  b.store(h2);
}

#undef KAGI_SHA256_TARGET

}  // namespace kagi::detail

#endif  // KAGI_X86

#endif  // KAGI_HASH_X86_SHA256_SHANI_HPP
