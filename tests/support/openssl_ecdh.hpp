// OpenSSL as an oracle for X25519 and P-256 ECDH (only when CMake found it:
// KAGI_HAVE_OPENSSL). Keys are made and used through EVP, as a TLS stack does.
#pragma once

#if KAGI_HAVE_OPENSSL
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace kagi_test::ossl {

using bytes = std::vector<std::uint8_t>;

// An owned EVP_PKEY.
class pkey {
 public:
  pkey() = default;
  explicit pkey(EVP_PKEY* k) : k_(k) {}
  pkey(pkey&& o) noexcept : k_(o.k_) { o.k_ = nullptr; }
  pkey& operator=(pkey&& o) noexcept {
    std::swap(k_, o.k_);
    return *this;
  }
  ~pkey() { EVP_PKEY_free(k_); }
  EVP_PKEY* get() const { return k_; }
  explicit operator bool() const { return k_ != nullptr; }

 private:
  EVP_PKEY* k_ = nullptr;
};

// The shared secret of ECDH/X25519 between our key and the peer's, or nullopt
// when OpenSSL refuses.
inline std::optional<bytes> derive(const pkey& ours, const pkey& peer) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(ours.get(), nullptr);
  std::optional<bytes> out;
  size_t n = 0;
  if (ctx != nullptr && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer.get()) == 1 &&
      EVP_PKEY_derive(ctx, nullptr, &n) == 1) {
    bytes s(n);
    if (EVP_PKEY_derive(ctx, s.data(), &n) == 1) {
      s.resize(n);
      out = std::move(s);
    }
  }
  EVP_PKEY_CTX_free(ctx);
  return out;
}

// ---- X25519

inline pkey x25519_private(std::span<const std::uint8_t, 32> priv) {
  return pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv.data(), priv.size()));
}
inline pkey x25519_public(std::span<const std::uint8_t, 32> pub) {
  return pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, pub.data(), pub.size()));
}
inline bytes x25519_public_of(std::span<const std::uint8_t, 32> priv) {
  const pkey k = x25519_private(priv);
  bytes out(32);
  size_t n = out.size();
  if (!k || EVP_PKEY_get_raw_public_key(k.get(), out.data(), &n) != 1) out.clear();
  return out;
}

// ---- P-256

// A fresh key pair made by OpenSSL: private scalar (32 bytes, big-endian) and
// SEC 1 uncompressed public point (65 bytes).
struct p256_pair {
  pkey key;
  std::array<std::uint8_t, 32> priv{};
  bytes pub;
};

inline p256_pair p256_generate() {
  p256_pair p;
  p.key = pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  BIGNUM* d = nullptr;
  if (!p.key || EVP_PKEY_get_bn_param(p.key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) return p;
  BN_bn2binpad(d, p.priv.data(), 32);
  BN_clear_free(d);
  p.pub.resize(65);
  size_t n = 0;
  if (EVP_PKEY_get_octet_string_param(p.key.get(), OSSL_PKEY_PARAM_PUB_KEY, p.pub.data(), p.pub.size(), &n) != 1)
    n = 0;
  p.pub.resize(n);
  return p;
}

// A public key from SEC 1 point octets (OpenSSL validates the point), or an
// empty pkey when OpenSSL refuses it.
inline pkey p256_public(std::span<const std::uint8_t> point) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* k = nullptr;
  if (ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return pkey(k);
}

}  // namespace kagi_test::ossl
#endif
