// kagi/hash/hmac.hpp: HMAC (RFC 2104, FIPS 198-1) over any hash with
// block_size, digest_size, update() and finish().
//
// An hmac object is keyed once: the constructor absorbs key^ipad and key^opad
// into two saved hash states, and every message after that starts from a copy
// of them (the TLS PRF makes many MACs with one key). finish() returns the tag
// and leaves the object ready for the next message under the same key.
#ifndef KAGI_HASH_HMAC_HPP
#define KAGI_HASH_HMAC_HPP

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "sha256.hpp"

namespace kagi {

template <class H>
concept hash_function = requires(H h, bytes_view in) {
  { H::digest_size } -> std::convertible_to<std::size_t>;
  { H::block_size } -> std::convertible_to<std::size_t>;
  h.update(in);
  { h.finish() } -> std::same_as<std::array<std::uint8_t, H::digest_size>>;
};

template <hash_function Hash>
class hmac {
 public:
  static constexpr std::size_t tag_size = Hash::digest_size;
  static constexpr std::size_t block_size = Hash::block_size;
  // RFC 2104 section 5: a truncated tag keeps at least half the hash output.
  static constexpr std::size_t min_truncated_size = tag_size / 2;
  using tag = std::array<std::uint8_t, tag_size>;

  // Keys of any length; keys longer than block_size are hashed first (RFC 2104).
  constexpr explicit hmac(bytes_view key) noexcept {
    std::array<std::uint8_t, block_size> pad{};
    if (key.size() > block_size) {
      Hash kh;
      kh.update(key);
      auto d = kh.finish();
      for (std::size_t i = 0; i < d.size(); ++i) pad[i] = d[i];
      secure_wipe(d);
    } else {
      for (std::size_t i = 0; i < key.size(); ++i) pad[i] = key[i];
    }
    for (auto& b : pad) b ^= 0x36;
    inner_.update(pad);
    for (auto& b : pad) b ^= 0x36 ^ 0x5c;
    outer_.update(pad);
    secure_wipe(pad);
    current_ = inner_;
  }

  constexpr hmac(const hmac&) noexcept = default;
  constexpr hmac& operator=(const hmac&) noexcept = default;
  // The Hash members wipe themselves on destruction.
  constexpr ~hmac() = default;

  constexpr hmac& update(bytes_view in) noexcept {
    current_.update(in);
    return *this;
  }

  // The tag of everything given to update() since the last finish/reset.
  constexpr void finish(std::span<std::uint8_t, tag_size> out) noexcept {
    const auto inner_digest = current_.finish();
    Hash outer = outer_;
    outer.update(inner_digest);
    const auto t = outer.finish();
    for (std::size_t i = 0; i < tag_size; ++i) out[i] = t[i];
    current_ = inner_;
  }
  [[nodiscard]] constexpr tag finish() noexcept {
    tag t{};
    finish(t);
    return t;
  }

  // Finishes and compares with an expected tag in constant time. A tag may be
  // truncated to min_truncated_size..tag_size bytes (its leading bytes); any
  // other length is refused (false).
  [[nodiscard]] constexpr bool verify(bytes_view expected) noexcept {
    auto t = finish();
    if (expected.size() < min_truncated_size || expected.size() > tag_size) return false;
    const bool ok = ct_equal(std::span<const std::uint8_t>(t).first(expected.size()), expected);
    secure_wipe(t);
    return ok;
  }

  // Drops any message absorbed so far; the key stays.
  constexpr void reset() noexcept { current_ = inner_; }

  [[nodiscard]] static constexpr tag mac(bytes_view key, bytes_view message) noexcept {
    hmac h(key);
    h.update(message);
    return h.finish();
  }

  // The keyed inner and outer states (for code that drives the hash itself).
  [[nodiscard]] constexpr const Hash& inner_state() const noexcept { return inner_; }
  [[nodiscard]] constexpr const Hash& outer_state() const noexcept { return outer_; }

 private:
  Hash inner_{}, outer_{}, current_{};
};

using hmac_sha256 = hmac<sha256>;

}  // namespace kagi

#endif  // KAGI_HASH_HMAC_HPP
