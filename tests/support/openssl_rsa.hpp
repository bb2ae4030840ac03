// OpenSSL as an RSA oracle for the tests (only when CMake found OpenSSL):
// key generation and encoding, PKCS#1 v1.5 encryption and decryption,
// PKCS#1 v1.5 and PSS (MGF1 over the same hash, a salt of its length)
// signatures with SHA-256 or any hash OpenSSL has.
#pragma once

#if KAGI_HAVE_OPENSSL
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace kagi_test::ossl {

using bytes = std::vector<std::uint8_t>;

struct pkey_free_t {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free_t>;
struct pkey_ctx_free_t {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free_t>;

inline pkey_ptr rsa_generate(unsigned bits) {
  return pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
}

// Encodes a key: format "PEM" or "DER"; structure "PrivateKeyInfo",
// "type-specific" (PKCS#1) or "SubjectPublicKeyInfo"; selection
// EVP_PKEY_KEYPAIR or EVP_PKEY_PUBLIC_KEY.
inline bytes encode(EVP_PKEY* key, int selection, const char* format, const char* structure) {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(key, selection, format, structure, nullptr);
  unsigned char* data = nullptr;
  size_t len = 0;
  bytes out;
  if (ctx != nullptr && OSSL_ENCODER_to_data(ctx, &data, &len) == 1) out.assign(data, data + len);
  OPENSSL_free(data);
  OSSL_ENCODER_CTX_free(ctx);
  return out;
}
inline std::string encode_pem(EVP_PKEY* key, int selection, const char* structure) {
  const bytes b = encode(key, selection, "PEM", structure);
  return std::string(b.begin(), b.end());
}

// A key from DER (private or public, any structure OpenSSL knows).
inline pkey_ptr decode_der(std::span<const std::uint8_t> der, int selection) {
  EVP_PKEY* key = nullptr;
  OSSL_DECODER_CTX* ctx = OSSL_DECODER_CTX_new_for_pkey(&key, "DER", nullptr, "RSA", selection, nullptr, nullptr);
  const unsigned char* p = der.data();
  size_t len = der.size();
  if (ctx != nullptr) OSSL_DECODER_from_data(ctx, &p, &len);
  OSSL_DECODER_CTX_free(ctx);
  return pkey_ptr(key);
}

// EVP_PKEY_check: the full key check (primes, exponents, CRT values).
inline bool check_private(EVP_PKEY* key) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  return EVP_PKEY_check(ctx.get()) == 1;
}

inline bytes encrypt_pkcs1(EVP_PKEY* key, std::span<const std::uint8_t> msg) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  size_t len = 0;
  bytes out;
  if (EVP_PKEY_encrypt_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &len, msg.data(), msg.size()) != 1)
    return out;
  out.resize(len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, msg.data(), msg.size()) != 1) return {};
  out.resize(len);
  return out;
}

// Empty on a decryption error.
inline bytes decrypt_pkcs1(EVP_PKEY* key, std::span<const std::uint8_t> ct, bool* ok = nullptr) {
  pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  size_t len = 0;
  bytes out;
  if (ok) *ok = false;
  if (EVP_PKEY_decrypt_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ct.data(), ct.size()) != 1)
    return out;
  out.resize(len);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ct.data(), ct.size()) != 1) return {};
  out.resize(len);
  if (ok) *ok = true;
  return out;
}

// Signatures with the hash md (SHA-256 unless given); pss: RSASSA-PSS with
// MGF1 over the same hash and a salt of its length.
inline bool setup_padding(EVP_PKEY_CTX* pctx, bool pss, const EVP_MD* md) {
  if (!pss) return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, EVP_MD_get_size(md)) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1;
}

inline bytes sign(EVP_PKEY* key, std::span<const std::uint8_t> msg, bool pss, const EVP_MD* md = EVP_sha256()) {
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bytes sig;
  size_t len = 0;
  if (EVP_DigestSignInit(mctx, &pctx, md, nullptr, key) == 1 && setup_padding(pctx, pss, md) &&
      EVP_DigestSign(mctx, nullptr, &len, msg.data(), msg.size()) == 1) {
    sig.resize(len);
    if (EVP_DigestSign(mctx, sig.data(), &len, msg.data(), msg.size()) != 1) sig.clear();
    else sig.resize(len);
  }
  EVP_MD_CTX_free(mctx);
  return sig;
}

inline bool verify(EVP_PKEY* key, std::span<const std::uint8_t> msg, std::span<const std::uint8_t> sig, bool pss,
                   const EVP_MD* md = EVP_sha256()) {
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const bool ok = EVP_DigestVerifyInit(mctx, &pctx, md, nullptr, key) == 1 && setup_padding(pctx, pss, md) &&
                  EVP_DigestVerify(mctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(mctx);
  return ok;
}

}  // namespace kagi_test::ossl
#endif
