// kagi/cipher/gcm_x86.hpp: AES-GCM kernels for x86-64.
//
// All kernels share gcm.hpp's GHASH representation: a block is loaded and
// byte-swapped, so a 128-bit register holds it as a big-endian integer, and
// the key powers H'^k = H^k * x^-1 (twisted) sit in memory as those registers.
// The carry-less product of a block and a twisted power is then the reflected
// 256-bit product of the field elements, and two folds by 0xc2 << 56 reduce
// it. Products of several blocks with several powers are summed unreduced and
// reduced once ("aggregated reduction").
//
// aesni-pclmul: one pass over the data, 8 blocks per iteration: the AES rounds
// of counter blocks i..i+7 run interleaved with the GHASH of ciphertext blocks
// i-8..i-1 against H'^8..H'^1, with one reduction per 8 blocks.
#ifndef KAGI_CIPHER_GCM_X86_HPP
#define KAGI_CIPHER_GCM_X86_HPP

#include <cstring>

#include "gcm.hpp"

#if KAGI_X86

namespace kagi::detail {

#define KAGI_GCM_AESNI_TARGET KAGI_TARGET("aes,pclmul,sse4.1,ssse3")

// ---- GHASH on 128-bit registers

KAGI_GCM_AESNI_TARGET inline __m128i gcm_bswap128(__m128i x) noexcept {
  return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}
KAGI_GCM_AESNI_TARGET inline __m128i gcm_load(const void* p) noexcept {
  return _mm_loadu_si128(static_cast<const __m128i*>(p));
}
KAGI_GCM_AESNI_TARGET inline void gcm_store(void* p, __m128i v) noexcept {
  _mm_storeu_si128(static_cast<__m128i*>(p), v);
}
// H'^k from the key state.
KAGI_GCM_AESNI_TARGET inline __m128i gcm_hpow(const std::uint64_t* hpow, std::size_t k) noexcept {
  return gcm_load(hpow + 2 * (gcm_powers - k));
}

// Unreduced sums of the four 64 x 64 partial products.
struct gcm_acc128 {
  __m128i lo, mid, hi;
};

KAGI_GCM_AESNI_TARGET inline void gcm_mul_first(gcm_acc128& a, __m128i x, __m128i h) noexcept {
  a.lo = _mm_clmulepi64_si128(x, h, 0x00);
  a.hi = _mm_clmulepi64_si128(x, h, 0x11);
  a.mid = _mm_xor_si128(_mm_clmulepi64_si128(x, h, 0x01), _mm_clmulepi64_si128(x, h, 0x10));
}
KAGI_GCM_AESNI_TARGET inline void gcm_mul_add(gcm_acc128& a, __m128i x, __m128i h) noexcept {
  a.lo = _mm_xor_si128(a.lo, _mm_clmulepi64_si128(x, h, 0x00));
  a.hi = _mm_xor_si128(a.hi, _mm_clmulepi64_si128(x, h, 0x11));
  a.mid = _mm_xor_si128(a.mid, _mm_xor_si128(_mm_clmulepi64_si128(x, h, 0x01), _mm_clmulepi64_si128(x, h, 0x10)));
}

// The 256-bit sum hi:lo (hi = hi ^ mid >> 64, lo = lo ^ mid << 64) folded
// twice by 0xc2 << 56 into 128 bits.
KAGI_GCM_AESNI_TARGET inline __m128i gcm_reduce(const gcm_acc128& a) noexcept {
  const __m128i fold = _mm_set_epi64x(0, static_cast<long long>(0xc200000000000000ull));
  __m128i lo = _mm_xor_si128(a.lo, _mm_slli_si128(a.mid, 8));
  const __m128i hi = _mm_xor_si128(a.hi, _mm_srli_si128(a.mid, 8));
  lo = _mm_xor_si128(_mm_shuffle_epi32(lo, 0x4e), _mm_clmulepi64_si128(lo, fold, 0x00));
  lo = _mm_xor_si128(_mm_shuffle_epi32(lo, 0x4e), _mm_clmulepi64_si128(lo, fold, 0x00));
  return _mm_xor_si128(lo, hi);
}

KAGI_GCM_AESNI_TARGET inline __m128i gcm_mul(__m128i x, __m128i h) noexcept {
  gcm_acc128 a;
  gcm_mul_first(a, x, h);
  return gcm_reduce(a);
}

// A block of up to 16 bytes, zero-padded, byte-swapped.
KAGI_GCM_AESNI_TARGET inline __m128i gcm_load_partial(const std::uint8_t* p, std::size_t n) noexcept {
  alignas(16) std::uint8_t b[16] = {};
  std::memcpy(b, p, n);
  return gcm_bswap128(_mm_load_si128(reinterpret_cast<const __m128i*>(b)));
}

// y = GHASH state after absorbing len bytes of data (last block zero-padded),
// eight blocks per reduction.
KAGI_GCM_AESNI_TARGET inline __m128i gcm_ghash_pclmul(const std::uint64_t* hpow, __m128i y, const std::uint8_t* p,
                                                      std::size_t len) noexcept {
  for (; len >= 128; len -= 128, p += 128) {
    gcm_acc128 a;
    gcm_mul_first(a, _mm_xor_si128(y, gcm_bswap128(gcm_load(p))), gcm_hpow(hpow, 8));
    #pragma GCC unroll 16
    for (int i = 1; i < 8; ++i) gcm_mul_add(a, gcm_bswap128(gcm_load(p + 16 * i)), gcm_hpow(hpow, 8 - i));
    y = gcm_reduce(a);
  }
  if (len == 0) return y;
  const std::size_t n = (len + 15) / 16;  // 1..8 blocks, the last maybe partial
  gcm_acc128 a;
  #pragma GCC unroll 16
  for (std::size_t i = 0; i < n; ++i) {
    __m128i x = (i + 1 < n || len % 16 == 0) ? gcm_bswap128(gcm_load(p + 16 * i))
                                             : gcm_load_partial(p + 16 * i, len % 16);
    if (i == 0) {
      gcm_mul_first(a, _mm_xor_si128(x, y), gcm_hpow(hpow, n));
    } else {
      gcm_mul_add(a, x, gcm_hpow(hpow, n - i));
    }
  }
  return gcm_reduce(a);
}

// The length block [len(A)]_64 || [len(C)]_64 as a byte-swapped register.
KAGI_GCM_AESNI_TARGET inline __m128i gcm_lengths(std::size_t aad_len, std::size_t len) noexcept {
  return _mm_set_epi64x(static_cast<long long>(std::uint64_t{aad_len} << 3),
                        static_cast<long long>(std::uint64_t{len} << 3));
}

// ---- key set-up: AES-NI key expansion, H = E(K, 0), twisted powers by PCLMULQDQ

template <int Rounds>
KAGI_GCM_AESNI_TARGET inline __m128i gcm_aes_block(const std::uint8_t* rk, __m128i b) noexcept {
  b = _mm_xor_si128(b, gcm_load(rk));
  #pragma GCC unroll 16
  for (int r = 1; r < Rounds; ++r) b = _mm_aesenc_si128(b, gcm_load(rk + 16 * r));
  return _mm_aesenclast_si128(b, gcm_load(rk + 16 * Rounds));
}

template <int Rounds>
KAGI_GCM_AESNI_TARGET inline void gcm_init_aesni(const std::uint8_t* key, std::uint8_t* rk,
                                                 std::uint64_t* hpow) noexcept {
  aes_expand_key_aesni(key, Rounds - 6, rk);
  __m128i h = gcm_bswap128(gcm_aes_block<Rounds>(rk, _mm_setzero_si128()));
  // Twist: h << 1, folding in 0xc2..01 when the top bit falls out.
  const __m128i carry = _mm_shuffle_epi32(_mm_srai_epi32(h, 31), 0xff);  // all ones if bit 127 was set
  const __m128i poly = _mm_set_epi64x(static_cast<long long>(0xc200000000000000ull), 1);
  const __m128i shifted = _mm_or_si128(_mm_slli_epi64(h, 1), _mm_slli_si128(_mm_srli_epi64(h, 63), 8));
  const __m128i h1 = _mm_xor_si128(shifted, _mm_and_si128(carry, poly));
  // H'^2 from H'^1; then H'^3, H'^4 together; H'^5..8 from H'^4; H'^9..16 from H'^8.
  __m128i p[gcm_powers + 1];
  p[1] = h1;
  p[2] = gcm_mul(h1, h1);
  p[3] = gcm_mul(p[2], h1);
  p[4] = gcm_mul(p[2], p[2]);
  #pragma GCC unroll 16
  for (int k = 5; k <= 8; ++k) p[k] = gcm_mul(p[k - 4], p[4]);
  #pragma GCC unroll 16
  for (int k = 9; k <= 16; ++k) p[k] = gcm_mul(p[k - 8], p[8]);
  #pragma GCC unroll 16
  for (std::size_t k = 1; k <= gcm_powers; ++k) gcm_store(hpow + 2 * (gcm_powers - k), p[k]);
}

// J0 from a nonce that is not 96 bits long.
KAGI_GCM_AESNI_TARGET inline void gcm_j0_pclmul(const std::uint64_t* hpow, const std::uint8_t* nonce,
                                                std::size_t len, std::uint8_t* j0) noexcept {
  __m128i y = gcm_ghash_pclmul(hpow, _mm_setzero_si128(), nonce, len);
  y = gcm_mul(_mm_xor_si128(y, gcm_lengths(0, len)), gcm_hpow(hpow, 1));
  gcm_store(j0, gcm_bswap128(y));
}

// ---- AES-NI + PCLMULQDQ, 8 blocks per iteration

template <int Rounds>
struct gcm_aesni_keys {
  __m128i k[Rounds + 1];
  KAGI_GCM_AESNI_TARGET explicit gcm_aesni_keys(const std::uint8_t* rk) noexcept {
    #pragma GCC unroll 16
    for (int i = 0; i <= Rounds; ++i) k[i] = gcm_load(rk + 16 * i);
  }
};

// Counter block i (i = 1, 2, ...) from the byte-swapped J0: inc32 wraps mod 2^32.
KAGI_GCM_AESNI_TARGET inline __m128i gcm_ctr_block(__m128i ctr_swapped, int i) noexcept {
  return gcm_bswap128(_mm_add_epi32(ctr_swapped, _mm_set_epi32(0, 0, 0, i)));
}

// out = in ^ E(counter blocks) for n (1..8) blocks, the last of `last` bytes
// (1..16); returns the counter advanced by n.
template <int Rounds>
KAGI_GCM_AESNI_TARGET inline __m128i gcm_ctr_tail_aesni(const gcm_aesni_keys<Rounds>& k, __m128i ctr,
                                                        const std::uint8_t* in, std::uint8_t* out, std::size_t n,
                                                        std::size_t last) noexcept {
  __m128i b[8];
  #pragma GCC unroll 16
  for (std::size_t j = 0; j < n; ++j) b[j] = _mm_xor_si128(gcm_ctr_block(ctr, static_cast<int>(j) + 1), k.k[0]);
  #pragma GCC unroll 16
  for (int r = 1; r < Rounds; ++r)
    #pragma GCC unroll 16
    for (std::size_t j = 0; j < n; ++j) b[j] = _mm_aesenc_si128(b[j], k.k[r]);
  #pragma GCC unroll 16
  for (std::size_t j = 0; j < n; ++j) b[j] = _mm_aesenclast_si128(b[j], k.k[Rounds]);
  #pragma GCC unroll 16
  for (std::size_t j = 0; j + 1 < n; ++j) gcm_store(out + 16 * j, _mm_xor_si128(b[j], gcm_load(in + 16 * j)));
  alignas(16) std::uint8_t t[16] = {};
  std::memcpy(t, in + 16 * (n - 1), last);
  _mm_store_si128(reinterpret_cast<__m128i*>(t), _mm_xor_si128(b[n - 1], _mm_load_si128(reinterpret_cast<const __m128i*>(t))));
  std::memcpy(out + 16 * (n - 1), t, last);
  return _mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, static_cast<int>(n)));
}

template <int Rounds>
KAGI_GCM_AESNI_TARGET inline void gcm_seal_aesni(const std::uint8_t* rk, const std::uint64_t* hpow,
                                                 const std::uint8_t* j0, const std::uint8_t* aad, std::size_t aad_len,
                                                 const std::uint8_t* in, std::uint8_t* out, std::size_t len,
                                                 std::uint8_t* tag) noexcept {
  const gcm_aesni_keys<Rounds> k(rk);
  const __m128i j0v = gcm_load(j0);
  __m128i ctr = gcm_bswap128(j0v);
  __m128i ej0 = _mm_xor_si128(j0v, k.k[0]);
  #pragma GCC unroll 16
  for (int r = 1; r < Rounds; ++r) ej0 = _mm_aesenc_si128(ej0, k.k[r]);
  ej0 = _mm_aesenclast_si128(ej0, k.k[Rounds]);
  __m128i y = gcm_ghash_pclmul(hpow, _mm_setzero_si128(), aad, aad_len);

  std::size_t done = 0;
  if (len >= 128) {
    // The first 8 blocks: AES only; their GHASH runs with the next 8.
    __m128i b[8];
    #pragma GCC unroll 16
    for (int j = 0; j < 8; ++j) b[j] = _mm_xor_si128(gcm_ctr_block(ctr, j + 1), k.k[0]);
    #pragma GCC unroll 16
    for (int r = 1; r < Rounds; ++r)
      #pragma GCC unroll 16
      for (int j = 0; j < 8; ++j) b[j] = _mm_aesenc_si128(b[j], k.k[r]);
    #pragma GCC unroll 16
    for (int j = 0; j < 8; ++j)
      gcm_store(out + 16 * j, _mm_xor_si128(_mm_aesenclast_si128(b[j], k.k[Rounds]), gcm_load(in + 16 * j)));
    ctr = _mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, 8));
    done = 128;
    for (; len - done >= 128; done += 128) {
      const std::uint8_t* prev = out + done - 128;
      #pragma GCC unroll 16
      for (int j = 0; j < 8; ++j) b[j] = _mm_xor_si128(gcm_ctr_block(ctr, j + 1), k.k[0]);
      gcm_acc128 a;
      gcm_mul_first(a, _mm_xor_si128(y, gcm_bswap128(gcm_load(prev))), gcm_hpow(hpow, 8));
      // Rounds 1..7 each carry one more GHASH product; the rest run alone.
      #pragma GCC unroll 16
      for (int r = 1; r < Rounds; ++r) {
        #pragma GCC unroll 16
        for (int j = 0; j < 8; ++j) b[j] = _mm_aesenc_si128(b[j], k.k[r]);
        if (r < 8) gcm_mul_add(a, gcm_bswap128(gcm_load(prev + 16 * r)), gcm_hpow(hpow, 8 - r));
      }
      #pragma GCC unroll 16
      for (int j = 0; j < 8; ++j)
        gcm_store(out + done + 16 * j,
                  _mm_xor_si128(_mm_aesenclast_si128(b[j], k.k[Rounds]), gcm_load(in + done + 16 * j)));
      y = gcm_reduce(a);
      ctr = _mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, 8));
    }
    y = gcm_ghash_pclmul(hpow, y, out + done - 128, 128);
  }
  if (done < len) {
    const std::size_t rest = len - done, n = (rest + 15) / 16;
    ctr = gcm_ctr_tail_aesni(k, ctr, in + done, out + done, n, rest - 16 * (n - 1));
    y = gcm_ghash_pclmul(hpow, y, out + done, rest);
  }
  y = gcm_mul(_mm_xor_si128(y, gcm_lengths(aad_len, len)), gcm_hpow(hpow, 1));
  gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
}

template <int Rounds>
KAGI_GCM_AESNI_TARGET inline void gcm_tag_aesni(const std::uint8_t* rk, const std::uint64_t* hpow,
                                                const std::uint8_t* j0, const std::uint8_t* aad, std::size_t aad_len,
                                                const std::uint8_t* ct, std::size_t len, std::uint8_t* tag) noexcept {
  const __m128i ej0 = gcm_aes_block<Rounds>(rk, gcm_load(j0));
  __m128i y = gcm_ghash_pclmul(hpow, _mm_setzero_si128(), aad, aad_len);
  y = gcm_ghash_pclmul(hpow, y, ct, len);
  y = gcm_mul(_mm_xor_si128(y, gcm_lengths(aad_len, len)), gcm_hpow(hpow, 1));
  gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
}

template <int Rounds>
KAGI_GCM_AESNI_TARGET inline void gcm_ctr_aesni(const std::uint8_t* rk, const std::uint8_t* j0,
                                                const std::uint8_t* in, std::uint8_t* out, std::size_t len) noexcept {
  const gcm_aesni_keys<Rounds> k(rk);
  __m128i ctr = gcm_bswap128(gcm_load(j0));
  std::size_t done = 0;
  for (; len - done >= 128; done += 128) {
    __m128i b[8];
    #pragma GCC unroll 16
    for (int j = 0; j < 8; ++j) b[j] = _mm_xor_si128(gcm_ctr_block(ctr, j + 1), k.k[0]);
    #pragma GCC unroll 16
    for (int r = 1; r < Rounds; ++r)
      #pragma GCC unroll 16
      for (int j = 0; j < 8; ++j) b[j] = _mm_aesenc_si128(b[j], k.k[r]);
    #pragma GCC unroll 16
    for (int j = 0; j < 8; ++j)
      gcm_store(out + done + 16 * j,
                _mm_xor_si128(_mm_aesenclast_si128(b[j], k.k[Rounds]), gcm_load(in + done + 16 * j)));
    ctr = _mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, 8));
  }
  if (done < len) {
    const std::size_t rest = len - done, n = (rest + 15) / 16;
    gcm_ctr_tail_aesni(k, ctr, in + done, out + done, n, rest - 16 * (n - 1));
  }
}

#undef KAGI_GCM_AESNI_TARGET

}  // namespace kagi::detail

#endif  // KAGI_X86

#endif  // KAGI_CIPHER_GCM_X86_HPP
