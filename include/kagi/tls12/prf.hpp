// kagi/tls12/prf.hpp: the TLS 1.2 PRF and key schedule over any block_hash
// (hash/hash_traits.hpp): SHA-256 by default, SHA-384 for the *_SHA384 suites.
//
//   PRF(secret, label, seed) = P_<hash>(secret, label || seed)        RFC 5246 section 5
//   master_secret = PRF(pre_master, "master secret",
//                       client_random || server_random)[0..47]        RFC 5246 section 8.1
//   extended master secret = PRF(pre_master, "extended master secret",
//                                session_hash)[0..47]                 RFC 7627 section 4
//   key_block = PRF(master, "key expansion",
//                   server_random || client_random)                   RFC 5246 section 6.3
//   verify_data = PRF(master, finished_label, Hash(handshake))[0..11] RFC 5246 section 7.4.9
//
// The PRF's hash is the suite's (RFC 5246 section 5; RFC 5289 section 3 for
// the SHA-384 suites): every function takes it as its first template argument,
// defaulted to sha256, e.g. compute_master_secret<sha384>(...).
//
// For TLS_*_WITH_AES_128_GCM_SHA256 and *_AES_256_GCM_SHA384 (RFC 5288) the
// key block is cut into two write keys (16 or 32 bytes) and two 4-byte
// implicit IVs (AEAD suites have no MAC keys): gcm_session_keys<16> or <32>.
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
#include "../hash/hash_traits.hpp"
#include "../hash/hmac.hpp"
#include "../hash/sha256.hpp"
#include "codec.hpp"

namespace kagi::tls12 {

using master_secret = std::array<std::uint8_t, 48>;
// The hash of the handshake messages, made with the PRF's hash.
template <block_hash Hash>
using handshake_hash_of = std::span<const std::uint8_t, Hash::digest_size>;
using handshake_hash = handshake_hash_of<sha256>;

inline constexpr std::string_view master_secret_label = "master secret";
inline constexpr std::string_view extended_master_secret_label = "extended master secret";
inline constexpr std::string_view key_expansion_label = "key expansion";
inline constexpr std::string_view client_finished_label = "client finished";
inline constexpr std::string_view server_finished_label = "server finished";

namespace detail {

// An HMAC inner message made of pieces (an optional digest_size-byte prefix,
// the label, the seed pieces), handed out one padded block at a time: the
// PRF never copies label and seed into one buffer, and a label is read as
// chars, which also works in constant expressions.
template <block_hash Hash>
struct prf_message {
  static constexpr std::size_t block_size = Hash::block_size;
  const std::uint8_t* prefix = nullptr;  // digest_size bytes (A(i)) or none
  std::string_view label;
  std::initializer_list<bytes_view> seed;
  std::size_t length = 0;  // bytes, without HMAC's key block

  // Block j of message || 0x80 || 0... || bit length of (key block || message).
  constexpr void block(std::size_t j, std::uint8_t* out) const noexcept {
    const std::size_t start = block_size * j;
    std::size_t at = 0;  // message offset of the current piece
    // Copies the part of a piece that falls in this block.
    auto copy = [&](const auto* piece, std::size_t n) {
      const std::size_t lo = at > start ? at : start;
      const std::size_t hi = at + n < start + block_size ? at + n : start + block_size;
      if (lo < hi) {
        if (std::is_constant_evaluated()) {
          for (std::size_t pos = lo; pos < hi; ++pos) out[pos - start] = static_cast<std::uint8_t>(piece[pos - at]);
        } else {
          std::memcpy(out + (lo - start), piece + (lo - at), hi - lo);
        }
      }
      at += n;
    };
    if (prefix != nullptr) copy(prefix, Hash::digest_size);
    copy(label.data(), label.size());
    for (auto piece : seed) copy(piece.data(), piece.size());
    const std::size_t used = length > start ? (length - start < block_size ? length - start : block_size) : 0;
    for (std::size_t i = used; i < block_size; ++i) out[i] = 0;
    if (length >= start && length < start + block_size) out[length - start] = 0x80;
    if (j + 1 == blocks()) store_length_field<Hash>(out, block_size + std::uint64_t{length});
  }
  [[nodiscard]] constexpr std::size_t blocks() const noexcept {
    return (length + 1 + Hash::length_size + block_size - 1) / block_size;
  }
};

// One HMAC computation as a sequence of compressions: the inner blocks, then
// the outer block built from the inner digest.
template <block_hash Hash>
struct hmac_lane {
  typename Hash::state_type h;
  const hmac_pads<Hash>* pads;
  const prf_message<Hash>* msg;
  std::size_t next = 0;  // next inner block; msg->blocks() means the outer block is next
  bool done = false;
  std::array<std::uint8_t, Hash::block_size> buf{};

  constexpr hmac_lane(const hmac_pads<Hash>& p, const prf_message<Hash>& m) noexcept
      : h(p.inner()), pads(&p), msg(&m) {}
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
    // The outer message, K0 ^ opad || inner digest, padded: one block.
    static_assert(Hash::digest_size + 1 + Hash::length_size <= Hash::block_size);
    digest(buf.data());
    buf[Hash::digest_size] = 0x80;
    for (std::size_t i = Hash::digest_size + 1; i < Hash::block_size; ++i) buf[i] = 0;
    store_length_field<Hash>(buf.data(), Hash::block_size + Hash::digest_size);
    h = pads->outer();
    return buf.data();
  }
  constexpr void advance() noexcept {
    if (next++ == msg->blocks()) done = true;
  }
  constexpr void digest(std::uint8_t* out) const noexcept {
    Hash::write_digest(h, std::span<std::uint8_t, Hash::digest_size>(out, Hash::digest_size));
  }
};

// Runs one lane, or two side by side (compress2: two streams on SHA-NI) until both finish.
template <block_hash Hash>
constexpr void run_lanes(hmac_lane<Hash>& a, hmac_lane<Hash>* b) noexcept {
  while (b != nullptr && !a.done && !b->done) {
    const std::uint8_t* pa = a.prepare();
    const std::uint8_t* pb = b->prepare();
    Hash::compress2(a.h.data(), pa, b->h.data(), pb);
    a.advance();
    b->advance();
  }
  for (hmac_lane<Hash>* l : {&a, b}) {
    while (l != nullptr && !l->done) {
      Hash::compress(l->h.data(), l->prepare(), 1);
      l->advance();
    }
  }
}

}  // namespace detail

// PRF(secret, label, seed) with the seed given in pieces (concatenated in
// order), written to out (any length).
//
// P_hash: A(1) = HMAC(secret, label || seed), A(i+1) = HMAC(secret, A(i)),
// output block i = HMAC(secret, A(i) || label || seed). The keyed pad states
// are made once, and each output block is computed beside the next A(i+1),
// the two HMACs running as two interleaved hash streams (Hash::compress2).
template <block_hash Hash = sha256>
constexpr void prf(bytes_view secret, std::string_view label, std::initializer_list<bytes_view> seed,
                   mutable_bytes out) noexcept {
  constexpr std::size_t digest_size = Hash::digest_size;
  const hmac_pads<Hash> pads(secret);
  std::size_t n = label.size();
  for (auto s : seed) n += s.size();
  std::array<std::uint8_t, digest_size> a{};      // A(i)
  std::array<std::uint8_t, digest_size> block{};  // output block i
  const detail::prf_message<Hash> first{nullptr, label, seed, n};
  const detail::prf_message<Hash> with_a{a.data(), label, seed, digest_size + n};
  const detail::prf_message<Hash> only_a{a.data(), {}, {}, digest_size};
  {
    detail::hmac_lane<Hash> l(pads, first);
    detail::run_lanes<Hash>(l, nullptr);
    l.digest(a.data());
  }
  for (std::size_t done = 0; done < out.size(); done += block.size()) {
    const std::size_t take = out.size() - done < block.size() ? out.size() - done : block.size();
    const bool more = done + take < out.size();
    detail::hmac_lane<Hash> output(pads, with_a);
    detail::hmac_lane<Hash> next_a(pads, only_a);
    detail::run_lanes<Hash>(output, more ? &next_a : nullptr);
    output.digest(block.data());
    for (std::size_t i = 0; i < take; ++i) out[done + i] = block[i];
    if (more) next_a.digest(a.data());
  }
  secure_wipe(a);
  secure_wipe(block);
}

template <block_hash Hash = sha256>
constexpr void prf(bytes_view secret, std::string_view label, bytes_view seed, mutable_bytes out) noexcept {
  prf<Hash>(secret, label, {seed}, out);
}

// RFC 5246 section 8.1. pre_master is the RSA (48-byte) or (EC)DHE shared secret.
template <block_hash Hash = sha256>
[[nodiscard]] constexpr master_secret compute_master_secret(bytes_view pre_master, const random& client_random,
                                                            const random& server_random) noexcept {
  master_secret ms{};
  prf<Hash>(pre_master, master_secret_label, {client_random, server_random}, ms);
  return ms;
}

// RFC 7627 section 4: session_hash is the hash (the PRF's) of the handshake
// messages up to and including ClientKeyExchange.
template <block_hash Hash = sha256>
[[nodiscard]] constexpr master_secret compute_extended_master_secret(bytes_view pre_master,
                                                                     handshake_hash_of<Hash> session_hash) noexcept {
  master_secret ms{};
  prf<Hash>(pre_master, extended_master_secret_label, {session_hash}, ms);
  return ms;
}

// RFC 5246 section 6.3: as many key block bytes as out holds. Note the order
// of the randoms: server_random first.
template <block_hash Hash = sha256>
constexpr void key_block(const master_secret& master, const random& client_random, const random& server_random,
                         mutable_bytes out) noexcept {
  prf<Hash>(master, key_expansion_label, {server_random, client_random}, out);
}

// The session keys of an AES-GCM suite (RFC 5288 section 3): KeySize 16 for
// TLS_*_WITH_AES_128_GCM_SHA256, 32 for TLS_*_WITH_AES_256_GCM_SHA384.
// Wiped when destroyed.
template <std::size_t KeySize>
struct gcm_session_keys {
  static_assert(KeySize == 16 || KeySize == 32, "AES-128-GCM or AES-256-GCM");
  static constexpr std::size_t key_size = KeySize;
  static constexpr std::size_t iv_size = 4;  // the implicit part of the GCM nonce (the salt)

  std::array<std::uint8_t, key_size> client_write_key;
  std::array<std::uint8_t, key_size> server_write_key;
  std::array<std::uint8_t, iv_size> client_write_iv;
  std::array<std::uint8_t, iv_size> server_write_iv;

  static constexpr std::size_t key_block_size = 2 * key_size + 2 * iv_size;

  constexpr ~gcm_session_keys() {
    secure_wipe(client_write_key);
    secure_wipe(server_write_key);
    secure_wipe(client_write_iv);
    secure_wipe(server_write_iv);
  }
};
using session_keys = gcm_session_keys<16>;  // TLS_*_WITH_AES_128_GCM_SHA256

// The key block cut as RFC 5246 section 6.3 orders it: client key, server
// key, client IV, server IV. derive_session_keys<sha384, 32> for the
// *_AES_256_GCM_SHA384 suites.
template <block_hash Hash = sha256, std::size_t KeySize = 16>
[[nodiscard]] constexpr gcm_session_keys<KeySize> derive_session_keys(const master_secret& master,
                                                                      const random& client_random,
                                                                      const random& server_random) noexcept {
  using keys_type = gcm_session_keys<KeySize>;
  std::array<std::uint8_t, keys_type::key_block_size> kb{};
  key_block<Hash>(master, client_random, server_random, kb);
  keys_type keys{};
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
// server_finished_label; hash is the hash (the PRF's) of the handshake
// messages so far. verify_data is 12 bytes for every TLS 1.2 suite kagi has.
template <block_hash Hash = sha256>
[[nodiscard]] constexpr std::array<std::uint8_t, 12> verify_data(const master_secret& master, std::string_view label,
                                                                 handshake_hash_of<Hash> hash) noexcept {
  std::array<std::uint8_t, 12> out{};
  prf<Hash>(master, label, {hash}, out);
  return out;
}

}  // namespace kagi::tls12

#endif  // KAGI_TLS12_PRF_HPP
