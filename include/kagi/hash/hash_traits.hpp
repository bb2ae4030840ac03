// kagi/hash/hash_traits.hpp: what a hash exposes, at two levels.
//
// hash_function: the streaming interface (digest_size, block_size, update(),
// finish()); enough to hash a message.
//
// block_hash: a Merkle-Damgard hash (FIPS 180-4) whose compression function
// can be driven directly, which is what HMAC's keyed states and the TLS PRF's
// two HMAC lanes need:
//
//   state_type                 std::array of the chaining words
//   initial_state              the IV (a state_type)
//   length_size                bytes of the length field that ends the padding
//                              (8 for SHA-256, 16 for SHA-384/512)
//   compress(h, p, n)          n consecutive blocks into h (h = state.data())
//   compress2(h1, p1, h2, p2)  one block into each of two distinct states
//                              (interleaved where the CPU gains from it)
//   write_digest(h, out)       the digest of a finished state: its first
//                              digest_size bytes, big-endian words
//   H(h, absorbed)             a hash that continues a message whose first
//                              `absorbed` bytes (whole blocks) gave chaining
//                              value h
//   finish(span<digest_size>)  the digest written to a caller's buffer
//
// A message of n bytes is padded to whole blocks as
//   message || 0x80 || 0x00... || n * 8 as a length_size-byte big-endian number.
#ifndef KAGI_HASH_HASH_TRAITS_HPP
#define KAGI_HASH_HASH_TRAITS_HPP

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/bytes.hpp"

namespace kagi {

template <class H>
concept hash_function = requires(H h, bytes_view in) {
  { H::digest_size } -> std::convertible_to<std::size_t>;
  { H::block_size } -> std::convertible_to<std::size_t>;
  h.update(in);
  { h.finish() } -> std::same_as<std::array<std::uint8_t, H::digest_size>>;
};

template <class H>
concept block_hash = hash_function<H> && requires(H h, typename H::state_type& s, const typename H::state_type& cs,
                                                  const std::uint8_t* p, std::span<std::uint8_t, H::digest_size> out) {
  requires std::same_as<std::remove_cv_t<decltype(H::initial_state)>, typename H::state_type>;
  { H::length_size } -> std::convertible_to<std::size_t>;
  H::compress(s.data(), p, std::size_t{1});
  H::compress2(s.data(), p, s.data(), p);
  H::write_digest(cs, out);
  H(cs, std::uint64_t{0});
  h.finish(out);
};

// The last length_size bytes of a final padding block: message_bytes * 8,
// big-endian (for a 16-byte field the high half holds the bits above 2^64).
template <block_hash H>
constexpr void store_length_field(std::uint8_t* block, std::uint64_t message_bytes) noexcept {
  static_assert(H::length_size == 8 || H::length_size == 16);
  if constexpr (H::length_size == 16) store_be64(block + H::block_size - 16, message_bytes >> 61);
  store_be64(block + H::block_size - 8, message_bytes << 3);
}

}  // namespace kagi

#endif  // KAGI_HASH_HASH_TRAITS_HPP
