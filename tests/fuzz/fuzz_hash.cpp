// Differential targets for hash/ and tls12/prf against OpenSSL, on every
// path of the hash dispatch tables:
//   sha2   SHA-256, SHA-384, SHA-512: one-shot and streamed in pieces cut where
//          the input says, against EVP_Digest
//   hmac   HMAC-SHA-256/384 with keys of any length (hashed when long), streamed
//          in pieces, against EVP_Q_mac, and verify() on the right and a changed tag
//   prf    the TLS 1.2 PRF over SHA-256 and SHA-384 (secret, label and seed of
//          any length, seed in pieces) against EVP_KDF TLS1-PRF
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <kagi/hash/hmac.hpp>
#include <kagi/hash/sha256.hpp>
#include <kagi/hash/sha512.hpp>
#include <kagi/tls12/prf.hpp>

#include "fuzz.hpp"

namespace {

using kagi_fuzz::bytes;
using kagi_fuzz::hex;

const EVP_MD* md_of(std::size_t digest_size) {
  return digest_size == 32 ? EVP_sha256() : digest_size == 48 ? EVP_sha384() : EVP_sha512();
}
const char* md_name(std::size_t digest_size) { return digest_size == 32 ? "SHA256" : digest_size == 48 ? "SHA384" : "SHA512"; }

// Up to four cut points in [0, n], sorted.
std::vector<std::size_t> cuts(FuzzedDataProvider& in, std::size_t n) {
  std::vector<std::size_t> c;
  const int k = in.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < k; ++i) c.push_back(in.ConsumeIntegralInRange<std::size_t>(0, n));
  std::sort(c.begin(), c.end());
  return c;
}

template <class Stream>
void update_in_pieces(Stream& s, kagi::bytes_view msg, const std::vector<std::size_t>& cut) {
  std::size_t at = 0;
  for (std::size_t c : cut) {
    s.update(msg.subspan(at, c - at));
    at = c;
  }
  s.update(msg.subspan(at));
}

template <class H>
void check_hash(kagi::bytes_view msg, const std::vector<std::size_t>& cut) {
  bytes want(H::digest_size);
  unsigned n = 0;
  EVP_Digest(msg.data(), msg.size(), want.data(), &n, md_of(H::digest_size), nullptr);
  const auto one_shot = H::hash(msg);
  KAGI_FUZZ_CHECK(bytes(one_shot.begin(), one_shot.end()) == want, "one-shot " + hex(one_shot) + " != " + hex(want));
  H h;
  update_in_pieces(h, msg, cut);
  const auto streamed = h.finish();
  KAGI_FUZZ_CHECK(bytes(streamed.begin(), streamed.end()) == want, "streamed " + hex(streamed) + " != " + hex(want));
}

}  // namespace

KAGI_FUZZ_TARGET(sha2, "SHA-256/384/512 one-shot and in pieces, every path, against OpenSSL") {
  FuzzedDataProvider in(data, size);
  const auto cut_in = in.ConsumeBytes<std::uint8_t>(16);
  const bytes msg = in.ConsumeRemainingBytes<std::uint8_t>();
  FuzzedDataProvider c(cut_in.data(), cut_in.size());
  const auto cut = cuts(c, msg.size());
  kagi_fuzz::for_each_path(kagi::detail::sha256_table, [&](const char*) { check_hash<kagi::sha256>(msg, cut); });
  kagi_fuzz::for_each_path(kagi::detail::sha512_table, [&](const char*) {
    check_hash<kagi::sha384>(msg, cut);
    check_hash<kagi::sha512>(msg, cut);
  });
}

namespace {

template <class H>
void check_hmac(kagi::bytes_view key, kagi::bytes_view msg, const std::vector<std::size_t>& cut) {
  using mac = kagi::hmac<H>;
  bytes want(H::digest_size);
  std::size_t n = 0;
  static const std::uint8_t empty = 0;
  const auto* ok = EVP_Q_mac(nullptr, "HMAC", nullptr, md_name(H::digest_size), nullptr, key.empty() ? &empty : key.data(),
                             key.size(), msg.data(), msg.size(), want.data(), want.size(), &n);
  KAGI_FUZZ_CHECK(ok != nullptr && n == H::digest_size, "EVP_Q_mac failed");
  const auto one_shot = mac::mac(key, msg);
  KAGI_FUZZ_CHECK(bytes(one_shot.begin(), one_shot.end()) == want, "one-shot " + hex(one_shot) + " != " + hex(want));
  mac h(key);
  update_in_pieces(h, msg, cut);
  mac copy = h;
  const auto streamed = h.finish();
  KAGI_FUZZ_CHECK(bytes(streamed.begin(), streamed.end()) == want, "streamed " + hex(streamed) + " != " + hex(want));
  KAGI_FUZZ_CHECK(mac(copy).verify(want), "verify refused the right tag");
  bytes wrong = want;
  wrong[msg.size() % wrong.size()] ^= static_cast<std::uint8_t>(1u << (key.size() % 8));
  KAGI_FUZZ_CHECK(!copy.verify(wrong), "verify accepted a changed tag");
}

}  // namespace

KAGI_FUZZ_TARGET(hmac, "HMAC-SHA-256/384, keys of any length, in pieces, every path, against OpenSSL") {
  FuzzedDataProvider in(data, size);
  const bytes key = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 300));
  const auto cut_in = in.ConsumeBytes<std::uint8_t>(16);
  const bytes msg = in.ConsumeRemainingBytes<std::uint8_t>();
  FuzzedDataProvider c(cut_in.data(), cut_in.size());
  const auto cut = cuts(c, msg.size());
  kagi_fuzz::for_each_path(kagi::detail::sha256_table, [&](const char*) { check_hmac<kagi::sha256>(key, msg, cut); });
  kagi_fuzz::for_each_path(kagi::detail::sha512_table, [&](const char*) { check_hmac<kagi::sha384>(key, msg, cut); });
}

namespace {

// EVP_KDF TLS1-PRF; empty when OpenSSL refuses the parameters.
bytes openssl_prf(const char* digest, kagi::bytes_view secret, std::string_view label, kagi::bytes_view seed,
                  std::size_t out_len) {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  std::string full_seed(label);
  full_seed.append(reinterpret_cast<const char*>(seed.data()), seed.size());
  static std::uint8_t empty = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
                                        secret.empty() ? &empty : const_cast<std::uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, full_seed.data(), full_seed.size()),
      OSSL_PARAM_construct_end(),
  };
  bytes out(out_len);
  const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (ok != 1) out.clear();
  return out;
}

}  // namespace

KAGI_FUZZ_TARGET(prf, "TLS 1.2 PRF over SHA-256/384 (seed in pieces) against OpenSSL's TLS1-PRF") {
  FuzzedDataProvider in(data, size);
  const bool sha384 = in.ConsumeBool();
  const std::size_t out_len = in.ConsumeIntegralInRange<std::size_t>(1, 300);
  const bytes secret = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 200));
  const std::string label = in.ConsumeBytesAsString(in.ConsumeIntegralInRange<std::size_t>(0, 64));
  const std::size_t cut = in.ConsumeIntegral<std::uint8_t>();
  const bytes seed = in.ConsumeRemainingBytes<std::uint8_t>();
  const kagi::bytes_view s(seed);
  const std::size_t c = std::min(cut, seed.size());
  bytes got(out_len), split(out_len);
  if (sha384) {
    kagi::tls12::prf<kagi::sha384>(secret, label, s, got);
    kagi::tls12::prf<kagi::sha384>(secret, label, {s.first(c), s.subspan(c)}, split);
  } else {
    kagi::tls12::prf<kagi::sha256>(secret, label, s, got);
    kagi::tls12::prf<kagi::sha256>(secret, label, {s.first(c), s.subspan(c)}, split);
  }
  KAGI_FUZZ_CHECK(got == split, "seed in two pieces: " + hex(split) + " != " + hex(got));
  const bytes want = openssl_prf(sha384 ? "SHA384" : "SHA256", secret, label, seed, out_len);
  if (!want.empty()) KAGI_FUZZ_CHECK(got == want, hex(got) + " != OpenSSL " + hex(want));
}
