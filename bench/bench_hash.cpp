// SHA-256, HMAC-SHA-256 and the TLS 1.2 key schedule (AES-128-GCM keys over
// SHA-256; AES-256-GCM keys over SHA-384 once hash/sha512.hpp exists), each
// beside an OpenSSL twin doing the same work (EVP objects made once, as a TLS
// stack keeps them).
#include <kagi/hash/hmac.hpp>
#include <kagi/hash/sha256.hpp>
#include <kagi/tls12/prf.hpp>
#if __has_include(<kagi/hash/sha512.hpp>)
#include <kagi/hash/sha512.hpp>
#define KAGI_BENCH_HAVE_SHA384 1
#else
#define KAGI_BENCH_HAVE_SHA384 0
#endif

#include <algorithm>
#include <string>
#include <vector>

#include "bench_util.hpp"

#if KAGI_HAVE_OPENSSL
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#endif

namespace {

using kagi_bench::filled;

void sha256_kagi(benchmark::State& state, std::uint32_t disable) {
  kagi_bench::forced_path path(disable);
  const auto msg = filled(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto d = kagi::sha256::hash(msg);
    benchmark::DoNotOptimize(d);
  }
  kagi_bench::set_bytes(state, msg.size());
}

void hmac_oneshot_kagi(benchmark::State& state, std::uint32_t disable) {
  kagi_bench::forced_path path(disable);
  const auto key = filled(32, 7);
  const auto msg = filled(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto t = kagi::hmac_sha256::mac(key, msg);
    benchmark::DoNotOptimize(t);
  }
  kagi_bench::set_bytes(state, msg.size());
}

void hmac_keyed_kagi(benchmark::State& state) {
  const auto key = filled(32, 7);
  const auto msg = filled(static_cast<std::size_t>(state.range(0)));
  kagi::hmac_sha256 h(key);
  for (auto _ : state) {
    h.update(msg);
    auto t = h.finish();
    benchmark::DoNotOptimize(t);
  }
  kagi_bench::set_bytes(state, msg.size());
}

// What a TLS 1.2 handshake derives once the pre-master secret is known:
// the master secret, then the key block cut into session keys
// (AES_128_GCM_SHA256: sha256 and 16-byte keys; AES_256_GCM_SHA384: sha384, 32).
template <class Hash, std::size_t KeySize>
void key_schedule_kagi(benchmark::State& state, std::uint32_t disable) {
  kagi_bench::forced_path path(disable);
  const auto pms = filled(48, 3);
  kagi::tls12::random cr{}, sr{};
  std::copy_n(filled(32, 5).begin(), 32, cr.begin());
  std::copy_n(filled(32, 9).begin(), 32, sr.begin());
  for (auto _ : state) {
    const auto ms = kagi::tls12::compute_master_secret<Hash>(pms, cr, sr);
    const auto keys = kagi::tls12::derive_session_keys<Hash, KeySize>(ms, cr, sr);
    benchmark::DoNotOptimize(keys.client_write_key.data());
    benchmark::ClobberMemory();
  }
}

#if KAGI_HAVE_OPENSSL
void sha256_openssl(benchmark::State& state) {
  const auto msg = filled(static_cast<std::size_t>(state.range(0)));
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char out[32];
  unsigned int n = 0;
  for (auto _ : state) {
    if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 || EVP_DigestUpdate(ctx, msg.data(), msg.size()) != 1 ||
        EVP_DigestFinal_ex(ctx, out, &n) != 1) {
      state.SkipWithError("EVP_Digest failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  kagi_bench::set_bytes(state, msg.size());
}

struct ossl_hmac {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  ossl_hmac() {
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    EVP_MAC_CTX_set_params(ctx, params);
  }
  ~ossl_hmac() {
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
};

void hmac_oneshot_openssl(benchmark::State& state) {
  const auto key = filled(32, 7);
  const auto msg = filled(static_cast<std::size_t>(state.range(0)));
  ossl_hmac h;
  unsigned char out[32];
  size_t n = 0;
  for (auto _ : state) {
    // A new key every message, as mac(key, msg).
    if (EVP_MAC_init(h.ctx, key.data(), key.size(), nullptr) != 1 || EVP_MAC_update(h.ctx, msg.data(), msg.size()) != 1 ||
        EVP_MAC_final(h.ctx, out, &n, sizeof out) != 1) {
      state.SkipWithError("EVP_MAC failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  kagi_bench::set_bytes(state, msg.size());
}

void hmac_keyed_openssl(benchmark::State& state) {
  const auto key = filled(32, 7);
  const auto msg = filled(static_cast<std::size_t>(state.range(0)));
  ossl_hmac h;
  EVP_MAC_init(h.ctx, key.data(), key.size(), nullptr);
  unsigned char out[32];
  size_t n = 0;
  for (auto _ : state) {
    // Same key: reuses the keyed state.
    if (EVP_MAC_init(h.ctx, nullptr, 0, nullptr) != 1 || EVP_MAC_update(h.ctx, msg.data(), msg.size()) != 1 ||
        EVP_MAC_final(h.ctx, out, &n, sizeof out) != 1) {
      state.SkipWithError("EVP_MAC failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  kagi_bench::set_bytes(state, msg.size());
}

// digest: "SHA256" or "SHA384"; KeyBlock: 40 (AES-128-GCM) or 72 (AES-256-GCM).
template <std::size_t KeyBlock>
void key_schedule_openssl(benchmark::State& state, const char* digest_name) {
  const auto pms = filled(48, 3);
  const auto cr = filled(32, 5), sr = filled(32, 9);
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  std::string digest_str(digest_name);
  char* digest = digest_str.data();
  std::vector<std::uint8_t> ms_seed(13), kb_seed(13);
  std::copy_n("master secret", 13, ms_seed.begin());
  std::copy_n("key expansion", 13, kb_seed.begin());
  ms_seed.insert(ms_seed.end(), cr.begin(), cr.end());
  ms_seed.insert(ms_seed.end(), sr.begin(), sr.end());
  kb_seed.insert(kb_seed.end(), sr.begin(), sr.end());
  kb_seed.insert(kb_seed.end(), cr.begin(), cr.end());
  unsigned char ms[48], kb[KeyBlock];
  // TLS1-PRF appends every seed it is given to the context's seed, so the
  // context is reset before each derivation (libssl makes a new one per PRF
  // call; a reset is the cheaper equivalent).
  for (auto _ : state) {
    EVP_KDF_CTX_reset(ctx);
    OSSL_PARAM p1[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                       OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<std::uint8_t*>(pms.data()), pms.size()),
                       OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, ms_seed.data(), ms_seed.size()),
                       OSSL_PARAM_construct_end()};
    const int ok1 = EVP_KDF_derive(ctx, ms, sizeof ms, p1);
    EVP_KDF_CTX_reset(ctx);
    OSSL_PARAM p2[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                       OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, ms, sizeof ms),
                       OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, kb_seed.data(), kb_seed.size()),
                       OSSL_PARAM_construct_end()};
    const int ok2 = EVP_KDF_derive(ctx, kb, sizeof kb, p2);
    if (ok1 != 1 || ok2 != 1) {
      state.SkipWithError("EVP_KDF_derive failed");
      break;
    }
    benchmark::DoNotOptimize(kb);
  }
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
}
#endif

const int registered = [] {
  for (auto* b : {benchmark::RegisterBenchmark("sha256/kagi", sha256_kagi, 0u),
                  benchmark::RegisterBenchmark("sha256/kagi-portable", sha256_kagi, kagi::cpu::all)
#if KAGI_HAVE_OPENSSL
                      ,
                  benchmark::RegisterBenchmark("sha256/openssl", sha256_openssl)
#endif
       })
    b->Arg(64)->Arg(1024)->Arg(16384);
  benchmark::RegisterBenchmark("hmac_sha256_oneshot/kagi", hmac_oneshot_kagi, 0u)->Arg(64);
  benchmark::RegisterBenchmark("hmac_sha256_oneshot/kagi-portable", hmac_oneshot_kagi, kagi::cpu::all)->Arg(64);
  benchmark::RegisterBenchmark("hmac_sha256_keyed/kagi", hmac_keyed_kagi)->Arg(64);
  benchmark::RegisterBenchmark("tls12_master_secret_and_keys/kagi", key_schedule_kagi<kagi::sha256, 16>, 0u);
  benchmark::RegisterBenchmark("tls12_master_secret_and_keys/kagi-portable", key_schedule_kagi<kagi::sha256, 16>,
                               kagi::cpu::all);
#if KAGI_BENCH_HAVE_SHA384
  benchmark::RegisterBenchmark("tls12_master_secret_and_keys_sha384/kagi", key_schedule_kagi<kagi::sha384, 32>, 0u);
  benchmark::RegisterBenchmark("tls12_master_secret_and_keys_sha384/kagi-portable",
                               key_schedule_kagi<kagi::sha384, 32>, kagi::cpu::all);
#endif
#if KAGI_HAVE_OPENSSL
  benchmark::RegisterBenchmark("hmac_sha256_oneshot/openssl", hmac_oneshot_openssl)->Arg(64);
  benchmark::RegisterBenchmark("hmac_sha256_keyed/openssl", hmac_keyed_openssl)->Arg(64);
  benchmark::RegisterBenchmark("tls12_master_secret_and_keys/openssl", key_schedule_openssl<40>, "SHA256");
#if KAGI_BENCH_HAVE_SHA384
  benchmark::RegisterBenchmark("tls12_master_secret_and_keys_sha384/openssl", key_schedule_openssl<72>, "SHA384");
#endif
#endif
  return 0;
}();

}  // namespace
