// kagi/tls12/prf.hpp: the TLS 1.2 PRF and key schedule for SHA-256 suites.
//
//   PRF(secret, label, seed) = P_SHA256(secret, label || seed)        RFC 5246 section 5
//   master_secret = PRF(pre_master, "master secret",
//                       client_random || server_random)[0..47]        RFC 5246 section 8.1
//   extended master secret = PRF(pre_master, "extended master secret",
//                                session_hash)[0..47]                 RFC 7627 section 4
//   key_block = PRF(master, "key expansion",
//                   server_random || client_random)                   RFC 5246 section 6.3
//   verify_data = PRF(master, finished_label, Hash(handshake))[0..11] RFC 5246 section 7.4.9
//
// For TLS_*_WITH_AES_128_GCM_SHA256 (RFC 5288) the key block is cut into two
// 16-byte write keys and two 4-byte implicit IVs (AEAD suites have no MAC keys).
#ifndef KAGI_TLS12_PRF_HPP
#define KAGI_TLS12_PRF_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string_view>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../hash/sha256.hpp"

namespace kagi::tls12 {

using random = std::array<std::uint8_t, 32>;
using master_secret = std::array<std::uint8_t, 48>;
using handshake_hash = std::span<const std::uint8_t, 32>;  // SHA-256 of the handshake messages

inline constexpr std::string_view master_secret_label = "master secret";
inline constexpr std::string_view extended_master_secret_label = "extended master secret";
inline constexpr std::string_view key_expansion_label = "key expansion";
inline constexpr std::string_view client_finished_label = "client finished";
inline constexpr std::string_view server_finished_label = "server finished";

namespace detail {

using sha256_state = std::array<std::uint32_t, 8>;

// An HMAC-SHA-256 inner message made of pieces (an optional 32-byte prefix, the
// label, the seed pieces), handed out one padded 64-byte block at a time: the
// PRF never copies label and seed into one buffer, and a label is read as
// chars, which also works in constant expressions.
struct prf_message {
  const std::uint8_t* prefix = nullptr;  // 32 bytes (A(i)) or none
  std::string_view label;
  std::initializer_list<bytes_view> seed;
  std::size_t length = 0;  // bytes, without HMAC's key block

  // Block j of message || 0x80 || 0... || bit length of (key block || message).
  constexpr void block(std::size_t j, std::uint8_t* out) const noexcept {
    const std::size_t start = 64 * j;
    std::size_t at = 0;  // message offset of the current piece
    // Copies the part of a piece that falls in this block.
    auto copy = [&](const auto* piece, std::size_t n) {
      const std::size_t lo = at > start ? at : start;
      const std::size_t hi = at + n < start + 64 ? at + n : start + 64;
      if (lo < hi) {
        if (std::is_constant_evaluated()) {
          for (std::size_t pos = lo; pos < hi; ++pos) out[pos - start] = static_cast<std::uint8_t>(piece[pos - at]);
        } else {
          std::memcpy(out + (lo - start), piece + (lo - at), hi - lo);
        }
      }
      at += n;
    };
    if (prefix != nullptr) copy(prefix, 32);
    copy(label.data(), label.size());
    for (auto piece : seed) copy(piece.data(), piece.size());
    const std::size_t used = length > start ? (length - start < 64 ? length - start : 64) : 0;
    for (std::size_t i = used; i < 64; ++i) out[i] = 0;
    if (length >= start && length < start + 64) out[length - start] = 0x80;
    if (j + 1 == blocks()) store_be64(out + 56, (64 + std::uint64_t{length}) * 8);
  }
  [[nodiscard]] constexpr std::size_t blocks() const noexcept { return (length + 9 + 63) / 64; }
};

// One HMAC computation as a sequence of compressions: the inner blocks, then
// the outer block built from the inner digest.
struct hmac_lane {
  sha256_state h;
  const sha256_state* outer_iv;
  const prf_message* msg;
  std::size_t next = 0;  // next inner block; msg->blocks() means the outer block is next
  bool done = false;
  std::array<std::uint8_t, 64> buf{};

  constexpr hmac_lane(const sha256_state& inner_iv, const sha256_state& outer, const prf_message& m) noexcept
      : h(inner_iv), outer_iv(&outer), msg(&m) {}
  constexpr hmac_lane(const hmac_lane&) = delete;
  constexpr ~hmac_lane() {
    secure_wipe(h);
    secure_wipe(buf);
  }

  // The block to compress next (h is switched to the outer state for the last one).
  constexpr const std::uint8_t* prepare() noexcept {
    if (next < msg->blocks()) {
      msg->block(next, buf.data());
      return buf.data();
    }
    for (std::size_t i = 0; i < 8; ++i) store_be32(buf.data() + 4 * i, h[i]);
    buf[32] = 0x80;
    for (std::size_t i = 33; i < 56; ++i) buf[i] = 0;
    store_be64(buf.data() + 56, (64 + 32) * 8);
    h = *outer_iv;
    return buf.data();
  }
  constexpr void advance() noexcept {
    if (next++ == msg->blocks()) done = true;
  }
  constexpr void digest(std::uint8_t* out) const noexcept {
    for (std::size_t i = 0; i < 8; ++i) store_be32(out + 4 * i, h[i]);
  }
};

// Runs one lane, or two side by side (two streams on SHA-NI) until both finish.
constexpr void run_lanes(hmac_lane& a, hmac_lane* b) noexcept {
  while (b != nullptr && !a.done && !b->done) {
    const std::uint8_t* pa = a.prepare();
    const std::uint8_t* pb = b->prepare();
    sha256::compress2(a.h.data(), pa, b->h.data(), pb);
    a.advance();
    b->advance();
  }
  for (hmac_lane* l : {&a, b}) {
    while (l != nullptr && !l->done) {
      sha256::compress(l->h.data(), l->prepare(), 1);
      l->advance();
    }
  }
}

// HMAC-SHA-256's keyed inner and outer states (keys over 64 bytes hashed first).
struct hmac_pads {
  sha256_state inner = kagi::detail::sha256_iv, outer = kagi::detail::sha256_iv;

  constexpr explicit hmac_pads(bytes_view key) noexcept {
    std::array<std::uint8_t, 64> ipad{}, opad{};
    if (key.size() > 64) {
      const auto d = sha256::hash(key);
      for (std::size_t i = 0; i < d.size(); ++i) ipad[i] = d[i];
    } else {
      for (std::size_t i = 0; i < key.size(); ++i) ipad[i] = key[i];
    }
    for (std::size_t i = 0; i < 64; ++i) {
      opad[i] = static_cast<std::uint8_t>(ipad[i] ^ 0x5c);
      ipad[i] = static_cast<std::uint8_t>(ipad[i] ^ 0x36);
    }
    sha256::compress2(inner.data(), ipad.data(), outer.data(), opad.data());
    secure_wipe(ipad);
    secure_wipe(opad);
  }
  constexpr ~hmac_pads() {
    secure_wipe(inner);
    secure_wipe(outer);
  }
};

}  // namespace detail

// PRF(secret, label, seed) with the seed given in pieces (concatenated in
// order), written to out (any length).
//
// P_SHA256: A(1) = HMAC(secret, label || seed), A(i+1) = HMAC(secret, A(i)),
// output block i = HMAC(secret, A(i) || label || seed). The keyed pad states
// are made once, and each output block is computed beside the next A(i+1),
// the two HMACs running as two interleaved SHA-256 streams.
constexpr void prf(bytes_view secret, std::string_view label, std::initializer_list<bytes_view> seed,
                   mutable_bytes out) noexcept {
  const detail::hmac_pads pads(secret);
  std::size_t n = label.size();
  for (auto s : seed) n += s.size();
  std::array<std::uint8_t, 32> a{};     // A(i)
  std::array<std::uint8_t, 32> block{}; // output block i
  const detail::prf_message first{nullptr, label, seed, n};
  const detail::prf_message with_a{a.data(), label, seed, 32 + n};
  const detail::prf_message only_a{a.data(), {}, {}, 32};
  {
    detail::hmac_lane l(pads.inner, pads.outer, first);
    detail::run_lanes(l, nullptr);
    l.digest(a.data());
  }
  for (std::size_t done = 0; done < out.size(); done += block.size()) {
    const std::size_t take = out.size() - done < block.size() ? out.size() - done : block.size();
    const bool more = done + take < out.size();
    detail::hmac_lane output(pads.inner, pads.outer, with_a);
    detail::hmac_lane next_a(pads.inner, pads.outer, only_a);
    detail::run_lanes(output, more ? &next_a : nullptr);
    output.digest(block.data());
    for (std::size_t i = 0; i < take; ++i) out[done + i] = block[i];
    if (more) next_a.digest(a.data());
  }
  secure_wipe(a);
  secure_wipe(block);
}

constexpr void prf(bytes_view secret, std::string_view label, bytes_view seed, mutable_bytes out) noexcept {
  prf(secret, label, {seed}, out);
}

// RFC 5246 section 8.1. pre_master is the RSA (48-byte) or (EC)DHE shared secret.
[[nodiscard]] constexpr master_secret compute_master_secret(bytes_view pre_master, const random& client_random,
                                                            const random& server_random) noexcept {
  master_secret ms{};
  prf(pre_master, master_secret_label, {client_random, server_random}, ms);
  return ms;
}

// RFC 7627 section 4: session_hash is the SHA-256 of the handshake messages up
// to and including ClientKeyExchange.
[[nodiscard]] constexpr master_secret compute_extended_master_secret(bytes_view pre_master,
                                                                     handshake_hash session_hash) noexcept {
  master_secret ms{};
  prf(pre_master, extended_master_secret_label, {session_hash}, ms);
  return ms;
}

// RFC 5246 section 6.3: as many key block bytes as out holds. Note the order
// of the randoms: server_random first.
constexpr void key_block(const master_secret& master, const random& client_random, const random& server_random,
                         mutable_bytes out) noexcept {
  prf(master, key_expansion_label, {server_random, client_random}, out);
}

// The session keys of TLS_*_WITH_AES_128_GCM_SHA256 (RFC 5288 section 3).
// Wiped when destroyed.
struct session_keys {
  std::array<std::uint8_t, 16> client_write_key;
  std::array<std::uint8_t, 16> server_write_key;
  std::array<std::uint8_t, 4> client_write_iv;  // the implicit part of the GCM nonce
  std::array<std::uint8_t, 4> server_write_iv;

  static constexpr std::size_t key_block_size = 16 + 16 + 4 + 4;

  constexpr ~session_keys() {
    secure_wipe(client_write_key);
    secure_wipe(server_write_key);
    secure_wipe(client_write_iv);
    secure_wipe(server_write_iv);
  }
};

[[nodiscard]] constexpr session_keys derive_session_keys(const master_secret& master, const random& client_random,
                                                         const random& server_random) noexcept {
  std::array<std::uint8_t, session_keys::key_block_size> kb{};
  key_block(master, client_random, server_random, kb);
  session_keys keys{};
  std::size_t at = 0;
  for (auto* part : {&keys.client_write_key, &keys.server_write_key}) {
    for (auto& b : *part) b = kb[at++];
  }
  for (auto* part : {&keys.client_write_iv, &keys.server_write_iv}) {
    for (auto& b : *part) b = kb[at++];
  }
  secure_wipe(kb);
  return keys;
}

// RFC 5246 section 7.4.9: label is client_finished_label or
// server_finished_label; hash is SHA-256 of the handshake messages so far.
[[nodiscard]] constexpr std::array<std::uint8_t, 12> verify_data(const master_secret& master, std::string_view label,
                                                                 handshake_hash hash) noexcept {
  std::array<std::uint8_t, 12> out{};
  prf(master, label, {hash}, out);
  return out;
}

}  // namespace kagi::tls12

#endif  // KAGI_TLS12_PRF_HPP
