// The two TLS 1.2 sessions OpenSSL 3.0 made on loopback
// (tests/vectors/tls12_capture), replayed through the engine where a replay
// applies. A whole replay cannot: kagi's client sends another ClientHello
// than OpenSSL's, and OpenSSL's server sent a NewSessionTicket that the
// capture leaves out. So, piece by piece:
//   - kagi's server takes OpenSSL's ClientHellos and picks the suite OpenSSL's
//     server picked, with the extended master secret and secure renegotiation;
//   - the messages decode with the engine's decoders, and the ECDHE session's
//     ServerKeyExchange signature verifies through the engine's scheme check;
//   - the engine's key schedule (transcript, master secret, key block,
//     Finished) run over the captured messages gives the logged master secret
//     and opens the client's captured Finished and data records, whose
//     verify_data is the one the engine computes.
#include <doctest/doctest.h>

#include <kagi/tls12/client.hpp>
#include <kagi/tls12/server.hpp>
#include <string>
#include <vector>

#include "support/tls_pair.hpp"
#include "support/vectors.hpp"

namespace tls12 = kagi::tls12;
using kagi::errc;
using kagi_test::byte_vec;

namespace {

const kagi_test::record& session(const std::vector<kagi_test::record>& all, std::string_view prefix) {
  for (const auto& r : all)
    if (r.header("@").rfind(prefix, 0) == 0) return r;
  FAIL("no session " << std::string(prefix));
  return all.front();
}

}  // namespace

TEST_CASE("capture: kagi's server answers OpenSSL's ClientHellos with OpenSSL's server's choices") {
  const auto all = kagi_test::parse_records("tls12_capture/openssl_capture.txt");
  for (const char* name : {"TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}) {
    INFO(name);
    const auto& rec = session(all, name);
    kagi_test::pair_setup p;
    tls12::server s(p.scfg, p.sb.view());
    kagi_test::feed(s, kagi_test::make_record(22, rec.get_hex("client_hello"), 0x0301));
    REQUIRE(s.last_error().reason == errc::ok);
    const auto sh = rec.get_hex("server_hello");
    const auto theirs = tls12::decode_server_hello(kagi::bytes_view(sh).subspan(4));
    REQUIRE(theirs);
    const auto flight = kagi_test::split_records(kagi_test::take(s));
    REQUIRE(!flight.empty());
    const auto ours = tls12::decode_server_hello(kagi::bytes_view(flight[0].payload).subspan(4, flight[0].payload[3] | flight[0].payload[2] << 8));
    REQUIRE(ours);
    CHECK(ours->cipher_suite == theirs->cipher_suite);
    CHECK(ours->ext.extended_master_secret == theirs->ext.extended_master_secret);
    CHECK(ours->ext.renegotiation_info == theirs->ext.renegotiation_info);
    CHECK(s.negotiated().extended_master_secret);
  }
}

TEST_CASE("capture: the messages decode, and the ECDHE signature verifies through the engine") {
  const auto all = kagi_test::parse_records("tls12_capture/openssl_capture.txt");
  const auto& ecdhe = session(all, "TLS_ECDHE_RSA");
  const auto ske = ecdhe.get_hex("server_key_exchange");
  const auto m = tls12::decode_server_key_exchange_ecdhe(kagi::bytes_view(ske).subspan(4));
  REQUIRE(m);
  CHECK(m->params.group == tls12::named_group::x25519);
  const auto cert_msg = ecdhe.get_hex("certificate");
  const auto cert = tls12::decode_certificate(kagi::bytes_view(cert_msg).subspan(4));
  REQUIRE(cert);
  REQUIRE(cert->count == 1);
  const auto key = kagi::rsa_public_key::from_der(cert->certs[0]);
  REQUIRE(key);
  tls12::random cr{}, sr{};
  const auto crb = ecdhe.get_hex("client_random"), srb = ecdhe.get_hex("server_random");
  std::copy(crb.begin(), crb.end(), cr.begin());
  std::copy(srb.begin(), srb.end(), sr.begin());
  byte_vec signed_data(64 + m->params.encoded_size());
  REQUIRE(tls12::server_signed_data(cr, sr, m->params, signed_data));
  const auto scheme = static_cast<tls12::signature_scheme>(m->signature_algorithm);
  CHECK(scheme == tls12::signature_scheme::rsa_pss_rsae_sha256);
  CHECK(tls12::detail::verify_signature(*key, scheme, signed_data, m->signature));
  signed_data[5] ^= 1;
  CHECK_FALSE(tls12::detail::verify_signature(*key, scheme, signed_data, m->signature));
  const auto shd = ecdhe.get_hex("server_hello_done"), ch = ecdhe.get_hex("client_hello");
  CHECK(tls12::decode_empty(kagi::bytes_view(shd).subspan(4)));
  CHECK(tls12::decode_client_hello(kagi::bytes_view(ch).subspan(4)));
}

TEST_CASE("capture: the engine's key schedule over OpenSSL's messages opens the client's records") {
  const auto all = kagi_test::parse_records("tls12_capture/openssl_capture.txt");
  const auto& rsa = session(all, "TLS_RSA_WITH_AES_128_GCM_SHA256");
  const auto& suite = *tls12::find_suite(0x009c);
  tls12::transcript t;
  t.use(suite.hash);
  for (const char* m : {"client_hello", "server_hello", "certificate", "server_hello_done", "client_key_exchange"})
    t.update(rsa.get_hex(m));
  // The pre-master secret from the captured ClientKeyExchange with the server's key.
  const auto cke = rsa.get_hex("client_key_exchange");
  const auto ct = tls12::decode_client_key_exchange_rsa(kagi::bytes_view(cke).subspan(4));
  REQUIRE(ct);
  kagi::hmac_drbg drbg(kagi_test::pair_setup::entropy(9, 'x'), {}, {});
  const auto pms = kagi_test::credentials::capture().key.decrypt_tls_premaster(*ct, 0x0303, drbg);
  tls12::random cr{}, sr{};
  const auto crb = rsa.get_hex("client_random"), srb = rsa.get_hex("server_random");
  std::copy(crb.begin(), crb.end(), cr.begin());
  std::copy(srb.begin(), srb.end(), sr.begin());
  tls12::detail::key_material km;
  tls12::detail::derive_keys(suite, true, pms, t, cr, sr, km);
  CHECK(byte_vec(km.master.v.begin(), km.master.v.end()) == rsa.get_hex("master_secret"));
  // The client's Finished (record 0) opens with the client's write key and
  // carries the verify_data the engine computes over the transcript.
  auto reader = tls12::aes128_gcm_record::from_key(km.client_write_key(), km.client_iv.v);
  REQUIRE(reader);
  byte_vec plain(64);
  const auto rec0 = rsa.get_hex("client_record_0"), rec1 = rsa.get_hex("client_record_1");
  const auto fin = reader->open(rec0, plain);
  REQUIRE(fin);
  REQUIRE(fin->plaintext.size() == 16);
  const auto expected = tls12::detail::finished_data(suite, km, tls12::client_finished_label, t);
  CHECK(byte_vec(plain.begin() + 4, plain.begin() + 16) == byte_vec(expected.begin(), expected.end()));
  // And the application data after it.
  const auto data = reader->open(rec1, plain);
  REQUIRE(data);
  CHECK(std::string(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(data->plaintext.size())) ==
        "hello kagi\nCLOSE\n");
}
