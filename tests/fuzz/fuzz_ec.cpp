// Differential and cross-path targets for ec/:
//   x25519  the shared secret of a private key and arbitrary peer bytes (any 32
//           bytes: non-canonical u >= p, the top bit set, low-order points), and the
//           public key, on every path of the ladder and fixed-base tables, against
//           OpenSSL (which refuses an all-zero result, as kagi must)
//   p256    the shared secret with an arbitrary peer point or a near-valid one (a
//           valid point with y changed, negated, or a coordinate plus p), on every
//           path, against OpenSSL's import (which validates the point) and derive
#include <openssl/bn.h>

#include <algorithm>
#include <kagi/ec/p256.hpp>
#include <kagi/ec/x25519.hpp>
#include <optional>
#include <support/openssl_ecdh.hpp>

#include "fuzz.hpp"

namespace {

using kagi_fuzz::bytes;
using kagi_fuzz::hex;
namespace ossl = kagi_test::ossl;

template <std::size_t N>
std::array<std::uint8_t, N> take(FuzzedDataProvider& in) {
  std::array<std::uint8_t, N> a{};
  const auto b = in.ConsumeBytes<std::uint8_t>(N);
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

std::string opt_hex(const std::optional<std::array<std::uint8_t, 32>>& v) { return v ? hex(*v) : "nullopt"; }

}  // namespace

KAGI_FUZZ_TARGET(x25519, "X25519 with arbitrary peer bytes, every path, against OpenSSL") {
  FuzzedDataProvider in(data, size);
  const auto priv = take<32>(in);
  auto peer = take<32>(in);
  // Steer some inputs to the edges: u = p + small (non-canonical), and the top bit.
  const std::uint8_t steer = in.ConsumeIntegral<std::uint8_t>();
  if (steer < 32) {
    // p = 2^255 - 19: u = p + k for a small k, little-endian.
    std::array<std::uint8_t, 32> p{};
    p.fill(0xff);
    p[0] = 0xed;
    p[31] = 0x7f;
    unsigned carry = steer;
    for (std::size_t i = 0; i < 32; ++i) {
      carry += p[i];
      peer[i] = static_cast<std::uint8_t>(carry);
      carry >>= 8;
    }
  } else if (steer < 64) {
    peer[31] |= 0x80;
  }
  const ossl::pkey ours = ossl::x25519_private(priv);
  const ossl::pkey theirs = ossl::x25519_public(peer);
  KAGI_FUZZ_CHECK(ours && theirs, "OpenSSL refused raw X25519 keys");
  const auto want = ossl::derive(ours, theirs);
  const bytes want_pub = ossl::x25519_public_of(priv);
  kagi_fuzz::for_each_path(kagi::detail::c25519::x25519_ladder_table, [&](const char*) {
    const auto got = kagi::x25519::shared_secret(priv, peer);
    KAGI_FUZZ_CHECK(got.has_value() == want.has_value(), "verdict: kagi " + opt_hex(got) + ", OpenSSL " +
                                                              (want ? hex(*want) : std::string("refused")) + " for u " + hex(peer));
    if (got) KAGI_FUZZ_CHECK(bytes(got->begin(), got->end()) == *want, hex(*got) + " != OpenSSL " + hex(*want));
  });
  kagi_fuzz::for_each_path(kagi::detail::c25519::x25519_base_table, [&](const char*) {
    const auto pub = kagi::x25519::public_key(priv);
    KAGI_FUZZ_CHECK(bytes(pub.begin(), pub.end()) == want_pub, hex(pub) + " != OpenSSL " + hex(want_pub));
  });
}

namespace {

constexpr std::array<std::uint8_t, 32> p256_p{0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
                                              0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// a = a + b (or a - b) on 32 big-endian bytes; false on overflow (borrow).
bool add_be(std::uint8_t* a, const std::uint8_t* b, bool subtract) {
  int carry = 0;
  for (int i = 31; i >= 0; --i) {
    int v = subtract ? a[i] - b[i] - carry : a[i] + b[i] + carry;
    carry = subtract ? (v < 0) : (v > 255);
    a[i] = static_cast<std::uint8_t>(v);
  }
  return carry == 0;
}

// An OpenSSL P-256 private key from a scalar (1 <= d < n), as a TLS stack imports one.
ossl::pkey p256_private(const std::array<std::uint8_t, 32>& d) {
  BIGNUM* bn = BN_bin2bn(d.data(), 32, nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* k = nullptr;
  if (ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(bn);
  return ossl::pkey(k);
}

}  // namespace

KAGI_FUZZ_TARGET(p256, "P-256 ECDH with arbitrary and near-valid peer points, every path, against OpenSSL") {
  FuzzedDataProvider in(data, size);
  const int mode = in.ConsumeIntegralInRange(0, 5);
  auto priv = take<32>(in);
  bytes point;
  if (mode == 0) {
    point = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 70));  // anything
  } else {
    // A valid point (the public key of a scalar from the input), then changed.
    auto s = take<32>(in);
    s[0] &= 0x7f;
    s[31] |= 1;
    const auto q = kagi::p256::public_key(s);
    KAGI_FUZZ_CHECK(q.has_value(), "public_key refused a scalar below n");
    point.assign(q->begin(), q->end());
    std::uint8_t* x = point.data() + 1;
    std::uint8_t* y = point.data() + 33;
    const unsigned bit = in.ConsumeIntegralInRange(0u, 255u);
    switch (mode) {
      case 1:
        break;  // valid
      case 2:
        y[31 - bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));  // off the curve
        break;
      case 3: {  // (x, p - y): the negation, valid
        std::array<std::uint8_t, 32> t = p256_p;
        add_be(t.data(), y, true);
        std::copy(t.begin(), t.end(), y);
        break;
      }
      case 4:  // a coordinate plus p (non-canonical; kept only if it fits in 32 bytes)
        (void)add_be(bit % 2 ? x : y, p256_p.data(), false);
        break;
      default:  // the point's prefix byte or length changed
        if (bit % 3 == 0) point[0] = static_cast<std::uint8_t>(bit);
        else point.resize(bit % 66);
        break;
    }
  }
  const ossl::pkey peer = ossl::p256_public(point);
  // OpenSSL also takes compressed and hybrid points, which kagi does not.
  const bool uncompressed = point.size() == 65 && point[0] == 4;
  const bool peer_ok = uncompressed && static_cast<bool>(peer);
  if (mode == 1 || mode == 3) KAGI_FUZZ_CHECK(peer_ok, "OpenSSL refused a valid point " + hex(point));
  const bool priv_ok = kagi::p256::is_valid_private_key(priv);
  std::optional<bytes> want;
  if (peer_ok && priv_ok) {
    const ossl::pkey ours = p256_private(priv);
    KAGI_FUZZ_CHECK(static_cast<bool>(ours), "OpenSSL refused a scalar kagi takes: " + hex(priv));
    want = ossl::derive(ours, peer);
    KAGI_FUZZ_CHECK(want.has_value(), "OpenSSL's derive failed");
  }
  kagi_fuzz::for_each_path(kagi::detail::p256::p256_table, [&](const char*) {
    const auto got = kagi::p256::shared_secret(priv, point);
    KAGI_FUZZ_CHECK(got.has_value() == want.has_value(),
                    "verdict: kagi " + opt_hex(got) + ", OpenSSL " + (peer ? "accepts" : "refuses") + " point " + hex(point) +
                        (priv_ok ? "" : " (scalar invalid)"));
    if (got) KAGI_FUZZ_CHECK(bytes(got->begin(), got->end()) == *want, hex(*got) + " != OpenSSL " + hex(*want));
  });
}
