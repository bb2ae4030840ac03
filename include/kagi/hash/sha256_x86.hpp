// kagi/hash/sha256_x86.hpp: SHA-256 compression with the SHA extensions (SHA-NI).
//
// sha256rnds2 does two rounds on the state held as (A,B,E,F) and (C,D,G,H);
// sha256msg1/msg2 extend the message schedule four words at a time. The
// schedule for the group g+1 is finished while group g's rounds run.
#ifndef KAGI_HASH_SHA256_X86_HPP
#define KAGI_HASH_SHA256_X86_HPP

#include "sha256.hpp"

#if KAGI_X86

namespace kagi::detail {

#define KAGI_SHA256_TARGET KAGI_TARGET("sha,sse4.1,ssse3")

// Four rounds with message words w (already in schedule order).
KAGI_SHA256_TARGET inline void sha256_shani_rounds4(__m128i& abef, __m128i& cdgh, __m128i w, int group) noexcept {
  __m128i m = _mm_add_epi32(w, _mm_loadu_si128(reinterpret_cast<const __m128i*>(sha256_k.data() + 4 * group)));
  cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
  m = _mm_shuffle_epi32(m, 0x0e);
  abef = _mm_sha256rnds2_epu32(abef, cdgh, m);
}

// W[g+1] from partial msg1 result `next` (msg1(W[g-3], W[g-2])), W[g] and W[g-1].
KAGI_SHA256_TARGET inline __m128i sha256_shani_extend(__m128i next, __m128i wg, __m128i wg1) noexcept {
  return _mm_sha256msg2_epu32(_mm_add_epi32(next, _mm_alignr_epi8(wg, wg1, 4)), wg);
}

KAGI_SHA256_TARGET inline void sha256_compress_shani(std::uint32_t* h, const std::uint8_t* p,
                                                     std::size_t blocks) noexcept {
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h));
  __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 4));
  const __m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);
  const __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);

  for (; blocks > 0; --blocks, p += 64) {
    const __m128i abef0 = abef, cdgh0 = cdgh;
    __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), bswap);
    __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), bswap);
    __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)), bswap);
    __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)), bswap);

    // Group g runs the rounds on W[g] (held in m[g % 4]), finishes W[g+1] and
    // starts W[g+3] with msg1. The four registers rotate.
    sha256_shani_rounds4(abef, cdgh, m0, 0);
    sha256_shani_rounds4(abef, cdgh, m1, 1);
    m0 = _mm_sha256msg1_epu32(m0, m1);
    sha256_shani_rounds4(abef, cdgh, m2, 2);
    m1 = _mm_sha256msg1_epu32(m1, m2);
    sha256_shani_rounds4(abef, cdgh, m3, 3);
    m0 = sha256_shani_extend(m0, m3, m2);
    m2 = _mm_sha256msg1_epu32(m2, m3);
    for (int g = 4; g < 16; g += 4) {
      sha256_shani_rounds4(abef, cdgh, m0, g);
      m1 = sha256_shani_extend(m1, m0, m3);
      if (g + 3 < 16) m3 = _mm_sha256msg1_epu32(m3, m0);
      sha256_shani_rounds4(abef, cdgh, m1, g + 1);
      m2 = sha256_shani_extend(m2, m1, m0);
      if (g + 4 < 16) m0 = _mm_sha256msg1_epu32(m0, m1);
      sha256_shani_rounds4(abef, cdgh, m2, g + 2);
      m3 = sha256_shani_extend(m3, m2, m1);
      if (g + 5 < 16) m1 = _mm_sha256msg1_epu32(m1, m2);
      sha256_shani_rounds4(abef, cdgh, m3, g + 3);
      if (g + 4 < 16) m0 = sha256_shani_extend(m0, m3, m2);
      if (g + 6 < 16) m2 = _mm_sha256msg1_epu32(m2, m3);
    }
    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);
  }

  const __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
  dcba = _mm_blend_epi16(feba, dchg, 0xf0);
  hgfe = _mm_alignr_epi8(dchg, feba, 8);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), dcba);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h + 4), hgfe);
}

#undef KAGI_SHA256_TARGET

}  // namespace kagi::detail

#endif  // KAGI_X86

#endif  // KAGI_HASH_SHA256_X86_HPP
