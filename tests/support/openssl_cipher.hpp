// OpenSSL as an oracle for AES and AES-GCM (only when CMake found it: KAGI_HAVE_OPENSSL).
#pragma once

#if KAGI_HAVE_OPENSSL
#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <span>
#include <vector>

namespace kagi_test::ossl {

using bytes = std::vector<std::uint8_t>;

inline const EVP_CIPHER* aes_ecb(std::size_t key_size) {
  return key_size == 16 ? EVP_aes_128_ecb() : key_size == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb();
}
inline const EVP_CIPHER* aes_gcm(std::size_t key_size) {
  return key_size == 16 ? EVP_aes_128_gcm() : key_size == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
}

// AES-ECB on whole blocks, no padding.
inline bytes aes_ecb_encrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> in) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  bytes out(in.size() + 16);
  int n = 0, m = 0;
  REQUIRE(EVP_EncryptInit_ex(ctx, aes_ecb(key.size()), nullptr, key.data(), nullptr) == 1);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  REQUIRE(EVP_EncryptUpdate(ctx, out.data(), &n, in.data(), static_cast<int>(in.size())) == 1);
  REQUIRE(EVP_EncryptFinal_ex(ctx, out.data() + n, &m) == 1);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(static_cast<std::size_t>(n + m));
  return out;
}

struct gcm_sealed {
  bytes ciphertext;
  bytes tag;  // 16 bytes
};

// AES-GCM encryption with any nonce length (>= 1) and a 16-byte tag.
inline gcm_sealed aes_gcm_encrypt(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
                                  std::span<const std::uint8_t> aad, std::span<const std::uint8_t> pt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  gcm_sealed r{bytes(pt.size()), bytes(16)};
  int n = 0;
  REQUIRE(EVP_EncryptInit_ex(ctx, aes_gcm(key.size()), nullptr, nullptr, nullptr) == 1);
  REQUIRE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) == 1);
  REQUIRE(EVP_EncryptInit_ex(ctx, nullptr, nullptr, key.data(), nonce.data()) == 1);
  if (!aad.empty()) REQUIRE(EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1);
  if (!pt.empty()) {
    REQUIRE(EVP_EncryptUpdate(ctx, r.ciphertext.data(), &n, pt.data(), static_cast<int>(pt.size())) == 1);
    REQUIRE(static_cast<std::size_t>(n) == pt.size());
  }
  std::uint8_t fin[16];
  REQUIRE(EVP_EncryptFinal_ex(ctx, fin, &n) == 1);
  REQUIRE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, r.tag.data()) == 1);
  EVP_CIPHER_CTX_free(ctx);
  return r;
}

}  // namespace kagi_test::ossl
#endif
