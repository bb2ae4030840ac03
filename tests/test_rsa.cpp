// rsa/ against published vectors and real traffic, on every big-integer
// path: Wycheproof RSAES-PKCS1-v1_5 decryption (2048, 3072, 4096),
// RSASSA-PKCS1-v1_5 (2048, 3072) and RSASSA-PSS (2048) verification; the RSA
// session of a real OpenSSL TLS 1.2 capture end to end and the PSS signature
// of its ECDHE session; decrypt_tls_premaster on every kind of malformed
// ciphertext. The dudect-style timing test is in the "timing" suite (label
// timing, not in the default run). Keys, generation and OpenSSL interop are
// in test_rsa_keys.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/rsa/rsa.hpp>
#include <kagi/tls12/prf.hpp>
#include <string>
#include <vector>

#include "support/dudect.hpp"
#include "support/rsa_common.hpp"

using kagi::errc;
using kagi::rsa_private_key;
using kagi::rsa_public_key;
using kagi_test::bytes;
using namespace kagi_test::rsa;

namespace {

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

// ---- dudect-style timing test (support/dudect.hpp): decrypt_tls_premaster on
// well-formed against malformed ciphertexts.

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
    on_every_path([&](const kagi_test::path&) {
      volatile std::uint8_t sink = 0;
      const double worst = kagi_test::dudect_worst_t(key.implementation(), 3000, 64, rng, [&](int cls, std::size_t i) {
        const auto pms = key.decrypt_tls_premaster(pool[cls][i], 0x0303, sys);
        sink = sink ^ pms[0];
      });
      CHECK(worst < kagi_test::dudect_threshold);
    });
  }
}
