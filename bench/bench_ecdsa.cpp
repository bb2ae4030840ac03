// ECDSA over P-256: signing and verification of a precomputed SHA-256
// digest, each beside an OpenSSL twin doing the same work through EVP with a
// context made once (EVP_PKEY_sign / EVP_PKEY_verify on the digest: DER
// signatures on both sides). Counters: ops/s.
//
//   ecdsa_p256_sign         kagi: RFC 6979 deterministic nonce (HMAC-SHA-256
//                           DRBG), DER out; OpenSSL: its nonce from its DRBG
//                           mixed with the key and digest
//   ecdsa_p256_sign_hedged  kagi: RFC 6979 with 32 bytes of k' from a user-space
//                           DRBG (kagi::hmac_drbg seeded once, as OpenSSL's own
//                           DRBG is); the same OpenSSL twin
//   ecdsa_p256_verify       kagi: the 65-byte public point decoded and validated,
//                           the DER signature parsed, u1 G + u2 Q; OpenSSL: the
//                           key decoded once (in the context), DER parsed
#include <kagi/core/random.hpp>
#include <kagi/ec/ecdsa_p256.hpp>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/hash/sha256.hpp>

#include "bench_util.hpp"

#if KAGI_HAVE_OPENSSL
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#endif

namespace {

void set_ops(benchmark::State& state) {
  state.counters["ops/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

kagi::p256::private_key_type ecdsa_key() {
  kagi::p256::private_key_type k{};
  const auto v = kagi_bench::filled(32, 7);
  std::copy(v.begin(), v.end(), k.begin());
  k[0] &= 0x7f;  // below n
  return k;
}

std::array<std::uint8_t, 32> ecdsa_digest() { return kagi::sha256::hash(kagi_bench::filled(100, 3)); }

void sign_kagi(benchmark::State& state, std::uint32_t disable) {
  kagi_bench::forced_path path(disable);
  const auto priv = ecdsa_key();
  const auto digest = ecdsa_digest();
  std::array<std::uint8_t, kagi::p256::max_der_signature_size> sig{};
  for (auto _ : state) {
    auto n = kagi::p256::sign_digest(priv, digest, sig);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(sig);
  }
  set_ops(state);
}

void sign_hedged_kagi(benchmark::State& state, std::uint32_t disable) {
  kagi_bench::forced_path path(disable);
  const auto priv = ecdsa_key();
  const auto digest = ecdsa_digest();
  std::array<std::uint8_t, 32> seed{};
  kagi::system_random().fill(seed);
  kagi::hmac_drbg drbg(seed);
  std::array<std::uint8_t, kagi::p256::max_der_signature_size> sig{};
  for (auto _ : state) {
    auto n = kagi::p256::sign_digest(priv, digest, sig, drbg);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(sig);
  }
  set_ops(state);
}

void verify_kagi(benchmark::State& state, std::uint32_t disable) {
  kagi_bench::forced_path path(disable);
  const auto priv = ecdsa_key();
  const auto pub = *kagi::p256::public_key(priv);
  const auto digest = ecdsa_digest();
  std::array<std::uint8_t, kagi::p256::max_der_signature_size> sig{};
  const std::size_t len = *kagi::p256::sign_digest(priv, digest, sig);
  const kagi::bytes_view der = kagi::bytes_view(sig).first(len);
  for (auto _ : state) {
    auto ok = kagi::p256::verify_digest(pub, digest, der);
    benchmark::DoNotOptimize(ok);
  }
  if (!kagi::p256::verify_digest(pub, digest, der)) state.SkipWithError("verify failed");
  set_ops(state);
}

#if KAGI_HAVE_OPENSSL
// The same key in OpenSSL, from its private scalar and public point.
EVP_PKEY* openssl_key(const kagi::p256::private_key_type& priv) {
  const auto pub = *kagi::p256::public_key(priv);
  BIGNUM* d = BN_bin2bn(priv.data(), static_cast<int>(priv.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* from = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata_init(from) != 1 || EVP_PKEY_fromdata(from, &key, EVP_PKEY_KEYPAIR, params) != 1) key = nullptr;
  EVP_PKEY_CTX_free(from);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(d);
  return key;
}

void sign_openssl(benchmark::State& state) {
  EVP_PKEY* key = openssl_key(ecdsa_key());
  EVP_PKEY_CTX* ctx = key != nullptr ? EVP_PKEY_CTX_new(key, nullptr) : nullptr;
  if (ctx == nullptr || EVP_PKEY_sign_init(ctx) != 1) state.SkipWithError("OpenSSL setup");
  const auto digest = ecdsa_digest();
  unsigned char sig[kagi::p256::max_der_signature_size];
  for (auto _ : state) {
    size_t len = sizeof sig;
    EVP_PKEY_sign(ctx, sig, &len, digest.data(), digest.size());
    benchmark::DoNotOptimize(sig);
  }
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(key);
  set_ops(state);
}

void verify_openssl(benchmark::State& state) {
  const auto priv = ecdsa_key();
  const auto digest = ecdsa_digest();
  std::array<std::uint8_t, kagi::p256::max_der_signature_size> sig{};
  const std::size_t len = *kagi::p256::sign_digest(priv, digest, sig);
  EVP_PKEY* key = openssl_key(priv);
  EVP_PKEY_CTX* ctx = key != nullptr ? EVP_PKEY_CTX_new(key, nullptr) : nullptr;
  if (ctx == nullptr || EVP_PKEY_verify_init(ctx) != 1 ||
      EVP_PKEY_verify(ctx, sig.data(), len, digest.data(), digest.size()) != 1)
    state.SkipWithError("OpenSSL setup");
  for (auto _ : state) {
    int ok = EVP_PKEY_verify(ctx, sig.data(), len, digest.data(), digest.size());
    benchmark::DoNotOptimize(ok);
  }
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(key);
  set_ops(state);
}
#endif

const int registered = [] {
  benchmark::RegisterBenchmark("ecdsa_p256_sign/kagi", sign_kagi, 0u);
  benchmark::RegisterBenchmark("ecdsa_p256_sign/kagi-portable", sign_kagi, kagi::cpu::all);
  benchmark::RegisterBenchmark("ecdsa_p256_sign_hedged/kagi", sign_hedged_kagi, 0u);
  benchmark::RegisterBenchmark("ecdsa_p256_verify/kagi", verify_kagi, 0u);
  benchmark::RegisterBenchmark("ecdsa_p256_verify/kagi-portable", verify_kagi, kagi::cpu::all);
#if KAGI_HAVE_OPENSSL
  benchmark::RegisterBenchmark("ecdsa_p256_sign/openssl", sign_openssl);
  benchmark::RegisterBenchmark("ecdsa_p256_sign_hedged/openssl", sign_openssl);
  benchmark::RegisterBenchmark("ecdsa_p256_verify/openssl", verify_openssl);
#endif
  return 0;
}();

}  // namespace
