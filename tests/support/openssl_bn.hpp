// OpenSSL BIGNUM as an oracle for math/limbs.hpp and math/montgomery.hpp (only when CMake found OpenSSL).
#pragma once

#if KAGI_HAVE_OPENSSL
#include <openssl/bn.h>

#include <cstdint>
#include <kagi/math/limbs.hpp>
#include <memory>
#include <vector>

namespace kagi_test::ossl {

struct bn_free_t {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_free_t>;
struct bn_ctx_free_t {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
using bn_ctx_ptr = std::unique_ptr<BN_CTX, bn_ctx_free_t>;

inline bn_ptr new_bn() { return bn_ptr(BN_new()); }

// limbs (least significant first) -> BIGNUM
inline bn_ptr to_bn(const kagi::bn::limb* a, std::size_t n) {
  std::vector<std::uint8_t> be(8 * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < 8; ++k) be[be.size() - 1 - (8 * i + k)] = static_cast<std::uint8_t>(a[i] >> (8 * k));
  return bn_ptr(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
}
// BIGNUM -> n limbs (the value must fit)
inline std::vector<kagi::bn::limb> from_bn(const BIGNUM* b, std::size_t n) {
  std::vector<std::uint8_t> be(8 * n);
  BN_bn2binpad(b, be.data(), static_cast<int>(be.size()));
  std::vector<kagi::bn::limb> out(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < 8; ++k) out[i] |= static_cast<kagi::bn::limb>(be[be.size() - 1 - (8 * i + k)]) << (8 * k);
  return out;
}

}  // namespace kagi_test::ossl
#endif
