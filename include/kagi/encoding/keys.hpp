// kagi/encoding/keys.hpp: the key formats, read (and, for RSA, written) in
// one place, for every layer above: rsa/ and ec/p256 use it, and x509/ will.
//
//   SubjectPublicKeyInfo (RFC 5280 4.1.2.7)   read_spki, write_rsa_spki
//     AlgorithmIdentifier: rsaEncryption with NULL parameters (RFC 8017
//     A.1), id-ecPublicKey with the namedCurve secp256r1 (RFC 5480 2.1.1);
//     any other algorithm, curve, or explicit curve parameters is read as
//     key_algorithm::other (the typed readers refuse it)
//   Certificate (RFC 5280 4.1): the SPKI in it   read_certificate_spki
//   PKCS#1 RSAPublicKey, RSAPrivateKey (RFC 8017 A.1)
//                                             read_rsa_public_key, read_rsa_private_key
//   PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5958)
//                                             read_pkcs8, write_rsa_pkcs8
//   PEM labels (RFC 7468 and OpenSSL's "RSA ... KEY")
//                                             read_rsa_public_pem, read_rsa_private_pem
//
// Typed readers (read_rsa_spki, read_p256_spki, read_any_rsa_public_key,
// read_any_rsa_private_key) check the structure first and then that the key
// is of their kind: errc::rsa_unsupported_key or errc::ec_unsupported_key.
//
// This layer knows encodings, not arithmetic: results are views into the
// input (big-endian magnitudes of the INTEGERs, the point's octets), checked
// for DER strictness only; rsa/ and ec/ check the values. No heap, constexpr.
#ifndef KAGI_ENCODING_KEYS_HPP
#define KAGI_ENCODING_KEYS_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../core/bytes.hpp"
#include "../core/result.hpp"
#include "der.hpp"
#include "der_writer.hpp"
#include "pem.hpp"

namespace kagi::keys {

// OBJECT IDENTIFIER contents.
// 1.2.840.113549.1.1.1 rsaEncryption
inline constexpr std::array<std::uint8_t, 9> oid_rsa_encryption{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
// 1.2.840.10045.2.1 id-ecPublicKey
inline constexpr std::array<std::uint8_t, 7> oid_ec_public_key{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
// 1.2.840.10045.3.1.7 secp256r1 (prime256v1)
inline constexpr std::array<std::uint8_t, 8> oid_secp256r1{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

// What an AlgorithmIdentifier names, as far as kagi takes keys.
enum class key_algorithm { rsa, ec_p256, other };

struct algorithm_identifier {
  key_algorithm algorithm = key_algorithm::other;
  bytes_view oid;         // the algorithm's OID contents
  bytes_view parameters;  // the parameters' whole encoding (empty when absent)
};

struct public_key_info {
  algorithm_identifier algorithm;
  bytes_view key;  // subjectPublicKey: an RSAPublicKey (DER) or an EC point (SEC 1)
};

struct private_key_info {
  std::uint64_t version = 0;  // 0 (PKCS#8 v1) or 1 (RFC 5958 v2)
  algorithm_identifier algorithm;
  bytes_view key;  // privateKey's contents: an RSAPrivateKey (DER) for RSA
};

// The INTEGERs of RSA keys, as big-endian magnitudes (no sign byte).
struct rsa_public_parts {
  bytes_view n, e;
};
struct rsa_private_parts {
  bytes_view n, e, d, p, q, dp, dq, qinv;
};

// AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }
[[nodiscard]] constexpr result<algorithm_identifier> read_algorithm(der::reader& r) noexcept {
  auto seq = r.read_sequence();
  KAGI_TRY(seq);
  auto oid = seq->read_oid();
  KAGI_TRY(oid);
  algorithm_identifier a{key_algorithm::other, *oid, seq->rest()};
  if (der::oid_equal(*oid, oid_rsa_encryption)) {
    KAGI_TRY(seq->read_null());  // RFC 8017 A.1: the parameters are NULL
    a.algorithm = key_algorithm::rsa;
  } else if (der::oid_equal(*oid, oid_ec_public_key) && seq->peek(der::tag_oid)) {
    auto curve = seq->read_oid();  // namedCurve (RFC 5480 2.1.1; not explicit parameters)
    KAGI_TRY(curve);
    if (der::oid_equal(*curve, oid_secp256r1)) a.algorithm = key_algorithm::ec_p256;
  } else if (!seq->empty()) {
    KAGI_TRY(seq->read_element());
  }
  KAGI_TRY(seq->expect_end());
  return a;
}

// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
[[nodiscard]] constexpr result<public_key_info> read_spki(bytes_view der_in) noexcept {
  return der::parse_sequence(der_in, [](der::reader& seq) -> result<public_key_info> {
    auto alg = read_algorithm(seq);
    KAGI_TRY(alg);
    auto key = seq.read_bit_string();
    KAGI_TRY(key);
    return public_key_info{*alg, *key};
  });
}

// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue };
// TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature,
// issuer, validity, subject, subjectPublicKeyInfo, ... }. The whole encoding
// of the subjectPublicKeyInfo element; only the structure on the way to it
// is checked (x509/ reads the rest).
[[nodiscard]] constexpr result<bytes_view> read_certificate_spki(bytes_view der_in) noexcept {
  return der::parse_sequence(der_in, [](der::reader& cert) -> result<bytes_view> {
    auto tbs = cert.read_sequence();
    KAGI_TRY(tbs);
    if (tbs->peek(der::context_tag(0))) KAGI_TRY(tbs->read_constructed(der::context_tag(0)));
    KAGI_TRY(tbs->read_integer_raw());  // serialNumber
    for (int i = 0; i < 4; ++i)         // signature, issuer, validity, subject
      KAGI_TRY(tbs->read_sequence());
    auto spki = tbs->read_element();
    KAGI_TRY(spki);
    if (spki->tag != der::tag_sequence) return errc::der_unexpected_tag;
    KAGI_TRY(cert.read_sequence());  // signatureAlgorithm
    KAGI_TRY(cert.read_bit_string_bits());
    return spki->encoding;
  });
}

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
[[nodiscard]] constexpr result<rsa_public_parts> read_rsa_public_key(bytes_view der_in) noexcept {
  return der::parse_sequence(der_in, [](der::reader& seq) -> result<rsa_public_parts> {
    auto n = seq.read_integer();
    KAGI_TRY(n);
    auto e = seq.read_integer();
    KAGI_TRY(e);
    return rsa_public_parts{*n, *e};
  });
}

// RSAPrivateKey ::= SEQUENCE { version 0, n, e, d, p, q, dp, dq, qinv }
// (version 1, multi-prime, is errc::rsa_unsupported_key).
[[nodiscard]] constexpr result<rsa_private_parts> read_rsa_private_key(bytes_view der_in) noexcept {
  return der::parse_sequence(der_in, [](der::reader& seq) -> result<rsa_private_parts> {
    auto version = seq.read_small_integer();
    KAGI_TRY(version);
    if (*version != 0) return errc::rsa_unsupported_key;
    rsa_private_parts k;
    for (bytes_view* f : {&k.n, &k.e, &k.d, &k.p, &k.q, &k.dp, &k.dq, &k.qinv}) {
      auto v = seq.read_integer();
      KAGI_TRY(v);
      *f = *v;
    }
    return k;
  });
}

// PrivateKeyInfo / OneAsymmetricKey (RFC 5958) ::= SEQUENCE { version,
// privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING,
// [0] attributes OPTIONAL, [1] publicKey OPTIONAL (version 1 and later) }.
[[nodiscard]] constexpr result<private_key_info> read_pkcs8(bytes_view der_in) noexcept {
  return der::parse_sequence(der_in, [](der::reader& seq) -> result<private_key_info> {
    auto version = seq.read_small_integer();
    KAGI_TRY(version);
    auto alg = read_algorithm(seq);
    KAGI_TRY(alg);
    auto key = seq.read_octet_string();
    KAGI_TRY(key);
    if (seq.peek(der::context_tag(0))) KAGI_TRY(seq.read_constructed(der::context_tag(0)));
    if (*version >= 1 && seq.peek(der::context_tag(1, false))) KAGI_TRY(seq.read(der::context_tag(1, false)));
    return private_key_info{*version, *alg, *key};
  });
}

// ---- typed readers

// The RSA key of a SubjectPublicKeyInfo (errc::rsa_unsupported_key for another algorithm).
[[nodiscard]] constexpr result<rsa_public_parts> read_rsa_spki(bytes_view der_in) noexcept {
  auto info = read_spki(der_in);
  KAGI_TRY(info);
  if (info->algorithm.algorithm != key_algorithm::rsa) return errc::rsa_unsupported_key;
  return read_rsa_public_key(info->key);
}

// The P-256 point of a SubjectPublicKeyInfo (RFC 5480: id-ecPublicKey,
// namedCurve secp256r1), not yet validated: errc::ec_unsupported_key for
// another algorithm or curve, or explicit curve parameters.
[[nodiscard]] constexpr result<bytes_view> read_p256_spki(bytes_view der_in) noexcept {
  auto info = read_spki(der_in);
  KAGI_TRY(info);
  if (info->algorithm.algorithm != key_algorithm::ec_p256) return errc::ec_unsupported_key;
  return info->key;
}

// The RSA key of a certificate's SubjectPublicKeyInfo.
[[nodiscard]] constexpr result<rsa_public_parts> read_rsa_certificate_key(bytes_view der_in) noexcept {
  auto spki = read_certificate_spki(der_in);
  KAGI_TRY(spki);
  return read_rsa_spki(*spki);
}

// The RSA key of a PKCS#8 PrivateKeyInfo (errc::rsa_unsupported_key for
// another algorithm or a version after 1).
[[nodiscard]] constexpr result<rsa_private_parts> read_rsa_pkcs8(bytes_view der_in) noexcept {
  auto info = read_pkcs8(der_in);
  KAGI_TRY(info);
  if (info->version > 1 || info->algorithm.algorithm != key_algorithm::rsa) return errc::rsa_unsupported_key;
  return read_rsa_private_key(info->key);
}

// An RSA public key in any of its DER forms, told apart by their first
// elements: RSAPublicKey starts with an INTEGER, SubjectPublicKeyInfo with
// an AlgorithmIdentifier (a SEQUENCE starting with an OID), a Certificate
// with a SEQUENCE that does not.
[[nodiscard]] constexpr result<rsa_public_parts> read_any_rsa_public_key(bytes_view der_in) noexcept {
  der::reader top(der_in);
  auto seq = top.read_sequence();
  KAGI_TRY(seq);
  if (seq->peek(der::tag_integer)) return read_rsa_public_key(der_in);
  auto first = seq->read_sequence();
  KAGI_TRY(first);
  if (first->peek(der::tag_oid)) return read_rsa_spki(der_in);
  return read_rsa_certificate_key(der_in);
}

// An RSA private key as PKCS#8 (version, then an AlgorithmIdentifier) or PKCS#1.
[[nodiscard]] constexpr result<rsa_private_parts> read_any_rsa_private_key(bytes_view der_in) noexcept {
  der::reader top(der_in);
  auto seq = top.read_sequence();
  KAGI_TRY(seq);
  KAGI_TRY(seq->read_integer_raw());
  if (seq->peek(der::tag_sequence)) return read_rsa_pkcs8(der_in);
  return read_rsa_private_key(der_in);
}

// The RSA public key of the first PEM block labelled PUBLIC KEY
// (SubjectPublicKeyInfo), RSA PUBLIC KEY (PKCS#1) or CERTIFICATE, its DER
// decoded into der_buffer (the parts are views into it).
[[nodiscard]] constexpr result<rsa_public_parts> read_rsa_public_pem(std::string_view text,
                                                                     mutable_bytes der_buffer) noexcept {
  auto b = pem::find_any(text, {"PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE"});
  KAGI_TRY(b);
  auto n = base64::decode(b->body, der_buffer, true);
  KAGI_TRY(n);
  const bytes_view d = der_buffer.first(*n);
  if (b->label == "PUBLIC KEY") return read_rsa_spki(d);
  if (b->label == "RSA PUBLIC KEY") return read_rsa_public_key(d);
  return read_rsa_certificate_key(d);
}

// The RSA private key of the first PEM block labelled PRIVATE KEY (PKCS#8)
// or RSA PRIVATE KEY (PKCS#1), decoded into der_buffer (the caller wipes it).
[[nodiscard]] constexpr result<rsa_private_parts> read_rsa_private_pem(std::string_view text,
                                                                       mutable_bytes der_buffer) noexcept {
  auto b = pem::find_any(text, {"PRIVATE KEY", "RSA PRIVATE KEY"});
  KAGI_TRY(b);
  auto n = base64::decode(b->body, der_buffer, true);
  KAGI_TRY(n);
  const bytes_view d = der_buffer.first(*n);
  if (b->label == "PRIVATE KEY") return read_rsa_pkcs8(d);
  return read_rsa_private_key(d);
}

// ---- EC private keys (P-256)

// The private scalar of an ECPrivateKey (SEC 1 C.4, RFC 5915):
//   SEQUENCE { version INTEGER (1), privateKey OCTET STRING,
//              [0] parameters (namedCurve) OPTIONAL, [1] publicKey BIT STRING OPTIONAL }
// A 32-byte view (RFC 5915: ceiling(log2(n) / 8) octets), not yet checked
// against n. errc::ec_unsupported_key for another version, a curve other
// than secp256r1 in [0], or a key of another length.
[[nodiscard]] constexpr result<bytes_view> read_ec_private_key(bytes_view der_in) noexcept {
  return der::parse_sequence(der_in, [](der::reader& seq) -> result<bytes_view> {
    auto version = seq.read_small_integer();
    KAGI_TRY(version);
    if (*version != 1) return errc::ec_unsupported_key;
    auto key = seq.read_octet_string();
    KAGI_TRY(key);
    if (key->size() != 32) return errc::ec_unsupported_key;
    if (seq.peek(der::context_tag(0))) {
      auto params = seq.read_constructed(der::context_tag(0));
      KAGI_TRY(params);
      if (!params->peek(der::tag_oid)) return errc::ec_unsupported_key;  // explicit parameters
      auto curve = params->read_oid();
      KAGI_TRY(curve);
      if (!der::oid_equal(*curve, oid_secp256r1)) return errc::ec_unsupported_key;
      KAGI_TRY(params->expect_end());
    }
    if (seq.peek(der::context_tag(1))) KAGI_TRY(seq.read_constructed(der::context_tag(1)));
    return *key;
  });
}

// The P-256 private scalar of a PKCS#8 PrivateKeyInfo (id-ecPublicKey with
// namedCurve secp256r1, the ECPrivateKey inside).
[[nodiscard]] constexpr result<bytes_view> read_p256_pkcs8(bytes_view der_in) noexcept {
  auto info = read_pkcs8(der_in);
  KAGI_TRY(info);
  if (info->version > 1 || info->algorithm.algorithm != key_algorithm::ec_p256) return errc::ec_unsupported_key;
  return read_ec_private_key(info->key);
}

// The P-256 private scalar of the first PEM block labelled PRIVATE KEY
// (PKCS#8) or EC PRIVATE KEY (SEC 1), decoded into der_buffer (the caller
// wipes it).
[[nodiscard]] constexpr result<bytes_view> read_p256_private_pem(std::string_view text,
                                                                 mutable_bytes der_buffer) noexcept {
  auto b = pem::find_any(text, {"PRIVATE KEY", "EC PRIVATE KEY"});
  KAGI_TRY(b);
  auto n = base64::decode(b->body, der_buffer, true);
  KAGI_TRY(n);
  const bytes_view d = der_buffer.first(*n);
  if (b->label == "PRIVATE KEY") return read_p256_pkcs8(d);
  return read_ec_private_key(d);
}

// ---- writers (RSA keys; the magnitudes without leading zero bytes)

namespace detail {
// AlgorithmIdentifier { rsaEncryption, NULL }
inline constexpr std::size_t rsa_algorithm_size =
    der::writer::element_size(der::writer::element_size(oid_rsa_encryption.size()) + 2);
constexpr void write_rsa_algorithm(der::writer& w) noexcept {
  w.header(der::tag_sequence, der::writer::element_size(oid_rsa_encryption.size()) + 2);
  w.element(der::tag_oid, oid_rsa_encryption);
  w.header(der::tag_null, 0);
}
// The length of a SEQUENCE of INTEGERs' contents.
template <class... Mags>
[[nodiscard]] constexpr std::size_t integers_size(const Mags&... mags) noexcept {
  return (der::writer::integer_size(mags) + ...);
}
}  // namespace detail

// SubjectPublicKeyInfo { rsaEncryption, RSAPublicKey { n, e } } into out;
// its length, or errc::buffer_too_small.
[[nodiscard]] constexpr result<std::size_t> write_rsa_spki(bytes_view n, bytes_view e, mutable_bytes out) noexcept {
  const std::size_t rsa_len = detail::integers_size(n, e);
  const std::size_t bits_len = 1 + der::writer::element_size(rsa_len);
  der::writer w(out);
  w.header(der::tag_sequence, detail::rsa_algorithm_size + der::writer::element_size(bits_len));
  detail::write_rsa_algorithm(w);
  w.header(der::tag_bit_string, bits_len);
  w.put(0);  // no unused bits
  w.header(der::tag_sequence, rsa_len);
  w.integer(n);
  w.integer(e);
  if (!w.fits()) return errc::buffer_too_small;
  return w.size();
}

// PrivateKeyInfo { 0, rsaEncryption, RSAPrivateKey { 0, n, e, d, p, q, dp,
// dq, qinv } } into out; its length, or errc::buffer_too_small (out is then
// zeroed: it held part of the key).
[[nodiscard]] constexpr result<std::size_t> write_rsa_pkcs8(const rsa_private_parts& k, mutable_bytes out) noexcept {
  const bytes_view zero{};  // version 0
  const std::size_t rsa_len = detail::integers_size(zero, k.n, k.e, k.d, k.p, k.q, k.dp, k.dq, k.qinv);
  der::writer w(out);
  w.header(der::tag_sequence, der::writer::integer_size(zero) + detail::rsa_algorithm_size +
                                  der::writer::element_size(der::writer::element_size(rsa_len)));
  w.integer(zero);
  detail::write_rsa_algorithm(w);
  w.header(der::tag_octet_string, der::writer::element_size(rsa_len));
  w.header(der::tag_sequence, rsa_len);
  w.integer(zero);
  for (bytes_view m : {k.n, k.e, k.d, k.p, k.q, k.dp, k.dq, k.qinv}) w.integer(m);
  if (!w.fits()) {
    for (auto& b : out) b = 0;
    return errc::buffer_too_small;
  }
  return w.size();
}

}  // namespace kagi::keys

#endif  // KAGI_ENCODING_KEYS_HPP
