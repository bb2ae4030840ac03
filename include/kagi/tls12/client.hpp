// kagi/tls12/client.hpp: a sans-I/O TLS 1.2 client (RFC 5246, RFC 7627,
// RFC 8422, RFC 5746).
//
// One state per message the client expects next, held in a std::variant:
//
//   expect_server_hello -> expect_certificate -> [expect_server_key_exchange]
//   -> expect_server_hello_done -> (ClientKeyExchange, ChangeCipherSpec and
//   Finished sent) -> expect_change_cipher_spec -> expect_finished -> connected
//
// The client offers the configured suites (with TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
// groups, signature schemes, server_name, ec_point_formats [uncompressed] and
// extended_master_secret, which it requires unless the configuration turns
// that off. It refuses a ServerHello extension it did not offer
// (unsupported_extension), a version other than TLS 1.2 (protocol_version; the
// TLS 1.3 downgrade sentinel DOWNGRD\x01 in ServerHello.random is accepted,
// as a server that speaks TLS 1.3 sends it to a TLS 1.2 client), a suite,
// group or signature scheme it did not offer (illegal_parameter). The
// server's certificate chain goes through the configured
// certificate_verifier (x509_verifier: a path to a trust anchor, host name,
// dates and the key usage the suite needs; pinned_certificate: one
// certificate by its bytes); without one every certificate is refused: the
// client never trusts by default.
#ifndef KAGI_TLS12_CLIENT_HPP
#define KAGI_TLS12_CLIENT_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../core/result.hpp"
#include "../rsa/rsa.hpp"
#include "../x509/verify.hpp"
#include "ecdhe.hpp"
#include "engine.hpp"
#include "messages.hpp"
#include "prf.hpp"

namespace kagi::tls12 {

// What the key exchange does with the server's key, so a verifier can check
// the leaf's keyUsage: it signs the ServerKeyExchange (ECDHE suites) or
// decrypts the pre-master secret (RSA key transport).
using key_usage_needed = x509::key_usage_needed;

// Decides whether the server's certificate chain (leaf first) is trusted for
// server_name at unix time `now`, for the use the negotiated suite makes of
// the leaf's key.
class certificate_verifier {
 public:
  constexpr certificate_verifier() noexcept = default;
  constexpr certificate_verifier(const certificate_verifier&) noexcept = default;
  constexpr certificate_verifier& operator=(const certificate_verifier&) noexcept = default;
  constexpr virtual ~certificate_verifier() = default;
  [[nodiscard]] constexpr virtual status verify(std::span<const bytes_view> chain, std::string_view server_name,
                                                std::int64_t now, key_usage_needed usage) const = 0;
};

// The PKI: a path from the leaf to one of the chain_verifier's trust anchors,
// every signature, date, CA flag, path length, name constraint and key usage
// checked, and server_name matched against the leaf's subjectAltName
// (x509/verify.hpp). An empty server_name is refused (x509_name_mismatch):
// a client must know whom it expects. The chain_verifier is not copied and
// must outlive this object.
class x509_verifier final : public certificate_verifier {
 public:
  constexpr explicit x509_verifier(const x509::chain_verifier& v) noexcept : v_(&v) {}
  constexpr ~x509_verifier() override {}
  constexpr x509_verifier(const x509_verifier&) noexcept = default;
  constexpr x509_verifier& operator=(const x509_verifier&) noexcept = default;
  [[nodiscard]] constexpr status verify(std::span<const bytes_view> chain, std::string_view server_name,
                                        std::int64_t now, key_usage_needed usage) const override {
    return v_->verify(chain, server_name, now, usage);
  }

 private:
  const x509::chain_verifier* v_;
};

// Trusts exactly one certificate: the leaf must be byte-equal to the pinned
// DER (errc::tls_certificate_refused otherwise). The bytes are not copied.
class pinned_certificate final : public certificate_verifier {
 public:
  constexpr explicit pinned_certificate(bytes_view der) noexcept : der_(der) {}
  constexpr ~pinned_certificate() override {}
  constexpr pinned_certificate(const pinned_certificate&) noexcept = default;
  constexpr pinned_certificate& operator=(const pinned_certificate&) noexcept = default;
  [[nodiscard]] constexpr status verify(std::span<const bytes_view> chain, std::string_view, std::int64_t,
                                        key_usage_needed) const override {
    if (chain.empty() || der_.empty() || chain[0].size() != der_.size()) return errc::tls_certificate_refused;
    for (std::size_t i = 0; i < der_.size(); ++i)
      if (chain[0][i] != der_[i]) return errc::tls_certificate_refused;
    return {};
  }

 private:
  bytes_view der_;
};

struct client_config {
  random_generator* rng = nullptr;                   // required
  const certificate_verifier* verifier = nullptr;    // nullptr: every certificate is refused
  std::span<const cipher_suite> suites = default_suites;
  std::span<const named_group> groups = default_groups;
  std::span<const signature_scheme> signature_schemes = supported_signature_schemes;
  bool require_extended_master_secret = true;
  key_logger* keylog = nullptr;
  std::int64_t now = 0;             // unix time, for the verifier
  unsigned max_empty_records = 32;  // consecutive empty records and warning alerts allowed
  std::size_t min_rsa_bits = 2048;  // the smallest server RSA key accepted
};

class client : public detail::engine<client> {
  using base = detail::engine<client>;
  friend base;

 public:
  // Starts a handshake: the ClientHello is in send_buf() when this returns
  // (unless the configuration or the buffers are refused: see last_error()).
  // server_name: whom the client expects, given to the verifier; a DNS name
  // is also sent in the server_name extension (empty: none), an IP literal
  // (dotted IPv4, IPv6) is not (RFC 6066 3 forbids it there).
  constexpr client(const client_config& config, const buffers& b, std::string_view server_name = {}) noexcept
      : base(b, config.max_empty_records), cfg_(config), server_name_(server_name) {
    if (last_error().reason != errc::ok) return;
    if (cfg_.rng == nullptr || cfg_.suites.empty() || cfg_.signature_schemes.empty() || server_name.size() > 255)
      { stop(errc::invalid_argument, false); return; }
    for (auto s : cfg_.suites)
      if (find_suite(static_cast<std::uint16_t>(s)) == nullptr) { stop(errc::invalid_argument, false); return; }
    for (auto s : cfg_.signature_schemes)
      if (!is_supported(s)) { stop(errc::invalid_argument, false); return; }
    if (cfg_.groups.size() > 2) { stop(errc::invalid_argument, false); return; }  // x25519, secp256r1 at most
    for (auto g : cfg_.groups)
      if (ecdh_public_key_size(g) == 0) { stop(errc::invalid_argument, false); return; }
    cfg_.rng->fill(info_.client_random);
    client_hello_params p;
    p.client_random = info_.client_random;
    p.suites = cfg_.suites;
    // In TLS 1.2 supported_groups also names the curves of ECDSA
    // certificates the client accepts (RFC 8422 5.1.1): with ECDHE_ECDSA
    // suites offered, secp256r1 (the only certificate curve kagi verifies)
    // joins the list if the configuration left it out.
    for (auto g : cfg_.groups) groups_[group_count_++] = g;
    bool ecdsa = false, p256 = false;
    for (auto s : cfg_.suites) ecdsa |= find_suite(static_cast<std::uint16_t>(s))->kx == key_exchange::ecdhe_ecdsa;
    for (auto g : cfg_.groups) p256 |= g == named_group::secp256r1;
    if (ecdsa && !p256 && group_count_ < groups_.size()) groups_[group_count_++] = named_group::secp256r1;
    p.groups = std::span<const named_group>(groups_.data(), group_count_);
    p.signature_schemes = cfg_.signature_schemes;
    sni_sent_ = !server_name.empty() && !x509::parse_ip_address(server_name);
    if (sni_sent_) p.server_name = server_name;
    if (auto s = put_handshake([&](mutable_bytes out) { return encode_client_hello(p, out); }); !s)
      { stop(s.error(), false); return; }
  }

 private:
  // ---- one state per expected message
  struct expect_server_hello {};
  struct expect_certificate {};
  struct expect_server_key_exchange {
    detail::peer_key server_key;
  };
  struct expect_server_hello_done {
    detail::peer_key server_key;
    named_group group{};
    std::array<std::uint8_t, 65> peer_key{};  // the server's ECDHE public key
    std::size_t peer_key_size = 0;
  };
  struct expect_change_cipher_spec {
    detail::key_material km;
  };
  struct expect_finished {
    detail::key_material km;
  };
  struct connected {};
  using state = std::variant<expect_server_hello, expect_certificate, expect_server_key_exchange,
                             expect_server_hello_done, expect_change_cipher_spec, expect_finished, connected>;

  constexpr bool offered(cipher_suite s) const noexcept {
    for (auto x : cfg_.suites)
      if (x == s) return true;
    return false;
  }
  constexpr bool offered(named_group g) const noexcept {
    for (std::size_t i = 0; i < group_count_; ++i)
      if (groups_[i] == g) return true;
    return false;
  }
  constexpr bool offered(signature_scheme g) const noexcept {
    for (auto x : cfg_.signature_schemes)
      if (x == g) return true;
    return false;
  }
  constexpr bool offers_ecdhe() const noexcept {
    for (auto s : cfg_.suites)
      if (find_suite(static_cast<std::uint16_t>(s))->kx != key_exchange::rsa) return true;
    return false;
  }

  // ---- the engine's calls
  constexpr bool accepts_renegotiation_request(handshake_type t) const noexcept {
    return t == handshake_type::hello_request;
  }
  constexpr void wipe_secrets() noexcept { state_ = connected{}; }

  constexpr status on_handshake(handshake_type type, bytes_view body, bytes_view message) noexcept {
    if (auto* s = std::get_if<expect_server_hello>(&state_)) return on_server_hello(*s, type, body, message);
    if (std::holds_alternative<expect_certificate>(state_)) return on_certificate(type, body, message);
    if (auto* s = std::get_if<expect_server_key_exchange>(&state_)) return on_server_key_exchange(*s, type, body, message);
    if (auto* s = std::get_if<expect_server_hello_done>(&state_)) return on_server_hello_done(*s, type, body, message);
    if (auto* s = std::get_if<expect_finished>(&state_)) return on_finished(*s, type, body, message);
    return errc::tls_unexpected_message;  // expect_change_cipher_spec, connected
  }

  constexpr status on_server_hello(expect_server_hello&, handshake_type type, bytes_view body,
                                   bytes_view message) noexcept {
    if (type != handshake_type::server_hello) return errc::tls_unexpected_message;
    const auto m = decode_server_hello(body);
    if (!m) return m.error();
    if (m->version != tls12_version) return errc::tls_protocol_version;
    const auto suite = static_cast<cipher_suite>(m->cipher_suite);
    if (!offered(suite)) return errc::tls_illegal_parameter;
    if (m->compression_method != 0) return errc::tls_illegal_parameter;
    const auto& x = m->ext;
    // Only what was offered may come back.
    if (x.other || x.supported_groups || x.signature_algorithms) return errc::tls_unsupported_extension;
    if (x.server_name && !sni_sent_) return errc::tls_unsupported_extension;
    if (x.ec_point_formats) {
      if (!offers_ecdhe()) return errc::tls_unsupported_extension;
      bool uncompressed = false;
      for (auto f : x.point_formats) uncompressed |= f == ec_point_format_uncompressed;
      if (!uncompressed) return errc::tls_illegal_parameter;
    }
    if (x.renegotiation_info && !x.renegotiated_connection.empty()) return errc::tls_handshake_failure;  // RFC 5746 3.4
    if (!x.extended_master_secret && cfg_.require_extended_master_secret) return errc::tls_no_extended_master_secret;
    suite_ = find_suite(m->cipher_suite);
    info_.suite = suite;
    info_.kx = suite_->kx;
    transcript_.use(suite_->hash);
    info_.server_random = m->server_random;
    info_.extended_master_secret = x.extended_master_secret;
    info_.secure_renegotiation = x.renegotiation_info;
    version_fixed_ = true;
    transcript_.update(message);
    state_ = expect_certificate{};
    return {};
  }

  constexpr status on_certificate(handshake_type type, bytes_view body, bytes_view message) noexcept {
    if (type != handshake_type::certificate) return errc::tls_unexpected_message;
    const auto chain = decode_certificate(body);
    if (!chain) return chain.error();
    if (chain->empty()) return errc::tls_certificate_refused;
    if (cfg_.verifier == nullptr) return errc::tls_certificate_refused;
    const auto usage = info_.kx == key_exchange::rsa ? key_usage_needed::key_encipherment
                                                     : key_usage_needed::digital_signature;
    if (auto s = cfg_.verifier->verify(chain->list(), server_name_, cfg_.now, usage); !s) return s;
    // The leaf's key must be what the suite signs or encrypts with: P-256
    // for ECDHE_ECDSA, RSA otherwise.
    detail::peer_key key;
    if (info_.kx == key_exchange::ecdhe_ecdsa) {
      auto spki = keys::read_certificate_spki(chain->certs[0]);
      if (!spki) return spki.error();
      auto point = keys::read_p256_spki(*spki);
      if (!point) return point.error();
      if (point->size() != 65 || (*point)[0] != 0x04) return errc::ec_unsupported_key;
      detail::copy_bytes_to(key.ec.data(), *point);
      key.is_ec = true;
    } else {
      auto rsa = rsa_public_key::from_der(chain->certs[0], cfg_.min_rsa_bits);
      if (!rsa) return rsa.error();
      key.rsa = *rsa;
    }
    transcript_.update(message);
    if (info_.kx == key_exchange::rsa) {
      state_ = expect_server_hello_done{key, {}, {}, 0};
    } else {
      state_ = expect_server_key_exchange{key};
    }
    return {};
  }

  constexpr status on_server_key_exchange(expect_server_key_exchange& st, handshake_type type, bytes_view body,
                                          bytes_view message) noexcept {
    if (type != handshake_type::server_key_exchange) return errc::tls_unexpected_message;
    const auto m = decode_server_key_exchange_ecdhe(body);
    if (!m) return m.error() == errc::tls_unsupported_group ? errc::tls_illegal_parameter : m.error();
    if (!offered(m->params.group)) return errc::tls_illegal_parameter;
    const auto scheme = static_cast<signature_scheme>(m->signature_algorithm);
    if (!offered(scheme) || is_ecdsa(scheme) != st.server_key.is_ec) return errc::tls_illegal_parameter;
    // client_random || server_random || ServerECDHParams
    std::array<std::uint8_t, 64 + 4 + 65> signed_data{};
    const auto n = server_signed_data(info_.client_random, info_.server_random, m->params, signed_data);
    if (!n) return n.error();
    const bytes_view data = bytes_view(signed_data).first(*n);
    if (!detail::verify_signature(st.server_key, scheme, data, m->signature)) return errc::tls_bad_signature;
    info_.group = m->params.group;
    info_.signature = scheme;
    expect_server_hello_done next{st.server_key, m->params.group, {}, m->params.public_key.size()};
    detail::copy_bytes_to(next.peer_key.data(), m->params.public_key);
    transcript_.update(message);
    state_ = next;
    return {};
  }

  constexpr status on_server_hello_done(expect_server_hello_done& st, handshake_type type, bytes_view body,
                                        bytes_view message) noexcept {
    if (type != handshake_type::server_hello_done) return errc::tls_unexpected_message;
    if (auto s = decode_empty(body); !s) return s;
    transcript_.update(message);
    detail::rng_ref rng{cfg_.rng};
    detail::secret_array<48> pre_master;
    std::size_t pre_master_size = 48;
    status sent;
    if (info_.kx == key_exchange::rsa) {
      // RFC 5246 7.4.7.1: ClientHello.client_version, then 46 random bytes.
      pre_master.v[0] = tls12_version >> 8;
      pre_master.v[1] = tls12_version & 0xff;
      rng.fill(std::span<std::uint8_t>(pre_master.v).subspan(2));
      if (!st.server_key.rsa) return errc::rsa_unsupported_key;
      const rsa_public_key& key = *st.server_key.rsa;
      sent = put_handshake([&](mutable_bytes out) -> result<std::size_t> {
        const std::size_t k = key.size();
        if (out.size() < 6 + k) return errc::buffer_too_small;
        writer w(out);
        w.u8(static_cast<std::uint8_t>(handshake_type::client_key_exchange)).u24(static_cast<std::uint32_t>(2 + k));
        w.u16(static_cast<std::uint16_t>(k));
        if (auto s = key.encrypt_pkcs1(pre_master.v, out.subspan(6, k), rng); !s) return s.error();
        return 6 + k;
      });
    } else {
      auto key = ecdhe_private_key::generate(st.group, rng);
      if (!key) return key.error();
      const auto z = key->premaster_secret(bytes_view(st.peer_key).first(st.peer_key_size));
      if (!z) return z.error();
      detail::copy_bytes_to(pre_master.v.data(), *z);
      pre_master_size = z->size();
      sent = put_handshake([&](mutable_bytes out) -> result<std::size_t> {
        std::array<std::uint8_t, 65> pub{};
        const auto n = key->public_key(pub);
        if (!n) return n.error();
        writer w(out);
        w.u8(static_cast<std::uint8_t>(handshake_type::client_key_exchange)).u24(static_cast<std::uint32_t>(1 + *n));
        w.vector<1>(bytes_view(pub).first(*n));
        return w.finish();
      });
    }
    if (!sent) return sent;
    const bytes_view pms = bytes_view(pre_master.v).first(pre_master_size);
    expect_change_cipher_spec next;
    detail::derive_keys(*suite_, info_.extended_master_secret, pms, transcript_, info_.client_random,
                        info_.server_random, next.km);
    log_keys(cfg_.keylog, pms, next.km);
    if (auto s = put_change_cipher_spec(next.km.client_write_key(), next.km.client_iv.v); !s) return s;
    const auto finished = detail::finished_data(*suite_, next.km, client_finished_label, transcript_);
    log_secret(cfg_.keylog, "client_verify_data", finished);
    if (auto s = put_handshake([&](mutable_bytes out) -> result<std::size_t> {
          writer w(out);
          w.u8(static_cast<std::uint8_t>(handshake_type::finished)).u24(verify_data_size).bytes(finished);
          return w.finish();
        });
        !s)
      return s;
    state_ = std::move(next);
    return {};
  }

  constexpr status on_change_cipher_spec() noexcept {
    auto* st = std::get_if<expect_change_cipher_spec>(&state_);
    if (st == nullptr) return errc::tls_unexpected_message;
    start_reading_protected(st->km.server_write_key(), st->km.server_iv.v);
    expect_finished next{st->km};
    state_ = std::move(next);
    return {};
  }

  constexpr status on_finished(expect_finished& st, handshake_type type, bytes_view body, bytes_view message) noexcept {
    if (type != handshake_type::finished) return errc::tls_unexpected_message;
    if (body.size() != verify_data_size) return errc::tls_decode_error;
    auto expected = detail::finished_data(*suite_, st.km, server_finished_label, transcript_);
    log_secret(cfg_.keylog, "server_verify_data", expected);
    const bool ok = ct_equal(expected, body);
    secure_wipe(expected);
    if (!ok) return errc::tls_bad_finished;
    transcript_.update(message);
    handshake_done_ = true;
    state_ = connected{};
    return {};
  }

  client_config cfg_;
  std::string_view server_name_;
  bool sni_sent_ = false;
  const suite_info* suite_ = nullptr;
  std::array<named_group, 3> groups_{};  // what supported_groups offers
  std::size_t group_count_ = 0;
  state state_{};
};

}  // namespace kagi::tls12

#endif  // KAGI_TLS12_CLIENT_HPP
