// Shared by the RSA suites (test_rsa, test_rsa_keys): the big-integer paths
// an RSA-2048 private operation takes, a deterministic random source, the
// capture key, and helpers that build chosen ciphertexts.
#pragma once

#include <doctest/doctest.h>

#include <array>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/rsa/rsa.hpp>
#include <string>
#include <vector>

#include "bigint_paths.hpp"
#include "random.hpp"
#include "vectors.hpp"

namespace kagi_test::rsa {

using kagi::rsa_private_key;
using kagi::rsa_public_key;
using json = nlohmann::json;


// Runs body on every big-integer path (support/bigint_paths.hpp), checking
// that the private operation of a 2048-bit key (CRT halves of 16 limbs) takes it.
template <class Body>
void on_every_path(Body body) {
  kagi_test::on_every_bigint_path(body, 16);
}

// A deterministic random source for the tests (seeded from KAGI_TEST_SEED).
inline kagi::hmac_drbg test_drbg(std::uint64_t stream) {
  kagi_test::test_rng rng(stream);
  const bytes seed = rng.bytes(48);
  return kagi::hmac_drbg(seed);
}

inline bytes hex_field(const json& j, const char* name) { return kagi_test::hex(j.at(name).get<std::string>()); }

inline bytes modulus_of(const rsa_public_key& k) {
  bytes n(k.size());
  k.modulus(n);
  return n;
}

inline std::string capture_key_pem() { return kagi_test::read_vector_file("tls12_capture/openssl_capture_key.pem"); }

inline const rsa_private_key& capture_key() {
  static const auto key = [] {
    auto k = rsa_private_key::from_pem(capture_key_pem());
    REQUIRE_MESSAGE(k, k.message());
    return *k;
  }();
  return key;
}

// em (k bytes, below n) raised to e: a ciphertext with a chosen encoded message.
inline bytes raw_encrypt(const rsa_public_key& pub, const bytes& em) {
  std::vector<kagi::bn::limb> x(kagi::bn::limbs_for_bits(pub.bits()));
  REQUIRE(kagi::bn::from_bytes(x.data(), x.size(), em));
  pub.public_op(x.data(), x.data());
  bytes c(pub.size());
  REQUIRE(kagi::bn::to_bytes(c, x.data(), x.size()));
  return c;
}

// A well-formed TLS pre-master encryption block: 00 02 PS 00 (version) (46 bytes).
inline bytes premaster_block(std::size_t k, kagi_test::test_rng& rng, std::uint16_t version, bytes* pms = nullptr) {
  bytes em = rng.bytes(k);
  em[0] = 0;
  em[1] = 2;
  for (std::size_t i = 2; i < k - 49; ++i)
    while (em[i] == 0) em[i] = static_cast<std::uint8_t>(rng.uniform(1, 255));
  em[k - 49] = 0;
  em[k - 48] = static_cast<std::uint8_t>(version >> 8);
  em[k - 47] = static_cast<std::uint8_t>(version);
  if (pms) pms->assign(em.end() - 48, em.end());
  return em;
}

// The 48 bytes decrypt_tls_premaster draws first from this DRBG.
inline std::array<std::uint8_t, 48> next_random(const kagi::hmac_drbg& drbg) {
  kagi::hmac_drbg copy = drbg;
  std::array<std::uint8_t, 48> r{};
  copy.fill(r);
  return r;
}

inline bytes to_bytes(const std::array<std::uint8_t, 48>& a) { return bytes(a.begin(), a.end()); }

}  // namespace kagi_test::rsa
