// Targets for tls12/:
//   ecdhe     the ECDHE message decoders (ServerECDHParams, ServerKeyExchange,
//             ClientKeyExchange for either group): what decodes re-encodes to the
//             same bytes, and an accepted peer key goes through premaster_secret
//   messages  the handshake message decoders (ClientHello, ServerHello,
//             Certificate, RSA ClientKeyExchange, empty bodies): views inside the
//             body, lists well formed, a Certificate re-encodes to its bytes
//   record    TLS record open (aes128_gcm_record, fixed keys) on arbitrary streams
//             of records, in place and not; and seal -> change one byte -> open,
//             which must fail unless nothing changed; after a failed open the
//             record object refuses everything (the fatal state)
//   client    tls12::client fed arbitrary bytes as the server's stream: from the
//             start, or after the recorded valid handshake (the input is then the
//             next bytes from the server); seeds are recorded server streams of
//             in-memory handshakes, which the fuzzer mutates
//   server    the same for tls12::server and the client's stream
//
// The engines draw from HMAC_DRBGs with fixed seeds, so a fresh client sends the
// same ClientHello every time and a recorded server stream stays valid for it
// (and the other way round): a mutated recording reaches every state.
#include <algorithm>
#include <kagi/encoding/pem.hpp>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/rsa/rsa.hpp>
#include <kagi/tls12/client.hpp>
#include <kagi/tls12/ecdhe.hpp>
#include <kagi/tls12/messages.hpp>
#include <kagi/tls12/record.hpp>
#include <kagi/tls12/server.hpp>
#include <memory>

#include "fuzz.hpp"

namespace {

using kagi_fuzz::inside;

using kagi_fuzz::bytes;
using kagi_fuzz::seeded_drbg;
using kagi_fuzz::hex;
namespace tls12 = kagi::tls12;

}  // namespace

// ---------------------------------------------------------------- ecdhe

KAGI_FUZZ_TARGET(ecdhe, "ECDHE message decoders (RFC 8422): re-encoding, peer keys") {
  const kagi::bytes_view in(data, size);
  bytes out(size + 8);
  if (auto p = tls12::decode_server_ecdh_params(in)) {
    KAGI_FUZZ_CHECK(inside(p->public_key, in), "params key outside the input");
    const auto n = tls12::encode_server_ecdh_params(*p, out);
    KAGI_FUZZ_CHECK(n && *n == size && std::equal(in.begin(), in.end(), out.begin()), "ServerECDHParams re-encoding differs");
  }
  if (auto m = tls12::decode_server_key_exchange_ecdhe(in)) {
    KAGI_FUZZ_CHECK(inside(m->params.public_key, in) && inside(m->signature, in) && inside(m->params_encoding, in),
                    "ServerKeyExchange views outside the input");
    KAGI_FUZZ_CHECK(m->params_encoding.size() == m->params.encoded_size() && m->params_encoding.data() == in.data(),
                    "params_encoding");
    const auto n = tls12::encode_server_key_exchange_ecdhe(m->params, m->signature_algorithm, m->signature, out);
    KAGI_FUZZ_CHECK(n && *n == size && std::equal(in.begin(), in.end(), out.begin()), "ServerKeyExchange re-encoding differs");
  }
  for (auto g : {tls12::named_group::x25519, tls12::named_group::secp256r1}) {
    if (auto key = tls12::decode_client_key_exchange_ecdhe(g, in)) {
      KAGI_FUZZ_CHECK(inside(*key, in) && key->size() == tls12::ecdh_public_key_size(g), "ClientKeyExchange key");
      const auto n = tls12::encode_client_key_exchange_ecdhe(g, *key, out);
      KAGI_FUZZ_CHECK(n && *n == size && std::equal(in.begin(), in.end(), out.begin()), "ClientKeyExchange re-encoding differs");
      auto rng = seeded_drbg<kagi::hmac_drbg>(in);
      auto priv = tls12::ecdhe_private_key::generate(g, rng);
      KAGI_FUZZ_CHECK(priv.has_value(), "generate");
      const auto z = priv->premaster_secret(*key);
      if (!z) KAGI_FUZZ_CHECK(z.error() == kagi::errc::tls_bad_public_key, "premaster_secret: " + std::string(kagi::message(z.error())));
    }
  }
}

// ---------------------------------------------------------------- messages

namespace {

void check_extensions(const tls12::hello_extensions& x, kagi::bytes_view body) {
  KAGI_FUZZ_CHECK(inside(x.host_name, body) && inside(x.groups, body) && inside(x.point_formats, body) &&
                      inside(x.signature_schemes, body) && inside(x.renegotiated_connection, body),
                  "extension views outside the body");
  if (x.supported_groups) KAGI_FUZZ_CHECK(!x.groups.empty() && x.groups.size() % 2 == 0, "groups list");
  if (x.signature_algorithms) KAGI_FUZZ_CHECK(!x.signature_schemes.empty() && x.signature_schemes.size() % 2 == 0, "schemes list");
  if (x.ec_point_formats) KAGI_FUZZ_CHECK(!x.point_formats.empty(), "point formats");
}

}  // namespace

KAGI_FUZZ_TARGET(messages, "TLS 1.2 handshake message decoders") {
  const kagi::bytes_view in(data, size);
  if (auto m = tls12::decode_client_hello(in)) {
    KAGI_FUZZ_CHECK(inside(m->session_id, in) && m->session_id.size() <= 32 && inside(m->cipher_suites, in) &&
                        inside(m->compression_methods, in),
                    "ClientHello views");
    KAGI_FUZZ_CHECK(!m->cipher_suites.empty() && m->cipher_suites.size() % 2 == 0 && !m->compression_methods.empty(),
                    "ClientHello lists");
    check_extensions(m->ext, in);
  }
  if (auto m = tls12::decode_server_hello(in)) {
    KAGI_FUZZ_CHECK(inside(m->session_id, in) && m->session_id.size() <= 32, "ServerHello session id");
    check_extensions(m->ext, in);
  }
  if (auto c = tls12::decode_certificate(in)) {
    KAGI_FUZZ_CHECK(c->count <= tls12::certificate_chain::max_certificates, "chain length");
    for (auto cert : c->list()) KAGI_FUZZ_CHECK(!cert.empty() && inside(cert, in), "certificate outside the body");
    bytes out(size + 16);
    const auto n = tls12::encode_certificate(c->list(), out);
    KAGI_FUZZ_CHECK(n && *n == size + tls12::handshake_header_size &&
                        std::equal(in.begin(), in.end(), out.begin() + tls12::handshake_header_size),
                    "Certificate re-encoding differs");
  }
  if (auto ct = tls12::decode_client_key_exchange_rsa(in)) {
    KAGI_FUZZ_CHECK(inside(*ct, in) && ct->size() + 2 == size, "RSA ClientKeyExchange");
  }
  KAGI_FUZZ_CHECK(tls12::decode_empty(in).has_value() == (size == 0), "decode_empty");
}

// ---------------------------------------------------------------- record

namespace {

constexpr std::array<std::uint8_t, 16> record_key{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
constexpr std::array<std::uint8_t, 4> record_iv{0xde, 0xad, 0xbe, 0xef};

bool record_error_expected(kagi::errc e) {
  using kagi::errc;
  return e == errc::bad_length || e == errc::record_overflow || e == errc::bad_record_mac ||
         e == errc::buffer_too_small || e == errc::sequence_number_exhausted || e == errc::tls_closed;
}

}  // namespace

KAGI_FUZZ_TARGET(record, "TLS record open on arbitrary records; seal, change a byte, open; the fatal state") {
  FuzzedDataProvider in(data, size);
  const int mode = in.ConsumeIntegralInRange(0, 2);
  tls12::aes128_gcm_record reader(record_key, record_iv);
  if (mode == 2) {
    // Seal a plaintext, change at most one byte of the record, open.
    tls12::aes128_gcm_record writer(record_key, record_iv);
    const std::uint64_t seq = in.ConsumeIntegral<std::uint8_t>() == 0 ? ~std::uint64_t{0} : in.ConsumeIntegral<std::uint16_t>();
    writer.set_sequence_number(seq);
    reader.set_sequence_number(seq);
    const auto type = static_cast<tls12::content_type>(in.ConsumeIntegralInRange(20, 23));
    const std::size_t at = in.ConsumeIntegral<std::uint16_t>();
    const std::uint8_t x = in.ConsumeIntegral<std::uint8_t>();
    const bytes pt = in.ConsumeRemainingBytes<std::uint8_t>();
    bytes rec(pt.size() + writer.overhead);
    const auto n = writer.seal(type, pt, rec);
    if (pt.size() > kagi::tls12::max_plaintext_length) {
      KAGI_FUZZ_CHECK(n.error() == kagi::errc::record_overflow, "seal took an oversized plaintext");
      return;
    }
    KAGI_FUZZ_CHECK(n && *n == rec.size(), "seal");
    rec[at % rec.size()] ^= x;
    bytes out(pt.size());
    const auto r = reader.open(rec, out);
    if (x == 0) {
      KAGI_FUZZ_CHECK(r && r->type == type && out == pt, "open(seal(x)) != x");
    } else {
      KAGI_FUZZ_CHECK(!r, "a changed record (byte " + std::to_string(at % rec.size()) + ") was accepted");
      KAGI_FUZZ_CHECK(record_error_expected(r.error()), std::string("open: ") + std::string(kagi::message(r.error())));
      // The fatal state: nothing more is opened or sealed.
      tls12::aes128_gcm_record w2(record_key, record_iv);
      w2.set_sequence_number(seq);
      bytes rec2(pt.size() + w2.overhead);
      if (w2.seal(type, pt, rec2)) {
        KAGI_FUZZ_CHECK(!reader.open(rec2, out), "a record object opened a record after a failed open");
      }
      KAGI_FUZZ_CHECK(!reader.seal(type, pt, rec2), "a record object sealed after a failed open");
    }
    return;
  }
  // A stream of records (each one header's worth), opened in place or not.
  const bool in_place = mode == 1;
  bytes stream = in.ConsumeRemainingBytes<std::uint8_t>();
  kagi::bytes_view s(stream);
  bool failed = false;
  while (s.size() >= 5) {
    const std::size_t len = std::size_t{s[3]} << 8 | s[4];
    const std::size_t whole = std::min(s.size(), 5 + len);
    bytes rec(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(whole));
    s = s.subspan(whole);
    bytes out(len >= 24 ? len - 24 : 0, 0xa5);
    const auto r = in_place && rec.size() >= 13 ? reader.open(rec, kagi::mutable_bytes(rec).subspan(13))
                                                : reader.open(rec, out);
    if (r) {
      KAGI_FUZZ_CHECK(!failed, "opened a record after a failed open");
      KAGI_FUZZ_CHECK(r->plaintext.size() + 24 == len && static_cast<std::uint8_t>(r->type) == rec[0], "opened record");
    } else {
      failed = true;
      KAGI_FUZZ_CHECK(record_error_expected(r.error()), std::string("open: ") + std::string(kagi::message(r.error())));
      if (r.error() == kagi::errc::bad_record_mac && !in_place)
        KAGI_FUZZ_CHECK(std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == 0; }), "output not zeroed");
    }
  }
}

// (FuzzedDataProvider takes integers from the end of the input and byte
// strings from the front: the mode byte goes last.)
KAGI_FUZZ_SEEDS(record) {
  std::vector<kagi_fuzz::seed> seeds;
  tls12::aes128_gcm_record writer(record_key, record_iv);
  bytes stream;
  for (std::size_t len : {0u, 5u, 100u}) {
    const bytes pt(len, static_cast<std::uint8_t>(len));
    bytes rec(len + writer.overhead);
    (void)writer.seal(tls12::content_type::application_data, pt, rec);
    stream.insert(stream.end(), rec.begin(), rec.end());
  }
  bytes in_place = stream;
  stream.push_back(0);  // mode 0: out of place
  in_place.push_back(1);  // mode 1: in place
  seeds.push_back({"three_records", stream});
  seeds.push_back({"three_records_in_place", in_place});
  // mode 2: plaintext, then (from the end) mode, sequence selector, sequence
  // number, type, position, xor byte (0: unchanged, must open).
  bytes sealing(40, 0x61);
  for (std::uint8_t b : {0x00, 0x00, 0x07, 0x17, 0x00, 0x05, 0x01, 0x02}) sealing.push_back(b);
  seeds.push_back({"seal_open", sealing});
  sealing[40] = 0x80;  // changed
  seeds.push_back({"seal_change_open", sealing});
  return seeds;
}

// ---------------------------------------------------------------- the engines

namespace {

struct engine_buffers {
  bytes in = bytes(tls12::min_in_buffer);
  bytes out = bytes(tls12::min_out_buffer + 8192);
  bytes hs = bytes(tls12::recommended_handshake_buffer);
  tls12::buffers view() { return {in, out, hs}; }
};

struct credentials {
  bytes cert_der;
  kagi::rsa_private_key key;
  static const credentials& get() {
    static const credentials c = [] {
      credentials k;
      const std::string pem = kagi_fuzz::read_vector_file("tls12_capture/openssl_capture_cert.pem");
      bytes der(4096);
      const auto n = kagi::pem::decode(pem, "CERTIFICATE", der);
      if (!n) kagi_fuzz::fail(__FILE__, __LINE__, "decode the capture certificate", "");
      der.resize(*n);
      k.cert_der = der;
      auto key = kagi::rsa_private_key::from_pem(kagi_fuzz::read_vector_file("tls12_capture/openssl_capture_key.pem"));
      if (!key) kagi_fuzz::fail(__FILE__, __LINE__, "load the capture key", "");
      k.key = *key;
      return k;
    }();
    return c;
  }
};

constexpr std::array<tls12::cipher_suite, 1> rsa_only{tls12::cipher_suite::rsa_with_aes_128_gcm_sha256};
constexpr std::array<tls12::named_group, 1> p256_only{tls12::named_group::secp256r1};
constexpr std::array<tls12::signature_scheme, 1> pss_only{tls12::signature_scheme::rsa_pss_rsae_sha256};
constexpr int client_variants = 4;  // 0 default, 1 RSA key exchange, 2 P-256, 3 PSS signatures

// A client or a server with everything it needs, deterministic.
struct endpoint {
  kagi::hmac_drbg drbg;
  tls12::random_from<kagi::hmac_drbg> rng{drbg};
  engine_buffers buf;
  tls12::pinned_certificate pin{credentials::get().cert_der};
  std::array<kagi::bytes_view, 1> chain{kagi::bytes_view(credentials::get().cert_der)};
  tls12::client_config ccfg;
  tls12::server_config scfg;
  std::unique_ptr<tls12::client> client;
  std::unique_ptr<tls12::server> server;

  static std::array<std::uint8_t, 32> entropy(char who) {
    std::array<std::uint8_t, 32> e{};
    e.fill(0x5a);
    e[0] = static_cast<std::uint8_t>(who);
    return e;
  }
  static std::unique_ptr<endpoint> make_client(int variant) {
    auto e = std::make_unique<endpoint>(entropy('c'));
    e->ccfg.rng = &e->rng;
    e->ccfg.verifier = &e->pin;
    if (variant == 1) e->ccfg.suites = rsa_only;
    if (variant == 2) e->ccfg.groups = p256_only;
    if (variant == 3) e->ccfg.signature_schemes = pss_only;
    e->client = std::make_unique<tls12::client>(e->ccfg, e->buf.view(), "kagi.test");
    return e;
  }
  static std::unique_ptr<endpoint> make_server() {
    auto e = std::make_unique<endpoint>(entropy('s'));
    e->scfg.rng = &e->rng;
    e->scfg.certificate_chain = e->chain;
    e->scfg.key = &credentials::get().key;
    e->server = std::make_unique<tls12::server>(e->scfg, e->buf.view());
    return e;
  }
  explicit endpoint(const std::array<std::uint8_t, 32>& seed) : drbg(seed, {}, {}) {}
};

template <class E>
bytes take_output(E& e) {
  bytes out(e.send_buf().begin(), e.send_buf().end());
  e.send_ack(out.size());
  return out;
}

// Feeds bytes in chunks of `chunk`, reading application data as it comes;
// returns the application data received.
template <class E>
bytes feed(E& e, kagi::bytes_view in, std::size_t chunk) {
  bytes app;
  for (;;) {
    while (!e.app_data().empty()) {
      const auto d = e.app_data();
      app.insert(app.end(), d.begin(), d.end());
      e.app_ack(d.size());
    }
    if (in.empty()) break;
    auto buf = e.recv_buf();
    if (buf.empty()) break;
    const std::size_t n = std::min({buf.size(), in.size(), chunk});
    std::copy_n(in.begin(), n, buf.begin());
    e.recv_ack(n);
    in = in.subspan(n);
  }
  return app;
}

// What each side sent in an in-memory handshake of a client of `variant` and
// the server, then one application record each way and the server's
// close_notify: the handshake part and the rest, per side.
struct recording {
  bytes client_handshake, client_after;
  bytes server_handshake, server_after;
};

recording record_pair(int variant) {
  auto c = endpoint::make_client(variant);
  auto s = endpoint::make_server();
  recording r;
  for (int round = 0; round < 20; ++round) {
    const bytes from_client = take_output(*c->client);
    (void)feed(*s->server, from_client, SIZE_MAX);
    const bytes from_server = take_output(*s->server);
    (void)feed(*c->client, from_server, SIZE_MAX);
    r.client_handshake.insert(r.client_handshake.end(), from_client.begin(), from_client.end());
    r.server_handshake.insert(r.server_handshake.end(), from_server.begin(), from_server.end());
    if (from_client.empty() && from_server.empty()) break;
  }
  if (!c->client->handshake_done() || !s->server->handshake_done())
    kagi_fuzz::fail(__FILE__, __LINE__, "the recorded handshake did not complete",
                    std::string(kagi::message(c->client->last_error().reason)) + " / " +
                        std::string(kagi::message(s->server->last_error().reason)));
  const std::string hello = "GET / HTTP/1.0\r\n\r\n", answer = "HTTP/1.0 200 OK\r\n\r\nhello";
  (void)c->client->write_app(kagi::bytes_view(reinterpret_cast<const std::uint8_t*>(hello.data()), hello.size()));
  (void)s->server->write_app(kagi::bytes_view(reinterpret_cast<const std::uint8_t*>(answer.data()), answer.size()));
  s->server->close();
  r.client_after = take_output(*c->client);
  r.server_after = take_output(*s->server);
  return r;
}

const recording& recorded(int variant) {
  static const std::array<recording, client_variants> all = [] {
    std::array<recording, client_variants> a;
    for (int v = 0; v < client_variants; ++v) a[static_cast<std::size_t>(v)] = record_pair(v);
    return a;
  }();
  return all[static_cast<std::size_t>(variant)];
}

// What must hold of an engine whatever it was fed.
template <class E>
void check_engine(E& e, bool was_done) {
  const auto f = e.flags();
  const auto& err = e.last_error();
  KAGI_FUZZ_CHECK(f.failed == (err.reason != kagi::errc::ok), "flags().failed and last_error disagree");
  if (was_done) KAGI_FUZZ_CHECK(f.handshake_done, "handshake_done went back");
  if (f.failed) {
    KAGI_FUZZ_CHECK(e.recv_buf().empty(), "a failed engine still takes input");
    KAGI_FUZZ_CHECK(!f.can_write && e.write_app(kagi::bytes_view{}).error() == kagi::errc::tls_closed,
                    "a failed engine still writes");
    if (err.alert_sent) {
      const auto out = e.send_buf();
      KAGI_FUZZ_CHECK(out.size() >= 7, "an alert was reported sent but nothing is queued");
    }
  }
  if (f.handshake_done) {
    const auto& n = e.negotiated();
    KAGI_FUZZ_CHECK(tls12::find_suite(static_cast<std::uint16_t>(n.suite)) != nullptr, "negotiated an unknown suite");
  }
}

// The input: variant byte (low 2 bits: the client configuration; bit 2: the
// recorded handshake first, then the input), chunk byte, then the peer's bytes.
template <bool Client>
void run_engine(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return;
  const int variant = data[0] & 3;
  const bool after_handshake = (data[0] & 4) != 0;
  const std::size_t chunk = data[1] == 255 ? SIZE_MAX : std::size_t{data[1]} + 1;
  const kagi::bytes_view stream(data + 2, size - 2);
  const auto& rec = recorded(variant);
  auto run = [&](auto& e) {
    (void)take_output(e);
    bool was_done = false;
    if (after_handshake) {
      (void)feed(e, Client ? rec.server_handshake : rec.client_handshake, SIZE_MAX);
      (void)take_output(e);
      KAGI_FUZZ_CHECK(e.handshake_done(), "replaying the recorded handshake did not complete it");
      was_done = true;
    }
    (void)feed(e, stream, chunk);
    check_engine(e, was_done);
    if (e.flags().can_write) {
      const std::array<std::uint8_t, 5> msg{'p', 'i', 'n', 'g', '\n'};
      const auto n = e.write_app(msg);
      KAGI_FUZZ_CHECK(n && *n == msg.size(), "write_app after the handshake");
      e.close();
    }
    e.recv_eof();
    check_engine(e, was_done);
  };
  if constexpr (Client) {
    auto c = endpoint::make_client(variant);
    run(*c->client);
  } else {
    auto s = endpoint::make_server();
    run(*s->server);
  }
}

template <bool Client>
std::vector<kagi_fuzz::seed> engine_seeds() {
  std::vector<kagi_fuzz::seed> seeds;
  const char* names[client_variants] = {"default", "rsa", "p256", "pss"};
  for (int v = 0; v < client_variants; ++v) {
    const auto& r = recorded(v);
    const bytes& hs = Client ? r.server_handshake : r.client_handshake;
    const bytes& after = Client ? r.server_after : r.client_after;
    bytes whole{static_cast<std::uint8_t>(v), 255};
    whole.insert(whole.end(), hs.begin(), hs.end());
    whole.insert(whole.end(), after.begin(), after.end());
    seeds.push_back({std::string("handshake_") + names[v], whole});
    bytes later{static_cast<std::uint8_t>(v | 4), 255};
    later.insert(later.end(), after.begin(), after.end());
    seeds.push_back({std::string("after_handshake_") + names[v], later});
    if (v == 0) {
      bytes small{0, 6};  // the same stream in 7-byte pieces
      small.insert(small.end(), hs.begin(), hs.end());
      seeds.push_back({"handshake_default_chunked", small});
    }
  }
  return seeds;
}

}  // namespace

KAGI_FUZZ_TARGET(client, "tls12::client fed the server's bytes: from the start, after a real handshake, mutated recordings") {
  run_engine<true>(data, size);
}
KAGI_FUZZ_SEEDS(client) { return engine_seeds<true>(); }

KAGI_FUZZ_TARGET(server, "tls12::server fed the client's bytes: from the start, after a real handshake, mutated recordings") {
  run_engine<false>(data, size);
}
KAGI_FUZZ_SEEDS(server) { return engine_seeds<false>(); }
