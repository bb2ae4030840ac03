// kagi/cipher/x86/aes_ni.hpp: AES with AES-NI (key expansion, ECB blocks).
//
// Key expansion: SubWord(RotWord(w)) of a word is aesenclast of a block that
// repeats the rotated word in all four columns (ShiftRows leaves such a block
// unchanged), so each step is one pshufb and one aesenclast; the running XOR
// of the previous round key's words is done with two byte shifts.
//
// Included by ../aes.hpp after the portable code and before the dispatch table
// that names these kernels; on its own it includes the algorithm first.
#include "../aes.hpp"

#ifndef KAGI_CIPHER_X86_AES_NI_HPP
#define KAGI_CIPHER_X86_AES_NI_HPP

#if KAGI_X86

namespace kagi::detail {

#define KAGI_AESNI_TARGET KAGI_TARGET("aes,sse4.1,ssse3")
inline constexpr std::uint32_t aesni_needs = cpu::aesni | cpu::ssse3 | cpu::sse41;

// w0, w0^w1, w0^w1^w2, w0^w1^w2^w3
KAGI_AESNI_TARGET inline __m128i aesni_prefix_xor(__m128i k) noexcept {
  k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
  return _mm_xor_si128(k, _mm_slli_si128(k, 8));
}

// SubWord(RotWord(word 3 of k)) ^ rcon in all four words.
KAGI_AESNI_TARGET inline __m128i aesni_rot_sub_word3(__m128i k, int rcon) noexcept {
  const __m128i rot3 = _mm_set_epi8(12, 15, 14, 13, 12, 15, 14, 13, 12, 15, 14, 13, 12, 15, 14, 13);
  return _mm_aesenclast_si128(_mm_shuffle_epi8(k, rot3), _mm_set1_epi32(rcon));
}
// SubWord(word 3 of k) in all four words.
KAGI_AESNI_TARGET inline __m128i aesni_sub_word3(__m128i k) noexcept {
  return _mm_aesenclast_si128(_mm_shuffle_epi32(k, 0xff), _mm_setzero_si128());
}

KAGI_AESNI_TARGET inline std::uint32_t aesni_sub_word(std::uint32_t w) noexcept {
  return static_cast<std::uint32_t>(
      _mm_cvtsi128_si32(_mm_aesenclast_si128(_mm_set1_epi32(static_cast<int>(w)), _mm_setzero_si128())));
}

// Expands the key into rk and returns E(K, 0^128), which AES-GCM needs as its
// hash key: the zero block runs through each round key as soon as it exists,
// so it costs almost nothing beside the expansion's own dependency chain.
KAGI_AESNI_TARGET inline __m128i aes_expand_key_aesni(const std::uint8_t* key, int nk, std::uint8_t* rk) noexcept {
  auto store = [rk](int i, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(rk + 16 * i), v); };
  if (nk == 4) {
    __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key));
    store(0, k);
    __m128i z = k;  // 0 ^ round key 0
    int rcon = 1;
#pragma GCC unroll 10
    for (int i = 1; i <= 10; ++i) {
      k = _mm_xor_si128(aesni_prefix_xor(k), aesni_rot_sub_word3(k, rcon));
      store(i, k);
      z = i < 10 ? _mm_aesenc_si128(z, k) : _mm_aesenclast_si128(z, k);
      rcon = (rcon << 1) ^ (0x11b & -(rcon >> 7));
    }
    return z;
  }
  if (nk == 8) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key + 16));
    store(0, a);
    store(1, b);
    __m128i z = _mm_aesenc_si128(a, b);
    int rcon = 1;
#pragma GCC unroll 7
    for (int i = 2; i <= 14; i += 2) {
      a = _mm_xor_si128(aesni_prefix_xor(a), aesni_rot_sub_word3(b, rcon));
      store(i, a);
      rcon <<= 1;
      if (i == 14) return _mm_aesenclast_si128(z, a);
      z = _mm_aesenc_si128(z, a);
      b = _mm_xor_si128(aesni_prefix_xor(b), aesni_sub_word3(a));
      store(i + 1, b);
      z = _mm_aesenc_si128(z, b);
    }
    return z;  // not reached
  }
  // AES-192: six-word groups do not line up with 16-byte round keys; run the
  // FIPS 197 word loop with SubWord from aesenclast.
  for (int i = 0; i < 24; ++i) rk[i] = key[i];
  std::uint32_t rcon = 1;
  for (int i = 6; i < 52; ++i) {
    std::uint32_t t = load_le32(rk + 4 * (i - 1));
    if (i % 6 == 0) {
      t = aesni_sub_word((t >> 8) | (t << 24)) ^ rcon;
      rcon <<= 1;
    }
    store_le32(rk + 4 * i, load_le32(rk + 4 * (i - 6)) ^ t);
  }
  __m128i z = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rk));
  for (int r = 1; r < 12; ++r) z = _mm_aesenc_si128(z, _mm_loadu_si128(reinterpret_cast<const __m128i*>(rk + 16 * r)));
  return _mm_aesenclast_si128(z, _mm_loadu_si128(reinterpret_cast<const __m128i*>(rk + 16 * 12)));
}

// The same for the dispatch table (the key size fixed by Rounds, E(K, 0) dropped).
template <int Rounds>
KAGI_AESNI_TARGET inline void aes_expand_key_ni(const std::uint8_t* key, std::uint8_t* rk) noexcept {
  (void)aes_expand_key_aesni(key, Rounds - 6, rk);
}

template <int Rounds>
struct aesni_round_keys {
  __m128i k[Rounds + 1];
  KAGI_AESNI_TARGET explicit aesni_round_keys(const std::uint8_t* rk) noexcept {
    for (int i = 0; i <= Rounds; ++i) k[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rk + 16 * i));
  }
};

template <int Rounds>
KAGI_AESNI_TARGET inline void aes_ecb_encrypt_aesni(const std::uint8_t* rk, const std::uint8_t* in,
                                                    std::uint8_t* out, std::size_t blocks) noexcept {
  const aesni_round_keys<Rounds> k(rk);
  std::size_t i = 0;
  for (; i + 4 <= blocks; i += 4) {
    __m128i b[4];
    for (int j = 0; j < 4; ++j)
      b[j] = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 16 * (i + j))), k.k[0]);
    for (int r = 1; r < Rounds; ++r)
      for (int j = 0; j < 4; ++j) b[j] = _mm_aesenc_si128(b[j], k.k[r]);
    for (int j = 0; j < 4; ++j)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * (i + j)), _mm_aesenclast_si128(b[j], k.k[Rounds]));
  }
  for (; i < blocks; ++i) {
    __m128i b = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 16 * i)), k.k[0]);
    for (int r = 1; r < Rounds; ++r) b = _mm_aesenc_si128(b, k.k[r]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * i), _mm_aesenclast_si128(b, k.k[Rounds]));
  }
}

// The equivalent inverse cipher (FIPS 197 section 5.3.5): aesdec with the
// round keys in reverse order, the middle ones through InvMixColumns.
template <int Rounds>
KAGI_AESNI_TARGET inline void aes_ecb_decrypt_aesni(const std::uint8_t* rk, const std::uint8_t* in,
                                                    std::uint8_t* out, std::size_t blocks) noexcept {
  aesni_round_keys<Rounds> k(rk);
  for (int r = 1; r < Rounds; ++r) k.k[r] = _mm_aesimc_si128(k.k[r]);
  std::size_t i = 0;
  for (; i + 4 <= blocks; i += 4) {
    __m128i b[4];
    for (int j = 0; j < 4; ++j)
      b[j] = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 16 * (i + j))), k.k[Rounds]);
    for (int r = Rounds - 1; r > 0; --r)
      for (int j = 0; j < 4; ++j) b[j] = _mm_aesdec_si128(b[j], k.k[r]);
    for (int j = 0; j < 4; ++j)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * (i + j)), _mm_aesdeclast_si128(b[j], k.k[0]));
  }
  for (; i < blocks; ++i) {
    __m128i b = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 16 * i)), k.k[Rounds]);
    for (int r = Rounds - 1; r > 0; --r) b = _mm_aesdec_si128(b, k.k[r]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * i), _mm_aesdeclast_si128(b, k.k[0]));
  }
  for (auto& x : k.k) x = _mm_setzero_si128();
}

#undef KAGI_AESNI_TARGET

}  // namespace kagi::detail

#endif  // KAGI_X86

#endif  // KAGI_CIPHER_X86_AES_NI_HPP
