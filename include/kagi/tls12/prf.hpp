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
#include <initializer_list>
#include <span>
#include <string_view>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../hash/hmac.hpp"
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
// Feeds the label's ASCII bytes to an HMAC (copied through a buffer when
// constant-evaluated, where chars cannot be viewed as bytes).
constexpr void absorb_label(hmac_sha256& h, std::string_view label) noexcept {
  if (!std::is_constant_evaluated()) {
    h.update(as_bytes(label));
    return;
  }
  std::array<std::uint8_t, 64> buf{};
  while (!label.empty()) {
    const std::size_t n = label.size() < buf.size() ? label.size() : buf.size();
    for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<std::uint8_t>(label[i]);
    h.update(bytes_view(buf).first(n));
    label.remove_prefix(n);
  }
}
}  // namespace detail

// PRF(secret, label, seed) with the seed given in pieces (concatenated in
// order), written to out (any length).
constexpr void prf(bytes_view secret, std::string_view label, std::initializer_list<bytes_view> seed,
                   mutable_bytes out) noexcept {
  hmac_sha256 h(secret);
  std::array<std::uint8_t, 32> a{};  // A(i)
  // A(1) = HMAC(secret, label || seed)
  detail::absorb_label(h, label);
  for (auto s : seed) h.update(s);
  h.finish(a);
  std::array<std::uint8_t, 32> block{};
  for (std::size_t done = 0; done < out.size(); done += block.size()) {
    // output block i = HMAC(secret, A(i) || label || seed)
    h.update(a);
    detail::absorb_label(h, label);
    for (auto s : seed) h.update(s);
    h.finish(block);
    const std::size_t n = out.size() - done < block.size() ? out.size() - done : block.size();
    for (std::size_t i = 0; i < n; ++i) out[done + i] = block[i];
    if (done + n < out.size()) {  // A(i+1) = HMAC(secret, A(i))
      h.update(a);
      h.finish(a);
    }
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
