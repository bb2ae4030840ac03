// kagi/x509/certificate.hpp: a strict DER reader of X.509 v3 certificates
// (RFC 5280 section 4).
//
//   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
//   TBSCertificate ::= SEQUENCE {
//     version [0] EXPLICIT (v3 = 2; absent = v1), serialNumber INTEGER,
//     signature AlgorithmIdentifier, issuer Name, validity { notBefore, notAfter },
//     subject Name, subjectPublicKeyInfo, issuerUniqueID [1], subjectUniqueID [2],
//     extensions [3] EXPLICIT SEQUENCE SIZE (1..MAX) OF Extension }
//
// certificate::parse(der) checks, and refuses with an error code:
// - DER only (encoding/der.hpp: definite minimal lengths, minimal INTEGERs,
//   BIT STRING padding; here too: BOOLEAN is 00 or FF, a DEFAULT value is never
//   encoded, SET OF elements in DER order; keyUsage's named bit list is the
//   one exception: trailing zero bits are tolerated, see read_key_usage),
//   every length against its container, nothing after the end;
// - version v3, or v1 without unique IDs and extensions (v2 and an explicit
//   v1 are refused); the inner and outer signature AlgorithmIdentifiers
//   byte-equal; the signature algorithm's parameters: NULL for
//   sha*WithRSAEncryption, absent for ecdsa-with-SHA*, and for RSASSA-PSS the
//   RFC 4055 structure (any other algorithm parses as
//   signature_algorithm::unsupported: it is refused when verified);
// - issuer (non-empty) and subject as strict Names (name.hpp);
// - validity as UTCTime "YYMMDDHHMMSSZ" (years 1950-2049) or GeneralizedTime
//   "YYYYMMDDHHMMSSZ" (any year: two roots in Debian's bundle use it before
//   2050), with real calendar dates, converted to unix seconds;
// - the SubjectPublicKeyInfo through encoding/keys.hpp (RSA and P-256 are
//   understood; P-384, Ed25519 and the rest parse as keys::key_algorithm::other);
// - extensions: at most 64, no OID twice (errc::x509_duplicate_extension);
//   basicConstraints, keyUsage, extKeyUsage, subjectAltName, authority and
//   subject key identifiers and nameConstraints are read and checked; any
//   other extension is skipped when not critical and remembered when critical
//   (unknown_critical: verify.hpp refuses the certificate with
//   errc::x509_unknown_critical_extension).
// DER-level errors keep the reader's code (errc::der_*); the rest are
// errc::x509_malformed. No heap, no recursion: the result holds views into
// the caller's DER, which must outlive it. Everything is constexpr.
#ifndef KAGI_X509_CERTIFICATE_HPP
#define KAGI_X509_CERTIFICATE_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "../core/bytes.hpp"
#include "../core/result.hpp"
#include "../encoding/der.hpp"
#include "../encoding/keys.hpp"
#include "name.hpp"

namespace kagi::x509 {

// The signature algorithms kagi verifies; everything else is unsupported
// (sha1WithRSAEncryption, ecdsa-with-SHA512, Ed25519, PSS with other
// parameters than hash = MGF1 hash and a salt of the hash's length, ...).
enum class signature_algorithm : std::uint8_t {
  rsa_pkcs1_sha256,
  rsa_pkcs1_sha384,
  rsa_pkcs1_sha512,
  rsa_pss_sha256,
  rsa_pss_sha384,
  rsa_pss_sha512,
  ecdsa_sha256,
  ecdsa_sha384,
  unsupported,
};

// keyUsage bits (RFC 5280 4.2.1.3), bit n of the BIT STRING as 1 << n.
namespace key_usage {
inline constexpr std::uint16_t digital_signature = 1u << 0;
inline constexpr std::uint16_t non_repudiation = 1u << 1;
inline constexpr std::uint16_t key_encipherment = 1u << 2;
inline constexpr std::uint16_t data_encipherment = 1u << 3;
inline constexpr std::uint16_t key_agreement = 1u << 4;
inline constexpr std::uint16_t key_cert_sign = 1u << 5;
inline constexpr std::uint16_t crl_sign = 1u << 6;
inline constexpr std::uint16_t encipher_only = 1u << 7;
inline constexpr std::uint16_t decipher_only = 1u << 8;
}  // namespace key_usage

// OBJECT IDENTIFIER contents.
namespace oid {
// PKCS #1 (1.2.840.113549.1.1.x)
inline constexpr std::array<std::uint8_t, 9> sha1_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05};
inline constexpr std::array<std::uint8_t, 9> mgf1{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08};
inline constexpr std::array<std::uint8_t, 9> rsassa_pss{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
inline constexpr std::array<std::uint8_t, 9> sha256_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
inline constexpr std::array<std::uint8_t, 9> sha384_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c};
inline constexpr std::array<std::uint8_t, 9> sha512_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d};
inline constexpr std::array<std::uint8_t, 9> sha224_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0e};
inline constexpr std::array<std::uint8_t, 9> md5_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04};
// ANSI X9.62 (1.2.840.10045.4.x)
inline constexpr std::array<std::uint8_t, 7> ecdsa_with_sha1{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01};
inline constexpr std::array<std::uint8_t, 8> ecdsa_with_sha224{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01};
inline constexpr std::array<std::uint8_t, 8> ecdsa_with_sha256{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
inline constexpr std::array<std::uint8_t, 8> ecdsa_with_sha384{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
inline constexpr std::array<std::uint8_t, 8> ecdsa_with_sha512{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04};
// 1.3.101.112 Ed25519, 1.3.101.113 Ed448
inline constexpr std::array<std::uint8_t, 3> ed25519{0x2b, 0x65, 0x70};
inline constexpr std::array<std::uint8_t, 3> ed448{0x2b, 0x65, 0x71};
// hashes: 1.3.14.3.2.26 SHA-1; 2.16.840.1.101.3.4.2.1/2/3 SHA-256/384/512
inline constexpr std::array<std::uint8_t, 5> sha1{0x2b, 0x0e, 0x03, 0x02, 0x1a};
inline constexpr std::array<std::uint8_t, 9> sha256{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
inline constexpr std::array<std::uint8_t, 9> sha384{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
inline constexpr std::array<std::uint8_t, 9> sha512{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03};
// certificate extensions (2.5.29.x)
inline constexpr std::array<std::uint8_t, 3> subject_key_identifier{0x55, 0x1d, 0x0e};
inline constexpr std::array<std::uint8_t, 3> key_usage{0x55, 0x1d, 0x0f};
inline constexpr std::array<std::uint8_t, 3> subject_alt_name{0x55, 0x1d, 0x11};
inline constexpr std::array<std::uint8_t, 3> basic_constraints{0x55, 0x1d, 0x13};
inline constexpr std::array<std::uint8_t, 3> name_constraints{0x55, 0x1d, 0x1e};
inline constexpr std::array<std::uint8_t, 3> authority_key_identifier{0x55, 0x1d, 0x23};
inline constexpr std::array<std::uint8_t, 3> ext_key_usage{0x55, 0x1d, 0x25};
// key purposes: 2.5.29.37.0 anyExtendedKeyUsage, 1.3.6.1.5.5.7.3.1 id-kp-serverAuth
inline constexpr std::array<std::uint8_t, 4> any_extended_key_usage{0x55, 0x1d, 0x25, 0x00};
inline constexpr std::array<std::uint8_t, 8> kp_server_auth{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
}  // namespace oid

// The most extensions a certificate may have (real ones have about ten).
inline constexpr std::size_t max_extensions = 64;

// A parsed certificate: views into the DER it was parsed from.
struct certificate {
  bytes_view der;                    // the whole Certificate
  bytes_view tbs;                    // tbsCertificate's whole encoding: the signed bytes
  unsigned version = 3;              // 1 or 3
  bytes_view serial;                 // serialNumber's contents as written (two's complement)
  bytes_view signature_algorithm_der;  // the AlgorithmIdentifier (inner and outer are equal)
  x509::signature_algorithm signature_algorithm = x509::signature_algorithm::unsupported;
  bytes_view signature;              // signatureValue's bytes
  name_view issuer;
  name_view subject;
  std::int64_t not_before = 0;       // unix seconds
  std::int64_t not_after = 0;
  bytes_view spki;                   // SubjectPublicKeyInfo's whole encoding
  keys::public_key_info public_key;  // its algorithm and subjectPublicKey

  // Extensions (defaults: absent).
  bool has_basic_constraints = false;
  bool ca = false;                                   // basicConstraints cA
  std::optional<std::uint64_t> path_len;            // pathLenConstraint (large values clamp to 2^64 - 1)
  std::optional<std::uint16_t> key_usage;           // key_usage:: bits
  bool has_ext_key_usage = false;
  bool eku_server_auth = false;                      // id-kp-serverAuth listed
  bool eku_any = false;                              // anyExtendedKeyUsage listed
  bytes_view subject_alt_name;                       // GeneralNames' whole encoding (empty: none)
  bytes_view authority_key_id;                       // keyIdentifier of authorityKeyIdentifier (empty: none)
  bytes_view subject_key_id;                         // subjectKeyIdentifier (empty: none)
  x509::name_constraints name_constraints;
  bytes_view unknown_critical;                       // OID of the first critical extension not processed (empty: none)

  // Issuer and subject are the same name (RFC 5280 6.1: "self-issued").
  [[nodiscard]] constexpr bool self_issued() const noexcept { return issuer == subject; }

  [[nodiscard]] static constexpr result<certificate> parse(bytes_view der) noexcept;
};

namespace detail {

[[nodiscard]] constexpr bool is_digit(std::uint8_t c) noexcept { return c >= '0' && c <= '9'; }

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar.
[[nodiscard]] constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

[[nodiscard]] constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

inline constexpr std::uint8_t tag_boolean = 0x01;
inline constexpr std::uint8_t tag_utc_time = 0x17;
inline constexpr std::uint8_t tag_generalized_time = 0x18;

// UTCTime "YYMMDDHHMMSSZ" or GeneralizedTime "YYYYMMDDHHMMSSZ" (RFC 5280
// 4.1.2.5: seconds present, Zulu, no fractions), as unix seconds.
[[nodiscard]] constexpr result<std::int64_t> read_time(der::reader& r) noexcept {
  auto e = r.read_element();
  KAGI_TRY(e);
  const bytes_view v = e->contents;
  std::size_t year_digits = 0;
  if (e->tag == tag_utc_time) {
    year_digits = 2;
  } else if (e->tag == tag_generalized_time) {
    year_digits = 4;
  } else {
    return errc::der_unexpected_tag;
  }
  if (v.size() != year_digits + 11 || v[v.size() - 1] != 'Z') return errc::x509_malformed;
  for (std::size_t i = 0; i + 1 < v.size(); ++i)
    if (!is_digit(v[i])) return errc::x509_malformed;
  auto num = [&](std::size_t at, std::size_t n) {
    unsigned x = 0;
    for (std::size_t i = 0; i < n; ++i) x = x * 10 + static_cast<unsigned>(v[at + i] - '0');
    return x;
  };
  std::int64_t year = num(0, year_digits);
  if (year_digits == 2) year += year >= 50 ? 1900 : 2000;  // RFC 5280 4.1.2.5.1
  const std::size_t at = year_digits;
  const unsigned month = num(at, 2), day = num(at + 2, 2), hour = num(at + 4, 2), minute = num(at + 6, 2),
                 second = num(at + 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
      second > 59)
    return errc::x509_malformed;
  return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

// BOOLEAN DEFAULT FALSE: absent is false; present must be TRUE (FF), since
// DER never encodes a DEFAULT value.
[[nodiscard]] constexpr result<bool> read_default_false(der::reader& r) noexcept {
  if (!r.peek(tag_boolean)) return false;
  auto b = r.read(tag_boolean);
  KAGI_TRY(b);
  if (b->size() != 1 || (*b)[0] != 0xff) return errc::x509_malformed;
  return true;
}

// A hash AlgorithmIdentifier inside RSASSA-PSS-params: OID, NULL or nothing.
enum class pss_hash : std::uint8_t { sha1, sha256, sha384, sha512, other };

[[nodiscard]] constexpr result<pss_hash> read_hash_algorithm(der::reader& r) noexcept {
  auto seq = r.read_sequence();
  KAGI_TRY(seq);
  auto o = seq->read_oid();
  KAGI_TRY(o);
  if (!seq->empty()) KAGI_TRY(seq->read_null());
  KAGI_TRY(seq->expect_end());
  if (der::oid_equal(*o, oid::sha1)) return pss_hash::sha1;
  if (der::oid_equal(*o, oid::sha256)) return pss_hash::sha256;
  if (der::oid_equal(*o, oid::sha384)) return pss_hash::sha384;
  if (der::oid_equal(*o, oid::sha512)) return pss_hash::sha512;
  return pss_hash::other;
}

// RSASSA-PSS-params (RFC 4055 3.1) ::= SEQUENCE {
//   hashAlgorithm [0] HashAlgorithm DEFAULT sha1, maskGenAlgorithm [1] DEFAULT mgf1SHA1,
//   saltLength [2] INTEGER DEFAULT 20, trailerField [3] INTEGER DEFAULT 1 }
// Supported: SHA-256/384/512, MGF1 with the same hash, a salt of the hash's
// length, trailer 1 (what rsa/ verifies); an encoded DEFAULT is malformed.
[[nodiscard]] constexpr result<signature_algorithm> read_pss_params(der::reader& params) noexcept {
  auto seq = params.read_sequence();
  KAGI_TRY(seq);
  pss_hash hash = pss_hash::sha1, mgf_hash = pss_hash::sha1;
  bool mgf_is_mgf1 = true;
  std::uint64_t salt = 20, trailer = 1;
  if (seq->peek(der::context_tag(0))) {
    auto h = seq->read_constructed(der::context_tag(0));
    KAGI_TRY(h);
    auto v = read_hash_algorithm(*h);
    KAGI_TRY(v);
    KAGI_TRY(h->expect_end());
    if (*v == pss_hash::sha1) return errc::x509_malformed;  // the DEFAULT, encoded
    hash = *v;
  }
  if (seq->peek(der::context_tag(1))) {
    auto m = seq->read_constructed(der::context_tag(1));
    KAGI_TRY(m);
    auto alg = m->read_sequence();
    KAGI_TRY(alg);
    KAGI_TRY(m->expect_end());
    auto o = alg->read_oid();
    KAGI_TRY(o);
    if (der::oid_equal(*o, oid::mgf1)) {
      auto v = read_hash_algorithm(*alg);
      KAGI_TRY(v);
      if (*v == pss_hash::sha1) return errc::x509_malformed;
      mgf_hash = *v;
    } else {
      mgf_is_mgf1 = false;
      if (!alg->empty()) KAGI_TRY(alg->read_element());
    }
    KAGI_TRY(alg->expect_end());
  }
  if (seq->peek(der::context_tag(2))) {
    auto s = seq->read_constructed(der::context_tag(2));
    KAGI_TRY(s);
    auto v = s->read_small_integer();
    if (!v) return v.error() == errc::der_integer_too_large ? errc::x509_unsupported_algorithm : v.error();
    KAGI_TRY(s->expect_end());
    if (*v == 20) return errc::x509_malformed;
    salt = *v;
  }
  if (seq->peek(der::context_tag(3))) {
    auto t = seq->read_constructed(der::context_tag(3));
    KAGI_TRY(t);
    auto v = t->read_small_integer();
    if (!v) return v.error() == errc::der_integer_too_large ? errc::x509_unsupported_algorithm : v.error();
    KAGI_TRY(t->expect_end());
    if (*v == 1) return errc::x509_malformed;
    trailer = *v;
  }
  KAGI_TRY(seq->expect_end());
  if (!mgf_is_mgf1 || mgf_hash != hash || trailer != 1) return signature_algorithm::unsupported;
  switch (hash) {
    case pss_hash::sha256: return salt == 32 ? signature_algorithm::rsa_pss_sha256 : signature_algorithm::unsupported;
    case pss_hash::sha384: return salt == 48 ? signature_algorithm::rsa_pss_sha384 : signature_algorithm::unsupported;
    case pss_hash::sha512: return salt == 64 ? signature_algorithm::rsa_pss_sha512 : signature_algorithm::unsupported;
    default: return signature_algorithm::unsupported;
  }
}

// A signature AlgorithmIdentifier: which algorithm, with its parameters checked.
[[nodiscard]] constexpr result<signature_algorithm> read_signature_algorithm(bytes_view contents) noexcept {
  der::reader seq(contents);
  auto o = seq.read_oid();
  KAGI_TRY(o);
  struct row {
    bytes_view oid;
    signature_algorithm alg;
    bool null_params;  // NULL (RSA), or absent (ECDSA, EdDSA)
  };
  const row rows[] = {
      {oid::sha256_with_rsa, signature_algorithm::rsa_pkcs1_sha256, true},
      {oid::sha384_with_rsa, signature_algorithm::rsa_pkcs1_sha384, true},
      {oid::sha512_with_rsa, signature_algorithm::rsa_pkcs1_sha512, true},
      {oid::sha1_with_rsa, signature_algorithm::unsupported, true},
      {oid::sha224_with_rsa, signature_algorithm::unsupported, true},
      {oid::md5_with_rsa, signature_algorithm::unsupported, true},
      {oid::ecdsa_with_sha256, signature_algorithm::ecdsa_sha256, false},
      {oid::ecdsa_with_sha384, signature_algorithm::ecdsa_sha384, false},
      {oid::ecdsa_with_sha512, signature_algorithm::unsupported, false},
      {oid::ecdsa_with_sha224, signature_algorithm::unsupported, false},
      {oid::ecdsa_with_sha1, signature_algorithm::unsupported, false},
      {oid::ed25519, signature_algorithm::unsupported, false},
      {oid::ed448, signature_algorithm::unsupported, false},
  };
  for (const row& r : rows) {
    if (!der::oid_equal(*o, r.oid)) continue;
    if (r.null_params) KAGI_TRY(seq.read_null());  // RFC 4055 5 / RFC 8017 A.2.4: NULL
    KAGI_TRY(seq.expect_end());                      // RFC 5758 3.2, RFC 8410 3: absent
    return r.alg;
  }
  if (der::oid_equal(*o, oid::rsassa_pss)) {
    auto alg = read_pss_params(seq);  // RFC 4055 3.1: the parameters are required
    KAGI_TRY(alg);
    KAGI_TRY(seq.expect_end());
    return *alg;
  }
  if (!seq.empty()) KAGI_TRY(seq.read_element());  // another algorithm: one element of parameters at most
  KAGI_TRY(seq.expect_end());
  return signature_algorithm::unsupported;
}

// keyUsage: a BIT STRING with at least one bit set (RFC 5280 4.2.1.3).
// DER wants a named bit list without trailing zero bits (X.690 11.2.2), but
// that one rule is not enforced: two roots of Debian's bundle (Trustwave's
// ECC ones) carry a whole zero byte after their bits, as OpenSSL and Go take.
[[nodiscard]] constexpr result<std::uint16_t> read_key_usage(bytes_view value) noexcept {
  der::reader top(value);
  auto bits = top.read_bit_string_bits();
  KAGI_TRY(bits);
  KAGI_TRY(top.expect_end());
  const bytes_view b = bits->bytes;
  bool any = false;
  for (std::uint8_t byte : b) any = any || byte != 0;
  if (!any) return errc::x509_malformed;
  std::uint16_t v = 0;
  for (std::size_t i = 0; i < b.size() && i < 2; ++i)
    for (unsigned bit = 0; bit < 8; ++bit)
      if (b[i] & (0x80u >> bit)) v = static_cast<std::uint16_t>(v | (1u << (8 * i + bit)));
  return v;
}

// One extension's extnValue, by its OID, into the certificate. Returns false
// (as a value) when the OID is not one kagi processes.
[[nodiscard]] constexpr result<bool> read_known_extension(certificate& c, bytes_view id, bytes_view value) noexcept {
  if (der::oid_equal(id, oid::basic_constraints)) {
    // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }
    der::reader top(value);
    auto seq = top.read_sequence();
    KAGI_TRY(seq);
    KAGI_TRY(top.expect_end());
    auto ca = read_default_false(*seq);
    KAGI_TRY(ca);
    c.has_basic_constraints = true;
    c.ca = *ca;
    if (!seq->empty()) {
      auto n = seq->read_integer();
      KAGI_TRY(n);
      std::uint64_t v = 0;
      for (std::uint8_t byte : *n) v = (v >> 56) != 0 ? ~std::uint64_t{0} : (v << 8) | byte;
      c.path_len = v;
      if (!c.ca) return errc::x509_malformed;  // RFC 5280 4.2.1.9: only with cA
    }
    KAGI_TRY(seq->expect_end());
    return true;
  }
  if (der::oid_equal(id, oid::key_usage)) {
    auto ku = read_key_usage(value);
    KAGI_TRY(ku);
    c.key_usage = *ku;
    return true;
  }
  if (der::oid_equal(id, oid::ext_key_usage)) {
    // ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
    der::reader top(value);
    auto seq = top.read_sequence();
    KAGI_TRY(seq);
    KAGI_TRY(top.expect_end());
    if (seq->empty()) return errc::x509_malformed;
    c.has_ext_key_usage = true;
    while (!seq->empty()) {
      auto p = seq->read_oid();
      KAGI_TRY(p);
      c.eku_server_auth = c.eku_server_auth || der::oid_equal(*p, oid::kp_server_auth);
      c.eku_any = c.eku_any || der::oid_equal(*p, oid::any_extended_key_usage);
    }
    return true;
  }
  if (der::oid_equal(id, oid::subject_alt_name)) {
    KAGI_TRY(check_general_names(value));
    c.subject_alt_name = value;
    return true;
  }
  if (der::oid_equal(id, oid::subject_key_identifier)) {
    der::reader top(value);
    auto k = top.read_octet_string();
    KAGI_TRY(k);
    KAGI_TRY(top.expect_end());
    if (k->empty()) return errc::x509_malformed;
    c.subject_key_id = *k;
    return true;
  }
  if (der::oid_equal(id, oid::authority_key_identifier)) {
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL,
    //   authorityCertIssuer [1] GeneralNames OPTIONAL, authorityCertSerialNumber [2] INTEGER OPTIONAL }
    der::reader top(value);
    auto seq = top.read_sequence();
    KAGI_TRY(seq);
    KAGI_TRY(top.expect_end());
    if (seq->peek(der::context_tag(0, false))) {
      auto k = seq->read(der::context_tag(0, false));
      KAGI_TRY(k);
      if (k->empty()) return errc::x509_malformed;
      c.authority_key_id = *k;
    }
    const bool has_issuer = seq->peek(der::context_tag(1));
    if (has_issuer) {
      auto names = seq->read_constructed(der::context_tag(1));
      KAGI_TRY(names);
      if (names->empty()) return errc::x509_malformed;
      while (!names->empty()) KAGI_TRY(read_general_name(*names, general_name_context::alt_name));
    }
    const bool has_serial = seq->peek(der::context_tag(2, false));
    if (has_serial) KAGI_TRY(seq->read(der::context_tag(2, false)));
    if (has_issuer != has_serial) return errc::x509_malformed;  // RFC 5280 4.2.1.1: both or neither
    KAGI_TRY(seq->expect_end());
    return true;
  }
  if (der::oid_equal(id, oid::name_constraints)) {
    auto nc = read_name_constraints(value);
    KAGI_TRY(nc);
    c.name_constraints = *nc;
    return true;
  }
  return false;
}

// Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension;
// Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
[[nodiscard]] constexpr status read_extensions(certificate& c, bytes_view list) noexcept {
  der::reader exts(list);
  if (exts.empty()) return errc::x509_malformed;
  std::size_t count = 0;
  while (!exts.empty()) {
    if (++count > max_extensions) return errc::x509_malformed;
    const bytes_view before = exts.rest();
    auto ext = exts.read_sequence();
    KAGI_TRY(ext);
    auto id = ext->read_oid();
    KAGI_TRY(id);
    auto critical = read_default_false(*ext);
    KAGI_TRY(critical);
    auto value = ext->read_octet_string();
    KAGI_TRY(value);
    KAGI_TRY(ext->expect_end());
    // The same OID earlier in the list (at most 64 x 64 comparisons).
    der::reader earlier(list.first(list.size() - before.size()));
    while (!earlier.empty()) {
      auto prev = earlier.read_sequence();  // each read once already: these do not fail
      if (!prev) break;
      auto prev_id = prev->read_oid();
      if (prev_id && der::oid_equal(*prev_id, *id)) return errc::x509_duplicate_extension;
    }
    auto known = read_known_extension(c, *id, *value);
    KAGI_TRY(known);
    if (!*known && *critical && c.unknown_critical.empty()) c.unknown_critical = *id;
  }
  return {};
}

}  // namespace detail

constexpr result<certificate> certificate::parse(bytes_view der_in) noexcept {
  certificate c;
  c.der = der_in;
  der::reader top(der_in);
  auto cert = top.read_sequence();
  KAGI_TRY(cert);
  KAGI_TRY(top.expect_end());

  auto tbs_element = cert->read_element();
  KAGI_TRY(tbs_element);
  if (tbs_element->tag != der::tag_sequence) return errc::der_unexpected_tag;
  c.tbs = tbs_element->encoding;
  der::reader tbs(tbs_element->contents);

  // version [0] EXPLICIT Version DEFAULT v1: v3 (2) only; v1 by absence.
  c.version = 1;
  if (tbs.peek(der::context_tag(0))) {
    auto v = tbs.read_constructed(der::context_tag(0));
    KAGI_TRY(v);
    auto n = v->read_small_integer();
    KAGI_TRY(n);
    KAGI_TRY(v->expect_end());
    if (*n != 2) return errc::x509_malformed;  // v2 is not taken; v1 is never encoded in DER
    c.version = 3;
  }
  auto serial = tbs.read_integer_raw();
  KAGI_TRY(serial);
  // RFC 5280 4.1.2.2: at most 20 octets (and the 00 that keeps a positive one positive).
  if (serial->size() > 21 || (serial->size() == 21 && (*serial)[0] != 0)) return errc::x509_malformed;
  c.serial = *serial;

  auto inner_alg = tbs.read_element();
  KAGI_TRY(inner_alg);
  if (inner_alg->tag != der::tag_sequence) return errc::der_unexpected_tag;
  auto alg = detail::read_signature_algorithm(inner_alg->contents);
  KAGI_TRY(alg);
  c.signature_algorithm = *alg;
  c.signature_algorithm_der = inner_alg->encoding;

  auto issuer = tbs.read_element();
  KAGI_TRY(issuer);
  auto issuer_name = name_view::parse(issuer->encoding);
  KAGI_TRY(issuer_name);
  if (issuer_name->empty()) return errc::x509_malformed;  // RFC 5280 4.1.2.4: non-empty
  c.issuer = *issuer_name;

  auto validity = tbs.read_sequence();
  KAGI_TRY(validity);
  auto nb = detail::read_time(*validity);
  KAGI_TRY(nb);
  auto na = detail::read_time(*validity);
  KAGI_TRY(na);
  KAGI_TRY(validity->expect_end());
  c.not_before = *nb;
  c.not_after = *na;

  auto subject = tbs.read_element();
  KAGI_TRY(subject);
  auto subject_name = name_view::parse(subject->encoding);
  KAGI_TRY(subject_name);
  c.subject = *subject_name;

  auto spki = tbs.read_element();
  KAGI_TRY(spki);
  if (spki->tag != der::tag_sequence) return errc::der_unexpected_tag;
  auto info = keys::read_spki(spki->encoding);
  KAGI_TRY(info);
  if (info->algorithm.algorithm == keys::key_algorithm::rsa) KAGI_TRY(keys::read_rsa_public_key(info->key));
  c.spki = spki->encoding;
  c.public_key = *info;

  if (c.version == 3) {
    // issuerUniqueID [1] IMPLICIT BIT STRING, subjectUniqueID [2]: checked
    // as BIT STRINGs, then skipped.
    for (unsigned n = 1; n <= 2; ++n) {
      if (!tbs.peek(der::context_tag(n, false))) continue;
      auto id = tbs.read(der::context_tag(n, false));
      KAGI_TRY(id);
      KAGI_TRY(der::reader::bit_string_contents(*id));
    }
    if (tbs.peek(der::context_tag(3))) {
      auto exts = tbs.read_constructed(der::context_tag(3));
      KAGI_TRY(exts);
      auto list = exts->read_sequence();
      KAGI_TRY(list);
      KAGI_TRY(exts->expect_end());
      KAGI_TRY(detail::read_extensions(c, list->rest()));
    }
  }
  KAGI_TRY(tbs.expect_end());

  auto outer_alg = cert->read_element();
  KAGI_TRY(outer_alg);
  if (!detail::bytes_equal(outer_alg->encoding, c.signature_algorithm_der)) return errc::x509_malformed;
  auto sig = cert->read_bit_string();
  KAGI_TRY(sig);
  c.signature = *sig;
  KAGI_TRY(cert->expect_end());
  return c;
}

}  // namespace kagi::x509

#endif  // KAGI_X509_CERTIFICATE_HPP
