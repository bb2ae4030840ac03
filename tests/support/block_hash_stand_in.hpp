// For tests of code generic over kagi::block_hash (hash/hash_traits.hpp):
// a stand-in hash with SHA-384's shape, and HMAC written from a hash's
// streaming interface alone (an oracle that shares nothing with kagi::hmac's
// keyed states or the TLS PRF's lanes).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <kagi/core/bytes.hpp>
#include <kagi/hash/hash_traits.hpp>
#include <span>
#include <vector>

namespace kagi_test {

// A stand-in with SHA-384's shape, to run the generic code on it without
// sha384: 128-byte blocks, a 16-byte length field, 64-bit words, a 48-byte
// digest cut from a 64-byte state. Its compression function only mixes
// (every word of the block and its position change the state); it is NOT a
// hash function, just a block_hash that differs from SHA-256 everywhere the
// PRF depends on the hash. Streaming is written here the plain way.
class wide_test_hash {
 public:
  static constexpr std::size_t digest_size = 48;
  static constexpr std::size_t block_size = 128;
  static constexpr std::size_t length_size = 16;
  using state_type = std::array<std::uint64_t, 8>;
  static constexpr state_type initial_state{0x0123456789abcdef, 1, 2, 3, 4, 5, 6, 7};

  constexpr wide_test_hash() = default;
  constexpr wide_test_hash(const state_type& h, std::uint64_t absorbed) : h_(h), total_(absorbed) {}

  constexpr wide_test_hash& update(std::span<const std::uint8_t> in) {
    for (const std::uint8_t b : in) {
      buf_[buffered_++] = b;
      ++total_;
      if (buffered_ == block_size) {
        compress(h_.data(), buf_.data(), 1);
        buffered_ = 0;
      }
    }
    return *this;
  }
  constexpr void finish(std::span<std::uint8_t, digest_size> out) {
    // message || 0x80 || zeros || 128-bit big-endian bit count
    const std::uint64_t bits = total_ * 8, high_bits = total_ >> 61;
    std::uint8_t pad[2 * block_size]{};
    pad[0] = 0x80;
    std::size_t n = block_size - (total_ + 1 + length_size) % block_size;
    n = n % block_size + 1;  // 0x80 and the zeros
    for (int i = 0; i < 8; ++i) {
      pad[n + i] = static_cast<std::uint8_t>(high_bits >> (56 - 8 * i));
      pad[n + 8 + i] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
    }
    update(std::span<const std::uint8_t>(pad, n + length_size));
    write_digest(h_, out);
  }
  constexpr std::array<std::uint8_t, digest_size> finish() {
    std::array<std::uint8_t, digest_size> d{};
    finish(d);
    return d;
  }

  static constexpr void compress(std::uint64_t* h, const std::uint8_t* p, std::size_t count) {
    for (; count > 0; --count, p += block_size) {
      std::uint64_t s[8];
      for (int j = 0; j < 8; ++j) s[j] = h[j];
      for (int i = 0; i < 48; ++i) {
        const std::uint64_t w = kagi::load_be64(p + 8 * (i % 16)) + static_cast<std::uint64_t>(i);
        s[i % 8] = std::rotl(s[i % 8] ^ w, 23) * 0x9e3779b97f4a7c15u + s[(i + 3) % 8];
      }
      for (int j = 0; j < 8; ++j) h[j] += s[j];
    }
  }
  static constexpr void compress2(std::uint64_t* h1, const std::uint8_t* p1, std::uint64_t* h2,
                                  const std::uint8_t* p2) {
    compress(h1, p1, 1);
    compress(h2, p2, 1);
  }
  static constexpr void write_digest(const state_type& h, std::span<std::uint8_t, digest_size> out) {
    for (std::size_t i = 0; i < digest_size / 8; ++i) kagi::store_be64(out.data() + 8 * i, h[i]);
  }

 private:
  state_type h_ = initial_state;
  std::array<std::uint8_t, block_size> buf_{};
  std::uint64_t total_ = 0;
  std::size_t buffered_ = 0;
};
static_assert(kagi::block_hash<wide_test_hash>);

// HMAC from the hash's streaming interface alone (RFC 2104), nothing shared
// with kagi::hmac_pads or the PRF's lanes.
template <class H>
std::vector<std::uint8_t> hmac_reference(std::span<const std::uint8_t> key, std::span<const std::uint8_t> msg) {
  std::vector<std::uint8_t> k0(H::block_size, 0);
  if (key.size() > H::block_size) {
    H kh;
    kh.update(key);
    const auto d = kh.finish();
    std::copy(d.begin(), d.end(), k0.begin());
  } else {
    std::copy(key.begin(), key.end(), k0.begin());
  }
  std::vector<std::uint8_t> ipad = k0, opad = k0;
  for (auto& b : ipad) b ^= 0x36;
  for (auto& b : opad) b ^= 0x5c;
  H inner;
  inner.update(ipad);
  inner.update(msg);
  const auto inner_digest = inner.finish();
  H outer;
  outer.update(opad);
  outer.update(inner_digest);
  const auto tag = outer.finish();
  return std::vector<std::uint8_t>(tag.begin(), tag.end());
}

}  // namespace kagi_test
