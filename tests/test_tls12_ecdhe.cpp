// tls12/ecdhe.hpp: the ECDHE session of a real OpenSSL TLS 1.2 capture
// (ServerKeyExchange and ClientKeyExchange decoded and encoded again to the
// same bytes; the server's PSS signature verified over server_signed_data),
// every malformed message refused with its own error, and full exchanges
// over x25519 and secp256r1 through the encoded messages.
#include <doctest/doctest.h>

#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/rsa/rsa.hpp>
#include <kagi/tls12/ecdhe.hpp>
#include <string>
#include <vector>

#include "support/kat.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

using namespace kagi::literals;
using kagi::errc;
using kagi::tls12::named_group;
using kagi_test::bytes;

// Makes keys that generate and from_bytes refuse to make (a group kagi does
// not support), to check that the key's own operations refuse them too.
struct kagi::tls12::detail::ecdhe_private_key_probe {
  static kagi::tls12::ecdhe_private_key with_group(const kagi::tls12::ecdhe_private_key& k, named_group g) {
    kagi::tls12::ecdhe_private_key r = k;
    r.group_ = g;
    return r;
  }
};

namespace {

// A random source that counts the bytes drawn from it (constexpr).
struct counting_rng {
  std::size_t drawn = 0;
  constexpr void fill(std::span<std::uint8_t> out) {
    for (auto& b : out) b = static_cast<std::uint8_t>(++drawn);
  }
};

// Group ids kagi does not support: none, secp384r1 (24), x448 (30), the largest.
constexpr std::uint16_t unsupported_groups[] = {0, 24, 30, 0xffff};

// The ECDHE section of the capture.
const kagi_test::record& capture() {
  static const std::vector<kagi_test::record> records = kagi_test::parse_records("tls12_capture/openssl_capture.txt");
  for (const auto& r : records)
    if (r.header("@") == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 x25519") return r;
  FAIL("no ECDHE session in the capture");
  return records.front();
}

// The body of a whole handshake message after checking its 4-byte header.
bytes body_of(const bytes& message, std::uint8_t type) {
  REQUIRE(message.size() >= 4);
  CHECK(message[0] == type);
  const std::size_t len = (std::size_t{message[1]} << 16) | (std::size_t{message[2]} << 8) | message[3];
  REQUIRE(len == message.size() - 4);
  return bytes(message.begin() + 4, message.end());
}

kagi::tls12::random to_random(const bytes& b) {
  REQUIRE(b.size() == 32);
  kagi::tls12::random r{};
  std::copy(b.begin(), b.end(), r.begin());
  return r;
}

bytes view_bytes(kagi::bytes_view v) { return bytes(v.begin(), v.end()); }

// A well-formed ServerECDHParams || SignatureAndHashAlgorithm || signature.
bytes make_ske(std::uint8_t curve_type, std::uint16_t group, const bytes& key, const bytes& sig) {
  bytes b{curve_type, static_cast<std::uint8_t>(group >> 8), static_cast<std::uint8_t>(group),
          static_cast<std::uint8_t>(key.size())};
  b.insert(b.end(), key.begin(), key.end());
  b.push_back(0x08);
  b.push_back(0x04);
  b.push_back(static_cast<std::uint8_t>(sig.size() >> 8));
  b.push_back(static_cast<std::uint8_t>(sig.size()));
  b.insert(b.end(), sig.begin(), sig.end());
  return b;
}

}  // namespace

TEST_CASE("ECDHE messages at compile time") {
  static constexpr auto cke = "20a353806526700cccf009148b7f1f1074826a183763a5f89ea7c16f7f0eef1330"_hex;
  KAGI_CHECK_CONSTEXPR(kagi::tls12::decode_client_key_exchange_ecdhe(named_group::x25519, cke)->size() == 32);
  KAGI_CHECK_CONSTEXPR(kagi::tls12::decode_client_key_exchange_ecdhe(named_group::secp256r1, cke).error() ==
                       errc::tls_bad_public_key);
  KAGI_CHECK_CONSTEXPR(kagi::tls12::ecdh_public_key_size(named_group::secp256r1) == 65);
  KAGI_CHECK_CONSTEXPR(static_cast<int>(named_group::x25519) == 29);
  KAGI_CHECK_CONSTEXPR(static_cast<int>(named_group::secp256r1) == 23);
}

TEST_CASE("ECDHE ServerKeyExchange of the OpenSSL capture: decode, encode, signed bytes") {
  const auto& r = capture();
  const bytes body = body_of(r.get_hex("server_key_exchange"), 12);
  const auto ske = kagi::tls12::decode_server_key_exchange_ecdhe(body);
  REQUIRE_MESSAGE(ske, ske.message());
  CHECK(ske->params.group == named_group::x25519);
  CHECK(ske->params.public_key.size() == 32);
  CHECK(view_bytes(ske->params_encoding) == bytes(body.begin(), body.begin() + 36));
  CHECK(ske->signature_algorithm == 0x0804);  // rsa_pss_rsae_sha256
  CHECK(ske->signature.size() == 256);

  // The params alone decode the same way, and both encode back to the same bytes.
  const auto params = kagi::tls12::decode_server_ecdh_params(ske->params_encoding);
  REQUIRE(params);
  CHECK(view_bytes(params->public_key) == view_bytes(ske->params.public_key));
  bytes out(body.size());
  const auto n = kagi::tls12::encode_server_key_exchange_ecdhe(ske->params, ske->signature_algorithm, ske->signature, out);
  REQUIRE(n);
  CHECK(*n == body.size());
  CHECK(out == body);
  bytes pout(36);
  REQUIRE(kagi::tls12::encode_server_ecdh_params(*params, pout));
  CHECK(pout == view_bytes(ske->params_encoding));

  // What the server signed: client_random || server_random || params. The
  // signature in the capture verifies over exactly these bytes with the
  // certificate's key (kagi's RSA-PSS), and not over anything else.
  const auto cr = to_random(r.get_hex("client_random")), sr = to_random(r.get_hex("server_random"));
  bytes signed_data(64 + 36);
  const auto sn = kagi::tls12::server_signed_data(cr, sr, ske->params, signed_data);
  REQUIRE(sn);
  CHECK(*sn == 100);
  CHECK(bytes(signed_data.begin(), signed_data.begin() + 32) == bytes(cr.begin(), cr.end()));
  CHECK(bytes(signed_data.begin() + 32, signed_data.begin() + 64) == bytes(sr.begin(), sr.end()));
  CHECK(bytes(signed_data.begin() + 64, signed_data.end()) == view_bytes(ske->params_encoding));
  const auto key = kagi::rsa_public_key::from_pem(kagi_test::read_vector_file("tls12_capture/openssl_capture_cert.pem"));
  REQUIRE_MESSAGE(key, key.message());
  CHECK(key->verify_pss_sha256(signed_data, ske->signature));
  bytes swapped(100);
  REQUIRE(kagi::tls12::server_signed_data(sr, cr, ske->params, swapped));
  CHECK(key->verify_pss_sha256(swapped, ske->signature).error() == errc::rsa_bad_signature);
}

TEST_CASE("ECDHE ClientKeyExchange of the OpenSSL capture: decode, encode") {
  const bytes body = body_of(capture().get_hex("client_key_exchange"), 16);
  const auto key = kagi::tls12::decode_client_key_exchange_ecdhe(named_group::x25519, body);
  REQUIRE_MESSAGE(key, key.message());
  CHECK(view_bytes(*key) == bytes(body.begin() + 1, body.end()));
  bytes out(33);
  const auto n = kagi::tls12::encode_client_key_exchange_ecdhe(named_group::x25519, *key, out);
  REQUIRE(n);
  CHECK(*n == 33);
  CHECK(out == body);
  // The same body is not a secp256r1 key.
  CHECK(kagi::tls12::decode_client_key_exchange_ecdhe(named_group::secp256r1, body).error() ==
        errc::tls_bad_public_key);
}

TEST_CASE("ECDHE ServerKeyExchange decoding refuses malformed bodies") {
  const bytes x_key(32, 0x42);
  bytes p_key(65, 0x42);
  p_key[0] = 0x04;
  const bytes sig(20, 0x5a);
  const bytes good = make_ske(3, 29, x_key, sig);
  REQUIRE(kagi::tls12::decode_server_key_exchange_ecdhe(good));
  REQUIRE(kagi::tls12::decode_server_key_exchange_ecdhe(make_ske(3, 23, p_key, sig)));
  REQUIRE(kagi::tls12::decode_server_key_exchange_ecdhe(make_ske(3, 29, x_key, {})));  // empty signature<0..2^16-1>

  // Every proper prefix is truncated; one more byte is trailing data.
  for (std::size_t len = 0; len < good.size(); ++len) {
    INFO("prefix of " << len << " bytes");
    CHECK(kagi::tls12::decode_server_key_exchange_ecdhe(kagi::bytes_view(good).first(len)).error() ==
          errc::tls_truncated);
  }
  bytes longer = good;
  longer.push_back(0);
  CHECK(kagi::tls12::decode_server_key_exchange_ecdhe(longer).error() == errc::tls_trailing_data);

  // Curve types explicit_prime (1), explicit_char2 (2) and others; unknown groups.
  for (std::uint8_t type : {0, 1, 2, 4, 255})
    CHECK(kagi::tls12::decode_server_key_exchange_ecdhe(make_ske(type, 29, x_key, sig)).error() ==
          errc::tls_unsupported_group);
  for (std::uint16_t group : {0, 22, 24, 25, 30, 256, 0x1d00})
    CHECK(kagi::tls12::decode_server_key_exchange_ecdhe(make_ske(3, group, x_key, sig)).error() ==
          errc::tls_unsupported_group);

  // Public keys of the wrong length for the group, or a P-256 point not in uncompressed form.
  for (std::size_t len : {0u, 1u, 31u, 33u, 65u, 255u})
    CHECK(kagi::tls12::decode_server_key_exchange_ecdhe(make_ske(3, 29, bytes(len, 9), sig)).error() ==
          errc::tls_bad_public_key);
  for (std::size_t len : {0u, 32u, 33u, 64u, 66u})
    CHECK(kagi::tls12::decode_server_key_exchange_ecdhe(make_ske(3, 23, bytes(len, 4), sig)).error() ==
          errc::tls_bad_public_key);
  for (std::uint8_t prefix : {0x00, 0x02, 0x03, 0x05}) {
    bytes k = p_key;
    k[0] = prefix;
    CHECK(kagi::tls12::decode_server_key_exchange_ecdhe(make_ske(3, 23, k, sig)).error() == errc::tls_bad_public_key);
  }

  // The params alone: exact length only.
  const kagi::bytes_view params = kagi::bytes_view(good).first(36);
  CHECK(kagi::tls12::decode_server_ecdh_params(params));
  CHECK(kagi::tls12::decode_server_ecdh_params(kagi::bytes_view(good).first(37)).error() == errc::tls_trailing_data);
  CHECK(kagi::tls12::decode_server_ecdh_params(params.first(35)).error() == errc::tls_truncated);
  CHECK(kagi::tls12::decode_server_ecdh_params({}).error() == errc::tls_truncated);
}

TEST_CASE("ECDHE ClientKeyExchange decoding refuses malformed bodies") {
  bytes x_body{32};
  x_body.insert(x_body.end(), 32, 0x11);
  bytes p_body{65, 0x04};
  p_body.insert(p_body.end(), 64, 0x22);
  CHECK(kagi::tls12::decode_client_key_exchange_ecdhe(named_group::x25519, x_body));
  CHECK(kagi::tls12::decode_client_key_exchange_ecdhe(named_group::secp256r1, p_body));
  for (const bytes* b : {&x_body, &p_body}) {
    const named_group g = b == &x_body ? named_group::x25519 : named_group::secp256r1;
    for (std::size_t len = 0; len < b->size(); ++len)
      CHECK(kagi::tls12::decode_client_key_exchange_ecdhe(g, kagi::bytes_view(*b).first(len)).error() ==
            errc::tls_truncated);
    bytes longer = *b;
    longer.push_back(0);
    CHECK(kagi::tls12::decode_client_key_exchange_ecdhe(g, longer).error() == errc::tls_trailing_data);
  }
  // The implicit form (an empty point) is not ECDHE.
  CHECK(kagi::tls12::decode_client_key_exchange_ecdhe(named_group::x25519, bytes{0}).error() ==
        errc::tls_bad_public_key);
  CHECK(kagi::tls12::decode_client_key_exchange_ecdhe(named_group::secp256r1, bytes{0}).error() ==
        errc::tls_bad_public_key);
  p_body[1] = 0x03;  // compressed
  CHECK(kagi::tls12::decode_client_key_exchange_ecdhe(named_group::secp256r1, p_body).error() ==
        errc::tls_bad_public_key);
  CHECK(kagi::tls12::decode_client_key_exchange_ecdhe(static_cast<named_group>(24), x_body).error() ==
        errc::tls_unsupported_group);
}

TEST_CASE("ECDHE encoders refuse bad keys and short buffers") {
  const bytes x_key(32, 1);
  const kagi::tls12::server_ecdh_params params{named_group::x25519, x_key};
  CHECK(params.encoded_size() == 36);
  bytes out(36);
  CHECK(kagi::tls12::encode_server_ecdh_params(params, out));
  CHECK(kagi::tls12::encode_server_ecdh_params(params, kagi::mutable_bytes(out).first(35)).error() ==
        errc::buffer_too_small);
  CHECK(kagi::tls12::encode_server_ecdh_params({named_group::secp256r1, x_key}, out).error() ==
        errc::tls_bad_public_key);
  CHECK(kagi::tls12::encode_server_ecdh_params({static_cast<named_group>(24), x_key}, out).error() ==
        errc::tls_unsupported_group);
  bytes ske(36 + 4 + 10);
  CHECK(kagi::tls12::encode_server_key_exchange_ecdhe(params, 0x0804, bytes(10, 7), ske));
  CHECK(kagi::tls12::encode_server_key_exchange_ecdhe(params, 0x0804, bytes(11, 7), ske).error() ==
        errc::buffer_too_small);
  const bytes huge(0x10000, 0);
  bytes big(0x10100);
  CHECK(kagi::tls12::encode_server_key_exchange_ecdhe(params, 0x0804, huge, big).error() == errc::bad_length);
  kagi::tls12::random cr{}, sr{};
  bytes sd(99);
  CHECK(kagi::tls12::server_signed_data(cr, sr, params, sd).error() == errc::buffer_too_small);
  bytes cke(32);
  CHECK(kagi::tls12::encode_client_key_exchange_ecdhe(named_group::x25519, x_key, cke).error() ==
        errc::buffer_too_small);
  CHECK(kagi::tls12::encode_client_key_exchange_ecdhe(named_group::secp256r1, x_key, big).error() ==
        errc::tls_bad_public_key);
}

TEST_CASE("ECDHE exchanges through the messages give both sides the same pre-master secret") {
  kagi_test::test_rng rng(31);
  for (named_group group : {named_group::x25519, named_group::secp256r1}) {
    INFO("group " << static_cast<int>(group));
    for (int i = 0; i < 5; ++i) {
      const auto server_key = kagi::tls12::ecdhe_private_key::generate(group, rng);
      const auto client_key = kagi::tls12::ecdhe_private_key::generate(group, rng);
      REQUIRE(server_key);
      REQUIRE(client_key);
      const auto& server = *server_key;
      const auto& client = *client_key;
      CHECK(server.group() == group);
      // Server: ServerKeyExchange with its public key (a dummy signature here).
      bytes spub(kagi::tls12::ecdh_public_key_size(group));
      REQUIRE(server.public_key(spub));
      bytes ske(4 + spub.size() + 4 + 3);
      REQUIRE(kagi::tls12::encode_server_key_exchange_ecdhe({group, spub}, 0x0804, bytes{1, 2, 3}, ske));
      // Client: decodes it, answers with its public key, computes the secret.
      const auto got = kagi::tls12::decode_server_key_exchange_ecdhe(ske);
      REQUIRE(got);
      REQUIRE(got->params.group == group);
      bytes cpub(kagi::tls12::ecdh_public_key_size(group));
      REQUIRE(client.public_key(cpub));
      bytes cke(1 + cpub.size());
      REQUIRE(kagi::tls12::encode_client_key_exchange_ecdhe(group, cpub, cke));
      const auto client_pms = client.premaster_secret(got->params.public_key);
      REQUIRE(client_pms);
      // Server: decodes the ClientKeyExchange and computes the same secret.
      const auto ckey = kagi::tls12::decode_client_key_exchange_ecdhe(group, cke);
      REQUIRE(ckey);
      const auto server_pms = server.premaster_secret(*ckey);
      REQUIRE(server_pms);
      CHECK(*server_pms == *client_pms);
    }
  }
}

TEST_CASE("ECDHE private keys: from_bytes and refused peer keys") {
  std::array<std::uint8_t, 32> zero{}, seven{};
  seven[31] = 7;
  CHECK(kagi::tls12::ecdhe_private_key::from_bytes(named_group::secp256r1, zero).error() == errc::invalid_argument);
  CHECK(kagi::tls12::ecdhe_private_key::from_bytes(static_cast<named_group>(24), seven).error() ==
        errc::tls_unsupported_group);
  const auto p = kagi::tls12::ecdhe_private_key::from_bytes(named_group::secp256r1, seven);
  REQUIRE(p);
  bytes pub(65);
  REQUIRE(p->public_key(pub));
  CHECK(pub == view_bytes(*kagi::p256::public_key(seven)));
  const auto x = kagi::tls12::ecdhe_private_key::from_bytes(named_group::x25519, zero);  // any 32 bytes for X25519
  REQUIRE(x);
  bytes xpub(32);
  REQUIRE(x->public_key(xpub));
  CHECK(xpub == view_bytes(kagi::x25519::public_key(zero)));
  CHECK(x->public_key(kagi::mutable_bytes(xpub).first(31)).error() == errc::buffer_too_small);

  // A low-order X25519 key (all-zero secret), an off-curve P-256 point, wrong lengths.
  CHECK(x->premaster_secret(bytes(32, 0)).error() == errc::tls_bad_public_key);
  CHECK(x->premaster_secret(bytes(31, 9)).error() == errc::tls_bad_public_key);
  bytes off = pub;
  off[64] ^= 1;
  CHECK(p->premaster_secret(off).error() == errc::tls_bad_public_key);
  CHECK(p->premaster_secret(bytes(32, 9)).error() == errc::tls_bad_public_key);
  // The P-256 pre-master secret is the x-coordinate of the shared point.
  const auto pms = p->premaster_secret(pub);  // 7 * 7G
  REQUIRE(pms);
  std::array<std::uint8_t, 32> k49{};
  k49[31] = 49;
  const auto p49 = kagi::p256::public_key(k49);
  REQUIRE(p49);
  CHECK(view_bytes(*pms) == bytes(p49->begin() + 1, p49->begin() + 33));
}

TEST_CASE("ECDHE private keys: an unsupported group is refused by generate, from_bytes, public_key and premaster_secret") {
  // generate and from_bytes refuse the group before drawing or copying anything
  // (also at compile time).
  static_assert([] {
    counting_rng rng;
    const auto k = kagi::tls12::ecdhe_private_key::generate(static_cast<named_group>(24), rng);
    return !k && k.error() == errc::tls_unsupported_group && rng.drawn == 0;
  }());
  static_assert([] {
    const std::array<std::uint8_t, 32> seven{7};
    return kagi::tls12::ecdhe_private_key::from_bytes(static_cast<named_group>(30), seven).error() ==
           errc::tls_unsupported_group;
  }());
  std::array<std::uint8_t, 32> seven{};
  seven[31] = 7;
  const auto x = kagi::tls12::ecdhe_private_key::from_bytes(named_group::x25519, seven);
  REQUIRE(x);
  for (const std::uint16_t id : unsupported_groups) {
    INFO("group " << id);
    const auto g = static_cast<named_group>(id);
    CHECK(kagi::tls12::ecdh_public_key_size(g) == 0);
    counting_rng rng;
    const auto k = kagi::tls12::ecdhe_private_key::generate(g, rng);
    REQUIRE_FALSE(k);
    CHECK(k.error() == errc::tls_unsupported_group);
    CHECK(rng.drawn == 0);
    CHECK(kagi::tls12::ecdhe_private_key::from_bytes(g, seven).error() == errc::tls_unsupported_group);

    // A key of that group made behind the factories' back: public_key writes
    // nothing into a buffer of any size, premaster_secret refuses any peer key.
    const auto bad = kagi::tls12::detail::ecdhe_private_key_probe::with_group(*x, g);
    for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{32}, std::size_t{65}, std::size_t{100}}) {
      INFO("buffer " << size);
      bytes out(size, 0xa5);
      const auto n = bad.public_key(out);
      REQUIRE_FALSE(n);
      CHECK(n.error() == errc::tls_unsupported_group);
      CHECK(out == bytes(size, 0xa5));
    }
    CHECK(bad.premaster_secret(bytes(32, 9)).error() == errc::tls_unsupported_group);
    bytes point(65, 0);
    point[0] = 4;
    CHECK(bad.premaster_secret(point).error() == errc::tls_unsupported_group);
  }
}

TEST_CASE("ECDHE private keys: public_key writes exactly the length it returns") {
  kagi_test::test_rng rng(47);
  for (named_group group : {named_group::x25519, named_group::secp256r1}) {
    INFO("group " << static_cast<int>(group));
    const auto k = kagi::tls12::ecdhe_private_key::generate(group, rng);
    REQUIRE(k);
    CHECK(k->group() == group);
    const std::size_t size = kagi::tls12::ecdh_public_key_size(group);
    bytes exact(size);
    REQUIRE(k->public_key(exact));
    bytes big(100, 0xa5);
    const auto n = k->public_key(big);
    REQUIRE(n);
    CHECK(*n == size);
    CHECK(bytes(big.begin(), big.begin() + static_cast<std::ptrdiff_t>(size)) == exact);
    CHECK(bytes(big.begin() + static_cast<std::ptrdiff_t>(size), big.end()) == bytes(100 - size, 0xa5));
    bytes small(size - 1, 0xa5);
    CHECK(k->public_key(small).error() == errc::buffer_too_small);
    CHECK(small == bytes(size - 1, 0xa5));
  }
}
