// kagi/cipher/ghash.hpp: GHASH, the universal hash of AES-GCM (NIST SP 800-38D
// section 6.4), on the portable path.
//
// GHASH works on 128-bit blocks read as big-endian integers ("byte
// reflected": bit 127 is the coefficient of x^0), which is how the
// carry-less-multiply kernels see them too. In that form a product is
// reduced with two folds by the constant 0xc2 << 56, provided one factor is
// premultiplied by x^-1 ("twisted"): H' = H * x^-1 mod P. gcm.hpp's key state
// holds the twisted powers H'^16 .. H'^1, in the layout the x86 kernels load.
//
// The portable GHASH multiplies with integer multiplications "with holes":
// operands are split into five interleaved bit combs, so the carries of each
// partial product land in bits that are masked away. No table is indexed by
// secret data, and the whole path is constexpr. The x86 GHASH runs inside the
// AES-GCM kernels (x86/gcm_aesni.hpp, x86/gcm_vaes.hpp), stitched with AES.
#ifndef KAGI_CIPHER_GHASH_HPP
#define KAGI_CIPHER_GHASH_HPP

#include <cstddef>
#include <cstdint>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"

namespace kagi::detail {

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


// ---- GHASH

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

// The GHASH of the length block [len(A)]_64 || [len(C)]_64 (bit lengths).
constexpr void gcm_ghash_lengths(gf128 h1, gf128& y, std::uint64_t aad_len, std::uint64_t len) noexcept {
  y = gf128_mul({y.hi ^ (aad_len << 3), y.lo ^ (len << 3)}, h1);
}

}  // namespace kagi::detail

#endif  // KAGI_CIPHER_GHASH_HPP
