// kagi/cipher/x86/gcm_aesni.hpp: AES-GCM with AES-NI and PCLMULQDQ, and the
// 128-bit GHASH pieces the VAES kernel (gcm_vaes.hpp) shares.
//
// A block is loaded and byte-swapped, so a 128-bit register holds it as
// ghash.hpp's big-endian integer, and the key powers H'^k = H^k * x^-1
// (twisted) sit in memory as those registers. The carry-less product of a
// block and a twisted power is then the reflected 256-bit product of the field
// elements, and two folds by 0xc2 << 56 reduce it. Products of several blocks
// with several powers are summed unreduced and reduced once ("aggregated
// reduction").
//
// The kernel makes one pass over the data, 8 blocks per batch: the AES
// rounds of counter blocks i..i+7 run interleaved with the GHASH of 8
// ciphertext blocks (i-8..i-1 when sealing, i..i+7 when checking a tag),
// two batches' products summed against H'^16..H'^1 before one reduction.
//
// Included by ../gcm.hpp after the portable code and before the dispatch table
// that names these kernels; on its own it includes the algorithm first.
#include "../gcm.hpp"

#ifndef KAGI_CIPHER_X86_GCM_AESNI_HPP
#define KAGI_CIPHER_X86_GCM_AESNI_HPP

#include <cstring>

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
// The aesni-pclmul row's kernels are compiled for AVX (VEX encodings; see
// below); the shared GHASH pieces need only what the target above names.
inline constexpr std::uint32_t gcm_aesni_needs = cpu::aesni | cpu::pclmul | cpu::ssse3 | cpu::sse41 | cpu::avx;

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
  gcm_acc128 a{};  // zeroed: g++ -O1 cannot see that gcm_mul_first sets it first
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

// Block i of len bytes at p, byte-swapped (the last one zero-padded).
KAGI_GCM_AESNI_TARGET KAGI_GCM_INLINE __m128i gcm_load_block(const std::uint8_t* p, std::size_t len,
                                                             std::size_t i) noexcept {
  return 16 * (i + 1) <= len ? gcm_bswap128(gcm_load(p + 16 * i)) : gcm_load_partial(p + 16 * i, len - 16 * i);
}

// y = GHASH state after absorbing len bytes of data (last block zero-padded),
// eight blocks per reduction.
KAGI_GCM_AESNI_TARGET KAGI_GCM_CALLED __m128i gcm_ghash_pclmul(const std::uint64_t* hpow, __m128i y, const std::uint8_t* p,
                                                      std::size_t len) noexcept {
  for (; len >= 128; len -= 128, p += 128) {
    gcm_acc128 a{};  // zeroed: g++ -O1 cannot see that gcm_mul_first sets it first
    gcm_mul_first(a, _mm_xor_si128(y, gcm_bswap128(gcm_load(p))), gcm_hpow(hpow, 8));
#pragma GCC unroll 16
    for (int i = 1; i < 8; ++i) gcm_mul_add(a, gcm_bswap128(gcm_load(p + 16 * i)), gcm_hpow(hpow, 8 - i));
    y = gcm_reduce(a);
  }
  if (len == 0) return y;
  const std::size_t n = (len + 15) / 16;  // 1..8 blocks, the last maybe partial
  gcm_acc128 a{};  // zeroed: g++ -O1 cannot see that gcm_mul_first sets it first
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

// The GHASH state after len bytes of data (the last block zero-padded) and
// then the length block, from y: whole groups of 8 blocks first while more
// than 15 would remain, then the rest and the length block as one sum with
// one reduction (a message's last dependent multiplies are on its critical
// path: one reduction there instead of two).
KAGI_GCM_AESNI_TARGET KAGI_GCM_CALLED __m128i gcm_ghash_final_pclmul(const std::uint64_t* hpow, __m128i y,
                                                                     const std::uint8_t* p, std::size_t len,
                                                                     __m128i lengths) noexcept {
  std::size_t blocks = (len + 15) / 16;
  if (blocks > 15) {
    const std::size_t bulk = 128 * ((blocks - 15 + 7) / 8);
    y = gcm_ghash_pclmul(hpow, y, p, bulk);
    p += bulk;
    len -= bulk;
    blocks = (len + 15) / 16;
  }
  gcm_acc128 a{};  // zeroed: g++ -O1 cannot see that gcm_mul_first sets it first
  gcm_mul_first(a, _mm_xor_si128(y, blocks == 0 ? lengths : gcm_load_block(p, len, 0)), gcm_hpow(hpow, blocks + 1));
  for (std::size_t i = 1; i < blocks; ++i) gcm_mul_add(a, gcm_load_block(p, len, i), gcm_hpow(hpow, blocks + 1 - i));
  if (blocks > 0) gcm_mul_add(a, lengths, gcm_hpow(hpow, 1));
  return gcm_reduce(a);
}

// ---- key set-up: AES-NI key expansion, H = E(K, 0), twisted powers by PCLMULQDQ

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
// and reduction; the VAES kernel's set-up does the last two levels four (or
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

// J0 from a nonce that is not 96 bits long (every x86 kernel's).
KAGI_GCM_AESNI_TARGET inline void gcm_j0_pclmul(const std::uint64_t* hpow, const std::uint8_t* nonce,
                                                std::size_t len, std::uint8_t* j0) noexcept {
  __m128i y = gcm_ghash_pclmul(hpow, _mm_setzero_si128(), nonce, len);
  y = gcm_mul(_mm_xor_si128(y, gcm_lengths(0, len)), gcm_hpow(hpow, 1));
  gcm_store(j0, gcm_bswap128(y));
}

// ---- AES-NI + PCLMULQDQ, 8 blocks per batch, in VEX encodings
//
// The kernels below are compiled for AVX (three-operand VEX forms of the same
// 128-bit instructions: no register copies before destructive operations),
// which every CPU with AES-NI since Sandy Bridge (and AMD since Bulldozer)
// has. On such a CPU the AES rounds, the carry-less multiplies and every
// other vector operation share three vector ports, so the kernel's speed is
// its count of vector operations per block (about 21 for AES-128, about 7
// cycles a block on a Sapphire Rapids class core). Per batch of 8 blocks:
//  - AES: 8 x 10..14 rounds; the round keys are memory operands (loads are
//    not vector operations), which leaves the 16 registers to the blocks and
//    the GHASH sums;
//  - counters: one xor per block from two bases (gcm_ctr_blocks8) while the
//    low byte of the 32-bit counter does not wrap in the batch (the nonce is
//    12 bytes and the counter public), with no byte swap per block;
//  - the input: xored into the last round key two blocks per 256-bit xor;
//  - GHASH: Karatsuba, 3 multiplies per block instead of 4: the middle product
//    is (x.lo ^ x.hi) * (h.lo ^ h.hi), two blocks' (x.lo ^ x.hi) packed in one
//    register against two powers' (h.lo ^ h.hi) packed once per message, and
//    16 blocks' products summed unreduced before one reduction.
#define KAGI_GCM_AVX_TARGET KAGI_TARGET("avx,aes,pclmul,sse4.1,ssse3")
// Clears the upper halves of the ymm registers when a kernel that used them
// returns (SSE code after it would pay for the dirty state).
struct gcm_aesni_zeroupper {
  KAGI_GCM_AVX_TARGET ~gcm_aesni_zeroupper() { _mm256_zeroupper(); }
};

// p, with the compiler no longer knowing where it points: what was stored
// through the original pointer is stored, and loads through this one read
// memory. Used where two blocks are made with one 256-bit operation and read
// back as two 128-bit operands (cheaper than extracting the upper half, an
// operation on the same ports as the AES rounds).
template <class T>
KAGI_GCM_INLINE T* gcm_launder(T* p) noexcept {
  __asm__("" : "+r"(p));
  return p;
}

// Round keys read from the key schedule (memory operands of the AES rounds).
template <int Rounds>
struct gcm_aesni_keys {
  const std::uint8_t* rk;
  KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE __m128i operator[](int i) const noexcept { return gcm_load(rk + 16 * i); }
  KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE __m128i block(__m128i b) const noexcept {
    b = _mm_xor_si128(b, (*this)[0]);
#pragma GCC unroll 16
    for (int r = 1; r < Rounds; ++r) b = _mm_aesenc_si128(b, (*this)[r]);
    return _mm_aesenclast_si128(b, (*this)[Rounds]);
  }
};

// (h.lo ^ h.hi) for H'^16..H'^1, two to a register: pair i holds H'^(16-2i)'s
// in its low half and H'^(15-2i)'s in its high half.
struct gcm_karatsuba16 {
  __m128i pair[8];
  KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE explicit gcm_karatsuba16(const std::uint64_t* hpow) noexcept {
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      const __m128i a = gcm_hpow(hpow, static_cast<std::size_t>(16 - 2 * i));
      const __m128i b = gcm_hpow(hpow, static_cast<std::size_t>(15 - 2 * i));
      pair[i] = _mm_xor_si128(_mm_unpacklo_epi64(a, b), _mm_unpackhi_epi64(a, b));
    }
  }
};

// A message's start: the byte-swapped J0 (the counter before block 1),
// E(K, J0) and the GHASH state after the AAD.
template <int Rounds>
struct gcm_aesni_start {
  gcm_aesni_keys<Rounds> k;
  __m128i ctr, ej0, y;
  KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE gcm_aesni_start(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                                      const std::uint8_t* aad, std::size_t aad_len) noexcept
      : k{rk} {
    const __m128i j0v = gcm_load_j0(iv);
    ctr = gcm_bswap128(j0v);
    ej0 = k.block(j0v);
    y = gcm_ghash_pclmul(hpow, _mm_setzero_si128(), aad, aad_len);
  }
};

// Counter block i (i = 1, 2, ...) from the byte-swapped J0: inc32 wraps mod 2^32.
KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE __m128i gcm_ctr_block(__m128i ctr_swapped, int i) noexcept {
  return gcm_bswap128(_mm_add_epi32(ctr_swapped, _mm_set_epi32(0, 0, 0, i)));
}

// Counter blocks ctr + 1 .. ctr + 8 (ctr byte-swapped), xor k0. The fast
// form (gcm_ctr_fast8) has ctr = 8m + 1 in the low byte and no wrap of that
// byte up to 8m + 9, so blocks 1..6 are (8m ^ d) ^ k0 with d = 2..7 and
// blocks 7 and 8 are ((8m + 8) ^ d) ^ k0 with d = 0, 1: one xor each from
// two bases, with no byte swap per block. k0x1 is k0 ^ 1 in the low byte of
// the big-endian block (so base ^ k0x1 = 8m ^ k0).
KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE void gcm_ctr_blocks8(__m128i ctr, bool fast, __m128i k0, __m128i k0x1,
                                                         __m128i (&b)[8]) noexcept {
  if (fast) {
    const __m128i base = gcm_bswap128(ctr);                 // 8m + 1
    const __m128i a = _mm_xor_si128(base, k0x1);           // 8m ^ k0
    const __m128i c = _mm_xor_si128(_mm_add_epi8(base, _mm_set_epi8(7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                                    k0);                   // (8m + 8) ^ k0
#pragma GCC unroll 8
    for (int j = 0; j < 6; ++j)
      b[j] = _mm_xor_si128(a, _mm_set_epi8(static_cast<char>(j + 2), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    b[6] = c;
    b[7] = _mm_xor_si128(c, _mm_set_epi8(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  } else {
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) b[j] = _mm_xor_si128(gcm_ctr_block(ctr, j + 1), k0);
  }
}

// gcm_ctr_fast for a batch of 8 that starts on a multiple of 8 blocks (the
// form gcm_ctr_blocks8's fast path needs).
KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE bool gcm_ctr_fast8(gcm_iv iv, std::size_t done_blocks) noexcept {
  return done_blocks % 8 == 0 && gcm_ctr_fast(iv, done_blocks, 8);
}

// Adds blocks xa * H'^(16-2i) and xb * H'^(15-2i) to the unreduced sums,
// the middle term in Karatsuba form (lo and hi still to be added to it).
KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE void gcm_karatsuba_pair(gcm_acc128& a, bool first, __m128i xa, __m128i xb,
                                                            const std::uint64_t* hpow, const gcm_karatsuba16& hk,
                                                            int i) noexcept {
  const __m128i ha = gcm_hpow(hpow, static_cast<std::size_t>(16 - 2 * i));
  const __m128i hb = gcm_hpow(hpow, static_cast<std::size_t>(15 - 2 * i));
  const __m128i t = _mm_xor_si128(_mm_unpacklo_epi64(xa, xb), _mm_unpackhi_epi64(xa, xb));
  const __m128i lo = _mm_xor_si128(_mm_clmulepi64_si128(xa, ha, 0x00), _mm_clmulepi64_si128(xb, hb, 0x00));
  const __m128i hi = _mm_xor_si128(_mm_clmulepi64_si128(xa, ha, 0x11), _mm_clmulepi64_si128(xb, hb, 0x11));
  const __m128i mid =
      _mm_xor_si128(_mm_clmulepi64_si128(t, hk.pair[i], 0x00), _mm_clmulepi64_si128(t, hk.pair[i], 0x11));
  if (first) {
    a = {lo, mid, hi};
  } else {
    a.lo = _mm_xor_si128(a.lo, lo);
    a.hi = _mm_xor_si128(a.hi, hi);
    a.mid = _mm_xor_si128(a.mid, mid);
  }
}

// What a batch hashes: nothing, or 8 blocks against H'^Top..H'^(Top-7)
// (Top 16: the first half of a 16-block sum, which starts it and takes in y;
// Top 8: its second half, or a sum of 8 on its own, after which it is
// reduced into y).
enum class gcm_hash8 { none, first_of_16, second_of_16, only_8 };

// One iteration: AES of the 8 counter blocks after ctr (byte-swapped) while
// the 8 blocks at g are hashed into the sums a (a pair of blocks every other
// round; the rest of the rounds run alone); stores in ^ keystream to out
// (with Xor), or the keystream itself. Returns y, reduced when the sum ends.
template <int Rounds, bool Xor, gcm_hash8 Hash>
KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE __m128i gcm_aesni_batch8(const gcm_aesni_keys<Rounds>& k, const std::uint64_t* hpow,
                                                             const gcm_karatsuba16* hk, gcm_acc128& a, __m128i ctr,
                                                             bool fast, __m128i k0x1, __m128i y,
                                                             const std::uint8_t* g, const std::uint8_t* in,
                                                             std::uint8_t* out) noexcept {
  constexpr bool hash = Hash != gcm_hash8::none;
  constexpr bool starts = Hash == gcm_hash8::first_of_16 || Hash == gcm_hash8::only_8;
  constexpr bool ends = Hash == gcm_hash8::second_of_16 || Hash == gcm_hash8::only_8;
  constexpr int pair0 = Hash == gcm_hash8::first_of_16 ? 0 : 4;  // H'^16.. or H'^8..
  __m128i b[8];
  gcm_ctr_blocks8(ctr, fast, k[0], k0x1, b);
  // The last round's key xor the input, two blocks an operation (256-bit
  // xor, in AVX's floating-point form), through memory: the last rounds read
  // it as their key operand.
  alignas(32) std::uint8_t kin_buf[Xor ? 128 : 1];
  const std::uint8_t* kin = kin_buf;
  if constexpr (Xor) {
    const __m256 klast2 = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(k.rk + 16 * Rounds));
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j)
      _mm256_store_ps(reinterpret_cast<float*>(kin_buf + 32 * j),
                      _mm256_xor_ps(klast2, _mm256_loadu_ps(reinterpret_cast<const float*>(in + 32 * j))));
    kin = gcm_launder(kin);
  }
#pragma GCC unroll 16
  for (int r = 1; r < Rounds; ++r) {
    const __m128i kr = k[r];
#pragma GCC unroll 16
    for (int j = 0; j < 8; ++j) b[j] = _mm_aesenc_si128(b[j], kr);
    if constexpr (hash) {
      if (r % 2 == 1 && r < 8) {
        const int i = r / 2;
        __m128i xa = gcm_bswap128(gcm_load(g + 32 * i));
        if (starts && i == 0) xa = _mm_xor_si128(xa, y);
        gcm_karatsuba_pair(a, starts && i == 0, xa, gcm_bswap128(gcm_load(g + 32 * i + 16)), hpow, *hk, pair0 + i);
      }
    }
  }
  const __m128i klast = k[Rounds];
#pragma GCC unroll 16
  for (int j = 0; j < 8; ++j) {
    const __m128i ks = _mm_aesenclast_si128(b[j], Xor ? gcm_load(kin + 16 * j) : klast);
    gcm_store(out + 16 * j, ks);
  }
  if constexpr (ends) {
    a.mid = _mm_xor_si128(a.mid, _mm_xor_si128(a.lo, a.hi));
    y = gcm_reduce(a);
  }
  return y;
}

// k0 ^ 1 in the counter's low byte (gcm_ctr_blocks8).
template <int Rounds>
KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE __m128i gcm_k0x1(const gcm_aesni_keys<Rounds>& k) noexcept {
  return _mm_xor_si128(k[0], _mm_set_epi8(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

// The stitched passes over whole batches of 8 blocks from `done` (a multiple
// of 128) while whole batches remain: AES of batch n
// beside the GHASH of batch n - 1 (sealing: the ciphertext written one batch
// before; Lag 0: the ciphertext at g of the batch itself, for checking a
// tag), two batches' GHASH summed before each reduction. Returns y; done and
// ctr move past the batches run.
template <int Rounds, bool Xor, int Lag>
KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE __m128i gcm_aesni_stitched(const gcm_aesni_keys<Rounds>& k,
                                                               const std::uint64_t* hpow, gcm_iv iv, __m128i& ctr,
                                                               __m128i y, const std::uint8_t* g, const std::uint8_t* in,
                                                               std::uint8_t* out, std::size_t len,
                                                               std::size_t& done) noexcept {
  const gcm_karatsuba16 hk(hpow);
  const __m128i k0x1 = gcm_k0x1(k);
  const __m128i eight = _mm_set_epi32(0, 0, 0, 8);
  gcm_acc128 a{};
  // The input at offset i: without Xor (keystream only) there is none, and
  // in is null, which must not be offset (UBSan, fuzz target gcm).
  const auto input = [in](std::size_t i) noexcept { return Xor ? in + i : in; };
  for (; done + 256 <= len; done += 256) {
    const std::size_t h = done - Lag * 128;
    (void)gcm_aesni_batch8<Rounds, Xor, gcm_hash8::first_of_16>(k, hpow, &hk, a, ctr, gcm_ctr_fast8(iv, done / 16),
                                                                k0x1, y, g + h, input(done), out + done);
    ctr = _mm_add_epi32(ctr, eight);
    y = gcm_aesni_batch8<Rounds, Xor, gcm_hash8::second_of_16>(k, hpow, &hk, a, ctr,
                                                               gcm_ctr_fast8(iv, done / 16 + 8), k0x1, y,
                                                               g + h + 128, input(done + 128), out + done + 128);
    ctr = _mm_add_epi32(ctr, eight);
  }
  if (done + 128 <= len) {
    y = gcm_aesni_batch8<Rounds, Xor, gcm_hash8::only_8>(k, hpow, &hk, a, ctr, gcm_ctr_fast8(iv, done / 16), k0x1,
                                                         y, g + done - Lag * 128, input(done), out + done);
    ctr = _mm_add_epi32(ctr, eight);
    done += 128;
  }
  return y;
}

// out = in ^ E(counter blocks) for n (1..8) blocks, the last of `last` bytes
// (1..16); returns the counter advanced by n.
template <int Rounds>
KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE __m128i gcm_ctr_tail_aesni(const gcm_aesni_keys<Rounds>& k, __m128i ctr,
                                                               const std::uint8_t* in, std::uint8_t* out,
                                                               std::size_t n, std::size_t last) noexcept {
  __m128i b[8];
#pragma GCC unroll 16
  for (std::size_t j = 0; j < n; ++j) b[j] = _mm_xor_si128(gcm_ctr_block(ctr, static_cast<int>(j) + 1), k[0]);
#pragma GCC unroll 16
  for (int r = 1; r < Rounds; ++r)
#pragma GCC unroll 16
    for (std::size_t j = 0; j < n; ++j) b[j] = _mm_aesenc_si128(b[j], k[r]);
#pragma GCC unroll 16
  for (std::size_t j = 0; j < n; ++j) b[j] = _mm_aesenclast_si128(b[j], k[Rounds]);
#pragma GCC unroll 16
  for (std::size_t j = 0; j + 1 < n; ++j) gcm_store(out + 16 * j, _mm_xor_si128(b[j], gcm_load(in + 16 * j)));
  alignas(16) std::uint8_t t[16] = {};
  std::memcpy(t, in + 16 * (n - 1), last);
  _mm_store_si128(reinterpret_cast<__m128i*>(t), _mm_xor_si128(b[n - 1], _mm_load_si128(reinterpret_cast<const __m128i*>(t))));
  std::memcpy(out + 16 * (n - 1), t, last);
  return _mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, static_cast<int>(n)));
}

// The last len - done (< 128) bytes of CTR.
template <int Rounds>
KAGI_GCM_AVX_TARGET KAGI_GCM_INLINE void gcm_ctr_rest_aesni(const gcm_aesni_keys<Rounds>& k, __m128i ctr,
                                                            const std::uint8_t* in, std::uint8_t* out,
                                                            std::size_t rest) noexcept {
  const std::size_t n = (rest + 15) / 16;
  (void)gcm_ctr_tail_aesni(k, ctr, in, out, n, rest - 16 * (n - 1));
}

template <int Rounds>
KAGI_GCM_AVX_TARGET inline void gcm_seal_aesni(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                               const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* in,
                                               std::uint8_t* out, std::size_t len, std::uint8_t* tag) noexcept {
  const gcm_aesni_zeroupper clean_upper_state;
  gcm_aesni_start<Rounds> m(rk, hpow, iv, aad, aad_len);
  const auto& k = m.k;
  __m128i &ctr = m.ctr, &y = m.y;
  std::size_t done = 0;
  if (len >= 128) {
    // The first 8 blocks: AES only; their GHASH runs with the next 8.
    gcm_acc128 none{};
    (void)gcm_aesni_batch8<Rounds, true, gcm_hash8::none>(k, hpow, nullptr, none, ctr, gcm_ctr_fast8(iv, 0),
                                                          gcm_k0x1(k), y, nullptr, in, out);
    ctr = _mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, 8));
    done = 128;
    if (len >= 256) y = gcm_aesni_stitched<Rounds, true, 1>(k, hpow, iv, ctr, y, out, in, out, len, done);
  }
  if (done < len) gcm_ctr_rest_aesni(k, ctr, in + done, out + done, len - done);
  // The last batch (its GHASH is not stitched), the tail and the lengths.
  const std::size_t from = done >= 128 ? done - 128 : 0;
  y = gcm_ghash_final_pclmul(hpow, y, out + from, len - from, gcm_lengths(aad_len, len));
  gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), m.ej0));
}

template <int Rounds>
KAGI_GCM_AVX_TARGET inline void gcm_ctr_aesni(const std::uint8_t* rk, gcm_iv iv, const std::uint8_t* in,
                                              std::uint8_t* out, std::size_t len) noexcept {
  const gcm_aesni_zeroupper clean_upper_state;
  const gcm_aesni_keys<Rounds> k{rk};
  __m128i ctr = gcm_bswap128(gcm_load_j0(iv));
  std::size_t done = 0;
  const __m128i k0x1 = gcm_k0x1(k);
  gcm_acc128 none{};
  for (; len - done >= 128; done += 128) {
    (void)gcm_aesni_batch8<Rounds, true, gcm_hash8::none>(k, nullptr, nullptr, none, ctr, gcm_ctr_fast8(iv, done / 16),
                                                          k0x1, _mm_setzero_si128(), nullptr, in + done, out + done);
    ctr = _mm_add_epi32(ctr, _mm_set_epi32(0, 0, 0, 8));
  }
  if (done < len) gcm_ctr_rest_aesni(k, ctr, in + done, out + done, len - done);
}

// out ^= in (out holds keystream; in the ciphertext), for the decryption's
// second pass.
KAGI_GCM_AVX_TARGET inline void gcm_xor_avx(std::uint8_t* out, const std::uint8_t* in, std::size_t len) noexcept {
  std::size_t i = 0;
  for (; i + 64 <= len; i += 64) {
    auto* o = reinterpret_cast<float*>(out + i);
    const auto* c = reinterpret_cast<const float*>(in + i);
    const __m256 a = _mm256_xor_ps(_mm256_loadu_ps(o), _mm256_loadu_ps(c));
    const __m256 b = _mm256_xor_ps(_mm256_loadu_ps(o + 8), _mm256_loadu_ps(c + 8));
    _mm256_storeu_ps(o, a);
    _mm256_storeu_ps(o + 8, b);
  }
  for (; i + 16 <= len; i += 16) gcm_store(out + i, _mm_xor_si128(gcm_load(out + i), gcm_load(in + i)));
  for (; i < len; ++i) out[i] ^= in[i];
  _mm256_zeroupper();
}

// The tag over aad and ct. With ks (disjoint from ct), the keystream for ct is
// written there in the same pass: AES of blocks i..i+7 beside the GHASH of
// ciphertext blocks i..i+7.
template <int Rounds>
KAGI_GCM_AVX_TARGET inline void gcm_tag_aesni(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                              const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* ct,
                                              std::uint8_t* ks, std::size_t len, std::uint8_t* tag) noexcept {
  gcm_aesni_start<Rounds> m(rk, hpow, iv, aad, aad_len);
  const auto& k = m.k;
  __m128i &ctr = m.ctr, &y = m.y;
  std::size_t done = 0;
  if (ks != nullptr) {
    if (len >= 128) y = gcm_aesni_stitched<Rounds, false, 0>(k, hpow, iv, ctr, y, ct, nullptr, ks, len, done);
    if (done < len) {
      alignas(16) std::uint8_t zeros[128] = {};
      gcm_ctr_rest_aesni(k, ctr, zeros, ks + done, len - done);
    }
  }
  y = gcm_ghash_final_pclmul(hpow, y, ct + done, len - done, gcm_lengths(aad_len, len));
  gcm_store(tag, _mm_xor_si128(gcm_bswap128(y), m.ej0));
}

// Decryption: out apart from ct gets keystream in the checking pass and then
// out ^= ct; in place, a GHASH pass and then the CTR pass. On a bad tag out is
// zeroed instead.
template <int Rounds>
KAGI_GCM_AVX_TARGET inline bool gcm_open_aesni(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                               const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* ct,
                                               std::uint8_t* out, std::size_t len, const std::uint8_t* tag,
                                               std::size_t tag_len) noexcept {
  const bool separate = out != ct;
  alignas(16) std::uint8_t expected[16];
  gcm_tag_aesni<Rounds>(rk, hpow, iv, aad, aad_len, ct, separate ? out : nullptr, len, expected);
  if (!gcm_check_tag(expected, tag, tag_len, out, len)) return false;
  if (separate) {
    gcm_xor_avx(out, ct, len);
  } else {
    gcm_ctr_aesni<Rounds>(rk, iv, ct, out, len);
  }
  return true;
}

#undef KAGI_GCM_AVX_TARGET
#undef KAGI_GCM_AESNI_TARGET

}  // namespace kagi::detail

#endif  // KAGI_X86

#endif  // KAGI_CIPHER_X86_GCM_AESNI_HPP
