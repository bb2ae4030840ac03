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
