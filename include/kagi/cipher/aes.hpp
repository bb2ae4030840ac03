// kagi/cipher/aes.hpp: AES-128/192/256 (FIPS 197), block encryption and decryption.
//
// The portable path below is the specification: constexpr, constant time and
// bitsliced. Four blocks are held as eight 64-bit words q[0..7], word k holding
// bit k of all 64 bytes, so SubBytes is a boolean circuit (Boyar and Peralta's
// 113-gate S-box) run on 64 bytes at once, and no table is ever indexed by
// secret data. Inside a word the bit of (block n, column c, row r) sits at
// 16*r + 4*c + n: ShiftRows rotates 16-bit row fields, MixColumns rotates the
// whole word by whole rows.
//
// At run time the kernel that detail::aes_table picks takes over: AES-NI
// (x86/aes_ni.hpp) when the CPU has it, else the portable code. GCM (gcm.hpp)
// uses the same key schedule and the same bitsliced core.
#ifndef KAGI_CIPHER_AES_HPP
#define KAGI_CIPHER_AES_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/cpu.hpp"
#include "../core/ct.hpp"
#include "../core/dispatch.hpp"
#include "../core/result.hpp"

namespace kagi {

namespace detail {

// ---- the bitsliced core: q[0..7] hold four blocks

// SubBytes on all 64 bytes: the S-box circuit of J. Boyar and R. Peralta,
// "A depth-16 circuit for the AES S-box" (2011): 32 AND, 77 XOR, 4 XNOR.
// U0 is the most significant bit of a byte (q[7]), S0 likewise.
constexpr void aes_bs_sbox(std::uint64_t* q) noexcept {
  using u64 = std::uint64_t;
  const u64 U0 = q[7], U1 = q[6], U2 = q[5], U3 = q[4], U4 = q[3], U5 = q[2], U6 = q[1], U7 = q[0];
  // Top linear transform.
  const u64 T1 = U0 ^ U3, T2 = U0 ^ U5, T3 = U0 ^ U6, T4 = U3 ^ U5, T5 = U4 ^ U6;
  const u64 T6 = T1 ^ T5, T7 = U1 ^ U2, T8 = U7 ^ T6, T9 = U7 ^ T7, T10 = T6 ^ T7;
  const u64 T11 = U1 ^ U5, T12 = U2 ^ U5, T13 = T3 ^ T4, T14 = T6 ^ T11, T15 = T5 ^ T11;
  const u64 T16 = T5 ^ T12, T17 = T9 ^ T16, T18 = U3 ^ U7, T19 = T7 ^ T18, T20 = T1 ^ T19;
  const u64 T21 = U6 ^ U7, T22 = T7 ^ T21, T23 = T2 ^ T22, T24 = T2 ^ T10, T25 = T20 ^ T17;
  const u64 T26 = T3 ^ T16, T27 = T1 ^ T12;
  const u64 D = U7;
  // Shared non-linear middle: inversion in GF(2^8) through GF(2^4).
  const u64 M1 = T13 & T6, M2 = T23 & T8, M3 = T14 ^ M1, M4 = T19 & D, M5 = M4 ^ M1;
  const u64 M6 = T3 & T16, M7 = T22 & T9, M8 = T26 ^ M6, M9 = T20 & T17, M10 = M9 ^ M6;
  const u64 M11 = T1 & T15, M12 = T4 & T27, M13 = M12 ^ M11, M14 = T2 & T10, M15 = M14 ^ M11;
  const u64 M16 = M3 ^ M2, M17 = M5 ^ T24, M18 = M8 ^ M7, M19 = M10 ^ M15, M20 = M16 ^ M13;
  const u64 M21 = M17 ^ M15, M22 = M18 ^ M13, M23 = M19 ^ T25, M24 = M22 ^ M23, M25 = M22 & M20;
  const u64 M26 = M21 ^ M25, M27 = M20 ^ M21, M28 = M23 ^ M25, M29 = M28 & M27, M30 = M26 & M24;
  const u64 M31 = M20 & M23, M32 = M27 & M31, M33 = M27 ^ M25, M34 = M21 & M22, M35 = M24 & M34;
  const u64 M36 = M24 ^ M25, M37 = M21 ^ M29, M38 = M32 ^ M33, M39 = M23 ^ M30, M40 = M35 ^ M36;
  const u64 M41 = M38 ^ M40, M42 = M37 ^ M39, M43 = M37 ^ M38, M44 = M39 ^ M40, M45 = M42 ^ M41;
  const u64 M46 = M44 & T6, M47 = M40 & T8, M48 = M39 & D, M49 = M43 & T16, M50 = M38 & T9;
  const u64 M51 = M37 & T17, M52 = M42 & T15, M53 = M45 & T27, M54 = M41 & T10, M55 = M44 & T13;
  const u64 M56 = M40 & T23, M57 = M39 & T19, M58 = M43 & T3, M59 = M38 & T22, M60 = M37 & T20;
  const u64 M61 = M42 & T1, M62 = M45 & T4, M63 = M41 & T2;
  // Bottom linear transform (with the affine constant 0x63 as the four XNORs).
  const u64 L0 = M61 ^ M62, L1 = M50 ^ M56, L2 = M46 ^ M48, L3 = M47 ^ M55, L4 = M54 ^ M58;
  const u64 L5 = M49 ^ M61, L6 = M62 ^ L5, L7 = M46 ^ L3, L8 = M51 ^ M59, L9 = M52 ^ M53;
  const u64 L10 = M53 ^ L4, L11 = M60 ^ L2, L12 = M48 ^ M51, L13 = M50 ^ L0, L14 = M52 ^ M61;
  const u64 L15 = M55 ^ L1, L16 = M56 ^ L0, L17 = M57 ^ L1, L18 = M58 ^ L8, L19 = M63 ^ L4;
  const u64 L20 = L0 ^ L1, L21 = L1 ^ L7, L22 = L3 ^ L12, L23 = L18 ^ L2, L24 = L15 ^ L9;
  const u64 L25 = L6 ^ L10, L26 = L7 ^ L9, L27 = L8 ^ L10, L28 = L11 ^ L14, L29 = L11 ^ L17;
  q[7] = L6 ^ L24;
  q[6] = ~(L16 ^ L26);
  q[5] = ~(L19 ^ L28);
  q[4] = L6 ^ L21;
  q[3] = L20 ^ L22;
  q[2] = L25 ^ L29;
  q[1] = ~(L13 ^ L27);
  q[0] = ~(L6 ^ L23);
}

// The inverse affine map of SubBytes, A^-1(x ^ 0x63), on bit planes.
constexpr void aes_bs_inv_affine(std::uint64_t* q) noexcept {
  // b_i = x_{i+2} ^ x_{i+5} ^ x_{i+7} ^ c_i with c = 0x05 (indices mod 8).
  std::uint64_t x[8];
  #pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) x[i] = q[i];
  #pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) q[i] = x[(i + 2) & 7] ^ x[(i + 5) & 7] ^ x[(i + 7) & 7];
  q[0] = ~q[0];
  q[2] = ~q[2];
}

// InvSubBytes(y) = inv(A^-1(y ^ 0x63)) = A^-1(S(A^-1(y ^ 0x63)) ^ 0x63).
constexpr void aes_bs_inv_sbox(std::uint64_t* q) noexcept {
  aes_bs_inv_affine(q);
  aes_bs_sbox(q);
  aes_bs_inv_affine(q);
}

// Swaps bits of a and b: the bits of a outside mask with the bits of b inside
// it, shifted by s (one stage of an 8x8 bit-matrix transpose).
constexpr void aes_bs_swap(std::uint64_t& a, std::uint64_t& b, std::uint64_t mask, int s) noexcept {
  const std::uint64_t x = a, y = b;
  a = (x & mask) | ((y & mask) << s);
  b = ((x >> s) & mask) | (y & ~mask);
}

// Transposes bit k of byte m of word j into bit j of byte m of word k (its own
// inverse): eight words of bytes become eight bit planes.
constexpr void aes_bs_ortho(std::uint64_t* q) noexcept {
  #pragma GCC unroll 8
  for (int j = 0; j < 8; j += 2) aes_bs_swap(q[j], q[j + 1], 0x5555555555555555ull, 1);
  #pragma GCC unroll 8
  for (int j : {0, 1, 4, 5}) aes_bs_swap(q[j], q[j + 2], 0x3333333333333333ull, 2);
  #pragma GCC unroll 8
  for (int j = 0; j < 4; ++j) aes_bs_swap(q[j], q[j + 4], 0x0f0f0f0f0f0f0f0full, 4);
}

// Four bytes (low 32 bits) to the even byte lanes, and back.
[[nodiscard]] constexpr std::uint64_t aes_bs_spread(std::uint64_t x) noexcept {
  x &= 0xffffffffull;
  x = (x | (x << 16)) & 0x0000ffff0000ffffull;
  return (x | (x << 8)) & 0x00ff00ff00ff00ffull;
}
[[nodiscard]] constexpr std::uint64_t aes_bs_gather(std::uint64_t x) noexcept {
  x &= 0x00ff00ff00ff00ffull;
  x = (x | (x >> 8)) & 0x0000ffff0000ffffull;
  return (x | (x >> 16)) & 0xffffffffull;
}

// Block n (bytes b[0..15], b[4c + r] = state[r][c]) into the byte words that
// aes_bs_ortho turns into bit planes: word 4*(c & 1) + n, byte lane 2*r + (c >> 1).
constexpr void aes_bs_load(std::uint64_t* w, int n, const std::uint8_t* b) noexcept {
  const std::uint64_t l0 = load_le64(b), l1 = load_le64(b + 8);
  w[n] = aes_bs_spread(l0) | (aes_bs_spread(l1) << 8);
  w[4 + n] = aes_bs_spread(l0 >> 32) | (aes_bs_spread(l1 >> 32) << 8);
}
constexpr void aes_bs_store(const std::uint64_t* w, int n, std::uint8_t* b) noexcept {
  store_le64(b, aes_bs_gather(w[n]) | (aes_bs_gather(w[4 + n]) << 32));
  store_le64(b + 8, aes_bs_gather(w[n] >> 8) | (aes_bs_gather(w[4 + n] >> 8) << 32));
}

// Row r of the state moves r columns to the left: rotate row field r right by 4r bits.
[[nodiscard]] constexpr std::uint64_t aes_bs_shift_rows1(std::uint64_t x) noexcept {
  return (x & 0x000000000000ffffull) | ((x >> 4) & 0x000000000fff0000ull) | ((x << 12) & 0x00000000f0000000ull) |
         ((x >> 8) & 0x000000ff00000000ull) | ((x << 8) & 0x0000ff0000000000ull) |
         ((x >> 12) & 0x000f000000000000ull) | ((x << 4) & 0xfff0000000000000ull);
}
[[nodiscard]] constexpr std::uint64_t aes_bs_inv_shift_rows1(std::uint64_t x) noexcept {
  return (x & 0x000000000000ffffull) | ((x << 4) & 0x00000000fff00000ull) | ((x >> 12) & 0x00000000000f0000ull) |
         ((x >> 8) & 0x000000ff00000000ull) | ((x << 8) & 0x0000ff0000000000ull) |
         ((x << 12) & 0xf000000000000000ull) | ((x >> 4) & 0x0fff000000000000ull);
}

[[nodiscard]] constexpr std::uint64_t aes_bs_rotr(std::uint64_t x, int n) noexcept {
  return (x >> n) | (x << (64 - n));
}

// MixColumns: out_r = 2*(a_r ^ a_r+1) ^ a_r+1 ^ a_r+2 ^ a_r+3. Rotating a word
// right by 16 bits brings row r+1 to row r.
constexpr void aes_bs_mix_columns(std::uint64_t* q) noexcept {
  std::uint64_t s[8], d[8];
  #pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) {
    s[k] = aes_bs_rotr(q[k], 16);
    d[k] = q[k] ^ s[k];
  }
  // 2*d on bit planes: shift planes up one, fold plane 7 into 0, 1, 3, 4 (0x1b).
  q[0] = d[7] ^ s[0] ^ aes_bs_rotr(d[0], 32);
  q[1] = d[0] ^ d[7] ^ s[1] ^ aes_bs_rotr(d[1], 32);
  q[2] = d[1] ^ s[2] ^ aes_bs_rotr(d[2], 32);
  q[3] = d[2] ^ d[7] ^ s[3] ^ aes_bs_rotr(d[3], 32);
  q[4] = d[3] ^ d[7] ^ s[4] ^ aes_bs_rotr(d[4], 32);
  q[5] = d[4] ^ s[5] ^ aes_bs_rotr(d[5], 32);
  q[6] = d[5] ^ s[6] ^ aes_bs_rotr(d[6], 32);
  q[7] = d[6] ^ s[7] ^ aes_bs_rotr(d[7], 32);
}

// InvMixColumns = MixColumns after a_r ^= 4*(a_r ^ a_r+2) (the matrix
// circ(14, 11, 13, 9) is circ(2, 3, 1, 1) times circ(5, 0, 4, 0)).
constexpr void aes_bs_inv_mix_columns(std::uint64_t* q) noexcept {
  std::uint64_t t[8];
  #pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) t[k] = q[k] ^ aes_bs_rotr(q[k], 32);
  // 4*t: planes up two, folding planes 6 and 7 through 0x1b.
  const std::uint64_t f[8] = {t[6], t[6] ^ t[7], t[0] ^ t[7], t[1] ^ t[6], t[2] ^ t[6] ^ t[7], t[3] ^ t[7], t[4], t[5]};
  #pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) q[k] ^= f[k];
  aes_bs_mix_columns(q);
}

constexpr void aes_bs_add_round_key(std::uint64_t* q, const std::uint64_t* sk) noexcept {
  #pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) q[k] ^= sk[k];
}

// Round keys (16 bytes each, FIPS 197 order) to bit planes, each key repeated
// for the four blocks: sk[8*i + k] is plane k of round key i.
constexpr void aes_bs_expand_round_keys(const std::uint8_t* rk, int rounds, std::uint64_t* sk) noexcept {
  for (int i = 0; i <= rounds; ++i) {
    std::uint64_t w[8] = {};
    aes_bs_load(w, 0, rk + 16 * i);
    aes_bs_ortho(w);
    #pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
      std::uint64_t x = w[k];  // bits at positions with block n = 0: copy them to n = 1, 2, 3
      x |= x << 1;
      x |= x << 2;
      sk[8 * i + k] = x;
    }
  }
}

// Encrypts the four blocks held in q (bit planes).
constexpr void aes_bs_encrypt(int rounds, const std::uint64_t* sk, std::uint64_t* q) noexcept {
  aes_bs_add_round_key(q, sk);
  for (int r = 1; r < rounds; ++r) {
    aes_bs_sbox(q);
    #pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) q[k] = aes_bs_shift_rows1(q[k]);
    aes_bs_mix_columns(q);
    aes_bs_add_round_key(q, sk + 8 * r);
  }
  aes_bs_sbox(q);
  #pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) q[k] = aes_bs_shift_rows1(q[k]);
  aes_bs_add_round_key(q, sk + 8 * rounds);
}

// The inverse cipher (FIPS 197 section 5.3) on the four blocks in q.
constexpr void aes_bs_decrypt(int rounds, const std::uint64_t* sk, std::uint64_t* q) noexcept {
  aes_bs_add_round_key(q, sk + 8 * rounds);
  for (int r = rounds - 1; r > 0; --r) {
    #pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) q[k] = aes_bs_inv_shift_rows1(q[k]);
    aes_bs_inv_sbox(q);
    aes_bs_add_round_key(q, sk + 8 * r);
    aes_bs_inv_mix_columns(q);
  }
  #pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) q[k] = aes_bs_inv_shift_rows1(q[k]);
  aes_bs_inv_sbox(q);
  aes_bs_add_round_key(q, sk);
}

// Up to four blocks from in to out (count in 1..4; in == out allowed).
template <bool Decrypt>
constexpr void aes_bs_blocks(int rounds, const std::uint64_t* sk, const std::uint8_t* in, std::uint8_t* out,
                             std::size_t count) noexcept {
  std::uint64_t q[8] = {};
  for (std::size_t n = 0; n < count; ++n) aes_bs_load(q, static_cast<int>(n), in + 16 * n);
  aes_bs_ortho(q);
  if constexpr (Decrypt) {
    aes_bs_decrypt(rounds, sk, q);
  } else {
    aes_bs_encrypt(rounds, sk, q);
  }
  aes_bs_ortho(q);
  for (std::size_t n = 0; n < count; ++n) aes_bs_store(q, static_cast<int>(n), out + 16 * n);
  secure_wipe(std::span(q));
}

// SubBytes on each byte of a 32-bit word (for the key schedule), in constant time.
[[nodiscard]] constexpr std::uint32_t aes_sub_word(std::uint32_t x) noexcept {
  std::uint64_t q[8] = {x, 0, 0, 0, 0, 0, 0, 0};
  aes_bs_ortho(q);
  aes_bs_sbox(q);
  aes_bs_ortho(q);
  const auto r = static_cast<std::uint32_t>(q[0]);
  secure_wipe(std::span(q));
  return r;
}

// ---- key schedule (FIPS 197 section 5.2)

template <std::size_t KeyBits>
struct aes_params {
  static_assert(KeyBits == 128 || KeyBits == 192 || KeyBits == 256, "AES keys are 128, 192 or 256 bits");
  static constexpr std::size_t key_size = KeyBits / 8;
  static constexpr int nk = static_cast<int>(KeyBits / 32);
  static constexpr int rounds = nk + 6;
  static constexpr std::size_t schedule_size = 16 * static_cast<std::size_t>(rounds + 1);
};

// Expands the key (Rounds - 6 32-bit words) into Rounds + 1 round keys of 16 bytes.
template <int Rounds>
constexpr void aes_expand_key_portable(const std::uint8_t* key, std::uint8_t* rk) noexcept {
  constexpr int nk = Rounds - 6;
  constexpr int words = 4 * (Rounds + 1);
  for (int i = 0; i < 4 * nk; ++i) rk[i] = key[i];
  std::uint32_t rcon = 1;
  for (int i = nk; i < words; ++i) {
    // Words are kept little-endian here: byte 0 of the word is its low byte.
    std::uint32_t t = load_le32(rk + 4 * (i - 1));
    if (i % nk == 0) {
      t = aes_sub_word((t >> 8) | (t << 24)) ^ rcon;  // SubWord(RotWord(t)) ^ Rcon
      rcon = (rcon << 1) ^ (0x11bu & (0u - (rcon >> 7)));
    } else if (nk > 6 && i % nk == 4) {
      t = aes_sub_word(t);
    }
    store_le32(rk + 4 * i, load_le32(rk + 4 * (i - nk)) ^ t);
  }
}

// Whole blocks (ECB), four at a time through the bitsliced core (in == out allowed).
template <int Rounds, bool Decrypt>
constexpr void aes_ecb_portable(const std::uint8_t* rk, const std::uint8_t* in, std::uint8_t* out,
                                std::size_t blocks) noexcept {
  std::array<std::uint64_t, 8 * (Rounds + 1)> sk{};
  aes_bs_expand_round_keys(rk, Rounds, sk.data());
  for (std::size_t i = 0; i < blocks; i += 4) {
    const std::size_t n = blocks - i < 4 ? blocks - i : 4;
    aes_bs_blocks<Decrypt>(Rounds, sk.data(), in + 16 * i, out + 16 * i, n);
  }
  secure_wipe(sk);
}

}  // namespace detail
}  // namespace kagi

#include "x86/aes_ni.hpp"

namespace kagi {
namespace detail {

// The ways AES runs, fastest first; one table per key size (Rounds).
template <int Rounds>
struct aes_kernel {
  void (*expand_key)(const std::uint8_t* key, std::uint8_t* rk) noexcept;
  void (*encrypt)(const std::uint8_t* rk, const std::uint8_t* in, std::uint8_t* out, std::size_t blocks) noexcept;
  void (*decrypt)(const std::uint8_t* rk, const std::uint8_t* in, std::uint8_t* out, std::size_t blocks) noexcept;
};

template <int Rounds>
inline constexpr auto aes_table = dispatch::make_table<aes_kernel<Rounds>>("aes", {
#if KAGI_X86
    {"aes-ni", aesni_needs, "cipher/x86/aes_ni.hpp",
     {&aes_expand_key_ni<Rounds>, &aes_ecb_encrypt_aesni<Rounds>, &aes_ecb_decrypt_aesni<Rounds>}},
#endif
    {"portable", 0, {}, {&aes_expand_key_portable<Rounds>, &aes_ecb_portable<Rounds, false>, &aes_ecb_portable<Rounds, true>}},
});
static_assert(aes_table<10>.well_formed() && aes_table<12>.well_formed() && aes_table<14>.well_formed());

// The key expansion on the fastest path (the portable one at compile time).
template <int Rounds>
constexpr void aes_expand_key(const std::uint8_t* key, std::uint8_t* rk) noexcept {
  if (std::is_constant_evaluated()) {
    aes_expand_key_portable<Rounds>(key, rk);
    return;
  }
  aes_table<Rounds>.kernel().expand_key(key, rk);
}

// The expanded key: rounds + 1 round keys of 16 bytes in FIPS 197 order,
// aligned for the vector kernels. Wiped on destruction.
template <std::size_t KeyBits>
struct aes_key_schedule {
  using params = aes_params<KeyBits>;
  alignas(64) std::array<std::uint8_t, params::schedule_size> rk{};

  constexpr aes_key_schedule() noexcept = default;
  constexpr explicit aes_key_schedule(std::span<const std::uint8_t, params::key_size> key) noexcept { set(key.data()); }
  constexpr aes_key_schedule(const aes_key_schedule&) noexcept = default;
  constexpr aes_key_schedule& operator=(const aes_key_schedule&) noexcept = default;
  constexpr ~aes_key_schedule() { secure_wipe(rk); }

  constexpr void set(const std::uint8_t* key) noexcept { aes_expand_key<params::rounds>(key, rk.data()); }
};

// Whether p points at one of base[0..n) (n > 0). In a constant expression
// pointers into different objects cannot be ordered, but they can be compared
// for equality (neither points past an end here), so this is how overlap is
// found at compile time: two non-empty ranges overlap exactly when one starts
// inside the other. Partly overlapping sub-spans of one array are refused
// there as at run time.
[[nodiscard]] constexpr bool starts_inside(const std::uint8_t* p, const std::uint8_t* base, std::size_t n) noexcept {
  for (std::size_t k = 0; k < n; ++k)
    if (base + k == p) return true;
  return false;
}

// Input and output either the same bytes (same start and length) or disjoint.
[[nodiscard]] constexpr bool same_or_disjoint(const std::uint8_t* a, std::size_t an, const std::uint8_t* b,
                                              std::size_t bn) noexcept {
  if (an == 0 || bn == 0) return true;
  if (std::is_constant_evaluated()) {
    if (a == b) return an == bn;
    return !starts_inside(b, a, an) && !starts_inside(a, b, bn);
  }
  const auto x = reinterpret_cast<std::uintptr_t>(a), y = reinterpret_cast<std::uintptr_t>(b);
  if (x == y && an == bn) return true;
  return x + an <= y || y + bn <= x;
}
[[nodiscard]] constexpr bool disjoint(const std::uint8_t* a, std::size_t an, const std::uint8_t* b,
                                      std::size_t bn) noexcept {
  if (an == 0 || bn == 0) return true;
  if (std::is_constant_evaluated()) return !starts_inside(b, a, an) && !starts_inside(a, b, bn);
  const auto x = reinterpret_cast<std::uintptr_t>(a), y = reinterpret_cast<std::uintptr_t>(b);
  return x + an <= y || y + bn <= x;
}

}  // namespace detail

// AES with a 128-, 192- or 256-bit key: the raw block cipher (ECB on whole
// blocks). For messages use an AEAD mode (aes_gcm in cipher/gcm.hpp).
template <std::size_t KeyBits>
class aes {
  using params = detail::aes_params<KeyBits>;

 public:
  static constexpr std::size_t key_size = params::key_size;
  static constexpr std::size_t block_size = 16;
  static constexpr int rounds = params::rounds;

  constexpr explicit aes(std::span<const std::uint8_t, key_size> key) noexcept : ks_(key) {}

  // The same for a key whose length is known only at run time:
  // errc::bad_length unless key.size() == key_size.
  [[nodiscard]] static constexpr result<aes> from_key(bytes_view key) noexcept {
    if (key.size() != key_size) return errc::bad_length;
    return aes(key.first<key_size>());
  }

  // One block; in and out may be the same array.
  constexpr void encrypt_block(std::span<const std::uint8_t, 16> in, std::span<std::uint8_t, 16> out) const noexcept {
    run<false>(in.data(), out.data(), 1);
  }
  constexpr void decrypt_block(std::span<const std::uint8_t, 16> in, std::span<std::uint8_t, 16> out) const noexcept {
    run<true>(in.data(), out.data(), 1);
  }

  // Whole blocks, each on its own (ECB). in and out must have the same length,
  // a multiple of 16 (errc::bad_length), and be the same bytes or disjoint
  // (errc::overlapping_buffers).
  [[nodiscard]] constexpr status encrypt(bytes_view in, mutable_bytes out) const noexcept {
    if (auto s = check(in, out); !s) return s;
    run<false>(in.data(), out.data(), in.size() / 16);
    return {};
  }
  [[nodiscard]] constexpr status decrypt(bytes_view in, mutable_bytes out) const noexcept {
    if (auto s = check(in, out); !s) return s;
    run<true>(in.data(), out.data(), in.size() / 16);
    return {};
  }

  // The path the block functions take at run time now: "aes-ni" or "portable".
  [[nodiscard]] static const char* implementation() noexcept { return detail::aes_table<rounds>.implementation(); }

 private:
  [[nodiscard]] static constexpr status check(bytes_view in, mutable_bytes out) noexcept {
    if (in.size() != out.size() || in.size() % 16 != 0) return errc::bad_length;
    if (!detail::same_or_disjoint(in.data(), in.size(), out.data(), out.size())) return errc::overlapping_buffers;
    return {};
  }

  template <bool Decrypt>
  constexpr void run(const std::uint8_t* in, std::uint8_t* out, std::size_t blocks) const noexcept {
    if (blocks == 0) return;
    if (std::is_constant_evaluated()) {
      detail::aes_ecb_portable<rounds, Decrypt>(ks_.rk.data(), in, out, blocks);
      return;
    }
    const auto& kernel = detail::aes_table<rounds>.kernel();
    (Decrypt ? kernel.decrypt : kernel.encrypt)(ks_.rk.data(), in, out, blocks);
  }

  detail::aes_key_schedule<KeyBits> ks_;
};

using aes128 = aes<128>;
using aes192 = aes<192>;
using aes256 = aes<256>;

}  // namespace kagi

#endif  // KAGI_CIPHER_AES_HPP
