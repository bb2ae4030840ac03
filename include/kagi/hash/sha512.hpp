// kagi/hash/sha512.hpp: SHA-512 and SHA-384 (FIPS 180-4), streaming and one-shot.
//
// Both run the same compression function on 128-byte blocks with a state of
// eight 64-bit words (section 6.4.2); SHA-384 starts from another initial
// value (section 5.3.4) and keeps the first 48 bytes of the final state
// (section 6.5). The message length is appended as a 128-bit big-endian bit
// count (section 5.1.2).
//
// The portable compression function below is the specification, constexpr and
// constant time. At run time update() hands whole blocks to the kernel that
// detail::sha512_table picks: AVX2 with BMI2 (x86/sha512_avx2.hpp: the message
// schedule of two blocks on 256-bit vectors, the rounds in scalar registers
// with rorx) when the CPU has it, else the portable code.
//
// At the end, hmac_sha384 and hmac_sha512 (hmac.hpp, same layer, which only
// includes sha256.hpp) for the certificate and signature code.
#ifndef KAGI_HASH_SHA512_HPP
#define KAGI_HASH_SHA512_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/cpu.hpp"
#include "../core/ct.hpp"
#include "../core/dispatch.hpp"

namespace kagi {

namespace detail {

// Section 4.2.3: the first 64 bits of the fractional parts of the cube roots
// of the first 80 primes.
inline constexpr std::array<std::uint64_t, 80> sha512_k{
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
    0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
    0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
    0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
    0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
    0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
    0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
    0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};

// Section 5.3.5: square roots of the first eight primes (SHA-512).
inline constexpr std::array<std::uint64_t, 8> sha512_iv{
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
};

// Section 5.3.4: square roots of the ninth to sixteenth primes (SHA-384).
inline constexpr std::array<std::uint64_t, 8> sha384_iv{
    0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
    0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
};

[[nodiscard]] constexpr std::uint64_t rotr64(std::uint64_t x, int n) noexcept {
  return (x >> n) | (x << (64 - n));
}

// Section 4.1.3.
[[nodiscard]] constexpr std::uint64_t sha512_big_sigma0(std::uint64_t x) noexcept {
  return rotr64(x, 28) ^ rotr64(x, 34) ^ rotr64(x, 39);
}
[[nodiscard]] constexpr std::uint64_t sha512_big_sigma1(std::uint64_t x) noexcept {
  return rotr64(x, 14) ^ rotr64(x, 18) ^ rotr64(x, 41);
}
[[nodiscard]] constexpr std::uint64_t sha512_small_sigma0(std::uint64_t x) noexcept {
  return rotr64(x, 1) ^ rotr64(x, 8) ^ (x >> 7);
}
[[nodiscard]] constexpr std::uint64_t sha512_small_sigma1(std::uint64_t x) noexcept {
  return rotr64(x, 19) ^ rotr64(x, 61) ^ (x >> 6);
}

// Section 6.4.2 on `blocks` consecutive 128-byte blocks; the schedule is kept
// as a ring of 16 words.
constexpr void sha512_compress_portable(std::uint64_t* h, const std::uint8_t* p, std::size_t blocks) noexcept {
  for (; blocks > 0; --blocks, p += 128) {
    std::uint64_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = load_be64(p + 8 * i);
    std::uint64_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 80; ++i) {
      if (i >= 16) {
        w[i & 15] += sha512_small_sigma1(w[(i - 2) & 15]) + w[(i - 7) & 15] + sha512_small_sigma0(w[(i - 15) & 15]);
      }
      const std::uint64_t t1 = hh + sha512_big_sigma1(e) + ((e & f) ^ (~e & g)) + sha512_k[i] + w[i & 15];
      const std::uint64_t t2 = sha512_big_sigma0(a) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
}

// Two independent single blocks (HMAC's and a PRF's two lanes).
constexpr void sha512_compress2_portable(std::uint64_t* h1, const std::uint8_t* p1, std::uint64_t* h2,
                                         const std::uint8_t* p2) noexcept {
  sha512_compress_portable(h1, p1, 1);
  sha512_compress_portable(h2, p2, 1);
}

}  // namespace detail
}  // namespace kagi

#include "x86/sha512_avx2.hpp"

namespace kagi {
namespace detail {

struct sha512_kernel {
  void (*compress)(std::uint64_t* h, const std::uint8_t* p, std::size_t blocks) noexcept;
  void (*compress2)(std::uint64_t* h1, const std::uint8_t* p1, std::uint64_t* h2, const std::uint8_t* p2) noexcept;
};

// One table for SHA-512 and SHA-384 (one compression function).
inline constexpr auto sha512_table = dispatch::make_table<sha512_kernel>("sha512", {
#if KAGI_X86
    {"avx2", sha512_avx2_needs, "hash/x86/sha512_avx2.hpp", {&sha512_compress_avx2, &sha512_compress2_avx2}},
#endif
    {"portable", 0, {}, {&sha512_compress_portable, &sha512_compress2_portable}},
});
static_assert(sha512_table.well_formed());

}  // namespace detail

// SHA-512 (DigestSize 64) and SHA-384 (DigestSize 48): kagi::sha512, kagi::sha384.
template <std::size_t DigestSize>
class basic_sha512 {
  static_assert(DigestSize == 48 || DigestSize == 64, "SHA-384 or SHA-512");

 public:
  static constexpr std::size_t digest_size = DigestSize;
  static constexpr std::size_t block_size = 128;
  static constexpr std::size_t length_size = 16;  // the padding's bit count: 128 bits
  using digest = std::array<std::uint8_t, digest_size>;
  using state_type = std::array<std::uint64_t, 8>;  // the chaining value H0..H7
  static constexpr state_type initial_state = DigestSize == 64 ? detail::sha512_iv : detail::sha384_iv;

  constexpr basic_sha512() noexcept = default;
  // Continues a message whose first `absorbed` bytes (whole blocks) gave chaining value h.
  constexpr basic_sha512(const state_type& h, std::uint64_t absorbed) noexcept : h_(h), total_(absorbed) {}
  constexpr basic_sha512(const basic_sha512&) noexcept = default;
  constexpr basic_sha512& operator=(const basic_sha512&) noexcept = default;
  constexpr ~basic_sha512() { wipe(); }

  // Absorbs more input. Any split of the message gives the same digest.
  constexpr basic_sha512& update(bytes_view in) noexcept {
    const std::uint8_t* p = in.data();
    std::size_t n = in.size();
    total_ += n;
    if (buffered_ != 0) {
      const std::size_t take = n < block_size - buffered_ ? n : block_size - buffered_;
      for (std::size_t i = 0; i < take; ++i) buf_[buffered_ + i] = p[i];
      buffered_ += take;
      p += take;
      n -= take;
      if (buffered_ < block_size) return *this;
      compress(h_.data(), buf_.data(), 1);
      buffered_ = 0;
    }
    if (n >= block_size) {
      compress(h_.data(), p, n / block_size);
      p += n / block_size * block_size;
      n %= block_size;
    }
    for (std::size_t i = 0; i < n; ++i) buf_[i] = p[i];
    buffered_ = n;
    return *this;
  }

  // Writes the digest and resets the object to the empty message.
  constexpr void finish(std::span<std::uint8_t, digest_size> out) noexcept {
    // The length in bits as 128 bits: total_ counts bytes, so the top word
    // holds the three bits shifted out of the bottom one.
    const std::uint64_t bits_hi = total_ >> 61, bits_lo = total_ << 3;
    buf_[buffered_++] = 0x80;
    if (buffered_ > block_size - 16) {
      while (buffered_ < block_size) buf_[buffered_++] = 0;
      compress(h_.data(), buf_.data(), 1);
      buffered_ = 0;
    }
    while (buffered_ < block_size - 16) buf_[buffered_++] = 0;
    store_be64(buf_.data() + block_size - 16, bits_hi);
    store_be64(buf_.data() + block_size - 8, bits_lo);
    compress(h_.data(), buf_.data(), 1);
    write_digest(h_, out);
    wipe();
  }

  // The digest of a finished chaining value: its first digest_size bytes.
  static constexpr void write_digest(const state_type& h, std::span<std::uint8_t, digest_size> out) noexcept {
    for (std::size_t i = 0; i < digest_size / 8; ++i) store_be64(out.data() + 8 * i, h[i]);
  }
  [[nodiscard]] constexpr digest finish() noexcept {
    digest d{};
    finish(d);
    return d;
  }

  // The digest of one message.
  [[nodiscard]] static constexpr digest hash(bytes_view in) noexcept {
    basic_sha512 s;
    s.update(in);
    return s.finish();
  }

  // Runs the compression function on whole 128-byte blocks with the fastest path.
  static constexpr void compress(std::uint64_t* h, const std::uint8_t* blocks, std::size_t count) noexcept {
    if (std::is_constant_evaluated()) {
      detail::sha512_compress_portable(h, blocks, count);
      return;
    }
    detail::sha512_table.kernel().compress(h, blocks, count);
  }

  // One block for each of two independent states (h1 != h2); the AVX2 kernel
  // computes both message schedules in one pass.
  static constexpr void compress2(std::uint64_t* h1, const std::uint8_t* p1, std::uint64_t* h2,
                                  const std::uint8_t* p2) noexcept {
    if (std::is_constant_evaluated()) {
      detail::sha512_compress2_portable(h1, p1, h2, p2);
      return;
    }
    detail::sha512_table.kernel().compress2(h1, p1, h2, p2);
  }

  // The path compress() takes at run time now: "avx2" or "portable".
  [[nodiscard]] static const char* implementation() noexcept { return detail::sha512_table.implementation(); }

 private:
  // The chaining value is as secret as the message (and, inside hmac, as the
  // key), so it is wiped too before the object is reset or destroyed.
  constexpr void wipe() noexcept {
    secure_wipe(buf_);
    secure_wipe(h_);
    h_ = initial_state;
    total_ = 0;
    buffered_ = 0;
  }

  state_type h_ = initial_state;
  std::array<std::uint8_t, block_size> buf_{};
  std::uint64_t total_ = 0;
  std::size_t buffered_ = 0;
};

using sha512 = basic_sha512<64>;
using sha384 = basic_sha512<48>;

}  // namespace kagi

#include "hmac.hpp"

namespace kagi {

static_assert(block_hash<sha384> && block_hash<sha512>);
using hmac_sha384 = hmac<sha384>;
using hmac_sha512 = hmac<sha512>;

}  // namespace kagi

#endif  // KAGI_HASH_SHA512_HPP
