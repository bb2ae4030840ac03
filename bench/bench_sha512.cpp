// SHA-384 and SHA-512, each beside an OpenSSL twin doing the same work
// (EVP_MD fetched and EVP_MD_CTX made once; init, update, final per message).
#include <kagi/hash/sha512.hpp>

#include "bench_util.hpp"

#if KAGI_HAVE_OPENSSL
#include <openssl/evp.h>
#endif

namespace {

using kagi_bench::filled;

template <class H>
void sha512_family_kagi(benchmark::State& state, std::uint32_t disable) {
  kagi_bench::forced_path path(disable);
  const auto msg = filled(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto d = H::hash(msg);
    benchmark::DoNotOptimize(d);
  }
  kagi_bench::set_bytes(state, msg.size());
}

#if KAGI_HAVE_OPENSSL
void sha512_family_openssl(benchmark::State& state, const char* name) {
  const auto msg = filled(static_cast<std::size_t>(state.range(0)));
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char out[64];
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
#endif

const int registered = [] {
  for (auto* b : {benchmark::RegisterBenchmark("sha384/kagi", sha512_family_kagi<kagi::sha384>, 0u),
                  benchmark::RegisterBenchmark("sha384/kagi-portable", sha512_family_kagi<kagi::sha384>, kagi::cpu::all),
                  benchmark::RegisterBenchmark("sha512/kagi", sha512_family_kagi<kagi::sha512>, 0u),
                  benchmark::RegisterBenchmark("sha512/kagi-portable", sha512_family_kagi<kagi::sha512>, kagi::cpu::all)
#if KAGI_HAVE_OPENSSL
                      ,
                  benchmark::RegisterBenchmark("sha384/openssl", sha512_family_openssl, "SHA384"),
                  benchmark::RegisterBenchmark("sha512/openssl", sha512_family_openssl, "SHA512")
#endif
       })
    b->Arg(64)->Arg(1024)->Arg(16384);
  return 0;
}();

}  // namespace
