// ECDSA P-256 verification through OpenSSL, in the shape of
// x509::ecdsa_p256_verify_fn, for the tests to use while ec/p256.hpp has no
// p256::verify_digest of its own (x509::have_p256_verify is false), and as a
// second opinion once it has.
#pragma once

#include <kagi/core/bytes.hpp>
#include <kagi/core/result.hpp>
#include <kagi/x509/verify.hpp>

#if KAGI_HAVE_OPENSSL
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <vector>

namespace kagi_test {

inline kagi::status openssl_ecdsa_p256_verify(kagi::bytes_view point, kagi::bytes_view digest,
                                              kagi::bytes_view der_signature) {
  // SubjectPublicKeyInfo { id-ecPublicKey, prime256v1 } with the 65-byte point.
  static const std::uint8_t prefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
                                        0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
  if (point.size() != 65) return kagi::errc::ec_unsupported_key;
  std::vector<std::uint8_t> spki(prefix, prefix + sizeof prefix);
  spki.insert(spki.end(), point.begin(), point.end());
  const unsigned char* p = spki.data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  if (key == nullptr) return kagi::errc::ec_unsupported_key;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  const int ok = ctx != nullptr && EVP_PKEY_verify_init(ctx) == 1 &&
                 EVP_PKEY_verify(ctx, der_signature.data(), der_signature.size(), digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(key);
  if (!ok) return kagi::errc::x509_bad_signature;
  return {};
}

// Options whose ECDSA path works in this build: kagi's own when it has one,
// OpenSSL's otherwise.
inline kagi::x509::verify_options x509_test_options() {
  kagi::x509::verify_options o;
  if (!kagi::x509::have_p256_verify) o.ecdsa_p256 = &openssl_ecdsa_p256_verify;
  return o;
}

}  // namespace kagi_test
#endif
