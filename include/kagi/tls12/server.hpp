// kagi/tls12/server.hpp: a sans-I/O TLS 1.2 server (RFC 5246, RFC 7627,
// RFC 8422, RFC 5746).
//
// One state per message the server expects next, held in a std::variant:
//
//   expect_client_hello -> (ServerHello, Certificate, [ServerKeyExchange],
//   ServerHelloDone sent) -> expect_client_key_exchange ->
//   expect_change_cipher_spec -> expect_finished -> (ChangeCipherSpec and
//   Finished sent) -> connected
//
// What real clients need from it: TLS 1.2 is chosen whenever
// ClientHello.legacy_version is 0x0303 or more, whatever the hello offers for
// TLS 1.3 (supported_versions, key_share, psk modes and 0x13xx suites are
// ignored); older versions get protocol_version, no shared suite
// handshake_failure. Unknown extensions are ignored and only offered ones are
// answered: renegotiation_info (empty) when the client sent the SCSV or the
// extension, extended_master_secret when the client sent it (required
// unless the configuration turns that off), ec_point_formats for ECDHE; never
// encrypt_then_mac or session_ticket. ServerHello.random never holds the
// TLS 1.3 downgrade sentinels; the session id is fresh. The ServerKeyExchange
// signature uses the first scheme in the client's order that the server
// supports. RSA key exchange decrypts with ClientHello.client_version and
// one code path for every ciphertext (rsa_private_key::decrypt_tls_premaster).
#ifndef KAGI_TLS12_SERVER_HPP
#define KAGI_TLS12_SERVER_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../core/result.hpp"
#include "../rsa/rsa.hpp"
#include "ecdhe.hpp"
#include "engine.hpp"
#include "messages.hpp"
#include "prf.hpp"

namespace kagi::tls12 {

struct server_config {
  random_generator* rng = nullptr;                   // required
  std::span<const bytes_view> certificate_chain;     // DER, leaf first (the leaf's key is `key` or `ecdsa_key`)
  const rsa_private_key* key = nullptr;              // an RSA certificate's key, or
  const p256::private_key_type* ecdsa_key = nullptr;  // a P-256 certificate's key (exactly one of the two)
  std::span<const cipher_suite> suites = default_suites;  // the server's preference order
  std::span<const named_group> groups = default_groups;
  std::span<const signature_scheme> signature_schemes = supported_signature_schemes;
  bool require_extended_master_secret = true;
  key_logger* keylog = nullptr;
  unsigned max_empty_records = 32;
};

class server : public detail::engine<server> {
  using base = detail::engine<server>;
  friend base;

 public:
  // The size `out` needs for this configuration's first flight (ServerHello,
  // Certificate, ServerKeyExchange, ServerHelloDone), the ChangeCipherSpec
  // and Finished after it, and room for alerts: at least min_out_buffer.
  [[nodiscard]] static constexpr std::size_t out_buffer_needed(const server_config& c) noexcept {
    std::size_t chain = 7;
    for (auto cert : c.certificate_chain) chain += 3 + cert.size();
    const std::size_t key = c.key != nullptr ? c.key->size() : c.ecdsa_key != nullptr ? 72 : 512;
    const std::size_t flight = 128 + chain + (4 + 4 + 65 + 4 + key) + 4;
    const std::size_t headers = record_header_size * (flight / max_plaintext_length + 4);
    const std::size_t need = flight + headers + 6 + 16 + 29 + alert_reserve;
    return need > min_out_buffer ? need : min_out_buffer;
  }

  constexpr server(const server_config& config, const buffers& b) noexcept
      : base(b, config.max_empty_records), cfg_(config) {
    if (last_error().reason != errc::ok) return;
    if (cfg_.rng == nullptr || (cfg_.key == nullptr) == (cfg_.ecdsa_key == nullptr) || cfg_.certificate_chain.empty() ||
        cfg_.suites.empty())
      { stop(errc::invalid_argument, false); return; }
    for (auto s : cfg_.suites)
      if (find_suite(static_cast<std::uint16_t>(s)) == nullptr) { stop(errc::invalid_argument, false); return; }
    for (auto s : cfg_.signature_schemes)
      if (!is_supported(s)) { stop(errc::invalid_argument, false); return; }
    for (auto g : cfg_.groups)
      if (ecdh_public_key_size(g) == 0) { stop(errc::invalid_argument, false); return; }
    if (b.out.size() < out_buffer_needed(cfg_)) { stop(errc::buffer_too_small, false); return; }
  }

 private:
  struct expect_client_hello {};
  struct expect_client_key_exchange {
    std::uint16_t client_version = 0;
    std::optional<ecdhe_private_key> ecdhe;
  };
  struct expect_change_cipher_spec {
    detail::key_material km;
  };
  struct expect_finished {
    detail::key_material km;
  };
  struct connected {};
  using state = std::variant<expect_client_hello, expect_client_key_exchange, expect_change_cipher_spec,
                             expect_finished, connected>;

  constexpr bool accepts_renegotiation_request(handshake_type t) const noexcept {
    return t == handshake_type::client_hello;
  }
  constexpr void wipe_secrets() noexcept { state_ = connected{}; }

  constexpr status on_handshake(handshake_type type, bytes_view body, bytes_view message) noexcept {
    if (std::holds_alternative<expect_client_hello>(state_)) return on_client_hello(type, body, message);
    if (auto* s = std::get_if<expect_client_key_exchange>(&state_)) return on_client_key_exchange(*s, type, body, message);
    if (auto* s = std::get_if<expect_finished>(&state_)) return on_finished(*s, type, body, message);
    return errc::tls_unexpected_message;
  }

  // The server's choices for a ClientHello: the first suite in the server's
  // order that the client offers and that can run (ECDHE needs a common group
  // and signature scheme).
  struct choice {
    const suite_info* suite = nullptr;
    named_group group{};
    signature_scheme scheme{};
  };
  constexpr choice choose(const client_hello& m) const noexcept {
    choice c;
    const bool ec_key = cfg_.ecdsa_key != nullptr;
    for (auto s : cfg_.suites) {
      if (!list_contains(m.cipher_suites, static_cast<std::uint16_t>(s))) continue;
      const suite_info* info = find_suite(static_cast<std::uint16_t>(s));
      if ((info->kx == key_exchange::ecdhe_ecdsa) != ec_key) continue;  // the suite needs the other key type
      if (info->kx == key_exchange::rsa) {
        c.suite = info;
        return c;
      }
      // A group: the server's first that the client lists (any of the
      // server's when the client sent no supported_groups, RFC 8422 4).
      bool have_group = false;
      for (auto g : cfg_.groups) {
        if (!m.ext.supported_groups || list_contains(m.ext.groups, static_cast<std::uint16_t>(g))) {
          c.group = g;
          have_group = true;
          break;
        }
      }
      // A scheme: the client's first that the server supports (without
      // signature_algorithms a TLS 1.2 client means SHA-1, RFC 5246
      // 7.4.1.4.1, which kagi does not sign with).
      bool have_scheme = false;
      if (m.ext.signature_algorithms) {
        for (std::size_t i = 0; i + 1 < m.ext.signature_schemes.size() && !have_scheme; i += 2) {
          const auto sch = static_cast<signature_scheme>(load_be16(m.ext.signature_schemes.data() + i));
          for (auto mine : cfg_.signature_schemes) {
            if (mine == sch && is_ecdsa(mine) == ec_key) {
              c.scheme = sch;
              have_scheme = true;
              break;
            }
          }
        }
      }
      bool uncompressed = !m.ext.ec_point_formats;
      for (auto f : m.ext.point_formats) uncompressed |= f == ec_point_format_uncompressed;
      // An ECDSA certificate's curve must be one the client lists too
      // (RFC 8422 5.1.1; kagi's certificates are P-256).
      const bool cert_curve = !ec_key || !m.ext.supported_groups ||
                              list_contains(m.ext.groups, static_cast<std::uint16_t>(named_group::secp256r1));
      if (have_group && have_scheme && uncompressed && cert_curve && !cfg_.groups.empty()) {
        c.suite = info;
        return c;
      }
    }
    c.suite = nullptr;
    return c;
  }

  constexpr status on_client_hello(handshake_type type, bytes_view body, bytes_view message) noexcept {
    if (type != handshake_type::client_hello) return errc::tls_unexpected_message;
    const auto m = decode_client_hello(body);
    if (!m) return m.error();
    if (m->version < tls12_version) return errc::tls_protocol_version;
    bool null_compression = false;  // RFC 5246 7.4.1.2: the list must hold null
    for (auto method : m->compression_methods) null_compression |= method == 0;
    if (!null_compression) return errc::tls_illegal_parameter;
    const bool scsv = list_contains(m->cipher_suites, empty_renegotiation_info_scsv);
    if (m->ext.renegotiation_info && !m->ext.renegotiated_connection.empty()) return errc::tls_handshake_failure;
    if (!m->ext.extended_master_secret && cfg_.require_extended_master_secret)
      return errc::tls_no_extended_master_secret;
    const choice c = choose(*m);
    if (c.suite == nullptr) return errc::tls_handshake_failure;

    suite_ = c.suite;
    info_.suite = c.suite->suite;
    info_.kx = c.suite->kx;
    info_.client_random = m->client_random;
    info_.extended_master_secret = m->ext.extended_master_secret;
    info_.secure_renegotiation = scsv || m->ext.renegotiation_info;
    if (m->ext.server_name) {
      const std::size_t n = m->ext.host_name.size() < info_.server_name.size() - 1 ? m->ext.host_name.size()
                                                                                   : info_.server_name.size() - 1;
      for (std::size_t i = 0; i < n; ++i) info_.server_name[i] = static_cast<char>(m->ext.host_name[i]);
    }
    transcript_.use(c.suite->hash);
    transcript_.update(message);
    version_fixed_ = true;

    detail::rng_ref rng{cfg_.rng};
    // A fresh random without the TLS 1.3 downgrade sentinels (RFC 8446
    // 4.1.3; a server that does not speak TLS 1.3 must not send them).
    constexpr std::array<std::uint8_t, 7> downgrd{'D', 'O', 'W', 'N', 'G', 'R', 'D'};
    for (;;) {
      rng.fill(info_.server_random);
      bool sentinel = info_.server_random[31] <= 1;
      for (std::size_t i = 0; i < 7; ++i) sentinel &= info_.server_random[24 + i] == downgrd[i];
      if (!sentinel) break;
    }
    std::array<std::uint8_t, 32> session_id{};
    rng.fill(session_id);
    server_hello_params sh{info_.server_random, session_id, info_.suite, info_.extended_master_secret,
                           info_.secure_renegotiation, info_.kx != key_exchange::rsa && m->ext.ec_point_formats};
    if (auto s = put_handshake([&](mutable_bytes out) { return encode_server_hello(sh, out); }); !s) return s;
    if (auto s = put_handshake([&](mutable_bytes out) { return encode_certificate(cfg_.certificate_chain, out); }); !s)
      return s;

    expect_client_key_exchange next;
    // RFC 5246 7.4.7.1: the version in the pre-master secret is the one the
    // client offered (the highest it supports), not the negotiated one.
    next.client_version = m->version;
    if (info_.kx != key_exchange::rsa) {
      auto key = ecdhe_private_key::generate(c.group, rng);
      if (!key) return key.error();
      info_.group = c.group;
      info_.signature = c.scheme;
      std::array<std::uint8_t, 65> pub{};
      const auto n = key->public_key(pub);
      if (!n) return n.error();
      const server_ecdh_params params{c.group, bytes_view(pub).first(*n)};
      std::array<std::uint8_t, 64 + 4 + 65> signed_data{};
      const auto sn = server_signed_data(info_.client_random, info_.server_random, params, signed_data);
      if (!sn) return sn.error();
      const bytes_view data = bytes_view(signed_data).first(*sn);
      std::array<std::uint8_t, rsa_private_key::max_bits / 8> sig{};
      const auto signed_size = detail::sign_with(detail::signing_key{cfg_.key, cfg_.ecdsa_key}, c.scheme, data, sig, rng);
      if (!signed_size) return signed_size.error();
      const std::size_t sig_size = *signed_size;
      if (auto s = put_handshake([&](mutable_bytes out) -> result<std::size_t> {
            if (out.size() < handshake_header_size) return errc::buffer_too_small;
            const auto written = encode_server_key_exchange_ecdhe(params, static_cast<std::uint16_t>(c.scheme),
                                                                  bytes_view(sig).first(sig_size),
                                                                  out.subspan(handshake_header_size));
            if (!written) return written.error();
            writer w(out);
            w.u8(static_cast<std::uint8_t>(handshake_type::server_key_exchange)).u24(static_cast<std::uint32_t>(*written));
            return handshake_header_size + *written;
          });
          !s)
        return s;
      next.ecdhe = *key;
    }
    if (auto s = put_handshake([&](mutable_bytes out) -> result<std::size_t> {
          writer w(out);
          w.u8(static_cast<std::uint8_t>(handshake_type::server_hello_done)).u24(0);
          return w.finish();
        });
        !s)
      return s;
    state_ = std::move(next);
    return {};
  }

  constexpr status on_client_key_exchange(expect_client_key_exchange& st, handshake_type type, bytes_view body,
                                          bytes_view message) noexcept {
    if (type != handshake_type::client_key_exchange) return errc::tls_unexpected_message;
    detail::rng_ref rng{cfg_.rng};
    detail::secret_array<48> pre_master;
    std::size_t pre_master_size = 48;
    if (info_.kx == key_exchange::rsa) {
      // Only the framing is checked here (public); every ciphertext, of any
      // length or content, then takes the one constant-time path that never
      // fails: a bad one gives a random pre-master secret, and Finished fails.
      const auto ct = decode_client_key_exchange_rsa(body);
      if (!ct) return ct.error();
      pre_master.v = cfg_.key->decrypt_tls_premaster(*ct, st.client_version, rng);
    } else {
      const auto peer = decode_client_key_exchange_ecdhe(st.ecdhe->group(), body);
      if (!peer) return peer.error() == errc::tls_bad_public_key ? errc::tls_illegal_parameter : peer.error();
      const auto z = st.ecdhe->premaster_secret(*peer);
      if (!z) return z.error();
      detail::copy_bytes_to(pre_master.v.data(), *z);
      pre_master_size = z->size();
    }
    transcript_.update(message);
    const bytes_view pms = bytes_view(pre_master.v).first(pre_master_size);
    expect_change_cipher_spec next;
    detail::derive_keys(*suite_, info_.extended_master_secret, pms, transcript_, info_.client_random,
                        info_.server_random, next.km);
    log_keys(cfg_.keylog, pms, next.km);
    state_ = std::move(next);
    return {};
  }

  constexpr status on_change_cipher_spec() noexcept {
    auto* st = std::get_if<expect_change_cipher_spec>(&state_);
    if (st == nullptr) return errc::tls_unexpected_message;
    start_reading_protected(st->km.client_write_key(), st->km.client_iv.v);
    expect_finished next{st->km};
    state_ = std::move(next);
    return {};
  }

  constexpr status on_finished(expect_finished& st, handshake_type type, bytes_view body, bytes_view message) noexcept {
    if (type != handshake_type::finished) return errc::tls_unexpected_message;
    if (body.size() != verify_data_size) return errc::tls_decode_error;
    auto expected = detail::finished_data(*suite_, st.km, client_finished_label, transcript_);
    log_secret(cfg_.keylog, "client_verify_data", expected);
    const bool ok = ct_equal(expected, body);
    secure_wipe(expected);
    if (!ok) return errc::tls_bad_finished;
    transcript_.update(message);
    if (auto s = put_change_cipher_spec(st.km.server_write_key(), st.km.server_iv.v); !s) return s;
    const auto finished = detail::finished_data(*suite_, st.km, server_finished_label, transcript_);
    log_secret(cfg_.keylog, "server_verify_data", finished);
    if (auto s = put_handshake([&](mutable_bytes out) -> result<std::size_t> {
          writer w(out);
          w.u8(static_cast<std::uint8_t>(handshake_type::finished)).u24(verify_data_size).bytes(finished);
          return w.finish();
        });
        !s)
      return s;
    handshake_done_ = true;
    state_ = connected{};
    return {};
  }

  server_config cfg_;
  const suite_info* suite_ = nullptr;
  state state_{};
};

}  // namespace kagi::tls12

#endif  // KAGI_TLS12_SERVER_HPP
