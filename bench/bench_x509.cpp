// X.509: parsing one certificate, and verifying a 3-certificate RSA chain as a
// TLS client does, each beside an OpenSSL twin doing the same work.
//
// The chain is made at start-up with OpenSSL's X509 API from the fixed keys of
// bench_rsa_keys.hpp: a root (RSA-4096) -> an intermediate (RSA-2048) -> a
// leaf (RSA-3072, subjectAltName www.example.com, serverAuth), all
// sha256WithRSAEncryption, with the extensions a public CA puts in.
//
// x509_parse: kagi certificate::parse of the leaf's DER (which reads every
//   extension) against d2i_X509 + X509_free (OpenSSL reads the extensions
//   lazily, on first use, so its twin does less).
// x509_verify_chain: the store (the root) made once; per operation the
//   peer's two certificates are parsed from DER, a path built to the root,
//   both signatures verified, validity, CA flags, key usage, serverAuth and
//   the host name checked. kagi: chain_verifier::verify. OpenSSL: d2i_X509
//   of both, an X509_STORE_CTX with purpose sslserver and the host set,
//   X509_verify_cert (what a TLS handshake does per connection).
#include <benchmark/benchmark.h>

#include <kagi/x509/store.hpp>
#include <kagi/x509/verify.hpp>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "bench_rsa_keys.hpp"
#include "bench_util.hpp"

#if KAGI_HAVE_OPENSSL
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace {

void set_ops(benchmark::State& state) {
  state.counters["ops/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

EVP_PKEY* load_key(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k == nullptr) std::abort();
  return k;
}

void add_ext(X509* x, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (e == nullptr || X509_add_ext(x, e, -1) != 1) std::abort();
  X509_EXTENSION_free(e);
}

// A certificate for key `subject` named cn, issued by `issuer` (nullptr: self).
X509* make_cert(EVP_PKEY* subject, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca, long serial) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 86400);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("kagi bench"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(x, subject);
  X509* iss = issuer != nullptr ? issuer : x;
  add_ext(x, iss, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_ext(x, iss, NID_authority_key_identifier, "keyid");
  if (ca) {
    add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(x, iss, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(x, iss, NID_ext_key_usage, "serverAuth");
    add_ext(x, iss, NID_subject_alt_name, "DNS:www.example.com,DNS:example.com");
  }
  if (X509_sign(x, issuer_key, EVP_sha256()) == 0) std::abort();
  return x;
}

std::vector<std::uint8_t> der_of(X509* x) {
  unsigned char* p = nullptr;
  const int n = i2d_X509(x, &p);
  if (n <= 0) std::abort();
  std::vector<std::uint8_t> out(p, p + n);
  OPENSSL_free(p);
  return out;
}

struct chain_fixture {
  std::vector<std::uint8_t> root, intermediate, leaf;
  X509_STORE* store = nullptr;
  kagi::x509::trust_store anchors;
  std::int64_t now = 0;

  chain_fixture() {
    EVP_PKEY* root_key = load_key(kagi_bench::rsa_key_4096);
    EVP_PKEY* int_key = load_key(kagi_bench::rsa_key_2048);
    EVP_PKEY* leaf_key = load_key(kagi_bench::rsa_key_3072);
    X509* r = make_cert(root_key, "kagi bench root", nullptr, root_key, true, 1);
    X509* i = make_cert(int_key, "kagi bench intermediate", r, root_key, true, 2);
    X509* l = make_cert(leaf_key, "www.example.com", i, int_key, false, 3);
    root = der_of(r);
    intermediate = der_of(i);
    leaf = der_of(l);
    store = X509_STORE_new();
    X509_STORE_add_cert(store, r);
    X509_free(r);
    X509_free(i);
    X509_free(l);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(int_key);
    EVP_PKEY_free(leaf_key);
    if (!anchors.add_der(root)) std::abort();
    now = static_cast<std::int64_t>(std::time(nullptr));
  }
};

const chain_fixture& fixture() {
  static const chain_fixture f;
  return f;
}

void parse_kagi(benchmark::State& state) {
  const auto& der = fixture().leaf;
  for (auto _ : state) {
    auto c = kagi::x509::certificate::parse(der);
    if (!c) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(c);
  }
  set_ops(state);
}

void parse_openssl(benchmark::State& state) {
  const auto& der = fixture().leaf;
  for (auto _ : state) {
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (x == nullptr) state.SkipWithError("d2i_X509 failed");
    benchmark::DoNotOptimize(x);
    X509_free(x);
  }
  set_ops(state);
}

void verify_kagi(benchmark::State& state) {
  const auto& f = fixture();
  const kagi::x509::chain_verifier verifier(f.anchors);
  const kagi::bytes_view chain[] = {f.leaf, f.intermediate};
  for (auto _ : state) {
    const kagi::status s =
        verifier.verify(chain, "www.example.com", f.now, kagi::x509::key_usage_needed::digital_signature);
    if (!s) state.SkipWithError(std::string(s.message()).c_str());
    benchmark::DoNotOptimize(s);
  }
  set_ops(state);
}

void verify_openssl(benchmark::State& state) {
  const auto& f = fixture();
  for (auto _ : state) {
    const unsigned char* p = f.leaf.data();
    X509* leaf = d2i_X509(nullptr, &p, static_cast<long>(f.leaf.size()));
    p = f.intermediate.data();
    X509* inter = d2i_X509(nullptr, &p, static_cast<long>(f.intermediate.size()));
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    sk_X509_push(untrusted, inter);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, f.store, leaf, untrusted);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set1_host(param, "www.example.com", 0);
    const int ok = X509_verify_cert(ctx);
    if (ok != 1) state.SkipWithError(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    benchmark::DoNotOptimize(ok);
    X509_STORE_CTX_free(ctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(leaf);
  }
  set_ops(state);
}

const int registered = [] {
  benchmark::RegisterBenchmark("x509_parse/kagi", parse_kagi);
  benchmark::RegisterBenchmark("x509_parse/openssl", parse_openssl);
  benchmark::RegisterBenchmark("x509_verify_chain/kagi", verify_kagi);
  benchmark::RegisterBenchmark("x509_verify_chain/openssl", verify_openssl);
  return 0;
}();

}  // namespace
#endif
