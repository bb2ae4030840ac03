// kagi/hash/hmac.hpp: HMAC (RFC 2104, FIPS 198-1) over any block_hash
// (hash_traits.hpp): SHA-256 today, SHA-384/512 alike.
//
//   HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m))
//   K0 = K padded with zeros to block_size (H(K) first when K is longer),
//   ipad = 0x36 repeated, opad = 0x5c repeated.
//
// hmac_pads<H> holds what the key determines: the chaining values after the
// one block K0 ^ ipad and after K0 ^ opad (both made by one compress2 call).
// Every message under the key continues from them: the inner hash from the
// inner state, the outer hash from the outer state (H's resuming
// constructor). The TLS PRF (tls12/prf.hpp) drives the same states itself,
// block by block, to run two HMACs side by side.
//
// An hmac object is keyed once; finish() returns the tag and leaves the object
// ready for the next message under the same key.
#ifndef KAGI_HASH_HMAC_HPP
#define KAGI_HASH_HMAC_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "hash_traits.hpp"
#include "sha256.hpp"

namespace kagi {

// HMAC's keyed states. Wiped when destroyed.
template <block_hash Hash>
class hmac_pads {
 public:
  using state_type = typename Hash::state_type;
  static constexpr std::size_t block_size = Hash::block_size;
  static constexpr std::size_t digest_size = Hash::digest_size;

  // Keys of any length; keys longer than block_size are hashed first (RFC 2104).
  constexpr explicit hmac_pads(bytes_view key) noexcept {
    std::array<std::uint8_t, block_size> ipad{}, opad{};
    if (key.size() > block_size) {
      Hash kh;
      kh.update(key);
      kh.finish(std::span<std::uint8_t, digest_size>(ipad.data(), digest_size));
    } else {
      for (std::size_t i = 0; i < key.size(); ++i) ipad[i] = key[i];
    }
    for (std::size_t i = 0; i < block_size; ++i) {
      opad[i] = static_cast<std::uint8_t>(ipad[i] ^ 0x5c);
      ipad[i] = static_cast<std::uint8_t>(ipad[i] ^ 0x36);
    }
    Hash::compress2(inner_.data(), ipad.data(), outer_.data(), opad.data());
    secure_wipe(ipad);
    secure_wipe(opad);
  }
  constexpr hmac_pads(const hmac_pads&) noexcept = default;
  constexpr hmac_pads& operator=(const hmac_pads&) noexcept = default;
  constexpr ~hmac_pads() {
    secure_wipe(inner_);
    secure_wipe(outer_);
  }

  // H's chaining value after K0 ^ ipad (block_size bytes absorbed).
  [[nodiscard]] constexpr const state_type& inner() const noexcept { return inner_; }
  // H's chaining value after K0 ^ opad.
  [[nodiscard]] constexpr const state_type& outer() const noexcept { return outer_; }

 private:
  state_type inner_ = Hash::initial_state, outer_ = Hash::initial_state;
};

template <block_hash Hash>
class hmac {
 public:
  static constexpr std::size_t tag_size = Hash::digest_size;
  static constexpr std::size_t block_size = Hash::block_size;
  // RFC 2104 section 5: a truncated tag keeps at least half the hash output.
  static constexpr std::size_t min_truncated_size = tag_size / 2;
  using tag = std::array<std::uint8_t, tag_size>;

  // Keys of any length; keys longer than block_size are hashed first (RFC 2104).
  constexpr explicit hmac(bytes_view key) noexcept : pads_(key), current_(pads_.inner(), block_size) {}

  constexpr hmac(const hmac&) noexcept = default;
  constexpr hmac& operator=(const hmac&) noexcept = default;
  // The members wipe themselves on destruction.
  constexpr ~hmac() = default;

  constexpr hmac& update(bytes_view in) noexcept {
    current_.update(in);
    return *this;
  }

  // The tag of everything given to update() since the last finish/reset.
  constexpr void finish(std::span<std::uint8_t, tag_size> out) noexcept {
    std::array<std::uint8_t, tag_size> d{};
    current_.finish(d);
    Hash outer(pads_.outer(), block_size);
    outer.update(d);
    outer.finish(out);
    secure_wipe(d);
    reset();
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
    const bool ok = expected.size() >= min_truncated_size && expected.size() <= tag_size &&
                    ct_equal(std::span<const std::uint8_t>(t).first(expected.size()), expected);
    secure_wipe(t);
    return ok;
  }

  // Drops any message absorbed so far; the key stays.
  constexpr void reset() noexcept { current_ = Hash(pads_.inner(), block_size); }

  [[nodiscard]] static constexpr tag mac(bytes_view key, bytes_view message) noexcept {
    hmac h(key);
    h.update(message);
    return h.finish();
  }

  // The keyed states (for code that drives the hash itself).
  [[nodiscard]] constexpr const hmac_pads<Hash>& pads() const noexcept { return pads_; }

 private:
  hmac_pads<Hash> pads_;
  Hash current_;  // the inner hash: K0 ^ ipad and the message so far
};

using hmac_sha256 = hmac<sha256>;

}  // namespace kagi

#endif  // KAGI_HASH_HMAC_HPP
