// The TLS 1.2 engines (tls12/client.hpp, tls12/server.hpp) against each
// other in memory: every suite and group, records both ways, close both ways.
#include <doctest/doctest.h>

#include <kagi/tls12/client.hpp>
#include <kagi/tls12/server.hpp>
#include <string>
#include <vector>

#include "support/tls_pair.hpp"

namespace tls12 = kagi::tls12;
using kagi::errc;
using kagi_test::pair_setup;

namespace {

struct offer {
  tls12::cipher_suite suite;
  tls12::named_group group;
  tls12::signature_scheme scheme;
};

const offer offers[] = {
    {tls12::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256, tls12::named_group::x25519,
     tls12::signature_scheme::rsa_pss_rsae_sha256},
    {tls12::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256, tls12::named_group::secp256r1,
     tls12::signature_scheme::rsa_pkcs1_sha256},
    {tls12::cipher_suite::rsa_with_aes_128_gcm_sha256, tls12::named_group::x25519,
     tls12::signature_scheme::rsa_pss_rsae_sha256},
    {tls12::cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384, tls12::named_group::x25519,
     tls12::signature_scheme::rsa_pss_rsae_sha384},
    {tls12::cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384, tls12::named_group::secp256r1,
     tls12::signature_scheme::rsa_pkcs1_sha512},
    {tls12::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256, tls12::named_group::secp256r1,
     tls12::signature_scheme::rsa_pss_rsae_sha512},
    {tls12::cipher_suite::rsa_with_aes_256_gcm_sha384, tls12::named_group::x25519,
     tls12::signature_scheme::rsa_pkcs1_sha384},
    {tls12::cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256, tls12::named_group::x25519,
     tls12::signature_scheme::ecdsa_secp256r1_sha256},
    {tls12::cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256, tls12::named_group::secp256r1,
     tls12::signature_scheme::ecdsa_secp384r1_sha384},
    {tls12::cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384, tls12::named_group::x25519,
     tls12::signature_scheme::ecdsa_secp521r1_sha512},
};

}  // namespace

TEST_CASE("the server picks the suites its key can serve") {
  for (const bool ecdsa : {false, true}) {
    pair_setup p;
    if (ecdsa) p.use_ecdsa();
    tls12::client c(p.ccfg, p.cb.view(), "localhost");  // offers every suite
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::pump(c, s);
    REQUIRE(c.handshake_done());
    const auto kx = tls12::find_suite(static_cast<std::uint16_t>(c.negotiated().suite))->kx;
    CHECK((kx == tls12::key_exchange::ecdhe_ecdsa) == ecdsa);
    CHECK(tls12::is_ecdsa(c.negotiated().signature) == ecdsa);
  }
  SUBCASE("an ECDSA server and an RSA-only client have no suite in common") {
    pair_setup p;
    p.use_ecdsa();
    const tls12::cipher_suite suites[] = {tls12::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256};
    p.ccfg.suites = suites;
    tls12::client c(p.ccfg, p.cb.view(), "localhost");
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::pump(c, s);
    CHECK(s.last_error().reason == kagi::errc::tls_handshake_failure);
    CHECK(c.last_error().alert_received);
  }
}

TEST_CASE("kagi client and kagi server: every suite and group, data both ways, close both ways") {
  for (const auto& o : offers) {
    for (const bool client_closes : {true, false}) {
      INFO("suite " << std::string(tls12::find_suite(static_cast<std::uint16_t>(o.suite))->name) << ", group "
                    << std::string(tls12::group_name(o.group)) << ", client closes: " << client_closes);
      pair_setup p;
      const bool ecdsa = tls12::find_suite(static_cast<std::uint16_t>(o.suite))->kx == tls12::key_exchange::ecdhe_ecdsa;
      if (ecdsa) p.use_ecdsa();
      const tls12::cipher_suite suites[] = {o.suite};
      const tls12::named_group groups[] = {o.group};
      const tls12::signature_scheme schemes[] = {o.scheme};
      p.ccfg.suites = suites;
      p.ccfg.groups = groups;
      p.ccfg.signature_schemes = schemes;
      tls12::client c(p.ccfg, p.cb.view(), "localhost");
      tls12::server s(p.scfg, p.sb.view());
      REQUIRE(c.last_error().reason == errc::ok);
      REQUIRE(s.last_error().reason == errc::ok);
      kagi_test::pump(c, s);
      INFO("client: " << std::string(kagi::message(c.last_error().reason))
                      << ", server: " << std::string(kagi::message(s.last_error().reason)));
      REQUIRE(c.handshake_done());
      REQUIRE(s.handshake_done());
      CHECK(c.negotiated().suite == o.suite);
      CHECK(s.negotiated().suite == o.suite);
      CHECK(c.negotiated().extended_master_secret);
      CHECK(s.negotiated().secure_renegotiation);
      CHECK(std::string(s.negotiated().server_name.data()) == "localhost");
      if (tls12::find_suite(static_cast<std::uint16_t>(o.suite))->kx != tls12::key_exchange::rsa) {
        CHECK(c.negotiated().group == o.group);
        CHECK(s.negotiated().group == o.group);
        CHECK(c.negotiated().signature == o.scheme);
      }
      // Both sides derived the same secrets, and logged the same line.
      REQUIRE(p.client_log.lines.size() == 1);
      CHECK(p.client_log.lines == p.server_log.lines);
      CHECK(p.client_log.get("master_secret") == p.server_log.get("master_secret"));
      CHECK(p.client_log.get("client_write_key") == p.server_log.get("client_write_key"));
      CHECK(!p.client_log.get("master_secret").empty());
      CHECK(p.client_log.lines[0] == "CLIENT_RANDOM " + kagi::to_hex(c.negotiated().client_random) + " " +
                                         kagi::to_hex(p.client_log.get("master_secret")));

      // Application data both ways, a big message split over records.
      std::vector<std::uint8_t> big(40000);
      for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
      std::size_t sent = 0;
      std::vector<std::uint8_t> got, reply_got;
      while (sent < big.size()) {
        const auto n = c.write_app(kagi::bytes_view(big).subspan(sent));
        REQUIRE(n);
        sent += *n;
        kagi_test::pump(c, s, reply_got, got);
      }
      CHECK(got == big);
      const std::string reply = "pong";
      REQUIRE(s.write_app(kagi::bytes_view(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size())));
      kagi_test::pump(c, s, reply_got, got);
      CHECK(std::string(reply_got.begin(), reply_got.end()) == reply);

      // close_notify one way, answered the other way.
      if (client_closes) {
        c.close();
      } else {
        s.close();
      }
      kagi_test::pump(c, s);
      CHECK(c.flags().peer_closed);
      CHECK(s.flags().peer_closed);
      CHECK(c.flags().closed);
      CHECK(s.flags().closed);
      CHECK(c.last_error().reason == errc::ok);
      CHECK(s.last_error().reason == errc::ok);
      CHECK(c.write_app(big).error() == errc::tls_closed);
      c.recv_eof();
      s.recv_eof();
      CHECK(c.last_error().reason == errc::ok);  // a clean close is not truncation
    }
  }
}

// keylog_line writes hex by arithmetic (no table indexed by the master
// secret, tests/ct/ct_tls): every byte value, against kagi::to_hex.
TEST_CASE("keylog_line: lower-case hex of the client random and the master secret, every byte value") {
  for (int start = 0; start < 256; start += 48) {
    tls12::random cr{};
    std::array<std::uint8_t, 48> ms{};
    for (std::size_t i = 0; i < cr.size(); ++i) cr[i] = static_cast<std::uint8_t>(255 - (start + i) % 256);
    for (std::size_t i = 0; i < ms.size(); ++i) ms[i] = static_cast<std::uint8_t>((start + i) % 256);
    const auto line = tls12::keylog_line(cr, ms);
    CHECK(std::string(line.data(), line.size()) == "CLIENT_RANDOM " + kagi::to_hex(cr) + " " + kagi::to_hex(ms));
  }
}
static_assert([] {
  tls12::random cr{};
  std::array<std::uint8_t, 48> ms{};
  cr[0] = 0x9a;
  ms[47] = 0xf0;
  const auto line = tls12::keylog_line(cr, ms);
  return line[14] == '9' && line[15] == 'a' && line[line.size() - 2] == 'f' && line[line.size() - 1] == '0';
}());
namespace {

// Records what the client asks of its verifier, and answers `verdict`.
struct recording_verifier final : tls12::certificate_verifier {
  mutable std::vector<tls12::key_usage_needed> usages;
  mutable std::string name;
  kagi::status verdict;
  explicit recording_verifier(kagi::status v = {}) : verdict(v) {}
  ~recording_verifier() override {}
  kagi::status verify(std::span<const kagi::bytes_view> chain, std::string_view server_name, std::int64_t,
                      tls12::key_usage_needed usage) const override {
    CHECK(!chain.empty());
    usages.push_back(usage);
    name = std::string(server_name);
    return verdict;
  }
};

}  // namespace

TEST_CASE("the client asks its verifier for the key use the suite makes: signing for ECDHE, decryption for RSA") {
  const std::pair<tls12::cipher_suite, tls12::key_usage_needed> cases[] = {
      {tls12::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256, tls12::key_usage_needed::digital_signature},
      {tls12::cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384, tls12::key_usage_needed::digital_signature},
      {tls12::cipher_suite::rsa_with_aes_128_gcm_sha256, tls12::key_usage_needed::key_encipherment},
      {tls12::cipher_suite::rsa_with_aes_256_gcm_sha384, tls12::key_usage_needed::key_encipherment},
      {tls12::cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256, tls12::key_usage_needed::digital_signature},
  };
  for (const auto& want : cases) {
    const auto suite = want.first;
    const auto usage = want.second;  // (no structured binding: clang 14 cannot capture one in INFO)
    INFO(std::string(tls12::find_suite(static_cast<std::uint16_t>(suite))->name));
    pair_setup p;
    if (tls12::find_suite(static_cast<std::uint16_t>(suite))->kx == tls12::key_exchange::ecdhe_ecdsa) p.use_ecdsa();
    const tls12::cipher_suite suites[] = {suite};
    p.ccfg.suites = suites;
    recording_verifier v;
    p.ccfg.verifier = &v;
    tls12::client c(p.ccfg, p.cb.view(), "localhost");
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::pump(c, s);
    REQUIRE(c.handshake_done());
    REQUIRE(v.usages.size() == 1);
    CHECK(v.usages[0] == usage);
    CHECK(v.name == "localhost");
  }
  SUBCASE("the verifier's refusal ends the handshake with its alert") {
    pair_setup p;
    recording_verifier v(errc::x509_unknown_issuer);
    p.ccfg.verifier = &v;
    tls12::client c(p.ccfg, p.cb.view(), "localhost");
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::pump(c, s);
    CHECK(!c.handshake_done());
    CHECK(c.last_error().reason == errc::x509_unknown_issuer);
    CHECK(c.last_error().alert_sent);
    CHECK(s.last_error().alert_received);
    CHECK(s.last_error().alert == tls12::alert_description::unknown_ca);
  }
}

TEST_CASE("an IP address is checked by the verifier but not sent as server_name (RFC 6066 3)") {
  for (const char* host : {"127.0.0.1", "::1", "[2001:db8::1]"}) {
    pair_setup p;
    recording_verifier v;
    p.ccfg.verifier = &v;
    tls12::client c(p.ccfg, p.cb.view(), host);
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::pump(c, s);
    REQUIRE(c.handshake_done());
    CHECK(v.name == host);
    CHECK(std::string(s.negotiated().server_name.data()).empty());
  }
}

TEST_CASE("the client verifies the server's chain to a trust anchor: x509_verifier") {
  // The P-256 certificate of tests/vectors/tls12_ecdsa: self-signed, CN and
  // SAN localhost, valid from 2026-12-06 22:52:58 to 2126-11-12.
  const auto& e = kagi_test::credentials::ecdsa();
  auto anchor = kagi::x509::certificate::parse(e.cert_der);
  REQUIRE(anchor);
  const kagi::x509::certificate anchors[] = {*anchor};
  const kagi::x509::chain_verifier chain(anchors);
  const tls12::x509_verifier pki(chain);
  const std::int64_t valid = 1798761600;  // 2027-01-01
  struct attempt {
    const char* host;
    std::int64_t now;
    errc expected;
    tls12::alert_description alert;
  };
  const attempt attempts[] = {
      {"localhost", valid, errc::ok, {}},
      {"LOCALHOST", valid, errc::ok, {}},
      {"example.com", valid, errc::x509_name_mismatch, tls12::alert_description::certificate_unknown},
      {"127.0.0.1", valid, errc::x509_name_mismatch, tls12::alert_description::certificate_unknown},
      {"", valid, errc::x509_name_mismatch, tls12::alert_description::certificate_unknown},
      {"localhost", 1798761600 - 86400 * 400, errc::x509_not_yet_valid, tls12::alert_description::certificate_expired},
  };
  for (const auto& a : attempts) {
    INFO(a.host << " at " << a.now);
    pair_setup p;
    p.use_ecdsa();
    p.ccfg.verifier = &pki;
    p.ccfg.now = a.now;
    tls12::client c(p.ccfg, p.cb.view(), a.host);
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::pump(c, s);
    CHECK(c.last_error().reason == a.expected);
    CHECK(c.handshake_done() == (a.expected == errc::ok));
    if (a.expected != errc::ok) {
      CHECK(s.last_error().alert_received);
      CHECK(s.last_error().alert == a.alert);
    }
  }
  SUBCASE("a store without the server's certificate: unknown issuer") {
    const auto other = kagi::x509::certificate::parse(kagi_test::credentials::capture().cert_der);
    REQUIRE(other);
    const kagi::x509::certificate wrong[] = {*other};
    const kagi::x509::chain_verifier v2(wrong);
    const tls12::x509_verifier pki2(v2);
    pair_setup p;
    p.use_ecdsa();
    p.ccfg.verifier = &pki2;
    p.ccfg.now = valid;
    tls12::client c(p.ccfg, p.cb.view(), "localhost");
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::pump(c, s);
    CHECK(c.last_error().reason == errc::x509_unknown_issuer);
    CHECK(s.last_error().alert == tls12::alert_description::unknown_ca);
  }
}
