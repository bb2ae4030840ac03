// rsa/ in constant expressions: a 512-bit key (PKCS#8 PEM, generated
// for this test with OpenSSL 3.0.19 `genpkey -algorithm RSA -pkeyopt
// rsa_keygen_bits:512`; too small for anything but a test) is parsed, a TLS
// pre-master secret is encrypted to it and decrypted, and a PKCS#1 v1.5
// signature is made and verified, all inside a static_assert (with
// kagi::hmac_drbg as the random source). Kept in its own file: the constant
// evaluation costs a few seconds of compile time.
#include <doctest/doctest.h>

#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/rsa/rsa.hpp>
#include <string_view>

#include "support/kat.hpp"

namespace {

constexpr std::string_view key_pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA2RaKNlq7dDv300S0\n"
    "UNT7EXqzAi9fyt7/pJfMc6TNn+ROtYyWJvGA3ryYcItAbrQN2BzfRMSTmmRuCiIu\n"
    "5obLTwIDAQABAkBJL24c8O2tO+JKmSjo70RNGj5rCCmVLSSmCn7kpbSkqCYc6emv\n"
    "wsL0fQNj+XoKpHfHcSNwy2ClUbwvdtKLrcQBAiEA+j7EklXsbcFu5ysm9MtQA5j+\n"
    "Q0mQnTms5kJ+wzkhPE8CIQDeFJIhCtVCTgnFj05NrRg74r0PmH8k+NkRiJ4LULLB\n"
    "AQIhAPSXFRrS0NwWDIf2LYVmkzZw+1RZOvfxv4TvyWaXGF0RAiAGpgMB7jsYMxHj\n"
    "0jh75tS05kLWtrAHwVNuTPK+T/oqAQIgBcw3W4CL2lK3v9X+QaNgVd2JcjMrCQKE\n"
    "niI9YOila/A=\n"
    "-----END PRIVATE KEY-----\n";

constexpr kagi::hmac_drbg seeded() {
  std::array<std::uint8_t, 32> seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(0xa5 ^ (7 * i));
  return kagi::hmac_drbg(seed);
}

// Encrypt a pre-master secret and decrypt it with decrypt_tls_premaster.
constexpr bool premaster_round_trip() {
  auto key = kagi::rsa_private_key::from_pem(key_pem, 512);
  if (!key || key->bits() != 512) return false;
  auto drbg = seeded();
  std::array<std::uint8_t, 48> pms{};
  drbg.fill(pms);
  pms[0] = 0x03;
  pms[1] = 0x03;
  std::array<std::uint8_t, 64> ct{};
  if (!key->public_key().encrypt_pkcs1(pms, ct, drbg)) return false;
  bool differs = false;
  for (std::size_t i = 0; i < pms.size(); ++i) differs = differs || ct[i] != pms[i];
  if (!differs) return false;
  return key->decrypt_tls_premaster(ct, 0x0303, drbg) == pms;
}

// A wrong version gives the 48 random bytes drawn first instead.
constexpr bool wrong_version() {
  auto key = kagi::rsa_private_key::from_pem(key_pem, 512);
  if (!key) return false;
  auto drbg = seeded();
  std::array<std::uint8_t, 48> pms{};
  drbg.fill(pms);
  pms[0] = 0x03;
  pms[1] = 0x03;
  std::array<std::uint8_t, 64> ct{};
  if (!key->public_key().encrypt_pkcs1(pms, ct, drbg)) return false;
  auto copy = drbg;
  std::array<std::uint8_t, 48> r{};
  copy.fill(r);
  return key->decrypt_tls_premaster(ct, 0x0302, drbg) == r;
}

// A PKCS#1 v1.5 SHA-256 signature verifies, and fails on another message.
constexpr bool sign_verify() {
  auto key = kagi::rsa_private_key::from_pem(key_pem, 512);
  if (!key) return false;
  auto drbg = seeded();
  const std::array<std::uint8_t, 4> msg{'k', 'a', 'g', 'i'}, other{'k', 'a', 'g', 'o'};
  std::array<std::uint8_t, 64> sig{};
  if (!key->sign_pkcs1_sha256(msg, sig, drbg)) return false;
  return key->public_key().verify_pkcs1_sha256(msg, sig) && !key->public_key().verify_pkcs1_sha256(other, sig);
}

}  // namespace

TEST_CASE("RSA at compile time: a 512-bit key encrypts and decrypts") {
  // The round trip is a static_assert; the other two run the same constexpr
  // code at run time only (each whole RSA operation costs seconds of
  // constant evaluation).
  KAGI_CHECK_CONSTEXPR(premaster_round_trip());
  CHECK(wrong_version());
  CHECK(sign_verify());
}
