// kagi/cipher/gcm.hpp: AES-GCM (NIST SP 800-38D) and GHASH.
//
// GHASH works on 128-bit blocks read as big-endian integers ("byte
// reflected": bit 127 is the coefficient of x^0), which is how the
// carry-less-multiply kernels see them too. In that form a product is
// reduced with two folds by the constant 0xc2 << 56, provided one factor is
// premultiplied by x^-1 ("twisted"): H' = H * x^-1 mod P. The key state holds
// the twisted powers H'^16 .. H'^1, in the layout the x86 kernels load.
//
// The portable GHASH multiplies with integer multiplications "with holes":
// operands are split into five interleaved bit combs, so the carries of each
// partial product land in bits that are masked away. No table is indexed by
// secret data, and the whole path is constexpr.
//
// At run time the kernels of gcm_x86.hpp take over when the CPU has them.
#ifndef KAGI_CIPHER_GCM_HPP
#define KAGI_CIPHER_GCM_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include "../core/bytes.hpp"
#include "../core/cpu.hpp"
#include "../core/ct.hpp"
#include "../core/result.hpp"
#include "aes.hpp"

namespace kagi {

namespace detail {

// ---- GF(2^128) in the byte-reflected representation

struct gf128 {
  std::uint64_t hi = 0, lo = 0;  // bytes 0..7 and 8..15 of a block, big-endian
};

[[nodiscard]] constexpr gf128 gf128_load(const std::uint8_t* p) noexcept { return {load_be64(p), load_be64(p + 8)}; }
constexpr void gf128_store(std::uint8_t* p, gf128 x) noexcept {
  store_be64(p, x.hi);
  store_be64(p + 8, x.lo);
}

struct clmul_result {
  std::uint64_t hi = 0, lo = 0;
};

#if defined(__SIZEOF_INT128__)
__extension__ using gcm_u128 = unsigned __int128;

// 64 x 64 -> 128-bit carry-less product from integer products. Each operand is
// split into five combs (bits i, i+5, i+10, ...); a comb has at most 13 bits,
// so a column of a comb-by-comb product sums at most 13 ones and its carries
// stay below the next bit of the same residue class, which the final masks keep.
[[nodiscard]] constexpr clmul_result clmul64_int128(std::uint64_t x, std::uint64_t y) noexcept {
  constexpr std::uint64_t m0 = 0x1084210842108421ull;  // bits 0, 5, 10, ..., 60
  constexpr std::uint64_t m1 = m0 << 1, m2 = m0 << 2, m3 = m0 << 3, m4 = m0 << 4;
  const gcm_u128 x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3, x4 = x & m4;
  const std::uint64_t y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3, y4 = y & m4;
  // Column sums by residue class of the bit position (written out: compilers
  // keep it all in registers).
  const gcm_u128 c0 = (x0 * y0) ^ (x1 * y4) ^ (x2 * y3) ^ (x3 * y2) ^ (x4 * y1);
  const gcm_u128 c1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y4) ^ (x3 * y3) ^ (x4 * y2);
  const gcm_u128 c2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y4) ^ (x4 * y3);
  const gcm_u128 c3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0) ^ (x4 * y4);
  const gcm_u128 c4 = (x0 * y4) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1) ^ (x4 * y0);
  // Bits p = k (mod 5): below 64 that is comb k, above it comb k + 1 (64 = 4 mod 5).
  const auto lo = [](gcm_u128 v) { return static_cast<std::uint64_t>(v); };
  const auto hi = [](gcm_u128 v) { return static_cast<std::uint64_t>(v >> 64); };
  return {(hi(c0) & m1) | (hi(c1) & m2) | (hi(c2) & m3) | (hi(c3) & m4) | (hi(c4) & m0),
          (lo(c0) & m0) | (lo(c1) & m1) | (lo(c2) & m2) | (lo(c3) & m3) | (lo(c4) & m4)};
}
#endif

// The same without 128-bit integers: 32 x 32 -> 64-bit products from four
// combs of at most 8 bits (columns sum to at most 8 < 16), four of them.
[[nodiscard]] constexpr std::uint64_t clmul32(std::uint32_t x, std::uint32_t y) noexcept {
  constexpr std::uint32_t m = 0x11111111u;
  std::uint64_t acc[4] = {};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      acc[(i + j) & 3] ^= std::uint64_t{x & (m << i)} * std::uint64_t{y & (m << j)};
  std::uint64_t r = 0;
  for (int k = 0; k < 4; ++k) r |= acc[k] & (0x1111111111111111ull << k);
  return r;
}
[[nodiscard]] constexpr clmul_result clmul64_32(std::uint64_t x, std::uint64_t y) noexcept {
  const auto x0 = static_cast<std::uint32_t>(x), x1 = static_cast<std::uint32_t>(x >> 32);
  const auto y0 = static_cast<std::uint32_t>(y), y1 = static_cast<std::uint32_t>(y >> 32);
  const std::uint64_t lo = clmul32(x0, y0), hi = clmul32(x1, y1);
  const std::uint64_t mid = clmul32(x0, y1) ^ clmul32(x1, y0);
  return {hi ^ (mid >> 32), lo ^ (mid << 32)};
}

[[nodiscard]] constexpr clmul_result clmul64(std::uint64_t x, std::uint64_t y) noexcept {
#if defined(__SIZEOF_INT128__)
  return clmul64_int128(x, y);
#else
  return clmul64_32(x, y);
#endif
}

// v * (x^63 + x^62 + x^57) carry-less: the fold constant 0xc2 << 56.
[[nodiscard]] constexpr clmul_result clmul_fold(std::uint64_t v) noexcept {
  return {(v >> 1) ^ (v >> 2) ^ (v >> 7), (v << 63) ^ (v << 62) ^ (v << 57)};
}

// Reduces the 256-bit product w3:w2:w1:w0 (w3 most significant) to 128 bits:
// two folds of the low half by 0xc2 << 56, each swapping its 64-bit halves.
[[nodiscard]] constexpr gf128 gf128_reduce(std::uint64_t w3, std::uint64_t w2, std::uint64_t w1,
                                           std::uint64_t w0) noexcept {
  const clmul_result t1 = clmul_fold(w0);
  const std::uint64_t a_hi = w0 ^ t1.hi, a_lo = w1 ^ t1.lo;
  const clmul_result t2 = clmul_fold(a_lo);
  return {w3 ^ a_lo ^ t2.hi, w2 ^ a_hi ^ t2.lo};
}

// x * h where h is twisted (h = H' for the product x * H).
[[nodiscard]] constexpr gf128 gf128_mul(gf128 x, gf128 h) noexcept {
  const clmul_result z0 = clmul64(x.lo, h.lo);
  const clmul_result z2 = clmul64(x.hi, h.hi);
  const clmul_result z1 = clmul64(x.lo ^ x.hi, h.lo ^ h.hi);  // Karatsuba middle
  const std::uint64_t m_hi = z1.hi ^ z0.hi ^ z2.hi, m_lo = z1.lo ^ z0.lo ^ z2.lo;
  return gf128_reduce(z2.hi, z2.lo ^ m_hi, z0.hi ^ m_lo, z0.lo);
}

// H' = H * x^-1: a left shift in this representation, with x^-1 (0xc2..01)
// folded in when the coefficient of x^0 falls out.
[[nodiscard]] constexpr gf128 gf128_twist(gf128 h) noexcept {
  const std::uint64_t carry = ct::mask_from_bit<std::uint64_t>(h.hi >> 63);
  return {((h.hi << 1) | (h.lo >> 63)) ^ (carry & 0xc200000000000000ull), (h.lo << 1) ^ (carry & 1)};
}

// ---- the key state shared by every path

inline constexpr std::size_t gcm_powers = 16;

template <std::size_t KeyBits>
struct gcm_key {
  static constexpr int rounds = aes_params<KeyBits>::rounds;
  aes_key_schedule<KeyBits> aes;
  // H'^16 .. H'^1: power k at index 2*(16 - k) (low 64 bits) and 2*(16 - k) + 1
  // (high 64 bits), i.e. as the kernels' 128-bit registers in memory; then
  // four zero blocks, so a kernel may load four powers from any start.
  alignas(64) std::array<std::uint64_t, 2 * (gcm_powers + 4)> hpow{};

  [[nodiscard]] constexpr gf128 power(std::size_t k) const noexcept {
    return {hpow[2 * (gcm_powers - k) + 1], hpow[2 * (gcm_powers - k)]};
  }
  constexpr void set_power(std::size_t k, gf128 v) noexcept {
    hpow[2 * (gcm_powers - k)] = v.lo;
    hpow[2 * (gcm_powers - k) + 1] = v.hi;
  }

  constexpr gcm_key() noexcept = default;
  constexpr gcm_key(const gcm_key&) noexcept = default;
  constexpr gcm_key& operator=(const gcm_key&) noexcept = default;
  constexpr ~gcm_key() { secure_wipe(hpow); }
};

// H = E(K, 0^128), twisted, and its powers.
template <std::size_t KeyBits>
constexpr void gcm_init_powers_portable(gcm_key<KeyBits>& k, const std::uint8_t* h_block) noexcept {
  const gf128 h1 = gf128_twist(gf128_load(h_block));
  gf128 p = h1;
  k.set_power(1, p);
  for (std::size_t i = 2; i <= gcm_powers; ++i) {
    p = gf128_mul(p, h1);
    k.set_power(i, p);
  }
}

// The start of a message's counter: either the 12-byte nonce itself (J0 is
// nonce || 0^31 || 1, built by whoever runs the message) or a 16-byte J0
// computed from a nonce of another length.
struct gcm_iv {
  const std::uint8_t* p;
  bool nonce12;
};

constexpr void gcm_iv_to_j0(gcm_iv iv, std::uint8_t* j0) noexcept {
  if (iv.nonce12) {
    for (int i = 0; i < 12; ++i) j0[i] = iv.p[i];
    j0[12] = j0[13] = j0[14] = 0;
    j0[15] = 1;
  } else {
    for (int i = 0; i < 16; ++i) j0[i] = iv.p[i];
  }
}

// ---- the portable path

// y = (y ^ block) * H for each 16-byte block of data; a partial last block is
// padded with zeros.
constexpr void gcm_ghash_portable(gf128 h1, gf128& y, const std::uint8_t* data, std::size_t len) noexcept {
  for (; len >= 16; len -= 16, data += 16) {
    const gf128 x = gf128_load(data);
    y = gf128_mul({y.hi ^ x.hi, y.lo ^ x.lo}, h1);
  }
  if (len > 0) {
    std::uint8_t last[16] = {};
    for (std::size_t i = 0; i < len; ++i) last[i] = data[i];
    const gf128 x = gf128_load(last);
    y = gf128_mul({y.hi ^ x.hi, y.lo ^ x.lo}, h1);
  }
}

// Counter-mode keystream for GCM, four bitsliced blocks at a time. Counter
// block i of the message is J0 with its low 32 bits plus 1 + i (inc32, mod 2^32).
// When ej0 is given, the first batch also encrypts J0 itself (for the tag).
template <int Rounds>
struct gcm_ctr_portable {
  std::array<std::uint64_t, 8 * (Rounds + 1)> sk{};
  std::array<std::uint8_t, 64> ks{};
  std::uint8_t ctr[16] = {};
  std::uint32_t next = 0;  // low 32 bits of the next counter block
  std::size_t used = 64;   // keystream bytes of ks already consumed

  constexpr gcm_ctr_portable(const std::uint8_t* rk, const std::uint8_t* j0, std::uint8_t* ej0) noexcept {
    aes_bs_expand_round_keys(rk, Rounds, sk.data());
    for (int i = 0; i < 16; ++i) ctr[i] = j0[i];
    next = load_be32(j0 + 12);
    if (ej0 != nullptr) {
      batch();
      for (int i = 0; i < 16; ++i) ej0[i] = ks[i];
      used = 16;
    } else {
      ++next;
    }
  }
  constexpr ~gcm_ctr_portable() {
    secure_wipe(sk);
    secure_wipe(ks);
  }

  constexpr void batch() noexcept {
    std::uint8_t blocks[64] = {};
    for (int n = 0; n < 4; ++n) {
      for (int i = 0; i < 12; ++i) blocks[16 * n + i] = ctr[i];
      store_be32(blocks + 16 * n + 12, next);
      ++next;
    }
    aes_bs_blocks<false>(Rounds, sk.data(), blocks, ks.data(), 4);
    used = 0;
  }

  // out = in ^ keystream for the next len bytes (in == out allowed).
  constexpr void xor_stream(const std::uint8_t* in, std::uint8_t* out, std::size_t len) noexcept {
    while (len > 0) {
      if (used == 64) batch();
      std::size_t take = 64 - used;
      if (take > len) take = len;
      std::size_t i = 0;
      for (; i + 8 <= take; i += 8) store_le64(out + i, load_le64(in + i) ^ load_le64(ks.data() + used + i));
      for (; i < take; ++i) out[i] = static_cast<std::uint8_t>(in[i] ^ ks[used + i]);
      used += take;
      in += take;
      out += take;
      len -= take;
    }
  }
};

// The GHASH of the length block [len(A)]_64 || [len(C)]_64 (bit lengths).
constexpr void gcm_ghash_lengths(gf128 h1, gf128& y, std::uint64_t aad_len, std::uint64_t len) noexcept {
  y = gf128_mul({y.hi ^ (aad_len << 3), y.lo ^ (len << 3)}, h1);
}

template <int Rounds, std::size_t KeyBits>
constexpr void gcm_seal_portable(const gcm_key<KeyBits>& k, gcm_iv iv, const std::uint8_t* aad,
                                 std::size_t aad_len, const std::uint8_t* in, std::uint8_t* out, std::size_t len,
                                 std::uint8_t* tag) noexcept {
  const gf128 h1 = k.power(1);
  gf128 y{};
  gcm_ghash_portable(h1, y, aad, aad_len);
  std::uint8_t j0[16] = {}, ej0[16] = {};
  gcm_iv_to_j0(iv, j0);
  gcm_ctr_portable<Rounds> ctr(k.aes.rk.data(), j0, ej0);
  // Chunks line up with 16-byte blocks: GHASH each chunk of ciphertext as it is made.
  for (std::size_t done = 0; done < len;) {
    std::size_t n = len - done < 256 ? len - done : 256;
    ctr.xor_stream(in + done, out + done, n);
    gcm_ghash_portable(h1, y, out + done, n);
    done += n;
  }
  gcm_ghash_lengths(h1, y, aad_len, len);
  gf128_store(tag, y);
  for (int i = 0; i < 16; ++i) tag[i] ^= ej0[i];
  secure_wipe(std::span(ej0));
}

// The tag a ciphertext should carry (nothing is decrypted).
template <int Rounds, std::size_t KeyBits>
constexpr void gcm_tag_portable(const gcm_key<KeyBits>& k, gcm_iv iv, const std::uint8_t* aad,
                                std::size_t aad_len, const std::uint8_t* ct, std::size_t len,
                                std::uint8_t* tag) noexcept {
  const gf128 h1 = k.power(1);
  gf128 y{};
  gcm_ghash_portable(h1, y, aad, aad_len);
  gcm_ghash_portable(h1, y, ct, len);
  gcm_ghash_lengths(h1, y, aad_len, len);
  std::array<std::uint64_t, 8 * (Rounds + 1)> sk{};
  aes_bs_expand_round_keys(k.aes.rk.data(), Rounds, sk.data());
  std::uint8_t j0[16] = {}, ej0[16] = {};
  gcm_iv_to_j0(iv, j0);
  aes_bs_blocks<false>(Rounds, sk.data(), j0, ej0, 1);
  gf128_store(tag, y);
  for (int i = 0; i < 16; ++i) tag[i] ^= ej0[i];
  secure_wipe(sk);
  secure_wipe(std::span(ej0));
}

template <int Rounds, std::size_t KeyBits>
constexpr void gcm_ctr_only_portable(const gcm_key<KeyBits>& k, gcm_iv iv, const std::uint8_t* in,
                                     std::uint8_t* out, std::size_t len) noexcept {
  std::uint8_t j0[16] = {};
  gcm_iv_to_j0(iv, j0);
  gcm_ctr_portable<Rounds> ctr(k.aes.rk.data(), j0, nullptr);
  ctr.xor_stream(in, out, len);
}

// ---- one entry point per operation: the portable path at compile time,
// otherwise the fastest kernel the CPU has

enum class gcm_path { portable, aesni_pclmul, vaes_avx2, vaes_avx512 };

#if KAGI_X86
// The kernels, defined in gcm_x86.hpp (included at the end of this header).
inline constexpr std::uint32_t gcm_aesni_needs = cpu::aesni | cpu::pclmul | cpu::ssse3 | cpu::sse41;
inline constexpr std::uint32_t gcm_vaes_avx2_needs = gcm_aesni_needs | cpu::avx | cpu::avx2 | cpu::vaes | cpu::vpclmul;
inline constexpr std::uint32_t gcm_vaes_avx512_needs =
    gcm_vaes_avx2_needs | cpu::avx512f | cpu::avx512bw | cpu::avx512vl;

#define KAGI_GCM_AESNI_TARGET KAGI_TARGET("aes,pclmul,sse4.1,ssse3")
#define KAGI_GCM_VAES512_TARGET \
  KAGI_TARGET("avx512f,avx512bw,avx512vl,vaes,vpclmulqdq,avx2,avx,aes,pclmul,sse4.1,ssse3")
template <int Rounds>
KAGI_GCM_AESNI_TARGET void gcm_init_aesni(const std::uint8_t* key, std::uint8_t* rk, std::uint64_t* hpow) noexcept;
KAGI_GCM_AESNI_TARGET void gcm_j0_pclmul(const std::uint64_t* hpow, const std::uint8_t* nonce, std::size_t len,
                                         std::uint8_t* j0) noexcept;
template <int Rounds>
KAGI_GCM_AESNI_TARGET void gcm_seal_aesni(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                          const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* in,
                                          std::uint8_t* out, std::size_t len, std::uint8_t* tag) noexcept;
template <int Rounds>
KAGI_GCM_AESNI_TARGET void gcm_tag_aesni(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                         const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* ct,
                                         std::size_t len, std::uint8_t* tag) noexcept;
template <int Rounds>
KAGI_GCM_AESNI_TARGET void gcm_tag_keystream_aesni(const std::uint8_t* rk, const std::uint64_t* hpow,
                                                   gcm_iv iv, const std::uint8_t* aad,
                                                   std::size_t aad_len, const std::uint8_t* ct, std::uint8_t* ks,
                                                   std::size_t len, std::uint8_t* tag) noexcept;
template <int Rounds>
KAGI_GCM_AESNI_TARGET void gcm_ctr_aesni(const std::uint8_t* rk, gcm_iv iv, const std::uint8_t* in,
                                         std::uint8_t* out, std::size_t len) noexcept;
KAGI_GCM_AESNI_TARGET void gcm_xor_sse(std::uint8_t* out, const std::uint8_t* in, std::size_t len) noexcept;
template <int Rounds>
KAGI_GCM_VAES512_TARGET void gcm_seal_vaes512(const std::uint8_t* rk, const std::uint64_t* hpow,
                                              gcm_iv iv, const std::uint8_t* aad, std::size_t aad_len,
                                              const std::uint8_t* in, std::uint8_t* out, std::size_t len,
                                              std::uint8_t* tag) noexcept;
template <int Rounds>
KAGI_GCM_VAES512_TARGET void gcm_tag_vaes512(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                             const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* ct,
                                             std::uint8_t* ks, std::size_t len, std::uint8_t* tag) noexcept;
template <int Rounds>
KAGI_GCM_VAES512_TARGET void gcm_ctr_vaes512(const std::uint8_t* rk, gcm_iv iv, const std::uint8_t* in,
                                             std::uint8_t* out, std::size_t len) noexcept;
KAGI_GCM_VAES512_TARGET void gcm_xor_vaes512(std::uint8_t* out, const std::uint8_t* in, std::size_t len) noexcept;
template <int Rounds>
KAGI_GCM_VAES512_TARGET void gcm_init_vaes512(const std::uint8_t* key, std::uint8_t* rk, std::uint64_t* hpow) noexcept;
template <int Rounds>
KAGI_GCM_VAES512_TARGET bool gcm_open_vaes512(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                              const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* ct,
                                              std::uint8_t* out, std::size_t len, const std::uint8_t* tag,
                                              std::size_t tag_len) noexcept;
#define KAGI_GCM_VAES256_TARGET KAGI_TARGET("vaes,vpclmulqdq,avx2,avx,aes,pclmul,sse4.1,ssse3")
template <int Rounds>
KAGI_GCM_VAES256_TARGET void gcm_seal_vaes256(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                              const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* in,
                                              std::uint8_t* out, std::size_t len, std::uint8_t* tag) noexcept;
template <int Rounds>
KAGI_GCM_VAES256_TARGET void gcm_tag_vaes256(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                             const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* ct,
                                             std::uint8_t* ks, std::size_t len, std::uint8_t* tag) noexcept;
template <int Rounds>
KAGI_GCM_VAES256_TARGET void gcm_ctr_vaes256(const std::uint8_t* rk, gcm_iv iv, const std::uint8_t* in,
                                             std::uint8_t* out, std::size_t len) noexcept;
KAGI_GCM_VAES256_TARGET void gcm_xor_vaes256(std::uint8_t* out, const std::uint8_t* in, std::size_t len) noexcept;
template <int Rounds>
KAGI_GCM_VAES256_TARGET void gcm_init_vaes256(const std::uint8_t* key, std::uint8_t* rk, std::uint64_t* hpow) noexcept;
#undef KAGI_GCM_VAES256_TARGET
#undef KAGI_GCM_AESNI_TARGET
#undef KAGI_GCM_VAES512_TARGET
#endif

// The kernel the dispatcher picks now (callers take the portable path at
// compile time before asking).
[[nodiscard]] inline gcm_path gcm_current_path() noexcept {
#if KAGI_X86
  const std::uint32_t f = cpu::features();
  if ((f & gcm_vaes_avx512_needs) == gcm_vaes_avx512_needs) return gcm_path::vaes_avx512;
  if ((f & gcm_vaes_avx2_needs) == gcm_vaes_avx2_needs) return gcm_path::vaes_avx2;
  if ((f & gcm_aesni_needs) == gcm_aesni_needs) return gcm_path::aesni_pclmul;
#endif
  return gcm_path::portable;
}

[[nodiscard]] constexpr const char* gcm_path_name(gcm_path p) noexcept {
  switch (p) {
    case gcm_path::aesni_pclmul: return "aesni-pclmul";
    case gcm_path::vaes_avx2: return "vaes-avx2";
    case gcm_path::vaes_avx512: return "vaes-avx512";
    case gcm_path::portable: break;
  }
  return "portable";
}

// Expands the key and computes H'^1..H'^16 (the same bytes on every path).
template <std::size_t KeyBits>
constexpr void gcm_set_key(gcm_key<KeyBits>& k, const std::uint8_t* key) noexcept {
  constexpr int rounds = aes_params<KeyBits>::rounds;
  if (!std::is_constant_evaluated()) {
#if KAGI_X86
    switch (gcm_current_path()) {
      case gcm_path::vaes_avx512:
        gcm_init_vaes512<rounds>(key, k.aes.rk.data(), k.hpow.data());
        return;
      case gcm_path::vaes_avx2:
        gcm_init_vaes256<rounds>(key, k.aes.rk.data(), k.hpow.data());
        return;
      case gcm_path::aesni_pclmul:
        gcm_init_aesni<rounds>(key, k.aes.rk.data(), k.hpow.data());
        return;
      default:
        break;
    }
#endif
  }
  k.aes.set(key);
  std::array<std::uint8_t, 16> h{};
  std::array<std::uint64_t, 8 * (rounds + 1)> sk{};
  aes_bs_expand_round_keys(k.aes.rk.data(), rounds, sk.data());
  aes_bs_blocks<false>(rounds, sk.data(), h.data(), h.data(), 1);
  gcm_init_powers_portable(k, h.data());
  secure_wipe(sk);
  secure_wipe(h);
}

// out = CTR(in) from J0 + 1; tag = E(K, J0) ^ GHASH(aad, out, lengths): all 16 bytes.
template <std::size_t KeyBits>
constexpr void gcm_seal(const gcm_key<KeyBits>& k, gcm_iv iv, const std::uint8_t* aad,
                        std::size_t aad_len, const std::uint8_t* in, std::uint8_t* out, std::size_t len,
                        std::uint8_t* tag) noexcept {
  constexpr int rounds = aes_params<KeyBits>::rounds;
  if (!std::is_constant_evaluated()) {
    switch (gcm_current_path()) {
#if KAGI_X86
      case gcm_path::vaes_avx512:
        gcm_seal_vaes512<rounds>(k.aes.rk.data(), k.hpow.data(), iv, aad, aad_len, in, out, len, tag);
        return;
      case gcm_path::vaes_avx2:
        gcm_seal_vaes256<rounds>(k.aes.rk.data(), k.hpow.data(), iv, aad, aad_len, in, out, len, tag);
        return;
      case gcm_path::aesni_pclmul:
        gcm_seal_aesni<rounds>(k.aes.rk.data(), k.hpow.data(), iv, aad, aad_len, in, out, len, tag);
        return;
#endif
      default:
        break;
    }
  }
  gcm_seal_portable<rounds>(k, iv, aad, aad_len, in, out, len, tag);
}

// The full tag a ciphertext should carry. With ks (disjoint from ct), the
// keystream for ct is also written there, in the same pass where a kernel can
// (returns true), so that decryption needs only out = ks ^ ct afterwards;
// false means ks was not touched.
template <std::size_t KeyBits>
constexpr bool gcm_tag(const gcm_key<KeyBits>& k, gcm_iv iv, const std::uint8_t* aad,
                       std::size_t aad_len, const std::uint8_t* ct, std::size_t len, std::uint8_t* tag,
                       std::uint8_t* ks = nullptr) noexcept {
  constexpr int rounds = aes_params<KeyBits>::rounds;
  if (!std::is_constant_evaluated()) {
    switch (gcm_current_path()) {
#if KAGI_X86
      case gcm_path::vaes_avx512:
        gcm_tag_vaes512<rounds>(k.aes.rk.data(), k.hpow.data(), iv, aad, aad_len, ct, ks, len, tag);
        return ks != nullptr;
      case gcm_path::vaes_avx2:
        gcm_tag_vaes256<rounds>(k.aes.rk.data(), k.hpow.data(), iv, aad, aad_len, ct, ks, len, tag);
        return ks != nullptr;
      case gcm_path::aesni_pclmul:
        if (ks != nullptr) {
          gcm_tag_keystream_aesni<rounds>(k.aes.rk.data(), k.hpow.data(), iv, aad, aad_len, ct, ks, len, tag);
          return true;
        }
        gcm_tag_aesni<rounds>(k.aes.rk.data(), k.hpow.data(), iv, aad, aad_len, ct, len, tag);
        return false;
#endif
      default:
        break;
    }
  }
  gcm_tag_portable<rounds>(k, iv, aad, aad_len, ct, len, tag);
  return false;
}

// out = CTR(in) from J0 + 1 (the decryption after a good tag).
template <std::size_t KeyBits>
constexpr void gcm_ctr(const gcm_key<KeyBits>& k, gcm_iv iv, const std::uint8_t* in, std::uint8_t* out,
                       std::size_t len) noexcept {
  constexpr int rounds = aes_params<KeyBits>::rounds;
  if (!std::is_constant_evaluated()) {
    switch (gcm_current_path()) {
#if KAGI_X86
      case gcm_path::vaes_avx512:
        gcm_ctr_vaes512<rounds>(k.aes.rk.data(), iv, in, out, len);
        return;
      case gcm_path::vaes_avx2:
        gcm_ctr_vaes256<rounds>(k.aes.rk.data(), iv, in, out, len);
        return;
      case gcm_path::aesni_pclmul:
        gcm_ctr_aesni<rounds>(k.aes.rk.data(), iv, in, out, len);
        return;
#endif
      default:
        break;
    }
  }
  gcm_ctr_only_portable<rounds>(k, iv, in, out, len);
}

// out ^= in.
constexpr void gcm_xor(std::uint8_t* out, const std::uint8_t* in, std::size_t len) noexcept {
  if (!std::is_constant_evaluated()) {
    switch (gcm_current_path()) {
#if KAGI_X86
      case gcm_path::vaes_avx512:
        gcm_xor_vaes512(out, in, len);
        return;
      case gcm_path::vaes_avx2:
        gcm_xor_vaes256(out, in, len);
        return;
      case gcm_path::aesni_pclmul:
        gcm_xor_sse(out, in, len);
        return;
#endif
      default:
        break;
    }
  }
  for (std::size_t i = 0; i < len; ++i) out[i] ^= in[i];
}

// Decryption: computes the tag of ct, compares its first tag_len bytes with
// tag in constant time, and only then writes the plaintext to out (out == ct
// or disjoint from it). On a mismatch out is zeroed and false returned.
// When out is not ct, the checking pass may leave keystream (never plaintext)
// in out, which is then either turned into plaintext or zeroed.
template <std::size_t KeyBits>
constexpr bool gcm_open(const gcm_key<KeyBits>& k, gcm_iv iv, const std::uint8_t* aad,
                        std::size_t aad_len, const std::uint8_t* ct, std::uint8_t* out, std::size_t len,
                        const std::uint8_t* tag, std::size_t tag_len) noexcept {
  if (!std::is_constant_evaluated()) {
#if KAGI_X86
    if (gcm_current_path() == gcm_path::vaes_avx512)
      return gcm_open_vaes512<aes_params<KeyBits>::rounds>(k.aes.rk.data(), k.hpow.data(), iv, aad, aad_len, ct, out,
                                                           len, tag, tag_len);
#endif
  }
  std::array<std::uint8_t, 16> expected{};
  const bool have_keystream = gcm_tag(k, iv, aad, aad_len, ct, len, expected.data(), out != ct ? out : nullptr);
  const bool ok = ct_equal(bytes_view(expected).first(tag_len), bytes_view(tag, tag_len));
  secure_wipe(expected);
  if (!ok) {
    for (std::size_t i = 0; i < len; ++i) out[i] = 0;
    return false;
  }
  if (have_keystream) {
    gcm_xor(out, ct, len);
  } else {
    gcm_ctr(k, iv, ct, out, len);
  }
  return true;
}

// J0 = nonce || 0^31 || 1 for 96-bit nonces, else GHASH(nonce || 0-pad || [0]_64 || [len(nonce)]_64).
template <std::size_t KeyBits>
constexpr void gcm_j0(const gcm_key<KeyBits>& k, const std::uint8_t* nonce, std::size_t len,
                      std::uint8_t* j0) noexcept {
  if (len == 12) {
    for (std::size_t i = 0; i < 12; ++i) j0[i] = nonce[i];
    j0[12] = j0[13] = j0[14] = 0;
    j0[15] = 1;
    return;
  }
  if (!std::is_constant_evaluated()) {
#if KAGI_X86
    if (gcm_current_path() != gcm_path::portable) {
      gcm_j0_pclmul(k.hpow.data(), nonce, len, j0);
      return;
    }
#endif
  }
  const gf128 h1 = k.power(1);
  gf128 y{};
  gcm_ghash_portable(h1, y, nonce, len);
  gcm_ghash_lengths(h1, y, 0, len);
  gf128_store(j0, y);
}

// ---- argument checking for the public entry points

// A contiguous range of bytes (std::array, std::vector, std::span, C array).
template <class R>
concept byte_input = std::is_convertible_v<const std::remove_reference_t<R>&, bytes_view>;
template <class R>
concept byte_output = std::is_convertible_v<std::remove_reference_t<R>&, mutable_bytes>;

// The static extent of a range as std::span sees it (dynamic_extent if none).
template <class R>
inline constexpr std::size_t static_extent_v = [] {
  if constexpr (requires { std::span(std::declval<std::remove_reference_t<R>&>()); }) {
    return decltype(std::span(std::declval<std::remove_reference_t<R>&>()))::extent;
  } else {
    return std::dynamic_extent;
  }
}();

[[nodiscard]] constexpr bool gcm_valid_tag_size(std::size_t n) noexcept { return n == 4 || n == 8 || (n >= 12 && n <= 16); }

}  // namespace detail

// AES-GCM (SP 800-38D) with a 128-, 192- or 256-bit key. The key is expanded
// once (AES round keys and the GHASH key powers); encrypt and decrypt are
// one-shot and may run concurrently on one object. Wiped when destroyed.
//
// Nonces: 12 bytes (96 bits) is the recommended size and the fast case; any
// other non-empty length is hashed into the initial counter (SP 800-38D 7.1).
// A nonce must never repeat under one key.
//
// Tags: encrypt writes tag_out.size() bytes, decrypt checks tag.size() bytes;
// 16 is the full tag, and SP 800-38D allows truncation to 15, 14, 13, 12, 8 or 4
// bytes (8 and 4 only for short messages under a bounded number of
// decryptions; see its appendix C).
//
// Buffers: output and input may be the very same bytes (in place) or disjoint;
// any other overlap is refused. Sizes with a static extent are checked at
// compile time. Errors: errc::bad_length (empty nonce, unsupported tag size,
// output not as long as the input), errc::message_too_long (over the SP 800-38D
// limits: plaintext 2^36 - 32 bytes, AAD and nonce 2^61 - 1 bytes),
// errc::overlapping_buffers; an argument error writes nothing. decrypt returns
// errc::authentication_failed for a bad tag, after zeroing the output.
template <std::size_t KeyBits>
class aes_gcm {
  using params = detail::aes_params<KeyBits>;

 public:
  static constexpr std::size_t key_size = params::key_size;
  static constexpr std::size_t nonce_size = 12;  // the recommended nonce length
  static constexpr std::size_t tag_size = 16;
  static constexpr std::uint64_t max_plaintext_size = (std::uint64_t{1} << 36) - 32;
  static constexpr std::uint64_t max_aad_size = (std::uint64_t{1} << 61) - 1;
  static constexpr std::uint64_t max_nonce_size = (std::uint64_t{1} << 61) - 1;
  [[nodiscard]] static constexpr bool valid_tag_size(std::size_t n) noexcept { return detail::gcm_valid_tag_size(n); }

  constexpr explicit aes_gcm(std::span<const std::uint8_t, key_size> key) noexcept { detail::gcm_set_key(k_, key.data()); }

  // The same for a key whose length is known only at run time (no
  // std::span<const std::uint8_t, N>(p, n) needed, which is undefined
  // behaviour when n != N): errc::bad_length unless key.size() == key_size.
  [[nodiscard]] static constexpr result<aes_gcm> from_key(bytes_view key) noexcept {
    if (key.size() != key_size) return errc::bad_length;
    return aes_gcm(key.first<key_size>());
  }

  // ciphertext_out = AES-CTR(plaintext); tag_out = the (possibly truncated) tag
  // over aad and the ciphertext.
  template <class Nonce = std::span<const std::uint8_t, 0>, class Aad = bytes_view, class In = bytes_view,
            class Out = mutable_bytes, class Tag = std::span<std::uint8_t, 0>>
    requires detail::byte_input<Nonce> && detail::byte_input<Aad> && detail::byte_input<In> &&
             detail::byte_output<Out> && detail::byte_output<Tag>
  [[nodiscard]] constexpr status encrypt(const Nonce& nonce, const Aad& aad, const In& plaintext, Out&& ciphertext_out,
                                         Tag&& tag_out) const noexcept {
    static_check<Nonce, In, Out, Tag>();
    return encrypt_checked(bytes_view(nonce), bytes_view(aad), bytes_view(plaintext), mutable_bytes(ciphertext_out),
                           mutable_bytes(tag_out));
  }

  // Checks the tag over aad and ciphertext in constant time, and only then
  // writes plaintext_out. On a bad tag, plaintext_out is zeroed and
  // errc::authentication_failed returned.
  template <class Nonce = std::span<const std::uint8_t, 0>, class Aad = bytes_view, class In = bytes_view,
            class Tag = std::span<const std::uint8_t, 0>, class Out = mutable_bytes>
    requires detail::byte_input<Nonce> && detail::byte_input<Aad> && detail::byte_input<In> &&
             detail::byte_input<Tag> && detail::byte_output<Out>
  [[nodiscard]] constexpr status decrypt(const Nonce& nonce, const Aad& aad, const In& ciphertext, const Tag& tag,
                                         Out&& plaintext_out) const noexcept {
    static_check<Nonce, In, Out, Tag>();
    return decrypt_checked(bytes_view(nonce), bytes_view(aad), bytes_view(ciphertext), bytes_view(tag),
                           mutable_bytes(plaintext_out));
  }

  // The path encrypt and decrypt take at run time now: "vaes-avx512",
  // "vaes-avx2", "aesni-pclmul" or "portable".
  [[nodiscard]] static const char* implementation() noexcept {
    return detail::gcm_path_name(detail::gcm_current_path());
  }

  // The expanded key (for tests comparing the key set-up of every path).
  [[nodiscard]] constexpr const detail::gcm_key<KeyBits>& key_state() const noexcept { return k_; }

 private:
  template <class Nonce, class In, class Out, class Tag>
  static constexpr void static_check() noexcept {
    constexpr std::size_t n = detail::static_extent_v<Nonce>, t = detail::static_extent_v<Tag>;
    constexpr std::size_t i = detail::static_extent_v<In>, o = detail::static_extent_v<Out>;
    static_assert(n == std::dynamic_extent || n > 0, "AES-GCM: the nonce must not be empty");
    static_assert(t == std::dynamic_extent || detail::gcm_valid_tag_size(t),
                  "AES-GCM: a tag has 16 bytes, or 15, 14, 13, 12, 8 or 4 when truncated");
    static_assert(i == std::dynamic_extent || o == std::dynamic_extent || i == o,
                  "AES-GCM: the output must be exactly as long as the input");
  }

  [[nodiscard]] static constexpr status check(bytes_view nonce, bytes_view aad, bytes_view in, mutable_bytes out,
                                              std::size_t tag_len) noexcept {
    if (nonce.empty() || !detail::gcm_valid_tag_size(tag_len) || in.size() != out.size()) return errc::bad_length;
    if (std::uint64_t{in.size()} > max_plaintext_size || std::uint64_t{aad.size()} > max_aad_size ||
        std::uint64_t{nonce.size()} > max_nonce_size)
      return errc::message_too_long;
    if (!detail::same_or_disjoint(in.data(), in.size(), out.data(), out.size()) ||
        !detail::disjoint(out.data(), out.size(), nonce.data(), nonce.size()) ||
        !detail::disjoint(out.data(), out.size(), aad.data(), aad.size()))
      return errc::overlapping_buffers;
    return {};
  }

  [[nodiscard]] constexpr status encrypt_checked(bytes_view nonce, bytes_view aad, bytes_view in, mutable_bytes out,
                                                 mutable_bytes tag_out) const noexcept {
    if (auto s = check(nonce, aad, in, out, tag_out.size()); !s) return s;
    for (bytes_view other : {nonce, aad, in, bytes_view(out)})
      if (!detail::disjoint(tag_out.data(), tag_out.size(), other.data(), other.size())) return errc::overlapping_buffers;
    std::array<std::uint8_t, 16> j0{}, tag{};
    const detail::gcm_iv iv = start(nonce, j0);
    if (tag_out.size() == 16) {  // straight into the caller's buffer
      detail::gcm_seal(k_, iv, aad.data(), aad.size(), in.data(), out.data(), in.size(), tag_out.data());
      return {};
    }
    detail::gcm_seal(k_, iv, aad.data(), aad.size(), in.data(), out.data(), in.size(), tag.data());
    for (std::size_t i = 0; i < tag_out.size(); ++i) tag_out[i] = tag[i];
    return {};
  }

  [[nodiscard]] constexpr status decrypt_checked(bytes_view nonce, bytes_view aad, bytes_view in, bytes_view tag,
                                                 mutable_bytes out) const noexcept {
    if (auto s = check(nonce, aad, in, out, tag.size()); !s) return s;
    if (!detail::disjoint(out.data(), out.size(), tag.data(), tag.size())) return errc::overlapping_buffers;
    std::array<std::uint8_t, 16> j0{};
    const detail::gcm_iv iv = start(nonce, j0);
    if (!detail::gcm_open(k_, iv, aad.data(), aad.size(), in.data(), out.data(), in.size(), tag.data(),
                          tag.size()))
      return errc::authentication_failed;
    return {};
  }

  // A 12-byte nonce goes to the kernels as it is; others are hashed into J0 first.
  constexpr detail::gcm_iv start(bytes_view nonce, std::array<std::uint8_t, 16>& j0) const noexcept {
    if (nonce.size() == 12) return {nonce.data(), true};
    detail::gcm_j0(k_, nonce.data(), nonce.size(), j0.data());
    return {j0.data(), false};
  }

  detail::gcm_key<KeyBits> k_;
};

using aes128_gcm = aes_gcm<128>;
using aes192_gcm = aes_gcm<192>;
using aes256_gcm = aes_gcm<256>;

}  // namespace kagi

#include "x86/gcm_x86.hpp"

#endif  // KAGI_CIPHER_GCM_HPP
