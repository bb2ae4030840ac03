// TLS 1.2 connections in memory: full handshakes per second, and the record
// path (application data sealed by one side and opened by the other), each
// beside OpenSSL doing the same with two SSL objects over a BIO pair.
//
//   tls12_handshake_<suite>   a new client and server, a full handshake (no
//                             resumption: session cache and tickets off), the
//                             server's RSA-2048 (or, for ECDHE_ECDSA, P-256)
//                             certificate checked by the client (kagi: pinned,
//                             byte-equal; OpenSSL: SSL_VERIFY_NONE, the
//                             cheaper side)
//   tls12_records/<size>      one application record of <size> bytes written
//                             by the client and read by the server, on an
//                             established AES-128-GCM connection
//
// Both sides use the same certificate and key (tests/vectors/tls12_capture;
// tests/vectors/tls12_ecdsa for the ECDHE_ECDSA suites), the extended master
// secret, ECDHE over x25519 where the suite has it and rsa_pss_rsae_sha256
// (ecdsa_secp256r1_sha256) signatures. kagi draws from the OS (system_random),
// OpenSSL from its DRBG.
#include <kagi/ec/ecdsa_p256.hpp>
#include <kagi/encoding/pem.hpp>
#include <kagi/rsa/rsa.hpp>
#include <kagi/tls12/client.hpp>
#include <kagi/tls12/server.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"

#if KAGI_HAVE_OPENSSL && KAGI_HAVE_OPENSSL_SSL
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

namespace {

namespace tls12 = kagi::tls12;

std::string read_text(const std::string& name) {
  std::ifstream f(std::string(KAGI_VECTOR_DIR) + "/" + name);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct credentials {
  std::string cert_pem, key_pem;
  std::vector<std::uint8_t> cert_der;
  kagi::rsa_private_key key;
  kagi::p256::private_key_type ec_key{};
  bool ecdsa = false;
  bool ok = false;
  // The RSA-2048 credentials, or the P-256 ones (ecdsa: the ECDHE_ECDSA suites).
  static const credentials& get(bool ecdsa = false) {
    static const credentials rsa = load(false), ec = load(true);
    return ecdsa ? ec : rsa;
  }
  static credentials load(bool ecdsa) {
    credentials k;
    k.ecdsa = ecdsa;
    k.cert_pem = read_text(ecdsa ? "tls12_ecdsa/ecdsa_cert.pem" : "tls12_capture/openssl_capture_cert.pem");
    k.key_pem = read_text(ecdsa ? "tls12_ecdsa/ecdsa_key.pem" : "tls12_capture/openssl_capture_key.pem");
    k.cert_der.resize(4096);
    const auto n = kagi::pem::decode(k.cert_pem, "CERTIFICATE", k.cert_der);
    if (!n) return k;
    k.cert_der.resize(*n);
    if (ecdsa) {
      auto key = kagi::p256::private_key_from_pem(k.key_pem);
      if (!key) return k;
      k.ec_key = *key;
    } else {
      auto key = kagi::rsa_private_key::from_pem(k.key_pem);
      if (!key) return k;
      k.key = *key;
    }
    k.ok = true;
    return k;
  }
};

bool is_ecdsa(tls12::cipher_suite s) {
  return tls12::find_suite(static_cast<std::uint16_t>(s))->kx == tls12::key_exchange::ecdhe_ecdsa;
}

// Moves every byte between the two engines until neither has any left.
template <class A, class B>
void pump(A& a, B& b) {
  for (bool moved = true; moved;) {
    moved = false;
    auto move = [&moved](auto& from, auto& to) {
      while (!from.send_buf().empty() && !to.recv_buf().empty()) {
        const auto out = from.send_buf();
        auto in = to.recv_buf();
        const std::size_t n = std::min(out.size(), in.size());
        std::copy_n(out.begin(), n, in.begin());
        from.send_ack(n);
        to.recv_ack(n);
        moved = true;
      }
    };
    move(a, b);
    move(b, a);
  }
}

struct kagi_side {
  const credentials& cred;
  kagi::system_random os;
  tls12::random_from<kagi::system_random> rng{os};
  tls12::pinned_certificate pin{cred.cert_der};
  std::array<kagi::bytes_view, 1> chain{kagi::bytes_view(cred.cert_der)};
  std::vector<std::uint8_t> cin = std::vector<std::uint8_t>(tls12::min_in_buffer),
                            cout = std::vector<std::uint8_t>(tls12::min_out_buffer),
                            chs = std::vector<std::uint8_t>(tls12::min_handshake_buffer),
                            sin = std::vector<std::uint8_t>(tls12::min_in_buffer),
                            sout = std::vector<std::uint8_t>(tls12::min_out_buffer + 4096),
                            shs = std::vector<std::uint8_t>(tls12::recommended_handshake_buffer);
  std::array<tls12::cipher_suite, 1> suite{};
  std::array<tls12::named_group, 1> group{tls12::named_group::x25519};
  std::array<tls12::signature_scheme, 1> scheme{tls12::signature_scheme::rsa_pss_rsae_sha256};
  tls12::client_config ccfg;
  tls12::server_config scfg;
  explicit kagi_side(tls12::cipher_suite s) : cred(credentials::get(is_ecdsa(s))) {
    suite[0] = s;
    if (cred.ecdsa) scheme[0] = tls12::signature_scheme::ecdsa_secp256r1_sha256;
    ccfg.rng = &rng;
    ccfg.verifier = &pin;
    ccfg.suites = suite;
    ccfg.groups = group;
    ccfg.signature_schemes = scheme;
    scfg.rng = &rng;
    scfg.certificate_chain = chain;
    if (cred.ecdsa) {
      scfg.ecdsa_key = &cred.ec_key;
    } else {
      scfg.key = &cred.key;
    }
    scfg.suites = suite;
  }
  tls12::buffers client_buffers() { return {cin, cout, chs}; }
  tls12::buffers server_buffers() { return {sin, sout, shs}; }
};

void handshake_kagi(benchmark::State& state, tls12::cipher_suite suite) {
  if (!credentials::get(is_ecdsa(suite)).ok) return state.SkipWithError("the credentials in tests/vectors are not readable");
  kagi_side k(suite);
  for (auto _ : state) {
    tls12::client c(k.ccfg, k.client_buffers(), "localhost");
    tls12::server s(k.scfg, k.server_buffers());
    pump(c, s);
    if (!c.handshake_done() || !s.handshake_done()) return state.SkipWithError("handshake failed");
  }
  state.counters["handshakes/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void records_kagi(benchmark::State& state) {
  if (!credentials::get().ok) return state.SkipWithError("tests/vectors/tls12_capture not readable");
  const std::size_t size = static_cast<std::size_t>(state.range(0));
  kagi_side k(tls12::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256);
  tls12::client c(k.ccfg, k.client_buffers(), "localhost");
  tls12::server s(k.scfg, k.server_buffers());
  pump(c, s);
  if (!c.handshake_done()) return state.SkipWithError("handshake failed");
  const auto data = kagi_bench::filled(size);
  for (auto _ : state) {
    const auto n = c.write_app(data);
    if (!n || *n != size) return state.SkipWithError("write_app");
    pump(c, s);
    const auto got = s.app_data();
    benchmark::DoNotOptimize(got.data());
    if (got.size() != size) return state.SkipWithError("app_data");
    s.app_ack(got.size());
  }
  kagi_bench::set_bytes(state, size);
}

#if KAGI_HAVE_OPENSSL && KAGI_HAVE_OPENSSL_SSL
const char* openssl_cipher(tls12::cipher_suite s) {
  switch (s) {
    case tls12::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256: return "ECDHE-RSA-AES128-GCM-SHA256";
    case tls12::cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384: return "ECDHE-RSA-AES256-GCM-SHA384";
    case tls12::cipher_suite::rsa_with_aes_128_gcm_sha256: return "AES128-GCM-SHA256";
    case tls12::cipher_suite::rsa_with_aes_256_gcm_sha384: return "AES256-GCM-SHA384";
    case tls12::cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256: return "ECDHE-ECDSA-AES128-GCM-SHA256";
    case tls12::cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384: return "ECDHE-ECDSA-AES256-GCM-SHA384";
  }
  return "";
}

// Two SSL_CTX made once (TLS 1.2 only, one suite, x25519, PSS-SHA256,
// no session cache, no tickets), an SSL pair per connection over a BIO pair.
struct openssl_side {
  SSL_CTX* cctx = nullptr;
  SSL_CTX* sctx = nullptr;
  explicit openssl_side(tls12::cipher_suite suite) {
    cctx = SSL_CTX_new(TLS_client_method());
    sctx = SSL_CTX_new(TLS_server_method());
    for (SSL_CTX* ctx : {cctx, sctx}) {
      SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
      SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
      SSL_CTX_set_cipher_list(ctx, openssl_cipher(suite));
      SSL_CTX_set1_groups_list(ctx, is_ecdsa(suite) ? "X25519:P-256" : "X25519");  // P-256: the certificate's curve
      SSL_CTX_set1_sigalgs_list(ctx, is_ecdsa(suite) ? "ECDSA+SHA256" : "RSA-PSS+SHA256");
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
      SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    }
    SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, nullptr);
    const auto& cr = credentials::get(is_ecdsa(suite));
    BIO* cb = BIO_new_mem_buf(cr.cert_pem.data(), static_cast<int>(cr.cert_pem.size()));
    BIO* kb = BIO_new_mem_buf(cr.key_pem.data(), static_cast<int>(cr.key_pem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    SSL_CTX_use_certificate(sctx, cert);
    SSL_CTX_use_PrivateKey(sctx, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
  }
  ~openssl_side() {
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
  }
  openssl_side(const openssl_side&) = delete;
  openssl_side& operator=(const openssl_side&) = delete;
};

struct openssl_pair {
  SSL* c;
  SSL* s;
  explicit openssl_pair(const openssl_side& o) : c(SSL_new(o.cctx)), s(SSL_new(o.sctx)) {
    BIO *cbio = nullptr, *sbio = nullptr;
    BIO_new_bio_pair(&cbio, 1 << 17, &sbio, 1 << 17);
    SSL_set_bio(c, cbio, cbio);
    SSL_set_bio(s, sbio, sbio);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
  }
  ~openssl_pair() {
    SSL_free(c);
    SSL_free(s);
  }
  openssl_pair(const openssl_pair&) = delete;
  openssl_pair& operator=(const openssl_pair&) = delete;
  bool handshake() {
    for (int i = 0; i < 100; ++i) {
      const int a = SSL_do_handshake(c), b = SSL_do_handshake(s);
      if (a == 1 && b == 1) return true;
      const int ea = SSL_get_error(c, a), eb = SSL_get_error(s, b);
      if ((a != 1 && ea != SSL_ERROR_WANT_READ && ea != SSL_ERROR_WANT_WRITE) ||
          (b != 1 && eb != SSL_ERROR_WANT_READ && eb != SSL_ERROR_WANT_WRITE))
        return false;
    }
    return false;
  }
};

void handshake_openssl(benchmark::State& state, tls12::cipher_suite suite) {
  if (!credentials::get(is_ecdsa(suite)).ok) return state.SkipWithError("the credentials in tests/vectors are not readable");
  openssl_side o(suite);
  for (auto _ : state) {
    openssl_pair p(o);
    if (!p.handshake()) return state.SkipWithError("OpenSSL handshake failed");
  }
  state.counters["handshakes/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void records_openssl(benchmark::State& state) {
  if (!credentials::get().ok) return state.SkipWithError("tests/vectors/tls12_capture not readable");
  const std::size_t size = static_cast<std::size_t>(state.range(0));
  openssl_side o(tls12::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256);
  openssl_pair p(o);
  if (!p.handshake()) return state.SkipWithError("OpenSSL handshake failed");
  const auto data = kagi_bench::filled(size);
  std::vector<std::uint8_t> got(size);
  for (auto _ : state) {
    if (SSL_write(p.c, data.data(), static_cast<int>(size)) != static_cast<int>(size)) return state.SkipWithError("SSL_write");
    if (SSL_read(p.s, got.data(), static_cast<int>(size)) != static_cast<int>(size)) return state.SkipWithError("SSL_read");
    benchmark::DoNotOptimize(got.data());
  }
  kagi_bench::set_bytes(state, size);
}
#endif

const int registered = [] {
  struct named {
    const char* name;
    tls12::cipher_suite suite;
  };
  const named suites[] = {
      {"ecdhe_rsa_aes128_gcm_sha256", tls12::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256},
      {"ecdhe_rsa_aes256_gcm_sha384", tls12::cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384},
      {"rsa_aes128_gcm_sha256", tls12::cipher_suite::rsa_with_aes_128_gcm_sha256},
      {"rsa_aes256_gcm_sha384", tls12::cipher_suite::rsa_with_aes_256_gcm_sha384},
      {"ecdhe_ecdsa_aes128_gcm_sha256", tls12::cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256},
      {"ecdhe_ecdsa_aes256_gcm_sha384", tls12::cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384},
  };
  for (const auto& s : suites) {
    benchmark::RegisterBenchmark((std::string("tls12_handshake_") + s.name + "/kagi").c_str(), handshake_kagi, s.suite)
        ->Unit(benchmark::kMicrosecond);
#if KAGI_HAVE_OPENSSL && KAGI_HAVE_OPENSSL_SSL
    benchmark::RegisterBenchmark((std::string("tls12_handshake_") + s.name + "/openssl").c_str(), handshake_openssl, s.suite)
        ->Unit(benchmark::kMicrosecond);
#endif
  }
  benchmark::RegisterBenchmark("tls12_records/kagi", records_kagi)->Arg(1024)->Arg(16384);
#if KAGI_HAVE_OPENSSL && KAGI_HAVE_OPENSSL_SSL
  benchmark::RegisterBenchmark("tls12_records/openssl", records_openssl)->Arg(1024)->Arg(16384);
#endif
  return 0;
}();

}  // namespace
