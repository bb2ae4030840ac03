// X.509 targets:
//
//   x509   certificate::parse on anything: every view lies inside the input,
//          a certificate kagi accepts is one OpenSSL's d2i_X509 accepts too
//          (kagi is the stricter; but for the opaque parameters of algorithms
//          it does not support), parsing is deterministic, and the pieces
//          a verifier reads next (the SAN's general names, host matching,
//          name constraints, the signature check against the certificate's
//          own key) run without failing a sanitizer.
//   chain  chain_verifier::verify on an input-chosen chain (up to 6
//          certificates, each length-prefixed), host name and time, against
//          a fixed store (the test vectors' certificates and roots): no
//          crash, a bounded number of signature checks, the same verdict
//          twice, and on success an anchor from the store and a path no
//          longer than the limit.
#include <openssl/x509.h>

#include <array>
#include <kagi/encoding/pem.hpp>
#include <kagi/x509/certificate.hpp>
#include <kagi/x509/name.hpp>
#include <kagi/x509/verify.hpp>
#include <string>
#include <vector>

#include "fuzz.hpp"

namespace {

using kagi_fuzz::inside;

using kagi_fuzz::bytes;

// The certificates of a PEM file under tests/vectors, as DER.
std::vector<bytes> vector_certificates(const std::string& name) {
  const std::string text = kagi_fuzz::read_vector_file(name);
  std::vector<bytes> out;
  std::string_view rest(text);
  for (;;) {
    const auto block = kagi::pem::find(rest, "CERTIFICATE");
    if (!block) break;
    bytes der(block->body.size());
    const auto n = kagi::pem::decode(rest, "CERTIFICATE", der);
    if (!n) kagi_fuzz::fail(__FILE__, __LINE__, "vector certificate does not decode", name);
    der.resize(*n);
    out.push_back(der);
    const auto end = rest.find("-----END CERTIFICATE-----");
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 25);
  }
  return out;
}

const std::vector<bytes>& known_certificates() {
  static const std::vector<bytes> all = [] {
    std::vector<bytes> v;
    for (const char* f : {"tls12_ecdsa/ecdsa_cert.pem", "tls12_capture/openssl_capture_cert.pem",
                          "x509/amazon_root_ca_1.pem", "x509/amazon_root_ca_3.pem"})
      for (auto& c : vector_certificates(f)) v.push_back(std::move(c));
    return v;
  }();
  return all;
}

void check_certificate(const kagi::x509::certificate& c, kagi::bytes_view d) {
  for (kagi::bytes_view part : {c.der, c.tbs, c.serial, c.signature_algorithm_der, c.signature, c.issuer.der(),
                                c.subject.der(), c.spki, c.public_key.key, c.subject_alt_name, c.authority_key_id,
                                c.subject_key_id, c.unknown_critical})
    KAGI_FUZZ_CHECK(inside(part, d), "a certificate view lies outside the input");
}

}  // namespace

KAGI_FUZZ_TARGET(x509, "x509::certificate::parse: views inside, OpenSSL accepts what kagi accepts, SAN/host/self-signature") {
  FuzzedDataProvider in(data, size);
  const std::string host = in.ConsumeRandomLengthString(64);
  const bytes der = in.ConsumeRemainingBytes<std::uint8_t>();
  const kagi::bytes_view d(der);
  const auto c = kagi::x509::certificate::parse(d);
  const auto again = kagi::x509::certificate::parse(d);
  KAGI_FUZZ_CHECK(c.has_value() == again.has_value(), "parse is not deterministic");
  if (!c) return;
  check_certificate(*c, d);
  KAGI_FUZZ_CHECK(c->der.size() == d.size(), "a certificate with trailing bytes accepted");
  KAGI_FUZZ_CHECK(c->not_before == again->not_before && c->not_after == again->not_after, "dates differ between parses");
  // kagi's DER is strict; OpenSSL's reader is lenient: what kagi accepts, OpenSSL
  // reads. Except inside the parameters of an algorithm kagi does not support
  // (a key or signature it will refuse to use: x509_unsupported_algorithm),
  // which it keeps as an opaque DER element, where OpenSSL also checks the
  // contents of universal types (a BOOLEAN of 8 bytes, say).
  if (c->public_key.algorithm.algorithm != kagi::keys::key_algorithm::other &&
      c->signature_algorithm != kagi::x509::signature_algorithm::unsupported) {
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    KAGI_FUZZ_CHECK(x != nullptr, "kagi parsed a certificate OpenSSL refuses");
    KAGI_FUZZ_CHECK(p == der.data() + der.size(), "OpenSSL read a different length");
    X509_free(x);
  }
  // What a verifier does next with it.
  if (!c->subject_alt_name.empty()) {
    KAGI_FUZZ_CHECK(kagi::x509::check_general_names(c->subject_alt_name).has_value(),
                    "a parsed certificate's SAN does not check");
    (void)kagi::x509::match_host(c->subject_alt_name, host);
  }
  (void)kagi::x509::parse_ip_address(host);
  (void)c->subject.common_name();
  (void)kagi::x509::check_validity(*c, 1798761600);
  (void)kagi::x509::check_leaf(*c, 1798761600, kagi::x509::key_usage_needed::digital_signature);
  (void)kagi::x509::verify_signature(*c, c->public_key);  // its own key: self-signed or not
}

KAGI_FUZZ_SEEDS(x509) {
  std::vector<kagi_fuzz::seed> seeds;
  int i = 0;
  for (const auto& c : known_certificates()) {
    bytes s;
    for (char ch : std::string_view("localhost\\x")) s.push_back(static_cast<std::uint8_t>(ch));  // the host, then the DER
    s.insert(s.end(), c.begin(), c.end());
    seeds.push_back({"vector_" + std::to_string(i++), s});
  }
  return seeds;
}

KAGI_FUZZ_TARGET(chain, "x509::chain_verifier on input-chosen chains, host and time against a fixed store") {
  static const std::vector<kagi::x509::certificate> anchors = [] {
    std::vector<kagi::x509::certificate> a;
    for (const auto& der : known_certificates()) {
      auto c = kagi::x509::certificate::parse(der);
      if (!c) kagi_fuzz::fail(__FILE__, __LINE__, "a vector certificate does not parse", "");
      a.push_back(*c);
    }
    return a;
  }();
  FuzzedDataProvider in(data, size);
  const std::size_t depth = in.ConsumeIntegralInRange<std::size_t>(1, 10);
  const auto usage = static_cast<kagi::x509::key_usage_needed>(in.ConsumeIntegralInRange<int>(0, 2));
  const std::int64_t now = in.ConsumeIntegralInRange<std::int64_t>(0, 6000000000);
  const std::string host = in.ConsumeRandomLengthString(64);
  std::vector<bytes> certs;
  while (certs.size() < 6 && in.remaining_bytes() > 2) {
    const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 4096);
    certs.push_back(in.ConsumeBytes<std::uint8_t>(n));
  }
  std::vector<kagi::bytes_view> chain(certs.begin(), certs.end());
  kagi::x509::verify_options opt;
  opt.max_depth = depth;
  const kagi::x509::chain_verifier v(anchors, {}, opt);
  kagi::x509::verify_report r1, r2;
  const auto s1 = v.verify(chain, host, now, usage, &r1);
  const auto s2 = v.verify(chain, host, now, usage, &r2);
  KAGI_FUZZ_CHECK(s1.has_value() == s2.has_value() && r1.error == r2.error, "two verifications disagree");
  KAGI_FUZZ_CHECK(r1.signatures_checked <= opt.max_signature_checks, "more signatures checked than allowed");
  if (s1) {
    KAGI_FUZZ_CHECK(!chain.empty(), "an empty chain verified");
    KAGI_FUZZ_CHECK(r1.anchor != nullptr && r1.anchor >= anchors.data() && r1.anchor < anchors.data() + anchors.size(),
                    "success without an anchor of the store");
    KAGI_FUZZ_CHECK(r1.path_length >= 1 && r1.path_length <= depth, "path longer than max_depth");
  }
}

KAGI_FUZZ_SEEDS(chain) {
  // Laid out as FuzzedDataProvider reads it: integers from the end (most
  // significant byte last in the file), the host and the certificates from
  // the front. max_depth 8, usage any, 2026-12-10 (inside every vector
  // certificate's validity), host localhost, then the certificates.
  std::vector<kagi_fuzz::seed> seeds;
  const auto& known = known_certificates();
  const auto make = [&](const std::string& name, const std::vector<std::size_t>& which) {
    bytes front, tail;  // tail: in the order the provider consumes it
    const auto integer = [&](std::uint64_t v, int n) {
      for (int k = n - 1; k >= 0; --k) tail.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
    };
    integer(7, 1);           // max_depth: 1 + 7
    integer(0, 1);           // key_usage_needed::any
    integer(1796860800, 5);  // now
    for (char ch : std::string_view("localhost\\x")) front.push_back(static_cast<std::uint8_t>(ch));
    for (std::size_t i : which) {
      integer(known[i].size(), 2);
      front.insert(front.end(), known[i].begin(), known[i].end());
    }
    front.insert(front.end(), tail.rbegin(), tail.rend());
    seeds.push_back({name, front});
  };
  for (std::size_t i = 0; i < known.size(); ++i) make("single_" + std::to_string(i), {i});
  make("pair", {0, 1});
  make("root_then_leaf", {2, 0});
  return seeds;
}
