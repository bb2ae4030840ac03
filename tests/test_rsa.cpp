// pk/rsa.hpp on every bigint path: Wycheproof RSAES-PKCS1-v1_5 decryption
// (2048, 3072, 4096), RSASSA-PKCS1-v1_5 (2048, 3072) and RSASSA-PSS (2048)
// verification; the RSA session of a real OpenSSL TLS 1.2 capture end to end
// and the PSS signature of its ECDHE session; decrypt_tls_premaster on every
// kind of malformed ciphertext; key loading in every format, consistency
// checks, size policy, and truncated/over-long/bit-flipped encodings; key
// generation; OpenSSL interoperability both ways. The dudect-style timing
// test is in the "timing" suite (label timing, not in the default run).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/pk/rsa.hpp>
#include <kagi/tls12/prf.hpp>
#include <string>
#include <vector>

#include "support/openssl_rsa.hpp"
#include "support/paths.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

using kagi::errc;
using kagi::rsa_private_key;
using kagi::rsa_public_key;
using kagi_test::bytes;
using json = nlohmann::json;

namespace {

const std::initializer_list<kagi_test::path> rsa_paths = {
    kagi_test::portable_path,
#if KAGI_X86
    {"mulx-adx", kagi::bn::detail::mont_adx_needs, 0},
#endif
};

template <class Body>
void on_every_path(Body body) {
  kagi_test::for_each_path(rsa_paths, [] { return kagi::bn::montgomery::implementation(16); }, body);
}

// A deterministic random source for the tests (seeded from KAGI_TEST_SEED).
kagi::hmac_drbg test_drbg(std::uint64_t stream) {
  kagi_test::test_rng rng(stream);
  const bytes seed = rng.bytes(48);
  return kagi::hmac_drbg(seed);
}

bytes hex_field(const json& j, const char* name) { return kagi_test::hex(j.at(name).get<std::string>()); }

bytes modulus_of(const rsa_public_key& k) {
  bytes n(k.size());
  k.modulus(n);
  return n;
}

std::string capture_key_pem() { return kagi_test::read_vector_file("tls12_capture/openssl_capture_key.pem"); }

const rsa_private_key& capture_key() {
  static const auto key = [] {
    auto k = rsa_private_key::from_pem(capture_key_pem());
    REQUIRE_MESSAGE(k, k.message());
    return *k;
  }();
  return key;
}

// em (k bytes, below n) raised to e: a ciphertext with a chosen encoded message.
bytes raw_encrypt(const rsa_public_key& pub, const bytes& em) {
  std::vector<kagi::bn::limb> x(kagi::bn::limbs_for_bits(pub.bits()));
  REQUIRE(kagi::bn::from_bytes(x.data(), x.size(), em));
  pub.public_op(x.data(), x.data());
  bytes c(pub.size());
  REQUIRE(kagi::bn::to_bytes(c, x.data(), x.size()));
  return c;
}

// A well-formed TLS pre-master encryption block: 00 02 PS 00 (version) (46 bytes).
bytes premaster_block(std::size_t k, kagi_test::test_rng& rng, std::uint16_t version, bytes* pms = nullptr) {
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
std::array<std::uint8_t, 48> next_random(const kagi::hmac_drbg& drbg) {
  kagi::hmac_drbg copy = drbg;
  std::array<std::uint8_t, 48> r{};
  copy.fill(r);
  return r;
}

bytes to_bytes(const std::array<std::uint8_t, 48>& a) { return bytes(a.begin(), a.end()); }

// ---- Wycheproof

// Every path, or only the default one (see the slow suite for the others).
template <class Body>
void on_paths(bool every, Body body) {
  if (every) on_every_path(body);
  else body(kagi_test::path{});
}

void run_pkcs1_decryption(const char* file, bool every_path) {
  const json j = kagi_test::read_json(file);
  on_paths(every_path, [&](const kagi_test::path&) {
    auto drbg = test_drbg(7);
    std::size_t tests = 0;
    for (const auto& g : j.at("testGroups")) {
      const bytes pkcs8 = hex_field(g, "privateKeyPkcs8");
      auto key = rsa_private_key::from_der(pkcs8);
      REQUIRE_MESSAGE(key, key.message());
      CHECK(key->bits() == g.at("keySize").get<std::size_t>());
      for (const auto& t : g.at("tests")) {
        INFO(file << " tcId " << t.at("tcId").get<int>() << ": " << t.at("comment").get<std::string>());
        ++tests;
        const bytes ct = hex_field(t, "ct"), msg = hex_field(t, "msg");
        const std::string result = t.at("result").get<std::string>();
        bytes out(key->size());
        auto r = key->decrypt_pkcs1(ct, out, drbg);
        if (result == "valid") {
          REQUIRE_MESSAGE(r, r.message());
          CHECK(bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*r)) == msg);
        } else {
          CHECK_FALSE(r);
          // Every bad padding gives the same answer (Wycheproof's advice);
          // only a ciphertext of the wrong length is told apart (public).
          CHECK(r.error() == (ct.size() == key->size() ? errc::rsa_decryption_failed : errc::bad_length));
        }
        // decrypt_tls_premaster: the message when it is a valid 48-byte one
        // with the version asked for, else the 48 random bytes drawn first.
        const std::uint16_t version = msg.size() >= 2 ? static_cast<std::uint16_t>(msg[0] << 8 | msg[1]) : 0x0303;
        const auto expect_random = next_random(drbg);
        const auto pms = key->decrypt_tls_premaster(ct, version, drbg);
        if (result == "valid" && msg.size() == 48) CHECK(to_bytes(pms) == msg);
        else CHECK(pms == expect_random);
      }
    }
    CHECK(tests == j.at("numberOfTests").get<std::size_t>());
  });
}

void run_signature_file(const char* file, bool pss) {
  const json j = kagi_test::read_json(file);
  on_every_path([&](const kagi_test::path&) {
    std::size_t tests = 0, acceptable_accepted = 0;
    for (const auto& g : j.at("testGroups")) {
      auto key = rsa_public_key::from_der(hex_field(g, "publicKeyDer"));  // SubjectPublicKeyInfo
      REQUIRE_MESSAGE(key, key.message());
      CHECK(key->bits() == g.at("keySize").get<std::size_t>());
      for (const auto& t : g.at("tests")) {
        INFO(file << " tcId " << t.at("tcId").get<int>() << ": " << t.at("comment").get<std::string>());
        ++tests;
        const bytes msg = hex_field(t, "msg"), sig = hex_field(t, "sig");
        const auto r = pss ? key->verify_pss_sha256(msg, sig) : key->verify_pkcs1_sha256(msg, sig);
        const std::string result = t.at("result").get<std::string>();
        if (result == "valid") {
          CHECK_MESSAGE(r, r.message());
        } else if (result == "invalid") {
          CHECK_FALSE(r);
        } else if (r) {
          ++acceptable_accepted;
        }
      }
    }
    CHECK(tests == j.at("numberOfTests").get<std::size_t>());
    // The one "acceptable" PKCS#1 case (a DigestInfo without the NULL) is
    // refused: verification re-encodes the one correct form.
    CHECK(acceptable_accepted == 0);
  });
}

}  // namespace

// 2048 bits on every path; 3072 and 4096 on the default path here and on
// every path in the slow suite (their many 4096-bit keys and portable-path
// operations take long under the sanitizers; test_bigint compares the paths
// at those sizes on every run).
TEST_CASE("RSA Wycheproof rsa_pkcs1_2048_test.json (decryption)") {
  run_pkcs1_decryption("wycheproof/rsa_pkcs1_2048_test.json", true);
}
TEST_CASE("RSA Wycheproof rsa_pkcs1_3072_test.json (decryption), default path") {
  run_pkcs1_decryption("wycheproof/rsa_pkcs1_3072_test.json", false);
}
TEST_CASE("RSA Wycheproof rsa_pkcs1_4096_test.json (decryption), default path") {
  run_pkcs1_decryption("wycheproof/rsa_pkcs1_4096_test.json", false);
}
TEST_SUITE("slow") {
  TEST_CASE("RSA Wycheproof rsa_pkcs1_3072_test.json (decryption), every path") {
    run_pkcs1_decryption("wycheproof/rsa_pkcs1_3072_test.json", true);
  }
  TEST_CASE("RSA Wycheproof rsa_pkcs1_4096_test.json (decryption), every path") {
    run_pkcs1_decryption("wycheproof/rsa_pkcs1_4096_test.json", true);
  }
}
TEST_CASE("RSA Wycheproof rsa_signature_2048_sha256_test.json") {
  run_signature_file("wycheproof/rsa_signature_2048_sha256_test.json", false);
}
TEST_CASE("RSA Wycheproof rsa_signature_3072_sha256_test.json") {
  run_signature_file("wycheproof/rsa_signature_3072_sha256_test.json", false);
}
TEST_CASE("RSA Wycheproof rsa_pss_2048_sha256_mgf1_32_test.json") {
  run_signature_file("wycheproof/rsa_pss_2048_sha256_mgf1_32_test.json", true);
}

TEST_CASE("RSA keys load from every Wycheproof encoding and agree") {
  const json dec = kagi_test::read_json("wycheproof/rsa_pkcs1_2048_test.json");
  const auto& g = dec.at("testGroups").at(0);
  const auto& c = g.at("privateKey");
  auto from_der = rsa_private_key::from_der(hex_field(g, "privateKeyPkcs8"));
  auto from_pem = rsa_private_key::from_pem(g.at("privateKeyPem").get<std::string>());
  auto from_parts = rsa_private_key::from_components(
      hex_field(c, "modulus"), hex_field(c, "publicExponent"), hex_field(c, "privateExponent"), hex_field(c, "prime1"),
      hex_field(c, "prime2"), hex_field(c, "exponent1"), hex_field(c, "exponent2"), hex_field(c, "coefficient"));
  REQUIRE(from_der);
  REQUIRE(from_pem);
  REQUIRE(from_parts);
  CHECK(modulus_of(from_der->public_key()) == modulus_of(from_pem->public_key()));
  CHECK(modulus_of(from_der->public_key()) == modulus_of(from_parts->public_key()));
  // Re-exported PKCS#8 is byte for byte the file's.
  bytes der(4096);
  auto n = from_parts->to_der(der);
  REQUIRE(n);
  der.resize(*n);
  CHECK(der == hex_field(g, "privateKeyPkcs8"));

  const json sig = kagi_test::read_json("wycheproof/rsa_signature_2048_sha256_test.json");
  for (const auto& sg : sig.at("testGroups")) {
    auto spki = rsa_public_key::from_der(hex_field(sg, "publicKeyDer"));
    auto pkcs1 = rsa_public_key::from_der(hex_field(sg, "publicKeyAsn"));
    auto pem = rsa_public_key::from_pem(sg.at("publicKeyPem").get<std::string>());
    auto parts = rsa_public_key::from_components(hex_field(sg.at("publicKey"), "modulus"),
                                                 hex_field(sg.at("publicKey"), "publicExponent"));
    REQUIRE(spki);
    REQUIRE(pkcs1);
    REQUIRE(pem);
    REQUIRE(parts);
    CHECK(modulus_of(*spki) == modulus_of(*pkcs1));
    CHECK(modulus_of(*spki) == modulus_of(*pem));
    CHECK(modulus_of(*spki) == modulus_of(*parts));
    CHECK(spki->exponent_u64() == parts->exponent_u64());
    bytes out(1024);
    auto m = spki->to_der(out);
    REQUIRE(m);
    out.resize(*m);
    CHECK(out == hex_field(sg, "publicKeyDer"));
  }
}

TEST_CASE("RSA: the RSA session of a real OpenSSL TLS 1.2 capture, end to end") {
  const auto records = kagi_test::parse_records("tls12_capture/openssl_capture.txt");
  const kagi_test::record* rsa = nullptr;
  for (const auto& r : records)
    if (r.header("@") == "TLS_RSA_WITH_AES_128_GCM_SHA256") rsa = &r;
  REQUIRE(rsa != nullptr);
  const bytes client_hello = rsa->get_hex("client_hello"), cke = rsa->get_hex("client_key_exchange");
  // ClientKeyExchange: type 0x10, 24-bit length, then EncryptedPreMasterSecret<0..2^16-1>.
  REQUIRE(cke.size() == 4 + 2 + 256);
  REQUIRE(cke[0] == 0x10);
  REQUIRE((cke[4] << 8 | cke[5]) == 256);
  const bytes encrypted(cke.begin() + 6, cke.end());
  // ClientHello.client_version follows the 4-byte handshake header.
  const auto client_version = static_cast<std::uint16_t>(client_hello[4] << 8 | client_hello[5]);
  CHECK(client_version == 0x0303);
  kagi::sha256 transcript;
  for (const char* m : {"client_hello", "server_hello", "certificate", "server_hello_done", "client_key_exchange"})
    transcript.update(rsa->get_hex(m));
  const auto session_hash = transcript.finish();
  on_every_path([&](const kagi_test::path&) {
    auto drbg = test_drbg(8);
    const auto random = next_random(drbg);
    const auto pms = capture_key().decrypt_tls_premaster(encrypted, client_version, drbg);
    CHECK(pms != random);
    CHECK(pms[0] == 0x03);
    CHECK(pms[1] == 0x03);
    const auto ms = kagi::tls12::compute_extended_master_secret(pms, session_hash);
    CHECK(bytes(ms.begin(), ms.end()) == rsa->get_hex("master_secret"));
    // The same ciphertext under the wrong version gives the random bytes.
    const auto random2 = next_random(drbg);
    CHECK(capture_key().decrypt_tls_premaster(encrypted, 0x0302, drbg) == random2);
  });
}

TEST_CASE("RSA: the ECDHE session's ServerKeyExchange PSS signature verifies with the certificate's key") {
  const auto records = kagi_test::parse_records("tls12_capture/openssl_capture.txt");
  const kagi_test::record* ecdhe = nullptr;
  for (const auto& r : records)
    if (r.header("@").rfind("TLS_ECDHE_RSA", 0) == 0) ecdhe = &r;
  REQUIRE(ecdhe != nullptr);
  // Certificate: type 0x0b, length, certificate_list<3>, first ASN.1Cert<3>.
  const bytes cert_msg = ecdhe->get_hex("certificate");
  const std::size_t cert_len = static_cast<std::size_t>(cert_msg[7] << 16 | cert_msg[8] << 8 | cert_msg[9]);
  const bytes cert(cert_msg.begin() + 10, cert_msg.begin() + 10 + static_cast<std::ptrdiff_t>(cert_len));
  auto key = rsa_public_key::from_der(cert);
  REQUIRE_MESSAGE(key, key.message());
  CHECK(modulus_of(*key) == modulus_of(capture_key().public_key()));
  auto from_pem = rsa_public_key::from_pem(kagi_test::read_vector_file("tls12_capture/openssl_capture_cert.pem"));
  REQUIRE(from_pem);
  CHECK(modulus_of(*from_pem) == modulus_of(*key));
  // ServerKeyExchange: ECParameters (3) + point <1..2^8-1>, then
  // SignatureAndHashAlgorithm (0x0804 rsa_pss_rsae_sha256) and signature<2>.
  const bytes ske = ecdhe->get_hex("server_key_exchange");
  const std::size_t params_len = 3 + 1 + ske[4 + 3];
  const bytes params(ske.begin() + 4, ske.begin() + 4 + static_cast<std::ptrdiff_t>(params_len));
  std::size_t at = 4 + params_len;
  REQUIRE((ske[at] << 8 | ske[at + 1]) == 0x0804);
  const std::size_t sig_len = static_cast<std::size_t>(ske[at + 2] << 8 | ske[at + 3]);
  const bytes sig(ske.begin() + static_cast<std::ptrdiff_t>(at + 4), ske.end());
  REQUIRE(sig.size() == sig_len);
  bytes signed_data = ecdhe->get_hex("client_random");
  const bytes sr = ecdhe->get_hex("server_random");
  signed_data.insert(signed_data.end(), sr.begin(), sr.end());
  signed_data.insert(signed_data.end(), params.begin(), params.end());
  on_every_path([&](const kagi_test::path&) {
    CHECK(key->verify_pss_sha256(signed_data, sig));
    bytes tampered = signed_data;
    tampered[40] ^= 1;
    CHECK(key->verify_pss_sha256(tampered, sig).error() == errc::rsa_bad_signature);
    CHECK(key->verify_pkcs1_sha256(signed_data, sig).error() == errc::rsa_bad_signature);
  });
}

TEST_CASE("RSA decrypt_tls_premaster: every malformation gives the random bytes") {
  const auto& key = capture_key();
  const auto& pub = key.public_key();
  const std::size_t k = key.size();
  kagi_test::test_rng rng(9);
  on_every_path([&](const kagi_test::path&) {
    auto drbg = test_drbg(10);
    auto expect_random = [&](const bytes& ct, std::uint16_t version, const char* what) {
      INFO(what);
      const auto r = next_random(drbg);
      CHECK(key.decrypt_tls_premaster(ct, version, drbg) == r);
    };
    bytes pms;
    const bytes good = premaster_block(k, rng, 0x0303, &pms);
    const bytes good_ct = raw_encrypt(pub, good);
    CHECK(to_bytes(key.decrypt_tls_premaster(good_ct, 0x0303, drbg)) == pms);
    auto mutate = [&](auto change, const char* what) {
      bytes em = good;
      change(em);
      expect_random(raw_encrypt(pub, em), 0x0303, what);
    };
    mutate([](bytes& em) { em[0] = 0x01; }, "first byte not zero");  // (still below n: n starts 0xba)
    mutate([](bytes& em) { em[1] = 0x01; }, "block type 1");
    mutate([](bytes& em) { em[1] = 0x00; }, "block type 0");
    mutate([](bytes& em) { em[1] = 0x03; }, "block type 3");
    mutate([](bytes& em) { em[2] = 0x00; }, "zero first padding byte");
    mutate([](bytes& em) { em[9] = 0x00; }, "zero eighth padding byte");
    mutate([&](bytes& em) { em[k - 50] = 0x00; }, "zero last padding byte: 49-byte message");
    mutate([&](bytes& em) { em[k - 49] = 0x11; }, "no separator where a 48-byte message needs it");
    mutate([&](bytes& em) {
      em[k - 49] = 0x11;
      em[k - 48] = 0x00;
    }, "separator one later: 47-byte message");
    mutate([&](bytes& em) {
      for (std::size_t i = 2; i < k; ++i) em[i] = em[i] == 0 ? 1 : em[i];
    }, "no separator at all");
    mutate([&](bytes& em) { em[k - 48] = 0x02; }, "version major byte wrong");
    mutate([&](bytes& em) { em[k - 47] = 0x01; }, "version minor byte wrong");
    expect_random(good_ct, 0x0301, "client_version differs");
    expect_random(good_ct, 0x0302, "client_version differs (minor)");
    expect_random(bytes(good_ct.begin(), good_ct.end() - 1), 0x0303, "ciphertext one byte short");
    bytes longer = good_ct;
    longer.push_back(0);
    expect_random(longer, 0x0303, "ciphertext one byte long");
    expect_random(bytes{}, 0x0303, "empty ciphertext");
    expect_random(bytes(k, 0), 0x0303, "ciphertext 0");
    expect_random(modulus_of(pub), 0x0303, "ciphertext n");
    expect_random(bytes(k, 0xff), 0x0303, "ciphertext above n");
  });
}

TEST_CASE("RSA encrypt and decrypt, sign and verify, on every path and size") {
  auto drbg = test_drbg(11);
  // Keys of 1024 (asked for), 2048 and 3072 bits made by our own generator,
  // plus the 2048-bit capture key loaded from a file.
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

TEST_CASE("RSA private keys: every relation between the components is checked") {
  const json dec = kagi_test::read_json("wycheproof/rsa_pkcs1_2048_test.json");
  const auto& c = dec.at("testGroups").at(0).at("privateKey");
  const char* names[] = {"modulus", "publicExponent", "privateExponent", "prime1",
                         "prime2",  "exponent1",      "exponent2",       "coefficient"};
  std::vector<bytes> parts;
  for (const char* nm : names) parts.push_back(hex_field(c, nm));
  auto load = [](const std::vector<bytes>& p) {
    return rsa_private_key::from_components(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
  };
  REQUIRE(load(parts));
  for (std::size_t i = 0; i < parts.size(); ++i) {
    for (int change = 0; change < 2; ++change) {
      INFO(names[i] << (change == 0 ? " + 2" : " low bit of the top byte flipped"));
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
          CHECK(ossl::verify_sha256(okey.get(), msg, sig, pss));
          const bytes osig = ossl::sign_sha256(okey.get(), msg, pss);
          REQUIRE(osig.size() == key.size());
          CHECK(static_cast<bool>(pss ? key.public_key().verify_pss_sha256(msg, osig) : key.public_key().verify_pkcs1_sha256(msg, osig)));
          if (!pss) CHECK(osig == sig);  // PKCS#1 v1.5 signatures are deterministic
        }
      }
    });
  }
}

TEST_CASE("RSA interoperability with OpenSSL, both ways") {
  interop_with_openssl_keys({2048u});
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
    const bytes osig = ossl::sign_sha256(okey.get(), msg, true);
    CHECK(k->public_key().verify_pss_sha256(msg, osig));
  }
}
#endif

#if KAGI_HAVE_OPENSSL
TEST_SUITE("slow") {
  TEST_CASE("RSA interoperability with OpenSSL, 3072 and 4096 bits") { interop_with_openssl_keys({3072u, 4096u}); }
}
#endif

// ---- dudect-style timing test: Welch's t-test between the times of
// decrypt_tls_premaster on well-formed and on malformed ciphertexts, in
// random order, on the raw times and on times cropped at several
// percentiles (as dudect does). |t| above 4.5 means the two classes are
// told apart by time.

namespace {

struct welch {
  double n[2] = {0, 0}, mean[2] = {0, 0}, m2[2] = {0, 0};
  void add(int cls, double x) {
    n[cls] += 1;
    const double d = x - mean[cls];
    mean[cls] += d / n[cls];
    m2[cls] += d * (x - mean[cls]);
  }
  [[nodiscard]] double t() const {
    const double v0 = m2[0] / (n[0] - 1), v1 = m2[1] / (n[1] - 1);
    return (mean[0] - mean[1]) / std::sqrt(v0 / n[0] + v1 / n[1]);
  }
};

}  // namespace

TEST_SUITE("timing") {
  TEST_CASE("RSA decrypt_tls_premaster: well-formed and malformed ciphertexts take the same time (dudect)") {
    const auto& key = capture_key();
    const auto& pub = key.public_key();
    const std::size_t k = key.size();
    kagi_test::test_rng rng(19);
    // Class 0: well-formed; class 1: malformed in every way (type, padding,
    // separator, length, version, value).
    std::vector<bytes> pool[2];
    for (int i = 0; i < 64; ++i) {
      pool[0].push_back(raw_encrypt(pub, premaster_block(k, rng, 0x0303)));
      bytes em = premaster_block(k, rng, 0x0303);
      switch (i % 6) {
        case 0: em[1] = 1; break;
        case 1: em[2 + rng.uniform(0, k - 52)] = 0; break;
        case 2: em[k - 49] = 0x42; break;
        case 3: em[k - 60] = 0; break;
        case 4: em[k - 47] ^= 1; break;
        default: em[0] = 1; break;
      }
      pool[1].push_back(raw_encrypt(pub, em));
    }
    kagi::system_random sys;
    const int per_class = 3000;
    std::vector<std::pair<int, double>> samples;
    samples.reserve(2 * per_class);
    std::vector<int> order(2 * per_class);
    for (int i = 0; i < 2 * per_class; ++i) order[i] = i % 2;
    for (int i = 2 * per_class - 1; i > 0; --i) std::swap(order[i], order[rng.uniform(0, i)]);
    volatile std::uint8_t sink = 0;
    for (int i = 0; i < 2 * per_class; ++i) {
      const int cls = order[i];
      const bytes& ct = pool[cls][rng.uniform(0, 63)];
      const auto t0 = std::chrono::steady_clock::now();
      const auto pms = key.decrypt_tls_premaster(ct, 0x0303, sys);
      const auto t1 = std::chrono::steady_clock::now();
      sink = sink ^ pms[0];
      samples.emplace_back(cls, std::chrono::duration<double, std::nano>(t1 - t0).count());
    }
    std::vector<double> times;
    for (const auto& s : samples) times.push_back(s.second);
    std::sort(times.begin(), times.end());
    double worst = 0;
    for (double pct : {1.0, 0.99, 0.95, 0.9, 0.75, 0.5}) {
      const double cut = times[static_cast<std::size_t>(pct * (times.size() - 1))];
      welch w;
      for (const auto& s : samples)
        if (s.second <= cut) w.add(s.first, s.second);
      const double t = w.t();
      MESSAGE("crop at " << pct * 100 << "%: t = " << t << " (means " << w.mean[0] << " / " << w.mean[1] << " ns)");
      worst = std::max(worst, std::fabs(t));
    }
    CHECK(worst < 4.5);
  }
}
