// rsa/keys.hpp keys and round trips, on every big-integer path: encryption and
// signatures with keys of several sizes (our own generator's and a loaded
// one), argument errors, the size policy, tampered components, truncated,
// over-long and bit-flipped encodings, negative moduli, keys too small for
// PSS, key generation, faults injected into a loaded key (the self-check),
// the blinding, and OpenSSL interoperability both ways (keys, encryption,
// signatures, also over SHA-384 and SHA-512: OpenSSL's hashes in kagi's
// generic padding).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/rsa/rsa.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/openssl_rsa.hpp"
#include "support/rsa_common.hpp"

namespace kagi::detail {
// The test hook rsa.hpp declares (a friend of rsa_private_key): reaches into
// a loaded key to corrupt one CRT value after the load-time checks, as a
// fault in memory would, and runs the raw private operation, whose verdict
// and unchecked result the public calls never show.
struct rsa_test_hook {
  using limb = bn::limb;
  // qinv := 1: Garner's step then gives m_q + q ((m_p - m_q) mod p).
  static void set_qinv_to_one(rsa_private_key& k) {
    bn::set_zero(k.qinv_.data(), k.p_.size());
    k.qinv_[0] = 1;
  }
  // dp with one bit flipped: m_p = c^dp' instead of c^dp.
  static void flip_dp_bit(rsa_private_key& k) { k.dp_[0] ^= 2; }
  static const bn::montgomery& p(const rsa_private_key& k) { return k.p_; }
  static const bn::montgomery& q(const rsa_private_key& k) { return k.q_; }
  static const limb* qinv(const rsa_private_key& k) { return k.qinv_.data(); }
  // m = c^d by the blinded CRT with a fresh blinding pair from rng; the
  // self-check's mask (all ones: passed).
  template <class R>
  static limb private_op(const rsa_private_key& k, const limb* c, limb* m, R& rng) {
    return k.private_op(c, m, rng, true);
  }
  // The same with the key's kept pairs, as the public operations run it.
  template <class R>
  static limb private_op_kept(const rsa_private_key& k, const limb* c, limb* m, R& rng) {
    return k.private_op(c, m, rng);
  }
};
}  // namespace kagi::detail

using kagi::errc;
using kagi::rsa_private_key;
using kagi::rsa_public_key;
using kagi_test::bytes;
using namespace kagi_test::rsa;

TEST_CASE("RSA encrypt and decrypt, sign and verify, on every path and size") {
  auto drbg = test_drbg(11);
  // Keys of 1024 (asked for) and 2048 bits made by our own generator, plus
  // the 2048-bit capture key loaded from a file. (3072 and 4096 bits: the
  // slow suite's key generation case.)
  std::vector<rsa_private_key> keys;
  keys.push_back(capture_key());
  for (std::size_t bits : {1024u, 2048u}) {
    auto k = rsa_private_key::generate(bits, drbg, 1024);
    REQUIRE_MESSAGE(k, k.message());
    CHECK(k->bits() == bits);
    keys.push_back(*k);
  }
  on_every_path([&](const kagi_test::path&) {
    for (const auto& key : keys) {
      INFO("key of " << key.bits() << " bits");
      const auto& pub = key.public_key();
      for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{48}, pub.size() - 11}) {
        bytes msg(len);
        drbg.fill(msg);
        bytes ct(pub.size()), out(pub.size());
        REQUIRE(pub.encrypt_pkcs1(msg, ct, drbg));
        auto n = key.decrypt_pkcs1(ct, out, drbg);
        REQUIRE(n);
        CHECK(bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)) == msg);
        if (len == 48) {
          msg[0] = 3;
          msg[1] = 3;
          REQUIRE(pub.encrypt_pkcs1(msg, ct, drbg));
          CHECK(to_bytes(key.decrypt_tls_premaster(ct, 0x0303, drbg)) == msg);
        }
      }
      bytes sig(pub.size());
      const bytes msg = kagi_test::hex("48656c6c6f2c206b616769");
      REQUIRE(key.sign_pkcs1_sha256(msg, sig, drbg));
      CHECK(pub.verify_pkcs1_sha256(msg, sig));
      CHECK(pub.verify_pss_sha256(msg, sig).error() == errc::rsa_bad_signature);
      bytes sig2(pub.size());
      REQUIRE(key.sign_pkcs1_sha256(msg, sig2));  // system_random for the blinding
      CHECK(sig2 == sig);                         // deterministic
      REQUIRE(key.sign_pss_sha256(msg, sig, drbg));
      CHECK(pub.verify_pss_sha256(msg, sig));
      REQUIRE(key.sign_pss_sha256(msg, sig2, drbg));
      CHECK(sig2 != sig);  // a fresh salt each time
      CHECK(pub.verify_pss_sha256(msg, sig2));
      sig[sig.size() / 2] ^= 0x40;
      CHECK(pub.verify_pss_sha256(msg, sig).error() == errc::rsa_bad_signature);
    }
  });
}

TEST_CASE("RSA errors for bad arguments") {
  const auto& key = capture_key();
  const auto& pub = key.public_key();
  auto drbg = test_drbg(12);
  bytes ct(pub.size()), small(pub.size() - 1), sig(pub.size());
  CHECK(pub.encrypt_pkcs1(bytes(pub.size() - 10), ct, drbg).error() == errc::message_too_long);
  CHECK(pub.encrypt_pkcs1(bytes(4), small, drbg).error() == errc::buffer_too_small);
  REQUIRE(pub.encrypt_pkcs1(bytes(100, 7), ct, drbg));
  bytes out(99);
  CHECK(key.decrypt_pkcs1(ct, out, drbg).error() == errc::buffer_too_small);
  CHECK(key.decrypt_pkcs1(small, out, drbg).error() == errc::bad_length);
  CHECK(key.decrypt_pkcs1(modulus_of(pub), out, drbg).error() == errc::rsa_decryption_failed);
  CHECK(key.sign_pkcs1_sha256(bytes(3), small, drbg).error() == errc::buffer_too_small);
  CHECK(key.sign_pss_sha256(bytes(3), small, drbg).error() == errc::buffer_too_small);
  REQUIRE(key.sign_pkcs1_sha256(bytes(3), sig, drbg));
  CHECK(pub.verify_pkcs1_sha256(bytes(3), bytes(sig.begin(), sig.end() - 1)).error() == errc::bad_length);
  bytes sig_zero_prefixed(sig.size() + 1, 0);
  std::copy(sig.begin(), sig.end(), sig_zero_prefixed.begin() + 1);
  CHECK(pub.verify_pkcs1_sha256(bytes(3), sig_zero_prefixed).error() == errc::bad_length);
  CHECK(pub.verify_pkcs1_sha256(bytes(3), modulus_of(pub)).error() == errc::rsa_bad_signature);
  CHECK(pub.verify_pss_sha256(bytes(3), modulus_of(pub)).error() == errc::rsa_bad_signature);
  CHECK(key.private_operation(modulus_of(pub), sig, drbg).error() == errc::rsa_decryption_failed);
  CHECK(key.private_operation(small, sig, drbg).error() == errc::bad_length);
  // The raw operation inverts the public one.
  bytes x(pub.size(), 0x33), y(pub.size());
  x[0] = 0;
  REQUIRE(key.private_operation(x, y, drbg));
  CHECK(raw_encrypt(pub, y) == x);
}

TEST_CASE("RSA key size policy: 2048..4096 by default, 1024 when asked") {
  auto drbg = test_drbg(13);
  auto k1024 = rsa_private_key::generate(1024, drbg, 1024);
  REQUIRE(k1024);
  bytes der(4096);
  auto n = k1024->to_der(der);
  REQUIRE(n);
  der.resize(*n);
  CHECK(rsa_private_key::from_der(der).error() == errc::rsa_bad_key_size);
  CHECK(rsa_private_key::from_der(der, 1024));
  bytes spki(1024);
  auto m = k1024->public_key().to_der(spki);
  REQUIRE(m);
  spki.resize(*m);
  CHECK(rsa_public_key::from_der(spki).error() == errc::rsa_bad_key_size);
  CHECK(rsa_public_key::from_der(spki, 1024));
  CHECK(rsa_private_key::generate(1024, drbg).error() == errc::rsa_bad_key_size);
  CHECK(rsa_private_key::generate(2047, drbg).error() == errc::rsa_bad_key_size);
  CHECK(rsa_private_key::generate(4098, drbg, 1024).error() == errc::rsa_bad_key_size);
  CHECK(rsa_private_key::generate(256, drbg, 256).error() == errc::rsa_bad_key_size);  // 512 is the floor
  // A 4097-bit modulus is refused, a 4096-bit one taken.
  bytes n4097(514, 0xff), n4096(512, 0xff);
  n4097[0] = 0x01;
  CHECK(rsa_public_key::from_components(n4097, bytes{1, 0, 1}).error() == errc::rsa_bad_key_size);
  CHECK(rsa_public_key::from_components(n4096, bytes{1, 0, 1}));
  // Public exponents: odd, 3 or more, at most 256 bits, below n.
  CHECK(rsa_public_key::from_components(n4096, bytes{3}));
  CHECK(rsa_public_key::from_components(n4096, bytes{1}).error() == errc::rsa_bad_public_exponent);
  CHECK(rsa_public_key::from_components(n4096, bytes{1, 0, 0}).error() == errc::rsa_bad_public_exponent);
  CHECK(rsa_public_key::from_components(n4096, bytes{}).error() == errc::rsa_bad_public_exponent);
  CHECK(rsa_public_key::from_components(n4096, bytes(33, 1)).error() == errc::rsa_bad_public_exponent);
  CHECK(rsa_public_key::from_components(n4096, bytes(32, 1)));
  CHECK(rsa_public_key::from_components(n4096, n4096).error() == errc::rsa_bad_public_exponent);
  bytes even = n4096;
  even.back() = 0xfe;
  CHECK(rsa_public_key::from_components(even, bytes{1, 0, 1}).error() == errc::rsa_bad_modulus);
}

namespace {
// The eight components (n, e, d, p, q, dp, dq, qinv) of Wycheproof's 2048-bit decryption key.
const char* const component_names[] = {"modulus", "publicExponent", "privateExponent", "prime1",
                                       "prime2",  "exponent1",      "exponent2",       "coefficient"};
std::vector<bytes> wycheproof_2048_components() {
  const json dec = kagi_test::read_json("wycheproof/rsa_pkcs1_2048_test.json");
  const auto& c = dec.at("testGroups").at(0).at("privateKey");
  std::vector<bytes> parts;
  for (const char* nm : component_names) parts.push_back(hex_field(c, nm));
  return parts;
}
}  // namespace

TEST_CASE("RSA private keys: every relation between the components is checked") {
  std::vector<bytes> parts = wycheproof_2048_components();
  auto load = [](const std::vector<bytes>& p) {
    return rsa_private_key::from_components(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
  };
  REQUIRE(load(parts));
  for (std::size_t i = 0; i < parts.size(); ++i) {
    for (int change = 0; change < 2; ++change) {
      INFO(component_names[i] << (change == 0 ? " + 2" : " low bit of the top byte flipped"));
      auto p = parts;
      bytes& v = p[i];
      if (change == 0) {
        std::size_t j = v.size();
        std::uint8_t carry = 2;
        while (carry != 0 && j-- > 0) {
          const unsigned s = v[j] + carry;
          v[j] = static_cast<std::uint8_t>(s);
          carry = static_cast<std::uint8_t>(s >> 8);
        }
      } else {
        v[v[0] == 0 ? 1 : 0] ^= 1;
      }
      const auto r = load(p);
      CHECK_FALSE(r);
      if (i >= 2) CHECK(r.error() == errc::rsa_inconsistent_key);
    }
  }
  // p and q swapped (with the CRT values that go with the swap missing): refused.
  auto swapped = parts;
  std::swap(swapped[3], swapped[4]);
  CHECK(load(swapped).error() == errc::rsa_inconsistent_key);
}

TEST_CASE("RSA key parsers: truncated, over-long and bit-flipped encodings are errors, never crashes") {
  auto drbg = test_drbg(14);
  auto small = rsa_private_key::generate(512, drbg, 512);
  REQUIRE(small);
  bytes pkcs8(2048), spki(1024);
  auto n8 = small->to_der(pkcs8);
  auto ns = small->public_key().to_der(spki);
  REQUIRE(n8);
  REQUIRE(ns);
  pkcs8.resize(*n8);
  spki.resize(*ns);
  REQUIRE(rsa_private_key::from_der(pkcs8, 512));
  REQUIRE(rsa_public_key::from_der(spki, 512));
  for (std::size_t len = 0; len < pkcs8.size(); ++len)
    CHECK_FALSE(rsa_private_key::from_der(kagi::bytes_view(pkcs8).first(len), 512));
  for (std::size_t len = 0; len < spki.size(); ++len)
    CHECK_FALSE(rsa_public_key::from_der(kagi::bytes_view(spki).first(len), 512));
  bytes longer = pkcs8;
  longer.push_back(0);
  CHECK(rsa_private_key::from_der(longer, 512).error() == errc::der_trailing_data);
  longer = spki;
  longer.push_back(0);
  CHECK(rsa_public_key::from_der(longer, 512).error() == errc::der_trailing_data);
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < pkcs8.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      bytes f = pkcs8;
      f[i] ^= static_cast<std::uint8_t>(1u << bit);
      auto r = rsa_private_key::from_der(f, 512);
      if (r) ++accepted;
      else CHECK(r.error() != errc::ok);
    }
  }
  // A flipped bit is caught by the structure or the consistency checks. The
  // one exception: PrivateKeyInfo version 0 -> 1 (OneAsymmetricKey, RFC 5958)
  // is itself a valid encoding of the same key.
  CHECK(accepted <= 1);
  for (std::size_t i = 0; i < spki.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      bytes f = spki;
      f[i] ^= static_cast<std::uint8_t>(1u << bit);
      (void)rsa_public_key::from_der(f, 512);  // any answer but a crash
    }
  }
  // PEM: the capture key's text, truncated and flipped.
  const std::string pem = capture_key_pem();
  for (std::size_t len = 0; len + 30 < pem.size(); len += 7) CHECK_FALSE(rsa_private_key::from_pem(pem.substr(0, len)));
  CHECK(rsa_private_key::from_pem("").error() == errc::pem_no_block);
  CHECK(rsa_public_key::from_pem(pem).error() == errc::pem_wrong_label);
  CHECK(rsa_private_key::from_pem(kagi_test::read_vector_file("tls12_capture/openssl_capture_cert.pem")).error() ==
        errc::pem_wrong_label);
  // A certificate is not a private key, a private key not a public key.
  CHECK_FALSE(rsa_private_key::from_der(spki, 512));
  CHECK_FALSE(rsa_public_key::from_der(pkcs8, 512));
}

TEST_CASE("RSA key generation makes keys that match their own checks") {
  auto drbg = test_drbg(15);
  auto a = rsa_private_key::generate(1024, drbg, 1024);
  auto b = rsa_private_key::generate(1024, drbg, 1024);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(modulus_of(a->public_key()) != modulus_of(b->public_key()));
  CHECK(a->public_key().exponent_u64() == 65537);
  // Round trip through PEM.
  auto again = rsa_private_key::from_pem(a->to_pem(), 1024);
  REQUIRE(again);
  CHECK(modulus_of(again->public_key()) == modulus_of(a->public_key()));
  auto pub = rsa_public_key::from_pem(a->public_key().to_pem(), 1024);
  REQUIRE(pub);
  CHECK(modulus_of(*pub) == modulus_of(a->public_key()));
  // The same seed gives the same key.
  auto d1 = test_drbg(16), d2 = test_drbg(16);
  auto c1 = rsa_private_key::generate(512, d1, 512), c2 = rsa_private_key::generate(512, d2, 512);
  REQUIRE(c1);
  REQUIRE(c2);
  CHECK(modulus_of(c1->public_key()) == modulus_of(c2->public_key()));
}

TEST_CASE("RSA-PSS: keys below 522 bits are too short for the encoding and get an error, not a stray write") {
  // emLen = ceil((bits - 1) / 8) must be at least hLen + sLen + 2 = 66
  // (RFC 8017 9.1.1 step 3): 512..521-bit keys (only with a lowered
  // min_bits) cannot carry a PSS-SHA-256 signature with a 32-byte salt.
  auto drbg = test_drbg(25);
  const bytes msg = {'a', 'b', 'c'};
  for (std::size_t bits : {512u, 520u, 522u}) {
    INFO("key of " << bits << " bits");
    auto key = rsa_private_key::generate(bits, drbg, 512);
    REQUIRE(key);
    const auto& pub = key->public_key();
    const std::size_t k = pub.size();
    bytes sig(k, 0x5a);
    if (bits < 522) {
      CHECK(key->sign_pss_sha256(msg, sig, drbg).error() == errc::rsa_bad_key_size);
      CHECK(sig == bytes(k, 0x5a));  // nothing written
      // Verification answers false for anything: an encoded message ending
      // in 0xbc with clear top bits (the furthest a signature gets), one
      // byte pattern, and a real PKCS#1 v1.5 signature.
      for (int i = 0; i < 4; ++i) {
        bytes em(k);
        drbg.fill(em);
        em[0] = 0;
        em[k - 1] = 0xbc;
        REQUIRE(key->private_operation(em, sig, drbg));
        CHECK(raw_encrypt(pub, sig) == em);
        CHECK(pub.verify_pss_sha256(msg, sig).error() == errc::rsa_bad_signature);
      }
      CHECK(pub.verify_pss_sha256(msg, bytes(k, 0x01)).error() == errc::rsa_bad_signature);
    } else {
      REQUIRE(key->sign_pss_sha256(msg, sig, drbg));
      CHECK(pub.verify_pss_sha256(msg, sig));
    }
    // PKCS#1 v1.5 fits every accepted size (emLen >= 62), and so does a
    // 48-byte pre-master secret.
    REQUIRE(key->sign_pkcs1_sha256(msg, sig, drbg));
    CHECK(pub.verify_pkcs1_sha256(msg, sig));
    CHECK(pub.verify_pss_sha256(msg, sig).error() == errc::rsa_bad_signature);
    bytes pms(48, 0x42), ct(k);
    pms[0] = 3;
    pms[1] = 3;
    REQUIRE(pub.encrypt_pkcs1(pms, ct, drbg));
    CHECK(to_bytes(key->decrypt_tls_premaster(ct, 0x0303, drbg)) == pms);
    CHECK(pub.encrypt_pkcs1(bytes(k - 10), ct, drbg).error() == errc::message_too_long);
  }
}

namespace {

// DER by hand, for encodings kagi's own writer never makes.
bytes tlv(std::uint8_t tag, const bytes& content) {
  bytes out{tag};
  std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    bytes len;
    for (; n != 0; n >>= 8) len.insert(len.begin(), static_cast<std::uint8_t>(n));
    out.push_back(static_cast<std::uint8_t>(0x80 | len.size()));
    out.insert(out.end(), len.begin(), len.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}
bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
// An INTEGER from a big-endian magnitude: with the 00 sign byte its top bit
// asks for, or (negative) without it.
bytes der_integer(bytes mag, bool negative = false) {
  while (mag.size() > 1 && mag[0] == 0) mag.erase(mag.begin());
  if (!negative && (mag[0] & 0x80u) != 0) mag.insert(mag.begin(), 0);
  return tlv(0x02, mag);
}

}  // namespace

TEST_CASE("RSA key loaders refuse a negative modulus (an INTEGER with its top bit set)") {
  std::vector<bytes> parts = wycheproof_2048_components();
  const auto& oid_array = kagi::keys::oid_rsa_encryption;
  const bytes oid(oid_array.begin(), oid_array.end());
  const bytes alg = tlv(0x30, cat({tlv(0x06, oid), bytes{0x05, 0x00}}));
  const bytes version0 = {0x02, 0x01, 0x00};
  for (bool negative : {false, true}) {
    INFO((negative ? "modulus without its sign byte (negative)" : "modulus as it should be (the control)"));
    const bytes n = der_integer(parts[0], negative);
    REQUIRE(n[1] == 0x82);  // a 2048-bit modulus: 256 or 257 content bytes
    CHECK(n.size() == (negative ? 4u + 256u : 4u + 257u));
    const bytes rsa_pub = tlv(0x30, cat({n, der_integer(parts[1])}));
    const bytes spki = tlv(0x30, cat({alg, tlv(0x03, cat({bytes{0x00}, rsa_pub}))}));
    bytes rsa_priv_body = cat({version0, n});
    for (std::size_t i = 1; i < parts.size(); ++i) rsa_priv_body = cat({rsa_priv_body, der_integer(parts[i])});
    const bytes rsa_priv = tlv(0x30, rsa_priv_body);
    const bytes pkcs8 = tlv(0x30, cat({version0, alg, tlv(0x04, rsa_priv)}));
    auto expect = [&](const auto& r, const char* what) {
      INFO(what);
      if (negative) CHECK(r.error() == errc::der_negative_integer);
      else CHECK_MESSAGE(r, r.message());
    };
    expect(rsa_public_key::from_der(rsa_pub), "public: PKCS#1 RSAPublicKey DER");
    expect(rsa_public_key::from_der(spki), "public: SubjectPublicKeyInfo DER");
    expect(rsa_public_key::from_pem(kagi::pem::encode("RSA PUBLIC KEY", rsa_pub)), "public: RSA PUBLIC KEY PEM");
    expect(rsa_public_key::from_pem(kagi::pem::encode("PUBLIC KEY", spki)), "public: PUBLIC KEY PEM");
    expect(rsa_private_key::from_der(rsa_priv), "private: PKCS#1 RSAPrivateKey DER");
    expect(rsa_private_key::from_der(pkcs8), "private: PKCS#8 PrivateKeyInfo DER");
    expect(rsa_private_key::from_pem(kagi::pem::encode("RSA PRIVATE KEY", rsa_priv)), "private: RSA PRIVATE KEY PEM");
    expect(rsa_private_key::from_pem(kagi::pem::encode("PRIVATE KEY", pkcs8)), "private: PRIVATE KEY PEM");
  }
}

namespace {

using hook = kagi::detail::rsa_test_hook;
using kagi::bn::limb;

std::vector<limb> limbs_of(const rsa_public_key& pub, const bytes& be) {
  std::vector<limb> x(kagi::bn::limbs_for_bits(pub.bits()));
  REQUIRE(kagi::bn::from_bytes(x.data(), x.size(), be));
  return x;
}
bytes bytes_of(const rsa_public_key& pub, const std::vector<limb>& x) {
  bytes b(pub.size());
  REQUIRE(kagi::bn::to_bytes(b, x.data(), x.size()));
  return b;
}

// The ciphertext that a copy of `key` with qinv set to 1 decrypts to exactly
// em (below n), and what the key itself decrypts it to (true_m). With
// qinv = 1 the result is m_q + q ((m_p - m_q) mod p); for it to be em, m_q =
// em mod q and m_p = (m_q + em div q) mod p. c is the true encryption of the
// number with those residues (Garner's step with the real qinv).
bytes ciphertext_for_qinv_one(const rsa_private_key& key, const bytes& em, bytes& true_m) {
  namespace bn = kagi::bn;
  const auto& pub = key.public_key();
  const auto& p = hook::p(key);
  const auto& q = hook::q(key);
  const std::size_t nl = bn::limbs_for_bits(pub.bits()), pl = p.size(), ql = q.size();
  REQUIRE(pl + ql == nl);
  const std::size_t w = 2 * nl + 1;
  std::vector<limb> m = limbs_of(pub, em), quo(w), mq(w), mp(w), s(w), mq_p(w), d(w), prod(w), h(w), t(w);
  bn::divmod(quo.data(), mq.data(), m.data(), nl, q.modulus(), ql);  // em div q (< p), em mod q
  (void)bn::add(s.data(), mq.data(), quo.data(), nl);
  bn::divmod(nullptr, mp.data(), s.data(), nl, p.modulus(), pl);     // m_p
  bn::divmod(nullptr, mq_p.data(), mq.data(), ql, p.modulus(), pl);  // m_q mod p
  p.mod_sub(d.data(), mp.data(), mq_p.data());
  bn::mul(prod.data(), d.data(), pl, hook::qinv(key), pl);
  bn::divmod(nullptr, h.data(), prod.data(), 2 * pl, p.modulus(), pl);  // (m_p - m_q) qinv mod p
  bn::mul(t.data(), q.modulus(), ql, h.data(), pl);
  (void)bn::add(t.data(), t.data(), mq.data(), nl);
  t.resize(nl);
  true_m = bytes_of(pub, t);
  return raw_encrypt(pub, true_m);
}

}  // namespace

TEST_CASE("RSA fault check: a key corrupted after loading releases nothing") {
  const rsa_private_key& good = capture_key();
  const auto& pub = good.public_key();
  const std::size_t k = good.size();
  kagi_test::test_rng trng(21);
  bytes pms, true_m;
  const bytes em = premaster_block(k, trng, 0x0303, &pms);
  const bytes c = ciphertext_for_qinv_one(good, em, true_m);
  rsa_private_key bad_qinv = good, bad_dp = good;
  hook::set_qinv_to_one(bad_qinv);
  hook::flip_dp_bit(bad_dp);
  const bytes msg = {'h', 'i'};
  on_every_path([&](const kagi_test::path&) {
    auto drbg = test_drbg(22);
    bytes out(k);
    REQUIRE(good.private_operation(c, out, drbg));
    CHECK(out == true_m);
    // Unchecked, the corrupted key's result would be the well-formed
    // pre-master block em; the self-check fails it.
    const auto cx = limbs_of(pub, c);
    std::vector<limb> y(cx.size());
    CHECK(hook::private_op(bad_qinv, cx.data(), y.data(), drbg) == 0);
    REQUIRE(bytes_of(pub, y) == em);
    CHECK(hook::private_op(good, cx.data(), y.data(), drbg) == ~limb{0});
    CHECK(bytes_of(pub, y) == true_m);
    // So decrypt_tls_premaster gives the 48 random bytes it drew first, not
    // the pre-master secret in em, and nothing else releases anything.
    for (const rsa_private_key* bad : {&bad_qinv, &bad_dp}) {
      INFO((bad == &bad_qinv ? "qinv corrupted" : "dp corrupted"));
      const auto r = next_random(drbg);
      const auto got = bad->decrypt_tls_premaster(c, 0x0303, drbg);
      CHECK(got == r);
      CHECK(to_bytes(got) != pms);
      const bytes sentinel(k, 0xa5), zeros(k, 0);
      out = sentinel;
      CHECK(bad->decrypt_pkcs1(c, out, drbg).error() == errc::rsa_decryption_failed);
      CHECK(out == sentinel);
      CHECK(bad->private_operation(c, out, drbg).error() == errc::rsa_fault_detected);
      CHECK(out == zeros);
      out = sentinel;
      CHECK(bad->sign_pkcs1_sha256(msg, out, drbg).error() == errc::rsa_fault_detected);
      CHECK(out == zeros);
      out = sentinel;
      CHECK(bad->sign_pss_sha256(msg, out, drbg).error() == errc::rsa_fault_detected);
      CHECK(out == zeros);
    }
    // The key it was copied from is untouched.
    CHECK(to_bytes(good.decrypt_tls_premaster(raw_encrypt(pub, em), 0x0303, drbg)) == pms);
  });
}

TEST_CASE("RSA blinding: each private operation draws a fresh blinding factor") {
  // With dp corrupted, m_p = (c r^e)^dp' r^-1 = c^dp' r^(e dp' - 1), and
  // e dp' - 1 is no longer a multiple of p - 1: the (faulty) result shows r.
  // Two operations on the same input differ, unless given the same random
  // bytes; without blinding, or with a reused r, they would agree.
  const rsa_private_key& good = capture_key();
  const auto& pub = good.public_key();
  rsa_private_key bad = good;
  hook::flip_dp_bit(bad);
  kagi_test::test_rng trng(23);
  bytes in = trng.bytes(good.size());
  in[0] = 0;
  const auto x = limbs_of(pub, in);
  on_every_path([&](const kagi_test::path&) {
    auto drbg = test_drbg(24);
    std::vector<limb> y1(x.size()), y2(x.size()), y3(x.size()), y4(x.size());
    CHECK(hook::private_op(bad, x.data(), y1.data(), drbg) == 0);
    CHECK(hook::private_op(bad, x.data(), y2.data(), drbg) == 0);
    CHECK(y1 != y2);
    auto d1 = test_drbg(25), d2 = test_drbg(25);
    CHECK(hook::private_op(bad, x.data(), y3.data(), d1) == 0);
    CHECK(hook::private_op(bad, x.data(), y4.data(), d2) == 0);
    CHECK(y3 == y4);
    // The real key's blinding cancels exactly, whatever r.
    CHECK(hook::private_op(good, x.data(), y1.data(), drbg) == ~limb{0});
    CHECK(hook::private_op(good, x.data(), y2.data(), d1) == ~limb{0});
    CHECK(y1 == y2);
    CHECK(raw_encrypt(pub, bytes_of(pub, y1)) == in);
  });
}

TEST_CASE("RSA blinding: the kept pairs give a new factor every operation and a fresh one every refresh") {
  // As above, the faulty key's result shows the blinding factor. With the
  // key's kept pairs, operation i uses r^(2^i) until the refresh, which draws
  // a fresh r from the caller's random source: no two operations on the same
  // input agree, within a refresh period or across one, and the results
  // repeat only for the same random bytes, the same key history and the same
  // position in it (a copy starts over).
  const rsa_private_key& good = capture_key();
  const auto& pub = good.public_key();
  kagi_test::test_rng trng(26);
  bytes in = trng.bytes(good.size());
  in[0] = 0;
  const auto x = limbs_of(pub, in);
  constexpr unsigned n = rsa_private_key::blinding_refresh + 3;
  on_every_path([&](const kagi_test::path&) {
    rsa_private_key bad = good;
    hook::flip_dp_bit(bad);
    const rsa_private_key bad_copy = bad;  // before any operation: no pairs yet
    auto d1 = test_drbg(27), d2 = test_drbg(27);
    std::vector<std::vector<limb>> ys(n, std::vector<limb>(x.size()));
    for (unsigned i = 0; i < n; ++i) CHECK(hook::private_op_kept(bad, x.data(), ys[i].data(), d1) == 0);
    for (unsigned i = 0; i < n; ++i)
      for (unsigned j = i + 1; j < n; ++j) CHECK(ys[i] != ys[j]);
    std::vector<limb> y(x.size());
    for (unsigned i = 0; i < n; ++i) {
      CHECK(hook::private_op_kept(bad_copy, x.data(), y.data(), d2) == 0);
      CHECK(y == ys[i]);
    }
    // The real key's blinding cancels exactly, across refreshes.
    rsa_private_key key = good;
    auto d3 = test_drbg(28);
    for (unsigned i = 0; i < n; ++i) {
      CHECK(hook::private_op_kept(key, x.data(), y.data(), d3) == ~limb{0});
      CHECK(raw_encrypt(pub, bytes_of(pub, y)) == in);
    }
  });
}

TEST_CASE("RSA blinding: threads sharing one const key all get correct results") {
  // Each operation either takes the kept pairs or, finding them busy, makes
  // its own; every result must be right either way.
  const rsa_private_key key = capture_key();
  kagi_test::test_rng trng(29);
  bytes msg = trng.bytes(32);
  bytes expected(key.size());
  REQUIRE(key.sign_pkcs1_sha256(msg, expected));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      bytes sig(key.size());
      for (int i = 0; i < 40; ++i)
        if (!key.sign_pkcs1_sha256(msg, sig) || sig != expected) ++wrong;
    });
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
}

TEST_SUITE("slow") {
  TEST_CASE("RSA key generation, 3072 and 4096 bits") {
    auto drbg = test_drbg(17);
    for (std::size_t bits : {3072u, 4096u}) {
      auto k = rsa_private_key::generate(bits, drbg);
      REQUIRE(k);
      CHECK(k->bits() == bits);
      bytes sig(k->size());
      REQUIRE(k->sign_pss_sha256(bytes(5), sig, drbg));
      CHECK(k->public_key().verify_pss_sha256(bytes(5), sig));
#if KAGI_HAVE_OPENSSL
      bytes der(4096);
      auto n = k->to_der(der);
      REQUIRE(n);
      der.resize(*n);
      auto ok = kagi_test::ossl::decode_der(der, EVP_PKEY_KEYPAIR);
      REQUIRE(ok);
      CHECK(kagi_test::ossl::check_private(ok.get()));
#endif
    }
  }
}

#if KAGI_HAVE_OPENSSL
namespace ossl = kagi_test::ossl;

static void interop_with_openssl_keys(std::initializer_list<unsigned> sizes) {
  auto drbg = test_drbg(18);
  for (unsigned bits : sizes) {
    INFO("OpenSSL key of " << bits << " bits");
    auto okey = ossl::rsa_generate(bits);
    REQUIRE(okey);
    // Keys OpenSSL writes load in every format.
    auto k8 = rsa_private_key::from_pem(ossl::encode_pem(okey.get(), EVP_PKEY_KEYPAIR, "PrivateKeyInfo"));
    auto k1 = rsa_private_key::from_pem(ossl::encode_pem(okey.get(), EVP_PKEY_KEYPAIR, "type-specific"));
    auto kd = rsa_private_key::from_der(ossl::encode(okey.get(), EVP_PKEY_KEYPAIR, "DER", "type-specific"));
    auto ps = rsa_public_key::from_pem(ossl::encode_pem(okey.get(), EVP_PKEY_PUBLIC_KEY, "SubjectPublicKeyInfo"));
    auto p1 = rsa_public_key::from_pem(ossl::encode_pem(okey.get(), EVP_PKEY_PUBLIC_KEY, "type-specific"));
    REQUIRE_MESSAGE(k8, k8.message());
    REQUIRE_MESSAGE(k1, k1.message());
    REQUIRE_MESSAGE(kd, kd.message());
    REQUIRE_MESSAGE(ps, ps.message());
    REQUIRE_MESSAGE(p1, p1.message());
    CHECK(modulus_of(k8->public_key()) == modulus_of(*ps));
    CHECK(modulus_of(k1->public_key()) == modulus_of(*p1));
    const auto& key = *k8;
    on_every_path([&](const kagi_test::path&) {
      for (int i = 0; i < 3; ++i) {
        bytes msg(i == 0 ? 48 : 1 + 40 * i);
        drbg.fill(msg);
        // kagi encrypts, OpenSSL decrypts
        bytes ct(key.size());
        REQUIRE(key.public_key().encrypt_pkcs1(msg, ct, drbg));
        bool ok = false;
        CHECK(ossl::decrypt_pkcs1(okey.get(), ct, &ok) == msg);
        CHECK(ok);
        // OpenSSL encrypts, kagi decrypts
        const bytes oct = ossl::encrypt_pkcs1(okey.get(), msg);
        bytes out(key.size());
        auto n = key.decrypt_pkcs1(oct, out, drbg);
        REQUIRE(n);
        CHECK(bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)) == msg);
        if (msg.size() == 48) CHECK(to_bytes(key.decrypt_tls_premaster(oct, static_cast<std::uint16_t>(msg[0] << 8 | msg[1]), drbg)) == msg);
        // signatures both ways
        for (bool pss : {false, true}) {
          bytes sig(key.size());
          REQUIRE(static_cast<bool>(pss ? key.sign_pss_sha256(msg, sig, drbg) : key.sign_pkcs1_sha256(msg, sig, drbg)));
          CHECK(ossl::verify(okey.get(), msg, sig, pss));
          const bytes osig = ossl::sign(okey.get(), msg, pss);
          REQUIRE(osig.size() == key.size());
          CHECK(static_cast<bool>(pss ? key.public_key().verify_pss_sha256(msg, osig) : key.public_key().verify_pkcs1_sha256(msg, osig)));
          if (!pss) CHECK(osig == sig);  // PKCS#1 v1.5 signatures are deterministic
        }
      }
    });
  }
}

TEST_CASE("RSA interoperability with OpenSSL, both ways") {
  // 2049 bits: PSS's encoded message is one byte shorter than the modulus.
  interop_with_openssl_keys({2048u, 2049u});
  auto drbg = test_drbg(20);
  // Keys kagi makes pass OpenSSL's full check and work there.
  for (std::size_t bits : {1024u, 2048u}) {
    auto k = rsa_private_key::generate(bits, drbg, 1024);
    REQUIRE(k);
    bytes der(4096);
    auto n = k->to_der(der);
    REQUIRE(n);
    der.resize(*n);
    auto okey = ossl::decode_der(der, EVP_PKEY_KEYPAIR);
    REQUIRE(okey);
    CHECK(ossl::check_private(okey.get()));
    CHECK(ossl::encode(okey.get(), EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo") == der);
    bytes spki(1024);
    auto m = k->public_key().to_der(spki);
    REQUIRE(m);
    spki.resize(*m);
    CHECK(ossl::encode(okey.get(), EVP_PKEY_PUBLIC_KEY, "DER", "SubjectPublicKeyInfo") == spki);
    const bytes msg = {1, 2, 3};
    const bytes osig = ossl::sign(okey.get(), msg, true);
    CHECK(k->public_key().verify_pss_sha256(msg, osig));
  }
}
#endif

#if KAGI_HAVE_OPENSSL
namespace {
// SHA-384 and SHA-512 from OpenSSL as hash_function types (run time only):
// the signature encodings are written over any hash, and these check them
// for the next hashes TLS 1.2 signs with, against OpenSSL's.
template <int Bits>
class ossl_sha {
 public:
  static constexpr std::size_t digest_size = Bits / 8;
  static constexpr std::size_t block_size = 128;
  ossl_sha() : ctx_(EVP_MD_CTX_new()) { REQUIRE(EVP_DigestInit_ex(ctx_, md(), nullptr) == 1); }
  ~ossl_sha() { EVP_MD_CTX_free(ctx_); }
  ossl_sha(const ossl_sha&) = delete;
  ossl_sha& operator=(const ossl_sha&) = delete;
  static const EVP_MD* md() { return Bits == 384 ? EVP_sha384() : EVP_sha512(); }
  void update(kagi::bytes_view in) { REQUIRE(EVP_DigestUpdate(ctx_, in.data(), in.size()) == 1); }
  std::array<std::uint8_t, digest_size> finish() {
    std::array<std::uint8_t, digest_size> d{};
    REQUIRE(EVP_DigestFinal_ex(ctx_, d.data(), nullptr) == 1);
    return d;
  }

 private:
  EVP_MD_CTX* ctx_;
};
using ossl_sha384 = ossl_sha<384>;
using ossl_sha512 = ossl_sha<512>;
}  // namespace

// 2.16.840.1.101.3.4.2.2 and .3
template <>
struct kagi::detail::rsa::hash_oid<ossl_sha384> {
  static constexpr std::array<std::uint8_t, 9> value{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
};
template <>
struct kagi::detail::rsa::hash_oid<ossl_sha512> {
  static constexpr std::array<std::uint8_t, 9> value{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03};
};

namespace {
template <class H>
void interop_with_hash(const rsa_private_key& key, EVP_PKEY* okey, kagi::hmac_drbg& drbg, const EVP_MD* md) {
  const bytes msg = {'s', 'i', 'g', 'n', 'e', 'd'};
  for (bool pss : {false, true}) {
    INFO((pss ? "PSS" : "PKCS#1 v1.5"));
    bytes sig(key.size());
    const auto padding = pss ? kagi::rsa_padding::pss : kagi::rsa_padding::pkcs1_v15;
    REQUIRE(key.sign<H>(padding, msg, sig, drbg));
    CHECK(ossl::verify(okey, msg, sig, pss, md));
    const bytes osig = ossl::sign(okey, msg, pss, md);
    REQUIRE(osig.size() == key.size());
    CHECK(key.public_key().verify<H>(padding, msg, osig));
    if (!pss) CHECK(osig == sig);
    // Not under SHA-256.
    CHECK(key.public_key().verify(padding, msg, osig).error() == errc::rsa_bad_signature);
  }
}
}  // namespace

TEST_CASE("RSA signatures over any hash: SHA-384 and SHA-512 (kagi's and OpenSSL's) against OpenSSL") {
  auto drbg = test_drbg(23);
  auto okey = ossl::rsa_generate(2048);
  REQUIRE(okey);
  auto key = rsa_private_key::from_pem(ossl::encode_pem(okey.get(), EVP_PKEY_KEYPAIR, "PrivateKeyInfo"));
  REQUIRE_MESSAGE(key, key.message());
  interop_with_hash<ossl_sha384>(*key, okey.get(), drbg, EVP_sha384());
  interop_with_hash<ossl_sha512>(*key, okey.get(), drbg, EVP_sha512());
  interop_with_hash<kagi::sha384>(*key, okey.get(), drbg, EVP_sha384());
  interop_with_hash<kagi::sha512>(*key, okey.get(), drbg, EVP_sha512());
  // Keys too short for an encoding: EMSA-PKCS1-v1_5 with SHA-512 needs 94
  // bytes (a 512-bit key has 64), EMSA-PSS 130 (a 1024-bit key has 128).
  constexpr auto pkcs1 = kagi::rsa_padding::pkcs1_v15, pss = kagi::rsa_padding::pss;
  for (std::size_t bits : {512u, 1024u}) {
    INFO("bits = " << bits);
    auto small = rsa_private_key::generate(bits, drbg, 512);
    REQUIRE(small);
    const auto& pub = small->public_key();
    bytes sig(small->size());
    const bytes msg = {1};
    if (bits == 512) {
      CHECK(small->sign<ossl_sha512>(pkcs1, msg, sig, drbg).error() == errc::rsa_bad_key_size);
      CHECK(pub.verify<ossl_sha512>(pkcs1, msg, sig).error() == errc::rsa_bad_signature);
    } else {
      CHECK(small->sign<ossl_sha512>(pkcs1, msg, sig, drbg));
      CHECK(pub.verify<ossl_sha512>(pkcs1, msg, sig));
      CHECK(small->sign<ossl_sha384>(pss, msg, sig, drbg));  // SHA-384 needs 98
      CHECK(pub.verify<ossl_sha384>(pss, msg, sig));
    }
    CHECK(small->sign<ossl_sha512>(pss, msg, sig, drbg).error() == errc::rsa_bad_key_size);
    CHECK(pub.verify<ossl_sha512>(pss, msg, sig).error() == errc::rsa_bad_signature);
  }
}
#endif

#if KAGI_HAVE_OPENSSL
TEST_SUITE("slow") {
  TEST_CASE("RSA interoperability with OpenSSL, 3072 and 4096 bits") { interop_with_openssl_keys({3072u, 4096u}); }
}
#endif
