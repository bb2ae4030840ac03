// encoding/der.hpp: the strict DER reader on hand-made encodings, a real
// certificate (tls12_capture/openssl_capture_cert.pem), and on every
// truncation and single-bit flip of it (errors, never a crash: the ASan job
// runs this too). encoding/der_writer.hpp: what it writes, the reader reads
// back, at every length-of-length boundary.
#include <doctest/doctest.h>

#include <kagi/encoding/der.hpp>
#include <kagi/encoding/der_writer.hpp>
#include <kagi/encoding/pem.hpp>
#include <string>
#include <vector>

#include "support/kat.hpp"
#include "support/vectors.hpp"

#if KAGI_HAVE_OPENSSL
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#endif

using namespace kagi::literals;
using kagi::bytes_view;
using kagi::errc;
using kagi::der::reader;
using kagi_test::bytes;

namespace {

constexpr auto rsa_encryption_oid = "2a864886f70d010101"_hex;  // 1.2.840.113549.1.1.1

// Reads every element of a DER tree, descending into constructed ones and
// reading primitive ones by their type. Returns the first error, or ok.
kagi::status walk(reader r, int depth = 0) {
  if (depth > 64) return errc::invalid_argument;
  while (!r.empty()) {
    reader one(r.rest());
    auto e = r.read_element();
    if (!e) return e.error();
    if (e->tag & 0x20u) {
      if (auto s = walk(reader(e->contents), depth + 1); !s) return s;
      continue;
    }
    kagi::status s;
    switch (e->tag) {
      case kagi::der::tag_integer: s = one.read_integer_raw().error(); break;
      case kagi::der::tag_bit_string: s = one.read_bit_string_bits().error(); break;
      case kagi::der::tag_oid: s = one.read_oid().error(); break;
      case kagi::der::tag_null: s = one.read_null().error(); break;
      default: break;
    }
    if (s.error() != errc::ok) return s;
  }
  return {};
}

struct spki_parts {
  bytes modulus;
  std::uint64_t exponent = 0;
};

// Certificate -> TBSCertificate -> SubjectPublicKeyInfo -> RSAPublicKey, by hand.
kagi::result<spki_parts> certificate_rsa_key(bytes_view der) {
  reader top(der);
  auto cert = top.read_sequence();
  if (!cert) return cert.error();
  auto tbs = cert->read_sequence();
  if (!tbs) return tbs.error();
  if (tbs->peek(kagi::der::context_tag(0))) {
    auto version = tbs->read_constructed(kagi::der::context_tag(0));
    if (!version) return version.error();
    auto v = version->read_small_integer();
    if (!v) return v.error();
    if (auto s = version->expect_end(); !s) return s.error();
  }
  for (int i = 0; i < 5; ++i) {  // serialNumber, signature, issuer, validity, subject
    auto e = tbs->read_element();
    if (!e) return e.error();
  }
  auto spki = tbs->read_sequence();
  if (!spki) return spki.error();
  auto alg = spki->read_sequence();
  if (!alg) return alg.error();
  auto oid = alg->read_oid();
  if (!oid) return oid.error();
  if (!kagi::der::oid_equal(*oid, rsa_encryption_oid)) return errc::der_unexpected_tag;
  if (auto s = alg->read_null(); !s) return s.error();
  if (auto s = alg->expect_end(); !s) return s.error();
  auto key_bits = spki->read_bit_string();
  if (!key_bits) return key_bits.error();
  if (auto s = spki->expect_end(); !s) return s.error();
  reader kr(*key_bits);
  auto rsa = kr.read_sequence();
  if (!rsa) return rsa.error();
  auto n = rsa->read_integer();
  if (!n) return n.error();
  auto e = rsa->read_small_integer();
  if (!e) return e.error();
  if (auto s = rsa->expect_end(); !s) return s.error();
  if (auto s = kr.expect_end(); !s) return s.error();
  return spki_parts{bytes(n->begin(), n->end()), *e};
}

bytes certificate_der() {
  const std::string pem = kagi_test::read_vector_file("tls12_capture/openssl_capture_cert.pem");
  bytes der(4096);
  auto n = kagi::pem::decode(pem, "CERTIFICATE", der);
  REQUIRE_MESSAGE(n, n.message());
  der.resize(*n);
  return der;
}

errc error_of(bytes_view der) {
  reader r(der);
  return r.read_element().error();
}

}  // namespace

TEST_CASE("DER reader at compile time") {
  static constexpr auto two_ints = "3007020101020200ff"_hex;
  constexpr auto first_and_second = [] {
    reader r(two_ints);
    auto seq = r.read_sequence();
    auto a = seq->read_small_integer();
    auto b = seq->read_small_integer();
    return *a * 1000 + *b + (seq->expect_end() ? 0 : 1) + (r.expect_end() ? 0 : 1);
  };
  KAGI_CHECK_CONSTEXPR(first_and_second() == 1255);
  constexpr auto negative = "020180"_hex;
  KAGI_CHECK_CONSTEXPR(reader(negative).read_integer().error() == errc::der_negative_integer);
}

TEST_CASE("DER lengths: short and long form, strict") {
  // Short form and the smallest long forms.
  CHECK(error_of("0400"_hex) == errc::ok);
  CHECK(error_of("04027f7f"_hex) == errc::ok);
  bytes long_form = {0x04, 0x81, 0x80};
  long_form.resize(3 + 0x80);
  CHECK(error_of(long_form) == errc::ok);
  bytes two_bytes = {0x04, 0x82, 0x01, 0x00};
  two_bytes.resize(4 + 256);
  CHECK(error_of(two_bytes) == errc::ok);
  // Long form for a length that fits the short form, leading zero length
  // bytes, indefinite length, more than 4 length bytes.
  CHECK(error_of("04810100"_hex) == errc::der_bad_length);
  CHECK(error_of("0481 7f"_hex) == errc::der_bad_length);
  CHECK(error_of("0482008000"_hex) == errc::der_bad_length);
  CHECK(error_of("24800000"_hex) == errc::der_bad_length);
  CHECK(error_of("0485000000000100"_hex) == errc::der_bad_length);
  // Truncated: no length, length bytes missing, contents short.
  CHECK(error_of(""_hex) == errc::der_truncated);
  CHECK(error_of("04"_hex) == errc::der_truncated);
  CHECK(error_of("0482"_hex) == errc::der_truncated);
  CHECK(error_of("048201"_hex) == errc::der_truncated);
  CHECK(error_of("0403aabb"_hex) == errc::der_truncated);
  CHECK(error_of("0484ffffffff00"_hex) == errc::der_truncated);
  // High-tag-number form is not read.
  CHECK(error_of("1f2200"_hex) == errc::der_unexpected_tag);
  // Universal tag 0 (end-of-contents, primitive or constructed) is no element.
  CHECK(error_of("0000"_hex) == errc::der_unexpected_tag);
  CHECK(error_of("2000"_hex) == errc::der_unexpected_tag);
  CHECK(error_of("0001aa"_hex) == errc::der_unexpected_tag);
  CHECK(error_of("8000"_hex) == errc::ok);  // context-specific [0] is an element
}

TEST_CASE("DER element bookkeeping") {
  constexpr auto two = "0401aa0500"_hex;
  reader r(two);
  auto e = r.read_element();
  REQUIRE(e);
  CHECK(e->tag == 0x04);
  CHECK(bytes(e->contents.begin(), e->contents.end()) == bytes{0xaa});
  CHECK(e->encoding.size() == 3);
  CHECK(r.remaining() == 2);
  CHECK(r.peek(kagi::der::tag_null));
  CHECK_FALSE(r.peek(kagi::der::tag_integer));
  CHECK(r.expect_end().error() == errc::der_trailing_data);
  // A wrong tag consumes nothing.
  CHECK(r.read_octet_string().error() == errc::der_unexpected_tag);
  CHECK(r.read_null());
  CHECK(r.expect_end());
  CHECK_FALSE(r.peek(kagi::der::tag_null));
  CHECK(r.read_null().error() == errc::der_truncated);
  CHECK(kagi::der::context_tag(0) == 0xa0);
  CHECK(kagi::der::context_tag(3) == 0xa3);
  CHECK(kagi::der::context_tag(1, false) == 0x81);
}

TEST_CASE("DER INTEGER: minimal, sign, size") {
  auto raw = [](bytes_view der) { return reader(der).read_integer_raw(); };
  auto mag = [](bytes_view der) { return reader(der).read_integer(); };
  CHECK(raw("020100"_hex));
  CHECK(mag("020100"_hex)->empty());  // zero has an empty magnitude
  CHECK(mag("02017f"_hex)->size() == 1);
  CHECK(mag("02020080"_hex)->size() == 1);  // the sign byte is dropped
  CHECK((*mag("02020080"_hex))[0] == 0x80);
  CHECK(raw("0200"_hex).error() == errc::der_bad_integer);
  CHECK(raw("02020001"_hex).error() == errc::der_bad_integer);
  CHECK(raw("020200 7f"_hex).error() == errc::der_bad_integer);
  CHECK(raw("0202ff80"_hex).error() == errc::der_bad_integer);
  CHECK(raw("0202ff7f"_hex));  // -129
  CHECK(raw("020180"_hex));    // -128
  CHECK(mag("020180"_hex).error() == errc::der_negative_integer);
  CHECK(mag("0202ff7f"_hex).error() == errc::der_negative_integer);
  CHECK(raw("0401 00"_hex).error() == errc::der_unexpected_tag);

  CHECK(*reader("020900ffffffffffffffff"_hex).read_small_integer() == 0xffffffffffffffffull);
  CHECK(*reader("0203010001"_hex).read_small_integer() == 65537);
  CHECK(reader("0209010000000000000000"_hex).read_small_integer().error() == errc::der_integer_too_large);
  CHECK(reader("0201ff"_hex).read_small_integer().error() == errc::der_negative_integer);
}

TEST_CASE("DER BIT STRING, OCTET STRING, NULL, OID") {
  auto bits = [](bytes_view der) { return reader(der).read_bit_string_bits(); };
  CHECK(bits("030100"_hex));
  CHECK(bits("030100"_hex)->bytes.empty());
  CHECK(bits("030206c0"_hex)->unused_bits == 6);
  CHECK(bits("030206c1"_hex).error() == errc::der_bad_bit_string);  // padding bit set
  CHECK(bits("030208ff"_hex).error() == errc::der_bad_bit_string);  // 8 unused bits
  CHECK(bits("030101"_hex).error() == errc::der_bad_bit_string);    // unused bits, no bytes
  CHECK(bits("0300"_hex).error() == errc::der_bad_bit_string);      // no unused-bits byte
  CHECK(reader("030206c0"_hex).read_bit_string().error() == errc::der_bad_bit_string);
  CHECK(reader("030300abcd"_hex).read_bit_string()->size() == 2);

  CHECK(reader("0403010203"_hex).read_octet_string()->size() == 3);
  CHECK(reader("0500"_hex).read_null());
  CHECK(reader("050100"_hex).read_null().error() == errc::der_bad_null);

  auto oid = [](bytes_view der) { return reader(der).read_oid(); };
  CHECK(oid("06092a864886f70d010101"_hex));
  CHECK(kagi::der::oid_equal(*oid("06092a864886f70d010101"_hex), rsa_encryption_oid));
  CHECK_FALSE(kagi::der::oid_equal(*oid("06082a8648ce3d030107"_hex), rsa_encryption_oid));
  CHECK(oid("0600"_hex).error() == errc::der_bad_oid);
  CHECK(oid("06022a86"_hex).error() == errc::der_bad_oid);      // ends inside a sub-identifier
  CHECK(oid("06032a8001"_hex).error() == errc::der_bad_oid);    // 0x80 leading byte
  CHECK(oid("0603800101"_hex).error() == errc::der_bad_oid);
}

TEST_CASE("DER writer: the reader reads back what it writes, and sizes are counted past the buffer") {
  for (std::size_t len : {0u, 1u, 127u, 128u, 255u, 256u, 65535u, 65536u, 70000u}) {
    INFO("contents of " << len << " bytes");
    bytes contents(len);
    for (std::size_t i = 0; i < len; ++i) contents[i] = static_cast<std::uint8_t>(i * 7 + 1);
    bytes out(kagi::der::writer::element_size(len));
    kagi::der::writer w(out);
    w.element(kagi::der::tag_octet_string, contents);
    CHECK(w.fits());
    CHECK(w.size() == out.size());
    CHECK(kagi::der::writer::header_size(len) == out.size() - len);
    reader r(out);
    auto c = r.read_octet_string();
    REQUIRE_MESSAGE(c, c.message());
    CHECK(bytes(c->begin(), c->end()) == contents);
    CHECK(r.expect_end());
    // One byte short: nothing past the end is written, the size is still counted.
    bytes small(out.size() - 1, 0xaa);
    kagi::der::writer ws(small);
    ws.element(kagi::der::tag_octet_string, contents);
    CHECK_FALSE(ws.fits());
    CHECK(ws.size() == out.size());
  }
  // INTEGERs: a sign byte exactly when the top bit is set; zero is 02 01 00.
  for (const bytes& mag : {bytes{}, bytes{0x01}, bytes{0x7f}, bytes{0x80}, bytes{0xff, 0x00}, bytes(300, 0xc3)}) {
    bytes out(kagi::der::writer::integer_size(mag));
    kagi::der::writer w(out);
    w.integer(mag);
    CHECK(w.size() == out.size());
    reader r(out);
    auto v = r.read_integer();
    REQUIRE_MESSAGE(v, v.message());
    CHECK(bytes(v->begin(), v->end()) == mag);
  }
}

TEST_CASE("DER reads a real certificate's RSA key") {
  const bytes der = certificate_der();
  CHECK(walk(reader(der)));
  auto key = certificate_rsa_key(der);
  REQUIRE_MESSAGE(key, key.message());
  CHECK(key->exponent == 65537);
  CHECK(key->modulus.size() == 256);
  CHECK((key->modulus[0] & 0x80) != 0);
#if KAGI_HAVE_OPENSSL
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  REQUIRE(x != nullptr);
  EVP_PKEY* pk = X509_get0_pubkey(x);
  BIGNUM* n = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) == 1);
  bytes ossl_n(static_cast<std::size_t>(BN_num_bytes(n)));
  BN_bn2bin(n, ossl_n.data());
  CHECK(key->modulus == ossl_n);
  BN_free(n);
  X509_free(x);
#endif
}

TEST_CASE("DER: every truncation and every bit flip of a certificate is handled") {
  const bytes der = certificate_der();
  // Truncations: every proper prefix fails (the outer SEQUENCE is cut).
  for (std::size_t n = 0; n < der.size(); ++n) {
    INFO("prefix length " << n);
    CHECK_FALSE(certificate_rsa_key(bytes_view(der).first(n)));
    reader r(bytes_view(der).first(n));
    CHECK_FALSE(r.read_sequence());
  }
  // Over-long: bytes after the certificate are trailing data.
  bytes longer = der;
  longer.push_back(0);
  reader r(longer);
  CHECK(r.read_sequence());
  CHECK(r.expect_end().error() == errc::der_trailing_data);
  CHECK(certificate_rsa_key(longer));  // (the helper above reads one element only)
  // Bit flips: the reader either reads a (different) valid structure or
  // answers with an error; ASan/UBSan see that it never reads out of bounds.
  std::size_t errors = 0, parsed = 0;
  for (std::size_t i = 0; i < der.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      bytes flipped = der;
      flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
      const auto w = walk(reader(flipped));
      const auto k = certificate_rsa_key(flipped);
      if (w && k) ++parsed;
      else ++errors;
      if (!k) CHECK(k.error() != errc::ok);
    }
  }
  MESSAGE("bit flips: " << errors << " refused, " << parsed << " still well-formed");
  CHECK(errors > 0);
}
