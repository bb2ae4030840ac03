// Parser targets for encoding/ (and the key loaders of rsa/ and ec/ on top):
//   der   the strict DER reader on anything: every element it reads lies inside
//         the input, and writing the tree back with der::writer gives the input's
//         bytes exactly (DER has one encoding per value); the typed reads keep
//         their promises (minimal INTEGERs, zero unused bits, well-formed OIDs)
//   pem   base64 decode of anything (strict: whatever decodes re-encodes to the
//         same characters), encode/decode round trips, and PEM armour: a block
//         found lies inside the text, and an encoded block is found again
//   keys  every key reader of encoding/keys.hpp (SubjectPublicKeyInfo, PKCS#1,
//         PKCS#8, a certificate's SPKI, PEM) and rsa_public_key /
//         rsa_private_key / p256 point_from_spki on anything: views inside the
//         input; a key loaded is written out and loaded again to the same key,
//         and OpenSSL loads an RSA public key kagi loaded to the same modulus
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <kagi/ec/p256.hpp>
#include <kagi/encoding/der.hpp>
#include <kagi/encoding/der_writer.hpp>
#include <kagi/encoding/keys.hpp>
#include <kagi/encoding/pem.hpp>
#include <kagi/rsa/rsa.hpp>

#include "fuzz.hpp"

namespace {

using kagi_fuzz::inside;

using kagi_fuzz::bytes;
using kagi_fuzz::hex;

// Reads every element of r (recursing into constructed ones, as deep as 40
// levels) and writes them again into w. Returns false when the contents of a
// constructed element do not parse as elements (then written as they are).
void rewrite(kagi::der::reader r, kagi::der::writer& w, kagi::bytes_view whole, int depth) {
  while (!r.empty()) {
    auto e = r.read_element();
    if (!e) {
      KAGI_FUZZ_CHECK(e.error() == kagi::errc::der_truncated || e.error() == kagi::errc::der_bad_length ||
                          e.error() == kagi::errc::der_unexpected_tag,
                      "read_element: unexpected error " + std::string(kagi::message(e.error())));
      w.put(r.rest());  // the unreadable tail, as it is
      return;
    }
    KAGI_FUZZ_CHECK(inside(e->encoding, whole) && inside(e->contents, e->encoding), "element outside the input");
    KAGI_FUZZ_CHECK(e->contents.data() + e->contents.size() == e->encoding.data() + e->encoding.size(),
                    "contents do not end the encoding");
    KAGI_FUZZ_CHECK(e->encoding.size() == kagi::der::writer::element_size(e->contents.size()),
                    "length octets not minimal: " + hex(e->encoding.first(std::min<std::size_t>(6, e->encoding.size()))));
    w.header(e->tag, e->contents.size());
    if ((e->tag & 0x20u) != 0 && depth < 40) {
      rewrite(kagi::der::reader(e->contents), w, whole, depth + 1);
    } else {
      w.put(e->contents);
    }
  }
}

void typed_reads(kagi::bytes_view in) {
  using kagi::der::reader;
  {
    reader r(in);
    if (auto v = r.read_integer_raw()) {
      KAGI_FUZZ_CHECK(!v->empty() && inside(*v, in), "integer raw");
      if (v->size() > 1) KAGI_FUZZ_CHECK(!((*v)[0] == 0 && (*v)[1] < 0x80) && !((*v)[0] == 0xff && (*v)[1] >= 0x80), "integer not minimal");
    }
  }
  {
    reader r(in);
    if (auto v = r.read_integer()) KAGI_FUZZ_CHECK(v->empty() || (*v)[0] != 0, "magnitude with a leading zero");
  }
  {
    reader r(in), r2(in);
    auto small = r.read_small_integer();
    auto mag = r2.read_integer();
    if (small) {
      KAGI_FUZZ_CHECK(mag && mag->size() <= 8, "small integer");
      std::uint64_t x = 0;
      for (auto b : *mag) x = x << 8 | b;
      KAGI_FUZZ_CHECK(x == *small, "small integer value");
    }
  }
  {
    reader r(in);
    if (auto b = r.read_bit_string_bits()) {
      KAGI_FUZZ_CHECK(b->unused_bits < 8 && inside(b->bytes, in), "bit string");
      if (b->unused_bits) KAGI_FUZZ_CHECK(!b->bytes.empty() && (b->bytes.back() & ((1u << b->unused_bits) - 1)) == 0, "unused bits set");
    }
  }
  {
    reader r(in);
    if (auto o = r.read_oid()) KAGI_FUZZ_CHECK(!o->empty() && (o->back() & 0x80) == 0 && (*o)[0] != 0x80, "oid");
  }
  {
    reader r(in);
    const std::size_t before = r.remaining();
    if (!r.read_null()) KAGI_FUZZ_CHECK(r.remaining() == before, "a failed read consumed input");
  }
}

}  // namespace

KAGI_FUZZ_TARGET(der, "the strict DER reader: bounds, exact re-encoding, typed reads") {
  const kagi::bytes_view in(data, size);
  bytes out(size + 16);
  kagi::der::writer w(out);
  rewrite(kagi::der::reader(in), w, in, 0);
  KAGI_FUZZ_CHECK(w.fits() && w.size() == size && std::equal(in.begin(), in.end(), out.begin()),
                  "re-encoding differs: " + hex(std::span(out).first(std::min(w.size(), out.size()))));
  typed_reads(in);
}

KAGI_FUZZ_TARGET(pem, "base64 and PEM: strict decoding, round trips, armour bounds") {
  FuzzedDataProvider in(data, size);
  const bool skip_space = in.ConsumeBool();
  const std::string text = in.ConsumeRemainingBytesAsString();
  const std::string_view t(text);
  // Decoding: whatever decodes re-encodes to the same characters (spaces aside).
  bytes out(t.size());
  if (auto n = kagi::base64::decode(t, out, skip_space)) {
    std::string compact;
    for (char c : t)
      if (!(skip_space && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))) compact += c;
    const std::string again = kagi::base64::encode(std::span(out).first(*n));
    KAGI_FUZZ_CHECK(again == compact, "'" + compact + "' decodes and encodes to '" + again + "'");
    bytes small(*n == 0 ? 0 : *n - 1);
    KAGI_FUZZ_CHECK(kagi::base64::decode(t, small, skip_space).error() == kagi::errc::buffer_too_small || *n == 0,
                    "a too small buffer was not refused");
  }
  // Any bytes: encode, then decode.
  const kagi::bytes_view raw(data, size);
  const std::string enc = kagi::base64::encode(raw);
  KAGI_FUZZ_CHECK(enc.size() == kagi::base64::encoded_size(raw.size()), "encoded size");
  bytes back(raw.size());
  const auto n = kagi::base64::decode(enc, back);
  KAGI_FUZZ_CHECK(n && *n == raw.size() && std::equal(raw.begin(), raw.end(), back.begin()), "round trip");
  // PEM: a block found lies inside the text; its body decodes as pem::decode says.
  if (auto b = kagi::pem::find(t)) {
    auto within = [&](std::string_view s) { return s.empty() || (s.data() >= t.data() && s.data() + s.size() <= t.data() + t.size()); };
    KAGI_FUZZ_CHECK(within(b->label) && within(b->body) && within(b->rest), "block outside the text");
    bytes d(t.size());
    const auto via_find = kagi::base64::decode(b->body, d, true);
    bytes d2(t.size());
    const auto via_decode = kagi::pem::decode(t, b->label, d2);
    KAGI_FUZZ_CHECK(via_find.has_value() == via_decode.has_value(), "pem::decode and find disagree");
    if (via_find) {
      KAGI_FUZZ_CHECK(*via_find == *via_decode && std::equal(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(*via_find), d2.begin()), "contents");
      // Armour it again: found again, same label and contents.
      const std::string label(b->label);
      const std::string pem = kagi::pem::encode(label, std::span(d).first(*via_find));
      bytes d3(pem.size());
      const auto again = kagi::pem::decode(pem, label, d3);
      KAGI_FUZZ_CHECK(again && *again == *via_find && std::equal(d3.begin(), d3.begin() + static_cast<std::ptrdiff_t>(*again), d.begin()),
                      "re-armoured block not found again: " + pem);
    }
  }
}

namespace {

// OpenSSL's modulus of an RSA public key in DER (SPKI or PKCS#1), or empty.
bytes openssl_modulus(kagi::bytes_view der) {
  const unsigned char* p = der.data();
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (k == nullptr) {
    p = der.data();
    k = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
  }
  bytes out;
  if (k == nullptr) return out;
  BIGNUM* n = nullptr;
  if (EVP_PKEY_get_bn_param(k, "n", &n) == 1) {
    out.resize(static_cast<std::size_t>(BN_num_bytes(n)));
    BN_bn2bin(n, out.data());
  }
  BN_free(n);
  EVP_PKEY_free(k);
  return out;
}

bytes modulus_of(const kagi::rsa_public_key& k) {
  bytes n(k.size());
  k.modulus(n);
  return n;
}

void check_parts(const kagi::result<kagi::keys::rsa_public_parts>& p, kagi::bytes_view in) {
  if (p) KAGI_FUZZ_CHECK(inside(p->n, in) && inside(p->e, in), "rsa public parts outside the input");
}

}  // namespace

KAGI_FUZZ_TARGET(keys, "key loaders: SPKI, PKCS#1, PKCS#8, certificate SPKI, PEM; round trips; OpenSSL agrees") {
  namespace keys = kagi::keys;
  FuzzedDataProvider in(data, size);
  const bool as_pem = in.ConsumeBool();
  const std::size_t min_bits = in.ConsumeBool() ? 2048 : 512;
  const bytes der = in.ConsumeRemainingBytes<std::uint8_t>();
  const kagi::bytes_view d(der);
  if (as_pem) {
    const std::string_view text(reinterpret_cast<const char*>(der.data()), der.size());
    bytes buf(der.size());
    (void)keys::read_rsa_public_pem(text, buf);
    (void)keys::read_rsa_private_pem(text, buf);
    if (auto k = kagi::rsa_public_key::from_pem(text, min_bits)) {
      bytes out(4096);
      const auto n = k->to_der(out);
      KAGI_FUZZ_CHECK(n.has_value(), "to_der");
      const auto k2 = kagi::rsa_public_key::from_der(std::span(out).first(*n), min_bits);
      KAGI_FUZZ_CHECK(k2 && modulus_of(*k2) == modulus_of(*k), "PEM public key round trip");
    }
    if (auto k = kagi::rsa_private_key::from_pem(text, min_bits)) {
      const std::string pem = k->to_pem();
      const auto k2 = kagi::rsa_private_key::from_pem(pem, min_bits);
      KAGI_FUZZ_CHECK(k2 && modulus_of(k2->public_key()) == modulus_of(k->public_key()), "PEM private key round trip");
    }
    return;
  }
  if (auto s = keys::read_spki(d)) {
    KAGI_FUZZ_CHECK(inside(s->key, d) && inside(s->algorithm.parameters, d), "spki parts outside the input");
  }
  if (auto c = keys::read_certificate_spki(d)) KAGI_FUZZ_CHECK(inside(*c, d), "certificate spki outside the input");
  check_parts(keys::read_rsa_public_key(d), d);
  check_parts(keys::read_rsa_spki(d), d);
  check_parts(keys::read_rsa_certificate_key(d), d);
  check_parts(keys::read_any_rsa_public_key(d), d);
  if (auto p = keys::read_p256_spki(d)) KAGI_FUZZ_CHECK(inside(*p, d), "p256 point outside the input");
  if (auto p = kagi::p256::point_from_spki(d)) {
    std::array<std::uint8_t, 32> one{};
    one[31] = 1;
    (void)kagi::p256::shared_secret(one, *p);
  }
  for (const auto& pr : {keys::read_rsa_private_key(d), keys::read_rsa_pkcs8(d), keys::read_any_rsa_private_key(d)}) {
    if (pr) {
      for (kagi::bytes_view part : {pr->n, pr->e, pr->d, pr->p, pr->q, pr->dp, pr->dq, pr->qinv})
        KAGI_FUZZ_CHECK(inside(part, d), "private part outside the input");
    }
  }
  if (auto p8 = keys::read_pkcs8(d)) KAGI_FUZZ_CHECK(inside(p8->key, d), "pkcs8 key outside the input");

  if (auto k = kagi::rsa_public_key::from_der(d, min_bits)) {
    bytes out(4096);
    const auto n = k->to_der(out);
    KAGI_FUZZ_CHECK(n.has_value(), "to_der");
    const auto k2 = kagi::rsa_public_key::from_der(std::span(out).first(*n), min_bits);
    KAGI_FUZZ_CHECK(k2 && modulus_of(*k2) == modulus_of(*k) && k2->exponent_u64() == k->exponent_u64(),
                    "public key round trip");
    // OpenSSL reads the same key from an SPKI or PKCS#1 (not a certificate, whose
    // other fields kagi does not check).
    if (keys::read_rsa_spki(d) || keys::read_rsa_public_key(d)) {
      bytes m = modulus_of(*k);
      const bytes want = openssl_modulus(d);
      KAGI_FUZZ_CHECK(want == bytes(std::find_if(m.begin(), m.end(), [](auto b) { return b != 0; }), m.end()),
                      "OpenSSL reads another modulus (or none): " + hex(want));
    }
  }
  if (auto k = kagi::rsa_private_key::from_der(d, min_bits)) {
    bytes out(8192);
    const auto n = k->to_der(out);
    KAGI_FUZZ_CHECK(n.has_value(), "private to_der");
    const auto k2 = kagi::rsa_private_key::from_der(std::span(out).first(*n), min_bits);
    KAGI_FUZZ_CHECK(k2.has_value(), "private key round trip");
    bytes out2(8192);
    const auto n2 = k2->to_der(out2);
    KAGI_FUZZ_CHECK(n2 && *n2 == *n && std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n), out2.begin()),
                    "private key written twice differs");
  }
}
