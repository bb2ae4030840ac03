// kagi/tls12/ecdhe.hpp: the ECDHE key exchange of TLS 1.2 (RFC 8422, RFC 5246).
//
//   ServerKeyExchange = ServerECDHParams params || digitally-signed signature
//     ServerECDHParams  = curve_type (1: named_curve = 3) || group (2) || point<1..255>
//     signature covers  client_random || server_random || ServerECDHParams
//     digitally-signed  = SignatureAndHashAlgorithm (2) || opaque signature<0..2^16-1>
//   ClientKeyExchange = ClientECDiffieHellmanPublic: point<1..255> (explicit form)
//   pre-master secret = the X25519 shared secret, or the x-coordinate of the
//                       P-256 shared point (RFC 8422 section 5.10), 32 bytes
//
// Encoders write into a caller's buffer and return the length written;
// decoders return views into their input and refuse anything that is not
// exactly one well-formed message: a field cut short (errc::tls_truncated),
// bytes after the end (errc::tls_trailing_data), a curve type other than
// named_curve or a group other than x25519 and secp256r1
// (errc::tls_unsupported_group), a public key whose length (or, for P-256,
// format byte) does not fit its group (errc::tls_bad_public_key). Message
// bodies are given without the 4-byte handshake header.
#ifndef KAGI_TLS12_ECDHE_HPP
#define KAGI_TLS12_ECDHE_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../core/random.hpp"
#include "../core/result.hpp"
#include "../ec/p256.hpp"
#include "../ec/x25519.hpp"
#include "codec.hpp"

namespace kagi::tls12 {

// NamedGroup values (RFC 8422 section 5.1.1; IANA TLS Supported Groups).
enum class named_group : std::uint16_t {
  secp256r1 = 23,
  x25519 = 29,
};

// ECCurveType named_curve (RFC 8422 section 5.4): the only type RFC 8422 allows.
inline constexpr std::uint8_t ec_curve_type_named_curve = 3;

// The size of a public key of the group in ECDHE: 65 for secp256r1 (SEC 1
// uncompressed, the only format RFC 8422 section 5.1.2 leaves), 32 for
// x25519 (RFC 8422 section 5.11), 0 for a group kagi does not support.
[[nodiscard]] constexpr std::size_t ecdh_public_key_size(named_group g) noexcept {
  switch (g) {
    case named_group::secp256r1: return 65;
    case named_group::x25519: return 32;
  }
  return 0;
}

// ServerECDHParams with a named curve. public_key is a view: into the message
// when decoded, into the caller's key when encoding.
struct server_ecdh_params {
  named_group group{};
  bytes_view public_key;

  [[nodiscard]] constexpr std::size_t encoded_size() const noexcept { return 4 + public_key.size(); }
};

// A decoded ECDHE ServerKeyExchange body.
struct server_key_exchange_ecdhe {
  server_ecdh_params params;
  bytes_view params_encoding;          // the ServerECDHParams bytes as received (part of what is signed)
  std::uint16_t signature_algorithm{};  // SignatureAndHashAlgorithm, hash << 8 | signature (0x0804: rsa_pss_rsae_sha256)
  bytes_view signature;
};

namespace detail {

// Declared for the tests (which define it) so that they can make a key of an
// unsupported group and check that public_key and premaster_secret refuse it.
struct ecdhe_private_key_probe;

// Checks a public key against its group: the length, and the 04 prefix of an
// uncompressed P-256 point (its validity is checked by p256::shared_secret).
[[nodiscard]] constexpr status check_public_key(named_group g, bytes_view key) noexcept {
  const std::size_t size = ecdh_public_key_size(g);
  if (size == 0) return errc::tls_unsupported_group;
  if (key.size() != size) return errc::tls_bad_public_key;
  if (g == named_group::secp256r1 && key[0] != 0x04) return errc::tls_bad_public_key;
  return {};
}

// Reads ServerECDHParams from the front of r.
[[nodiscard]] constexpr status read_params(reader& r, server_ecdh_params& out) noexcept {
  std::uint8_t curve_type = 0, len = 0;
  std::uint16_t group = 0;
  if (!r.read_u8(curve_type)) return errc::tls_truncated;
  if (curve_type != ec_curve_type_named_curve) return errc::tls_unsupported_group;
  if (!r.read_u16(group)) return errc::tls_truncated;
  out.group = static_cast<named_group>(group);
  if (ecdh_public_key_size(out.group) == 0) return errc::tls_unsupported_group;
  if (!r.read_u8(len)) return errc::tls_truncated;
  if (!r.read_bytes(len, out.public_key)) return errc::tls_truncated;
  return check_public_key(out.group, out.public_key);
}

constexpr void copy_bytes(std::uint8_t* out, bytes_view in) noexcept {
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = in[i];
}

}  // namespace detail

// ---- ServerECDHParams

// Writes curve_type || group || point<1..255>. errc::tls_unsupported_group or
// errc::tls_bad_public_key for a group or key that does not fit;
// errc::buffer_too_small when out is shorter than params.encoded_size().
[[nodiscard]] constexpr result<std::size_t> encode_server_ecdh_params(const server_ecdh_params& params,
                                                                      mutable_bytes out) noexcept {
  if (auto s = detail::check_public_key(params.group, params.public_key); !s) return s.error();
  const std::size_t n = params.encoded_size();
  if (out.size() < n) return errc::buffer_too_small;
  out[0] = ec_curve_type_named_curve;
  store_be16(out.data() + 1, static_cast<std::uint16_t>(params.group));
  out[3] = static_cast<std::uint8_t>(params.public_key.size());
  detail::copy_bytes(out.data() + 4, params.public_key);
  return n;
}

// Reads exactly one ServerECDHParams (errc::tls_trailing_data if more follows).
[[nodiscard]] constexpr result<server_ecdh_params> decode_server_ecdh_params(bytes_view in) noexcept {
  reader r(in);
  server_ecdh_params p;
  if (auto s = detail::read_params(r, p); !s) return s.error();
  if (!r.empty()) return errc::tls_trailing_data;
  return p;
}

// ---- ServerKeyExchange (ECDHE): params || digitally-signed

// Writes params || signature_algorithm || signature<0..2^16-1>.
[[nodiscard]] constexpr result<std::size_t> encode_server_key_exchange_ecdhe(const server_ecdh_params& params,
                                                                             std::uint16_t signature_algorithm,
                                                                             bytes_view signature,
                                                                             mutable_bytes out) noexcept {
  if (auto s = detail::check_public_key(params.group, params.public_key); !s) return s.error();
  if (signature.size() > 0xffff) return errc::bad_length;
  const std::size_t n = params.encoded_size() + 4 + signature.size();
  if (out.size() < n) return errc::buffer_too_small;
  std::uint8_t* p = out.data() + encode_server_ecdh_params(params, out).value();
  store_be16(p, signature_algorithm);
  store_be16(p + 2, static_cast<std::uint16_t>(signature.size()));
  detail::copy_bytes(p + 4, signature);
  return n;
}

// Reads exactly one ECDHE ServerKeyExchange body.
[[nodiscard]] constexpr result<server_key_exchange_ecdhe> decode_server_key_exchange_ecdhe(bytes_view body) noexcept {
  reader r(body);
  server_key_exchange_ecdhe m;
  if (auto s = detail::read_params(r, m.params); !s) return s.error();
  m.params_encoding = body.first(body.size() - r.remaining());
  std::uint16_t sig_len = 0;
  if (!r.read_u16(m.signature_algorithm) || !r.read_u16(sig_len) || !r.read_bytes(sig_len, m.signature))
    return errc::tls_truncated;
  if (!r.empty()) return errc::tls_trailing_data;
  return m;
}

// The bytes the server signs (RFC 8422 section 5.4): client_random ||
// server_random || ServerECDHParams, written to out (64 +
// params.encoded_size() bytes). Returns the length written.
[[nodiscard]] constexpr result<std::size_t> server_signed_data(const random& client_random,
                                                               const random& server_random,
                                                               const server_ecdh_params& params,
                                                               mutable_bytes out) noexcept {
  const std::size_t n = 64 + params.encoded_size();
  if (auto s = detail::check_public_key(params.group, params.public_key); !s) return s.error();
  if (out.size() < n) return errc::buffer_too_small;
  detail::copy_bytes(out.data(), client_random);
  detail::copy_bytes(out.data() + 32, server_random);
  return encode_server_ecdh_params(params, out.subspan(64)).value() + 64;
}

// ---- ClientKeyExchange (ECDHE): ClientECDiffieHellmanPublic, explicit form

// Writes point<1..255> for a public key of `group`.
[[nodiscard]] constexpr result<std::size_t> encode_client_key_exchange_ecdhe(named_group group, bytes_view public_key,
                                                                             mutable_bytes out) noexcept {
  if (auto s = detail::check_public_key(group, public_key); !s) return s.error();
  const std::size_t n = 1 + public_key.size();
  if (out.size() < n) return errc::buffer_too_small;
  out[0] = static_cast<std::uint8_t>(public_key.size());
  detail::copy_bytes(out.data() + 1, public_key);
  return n;
}

// Reads exactly one ClientKeyExchange body for the group the server chose;
// returns a view of the client's public key. An empty point (the implicit
// form of fixed ECDH) is refused: ECDHE needs the key (RFC 8422 section 5.7).
[[nodiscard]] constexpr result<bytes_view> decode_client_key_exchange_ecdhe(named_group group, bytes_view body) noexcept {
  reader r(body);
  std::uint8_t len = 0;
  bytes_view key;
  if (!r.read_u8(len) || !r.read_bytes(len, key)) return errc::tls_truncated;
  if (!r.empty()) return errc::tls_trailing_data;
  if (auto s = detail::check_public_key(group, key); !s) return s.error();
  return key;
}

// ---- key pairs and the pre-master secret

// An ephemeral ECDHE private key: 32 bytes for either group (an X25519
// scalar, or a P-256 scalar in [1, n - 1], big-endian). Wiped on destruction.
// Only made for a supported group (x25519, secp256r1): generate and
// from_bytes refuse any other with errc::tls_unsupported_group.
class ecdhe_private_key {
 public:
  // A fresh key for the group from a random source (errc::tls_unsupported_group
  // for a group other than x25519 and secp256r1; nothing is drawn then).
  template <random_source R>
  [[nodiscard]] static constexpr result<ecdhe_private_key> generate(named_group group, R& rng) noexcept {
    if (ecdh_public_key_size(group) == 0) return errc::tls_unsupported_group;
    ecdhe_private_key k;
    k.group_ = group;
    // Drawn straight into the key (no temporary copy to wipe).
    if (group == named_group::secp256r1) {
      p256::generate_private_key(rng, k.key_);
    } else {
      rng.fill(k.key_);
    }
    return k;
  }
  // A key from 32 given bytes (errc::invalid_argument for a P-256 scalar of 0
  // or >= n, errc::tls_unsupported_group for another group).
  [[nodiscard]] static constexpr result<ecdhe_private_key> from_bytes(named_group group,
                                                                      std::span<const std::uint8_t, 32> key) noexcept {
    if (ecdh_public_key_size(group) == 0) return errc::tls_unsupported_group;
    ecdhe_private_key k;
    k.group_ = group;
    for (std::size_t i = 0; i < 32; ++i) k.key_[i] = key[i];
    if (group == named_group::secp256r1 && !p256::is_valid_private_key(k.key_)) return errc::invalid_argument;
    return k;
  }

  constexpr ecdhe_private_key(const ecdhe_private_key&) noexcept = default;
  constexpr ecdhe_private_key& operator=(const ecdhe_private_key&) noexcept = default;
  constexpr ~ecdhe_private_key() { secure_wipe(key_); }

  [[nodiscard]] constexpr named_group group() const noexcept { return group_; }

  // Writes the public key (65 bytes for secp256r1, 32 for x25519) to the
  // front of out and returns its length; nothing past that length is
  // written. errc::buffer_too_small when out is shorter;
  // errc::tls_unsupported_group for a key of another group (generate and
  // from_bytes never make one; checked here again all the same).
  [[nodiscard]] constexpr result<std::size_t> public_key(mutable_bytes out) const noexcept {
    switch (group_) {
      case named_group::secp256r1: {
        if (out.size() < p256::public_key_size) return errc::buffer_too_small;
        const auto pub = p256::public_key(key_);
        if (!pub) return errc::invalid_argument;  // not reached: the scalar was checked when made
        detail::copy_bytes(out.data(), *pub);
        return pub->size();
      }
      case named_group::x25519: {
        if (out.size() < x25519::key_size) return errc::buffer_too_small;
        const auto pub = x25519::public_key(key_);
        detail::copy_bytes(out.data(), pub);
        return pub.size();
      }
    }
    return errc::tls_unsupported_group;
  }

  // The pre-master secret with the peer's public key (RFC 8422 section 5.10).
  // errc::tls_bad_public_key when the peer's key is refused: wrong length,
  // not a valid P-256 point, or an X25519 key giving the all-zero secret
  // (RFC 8422 section 5.11); TLS answers with an illegal_parameter alert.
  [[nodiscard]] constexpr result<std::array<std::uint8_t, 32>> premaster_secret(bytes_view peer) const noexcept {
    if (auto s = detail::check_public_key(group_, peer); !s) return s.error();
    std::optional<std::array<std::uint8_t, 32>> z;
    if (group_ == named_group::secp256r1) {
      z = p256::shared_secret(key_, peer);
    } else {
      std::array<std::uint8_t, 32> u{};
      detail::copy_bytes(u.data(), peer);
      z = x25519::shared_secret(key_, u);
    }
    if (!z) return errc::tls_bad_public_key;
    result<std::array<std::uint8_t, 32>> secret(*z);
    secure_wipe(*z);
    return secret;
  }

 private:
  friend struct detail::ecdhe_private_key_probe;  // tests only: makes keys the factories refuse to
  constexpr ecdhe_private_key() noexcept = default;
  named_group group_{};
  std::array<std::uint8_t, 32> key_{};
};

}  // namespace kagi::tls12

#endif  // KAGI_TLS12_ECDHE_HPP
