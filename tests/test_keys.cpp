// encoding/keys.hpp: SubjectPublicKeyInfo of every algorithm OpenSSL makes
// (RSA, P-256; P-384, explicit curve parameters, Ed25519 and X25519 read as
// "other" and refused by the typed readers), the key of a real certificate,
// PKCS#1 and PKCS#8 RSA keys in DER and PEM against OpenSSL's components, the
// writers against OpenSSL's own encodings of the same keys (DER is
// canonical: the bytes must be equal), and every truncation and single-bit
// flip of the encodings (errors or other well-formed keys, never a crash:
// the ASan job runs this too).
#include <doctest/doctest.h>

#include <kagi/encoding/keys.hpp>
#include <string>
#include <vector>

#include "support/kat.hpp"
#include "support/vectors.hpp"

#if KAGI_HAVE_OPENSSL
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "support/openssl_rsa.hpp"
#endif

using namespace kagi::literals;
using kagi::bytes_view;
using kagi::errc;
using kagi_test::bytes;
namespace keys = kagi::keys;

namespace {

// Wycheproof ecdh_secp256r1_test.json tcId 1's SubjectPublicKeyInfo and its point.
constexpr auto wp1_spki =
    "3059301306072a8648ce3d020106082a8648ce3d0301070342000462d5bd3372af75fe85a040715d0f502428e07046868b0bfdfa61d731afe44f26ac333a93a9e70a81cd5a95b5bf8d13990eb741c8c38872b4a07d275a014e30cf"_hex;

constexpr bool wp1_point_read() {
  auto info = keys::read_spki(wp1_spki);
  auto point = keys::read_p256_spki(wp1_spki);
  return info && info->algorithm.algorithm == keys::key_algorithm::ec_p256 && point && point->size() == 65 &&
         (*point)[0] == 0x04 && (*point)[1] == 0x62 && (*point)[64] == 0xcf &&
         keys::read_rsa_spki(wp1_spki).error() == errc::rsa_unsupported_key;
}

bytes to_bytes(bytes_view v) { return bytes(v.begin(), v.end()); }

// Every proper prefix is an error; every single-bit flip is an error or
// reads as something (counted). Returns the number of flips refused.
template <class Read>
std::size_t truncate_and_flip(const bytes& der, Read read) {
  for (std::size_t n = 0; n < der.size(); ++n) {
    INFO("prefix length " << n);
    CHECK_FALSE(read(bytes_view(der).first(n)));
  }
  std::size_t refused = 0;
  for (std::size_t i = 0; i < der.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      bytes flipped = der;
      flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
      const auto r = read(flipped);
      if (!r) {
        ++refused;
        CHECK(r.error() != errc::ok);
      }
    }
  }
  return refused;
}

}  // namespace

TEST_CASE("keys at compile time: a P-256 SubjectPublicKeyInfo") { KAGI_CHECK_CONSTEXPR(wp1_point_read()); }

TEST_CASE("keys: AlgorithmIdentifier parameters and what the typed readers refuse") {
  // rsaEncryption needs its NULL; a P-256 key its named curve and nothing after it.
  const auto rsa_no_null = "300f300b06092a864886f70d0101010300"_hex;
  CHECK(keys::read_spki(rsa_no_null).error() == errc::der_truncated);
  const auto ec_trailing = "301d301506072a8648ce3d020106082a8648ce3d03010705000304000102ff"_hex;
  CHECK(keys::read_spki(ec_trailing).error() == errc::der_trailing_data);
  // id-ecPublicKey without parameters, with NULL: other (refused by both typed readers).
  for (const bytes& spki : {kagi_test::hex("3011300906072a8648ce3d0201030400010203"),
                            kagi_test::hex("3013300b06072a8648ce3d02010500030400010203")}) {
    auto info = keys::read_spki(spki);
    REQUIRE_MESSAGE(info, info.message());
    CHECK(info->algorithm.algorithm == keys::key_algorithm::other);
    CHECK(keys::read_p256_spki(spki).error() == errc::ec_unsupported_key);
    CHECK(keys::read_rsa_spki(spki).error() == errc::rsa_unsupported_key);
  }
  auto info = keys::read_spki(wp1_spki);
  REQUIRE(info);
  CHECK(to_bytes(info->algorithm.oid) == to_bytes(keys::oid_ec_public_key));
  CHECK(to_bytes(info->algorithm.parameters) == bytes{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07});
  bytes trailing = to_bytes(wp1_spki);
  trailing.push_back(0);
  CHECK(keys::read_spki(trailing).error() == errc::der_trailing_data);
  CHECK(truncate_and_flip(to_bytes(wp1_spki), [](bytes_view d) { return keys::read_p256_spki(d); }) > 0);
}

#if KAGI_HAVE_OPENSSL
namespace {

bytes spki_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  REQUIRE(len > 0);
  bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

bytes bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
  bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_clear_free(bn);
  return out;
}

struct rsa_components {
  bytes n, e, d, p, q, dp, dq, qinv;
};
rsa_components components_of(EVP_PKEY* key) {
  return {bn_param(key, OSSL_PKEY_PARAM_RSA_N),        bn_param(key, OSSL_PKEY_PARAM_RSA_E),
          bn_param(key, OSSL_PKEY_PARAM_RSA_D),        bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR1),
          bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR2),  bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT1),
          bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT2), bn_param(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1)};
}
void check_parts(const keys::rsa_private_parts& k, const rsa_components& c) {
  CHECK(to_bytes(k.n) == c.n);
  CHECK(to_bytes(k.e) == c.e);
  CHECK(to_bytes(k.d) == c.d);
  CHECK(to_bytes(k.p) == c.p);
  CHECK(to_bytes(k.q) == c.q);
  CHECK(to_bytes(k.dp) == c.dp);
  CHECK(to_bytes(k.dq) == c.dq);
  CHECK(to_bytes(k.qinv) == c.qinv);
}

}  // namespace

TEST_CASE("keys: SubjectPublicKeyInfo of RSA and P-256 keys, and of others, as OpenSSL encodes them") {
  namespace ossl = kagi_test::ossl;
  // RSA
  const auto rsa = ossl::rsa_generate(1024);
  REQUIRE(rsa);
  const bytes rsa_spki = spki_of(rsa.get());
  auto info = keys::read_spki(rsa_spki);
  REQUIRE_MESSAGE(info, info.message());
  CHECK(info->algorithm.algorithm == keys::key_algorithm::rsa);
  auto parts = keys::read_rsa_spki(rsa_spki);
  REQUIRE_MESSAGE(parts, parts.message());
  CHECK(to_bytes(parts->n) == bn_param(rsa.get(), OSSL_PKEY_PARAM_RSA_N));
  CHECK(to_bytes(parts->e) == bn_param(rsa.get(), OSSL_PKEY_PARAM_RSA_E));
  CHECK(keys::read_p256_spki(rsa_spki).error() == errc::ec_unsupported_key);
  CHECK(truncate_and_flip(rsa_spki, [](bytes_view d) { return keys::read_rsa_spki(d); }) > 0);
  // P-256: the point is OpenSSL's encoded public key
  ossl::pkey_ptr p256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(p256);
  const bytes p256_spki = spki_of(p256.get());
  auto point = keys::read_p256_spki(p256_spki);
  REQUIRE_MESSAGE(point, point.message());
  bytes encoded(65);
  std::size_t len = 0;
  REQUIRE(EVP_PKEY_get_octet_string_param(p256.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, encoded.data(),
                                          encoded.size(), &len) == 1);
  encoded.resize(len);
  CHECK(to_bytes(*point) == encoded);
  CHECK(keys::read_rsa_spki(p256_spki).error() == errc::rsa_unsupported_key);
  // P-256 with explicit curve parameters, P-384, Ed25519, X25519: well formed, not taken.
  ossl::pkey_ptr explicit_p256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(EVP_PKEY_set_utf8_string_param(explicit_p256.get(), OSSL_PKEY_PARAM_EC_ENCODING,
                                         OSSL_PKEY_EC_ENCODING_EXPLICIT) == 1);
  std::vector<ossl::pkey_ptr> others;
  others.push_back(std::move(explicit_p256));
  others.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  others.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  others.emplace_back(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  for (const auto& k : others) {
    REQUIRE(k);
    const bytes spki = spki_of(k.get());
    INFO("SPKI " << kagi::to_hex(spki));
    auto other = keys::read_spki(spki);
    REQUIRE_MESSAGE(other, other.message());
    CHECK(other->algorithm.algorithm == keys::key_algorithm::other);
    CHECK(keys::read_p256_spki(spki).error() == errc::ec_unsupported_key);
    CHECK(keys::read_rsa_spki(spki).error() == errc::rsa_unsupported_key);
  }
}

TEST_CASE("keys: a certificate's SubjectPublicKeyInfo is the one OpenSSL finds") {
  const std::string pem = kagi_test::read_vector_file("tls12_capture/openssl_capture_cert.pem");
  bytes der(pem.size());
  auto n = kagi::pem::decode(pem, "CERTIFICATE", der);
  REQUIRE(n);
  der.resize(*n);
  auto spki = keys::read_certificate_spki(der);
  REQUIRE_MESSAGE(spki, spki.message());
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  REQUIRE(x != nullptr);
  unsigned char* expect = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &expect);
  REQUIRE(len > 0);
  CHECK(to_bytes(*spki) == bytes(expect, expect + len));
  OPENSSL_free(expect);
  X509_free(x);
  // Through every entry point that takes a certificate.
  auto from_der = keys::read_any_rsa_public_key(der);
  REQUIRE(from_der);
  auto from_spki = keys::read_rsa_spki(*spki);
  REQUIRE(from_spki);
  CHECK(to_bytes(from_der->n) == to_bytes(from_spki->n));
  bytes buffer(8192);
  auto from_pem = keys::read_rsa_public_pem(pem, buffer);
  REQUIRE(from_pem);
  CHECK(to_bytes(from_pem->n) == to_bytes(from_spki->n));
  CHECK(to_bytes(from_pem->e) == to_bytes(from_spki->e));
  const std::size_t refused = truncate_and_flip(der, [](bytes_view d) { return keys::read_certificate_spki(d); });
  CHECK(refused > 0);
}

TEST_CASE("keys: RSA keys in PKCS#1 and PKCS#8, DER and PEM, against OpenSSL's components") {
  namespace ossl = kagi_test::ossl;
  const auto key = ossl::rsa_generate(1024);
  REQUIRE(key);
  const rsa_components c = components_of(key.get());
  const bytes pkcs8 = ossl::encode(key.get(), EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo");
  const bytes pkcs1 = ossl::encode(key.get(), EVP_PKEY_KEYPAIR, "DER", "type-specific");
  const bytes pub_pkcs1 = ossl::encode(key.get(), EVP_PKEY_PUBLIC_KEY, "DER", "type-specific");
  REQUIRE(!pkcs8.empty());
  REQUIRE(!pkcs1.empty());
  REQUIRE(!pub_pkcs1.empty());
  for (const bytes* der : {&pkcs8, &pkcs1}) {
    auto k = keys::read_any_rsa_private_key(*der);
    REQUIRE_MESSAGE(k, k.message());
    check_parts(*k, c);
  }
  auto info = keys::read_pkcs8(pkcs8);
  REQUIRE(info);
  CHECK(info->version == 0);
  CHECK(info->algorithm.algorithm == keys::key_algorithm::rsa);
  CHECK(to_bytes(info->key) == pkcs1);
  auto pub = keys::read_any_rsa_public_key(pub_pkcs1);
  REQUIRE(pub);
  CHECK(to_bytes(pub->n) == c.n);
  CHECK(to_bytes(pub->e) == c.e);
  // PEM, by label
  bytes buffer(4096);
  for (const char* structure : {"PrivateKeyInfo", "type-specific"}) {
    INFO(structure);
    auto k = keys::read_rsa_private_pem(ossl::encode_pem(key.get(), EVP_PKEY_KEYPAIR, structure), buffer);
    REQUIRE_MESSAGE(k, k.message());
    check_parts(*k, c);
  }
  for (const char* structure : {"SubjectPublicKeyInfo", "type-specific"}) {
    INFO(structure);
    auto k = keys::read_rsa_public_pem(ossl::encode_pem(key.get(), EVP_PKEY_PUBLIC_KEY, structure), buffer);
    REQUIRE_MESSAGE(k, k.message());
    CHECK(to_bytes(k->n) == c.n);
  }
  CHECK(keys::read_rsa_private_pem("no key here", buffer).error() == errc::pem_no_block);
  CHECK(keys::read_rsa_public_pem(ossl::encode_pem(key.get(), EVP_PKEY_KEYPAIR, "PrivateKeyInfo"), buffer).error() ==
        errc::pem_wrong_label);
  // Another algorithm's PKCS#8, and a multi-prime RSAPrivateKey (version 1).
  ossl::pkey_ptr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const bytes ec_pkcs8 = ossl::encode(ec.get(), EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo");
  REQUIRE(!ec_pkcs8.empty());
  CHECK(keys::read_pkcs8(ec_pkcs8));
  CHECK(keys::read_any_rsa_private_key(ec_pkcs8).error() == errc::rsa_unsupported_key);
  bytes multi = pkcs1;
  REQUIRE(multi[4] == 0x02);  // 30 82 LL LL 02 01 00: the version
  multi[6] = 0x01;
  CHECK(keys::read_rsa_private_key(multi).error() == errc::rsa_unsupported_key);
  CHECK(truncate_and_flip(pkcs8, [](bytes_view d) { return keys::read_any_rsa_private_key(d); }) > 0);
}

TEST_CASE("keys: the writers give OpenSSL's encodings of the same keys, byte for byte") {
  namespace ossl = kagi_test::ossl;
  for (unsigned bits : {1024u, 2048u}) {
    INFO("bits = " << bits);
    const auto key = ossl::rsa_generate(bits);
    REQUIRE(key);
    const rsa_components c = components_of(key.get());
    bytes out(4096);
    auto n = keys::write_rsa_spki(c.n, c.e, out);
    REQUIRE(n);
    CHECK(bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)) ==
          ossl::encode(key.get(), EVP_PKEY_PUBLIC_KEY, "DER", "SubjectPublicKeyInfo"));
    const keys::rsa_private_parts parts{c.n, c.e, c.d, c.p, c.q, c.dp, c.dq, c.qinv};
    n = keys::write_rsa_pkcs8(parts, out);
    REQUIRE(n);
    const bytes expect = ossl::encode(key.get(), EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo");
    CHECK(bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)) == expect);
    // Too small: an error, and nothing of the key left in the buffer.
    bytes small(expect.size() - 1, 0xaa);
    CHECK(keys::write_rsa_pkcs8(parts, small).error() == errc::buffer_too_small);
    CHECK(small == bytes(small.size(), 0));
    CHECK(keys::write_rsa_spki(c.n, c.e, std::span(small).first(10)).error() == errc::buffer_too_small);
  }
}
#endif
