// tls12/prf.hpp on every path: the P_SHA256 vector, NIST SP 800-135
// [TLS 1.2, SHA-256], the key schedule at compile time, chunked seeds, and
// OpenSSL's TLS1-PRF on random inputs.
#include <doctest/doctest.h>

#include <kagi/tls12/prf.hpp>
#include <string>
#include <vector>

#include "support/kat.hpp"
#include "support/openssl.hpp"
#include "support/sha256_paths.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

using namespace kagi::literals;
namespace tls12 = kagi::tls12;
using kagi_test::bytes;

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> to_array(const bytes& b) {
  REQUIRE(b.size() == N);
  std::array<std::uint8_t, N> a{};
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

bytes concat(std::initializer_list<std::span<const std::uint8_t>> parts) {
  bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace

TEST_CASE("TLS 1.2 PRF: P_SHA256 vector (tls12_prf/prf_sha256.txt)") {
  const auto records = kagi_test::parse_records("tls12_prf/prf_sha256.txt");
  REQUIRE(records.size() == 1);
  const auto& r = records[0];
  REQUIRE(r.get("hash") == "SHA-256");
  const std::string label = r.get("label");
  REQUIRE(kagi::to_hex(kagi::as_bytes(label)) == r.get("label_hex"));
  const bytes expected = r.get_hex("output");
  REQUIRE(expected.size() == std::stoul(r.get("output_length")));
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    bytes out(expected.size());
    tls12::prf(r.get_hex("secret"), label, r.get_hex("seed"), out);
    CHECK(out == expected);
    // Every shorter length is a prefix of the longer output.
    for (std::size_t n : {0u, 1u, 31u, 32u, 33u, 64u, 99u}) {
      bytes part(n);
      tls12::prf(r.get_hex("secret"), label, r.get_hex("seed"), part);
      CHECK(part == bytes(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(n)));
    }
  });
}

namespace {
constexpr std::array<std::uint8_t, 100> prf_at_compile_time() {
  std::array<std::uint8_t, 100> out{};
  tls12::prf("9bbe436ba940f017b17652849a71db35"_hex, "test label", "a0ba9f936cda311827a6f796ffd5198c"_hex, out);
  return out;
}
}  // namespace

TEST_CASE("TLS 1.2 PRF at compile time") {
  KAGI_CHECK_CONSTEXPR(
      prf_at_compile_time() ==
      "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"_hex);
}

TEST_CASE("TLS 1.2 key schedule: NIST SP 800-135 tls.rsp [TLS 1.2, SHA-256]") {
  const auto records = kagi_test::parse_records("nist/kdf135/tls.rsp");
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    std::size_t n = 0;
    for (const auto& r : records) {
      if (r.header("@") != "TLS 1.2, SHA-256") continue;
      INFO(r.where());
      ++n;
      const bytes pms = r.get_hex("pre_master_secret");
      REQUIRE(pms.size() * 8 == std::stoul(r.header("pre-master secret length")));
      // The master secret uses the hello randoms, client first ...
      const auto ms = tls12::compute_master_secret(pms, to_array<32>(r.get_hex("clientHello_random")),
                                                   to_array<32>(r.get_hex("serverHello_random")));
      CHECK(bytes(ms.begin(), ms.end()) == r.get_hex("master_secret"));
      // ... the key block the other pair, server first (key_block() orders them itself).
      const auto expected_ms = to_array<48>(r.get_hex("master_secret"));
      const auto cr = to_array<32>(r.get_hex("client_random"));
      const auto sr = to_array<32>(r.get_hex("server_random"));
      bytes kb(std::stoul(r.header("key block length")) / 8);
      tls12::key_block(expected_ms, cr, sr, kb);
      const bytes expected_kb = r.get_hex("key_block");
      CHECK(kb == expected_kb);
      // AES_128_GCM session keys are the first 40 bytes of the key block.
      const auto keys = tls12::derive_session_keys(expected_ms, cr, sr);
      CHECK(concat({keys.client_write_key, keys.server_write_key, keys.client_write_iv, keys.server_write_iv}) ==
            bytes(expected_kb.begin(), expected_kb.begin() + 40));
    }
    CHECK(n == 10);
  });
}

namespace {
// tls.rsp [TLS 1.2, SHA-256] COUNT = 0, derived entirely at compile time.
constexpr auto pms0 =
    "f8938ecc9edebc5030c0c6a441e213cd24e6f770a50dda07876f8d55da062bcadb386b411fd4fe4313a604fce6c17fbc"_hex;
constexpr tls12::random server_hello0 = "f6c9575ed7ddd73e1f7d16eca115415812a43c2b747daaaae043abfb50053fce"_hex;
constexpr tls12::random client_hello0 = "36c129d01a3200894b9179faac589d9835d58775f9b5ea3587cb8fd0364cae8c"_hex;
constexpr tls12::random server0 = "ae6c806f8ad4d80784549dff28a4b58fd837681a51d928c3e30ee5ff14f39868"_hex;
constexpr tls12::random client0 = "62e1fd91f23f558a605f28478c58cf72637b89784d959df7e946d3f07bd1b616"_hex;
constexpr auto master0 =
    "202c88c00f84a17a20027079604787461176455539e705be730890602c289a5001e34eeb3a043e5d52a65e66125188bf"_hex;
constexpr bool client_key_matches() {
  const auto keys = tls12::derive_session_keys(master0, client0, server0);
  return keys.client_write_key == "d06139889fffac1e3a71865f504aa5d0"_hex &&
         keys.client_write_iv == "016a2530"_hex && keys.server_write_iv == "c51a3a0f"_hex;
}
}  // namespace

TEST_CASE("TLS 1.2 master secret and session keys at compile time") {
  KAGI_CHECK_CONSTEXPR(tls12::compute_master_secret(pms0, client_hello0, server_hello0) == master0);
  KAGI_CHECK_CONSTEXPR(client_key_matches());
}

TEST_CASE("TLS 1.2 PRF: a seed in pieces equals the concatenated seed") {
  kagi_test::test_rng rng(20);
  const bytes secret = rng.bytes(48), a = rng.bytes(32), b = rng.bytes(13), c = rng.bytes(70);
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    bytes one(77), pieces(77);
    tls12::prf(secret, "label", concat({a, b, c}), one);
    tls12::prf(secret, "label", {a, b, c}, pieces);
    CHECK(one == pieces);
    tls12::prf(secret, "label", {a, {}, b, c}, pieces);
    CHECK(one == pieces);
  });
}

#if KAGI_HAVE_OPENSSL
TEST_CASE("TLS 1.2 PRF and key schedule agree with OpenSSL's TLS1-PRF") {
  kagi_test::test_rng rng(21);
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    for (int i = 0; i < 200; ++i) {
      const bytes secret = rng.bytes(rng.uniform(1, 100));
      const bytes seed = rng.bytes(rng.uniform(0, 400));
      const std::string label = "label " + std::to_string(i);
      bytes out(rng.uniform(1, 300));
      tls12::prf(secret, label, seed, out);
      INFO("secret " << secret.size() << " seed " << seed.size() << " out " << out.size());
      CHECK(out == kagi_test::ossl::tls1_prf(secret, label, seed, out.size()));
    }
    const bytes pms = rng.bytes(48);
    const auto cr = to_array<32>(rng.bytes(32));
    const auto sr = to_array<32>(rng.bytes(32));
    const auto hs = to_array<32>(rng.bytes(32));
    const auto ms = tls12::compute_master_secret(pms, cr, sr);
    CHECK(bytes(ms.begin(), ms.end()) == kagi_test::ossl::tls1_prf(pms, "master secret", concat({cr, sr}), 48));
    const auto ems = tls12::compute_extended_master_secret(pms, hs);
    CHECK(bytes(ems.begin(), ems.end()) == kagi_test::ossl::tls1_prf(pms, "extended master secret", hs, 48));
    const auto keys = tls12::derive_session_keys(ms, cr, sr);
    CHECK(concat({keys.client_write_key, keys.server_write_key, keys.client_write_iv, keys.server_write_iv}) ==
          kagi_test::ossl::tls1_prf(ms, "key expansion", concat({sr, cr}), 40));
    for (auto label : {tls12::client_finished_label, tls12::server_finished_label}) {
      const auto vd = tls12::verify_data(ms, label, hs);
      CHECK(bytes(vd.begin(), vd.end()) == kagi_test::ossl::tls1_prf(ms, label, hs, 12));
    }
  });
}
#endif
