// RSA: the private operation (PKCS#1 v1.5 SHA-256 signature, TLS pre-master
// decryption) and the public operation (signature verification, PKCS#1
// encryption) at 2048, 3072 and 4096 bits, and 2048-bit key generation, each
// beside an OpenSSL twin doing the same work through EVP with the same key
// (contexts made once, as a TLS stack keeps them). Counters: ops/s. The
// blinding randomness comes from the OS (system_random), as OpenSSL's does
// from its DRBG.
#include <kagi/rsa/rsa.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_rsa_keys.hpp"
#include "bench_util.hpp"

#if KAGI_HAVE_OPENSSL
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#endif

namespace {

using kagi_bench::filled;

void set_ops(benchmark::State& state) {
  state.counters["ops/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// One fixed key per size (bench_rsa_keys.hpp), loaded by kagi and by OpenSSL.
struct key_pair {
  kagi::rsa_private_key kagi;
#if KAGI_HAVE_OPENSSL
  EVP_PKEY* ossl = nullptr;
#endif
};

const key_pair& key_of(std::size_t bits) {
  static std::map<std::size_t, std::unique_ptr<key_pair>> keys;
  auto& slot = keys[bits];
  if (!slot) {
    const std::string_view pem = bits == 2048   ? kagi_bench::rsa_key_2048
                                 : bits == 3072 ? kagi_bench::rsa_key_3072
                                                : kagi_bench::rsa_key_4096;
    auto k = kagi::rsa_private_key::from_pem(pem);
    if (!k) std::abort();
    slot = std::make_unique<key_pair>(key_pair{*k});
#if KAGI_HAVE_OPENSSL
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    slot->ossl = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (slot->ossl == nullptr) std::abort();
#endif
  }
  return *slot;
}

const std::vector<std::uint8_t>& message() {
  static const auto m = filled(100, 5);  // about what a TLS 1.2 ServerKeyExchange signs
  return m;
}

// A pre-master secret encrypted to the key.
std::vector<std::uint8_t> premaster_ciphertext(const kagi::rsa_private_key& key) {
  auto pms = filled(48, 9);
  pms[0] = 3;
  pms[1] = 3;
  std::vector<std::uint8_t> ct(key.size());
  if (!key.public_key().encrypt_pkcs1(pms, ct, kagi::system_random())) std::abort();
  return ct;
}

void sign_kagi(benchmark::State& state, std::uint32_t disable) {
  const auto& key = key_of(static_cast<std::size_t>(state.range(0))).kagi;
  kagi_bench::forced_path path(disable);
  kagi::system_random rng;
  std::vector<std::uint8_t> sig(key.size());
  for (auto _ : state) {
    if (!key.sign_pkcs1_sha256(message(), sig, rng)) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(sig.data());
  }
  set_ops(state);
}

void decrypt_kagi(benchmark::State& state, std::uint32_t disable) {
  const auto& key = key_of(static_cast<std::size_t>(state.range(0))).kagi;
  kagi_bench::forced_path path(disable);
  const auto ct = premaster_ciphertext(key);
  kagi::system_random rng;
  for (auto _ : state) {
    auto pms = key.decrypt_tls_premaster(ct, 0x0303, rng);
    benchmark::DoNotOptimize(pms.data());
  }
  set_ops(state);
}

void verify_kagi(benchmark::State& state, std::uint32_t disable) {
  const auto& key = key_of(static_cast<std::size_t>(state.range(0))).kagi;
  kagi_bench::forced_path path(disable);
  std::vector<std::uint8_t> sig(key.size());
  if (!key.sign_pkcs1_sha256(message(), sig)) std::abort();
  const auto& pub = key.public_key();
  for (auto _ : state) {
    if (!pub.verify_pkcs1_sha256(message(), sig)) state.SkipWithError("verify failed");
  }
  set_ops(state);
}

void encrypt_kagi(benchmark::State& state, std::uint32_t disable) {
  const auto& key = key_of(static_cast<std::size_t>(state.range(0))).kagi;
  kagi_bench::forced_path path(disable);
  auto pms = filled(48, 9);
  std::vector<std::uint8_t> ct(key.size());
  kagi::system_random rng;
  const auto& pub = key.public_key();
  for (auto _ : state) {
    if (!pub.encrypt_pkcs1(pms, ct, rng)) state.SkipWithError("encrypt failed");
    benchmark::DoNotOptimize(ct.data());
  }
  set_ops(state);
}

void keygen_kagi(benchmark::State& state) {
  kagi::system_random rng;
  for (auto _ : state) {
    auto k = kagi::rsa_private_key::generate(static_cast<std::size_t>(state.range(0)), rng);
    if (!k) state.SkipWithError("keygen failed");
    benchmark::DoNotOptimize(&k);
  }
  set_ops(state);
}

#if KAGI_HAVE_OPENSSL
// The signature twins keep what a server with a loaded key keeps: an
// EVP_PKEY_CTX set up once (padding, signature digest) and SHA-256 fetched
// once. Each iteration hashes the message and signs or verifies the digest,
// the same work as kagi's sign_pkcs1_sha256 / verify_pkcs1_sha256. (Until
// 2026-11-27 they called EVP_DigestSignInit / EVP_DigestVerifyInit each
// time, which also fetches SHA-256 and builds a context per operation.)
struct pkey_sig_ctx {
  EVP_MD* sha256 = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  pkey_sig_ctx(EVP_PKEY* key, bool sign) {
    sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
    if (sha256 == nullptr || ctx == nullptr || (sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 || EVP_PKEY_CTX_set_signature_md(ctx, sha256) != 1)
      std::abort();
  }
  ~pkey_sig_ctx() {
    EVP_PKEY_CTX_free(ctx);
    EVP_MD_free(sha256);
  }
  pkey_sig_ctx(const pkey_sig_ctx&) = delete;
  pkey_sig_ctx& operator=(const pkey_sig_ctx&) = delete;
  // SHA-256 of the message with the fetched digest.
  bool digest(unsigned char (&h)[32]) const {
    unsigned int len = 0;
    return EVP_Digest(message().data(), message().size(), h, &len, sha256, nullptr) == 1 && len == 32;
  }
};

void sign_openssl(benchmark::State& state) {
  EVP_PKEY* key = key_of(static_cast<std::size_t>(state.range(0))).ossl;
  const pkey_sig_ctx c(key, true);
  std::vector<std::uint8_t> sig(static_cast<std::size_t>(EVP_PKEY_get_size(key)));
  unsigned char h[32];
  for (auto _ : state) {
    size_t len = sig.size();
    if (!c.digest(h) || EVP_PKEY_sign(c.ctx, sig.data(), &len, h, sizeof h) != 1) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(sig.data());
  }
  set_ops(state);
}

// RSA_PKCS1_WITH_TLS_PADDING: OpenSSL's own RFC 5246 7.4.7.1 decryption.
void decrypt_openssl(benchmark::State& state) {
  const auto& kp = key_of(static_cast<std::size_t>(state.range(0)));
  const auto ct = premaster_ciphertext(kp.kagi);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, kp.ossl, nullptr);
  unsigned int version = 0x0303;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_uint(OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, &version),
                         OSSL_PARAM_construct_end()};
  if (EVP_PKEY_decrypt_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_WITH_TLS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_params(ctx, params) != 1)
    state.SkipWithError("setup failed");
  unsigned char pms[48];
  for (auto _ : state) {
    size_t len = sizeof pms;
    if (EVP_PKEY_decrypt(ctx, pms, &len, ct.data(), ct.size()) != 1 || len != 48) state.SkipWithError("decrypt failed");
    benchmark::DoNotOptimize(pms);
  }
  EVP_PKEY_CTX_free(ctx);
  set_ops(state);
}

void verify_openssl(benchmark::State& state) {
  const auto& kp = key_of(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> sig(kp.kagi.size());
  if (!kp.kagi.sign_pkcs1_sha256(message(), sig)) std::abort();
  const pkey_sig_ctx c(kp.ossl, false);
  unsigned char h[32];
  for (auto _ : state) {
    if (!c.digest(h) || EVP_PKEY_verify(c.ctx, sig.data(), sig.size(), h, sizeof h) != 1)
      state.SkipWithError("verify failed");
  }
  set_ops(state);
}

void encrypt_openssl(benchmark::State& state) {
  const auto& kp = key_of(static_cast<std::size_t>(state.range(0)));
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, kp.ossl, nullptr);
  if (EVP_PKEY_encrypt_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1)
    state.SkipWithError("setup failed");
  auto pms = filled(48, 9);
  std::vector<std::uint8_t> ct(kp.kagi.size());
  for (auto _ : state) {
    size_t len = ct.size();
    if (EVP_PKEY_encrypt(ctx, ct.data(), &len, pms.data(), pms.size()) != 1) state.SkipWithError("encrypt failed");
    benchmark::DoNotOptimize(ct.data());
  }
  EVP_PKEY_CTX_free(ctx);
  set_ops(state);
}

void keygen_openssl(benchmark::State& state) {
  for (auto _ : state) {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(state.range(0)));
    if (k == nullptr) state.SkipWithError("keygen failed");
    EVP_PKEY_free(k);
  }
  set_ops(state);
}
#endif

const int registered = [] {
  struct op {
    const char* name;
    void (*kagi)(benchmark::State&, std::uint32_t);
#if KAGI_HAVE_OPENSSL
    void (*ossl)(benchmark::State&);
#endif
  };
  const op ops[] = {
#if KAGI_HAVE_OPENSSL
      {"rsa_sign_pkcs1_sha256", sign_kagi, sign_openssl},
      {"rsa_decrypt_tls_premaster", decrypt_kagi, decrypt_openssl},
      {"rsa_verify_pkcs1_sha256", verify_kagi, verify_openssl},
      {"rsa_encrypt_pkcs1", encrypt_kagi, encrypt_openssl},
#else
      {"rsa_sign_pkcs1_sha256", sign_kagi},
      {"rsa_decrypt_tls_premaster", decrypt_kagi},
      {"rsa_verify_pkcs1_sha256", verify_kagi},
      {"rsa_encrypt_pkcs1", encrypt_kagi},
#endif
  };
  for (const auto& o : ops) {
    const std::string name = o.name;
    benchmark::RegisterBenchmark((name + "/kagi").c_str(), o.kagi, 0u)->Arg(2048)->Arg(3072)->Arg(4096)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((name + "/kagi-portable").c_str(), o.kagi, kagi::cpu::all)->Arg(2048)->Unit(benchmark::kMicrosecond);
    // The 64-bit mulx/adx Montgomery code alone (AVX-512 IFMA switched off).
    benchmark::RegisterBenchmark((name + "/kagi-mulx-adx").c_str(), o.kagi, kagi::cpu::avx512ifma)->Arg(2048)->Unit(benchmark::kMicrosecond);
#if KAGI_HAVE_OPENSSL
    benchmark::RegisterBenchmark((name + "/openssl").c_str(), o.ossl)->Arg(2048)->Arg(3072)->Arg(4096)->Unit(benchmark::kMicrosecond);
#endif
  }
  benchmark::RegisterBenchmark("rsa_keygen/kagi", keygen_kagi)->Arg(2048)->Unit(benchmark::kMillisecond);
#if KAGI_HAVE_OPENSSL
  benchmark::RegisterBenchmark("rsa_keygen/openssl", keygen_openssl)->Arg(2048)->Unit(benchmark::kMillisecond);
#endif
  return 0;
}();

}  // namespace
