// kagi/hash/sha256.hpp: SHA-256 (FIPS 180-4), streaming and one-shot.
//
// The portable compression function below is the specification, constexpr and
// constant time. At run time update() hands whole blocks to the kernel that
// detail::sha256_table picks: SHA-NI (x86/sha256_shani.hpp) when the CPU has
// it, else the portable code.
#ifndef KAGI_HASH_SHA256_HPP
#define KAGI_HASH_SHA256_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/cpu.hpp"
#include "../core/ct.hpp"
#include "../core/dispatch.hpp"
#include "hash_traits.hpp"

namespace kagi {

namespace detail {

inline constexpr std::array<std::uint32_t, 64> sha256_k{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

inline constexpr std::array<std::uint32_t, 8> sha256_iv{
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

[[nodiscard]] constexpr std::uint32_t rotr32(std::uint32_t x, int n) noexcept {
  return (x >> n) | (x << (32 - n));
}

// FIPS 180-4 section 6.2.2 on `blocks` consecutive 64-byte blocks.
constexpr void sha256_compress_portable(std::uint32_t* h, const std::uint8_t* p, std::size_t blocks) noexcept {
  for (; blocks > 0; --blocks, p += 64) {
    std::uint32_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = load_be32(p + 4 * i);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      if (i >= 16) {
        const std::uint32_t w15 = w[(i - 15) & 15], w2 = w[(i - 2) & 15];
        const std::uint32_t s0 = rotr32(w15, 7) ^ rotr32(w15, 18) ^ (w15 >> 3);
        const std::uint32_t s1 = rotr32(w2, 17) ^ rotr32(w2, 19) ^ (w2 >> 10);
        w[i & 15] += s0 + w[(i - 7) & 15] + s1;
      }
      const std::uint32_t t1 =
          hh + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + ((e & f) ^ (~e & g)) + sha256_k[i] + w[i & 15];
      const std::uint32_t t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
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

// Two independent single blocks (the PRF's and HMAC's two lanes).
constexpr void sha256_compress2_portable(std::uint32_t* h1, const std::uint8_t* p1, std::uint32_t* h2,
                                         const std::uint8_t* p2) noexcept {
  sha256_compress_portable(h1, p1, 1);
  sha256_compress_portable(h2, p2, 1);
}

}  // namespace detail
}  // namespace kagi

#include "x86/sha256_shani.hpp"

namespace kagi {
namespace detail {

struct sha256_kernel {
  void (*compress)(std::uint32_t* h, const std::uint8_t* p, std::size_t blocks) noexcept;
  void (*compress2)(std::uint32_t* h1, const std::uint8_t* p1, std::uint32_t* h2, const std::uint8_t* p2) noexcept;
};

inline constexpr auto sha256_table = dispatch::make_table<sha256_kernel>("sha256", {
#if KAGI_X86
    {"sha-ni", sha256_shani_needs, "hash/x86/sha256_shani.hpp", {&sha256_compress_shani, &sha256_compress2_shani}},
#endif
    {"portable", 0, {}, {&sha256_compress_portable, &sha256_compress2_portable}},
});
static_assert(sha256_table.well_formed());

}  // namespace detail

class sha256 {
 public:
  static constexpr std::size_t digest_size = 32;
  static constexpr std::size_t block_size = 64;
  static constexpr std::size_t length_size = 8;  // the padding's bit count: 64 bits
  using digest = std::array<std::uint8_t, digest_size>;
  using state_type = std::array<std::uint32_t, 8>;  // the chaining value H0..H7
  static constexpr state_type initial_state = detail::sha256_iv;

  constexpr sha256() noexcept = default;
  // Continues a message whose first `absorbed` bytes, a whole number of
  // blocks, left the chaining value h (HMAC starts from its keyed states so).
  constexpr sha256(const state_type& h, std::uint64_t absorbed) noexcept : h_(h), total_(absorbed) {}
  constexpr sha256(const sha256&) noexcept = default;
  constexpr sha256& operator=(const sha256&) noexcept = default;
  constexpr ~sha256() { wipe(); }

  // Absorbs more input. Any split of the message gives the same digest.
  constexpr sha256& update(bytes_view in) noexcept {
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
    const std::uint64_t bits = total_ * 8;
    buf_[buffered_++] = 0x80;
    if (buffered_ > block_size - 8) {
      while (buffered_ < block_size) buf_[buffered_++] = 0;
      compress(h_.data(), buf_.data(), 1);
      buffered_ = 0;
    }
    while (buffered_ < block_size - 8) buf_[buffered_++] = 0;
    store_be64(buf_.data() + 56, bits);
    compress(h_.data(), buf_.data(), 1);
    write_digest(h_, out);
    wipe();
  }
  [[nodiscard]] constexpr digest finish() noexcept {
    digest d{};
    finish(d);
    return d;
  }

  // The digest of one message.
  [[nodiscard]] static constexpr digest hash(bytes_view in) noexcept {
    sha256 s;
    s.update(in);
    return s.finish();
  }

  // Runs the compression function on whole blocks with the fastest path.
  static constexpr void compress(std::uint32_t* h, const std::uint8_t* blocks, std::size_t count) noexcept {
    if (std::is_constant_evaluated()) {
      detail::sha256_compress_portable(h, blocks, count);
      return;
    }
    detail::sha256_table.kernel().compress(h, blocks, count);
  }

  // One block for each of two independent states (h1 != h2), interleaved on
  // SHA-NI so that each stream hides the other's latency.
  static constexpr void compress2(std::uint32_t* h1, const std::uint8_t* p1, std::uint32_t* h2,
                                  const std::uint8_t* p2) noexcept {
    if (std::is_constant_evaluated()) {
      detail::sha256_compress2_portable(h1, p1, h2, p2);
      return;
    }
    detail::sha256_table.kernel().compress2(h1, p1, h2, p2);
  }

  // The digest of a finished chaining value: H0..H7 big-endian.
  static constexpr void write_digest(const state_type& h, std::span<std::uint8_t, digest_size> out) noexcept {
    for (std::size_t i = 0; i < 8; ++i) store_be32(out.data() + 4 * i, h[i]);
  }

  // The path compress() takes at run time now: "sha-ni" or "portable".
  [[nodiscard]] static const char* implementation() noexcept { return detail::sha256_table.implementation(); }

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

static_assert(block_hash<sha256>);

}  // namespace kagi

#endif  // KAGI_HASH_SHA256_HPP
