// encoding/pem.hpp: base64 (RFC 4648 section 10 vectors, OpenSSL on random
// input, strictness) and PEM armour (real key and certificate files, several
// blocks, broken armour, truncated and bit-flipped text).
#include <doctest/doctest.h>

#include <kagi/encoding/pem.hpp>
#include <string>
#include <vector>

#include "support/kat.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

#if KAGI_HAVE_OPENSSL
#include <openssl/evp.h>
#endif

using kagi::errc;
using kagi_test::bytes;

namespace {

std::string enc(std::string_view s) { return kagi::base64::encode(kagi::as_bytes(s)); }

kagi::result<std::string> dec(std::string_view text, bool skip_space = false) {
  bytes out(text.size());
  auto n = kagi::base64::decode(text, out, skip_space);
  if (!n) return n.error();
  return std::string(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n));
}

// "foobar" through constexpr encode and decode.
constexpr bool constexpr_round_trip() {
  const std::uint8_t msg[6] = {'f', 'o', 'o', 'b', 'a', 'r'};
  char text[8] = {};
  auto n = kagi::base64::encode(msg, text);
  if (!n || *n != 8) return false;
  const char expect[] = "Zm9vYmFy";
  for (int i = 0; i < 8; ++i)
    if (text[i] != expect[i]) return false;
  std::uint8_t back[6] = {};
  auto m = kagi::base64::decode(std::string_view(text, 8), back);
  if (!m || *m != 6) return false;
  for (int i = 0; i < 6; ++i)
    if (back[i] != msg[i]) return false;
  return true;
}

}  // namespace

TEST_CASE("base64 RFC 4648 section 10 vectors") {
  const std::pair<const char*, const char*> v[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                   {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& pair : v) {
    const std::string plain = pair.first, text = pair.second;
    INFO(plain);
    CHECK(enc(plain) == text);
    CHECK(*dec(text) == plain);
  }
  KAGI_CHECK_CONSTEXPR(constexpr_round_trip());
}

TEST_CASE("base64 every byte value and every length round-trips") {
  kagi_test::test_rng rng(11);
  bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
  for (std::size_t len = 0; len <= 300; ++len) {
    const bytes msg = len <= 256 ? bytes(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(len)) : rng.bytes(len);
    const std::string text = kagi::base64::encode(msg);
    CHECK(text.size() == kagi::base64::encoded_size(len));
    bytes back(len);
    auto n = kagi::base64::decode(text, back);
    REQUIRE(n);
    CHECK(*n == len);
    CHECK(back == msg);
#if KAGI_HAVE_OPENSSL
    std::string ossl(text.size() + 1, '\0');
    const int m = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(ossl.data()), msg.data(), static_cast<int>(len));
    ossl.resize(static_cast<std::size_t>(m));
    CHECK(text == ossl);
#endif
  }
}

TEST_CASE("base64 refuses what is not canonical base64") {
  for (const char* bad : {"Z", "Zg", "Zg=", "Zm9", "Zg===", "Zm9vY", "Z===", "====", "Zg==Zg==", "Zm=v", "Zh==",
                          "Zm9=", "Zm8 ", "Zm-v", "Zm_v", "Zm9v\n", "Zm9v\x80", "Zm\0v"}) {
    INFO(bad);
    CHECK(dec(bad).error() == errc::bad_base64);
  }
  CHECK(*dec("Zm9v\nYmFy\r\n", true) == "foobar");
  CHECK(*dec(" Z g = = ", true) == "f");
  // Output space.
  bytes small(2);
  CHECK(kagi::base64::decode("Zm9v", small).error() == errc::buffer_too_small);
  char text[3];
  CHECK(kagi::base64::encode(kagi::as_bytes("ab"), text).error() == errc::buffer_too_small);
}

TEST_CASE("PEM blocks in real files") {
  const std::string key = kagi_test::read_vector_file("tls12_capture/openssl_capture_key.pem");
  const std::string cert = kagi_test::read_vector_file("tls12_capture/openssl_capture_cert.pem");
  auto b = kagi::pem::find(key);
  REQUIRE(b);
  CHECK(b->label == "PRIVATE KEY");
  bytes der(4096);
  auto n = kagi::pem::decode(key, "PRIVATE KEY", der);
  REQUIRE_MESSAGE(n, n.message());
  CHECK(der[0] == 0x30);
  // Encoding again gives the same text (OpenSSL writes 64-character lines).
  CHECK(kagi::pem::encode("PRIVATE KEY", kagi::bytes_view(der).first(*n)) == key);

  CHECK(kagi::pem::decode(cert, "CERTIFICATE", der));
  CHECK(kagi::pem::decode(cert, "PRIVATE KEY", der).error() == errc::pem_wrong_label);
  CHECK(kagi::pem::decode("no armour here", "", der).error() == errc::pem_no_block);

  // Several blocks, text around them: the label picks one.
  const std::string both = "Key and certificate:\n" + key + "some words\n" + cert;
  auto c = kagi::pem::find(both, "CERTIFICATE");
  REQUIRE(c);
  CHECK(c->label == "CERTIFICATE");
  CHECK(kagi::pem::find(both)->label == "PRIVATE KEY");
  CHECK(kagi::pem::find(c->rest).error() == errc::pem_no_block);
  // find_any: the first block with one of the labels, in the text's order.
  auto any = kagi::pem::find_any(both, {"CERTIFICATE", "PRIVATE KEY"});
  REQUIRE(any);
  CHECK(any->label == "PRIVATE KEY");
  auto second = kagi::pem::find_any(any->rest, {"CERTIFICATE", "PRIVATE KEY"});
  REQUIRE(second);
  CHECK(second->body == c->body);
  CHECK(kagi::pem::find_any(both, {"PUBLIC KEY", "RSA PUBLIC KEY"}).error() == errc::pem_wrong_label);
  CHECK(kagi::pem::find_any("plain text", {"PUBLIC KEY"}).error() == errc::pem_no_block);
  CHECK(kagi::pem::find_any(both, {}).error() == errc::pem_wrong_label);
  bytes small(16);
  CHECK(kagi::pem::decode(both, "CERTIFICATE", small).error() == errc::buffer_too_small);
}

TEST_CASE("PEM armour errors") {
  const std::string body = "Zm9vYmFy\n";
  auto label_of = [](const std::string& t) { return kagi::pem::find(t); };
  CHECK(label_of("-----BEGIN X-----\n" + body + "-----END X-----\n")->label == "X");
  CHECK(label_of("-----BEGIN RSA PRIVATE KEY-----\r\n" + body + "-----END RSA PRIVATE KEY-----")->label ==
        "RSA PRIVATE KEY");
  CHECK(label_of("-----BEGIN X-----\n" + body + "-----END Y-----\n").error() == errc::pem_bad_armor);
  CHECK(label_of("-----BEGIN X-----\n" + body).error() == errc::pem_bad_armor);
  CHECK(label_of("-----BEGIN X\n" + body + "-----END X-----\n").error() == errc::pem_bad_armor);
  CHECK(label_of("-----BEGIN X----- junk\n" + body + "-----END X-----\n").error() == errc::pem_bad_armor);
  CHECK(label_of("-----BEGIN X-----\n" + body + "-----END X----- junk\n").error() == errc::pem_bad_armor);
  CHECK(label_of("-----BEGIN X-----\n" + body + "-----END X----").error() == errc::pem_bad_armor);
  CHECK(label_of("-----BEGIN  X-----\n" + body + "-----END  X-----\n").error() == errc::pem_bad_armor);
  CHECK(label_of("-----BEGIN X--Y-----\n" + body + "-----END X--Y-----\n").error() == errc::pem_bad_armor);
  CHECK(label_of("x-----BEGIN X-----\n" + body + "-----END X-----\n").error() == errc::pem_bad_armor);
  CHECK(label_of("-----BEGIN X-----\n" + body + "x-----END X-----\n").error() == errc::pem_bad_armor);
  bytes out(64);
  // Legacy encrypted PEM headers are not base64.
  CHECK(kagi::pem::decode("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n" + body +
                              "-----END RSA PRIVATE KEY-----\n",
                          "RSA PRIVATE KEY", out)
            .error() == errc::bad_base64);
}

TEST_CASE("PEM: every truncation and bit flip of a key file is handled") {
  const std::string key = kagi_test::read_vector_file("tls12_capture/openssl_capture_key.pem");
  bytes out(4096);
  bytes good(4096);
  const auto n = kagi::pem::decode(key, "PRIVATE KEY", good);
  REQUIRE(n);
  for (std::size_t len = 0; len < key.size(); ++len) {
    INFO("prefix length " << len);
    auto r = kagi::pem::decode(std::string_view(key).substr(0, len), "PRIVATE KEY", out);
    // The only prefixes that decode are those that end inside the last line's
    // trailing whitespace; they give the same bytes.
    if (r) CHECK(bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*r)) ==
                 bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(*n)));
  }
  std::size_t refused = 0;
  for (std::size_t i = 0; i < key.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = key;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      auto r = kagi::pem::decode(flipped, "PRIVATE KEY", out);
      if (!r) ++refused;
    }
  }
  CHECK(refused > key.size());
}
