// OpenSSL as a test oracle (only when CMake found it: KAGI_HAVE_OPENSSL).
#pragma once

#if KAGI_HAVE_OPENSSL
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kagi_test::ossl {

using bytes = std::vector<std::uint8_t>;

inline bytes sha256(std::span<const std::uint8_t> msg) {
  bytes out(32);
  unsigned int n = 0;
  EVP_Digest(msg.data(), msg.size(), out.data(), &n, EVP_sha256(), nullptr);
  out.resize(n);
  return out;
}

inline bytes hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> msg) {
  bytes out(32);
  size_t n = 0;
  static const std::uint8_t empty = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.empty() ? &empty : key.data(), key.size(),
            msg.data(), msg.size(), out.data(), out.size(), &n);
  out.resize(n);
  return out;
}

// EVP_KDF "TLS1-PRF" with SHA-256: PRF(secret, label, seed).
inline bytes tls1_prf(std::span<const std::uint8_t> secret, std::string_view label,
                      std::span<const std::uint8_t> seed, std::size_t out_len) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  std::string full_seed(label);
  full_seed.append(reinterpret_cast<const char*>(seed.data()), seed.size());
  char digest[] = "SHA256";
  static std::uint8_t empty = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
                                        secret.empty() ? &empty : const_cast<std::uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, full_seed.data(), full_seed.size()),
      OSSL_PARAM_construct_end(),
  };
  bytes out(out_len);
  const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  if (ok != 1) out.clear();
  return out;
}

}  // namespace kagi_test::ossl
#endif
