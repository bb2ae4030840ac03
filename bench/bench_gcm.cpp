// AES-128-GCM and AES-256-GCM encrypt and decrypt with 13 bytes of AAD (a TLS
// 1.2 record's additional data), each beside an OpenSSL twin doing the same
// work the way a TLS record layer uses EVP: the context is keyed once, and
// every message gets a new IV, its AAD, the data and the tag.
//
// "kagi" is the default dispatch; "kagi-<path>" forces one path (skipped with
// an error when this machine cannot run it).
#include <kagi/cipher/gcm.hpp>

#include <string>
#include <vector>

#include "bench_util.hpp"

#if KAGI_HAVE_OPENSSL
#include <openssl/evp.h>
#endif

namespace {

using kagi_bench::filled;

struct gcm_path_choice {
  std::string label;        // "kagi" or "kagi-<path>"
  const char* expect;       // implementation() on the path, nullptr for the default
  std::uint32_t disable;
};

// The default dispatch, then every row of the AES-GCM dispatch table (the
// same rows for every key size), reached by switching off what the rows
// before it need.
const std::vector<gcm_path_choice> gcm_choices = [] {
  const auto& table = kagi::detail::gcm_table<kagi::aes128::rounds>;
  std::vector<gcm_path_choice> c{{"kagi", nullptr, 0}};
  for (std::size_t i = 0; i < table.size; ++i)
    c.push_back({std::string("kagi-") + table.paths[i].name, table.paths[i].name, table.disable_for(i)});
  return c;
}();

template <std::size_t KeyBits, bool Decrypt>
void gcm_kagi(benchmark::State& state, const gcm_path_choice* choice) {
  kagi_bench::forced_path path(choice->disable);
  if (choice->expect && std::string(kagi::aes_gcm<KeyBits>::implementation()) != choice->expect) {
    state.SkipWithError("this path is not available on this machine");
    return;
  }
  const auto key = filled(KeyBits / 8, 3);
  const auto aad = filled(13, 5);
  const auto msg = filled(static_cast<std::size_t>(state.range(0)), 7);
  std::vector<std::uint8_t> out(msg.size()), nonce = filled(12, 9);
  std::array<std::uint8_t, 16> tag{};
  const kagi::aes_gcm<KeyBits> g(std::span<const std::uint8_t, KeyBits / 8>(key.data(), KeyBits / 8));
  std::vector<std::uint8_t> ct(msg.size());
  if (!g.encrypt(nonce, aad, msg, ct, tag)) {
    state.SkipWithError("encrypt failed");
    return;
  }
  std::uint64_t counter = 0;
  for (auto _ : state) {
    if constexpr (Decrypt) {
      // The same record again (a receiver sees a new nonce per record; opening
      // one twice costs the same).
      if (!g.decrypt(nonce, aad, ct, tag, out)) {
        state.SkipWithError("decrypt failed");
        break;
      }
    } else {
      kagi::store_be64(nonce.data() + 4, ++counter);
      if (!g.encrypt(nonce, aad, msg, out, tag)) {
        state.SkipWithError("encrypt failed");
        break;
      }
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::DoNotOptimize(tag.data());
    benchmark::ClobberMemory();
  }
  kagi_bench::set_bytes(state, msg.size());
}

#if KAGI_HAVE_OPENSSL
template <std::size_t KeyBits, bool Decrypt>
void gcm_openssl(benchmark::State& state) {
  const auto key = filled(KeyBits / 8, 3);
  const auto aad = filled(13, 5);
  const auto msg = filled(static_cast<std::size_t>(state.range(0)), 7);
  std::vector<std::uint8_t> out(msg.size() + 16), nonce = filled(12, 9), ct(msg.size() + 16);
  std::array<std::uint8_t, 16> tag{};
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, KeyBits == 128 ? "AES-128-GCM" : "AES-256-GCM", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n = 0, m = 0;
  auto seal = [&](const std::uint8_t* in, std::uint8_t* o) {
    return EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
           EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1 &&
           EVP_EncryptUpdate(ctx, o, &n, in, static_cast<int>(msg.size())) == 1 &&
           EVP_EncryptFinal_ex(ctx, o + n, &m) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag.data()) == 1;
  };
  bool ok = Decrypt ? EVP_DecryptInit_ex(ctx, cipher, nullptr, key.data(), nullptr) == 1
                    : EVP_EncryptInit_ex(ctx, cipher, nullptr, key.data(), nullptr) == 1;
  if (Decrypt && ok) {  // a valid record to open, made by a second context
    EVP_CIPHER_CTX* e = ctx;
    ctx = EVP_CIPHER_CTX_new();
    ok = EVP_EncryptInit_ex(ctx, cipher, nullptr, key.data(), nullptr) == 1 && seal(msg.data(), ct.data());
    EVP_CIPHER_CTX_free(ctx);
    ctx = e;
  }
  if (!ok) state.SkipWithError("EVP set-up failed");
  std::uint64_t counter = 0;
  for (auto _ : state) {
    if (!ok) break;
    if constexpr (Decrypt) {
      if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1 ||
          EVP_DecryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1 ||
          EVP_DecryptUpdate(ctx, out.data(), &n, ct.data(), static_cast<int>(msg.size())) != 1 ||
          EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()) != 1 ||
          EVP_DecryptFinal_ex(ctx, out.data() + n, &m) != 1) {
        state.SkipWithError("EVP decrypt failed");
        break;
      }
    } else {
      kagi::store_be64(nonce.data() + 4, ++counter);
      if (!seal(msg.data(), out.data())) {
        state.SkipWithError("EVP encrypt failed");
        break;
      }
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::DoNotOptimize(tag.data());
    benchmark::ClobberMemory();
  }
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
  kagi_bench::set_bytes(state, msg.size());
}
#endif

// Key set-up: AES key expansion, H = E(K, 0) and H'^1..H'^16 (kagi); the
// twin re-keys a context that already has its cipher (EVP_EncryptInit_ex with
// only a key), as a TLS stack does when the handshake ends.
template <std::size_t KeyBits>
void gcm_key_setup_kagi(benchmark::State& state, const gcm_path_choice* choice) {
  kagi_bench::forced_path path(choice->disable);
  if (choice->expect && std::string(kagi::aes_gcm<KeyBits>::implementation()) != choice->expect) {
    state.SkipWithError("this path is not available on this machine");
    return;
  }
  auto key = filled(KeyBits / 8, 3);
  for (auto _ : state) {
    key[0]++;
    const kagi::aes_gcm<KeyBits> g(std::span<const std::uint8_t, KeyBits / 8>(key.data(), KeyBits / 8));
    benchmark::DoNotOptimize(&g);
    benchmark::ClobberMemory();
  }
}

#if KAGI_HAVE_OPENSSL
template <std::size_t KeyBits>
void gcm_key_setup_openssl(benchmark::State& state) {
  auto key = filled(KeyBits / 8, 3);
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, KeyBits == 128 ? "AES-128-GCM" : "AES-256-GCM", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  bool ok = EVP_EncryptInit_ex(ctx, cipher, nullptr, nullptr, nullptr) == 1;
  for (auto _ : state) {
    key[0]++;
    if (!ok || EVP_EncryptInit_ex(ctx, nullptr, nullptr, key.data(), nullptr) != 1) {
      state.SkipWithError("EVP key set-up failed");
      break;
    }
    benchmark::ClobberMemory();
  }
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
}
#endif

template <std::size_t KeyBits, bool Decrypt>
void register_gcm(const char* op) {
  const std::string name = std::string("aes") + std::to_string(KeyBits) + "_gcm_" + op;
  auto sizes = [](benchmark::internal::Benchmark* b) {
    for (int s : {16, 64, 256, 1024, 1420, 8192, 16384}) b->Arg(s);
  };
  for (const auto& c : gcm_choices)
    sizes(benchmark::RegisterBenchmark((name + "/" + c.label).c_str(), gcm_kagi<KeyBits, Decrypt>, &c));
#if KAGI_HAVE_OPENSSL
  sizes(benchmark::RegisterBenchmark((name + "/openssl").c_str(), gcm_openssl<KeyBits, Decrypt>));
#endif
}

template <std::size_t KeyBits>
void register_key_setup() {
  const std::string name = std::string("aes") + std::to_string(KeyBits) + "_gcm_key_setup";
  for (const auto& c : gcm_choices) benchmark::RegisterBenchmark((name + "/" + c.label).c_str(), gcm_key_setup_kagi<KeyBits>, &c);
#if KAGI_HAVE_OPENSSL
  benchmark::RegisterBenchmark((name + "/openssl").c_str(), gcm_key_setup_openssl<KeyBits>);
#endif
}

const int registered = [] {
  register_key_setup<128>();
  register_key_setup<256>();
  register_gcm<128, false>("encrypt");
  register_gcm<128, true>("decrypt");
  register_gcm<256, false>("encrypt");
  register_gcm<256, true>("decrypt");
  return 0;
}();

}  // namespace
