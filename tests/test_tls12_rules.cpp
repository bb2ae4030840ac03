// The protocol rules of the TLS 1.2 engines, one test each, by record
// surgery between a kagi client and a kagi server in memory (or hand-made
// messages): what real peers require, and what hostile bytes get. Every
// failure must be exactly one fatal alert with the reason kept.
#include <doctest/doctest.h>

#include <kagi/tls12/client.hpp>
#include <kagi/tls12/server.hpp>
#include <string>
#include <vector>

#include "support/tls_pair.hpp"

namespace tls12 = kagi::tls12;
using kagi::errc;
using kagi_test::byte_vec;
using kagi_test::pair_setup;
using tls12::alert_description;

namespace {

// The server's first flight for a hand-made ClientHello body (handshake
// header added here, sent in one plaintext record).
byte_vec client_hello_record(const byte_vec& body, std::uint16_t record_version = 0x0301) {
  byte_vec msg{1, static_cast<std::uint8_t>(body.size() >> 16), static_cast<std::uint8_t>(body.size() >> 8),
               static_cast<std::uint8_t>(body.size())};
  msg.insert(msg.end(), body.begin(), body.end());
  return kagi_test::make_record(22, msg, record_version);
}

void put16(byte_vec& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

struct hello_builder {
  std::uint16_t version = 0x0303;
  std::vector<std::uint16_t> suites{0xc02f, 0x009c};
  byte_vec compression{0};
  std::vector<std::pair<std::uint16_t, byte_vec>> extensions;
  bool no_extension_block = false;

  hello_builder& ext(std::uint16_t type, byte_vec data = {}) {
    extensions.emplace_back(type, std::move(data));
    return *this;
  }
  hello_builder& standard() {  // what a modern client sends for TLS 1.2
    ext(10, {0, 4, 0, 29, 0, 23});      // supported_groups x25519, secp256r1
    ext(11, {1, 0});                    // ec_point_formats uncompressed
    ext(13, {0, 4, 8, 4, 4, 1});        // signature_algorithms pss_rsae_sha256, pkcs1_sha256
    ext(23);                            // extended_master_secret
    ext(0xff01, {0});                   // renegotiation_info
    return *this;
  }
  byte_vec body() const {
    byte_vec b;
    put16(b, version);
    for (int i = 0; i < 32; ++i) b.push_back(static_cast<std::uint8_t>(i));
    b.push_back(0);  // session id
    put16(b, static_cast<std::uint16_t>(2 * suites.size()));
    for (auto s : suites) put16(b, s);
    b.push_back(static_cast<std::uint8_t>(compression.size()));
    b.insert(b.end(), compression.begin(), compression.end());
    if (no_extension_block) return b;
    byte_vec e;
    for (const auto& [type, data] : extensions) {
      put16(e, type);
      put16(e, static_cast<std::uint16_t>(data.size()));
      e.insert(e.end(), data.begin(), data.end());
    }
    put16(b, static_cast<std::uint16_t>(e.size()));
    b.insert(b.end(), e.begin(), e.end());
    return b;
  }
};

// The ServerHello the server answered with (first record of its flight).
tls12::server_hello first_server_hello(const byte_vec& flight, byte_vec& storage) {
  const auto recs = kagi_test::split_records(flight);
  REQUIRE(!recs.empty());
  REQUIRE(recs[0].type == 22);
  storage = recs[0].payload;  // ServerHello is the first message; the record may hold more
  REQUIRE(storage.size() >= 4);
  REQUIRE(storage[0] == 2);
  const std::size_t len = std::size_t{storage[1]} << 16 | std::size_t{storage[2]} << 8 | storage[3];
  const auto sh = tls12::decode_server_hello(kagi::bytes_view(storage).subspan(4, len));
  REQUIRE(sh);
  return *sh;
}

// Checks that the engine failed with `reason`, sent exactly one alert
// (`alert`, fatal) and nothing after it, and ignores further input.
template <class E>
void check_fatal(E& e, errc reason, alert_description alert, bool plaintext = true) {
  INFO("reason: " << std::string(kagi::message(e.last_error().reason)));
  CHECK(e.last_error().reason == reason);
  CHECK(e.last_error().alert == alert);
  CHECK(e.last_error().alert_sent);
  CHECK(e.flags().failed);
  const auto out = kagi_test::take(e);
  const auto recs = kagi_test::split_records(out);
  std::size_t alerts = 0;
  for (const auto& r : recs) alerts += r.type == 21;
  CHECK(alerts == 1);
  REQUIRE(!recs.empty());
  CHECK(recs.back().type == 21);
  if (plaintext) {
    REQUIRE(recs.back().payload.size() == 2);
    CHECK(recs.back().payload[0] == 2);
    CHECK(recs.back().payload[1] == static_cast<std::uint8_t>(alert));
  }
  // Frozen: no more input taken, nothing more sent.
  CHECK(e.recv_buf().empty());
  CHECK(e.send_buf().empty());
  CHECK(e.write_app(kagi::bytes_view{}).error() == errc::tls_closed);
}

// A handshake up to the server's first flight; returns the flight.
struct staged {
  pair_setup p;
  tls12::client c;
  tls12::server s;
  byte_vec client_hello, server_flight;
  explicit staged(std::uint8_t seed = 1) : p(seed), c(p.ccfg, p.cb.view(), "localhost"), s(p.scfg, p.sb.view()) {}
  staged(pair_setup&& setup) = delete;
  void hello() {
    client_hello = kagi_test::take(c);
    kagi_test::feed(s, client_hello);
    server_flight = kagi_test::take(s);
  }
};

}  // namespace

TEST_CASE("server: TLS 1.2 whenever legacy_version >= 0x0303, TLS 1.3 offers ignored") {
  for (std::uint16_t v : {0x0303, 0x0304, 0x0399}) {
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    h.version = v;
    h.suites = {0x1301, 0x1302, 0x1303, 0xc02f, 0x009c, 0x00ff};
    h.standard();
    h.ext(43, {4, 3, 4, 3, 3});                               // supported_versions: 1.3, 1.2
    h.ext(51, {0, 36, 0, 29, 0, 32});                         // key_share x25519 ...
    h.extensions.back().second.resize(2 + 2 + 2 + 32, 7);
    h.ext(45, {1, 1});                                        // psk_key_exchange_modes
    h.ext(0x1234, {1, 2, 3});                                 // unknown
    h.ext(22);                                                // encrypt_then_mac
    h.ext(35);                                                // session_ticket
    kagi_test::feed(s, client_hello_record(h.body()));
    REQUIRE(s.last_error().reason == errc::ok);
    byte_vec storage;
    const auto sh = first_server_hello(kagi_test::take(s), storage);
    CHECK(sh.version == 0x0303);
    CHECK(sh.cipher_suite == 0xc02f);
    CHECK(sh.session_id.size() == 32);
    // Answered: renegotiation_info (empty), extended_master_secret,
    // ec_point_formats. Never an extension the client did not send, nor
    // encrypt_then_mac or session_ticket.
    CHECK(sh.ext.renegotiation_info);
    CHECK(sh.ext.renegotiated_connection.empty());
    CHECK(sh.ext.extended_master_secret);
    CHECK(sh.ext.ec_point_formats);
    CHECK_FALSE(sh.ext.other);
    // No TLS 1.3 downgrade sentinel.
    const std::string tail(sh.server_random.begin() + 24, sh.server_random.begin() + 31);
    CHECK(tail != "DOWNGRD");
  }
}

TEST_CASE("server: versions below TLS 1.2 get protocol_version") {
  for (std::uint16_t v : {0x0300, 0x0301, 0x0302}) {
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    h.version = v;
    h.standard();
    kagi_test::feed(s, client_hello_record(h.body()));
    check_fatal(s, errc::tls_protocol_version, alert_description::protocol_version);
  }
}

TEST_CASE("server: no shared suite, or no usable group or scheme for ECDHE, gets handshake_failure") {
  SUBCASE("no shared suite") {
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    h.suites = {0x1301, 0xcca8, 0x002f};
    h.standard();
    kagi_test::feed(s, client_hello_record(h.body()));
    check_fatal(s, errc::tls_handshake_failure, alert_description::handshake_failure);
  }
  SUBCASE("ECDHE only, but no common group") {
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    h.suites = {0xc02f};
    h.ext(10, {0, 2, 0, 24});  // secp384r1 only
    h.ext(13, {0, 2, 8, 4});
    h.ext(23);
    kagi_test::feed(s, client_hello_record(h.body()));
    check_fatal(s, errc::tls_handshake_failure, alert_description::handshake_failure);
  }
  SUBCASE("ECDHE only, no signature_algorithms (SHA-1 implied): falls to RSA when offered") {
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    h.ext(10, {0, 2, 0, 29});
    h.ext(23);
    kagi_test::feed(s, client_hello_record(h.body()));
    REQUIRE(s.last_error().reason == errc::ok);
    byte_vec storage;
    CHECK(first_server_hello(kagi_test::take(s), storage).cipher_suite == 0x009c);
  }
}

TEST_CASE("server: renegotiation_info answered for the SCSV or the extension, and only then") {
  struct row {
    bool scsv, ext, expect;
  };
  for (const auto r : {row{true, false, true}, row{false, true, true}, row{false, false, false}}) {
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    if (r.scsv) h.suites.push_back(0x00ff);
    h.ext(10, {0, 2, 0, 29});
    h.ext(13, {0, 2, 8, 4});
    h.ext(23);
    if (r.ext) h.ext(0xff01, {0});
    kagi_test::feed(s, client_hello_record(h.body()));
    REQUIRE(s.last_error().reason == errc::ok);
    byte_vec storage;
    CHECK(first_server_hello(kagi_test::take(s), storage).ext.renegotiation_info == r.expect);
  }
  SUBCASE("a non-empty renegotiation_info in an initial handshake is refused") {
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    h.ext(23).ext(0xff01, {2, 9, 9});
    kagi_test::feed(s, client_hello_record(h.body()));
    check_fatal(s, errc::tls_handshake_failure, alert_description::handshake_failure);
  }
}

TEST_CASE("server: extended_master_secret required unless turned off; malformed hellos are decode errors") {
  SUBCASE("required") {
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    h.ext(10, {0, 2, 0, 29});
    kagi_test::feed(s, client_hello_record(h.body()));
    check_fatal(s, errc::tls_no_extended_master_secret, alert_description::handshake_failure);
  }
  SUBCASE("turned off: the classic master secret, both sides") {
    pair_setup p;
    p.scfg.require_extended_master_secret = false;
    p.ccfg.require_extended_master_secret = false;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    h.suites = {0x009c};
    kagi_test::feed(s, client_hello_record(h.body()));
    REQUIRE(s.last_error().reason == errc::ok);
    byte_vec storage;
    CHECK_FALSE(first_server_hello(kagi_test::take(s), storage).ext.extended_master_secret);
  }
  SUBCASE("a hello without an extension block at all") {
    pair_setup p;
    p.scfg.require_extended_master_secret = false;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    h.suites = {0x009c};
    h.no_extension_block = true;
    kagi_test::feed(s, client_hello_record(h.body()));
    CHECK(s.last_error().reason == errc::ok);
  }
  SUBCASE("no null compression") {
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    h.compression = {1};
    h.standard();
    kagi_test::feed(s, client_hello_record(h.body()));
    check_fatal(s, errc::tls_illegal_parameter, alert_description::illegal_parameter);
  }
  SUBCASE("a known extension twice") {
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    hello_builder h;
    h.standard().ext(23);
    kagi_test::feed(s, client_hello_record(h.body()));
    check_fatal(s, errc::tls_decode_error, alert_description::decode_error);
  }
  SUBCASE("truncated, and bytes after the last field") {
    hello_builder h;
    h.standard();
    const byte_vec full = h.body();
    for (std::size_t cut : {std::size_t{1}, std::size_t{5}, full.size() / 2, full.size() - 1}) {
      pair_setup p;
      tls12::server s(p.scfg, p.sb.view());
      kagi_test::feed(s, client_hello_record(byte_vec(full.begin(), full.end() - static_cast<std::ptrdiff_t>(cut))));
      check_fatal(s, s.last_error().reason, alert_description::decode_error);
    }
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    byte_vec longer = full;
    longer.push_back(0);
    kagi_test::feed(s, client_hello_record(longer));
    check_fatal(s, errc::tls_trailing_data, alert_description::decode_error);
  }
  SUBCASE("a ClientHello of 2^16 bytes is fine; one larger than the handshake buffer is refused") {
    hello_builder h;
    h.standard();
    h.ext(21, byte_vec(65536 - 200, 0));  // padding
    byte_vec body = h.body();
    byte_vec msg{1, static_cast<std::uint8_t>(body.size() >> 16), static_cast<std::uint8_t>(body.size() >> 8),
                 static_cast<std::uint8_t>(body.size())};
    msg.insert(msg.end(), body.begin(), body.end());
    {
      pair_setup p;
      tls12::server s(p.scfg, p.sb.view());
      std::vector<kagi_test::wire_record> recs;
      for (std::size_t at = 0; at < msg.size(); at += 16384)
        recs.push_back({22, 0x0303, byte_vec(msg.begin() + static_cast<std::ptrdiff_t>(at),
                                             msg.begin() + static_cast<std::ptrdiff_t>(std::min(msg.size(), at + 16384)))});
      kagi_test::feed(s, kagi_test::join(recs));
      CHECK(s.last_error().reason == errc::ok);
      CHECK(!s.send_buf().empty());
    }
    {
      pair_setup p;
      p.sb.hs.resize(8192);
      tls12::server s(p.scfg, p.sb.view());
      kagi_test::feed(s, kagi_test::make_record(22, kagi::bytes_view(msg).first(16384)));
      check_fatal(s, errc::tls_message_too_large, alert_description::decode_error);
    }
  }
}

TEST_CASE("server: a fresh session id; ServerHello.random never holds a downgrade sentinel") {
  // A generator whose first 32 bytes end in "DOWNGRD\x01" (then counts up).
  struct rigged final : tls12::random_generator {
    std::size_t n = 0;
    void fill(kagi::mutable_bytes out) override {
      for (auto& b : out) {
        const std::size_t i = n++;
        b = i >= 24 && i < 31 ? static_cast<std::uint8_t>("DOWNGRD"[i - 24]) : i == 31 ? 1 : static_cast<std::uint8_t>(i);
      }
    }
  } rng;
  pair_setup p;
  p.scfg.rng = &rng;
  tls12::server s(p.scfg, p.sb.view());
  hello_builder h;
  h.standard();
  kagi_test::feed(s, client_hello_record(h.body()));
  REQUIRE(s.last_error().reason == errc::ok);
  byte_vec storage;
  const auto sh = first_server_hello(kagi_test::take(s), storage);
  CHECK(std::string(sh.server_random.begin() + 24, sh.server_random.begin() + 31) != "DOWNGRD");
  CHECK(sh.server_random[0] == 32);  // the first 32 bytes were drawn again
  // Two handshakes, two session ids.
  staged a(1), b(2);
  a.hello();
  b.hello();
  byte_vec sa, sb;
  const auto ha = first_server_hello(a.server_flight, sa), hb = first_server_hello(b.server_flight, sb);
  CHECK(std::vector(ha.session_id.begin(), ha.session_id.end()) != std::vector(hb.session_id.begin(), hb.session_id.end()));
}

TEST_CASE("server: the ServerKeyExchange signature uses the client's first scheme the server supports") {
  for (const bool pkcs1_first : {true, false}) {
    pair_setup p;
    const tls12::signature_scheme pkcs1_then_pss[] = {tls12::signature_scheme::rsa_pkcs1_sha256,
                                                       tls12::signature_scheme::rsa_pss_rsae_sha256};
    const tls12::signature_scheme pss_then_pkcs1[] = {tls12::signature_scheme::rsa_pss_rsae_sha256,
                                                       tls12::signature_scheme::rsa_pkcs1_sha256};
    p.ccfg.signature_schemes = pkcs1_first ? std::span<const tls12::signature_scheme>(pkcs1_then_pss)
                                           : std::span<const tls12::signature_scheme>(pss_then_pkcs1);
    p.scfg.signature_schemes = pss_then_pkcs1;  // the server's own order does not decide
    tls12::client c(p.ccfg, p.cb.view(), "localhost");
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::pump(c, s);
    REQUIRE(c.handshake_done());
    CHECK(s.negotiated().signature == (pkcs1_first ? tls12::signature_scheme::rsa_pkcs1_sha256
                                                   : tls12::signature_scheme::rsa_pss_rsae_sha256));
    CHECK(c.negotiated().signature == s.negotiated().signature);
  }
}

TEST_CASE("client: what it offers") {
  pair_setup p;
  tls12::client c(p.ccfg, p.cb.view(), "example.com");
  const auto recs = kagi_test::split_records(kagi_test::take(c));
  REQUIRE(recs.size() == 1);
  const auto& m = recs[0].payload;
  const auto ch = tls12::decode_client_hello(kagi::bytes_view(m).subspan(4));
  REQUIRE(ch);
  CHECK(ch->version == 0x0303);
  CHECK(tls12::list_contains(ch->cipher_suites, 0x00ff));  // the SCSV
  CHECK(tls12::list_contains(ch->cipher_suites, 0xc02f));
  CHECK(tls12::list_contains(ch->cipher_suites, 0x009c));
  REQUIRE(ch->ext.ec_point_formats);
  CHECK(ch->ext.point_formats.size() == 1);
  CHECK(ch->ext.point_formats[0] == 0);  // [uncompressed]
  CHECK(ch->ext.extended_master_secret);
  CHECK(std::string(ch->ext.host_name.begin(), ch->ext.host_name.end()) == "example.com");
  CHECK(tls12::list_contains(ch->ext.groups, 29));
  CHECK(tls12::list_contains(ch->ext.groups, 23));
  CHECK(tls12::list_contains(ch->ext.signature_schemes, 0x0804));
}

namespace {

// A ServerHello body as a server could send it.
struct sh_builder {
  std::uint16_t version = 0x0303;
  std::array<std::uint8_t, 32> random{};
  std::uint16_t suite = 0xc02f;
  std::uint8_t compression = 0;
  std::vector<std::pair<std::uint16_t, byte_vec>> extensions{{0xff01, {0}}, {23, {}}, {11, {1, 0}}};
  byte_vec record() const {
    byte_vec b;
    put16(b, version);
    b.insert(b.end(), random.begin(), random.end());
    b.push_back(0);
    put16(b, suite);
    b.push_back(compression);
    byte_vec e;
    for (const auto& [type, data] : extensions) {
      put16(e, type);
      put16(e, static_cast<std::uint16_t>(data.size()));
      e.insert(e.end(), data.begin(), data.end());
    }
    put16(b, static_cast<std::uint16_t>(e.size()));
    b.insert(b.end(), e.begin(), e.end());
    byte_vec msg{2, 0, static_cast<std::uint8_t>(b.size() >> 8), static_cast<std::uint8_t>(b.size())};
    msg.insert(msg.end(), b.begin(), b.end());
    return kagi_test::make_record(22, msg);
  }
};

// A client that has sent its ClientHello and then reads `server_hello`.
struct client_reading {
  pair_setup p;
  tls12::client c;
  explicit client_reading(const sh_builder& sh, bool require_ems = true, std::string_view name = "localhost")
      : p(), c(make(p, require_ems), p.cb.view(), name) {
    (void)kagi_test::take(c);
    kagi_test::feed(c, sh.record());
  }
  static const tls12::client_config& make(pair_setup& p, bool require_ems) {
    p.ccfg.require_extended_master_secret = require_ems;
    return p.ccfg;
  }
};

}  // namespace

TEST_CASE("client: ServerHello checks") {
  SUBCASE("the TLS 1.3 downgrade sentinel DOWNGRD\\x01 is accepted") {
    sh_builder sh;
    const char* s = "DOWNGRD\x01";
    for (int i = 0; i < 8; ++i) sh.random[24 + i] = static_cast<std::uint8_t>(s[i]);
    client_reading r(sh);
    CHECK(r.c.last_error().reason == errc::ok);
    CHECK(kagi_test::take(r.c).empty());  // waits for the Certificate
  }
  SUBCASE("an empty server_name echo is accepted") {
    sh_builder sh;
    sh.extensions.emplace_back(0, byte_vec{});
    client_reading r(sh);
    CHECK(r.c.last_error().reason == errc::ok);
  }
  SUBCASE("a server_name echo when none was sent is refused") {
    sh_builder sh;
    sh.extensions.emplace_back(0, byte_vec{});
    client_reading r(sh, true, "");
    check_fatal(r.c, errc::tls_unsupported_extension, alert_description::unsupported_extension);
  }
  SUBCASE("an extension it did not offer gets unsupported_extension") {
    for (std::uint16_t type : {35, 22, 0x1234, 10, 13}) {
      sh_builder sh;
      sh.extensions.emplace_back(type, type == 10 || type == 13 ? byte_vec{0, 2, 0, 29} : byte_vec{});
      client_reading r(sh);
      INFO("extension " << type);
      check_fatal(r.c, errc::tls_unsupported_extension, alert_description::unsupported_extension);
    }
  }
  SUBCASE("extended master secret required unless turned off") {
    sh_builder sh;
    sh.extensions = {{0xff01, {0}}};
    {
      client_reading r(sh);
      check_fatal(r.c, errc::tls_no_extended_master_secret, alert_description::handshake_failure);
    }
    client_reading r(sh, false);
    CHECK(r.c.last_error().reason == errc::ok);
  }
  SUBCASE("a version other than TLS 1.2 gets protocol_version") {
    for (std::uint16_t v : {0x0302, 0x0304}) {
      sh_builder sh;
      sh.version = v;
      client_reading r(sh);
      check_fatal(r.c, errc::tls_protocol_version, alert_description::protocol_version);
    }
  }
  SUBCASE("a suite it did not offer, or compression, gets illegal_parameter") {
    sh_builder sh;
    sh.suite = 0xcca8;
    {
      client_reading r(sh);
      check_fatal(r.c, errc::tls_illegal_parameter, alert_description::illegal_parameter);
    }
    sh.suite = 0xc02f;
    sh.compression = 1;
    client_reading r(sh);
    check_fatal(r.c, errc::tls_illegal_parameter, alert_description::illegal_parameter);
  }
  SUBCASE("ec_point_formats without uncompressed gets illegal_parameter") {
    sh_builder sh;
    sh.extensions = {{0xff01, {0}}, {23, {}}, {11, {1, 1}}};
    client_reading r(sh);
    check_fatal(r.c, errc::tls_illegal_parameter, alert_description::illegal_parameter);
  }
}

TEST_CASE("both: handshake messages split down to 1-byte records, and several in one record") {
  for (std::size_t fragment : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{100}, std::size_t{0}}) {
    INFO("fragment " << fragment);
    staged t;
    // The ClientHello to the server in pieces.
    kagi_test::feed(t.s, kagi_test::refragment(kagi_test::split_records(kagi_test::take(t.c)), fragment));
    REQUIRE(t.s.last_error().reason == errc::ok);
    // The server's whole first flight (four messages) in pieces, or in one record.
    kagi_test::feed(t.c, kagi_test::refragment(kagi_test::split_records(kagi_test::take(t.s)), fragment));
    REQUIRE(t.c.last_error().reason == errc::ok);
    // The client's CKE in pieces; then CCS and Finished as they are.
    const auto recs = kagi_test::split_records(kagi_test::take(t.c));
    REQUIRE(recs.size() == 3);
    kagi_test::feed(t.s, kagi_test::refragment({recs[0]}, fragment));
    kagi_test::feed(t.s, kagi_test::join({recs[1], recs[2]}));
    kagi_test::pump(t.c, t.s);
    CHECK(t.c.handshake_done());
    CHECK(t.s.handshake_done());
  }
}

TEST_CASE("both: ChangeCipherSpec only where expected, as the single byte 01, on a message boundary") {
  SUBCASE("before the server expects it") {
    staged t;
    t.hello();
    kagi_test::feed(t.s, kagi_test::make_record(20, byte_vec{1}));
    check_fatal(t.s, errc::tls_unexpected_message, alert_description::unexpected_message);
  }
  SUBCASE("to the client during the server's flight") {
    staged t;
    t.hello();
    const auto recs = kagi_test::split_records(t.server_flight);
    kagi_test::feed(t.c, kagi_test::join({recs[0]}));
    kagi_test::feed(t.c, kagi_test::make_record(20, byte_vec{1}));
    check_fatal(t.c, errc::tls_unexpected_message, alert_description::unexpected_message);
  }
  SUBCASE("not the single byte 01") {
    for (const byte_vec& body : {byte_vec{2}, byte_vec{1, 1}}) {
      staged t;
      t.hello();
      kagi_test::feed(t.c, t.server_flight);
      auto recs = kagi_test::split_records(kagi_test::take(t.c));
      REQUIRE(recs[1].type == 20);
      recs[1].payload = body;
      kagi_test::feed(t.s, kagi_test::join({recs[0], recs[1]}));
      check_fatal(t.s, errc::tls_decode_error, alert_description::decode_error);
    }
  }
  SUBCASE("inside a handshake message (keys change only on a boundary)") {
    staged t;
    t.hello();
    kagi_test::feed(t.c, t.server_flight);
    auto recs = kagi_test::split_records(kagi_test::take(t.c));
    REQUIRE(recs[0].type == 22);
    // The whole ClientKeyExchange (the server now expects ChangeCipherSpec)
    // and the first two bytes of another message, then ChangeCipherSpec.
    kagi_test::wire_record more = recs[0];
    more.payload.push_back(20);
    more.payload.push_back(0);
    kagi_test::feed(t.s, kagi_test::join({more}));
    REQUIRE(t.s.last_error().reason == errc::ok);
    kagi_test::feed(t.s, kagi_test::join({recs[1]}));
    check_fatal(t.s, errc::tls_unexpected_message, alert_description::unexpected_message);
  }
  SUBCASE("a ClientKeyExchange cut short, then ChangeCipherSpec") {
    staged t;
    t.hello();
    kagi_test::feed(t.c, t.server_flight);
    auto recs = kagi_test::split_records(kagi_test::take(t.c));
    kagi_test::wire_record partial = recs[0];
    partial.payload.pop_back();
    kagi_test::feed(t.s, kagi_test::join({partial, recs[1]}));
    check_fatal(t.s, errc::tls_unexpected_message, alert_description::unexpected_message);
  }
}

TEST_CASE("both: empty handshake and alert records, bad alerts, unknown record types") {
  const std::vector<std::pair<byte_vec, errc>> cases = {
      {kagi_test::make_record(22, byte_vec{}), errc::tls_unexpected_message},
      {kagi_test::make_record(21, byte_vec{}), errc::tls_unexpected_message},
      {kagi_test::make_record(21, byte_vec{1}), errc::tls_decode_error},
      {kagi_test::make_record(21, byte_vec{3, 0}), errc::tls_illegal_parameter},
      {kagi_test::make_record(24, byte_vec{1}), errc::tls_unexpected_message},
      {kagi_test::make_record(23, byte_vec{1, 2, 3}), errc::tls_unexpected_message},  // data before keys
      {kagi_test::make_record(22, byte_vec(16385, 0)), errc::record_overflow},
      {kagi_test::make_record(22, byte_vec{1, 0, 0, 1, 0}, 0x0200), errc::tls_protocol_version},
  };
  for (const auto& [rec, reason] : cases) {
    pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::feed(s, rec);
    check_fatal(s, reason, tls12::to_alert(reason));
  }
}

TEST_CASE("both: consecutive warning alerts and empty records are capped") {
  pair_setup p;
  p.scfg.max_empty_records = 5;
  tls12::server s(p.scfg, p.sb.view());
  for (int i = 0; i < 5; ++i) kagi_test::feed(s, kagi_test::make_record(21, byte_vec{1, 90}));  // user_canceled
  CHECK(s.last_error().reason == errc::ok);
  kagi_test::feed(s, kagi_test::make_record(21, byte_vec{1, 90}));
  check_fatal(s, errc::tls_too_many_empty_records, alert_description::unexpected_message);

  // Empty application data records after the handshake, sealed with the
  // client's keys (from the key log), sequence numbers after Finished.
  pair_setup q;
  q.scfg.max_empty_records = 3;
  tls12::client c(q.ccfg, q.cb.view(), "localhost");
  tls12::server s2(q.scfg, q.sb.view());
  kagi_test::pump(c, s2);
  REQUIRE(s2.handshake_done());
  const auto key = q.client_log.get("client_write_key"), iv = q.client_log.get("client_write_iv");
  auto rec = tls12::aes128_gcm_record::from_key(key, iv);
  REQUIRE(rec);
  rec->set_sequence_number(1);  // 0 was the client's Finished
  byte_vec out(64);
  for (int i = 0; i < 4; ++i) {
    const auto n = rec->seal(tls12::content_type::application_data, {}, out);
    REQUIRE(n);
    kagi_test::feed(s2, kagi::bytes_view(out).first(*n));
    if (i < 3) CHECK(s2.last_error().reason == errc::ok);
  }
  check_fatal(s2, errc::tls_too_many_empty_records, alert_description::unexpected_message, false);
}

TEST_CASE("both: no renegotiation: a warning no_renegotiation, then fatal on a repeat") {
  for (const bool to_client : {true, false}) {
    INFO("to the " << (to_client ? "client (HelloRequest)" : "server (ClientHello)"));
    pair_setup p;
    tls12::client c(p.ccfg, p.cb.view(), "localhost");
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::pump(c, s);
    REQUIRE(c.handshake_done());
    // A sealed handshake message from the other side (sequence number 1).
    const auto key = p.client_log.get(to_client ? "server_write_key" : "client_write_key");
    const auto iv = p.client_log.get(to_client ? "server_write_iv" : "client_write_iv");
    auto rec = tls12::aes128_gcm_record::from_key(key, iv);
    REQUIRE(rec);
    rec->set_sequence_number(1);
    byte_vec msg;
    if (to_client) {
      msg = {0, 0, 0, 0};  // HelloRequest
    } else {
      hello_builder h;
      h.standard();
      const auto body = h.body();
      msg = {1, 0, static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
      msg.insert(msg.end(), body.begin(), body.end());
    }
    byte_vec out(msg.size() + 64);
    const auto n1 = rec->seal(tls12::content_type::handshake, msg, out);
    REQUIRE(n1);
    auto feed_to = [&](kagi::bytes_view b) {
      if (to_client) {
        kagi_test::feed(c, b);
      } else {
        kagi_test::feed(s, b);
      }
    };
    feed_to(kagi::bytes_view(out).first(*n1));
    const auto& e = to_client ? c.last_error() : s.last_error();
    CHECK(e.reason == errc::ok);
    const auto warning = to_client ? kagi_test::take(c) : kagi_test::take(s);
    const auto recs = kagi_test::split_records(warning);
    REQUIRE(recs.size() == 1);
    CHECK(recs[0].type == 21);
    // It decrypts to a warning no_renegotiation.
    const auto rkey = p.client_log.get(to_client ? "client_write_key" : "server_write_key");
    const auto riv = p.client_log.get(to_client ? "client_write_iv" : "server_write_iv");
    auto reader = tls12::aes128_gcm_record::from_key(rkey, riv);
    REQUIRE(reader);
    reader->set_sequence_number(1);
    byte_vec plain(64);
    const auto opened = reader->open(warning, plain);
    REQUIRE(opened);
    CHECK(opened->plaintext.size() == 2);
    CHECK(plain[0] == 1);
    CHECK(plain[1] == 100);
    // A repeat is fatal.
    const auto n2 = rec->seal(tls12::content_type::handshake, msg, out);
    REQUIRE(n2);
    feed_to(kagi::bytes_view(out).first(*n2));
    if (to_client) {
      check_fatal(c, errc::tls_no_renegotiation, alert_description::no_renegotiation, false);
    } else {
      check_fatal(s, errc::tls_no_renegotiation, alert_description::no_renegotiation, false);
    }
  }
}

TEST_CASE("both: a bad Finished gets decrypt_error; a record that fails to open gets bad_record_mac") {
  SUBCASE("the client's Finished, re-sealed with a wrong verify_data") {
    staged t;
    t.hello();
    kagi_test::feed(t.c, t.server_flight);
    auto recs = kagi_test::split_records(kagi_test::take(t.c));
    REQUIRE(recs.size() == 3);
    const auto key = t.p.client_log.get("client_write_key"), iv = t.p.client_log.get("client_write_iv");
    auto opener = tls12::aes128_gcm_record::from_key(key, iv);
    auto sealer = tls12::aes128_gcm_record::from_key(key, iv);
    REQUIRE((opener && sealer));
    const byte_vec fin = kagi_test::make_record(22, recs[2].payload);
    byte_vec plain(64), resealed(128);
    const auto opened = opener->open(fin, plain);
    REQUIRE(opened);
    REQUIRE(opened->plaintext.size() == 16);
    plain[4 + 5] ^= 1;  // one bit of verify_data
    const auto n = sealer->seal(tls12::content_type::handshake, kagi::bytes_view(plain).first(16), resealed);
    REQUIRE(n);
    kagi_test::feed(t.s, kagi_test::join({recs[0], recs[1]}));
    kagi_test::feed(t.s, kagi::bytes_view(resealed).first(*n));
    check_fatal(t.s, errc::tls_bad_finished, alert_description::decrypt_error, false);
  }
  SUBCASE("a flipped bit in a protected record") {
    pair_setup p;
    tls12::client c(p.ccfg, p.cb.view(), "localhost");
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::pump(c, s);
    REQUIRE(c.handshake_done());
    const byte_vec data{'h', 'i'};
    REQUIRE(c.write_app(data));
    auto rec = kagi_test::take(c);
    rec[rec.size() - 3] ^= 0x10;
    kagi_test::feed(s, rec);
    check_fatal(s, errc::bad_record_mac, alert_description::bad_record_mac, false);
  }
}

TEST_CASE("server: a bad ECDHE point gets illegal_parameter") {
  for (const auto group : {tls12::named_group::secp256r1, tls12::named_group::x25519}) {
    pair_setup p;
    const tls12::named_group groups[] = {group};
    p.ccfg.groups = groups;
    tls12::client c(p.ccfg, p.cb.view(), "localhost");
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::feed(s, kagi_test::take(c));
    kagi_test::feed(c, kagi_test::take(s));
    auto recs = kagi_test::split_records(kagi_test::take(c));
    auto& cke = recs[0].payload;  // 16, len(3), point len(1), point
    REQUIRE(cke[0] == 16);
    if (group == tls12::named_group::secp256r1) {
      cke[5 + 64] ^= 1;  // y changed: off the curve
    } else {
      std::fill(cke.begin() + 5, cke.end(), 0);  // u = 0: the all-zero shared secret
    }
    kagi_test::feed(s, kagi_test::join({recs[0]}));
    check_fatal(s, errc::tls_bad_public_key, alert_description::illegal_parameter);
  }
}

TEST_CASE("server: RSA key exchange: any ciphertext takes one path; the failure comes at Finished") {
  for (int variant = 0; variant < 3; ++variant) {
    pair_setup p;
    const tls12::cipher_suite suites[] = {tls12::cipher_suite::rsa_with_aes_128_gcm_sha256};
    p.ccfg.suites = suites;
    tls12::client c(p.ccfg, p.cb.view(), "localhost");
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::feed(s, kagi_test::take(c));
    kagi_test::feed(c, kagi_test::take(s));
    auto recs = kagi_test::split_records(kagi_test::take(c));
    auto& cke = recs[0].payload;  // 16, len(3), ct len(2), ct
    if (variant == 0) cke[10] ^= 1;                    // a changed ciphertext
    if (variant == 1) std::fill(cke.begin() + 6, cke.end(), 0);  // zero: out of range padding
    if (variant == 2) {                                // a short ciphertext, framing kept consistent
      cke.resize(cke.size() - 10);
      const std::size_t body = cke.size() - 4, ct = body - 2;
      cke[1] = 0, cke[2] = static_cast<std::uint8_t>(body >> 8), cke[3] = static_cast<std::uint8_t>(body);
      cke[4] = static_cast<std::uint8_t>(ct >> 8), cke[5] = static_cast<std::uint8_t>(ct);
    }
    kagi_test::feed(s, kagi_test::join({recs[0]}));
    CHECK(s.last_error().reason == errc::ok);  // nothing said about the ciphertext
    CHECK(s.send_buf().empty());
    kagi_test::feed(s, kagi_test::join({recs[1], recs[2]}));
    // The client's Finished was sealed with keys from the real pre-master
    // secret; the server's come from a random one: the record does not open.
    check_fatal(s, errc::bad_record_mac, alert_description::bad_record_mac, false);
  }
}

TEST_CASE("both: end of stream without close_notify is truncation; after it, a clean close") {
  pair_setup p;
  tls12::client c(p.ccfg, p.cb.view(), "localhost");
  tls12::server s(p.scfg, p.sb.view());
  kagi_test::pump(c, s);
  REQUIRE(c.handshake_done());
  c.recv_eof();
  CHECK(c.last_error().reason == errc::tls_truncation);
  CHECK_FALSE(c.last_error().alert_sent);
  CHECK(c.send_buf().empty());  // nothing is sent to a closed stream
  s.close();
  kagi_test::pump(c, s);
  s.recv_eof();
  CHECK(s.last_error().reason == errc::tls_truncation);  // the client never answered (it had failed)
}

TEST_CASE("both: a fatal alert received freezes the engine with the peer's reason") {
  pair_setup p;
  tls12::server s(p.scfg, p.sb.view());
  kagi_test::feed(s, kagi_test::make_record(21, byte_vec{2, 40}));
  CHECK(s.last_error().reason == errc::tls_alert_received);
  CHECK(s.last_error().alert_received);
  CHECK(s.last_error().alert == alert_description::handshake_failure);
  CHECK_FALSE(s.last_error().alert_sent);
  CHECK(s.send_buf().empty());
}

TEST_CASE("client: no verifier, or a certificate that is not the pinned one, is refused") {
  for (const bool with_verifier : {false, true}) {
    pair_setup p;
    const byte_vec other(100, 0x30);
    tls12::pinned_certificate wrong(other);
    p.ccfg.verifier = with_verifier ? &wrong : nullptr;
    tls12::client c(p.ccfg, p.cb.view(), "localhost");
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::feed(s, kagi_test::take(c));
    kagi_test::feed(c, kagi_test::take(s));
    check_fatal(c, errc::tls_certificate_refused, alert_description::bad_certificate);
  }
}

TEST_CASE("both: bad configurations and buffers are refused at construction") {
  pair_setup p;
  {
    auto cfg = p.ccfg;
    cfg.rng = nullptr;
    tls12::client c(cfg, p.cb.view());
    CHECK(c.last_error().reason == errc::invalid_argument);
    CHECK(c.send_buf().empty());
  }
  {
    kagi_test::engine_buffers small;
    small.in.resize(1000);
    tls12::client c(p.ccfg, small.view());
    CHECK(c.last_error().reason == errc::buffer_too_small);
  }
  {
    auto cfg = p.scfg;
    cfg.key = nullptr;
    tls12::server s(cfg, p.sb.view());
    CHECK(s.last_error().reason == errc::invalid_argument);
  }
}
