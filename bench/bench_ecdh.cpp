// ECDHE: X25519 and P-256 shared secrets and key generation, each beside an
// OpenSSL twin doing the same work through EVP (contexts made once, as a TLS
// stack keeps them). Counters: ops/s.
//
//   x25519_shared   X25519(priv, peer) with the all-zero check; OpenSSL:
//                   EVP_PKEY_derive with the peer set once (what `openssl
//                   speed ecdhx25519` measures)
//   x25519_keygen   32 random bytes and the public key; OpenSSL: EVP_PKEY_keygen
//   p256_shared     the peer's 65-byte point decoded and validated, then the
//                   shared x-coordinate; OpenSSL: EVP_PKEY_derive with the peer
//                   decoded and checked once (what `openssl speed ecdhp256`
//                   measures: less work than kagi's)
//   p256_shared_tls the same for kagi; OpenSSL imports the peer's point each
//                   time as a TLS server does per ClientKeyExchange (new
//                   EVP_PKEY, EVP_PKEY_set1_encoded_public_key,
//                   EVP_PKEY_derive_set_peer with its checks), then derives
//   p256_keygen     a private scalar in [1, n-1] and its public point;
//                   OpenSSL: EVP_PKEY_keygen
// kagi draws its randomness from the OS (system_random), OpenSSL from its DRBG.
#include <kagi/core/random.hpp>
#include <kagi/ec/p256.hpp>
#include <kagi/ec/x25519.hpp>

#include "bench_util.hpp"

#if KAGI_HAVE_OPENSSL
#include <openssl/core_names.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#endif

namespace {

void set_ops(benchmark::State& state) {
  state.counters["ops/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

std::array<std::uint8_t, 32> fixed32(std::uint8_t seed) {
  std::array<std::uint8_t, 32> a{};
  const auto v = kagi_bench::filled(32, seed);
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

// ---- X25519

void x25519_shared_kagi(benchmark::State& state, std::uint32_t disable) {
  kagi_bench::forced_path path(disable);
  const auto priv = fixed32(3);
  const auto peer = kagi::x25519::public_key(fixed32(5));
  for (auto _ : state) {
    auto s = kagi::x25519::shared_secret(priv, peer);
    benchmark::DoNotOptimize(s);
  }
  set_ops(state);
}

void x25519_keygen_kagi(benchmark::State& state, std::uint32_t disable) {
  kagi_bench::forced_path path(disable);
  kagi::system_random rng;
  for (auto _ : state) {
    std::array<std::uint8_t, 32> priv{};
    rng.fill(priv);
    auto pub = kagi::x25519::public_key(priv);
    benchmark::DoNotOptimize(pub);
    kagi::secure_wipe(priv);
  }
  set_ops(state);
}

// ---- P-256

kagi::p256::private_key_type p256_key(std::uint8_t seed) {
  auto k = fixed32(seed);
  k[0] &= 0x7f;  // below n
  return k;
}

void p256_shared_kagi(benchmark::State& state, std::uint32_t disable) {
  kagi_bench::forced_path path(disable);
  const auto priv = p256_key(3);
  const auto peer = *kagi::p256::public_key(p256_key(5));
  for (auto _ : state) {
    auto s = kagi::p256::shared_secret(priv, peer);
    benchmark::DoNotOptimize(s);
  }
  set_ops(state);
}

void p256_keygen_kagi(benchmark::State& state, std::uint32_t disable) {
  kagi_bench::forced_path path(disable);
  kagi::system_random rng;
  for (auto _ : state) {
    auto priv = kagi::p256::generate_private_key(rng);
    auto pub = kagi::p256::public_key(priv);
    benchmark::DoNotOptimize(pub);
    kagi::secure_wipe(priv);
  }
  set_ops(state);
}

#if KAGI_HAVE_OPENSSL
void x25519_shared_openssl(benchmark::State& state) {
  const auto priv = fixed32(3);
  const auto peer = kagi::x25519::public_key(fixed32(5));
  EVP_PKEY* k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), priv.size());
  EVP_PKEY* p = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer.data(), peer.size());
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(k, nullptr);
  if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, p) != 1) state.SkipWithError("OpenSSL setup");
  unsigned char out[32];
  for (auto _ : state) {
    size_t n = sizeof out;
    EVP_PKEY_derive(ctx, out, &n);
    benchmark::DoNotOptimize(out);
  }
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(p);
  EVP_PKEY_free(k);
  set_ops(state);
}

void keygen_openssl(benchmark::State& state, int nid_or_zero) {
  EVP_PKEY_CTX* ctx = nid_or_zero != 0 ? EVP_PKEY_CTX_new_id(nid_or_zero, nullptr)
                                       : EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  char group[] = "P-256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                               OSSL_PARAM_construct_end()};
  if (EVP_PKEY_keygen_init(ctx) != 1 || (nid_or_zero == 0 && EVP_PKEY_CTX_set_params(ctx, params) != 1))
    state.SkipWithError("OpenSSL setup");
  for (auto _ : state) {
    EVP_PKEY* k = nullptr;
    EVP_PKEY_keygen(ctx, &k);
    benchmark::DoNotOptimize(k);
    EVP_PKEY_free(k);
  }
  EVP_PKEY_CTX_free(ctx);
  set_ops(state);
}

// Our P-256 key in OpenSSL, from its private scalar and public point.
EVP_PKEY* p256_openssl_key(const kagi::p256::private_key_type& priv) {
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

// tls: import the peer's point every time (as a TLS server does), or once.
void p256_shared_openssl(benchmark::State& state, bool tls) {
  const auto peer = *kagi::p256::public_key(p256_key(5));
  EVP_PKEY* ours = p256_openssl_key(p256_key(3));
  EVP_PKEY* once = EVP_PKEY_new();
  EVP_PKEY_CTX* ctx = ours != nullptr ? EVP_PKEY_CTX_new(ours, nullptr) : nullptr;
  if (ctx == nullptr || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_copy_parameters(once, ours) != 1 ||
      EVP_PKEY_set1_encoded_public_key(once, peer.data(), peer.size()) != 1 || EVP_PKEY_derive_set_peer(ctx, once) != 1)
    state.SkipWithError("OpenSSL setup");
  unsigned char out[32];
  for (auto _ : state) {
    if (tls) {
      EVP_PKEY* p = EVP_PKEY_new();
      EVP_PKEY_copy_parameters(p, ours);
      EVP_PKEY_set1_encoded_public_key(p, peer.data(), peer.size());
      EVP_PKEY_derive_set_peer(ctx, p);
      EVP_PKEY_free(p);
    }
    size_t n = sizeof out;
    EVP_PKEY_derive(ctx, out, &n);
    benchmark::DoNotOptimize(out);
  }
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(once);
  EVP_PKEY_free(ours);
  set_ops(state);
}
#endif

const int registered = [] {
  const std::uint32_t no_ifma = kagi::cpu::avx512ifma;
  benchmark::RegisterBenchmark("x25519_shared/kagi", x25519_shared_kagi, 0u);
  benchmark::RegisterBenchmark("x25519_shared/kagi-mulx-adx", x25519_shared_kagi, no_ifma);
  benchmark::RegisterBenchmark("x25519_shared/kagi-portable", x25519_shared_kagi, kagi::cpu::all);
  benchmark::RegisterBenchmark("x25519_keygen/kagi", x25519_keygen_kagi, 0u);
  benchmark::RegisterBenchmark("x25519_keygen/kagi-portable", x25519_keygen_kagi, kagi::cpu::all);
  benchmark::RegisterBenchmark("p256_shared/kagi", p256_shared_kagi, 0u);
  benchmark::RegisterBenchmark("p256_shared/kagi-portable", p256_shared_kagi, kagi::cpu::all);
  benchmark::RegisterBenchmark("p256_shared_tls/kagi", p256_shared_kagi, 0u);
  benchmark::RegisterBenchmark("p256_keygen/kagi", p256_keygen_kagi, 0u);
  benchmark::RegisterBenchmark("p256_keygen/kagi-portable", p256_keygen_kagi, kagi::cpu::all);
#if KAGI_HAVE_OPENSSL
  benchmark::RegisterBenchmark("x25519_shared/openssl", x25519_shared_openssl);
  benchmark::RegisterBenchmark("x25519_keygen/openssl", keygen_openssl, EVP_PKEY_X25519);
  benchmark::RegisterBenchmark("p256_shared/openssl", p256_shared_openssl, false);
  benchmark::RegisterBenchmark("p256_shared_tls/openssl", p256_shared_openssl, true);
  benchmark::RegisterBenchmark("p256_keygen/openssl", keygen_openssl, 0);
#endif
  return 0;
}();

}  // namespace
