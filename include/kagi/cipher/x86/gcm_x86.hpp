// kagi/cipher/x86/gcm_x86.hpp: AES-GCM kernels for x86-64.
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
#ifndef KAGI_CIPHER_X86_GCM_X86_HPP
#define KAGI_CIPHER_X86_GCM_X86_HPP

#include <cstring>

#include "../gcm.hpp"

#if KAGI_X86

namespace kagi::detail {

// Helpers are forced inline into the kernels, so that round keys, key powers
// and counters stay in registers across a kernel's loops.
#define KAGI_GCM_INLINE __attribute__((always_inline)) inline
// Per-message pieces (tails, last GHASH group) are compiled once and called,
// which keeps compile times and code size down; their call costs a few cycles
// per message.
#define KAGI_GCM_CALLED __attribute__((noinline)) inline

#define KAGI_GCM_AESNI_TARGET KAGI_TARGET("aes,pclmul,sse4.1,ssse3")

// ---- GHASH on 128-bit registers

KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_bswap128(__m128i x) noexcept {
  return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_load(const void* p) noexcept {
  return _mm_loadu_si128(static_cast<const __m128i*>(p));
}
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE void gcm_store(void* p, __m128i v) noexcept {
  _mm_storeu_si128(static_cast<__m128i*>(p), v);
}
// H'^k from the key state.
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_hpow(const std::uint64_t* hpow, std::size_t k) noexcept {
  return gcm_load(hpow + 2 * (gcm_powers - k));
}

// Unreduced sums of the four 64 x 64 partial products.
struct gcm_acc128 {
  __m128i lo, mid, hi;
};

KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE void gcm_mul_first(gcm_acc128& a, __m128i x, __m128i h) noexcept {
  a.lo = _mm_clmulepi64_si128(x, h, 0x00);
  a.hi = _mm_clmulepi64_si128(x, h, 0x11);
  a.mid = _mm_xor_si128(_mm_clmulepi64_si128(x, h, 0x01), _mm_clmulepi64_si128(x, h, 0x10));
}
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE void gcm_mul_add(gcm_acc128& a, __m128i x, __m128i h) noexcept {
  a.lo = _mm_xor_si128(a.lo, _mm_clmulepi64_si128(x, h, 0x00));
  a.hi = _mm_xor_si128(a.hi, _mm_clmulepi64_si128(x, h, 0x11));
  a.mid = _mm_xor_si128(a.mid, _mm_xor_si128(_mm_clmulepi64_si128(x, h, 0x01), _mm_clmulepi64_si128(x, h, 0x10)));
}

// The 256-bit sum hi:lo (hi = hi ^ mid >> 64, lo = lo ^ mid << 64) folded
// twice by 0xc2 << 56 into 128 bits.
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_reduce(const gcm_acc128& a) noexcept {
  const __m128i fold = _mm_set_epi64x(0, static_cast<long long>(0xc200000000000000ull));
  __m128i lo = _mm_xor_si128(a.lo, _mm_slli_si128(a.mid, 8));
  const __m128i hi = _mm_xor_si128(a.hi, _mm_srli_si128(a.mid, 8));
  lo = _mm_xor_si128(_mm_shuffle_epi32(lo, 0x4e), _mm_clmulepi64_si128(lo, fold, 0x00));
  lo = _mm_xor_si128(_mm_shuffle_epi32(lo, 0x4e), _mm_clmulepi64_si128(lo, fold, 0x00));
  return _mm_xor_si128(lo, hi);
}

KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_mul(__m128i x, __m128i h) noexcept {
  gcm_acc128 a;
  gcm_mul_first(a, x, h);
  return gcm_reduce(a);
}

// J0: nonce || 0^31 || 1 for a 12-byte nonce (read as three 32-bit words, so
// stores that built the nonce forward to the loads), or the 16 bytes given.
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_load_j0(gcm_iv iv) noexcept {
  if (!iv.nonce12) return gcm_load(iv.p);
  std::int32_t w0, w1, w2;
  std::memcpy(&w0, iv.p, 4);
  std::memcpy(&w1, iv.p + 4, 4);
  std::memcpy(&w2, iv.p + 8, 4);
  return _mm_set_epi32(0x01000000, w2, w1, w0);
}

// True when counter blocks J0 + 1 + done .. J0 + done + count may be made by
// adding to the low byte of a big-endian block (one byte swap for many
// blocks): the nonce is 12 bytes, so J0's counter is 1 and every counter value
// is public (it depends only on the position in the message), and the low byte
// does not wrap within these blocks. With a J0 hashed from another nonce
// length the counter depends on H, so those messages never branch on it.
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE bool gcm_ctr_fast(gcm_iv iv, std::size_t done_blocks, std::size_t count) noexcept {
  return iv.nonce12 && ((2 + done_blocks) & 0xff) + count - 1 <= 0xff;
}

// A block of up to 16 bytes, zero-padded, byte-swapped.
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_load_partial(const std::uint8_t* p, std::size_t n) noexcept {
  alignas(16) std::uint8_t b[16] = {};
  std::memcpy(b, p, n);
  return gcm_bswap128(_mm_load_si128(reinterpret_cast<const __m128i*>(b)));
}

// y = GHASH state after absorbing len bytes of data (last block zero-padded),
// eight blocks per reduction.
KAGI_GCM_AESNI_TARGET KAGI_GCM_CALLED __m128i gcm_ghash_pclmul(const std::uint64_t* hpow, __m128i y, const std::uint8_t* p,
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
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_lengths(std::size_t aad_len, std::size_t len) noexcept {
  return _mm_set_epi64x(static_cast<long long>(std::uint64_t{aad_len} << 3),
                        static_cast<long long>(std::uint64_t{len} << 3));
}

// ---- key set-up: AES-NI key expansion, H = E(K, 0), twisted powers by PCLMULQDQ

template <int Rounds>
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_aes_block(const std::uint8_t* rk, __m128i b) noexcept {
  b = _mm_xor_si128(b, gcm_load(rk));
#pragma GCC unroll 16
  for (int r = 1; r < Rounds; ++r) b = _mm_aesenc_si128(b, gcm_load(rk + 16 * r));
  return _mm_aesenclast_si128(b, gcm_load(rk + 16 * Rounds));
}

// Expands the key into rk and returns H' = E(K, 0), byte-swapped and twisted.
template <int Rounds>
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_expand_key_h1(const std::uint8_t* key, std::uint8_t* rk) noexcept {
  const __m128i h = gcm_bswap128(aes_expand_key_aesni(key, Rounds - 6, rk));
  // Twist: h << 1, folding in 0xc2..01 when the top bit falls out.
  const __m128i carry = _mm_shuffle_epi32(_mm_srai_epi32(h, 31), 0xff);  // all ones if bit 127 was set
  const __m128i poly = _mm_set_epi64x(static_cast<long long>(0xc200000000000000ull), 1);
  const __m128i shifted = _mm_or_si128(_mm_slli_epi64(h, 1), _mm_slli_si128(_mm_srli_epi64(h, 63), 8));
  return _mm_xor_si128(shifted, _mm_and_si128(carry, poly));
}

// Key set-up is two serial chains: the key expansion (E(K, 0) rides along)
// and then the powers, a tree of depth four (H'^2; H'^3, H'^4; H'^5..8 from
// H'^4; H'^9..16 from H'^8). Here every product is its own 128-bit multiply
// and reduction; the VAES kernels' set-up does the last two levels four (or
// two) lanes at a time, with the same products, so the bytes are the same.
template <int Rounds>
KAGI_GCM_AESNI_TARGET inline void gcm_init_aesni(const std::uint8_t* key, std::uint8_t* rk,
                                                 std::uint64_t* hpow) noexcept {
  const __m128i h1 = gcm_expand_key_h1<Rounds>(key, rk);
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
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_ctr_block(__m128i ctr_swapped, int i) noexcept {
  return gcm_bswap128(_mm_add_epi32(ctr_swapped, _mm_set_epi32(0, 0, 0, i)));
}

// Counter blocks ctr + 1 .. ctr + 8 (ctr byte-swapped), xor k0.
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE void gcm_ctr_blocks8(__m128i ctr, bool fast, __m128i k0, __m128i (&b)[8]) noexcept {
  if (fast) {
    const __m128i base = gcm_bswap128(ctr);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) b[j] = _mm_xor_si128(_mm_add_epi32(base, _mm_set_epi32((j + 1) << 24, 0, 0, 0)), k0);
  } else {
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) b[j] = _mm_xor_si128(gcm_ctr_block(ctr, j + 1), k0);
  }
}

// out = in ^ E(counter blocks) for n (1..8) blocks, the last of `last` bytes
// (1..16); returns the counter advanced by n.
template <int Rounds>
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_ctr_tail_aesni(const gcm_aesni_keys<Rounds>& k, __m128i ctr,
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
                                                 gcm_iv iv, const std::uint8_t* aad, std::size_t aad_len,
                                                 const std::uint8_t* in, std::uint8_t* out, std::size_t len,
                                                 std::uint8_t* tag) noexcept {
  const gcm_aesni_keys<Rounds> k(rk);
  const __m128i j0v = gcm_load_j0(iv);
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
    gcm_ctr_blocks8(ctr, gcm_ctr_fast(iv, 0, 8), k.k[0], b);
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
      gcm_ctr_blocks8(ctr, gcm_ctr_fast(iv, done / 16, 8), k.k[0], b);
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
                                                gcm_iv iv, const std::uint8_t* aad, std::size_t aad_len,
                                                const std::uint8_t* ct, std::size_t len, std::uint8_t* tag) noexcept {
  const __m128i ej0 = gcm_aes_block<Rounds>(rk, gcm_load_j0(iv));
  __m128i y = gcm_ghash_pclmul(hpow, _mm_setzero_si128(), aad, aad_len);
  y = gcm_ghash_pclmul(hpow, y, ct, len);
  y = gcm_mul(_mm_xor_si128(y, gcm_lengths(aad_len, len)), gcm_hpow(hpow, 1));
  gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
}

template <int Rounds>
KAGI_GCM_AESNI_TARGET inline void gcm_ctr_aesni(const std::uint8_t* rk, gcm_iv iv,
                                                const std::uint8_t* in, std::uint8_t* out, std::size_t len) noexcept {
  const gcm_aesni_keys<Rounds> k(rk);
  __m128i ctr = gcm_bswap128(gcm_load_j0(iv));
  std::size_t done = 0;
  for (; len - done >= 128; done += 128) {
    __m128i b[8];
    gcm_ctr_blocks8(ctr, gcm_ctr_fast(iv, done / 16, 8), k.k[0], b);
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

// out ^= in (out holds keystream; in the ciphertext), for the decryption's
// second pass.
KAGI_GCM_AESNI_TARGET inline void gcm_xor_sse(std::uint8_t* out, const std::uint8_t* in, std::size_t len) noexcept {
  std::size_t i = 0;
  for (; i + 16 <= len; i += 16) gcm_store(out + i, _mm_xor_si128(gcm_load(out + i), gcm_load(in + i)));
  for (; i < len; ++i) out[i] ^= in[i];
}

// Decryption's first pass: the tag over aad and ct, with the keystream for ct
// written to ks (disjoint from ct): AES of blocks i..i+7 beside the GHASH of
// ciphertext blocks i..i+7.
template <int Rounds>
KAGI_GCM_AESNI_TARGET inline void gcm_tag_keystream_aesni(const std::uint8_t* rk, const std::uint64_t* hpow,
                                                          gcm_iv iv, const std::uint8_t* aad,
                                                          std::size_t aad_len, const std::uint8_t* ct,
                                                          std::uint8_t* ks, std::size_t len,
                                                          std::uint8_t* tag) noexcept {
  const gcm_aesni_keys<Rounds> k(rk);
  const __m128i j0v = gcm_load_j0(iv);
  __m128i ctr = gcm_bswap128(j0v);
  __m128i ej0 = _mm_xor_si128(j0v, k.k[0]);
#pragma GCC unroll 16
  for (int r = 1; r < Rounds; ++r) ej0 = _mm_aesenc_si128(ej0, k.k[r]);
  ej0 = _mm_aesenclast_si128(ej0, k.k[Rounds]);
  __m128i y = gcm_ghash_pclmul(hpow, _mm_setzero_si128(), aad, aad_len);
  std::size_t done = 0;
  for (; len - done >= 128; done += 128) {
    __m128i b[8];
    gcm_ctr_blocks8(ctr, gcm_ctr_fast(iv, done / 16, 8), k.k[0], b);
    gcm_acc128 a;
    gcm_mul_first(a, _mm_xor_si128(y, gcm_bswap128(gcm_load(ct + done))), gcm_hpow(hpow, 8));
#pragma GCC unroll 16
    for (int r = 1; r < Rounds; ++r) {
#pragma GCC unroll 16
      for (int j = 0; j < 8; ++j) b[j] = _mm_aesenc_si128(b[j], k.k[r]);
      if (r < 8) gcm_mul_add(a, gcm_bswap128(gcm_load(ct + done + 16 * r)), gcm_hpow(hpow, 8 - r));
    }
#pragma GCC unroll 16
    for (int j = 0; j < 8; ++j) gcm_store(ks + done + 16 * j, _mm_aesenclast_si128(b[j], k.k[Rounds]));
    y = gcm_reduce(a);
    ctr = _mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, 8));
  }
  if (done < len) {
    const std::size_t rest = len - done, n = (rest + 15) / 16;
    alignas(16) std::uint8_t zeros[128] = {};
    gcm_ctr_tail_aesni(k, ctr, zeros, ks + done, n, rest - 16 * (n - 1));
    y = gcm_ghash_pclmul(hpow, y, ct + done, rest);
  }
  y = gcm_mul(_mm_xor_si128(y, gcm_lengths(aad_len, len)), gcm_hpow(hpow, 1));
  gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
}

#undef KAGI_GCM_AESNI_TARGET

// ---- VAES + VPCLMULQDQ on 512-bit registers, 16 blocks per iteration
//
// Four blocks per register. The round keys are broadcast to all four lanes
// once per call and stay in registers; H'^16..H'^1 are four registers. GHASH
// of 16 blocks is 16 carry-less multiplies summed unreduced, then the mid
// terms folded in, the four lanes added, and one reduction. Tails use masked
// loads and stores (a short message runs the same code as a long one).

#define KAGI_GCM_VAES512_TARGET \
  KAGI_TARGET("avx512f,avx512bw,avx512vl,vaes,vpclmulqdq,avx2,avx,aes,pclmul,sse4.1,ssse3")

// g++ 12's AVX-512 intrinsics fill unused lanes from a self-initialized
// "undefined" vector, which -Wuninitialized reports once inlined (GCC bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// Each kernel entry point clears the upper register state before it returns:
// g++ leaves it dirty after calls to the out-of-line pieces, and SSE code run
// with dirty upper state pays for every instruction (measured: a 64-byte
// message went from 25 to 215 ns behind SSE code in the caller).
struct gcm_zeroupper_on_exit {
  KAGI_TARGET("avx") ~gcm_zeroupper_on_exit() { _mm256_zeroupper(); }
};

KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __m512i gcm_bswap512(__m512i x) noexcept {
  return _mm512_shuffle_epi8(
      x, _mm512_broadcast_i32x4(_mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)));
}
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __mmask64 gcm_mask64(std::size_t bytes) noexcept {
  return _cvtu64_mask64(bytes >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bytes) - 1);
}
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __m512i gcm_load512(const void* p) noexcept { return _mm512_loadu_si512(p); }
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE void gcm_store512(void* p, __m512i v) noexcept { _mm512_storeu_si512(p, v); }
// A masked access never faults on the bytes it leaves out, but when those
// bytes lie on another page the CPU checks that page in microcode (hundreds of
// cycles; every time, if the page was never touched). So a partial access
// whose 64-byte window would reach into the next page goes through a small
// buffer instead (a branch on the address, which is public). This is only
// for the last 63 bytes of a page.
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE bool gcm_window_in_page(const void* p, std::size_t window) noexcept {
  return (reinterpret_cast<std::uintptr_t>(p) & 4095) <= 4096 - window;
}
// Bytes [0, n) of p, zeros above (n <= 64); nothing past p + n is touched.
// The access uses the narrowest of 16, 32 or 64 bytes that holds n: a
// masked access still counts as touching its whole window for store
// forwarding, so a wide window over a small buffer would stall on
// neighbouring data that the caller has just written, or make the caller's
// next reads of it wait.
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __m512i gcm_load512_partial(const std::uint8_t* p, std::size_t n) noexcept {
  if (n >= 64) return _mm512_loadu_si512(p);
  const std::size_t window = n <= 16 ? 16 : n <= 32 ? 32 : 64;
  if (gcm_window_in_page(p, window)) {
    const __mmask64 m = gcm_mask64(n);
    if (window == 16) return _mm512_zextsi128_si512(_mm_maskz_loadu_epi8(static_cast<__mmask16>(m), p));
    if (window == 32) return _mm512_zextsi256_si512(_mm256_maskz_loadu_epi8(static_cast<__mmask32>(m), p));
    return _mm512_maskz_loadu_epi8(m, p);
  }
  alignas(64) std::uint8_t b[64] = {};
  std::memcpy(b, p, n);
  const __m512i v = _mm512_load_si512(b);
  secure_wipe(std::span(b));
  return v;
}
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE void gcm_store512_partial(std::uint8_t* p, __m512i v, std::size_t n) noexcept {
  if (n >= 64) {
    _mm512_storeu_si512(p, v);
    return;
  }
  const std::size_t window = n <= 16 ? 16 : n <= 32 ? 32 : 64;
  if (gcm_window_in_page(p, window)) {
    const __mmask64 m = gcm_mask64(n);
    if (window == 16) {
      _mm_mask_storeu_epi8(p, static_cast<__mmask16>(m), _mm512_castsi512_si128(v));
    } else if (window == 32) {
      _mm256_mask_storeu_epi8(p, static_cast<__mmask32>(m), _mm512_castsi512_si256(v));
    } else {
      _mm512_mask_storeu_epi8(p, m, v);
    }
    return;
  }
  alignas(64) std::uint8_t b[64];
  _mm512_store_si512(b, v);
  std::memcpy(p, b, n);
  secure_wipe(std::span(b));
}

// The powers H'^(n-4i) .. H'^(n-4i-3) for the four blocks of register i of a
// group of n blocks (zero past H'^1).
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __m512i gcm_hpow512(const std::uint64_t* hpow, std::size_t n, std::size_t i) noexcept {
  return gcm_load512(hpow + 2 * (gcm_powers - n) + 8 * i);
}

struct gcm_acc512 {
  __m512i lo, mid, hi;
};

KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE void gcm512_mul_first(gcm_acc512& a, __m512i x, __m512i h) noexcept {
  a.lo = _mm512_clmulepi64_epi128(x, h, 0x00);
  a.hi = _mm512_clmulepi64_epi128(x, h, 0x11);
  a.mid = _mm512_xor_si512(_mm512_clmulepi64_epi128(x, h, 0x01), _mm512_clmulepi64_epi128(x, h, 0x10));
}
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE void gcm512_mul_add(gcm_acc512& a, __m512i x, __m512i h) noexcept {
  a.lo = _mm512_xor_si512(a.lo, _mm512_clmulepi64_epi128(x, h, 0x00));
  a.hi = _mm512_xor_si512(a.hi, _mm512_clmulepi64_epi128(x, h, 0x11));
  a.mid = _mm512_ternarylogic_epi64(a.mid, _mm512_clmulepi64_epi128(x, h, 0x01),
                                    _mm512_clmulepi64_epi128(x, h, 0x10), 0x96);
}

// Folds the mid terms in, adds the four lanes, and reduces to one element.
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __m128i gcm512_reduce(const gcm_acc512& a) noexcept {
  const __m512i lo = _mm512_xor_si512(a.lo, _mm512_bslli_epi128(a.mid, 8));
  const __m512i hi = _mm512_xor_si512(a.hi, _mm512_bsrli_epi128(a.mid, 8));
  const __m256i lo2 = _mm256_xor_si256(_mm512_castsi512_si256(lo), _mm512_extracti64x4_epi64(lo, 1));
  const __m256i hi2 = _mm256_xor_si256(_mm512_castsi512_si256(hi), _mm512_extracti64x4_epi64(hi, 1));
  gcm_acc128 r;
  r.lo = _mm_xor_si128(_mm256_castsi256_si128(lo2), _mm256_extracti128_si256(lo2, 1));
  r.hi = _mm_xor_si128(_mm256_castsi256_si128(hi2), _mm256_extracti128_si256(hi2, 1));
  r.mid = _mm_setzero_si128();
  return gcm_reduce(r);
}

// Each lane's product reduced on its own (no lanes added): four gcm_mul at once.
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __m512i gcm512_mul_lanes(__m512i x, __m512i h) noexcept {
  gcm_acc512 a;
  gcm512_mul_first(a, x, h);
  const __m512i fold = _mm512_broadcast_i32x4(_mm_set_epi64x(0, static_cast<long long>(0xc200000000000000ull)));
  __m512i lo = _mm512_xor_si512(a.lo, _mm512_bslli_epi128(a.mid, 8));
  const __m512i hi = _mm512_xor_si512(a.hi, _mm512_bsrli_epi128(a.mid, 8));
  lo = _mm512_xor_si512(_mm512_shuffle_epi32(lo, _MM_PERM_BADC), _mm512_clmulepi64_epi128(lo, fold, 0x00));
  lo = _mm512_xor_si512(_mm512_shuffle_epi32(lo, _MM_PERM_BADC), _mm512_clmulepi64_epi128(lo, fold, 0x00));
  return _mm512_xor_si512(lo, hi);
}

// gcm_init_aesni with H'^5..8 and H'^9..16 as three four-lane products:
// (H'^4..1) * H'^4, then (H'^4..1) * H'^8 and (H'^8..5) * H'^8. The 128-bit
// multiplier port is the bottleneck of the one-lane version (six carry-less
// multiplies and four shuffles per product); this halves the powers' time.
template <int Rounds>
KAGI_GCM_VAES512_TARGET inline void gcm_init_vaes512(const std::uint8_t* key, std::uint8_t* rk,
                                                     std::uint64_t* hpow) noexcept {
  const gcm_zeroupper_on_exit clean_upper_state;
  const __m128i p1 = gcm_expand_key_h1<Rounds>(key, rk);
  const __m128i p2 = gcm_mul(p1, p1);
  const __m128i p3 = gcm_mul(p2, p1), p4 = gcm_mul(p2, p2);
  // Lanes in memory order: hpow + 8 * i holds H'^(16 - 4i) .. H'^(13 - 4i).
  const __m512i low = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(p3, p4)), _mm256_set_m128i(p1, p2), 1);
  const __m512i mid = gcm512_mul_lanes(low, _mm512_broadcast_i32x4(p4));
  const __m512i p8 = _mm512_broadcast_i32x4(_mm512_castsi512_si128(mid));
  gcm_store512(hpow, gcm512_mul_lanes(mid, p8));
  gcm_store512(hpow + 8, gcm512_mul_lanes(low, p8));
  gcm_store512(hpow + 16, mid);
  gcm_store512(hpow + 24, low);
}

// Adds the products of the blocks of p (bytes bytes, the last block
// zero-padded) with the powers at hp (H'^top, H'^(top-1), ...) to a; fold is
// XORed into the first block. NZ = registers of data (ceil(blocks / 4)).
template <int NZ>
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE void gcm512_products(gcm_acc512& a, const std::uint8_t* p, std::size_t bytes,
                                                             const std::uint64_t* hp, __m128i fold) noexcept {
#pragma GCC unroll 4
  for (int i = 0; i < NZ; ++i) {
    const std::size_t at = 64 * static_cast<std::size_t>(i);
    // Whole registers load plainly: a masked load does not take its data from
    // a store still in flight (the ciphertext just written), a plain one does.
    __m512i x = gcm_bswap512(bytes >= at + 64 ? gcm_load512(p + at)
                                              : gcm_load512_partial(p + (bytes > at ? at : 0), bytes > at ? bytes - at : 0));
    if (i == 0) x = _mm512_xor_si512(x, _mm512_zextsi128_si512(fold));
    gcm512_mul_add(a, x, gcm_load512(hp + 8 * i));
  }
}
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE void gcm512_products_any(gcm_acc512& a, const std::uint8_t* p,
                                                                 std::size_t bytes, const std::uint64_t* hp,
                                                                 __m128i fold) noexcept {
  switch ((bytes + 63) / 64) {
    case 1: gcm512_products<1>(a, p, bytes, hp, fold); break;
    case 2: gcm512_products<2>(a, p, bytes, hp, fold); break;
    case 3: gcm512_products<3>(a, p, bytes, hp, fold); break;
    case 4: gcm512_products<4>(a, p, bytes, hp, fold); break;
    default: break;
  }
}
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE gcm_acc512 gcm512_zero_acc() noexcept {
  return {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
}
// H'^top .. for a group of `top` blocks.
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE const std::uint64_t* gcm512_powers_from(const std::uint64_t* hpow,
                                                                               std::size_t top) noexcept {
  return hpow + 2 * (gcm_powers - top);
}

// GHASH of len bytes of data (zero-padded), 16 blocks per reduction.
KAGI_GCM_VAES512_TARGET KAGI_GCM_CALLED __m128i gcm512_ghash(const std::uint64_t* hpow, __m128i y,
                                                             const std::uint8_t* p, std::size_t len) noexcept {
  for (; len >= 256; len -= 256, p += 256) {
    gcm_acc512 a = gcm512_zero_acc();
    gcm512_products<4>(a, p, 256, hpow, y);
    y = gcm512_reduce(a);
  }
  if (len > 0) {
    gcm_acc512 a = gcm512_zero_acc();
    gcm512_products_any(a, p, len, gcm512_powers_from(hpow, (len + 15) / 16), y);
    y = gcm512_reduce(a);
  }
  return y;
}

// The last GHASH group: aad (a bytes) || ct (c bytes) || the length block,
// continuing from y, with one reduction. Needs ceil(a/16) + ceil(c/16) + 1 <= 16.
KAGI_GCM_VAES512_TARGET KAGI_GCM_CALLED __m128i gcm512_final(const std::uint64_t* hpow, __m128i y,
                                                             const std::uint8_t* aad, std::size_t a,
                                                             const std::uint8_t* ct, std::size_t c,
                                                             __m128i lengths) noexcept {
  const std::size_t na = (a + 15) / 16, nc = (c + 15) / 16, n = na + nc + 1;
  gcm_acc512 acc = gcm512_zero_acc();
  __m128i fold = y;
  if (na > 0) {
    gcm512_products_any(acc, aad, a, gcm512_powers_from(hpow, n), fold);
    fold = _mm_setzero_si128();
  }
  if (nc > 0) {
    gcm512_products_any(acc, ct, c, gcm512_powers_from(hpow, n - na), fold);
    fold = _mm_setzero_si128();
  }
  // The length block against H'^1 (the three lanes above it meet zero powers).
  gcm512_mul_add(acc, _mm512_zextsi128_si512(_mm_xor_si128(lengths, fold)),
                 gcm_load512(gcm512_powers_from(hpow, 1)));
  return gcm512_reduce(acc);
}

// GHASH of aad and ct (both from the start) and the length block, for
// messages whose ciphertext is hashed after the fact (decryption's check).
KAGI_GCM_VAES512_TARGET KAGI_GCM_CALLED __m128i gcm512_ghash_all(const std::uint64_t* hpow, __m128i y,
                                                                 const std::uint8_t* aad, std::size_t a,
                                                                 const std::uint8_t* ct, std::size_t c,
                                                                 __m128i lengths) noexcept {
  if ((a + 15) / 16 + (c + 15) / 16 + 1 > gcm_powers) {
    y = gcm512_ghash(hpow, y, aad, a);
    a = 0;
    // Whole groups of ciphertext, leaving at most 15 blocks for the last group.
    const std::size_t r = c % 256;
    const std::size_t bulk = (r == 0 || r > 240) ? c : c - r;
    y = gcm512_ghash(hpow, y, ct, bulk);
    ct += bulk;
    c -= bulk;
  }
  return gcm512_final(hpow, y, aad, a, ct, c, lengths);
}

template <int Rounds>
struct gcm_vaes512_keys {
  __m512i k[Rounds + 1];
  KAGI_GCM_VAES512_TARGET explicit gcm_vaes512_keys(const std::uint8_t* rk) noexcept {
#pragma GCC unroll 16
    for (int i = 0; i <= Rounds; ++i) k[i] = _mm512_broadcast_i32x4(gcm_load(rk + 16 * i));
  }
  KAGI_GCM_VAES512_TARGET __m128i block(__m128i b) const noexcept {
    b = _mm_xor_si128(b, _mm512_castsi512_si128(k[0]));
#pragma GCC unroll 16
    for (int r = 1; r < Rounds; ++r) b = _mm_aesenc_si128(b, _mm512_castsi512_si128(k[r]));
    return _mm_aesenclast_si128(b, _mm512_castsi512_si128(k[Rounds]));
  }
};

// Counter blocks J0 + 1 + 4i + lane, i = 0..3, from the byte-swapped counter
// register c (lanes: J0 + 1, + 2, + 3, + 4): 32-bit lane adds wrap like inc32.
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __m512i gcm512_ctr(__m512i c, int i) noexcept {
  return gcm_bswap512(_mm512_add_epi32(c, _mm512_set_epi32(0, 0, 0, 4 * i, 0, 0, 0, 4 * i, 0, 0, 0, 4 * i, 0, 0, 0, 4 * i)));
}
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __m512i gcm512_ctr_start(__m128i j0) noexcept {
  return _mm512_add_epi32(_mm512_broadcast_i32x4(gcm_bswap128(j0)),
                          _mm512_set_epi32(0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1));
}
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __m512i gcm512_ctr_advance(__m512i c, int blocks) noexcept {
  return _mm512_add_epi32(c, _mm512_set_epi32(0, 0, 0, blocks, 0, 0, 0, blocks, 0, 0, 0, blocks, 0, 0, 0, blocks));
}

// Counter registers i = 0..NZ-1 of a batch, xor k0: one byte swap and adds on
// the big-endian form when gcm_ctr_fast allows, else a swap per register.
template <int NZ>
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE void gcm512_counters(__m512i c, bool fast, __m512i k0,
                                                             __m512i (&b)[NZ]) noexcept {
  if (fast) {
    const __m512i base = gcm_bswap512(c);
#pragma GCC unroll 4
    for (int i = 0; i < NZ; ++i) {
      const int d = (4 * i) << 24;
      b[i] = _mm512_xor_si512(_mm512_add_epi32(base, _mm512_set_epi32(d, 0, 0, 0, d, 0, 0, 0, d, 0, 0, 0, d, 0, 0, 0)), k0);
    }
  } else {
#pragma GCC unroll 4
    for (int i = 0; i < NZ; ++i) b[i] = _mm512_xor_si512(gcm512_ctr(c, i), k0);
  }
}

// Keystream for NZ registers (4*NZ blocks) from counter register c.
template <int Rounds, int NZ>
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE void gcm512_keystream(const gcm_vaes512_keys<Rounds>& k, __m512i c, bool fast,
                                                              __m512i (&b)[NZ]) noexcept {
  gcm512_counters<NZ>(c, fast, k.k[0], b);
#pragma GCC unroll 16
  for (int r = 1; r < Rounds; ++r)
#pragma GCC unroll 4
    for (int i = 0; i < NZ; ++i) b[i] = _mm512_aesenc_epi128(b[i], k.k[r]);
#pragma GCC unroll 4
  for (int i = 0; i < NZ; ++i) b[i] = _mm512_aesenclast_epi128(b[i], k.k[Rounds]);
}

// out = in ^ keystream (with Xor; else the keystream itself) for the last
// `bytes` (1..256) bytes, with masked loads and stores.
template <int Rounds, int NZ, bool Xor>
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE void gcm512_ctr_tail_n(const gcm_vaes512_keys<Rounds>& k, __m512i c,
                                                               bool fast, const std::uint8_t* in, std::uint8_t* out,
                                                               std::size_t bytes) noexcept {
  __m512i b[NZ];
  gcm512_keystream<Rounds, NZ>(k, c, fast, b);
#pragma GCC unroll 4
  for (int i = 0; i < NZ; ++i) {
    const std::size_t at = 64 * static_cast<std::size_t>(i), n = bytes - at < 64 ? bytes - at : 64;
    if constexpr (Xor) {
      gcm_store512_partial(out + at, _mm512_xor_si512(b[i], gcm_load512_partial(in + at, n)), n);
    } else {
      gcm_store512_partial(out + at, b[i], n);
    }
  }
}
template <int Rounds, bool Xor>
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE void gcm512_ctr_tail(const gcm_vaes512_keys<Rounds>& k, __m512i c,
                                                             gcm_iv iv, std::size_t done, const std::uint8_t* in,
                                                             std::uint8_t* out, std::size_t bytes) noexcept {
  const bool fast = gcm_ctr_fast(iv, done / 16, 16);
  switch ((bytes + 63) / 64) {
    case 1: gcm512_ctr_tail_n<Rounds, 1, Xor>(k, c, fast, in, out, bytes); break;
    case 2: gcm512_ctr_tail_n<Rounds, 2, Xor>(k, c, fast, in, out, bytes); break;
    case 3: gcm512_ctr_tail_n<Rounds, 3, Xor>(k, c, fast, in, out, bytes); break;
    case 4: gcm512_ctr_tail_n<Rounds, 4, Xor>(k, c, fast, in, out, bytes); break;
    default: break;
  }
}

// One iteration of the stitched loop: AES of 16 counter blocks while the 16
// blocks at g (ciphertext) are hashed into y; stores in ^ keystream to out
// (with Xor), or the keystream itself.
template <int Rounds, bool Xor>
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __m128i gcm512_stitched(const gcm_vaes512_keys<Rounds>& k,
                                                                const __m512i (&h)[4], __m512i c, bool fast,
                                                                __m128i y, const std::uint8_t* g,
                                                                const std::uint8_t* in, std::uint8_t* out) noexcept {
  __m512i b[4];
  gcm512_counters<4>(c, fast, k.k[0], b);
  gcm_acc512 a;
  const __m512i x0 = _mm512_xor_si512(gcm_bswap512(gcm_load512(g)), _mm512_zextsi128_si512(y));
#pragma GCC unroll 16
  for (int r = 1; r < Rounds; ++r) {
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) b[i] = _mm512_aesenc_epi128(b[i], k.k[r]);
    if (r == 1) gcm512_mul_first(a, x0, h[0]);
    if (r >= 2 && r <= 4) gcm512_mul_add(a, gcm_bswap512(gcm_load512(g + 64 * (r - 1))), h[r - 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    const __m512i ks = _mm512_aesenclast_epi128(b[i], k.k[Rounds]);
    if constexpr (Xor) {
      gcm_store512(out + 64 * i, _mm512_xor_si512(ks, gcm_load512(in + 64 * i)));
    } else {
      gcm_store512(out + 64 * i, ks);
    }
  }
  return gcm512_reduce(a);
}

// Encrypts the last len (1..256, NZ = ceil(len / 64) registers) bytes of a
// message (its first `done` bytes already done) and returns the GHASH, from
// y, of aad || these ciphertext bytes || lengths as one group (it must fit).
template <int Rounds, int NZ>
KAGI_GCM_VAES512_TARGET KAGI_GCM_CALLED __m128i gcm512_seal_last(const gcm_vaes512_keys<Rounds>& k,
                                                                 const std::uint64_t* hpow, __m512i c, gcm_iv iv,
                                                                 std::size_t done, __m128i y,
                                                                 const std::uint8_t* aad, std::size_t aad_len,
                                                                 const std::uint8_t* in, std::uint8_t* out,
                                                                 std::size_t len, __m128i lengths) noexcept {
  const std::size_t na = (aad_len + 15) / 16, nc = (len + 15) / 16, n = na + nc + 1;
  gcm_acc512 acc = gcm512_zero_acc();
  if (na > 0) {
    gcm512_products_any(acc, aad, aad_len, gcm512_powers_from(hpow, n), y);
    y = _mm_setzero_si128();
  }
  __m512i b[NZ];
  gcm512_keystream<Rounds, NZ>(k, c, gcm_ctr_fast(iv, done / 16, 4 * NZ), b);
  const std::uint64_t* hp = gcm512_powers_from(hpow, n - na);
#pragma GCC unroll 4
  for (int i = 0; i < NZ; ++i) {
    const std::size_t at = 64 * static_cast<std::size_t>(i), m = len - at < 64 ? len - at : 64;
    const __m512i x = _mm512_maskz_mov_epi8(gcm_mask64(m), _mm512_xor_si512(b[i], gcm_load512_partial(in + at, m)));
    gcm_store512_partial(out + at, x, m);
    __m512i g = gcm_bswap512(x);
    if (i == 0) g = _mm512_xor_si512(g, _mm512_zextsi128_si512(y));
    gcm512_mul_add(acc, g, gcm_load512(hp + 8 * i));
  }
  gcm512_mul_add(acc, _mm512_zextsi128_si512(lengths), gcm_load512(gcm512_powers_from(hpow, 1)));
  return gcm512_reduce(acc);
}
template <int Rounds>
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE __m128i gcm512_seal_last_any(const gcm_vaes512_keys<Rounds>& k,
                                                                     const std::uint64_t* hpow, __m512i c, gcm_iv iv,
                                                                     std::size_t done, __m128i y,
                                                                     const std::uint8_t* aad, std::size_t aad_len,
                                                                     const std::uint8_t* in, std::uint8_t* out,
                                                                     std::size_t len, __m128i lengths) noexcept {
  switch ((len + 63) / 64) {
    case 0: return gcm512_final(hpow, y, aad, aad_len, out, 0, lengths);
    case 1: return gcm512_seal_last<Rounds, 1>(k, hpow, c, iv, done, y, aad, aad_len, in, out, len, lengths);
    case 2: return gcm512_seal_last<Rounds, 2>(k, hpow, c, iv, done, y, aad, aad_len, in, out, len, lengths);
    case 3: return gcm512_seal_last<Rounds, 3>(k, hpow, c, iv, done, y, aad, aad_len, in, out, len, lengths);
    default: return gcm512_seal_last<Rounds, 4>(k, hpow, c, iv, done, y, aad, aad_len, in, out, len, lengths);
  }
}

template <int Rounds>
KAGI_GCM_VAES512_TARGET inline void gcm_seal_vaes512(const std::uint8_t* rk, const std::uint64_t* hpow,
                                                     gcm_iv iv, const std::uint8_t* aad,
                                                     std::size_t aad_len, const std::uint8_t* in, std::uint8_t* out,
                                                     std::size_t len, std::uint8_t* tag) noexcept {
  const gcm_zeroupper_on_exit clean_upper_state;
  const gcm_vaes512_keys<Rounds> k(rk);
  const __m128i j0v = gcm_load_j0(iv);
  const __m128i ej0 = k.block(j0v);
  const __m128i lengths = gcm_lengths(aad_len, len);
  __m512i c = gcm512_ctr_start(j0v);
  __m128i y = _mm_setzero_si128();
  std::size_t done = 0;
  if (len < 256 && (aad_len + 15) / 16 + (len + 15) / 16 + 1 <= gcm_powers) {
    // Short: AAD, ciphertext and lengths in one GHASH group, the ciphertext
    // taken from registers (reading it back from memory would wait for the
    // masked stores to complete: they do not forward to loads).
    y = gcm512_seal_last_any<Rounds>(k, hpow, c, iv, 0, y, aad, aad_len, in, out, len, lengths);
    gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
    return;
  }
  y = gcm512_ghash(hpow, y, aad, aad_len);
  if (len >= 256) {
    const __m512i h[4] = {gcm_load512(hpow), gcm_load512(hpow + 8), gcm_load512(hpow + 16), gcm_load512(hpow + 24)};
    __m512i b[4];
    gcm512_keystream<Rounds, 4>(k, c, gcm_ctr_fast(iv, 0, 16), b);
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) gcm_store512(out + 64 * i, _mm512_xor_si512(b[i], gcm_load512(in + 64 * i)));
    c = gcm512_ctr_advance(c, 16);
    for (done = 256; len - done >= 256; done += 256) {
      y = gcm512_stitched<Rounds, true>(k, h, c, gcm_ctr_fast(iv, done / 16, 16), y, out + done - 256, in + done,
                                        out + done);
      c = gcm512_ctr_advance(c, 16);
    }
    y = gcm512_ghash(hpow, y, out + done - 256, 256);
    if (len - done <= 240) {  // the tail and the length block make one group
      y = gcm512_seal_last_any<Rounds>(k, hpow, c, iv, done, y, nullptr, 0, in + done, out + done, len - done,
                                       lengths);
      gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
      return;
    }
    gcm512_ctr_tail<Rounds, true>(k, c, iv, done, in + done, out + done, len - done);
  } else if (len > 0) {
    gcm512_ctr_tail<Rounds, true>(k, c, iv, 0, in, out, len);
  }
  y = gcm512_ghash_all(hpow, y, nullptr, 0, out + done, len - done, lengths);
  gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
}

// The tag over aad and ct; with ks, also the keystream for ct (stitched).
template <int Rounds>
KAGI_GCM_VAES512_TARGET inline void gcm_tag_vaes512(const std::uint8_t* rk, const std::uint64_t* hpow,
                                                    gcm_iv iv, const std::uint8_t* aad,
                                                    std::size_t aad_len, const std::uint8_t* ct, std::uint8_t* ks,
                                                    std::size_t len, std::uint8_t* tag) noexcept {
  const gcm_zeroupper_on_exit clean_upper_state;
  const gcm_vaes512_keys<Rounds> k(rk);
  const __m128i j0v = gcm_load_j0(iv);
  const __m128i ej0 = k.block(j0v);
  const __m128i lengths = gcm_lengths(aad_len, len);
  __m128i y = _mm_setzero_si128();
  std::size_t done = 0;
  if (ks != nullptr) {
    __m512i c = gcm512_ctr_start(j0v);
    if (len >= 256) {
      y = gcm512_ghash(hpow, y, aad, aad_len);
      aad_len = 0;
      const __m512i h[4] = {gcm_load512(hpow), gcm_load512(hpow + 8), gcm_load512(hpow + 16),
                            gcm_load512(hpow + 24)};
      for (; len - done >= 256; done += 256) {
        y = gcm512_stitched<Rounds, false>(k, h, c, gcm_ctr_fast(iv, done / 16, 16), y, ct + done, nullptr,
                                           ks + done);
        c = gcm512_ctr_advance(c, 16);
      }
    }
    if (done < len) gcm512_ctr_tail<Rounds, false>(k, c, iv, done, nullptr, ks + done, len - done);
  }
  y = gcm512_ghash_all(hpow, y, aad, aad_len, ct + done, len - done, lengths);
  gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
}

KAGI_GCM_VAES512_TARGET inline void gcm_xor_vaes512(std::uint8_t* out, const std::uint8_t* in, std::size_t len) noexcept;

// The first tag_len bytes of expected and tag equal? In constant time: one XOR
// and one test over all of them; only the verdict is revealed.
KAGI_GCM_VAES512_TARGET KAGI_GCM_INLINE bool gcm_tag_matches(__m128i expected, const std::uint8_t* tag,
                                                             std::size_t tag_len) noexcept {
  const auto keep = static_cast<__mmask16>((1u << tag_len) - 1);  // tag_len <= 16
  __m128i t;
  if (tag_len == 16) {
    t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(tag));
  } else if (gcm_window_in_page(tag, 16)) {
    t = _mm_maskz_loadu_epi8(keep, tag);
  } else {
    alignas(16) std::uint8_t b[16] = {};
    std::memcpy(b, tag, tag_len);
    t = _mm_load_si128(reinterpret_cast<const __m128i*>(b));
  }
  const __m128i diff = _mm_xor_si128(expected, t);
  const __m128i masked = _mm_maskz_mov_epi8(keep, diff);
  return ct::declassify(static_cast<bool>(_mm_testz_si128(masked, masked)));
}

// Decryption in one call: the tag is computed and checked before any
// plaintext is written; on a mismatch out is zeroed and false returned.
//  - short messages (one GHASH group): the keystream stays in registers;
//  - out apart from ct: the stitched pass writes keystream (never plaintext)
//    to out, then out ^= ct, or zeros;
//  - in place: a GHASH pass, then the CTR pass, or zeros.
template <int Rounds>
KAGI_GCM_VAES512_TARGET inline bool gcm_open_vaes512(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                                     const std::uint8_t* aad, std::size_t aad_len,
                                                     const std::uint8_t* ct, std::uint8_t* out, std::size_t len,
                                                     const std::uint8_t* tag, std::size_t tag_len) noexcept {
  const gcm_zeroupper_on_exit clean_upper_state;
  const gcm_vaes512_keys<Rounds> k(rk);
  const __m128i j0v = gcm_load_j0(iv);
  const __m128i ej0 = k.block(j0v);
  const __m128i lengths = gcm_lengths(aad_len, len);
  __m512i c = gcm512_ctr_start(j0v);
  if (len <= 256 && (aad_len + 15) / 16 + (len + 15) / 16 + 1 <= gcm_powers) {
    __m512i b[4];
    gcm512_keystream<Rounds, 4>(k, c, gcm_ctr_fast(iv, 0, 16), b);
    const __m128i y = gcm512_final(hpow, _mm_setzero_si128(), aad, aad_len, ct, len, lengths);
    const bool ok = gcm_tag_matches(_mm_xor_si128(gcm_bswap128(y), ej0), tag, tag_len);
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      const std::size_t at = 64 * static_cast<std::size_t>(i);
      if (at >= len) break;
      const std::size_t n = len - at < 64 ? len - at : 64;
      const __m512i v = ok ? _mm512_xor_si512(b[i], gcm_load512_partial(ct + at, n)) : _mm512_setzero_si512();
      gcm_store512_partial(out + at, v, n);
    }
    return ok;
  }
  __m128i y = _mm_setzero_si128();
  std::size_t done = 0;
  const bool separate = out != ct;
  if (separate) {
    y = gcm512_ghash(hpow, y, aad, aad_len);
    aad_len = 0;
    const __m512i h[4] = {gcm_load512(hpow), gcm_load512(hpow + 8), gcm_load512(hpow + 16), gcm_load512(hpow + 24)};
    for (; len - done >= 256; done += 256) {
      y = gcm512_stitched<Rounds, false>(k, h, c, gcm_ctr_fast(iv, done / 16, 16), y, ct + done, nullptr,
                                         out + done);
      c = gcm512_ctr_advance(c, 16);
    }
    if (done < len) gcm512_ctr_tail<Rounds, false>(k, c, iv, done, nullptr, out + done, len - done);
  }
  y = gcm512_ghash_all(hpow, y, aad, aad_len, ct + done, len - done, lengths);
  const bool ok = gcm_tag_matches(_mm_xor_si128(gcm_bswap128(y), ej0), tag, tag_len);
  if (!ok) {
    for (std::size_t i = 0; i < len; i += 64)
      gcm_store512_partial(out + i, _mm512_setzero_si512(), len - i < 64 ? len - i : 64);
    return false;
  }
  if (separate) {
    gcm_xor_vaes512(out, ct, len);
    return true;
  }
  c = gcm512_ctr_start(j0v);
  for (done = 0; len - done >= 256; done += 256) {
    __m512i b[4];
    gcm512_keystream<Rounds, 4>(k, c, gcm_ctr_fast(iv, done / 16, 16), b);
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i)
      gcm_store512(out + done + 64 * i, _mm512_xor_si512(b[i], gcm_load512(ct + done + 64 * i)));
    c = gcm512_ctr_advance(c, 16);
  }
  if (done < len) gcm512_ctr_tail<Rounds, true>(k, c, iv, done, ct + done, out + done, len - done);
  return true;
}

template <int Rounds>
KAGI_GCM_VAES512_TARGET inline void gcm_ctr_vaes512(const std::uint8_t* rk, gcm_iv iv,
                                                    const std::uint8_t* in, std::uint8_t* out,
                                                    std::size_t len) noexcept {
  const gcm_zeroupper_on_exit clean_upper_state;
  const gcm_vaes512_keys<Rounds> k(rk);
  __m512i c = gcm512_ctr_start(gcm_load_j0(iv));
  std::size_t done = 0;
  for (; len - done >= 256; done += 256) {
    __m512i b[4];
    gcm512_keystream<Rounds, 4>(k, c, gcm_ctr_fast(iv, done / 16, 16), b);
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i)
      gcm_store512(out + done + 64 * i, _mm512_xor_si512(b[i], gcm_load512(in + done + 64 * i)));
    c = gcm512_ctr_advance(c, 16);
  }
  if (done < len) gcm512_ctr_tail<Rounds, true>(k, c, iv, done, in + done, out + done, len - done);
}

KAGI_GCM_VAES512_TARGET inline void gcm_xor_vaes512(std::uint8_t* out, const std::uint8_t* in,
                                                    std::size_t len) noexcept {
  const gcm_zeroupper_on_exit clean_upper_state;
  // On long runs the stores are lined up with 64-byte lines first (a store
  // split across two lines costs about two).
  std::size_t i = len >= 1024 ? (64 - (reinterpret_cast<std::uintptr_t>(out) & 63)) & 63 : 0;
  if (i > 0) gcm_store512_partial(out, _mm512_xor_si512(gcm_load512_partial(out, i), gcm_load512_partial(in, i)), i);
  for (; i + 256 <= len; i += 256) {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j)
      gcm_store512(out + i + 64 * j, _mm512_xor_si512(gcm_load512(out + i + 64 * j), gcm_load512(in + i + 64 * j)));
  }
  for (; i < len; i += 64) {
    const std::size_t n = len - i < 64 ? len - i : 64;
    gcm_store512_partial(out + i, _mm512_xor_si512(gcm_load512_partial(out + i, n), gcm_load512_partial(in + i, n)), n);
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#undef KAGI_GCM_VAES512_TARGET

// ---- VAES + VPCLMULQDQ on 256-bit registers (AVX2, no AVX-512), 16 blocks
// per iteration: the same algorithm two blocks per register, for CPUs that
// have VAES without AVX-512 (and for comparing widths on those that have
// both). Without masked byte loads, a partial last register goes through a
// small buffer.

#define KAGI_GCM_VAES256_TARGET KAGI_TARGET("vaes,vpclmulqdq,avx2,avx,aes,pclmul,sse4.1,ssse3")

KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE __m256i gcm_bswap256(__m256i x) noexcept {
  return _mm256_shuffle_epi8(
      x, _mm256_broadcastsi128_si256(_mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)));
}
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE __m256i gcm_load256(const void* p) noexcept {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE void gcm_store256(void* p, __m256i v) noexcept {
  _mm256_storeu_si256(static_cast<__m256i*>(p), v);
}
// Bytes [0, n) of p (n <= 32), zeros above.
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE __m256i gcm_load256_partial(const std::uint8_t* p, std::size_t n) noexcept {
  if (n >= 32) return gcm_load256(p);
  alignas(32) std::uint8_t b[32] = {};
  if (n > 0) std::memcpy(b, p, n);
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
}
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE void gcm_store256_partial(std::uint8_t* p, __m256i v, std::size_t n) noexcept {
  if (n >= 32) {
    gcm_store256(p, v);
    return;
  }
  alignas(32) std::uint8_t b[32];
  _mm256_store_si256(reinterpret_cast<__m256i*>(b), v);
  std::memcpy(p, b, n);
}

struct gcm_acc256 {
  __m256i lo, mid, hi;
};

KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE void gcm256_mul_add(gcm_acc256& a, __m256i x, __m256i h) noexcept {
  a.lo = _mm256_xor_si256(a.lo, _mm256_clmulepi64_epi128(x, h, 0x00));
  a.hi = _mm256_xor_si256(a.hi, _mm256_clmulepi64_epi128(x, h, 0x11));
  a.mid = _mm256_xor_si256(a.mid, _mm256_xor_si256(_mm256_clmulepi64_epi128(x, h, 0x01),
                                                   _mm256_clmulepi64_epi128(x, h, 0x10)));
}
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE gcm_acc256 gcm256_zero_acc() noexcept {
  return {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
}
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE __m128i gcm256_reduce(const gcm_acc256& a) noexcept {
  const __m256i lo = _mm256_xor_si256(a.lo, _mm256_slli_si256(a.mid, 8));
  const __m256i hi = _mm256_xor_si256(a.hi, _mm256_srli_si256(a.mid, 8));
  gcm_acc128 r;
  r.lo = _mm_xor_si128(_mm256_castsi256_si128(lo), _mm256_extracti128_si256(lo, 1));
  r.hi = _mm_xor_si128(_mm256_castsi256_si128(hi), _mm256_extracti128_si256(hi, 1));
  r.mid = _mm_setzero_si128();
  return gcm_reduce(r);
}

// Each lane's product reduced on its own: two gcm_mul at once.
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE __m256i gcm256_mul_lanes(__m256i x, __m256i h) noexcept {
  gcm_acc256 a = gcm256_zero_acc();
  gcm256_mul_add(a, x, h);
  const __m256i fold = _mm256_broadcastsi128_si256(_mm_set_epi64x(0, static_cast<long long>(0xc200000000000000ull)));
  __m256i lo = _mm256_xor_si256(a.lo, _mm256_slli_si256(a.mid, 8));
  const __m256i hi = _mm256_xor_si256(a.hi, _mm256_srli_si256(a.mid, 8));
  lo = _mm256_xor_si256(_mm256_shuffle_epi32(lo, 0x4e), _mm256_clmulepi64_epi128(lo, fold, 0x00));
  lo = _mm256_xor_si256(_mm256_shuffle_epi32(lo, 0x4e), _mm256_clmulepi64_epi128(lo, fold, 0x00));
  return _mm256_xor_si256(lo, hi);
}

// gcm_init_vaes512 on two-lane registers: H'^5..8 as two products, H'^9..16
// as four.
template <int Rounds>
KAGI_GCM_VAES256_TARGET inline void gcm_init_vaes256(const std::uint8_t* key, std::uint8_t* rk,
                                                     std::uint64_t* hpow) noexcept {
  const gcm_zeroupper_on_exit clean_upper_state;
  const __m128i p1 = gcm_expand_key_h1<Rounds>(key, rk);
  const __m128i p2 = gcm_mul(p1, p1);
  const __m128i p3 = gcm_mul(p2, p1), p4 = gcm_mul(p2, p2);
  // Lanes in memory order: hpow + 4 * i holds H'^(16 - 2i), H'^(15 - 2i).
  const __m256i p43 = _mm256_set_m128i(p3, p4), p21 = _mm256_set_m128i(p1, p2);
  const __m256i b4 = _mm256_broadcastsi128_si256(p4);
  const __m256i p87 = gcm256_mul_lanes(p43, b4), p65 = gcm256_mul_lanes(p21, b4);
  const __m256i b8 = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(p87));
  gcm_store256(hpow, gcm256_mul_lanes(p87, b8));
  gcm_store256(hpow + 4, gcm256_mul_lanes(p65, b8));
  gcm_store256(hpow + 8, gcm256_mul_lanes(p43, b8));
  gcm_store256(hpow + 12, gcm256_mul_lanes(p21, b8));
  gcm_store256(hpow + 16, p87);
  gcm_store256(hpow + 20, p65);
  gcm_store256(hpow + 24, p43);
  gcm_store256(hpow + 28, p21);
}

// Products of the blocks of p (bytes bytes, zero-padded) with the powers at
// hp, added to a; NY = registers of data (ceil(blocks / 2), up to 8).
template <int NY>
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE void gcm256_products(gcm_acc256& a, const std::uint8_t* p, std::size_t bytes,
                                                             const std::uint64_t* hp, __m128i fold) noexcept {
#pragma GCC unroll 8
  for (int i = 0; i < NY; ++i) {
    const std::size_t at = 32 * static_cast<std::size_t>(i);
    __m256i x = gcm_bswap256(gcm_load256_partial(p + (bytes > at ? at : 0), bytes > at ? bytes - at : 0));
    if (i == 0) x = _mm256_xor_si256(x, _mm256_zextsi128_si256(fold));
    gcm256_mul_add(a, x, gcm_load256(hp + 4 * i));
  }
}
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE void gcm256_products_any(gcm_acc256& a, const std::uint8_t* p,
                                                                 std::size_t bytes, const std::uint64_t* hp,
                                                                 __m128i fold) noexcept {
  switch ((bytes + 31) / 32) {
    case 1: gcm256_products<1>(a, p, bytes, hp, fold); break;
    case 2: gcm256_products<2>(a, p, bytes, hp, fold); break;
    case 3: gcm256_products<3>(a, p, bytes, hp, fold); break;
    case 4: gcm256_products<4>(a, p, bytes, hp, fold); break;
    case 5: gcm256_products<5>(a, p, bytes, hp, fold); break;
    case 6: gcm256_products<6>(a, p, bytes, hp, fold); break;
    case 7: gcm256_products<7>(a, p, bytes, hp, fold); break;
    case 8: gcm256_products<8>(a, p, bytes, hp, fold); break;
    default: break;
  }
}

KAGI_GCM_VAES256_TARGET KAGI_GCM_CALLED __m128i gcm256_ghash(const std::uint64_t* hpow, __m128i y,
                                                             const std::uint8_t* p, std::size_t len) noexcept {
  for (; len >= 256; len -= 256, p += 256) {
    gcm_acc256 a = gcm256_zero_acc();
    gcm256_products<8>(a, p, 256, hpow, y);
    y = gcm256_reduce(a);
  }
  if (len > 0) {
    gcm_acc256 a = gcm256_zero_acc();
    gcm256_products_any(a, p, len, hpow + 2 * (gcm_powers - (len + 15) / 16), y);
    y = gcm256_reduce(a);
  }
  return y;
}

KAGI_GCM_VAES256_TARGET KAGI_GCM_CALLED __m128i gcm256_final(const std::uint64_t* hpow, __m128i y,
                                                             const std::uint8_t* aad, std::size_t a,
                                                             const std::uint8_t* ct, std::size_t c,
                                                             __m128i lengths) noexcept {
  const std::size_t na = (a + 15) / 16, nc = (c + 15) / 16, n = na + nc + 1;
  gcm_acc256 acc = gcm256_zero_acc();
  __m128i fold = y;
  if (na > 0) {
    gcm256_products_any(acc, aad, a, hpow + 2 * (gcm_powers - n), fold);
    fold = _mm_setzero_si128();
  }
  if (nc > 0) {
    gcm256_products_any(acc, ct, c, hpow + 2 * (gcm_powers - n + na), fold);
    fold = _mm_setzero_si128();
  }
  gcm256_mul_add(acc, _mm256_zextsi128_si256(_mm_xor_si128(lengths, fold)), gcm_load256(hpow + 2 * (gcm_powers - 1)));
  return gcm256_reduce(acc);
}

KAGI_GCM_VAES256_TARGET KAGI_GCM_CALLED __m128i gcm256_ghash_all(const std::uint64_t* hpow, __m128i y,
                                                                 const std::uint8_t* aad, std::size_t a,
                                                                 const std::uint8_t* ct, std::size_t c,
                                                                 __m128i lengths) noexcept {
  if ((a + 15) / 16 + (c + 15) / 16 + 1 > gcm_powers) {
    y = gcm256_ghash(hpow, y, aad, a);
    a = 0;
    const std::size_t r = c % 256;
    const std::size_t bulk = (r == 0 || r > 240) ? c : c - r;
    y = gcm256_ghash(hpow, y, ct, bulk);
    ct += bulk;
    c -= bulk;
  }
  return gcm256_final(hpow, y, aad, a, ct, c, lengths);
}

template <int Rounds>
struct gcm_vaes256_keys {
  __m256i k[Rounds + 1];
  KAGI_GCM_VAES256_TARGET explicit gcm_vaes256_keys(const std::uint8_t* rk) noexcept {
#pragma GCC unroll 16
    for (int i = 0; i <= Rounds; ++i) k[i] = _mm256_broadcastsi128_si256(gcm_load(rk + 16 * i));
  }
  KAGI_GCM_VAES256_TARGET __m128i block(__m128i b) const noexcept {
    b = _mm_xor_si128(b, _mm256_castsi256_si128(k[0]));
#pragma GCC unroll 16
    for (int r = 1; r < Rounds; ++r) b = _mm_aesenc_si128(b, _mm256_castsi256_si128(k[r]));
    return _mm_aesenclast_si128(b, _mm256_castsi256_si128(k[Rounds]));
  }
};

// Counter register c holds J0 + 1 + n, J0 + 2 + n (byte-swapped); block pair i
// of a batch is c + 2i.
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE __m256i gcm256_ctr(__m256i c, int i) noexcept {
  return gcm_bswap256(_mm256_add_epi32(c, _mm256_set_epi32(0, 0, 0, 2 * i, 0, 0, 0, 2 * i)));
}
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE __m256i gcm256_ctr_start(__m128i j0) noexcept {
  return _mm256_add_epi32(_mm256_broadcastsi128_si256(gcm_bswap128(j0)), _mm256_set_epi32(0, 0, 0, 2, 0, 0, 0, 1));
}
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE __m256i gcm256_ctr_advance(__m256i c, int blocks) noexcept {
  return _mm256_add_epi32(c, _mm256_set_epi32(0, 0, 0, blocks, 0, 0, 0, blocks));
}

template <int NY>
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE void gcm256_counters(__m256i c, bool fast, __m256i k0,
                                                             __m256i (&b)[NY]) noexcept {
  if (fast) {
    const __m256i base = gcm_bswap256(c);
#pragma GCC unroll 8
    for (int i = 0; i < NY; ++i) {
      const int d = (2 * i) << 24;
      b[i] = _mm256_xor_si256(_mm256_add_epi32(base, _mm256_set_epi32(d, 0, 0, 0, d, 0, 0, 0)), k0);
    }
  } else {
#pragma GCC unroll 8
    for (int i = 0; i < NY; ++i) b[i] = _mm256_xor_si256(gcm256_ctr(c, i), k0);
  }
}

template <int Rounds, int NY>
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE void gcm256_keystream(const gcm_vaes256_keys<Rounds>& k, __m256i c, bool fast,
                                                              __m256i (&b)[NY]) noexcept {
  gcm256_counters<NY>(c, fast, k.k[0], b);
#pragma GCC unroll 16
  for (int r = 1; r < Rounds; ++r)
#pragma GCC unroll 8
    for (int i = 0; i < NY; ++i) b[i] = _mm256_aesenc_epi128(b[i], k.k[r]);
#pragma GCC unroll 8
  for (int i = 0; i < NY; ++i) b[i] = _mm256_aesenclast_epi128(b[i], k.k[Rounds]);
}

template <int Rounds, int NY, bool Xor>
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE void gcm256_ctr_tail_n(const gcm_vaes256_keys<Rounds>& k, __m256i c,
                                                               bool fast, const std::uint8_t* in, std::uint8_t* out,
                                                               std::size_t bytes) noexcept {
  __m256i b[NY];
  gcm256_keystream<Rounds, NY>(k, c, fast, b);
#pragma GCC unroll 8
  for (int i = 0; i < NY; ++i) {
    const std::size_t at = 32 * static_cast<std::size_t>(i), n = bytes - at < 32 ? bytes - at : 32;
    if constexpr (Xor) {
      gcm_store256_partial(out + at, _mm256_xor_si256(b[i], gcm_load256_partial(in + at, n)), n);
    } else {
      gcm_store256_partial(out + at, b[i], n);
    }
  }
}
template <int Rounds, bool Xor>
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE void gcm256_ctr_tail(const gcm_vaes256_keys<Rounds>& k, __m256i c,
                                                             gcm_iv iv, std::size_t done, const std::uint8_t* in,
                                                             std::uint8_t* out, std::size_t bytes) noexcept {
  const bool fast = gcm_ctr_fast(iv, done / 16, 16);
  switch ((bytes + 31) / 32) {
    case 1: gcm256_ctr_tail_n<Rounds, 1, Xor>(k, c, fast, in, out, bytes); break;
    case 2: gcm256_ctr_tail_n<Rounds, 2, Xor>(k, c, fast, in, out, bytes); break;
    case 3: gcm256_ctr_tail_n<Rounds, 3, Xor>(k, c, fast, in, out, bytes); break;
    case 4: gcm256_ctr_tail_n<Rounds, 4, Xor>(k, c, fast, in, out, bytes); break;
    case 5: gcm256_ctr_tail_n<Rounds, 5, Xor>(k, c, fast, in, out, bytes); break;
    case 6: gcm256_ctr_tail_n<Rounds, 6, Xor>(k, c, fast, in, out, bytes); break;
    case 7: gcm256_ctr_tail_n<Rounds, 7, Xor>(k, c, fast, in, out, bytes); break;
    case 8: gcm256_ctr_tail_n<Rounds, 8, Xor>(k, c, fast, in, out, bytes); break;
    default: break;
  }
}

// AES of 16 counter blocks beside the GHASH of the 16 blocks at g.
template <int Rounds, bool Xor>
KAGI_GCM_VAES256_TARGET KAGI_GCM_INLINE __m128i gcm256_stitched(const gcm_vaes256_keys<Rounds>& k,
                                                                const std::uint64_t* hpow, __m256i c, bool fast,
                                                                __m128i y, const std::uint8_t* g,
                                                                const std::uint8_t* in, std::uint8_t* out) noexcept {
  __m256i b[8];
  gcm256_counters<8>(c, fast, k.k[0], b);
  gcm_acc256 a = gcm256_zero_acc();
#pragma GCC unroll 16
  for (int r = 1; r < Rounds; ++r) {
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) b[i] = _mm256_aesenc_epi128(b[i], k.k[r]);
    if (r <= 8) {
      __m256i x = gcm_bswap256(gcm_load256(g + 32 * (r - 1)));
      if (r == 1) x = _mm256_xor_si256(x, _mm256_zextsi128_si256(y));
      gcm256_mul_add(a, x, gcm_load256(hpow + 4 * (r - 1)));
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    const __m256i ks = _mm256_aesenclast_epi128(b[i], k.k[Rounds]);
    if constexpr (Xor) {
      gcm_store256(out + 32 * i, _mm256_xor_si256(ks, gcm_load256(in + 32 * i)));
    } else {
      gcm_store256(out + 32 * i, ks);
    }
  }
  return gcm256_reduce(a);
}

template <int Rounds>
KAGI_GCM_VAES256_TARGET inline void gcm_seal_vaes256(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                                     const std::uint8_t* aad, std::size_t aad_len,
                                                     const std::uint8_t* in, std::uint8_t* out, std::size_t len,
                                                     std::uint8_t* tag) noexcept {
  const gcm_zeroupper_on_exit clean_upper_state;
  const gcm_vaes256_keys<Rounds> k(rk);
  const __m128i j0v = gcm_load_j0(iv);
  const __m128i ej0 = k.block(j0v);
  const __m128i lengths = gcm_lengths(aad_len, len);
  __m256i c = gcm256_ctr_start(j0v);
  __m128i y = _mm_setzero_si128();
  std::size_t done = 0;
  if (len < 256 && (aad_len + 15) / 16 + (len + 15) / 16 + 1 <= gcm_powers) {
    if (len > 0) gcm256_ctr_tail<Rounds, true>(k, c, iv, 0, in, out, len);
    y = gcm256_final(hpow, y, aad, aad_len, out, len, lengths);
    gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
    return;
  }
  y = gcm256_ghash(hpow, y, aad, aad_len);
  if (len >= 256) {
    __m256i b[8];
    gcm256_keystream<Rounds, 8>(k, c, gcm_ctr_fast(iv, 0, 16), b);
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) gcm_store256(out + 32 * i, _mm256_xor_si256(b[i], gcm_load256(in + 32 * i)));
    c = gcm256_ctr_advance(c, 16);
    for (done = 256; len - done >= 256; done += 256) {
      y = gcm256_stitched<Rounds, true>(k, hpow, c, gcm_ctr_fast(iv, done / 16, 16), y, out + done - 256, in + done,
                                        out + done);
      c = gcm256_ctr_advance(c, 16);
    }
    if (len - done > 0) gcm256_ctr_tail<Rounds, true>(k, c, iv, done, in + done, out + done, len - done);
    y = gcm256_ghash(hpow, y, out + done - 256, 256);
  } else if (len > 0) {
    gcm256_ctr_tail<Rounds, true>(k, c, iv, 0, in, out, len);
  }
  y = gcm256_ghash_all(hpow, y, nullptr, 0, out + done, len - done, lengths);
  gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
}

template <int Rounds>
KAGI_GCM_VAES256_TARGET inline void gcm_tag_vaes256(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                                    const std::uint8_t* aad, std::size_t aad_len,
                                                    const std::uint8_t* ct, std::uint8_t* ks, std::size_t len,
                                                    std::uint8_t* tag) noexcept {
  const gcm_zeroupper_on_exit clean_upper_state;
  const gcm_vaes256_keys<Rounds> k(rk);
  const __m128i j0v = gcm_load_j0(iv);
  const __m128i ej0 = k.block(j0v);
  const __m128i lengths = gcm_lengths(aad_len, len);
  __m128i y = _mm_setzero_si128();
  std::size_t done = 0;
  if (ks != nullptr) {
    __m256i c = gcm256_ctr_start(j0v);
    if (len >= 256) {
      y = gcm256_ghash(hpow, y, aad, aad_len);
      aad_len = 0;
      for (; len - done >= 256; done += 256) {
        y = gcm256_stitched<Rounds, false>(k, hpow, c, gcm_ctr_fast(iv, done / 16, 16), y, ct + done, nullptr,
                                           ks + done);
        c = gcm256_ctr_advance(c, 16);
      }
    }
    if (done < len) gcm256_ctr_tail<Rounds, false>(k, c, iv, done, nullptr, ks + done, len - done);
  }
  y = gcm256_ghash_all(hpow, y, aad, aad_len, ct + done, len - done, lengths);
  gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), ej0));
}

template <int Rounds>
KAGI_GCM_VAES256_TARGET inline void gcm_ctr_vaes256(const std::uint8_t* rk, gcm_iv iv, const std::uint8_t* in,
                                                    std::uint8_t* out, std::size_t len) noexcept {
  const gcm_zeroupper_on_exit clean_upper_state;
  const gcm_vaes256_keys<Rounds> k(rk);
  __m256i c = gcm256_ctr_start(gcm_load_j0(iv));
  std::size_t done = 0;
  for (; len - done >= 256; done += 256) {
    __m256i b[8];
    gcm256_keystream<Rounds, 8>(k, c, gcm_ctr_fast(iv, done / 16, 16), b);
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i)
      gcm_store256(out + done + 32 * i, _mm256_xor_si256(b[i], gcm_load256(in + done + 32 * i)));
    c = gcm256_ctr_advance(c, 16);
  }
  if (done < len) gcm256_ctr_tail<Rounds, true>(k, c, iv, done, in + done, out + done, len - done);
}

KAGI_GCM_VAES256_TARGET inline void gcm_xor_vaes256(std::uint8_t* out, const std::uint8_t* in,
                                                    std::size_t len) noexcept {
  const gcm_zeroupper_on_exit clean_upper_state;
  std::size_t i = 0;
  for (; i + 32 <= len; i += 32)
    gcm_store256(out + i, _mm256_xor_si256(gcm_load256(out + i), gcm_load256(in + i)));
  for (; i < len; ++i) out[i] ^= in[i];
}

#undef KAGI_GCM_VAES256_TARGET
#undef KAGI_GCM_INLINE
#undef KAGI_GCM_CALLED

}  // namespace kagi::detail

#endif  // KAGI_X86

#endif  // KAGI_CIPHER_X86_GCM_X86_HPP
