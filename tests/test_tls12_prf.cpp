// tls12/prf.hpp on every path: the P_SHA256 vector, NIST SP 800-135
// [TLS 1.2, SHA-256], the key schedule at compile time, chunked seeds, and
// OpenSSL's TLS1-PRF on random inputs; the generic PRF (over any block_hash)
// against P_hash written the long way from the hash's own streaming interface,
// over SHA-256 and over a stand-in hash with SHA-384's shape; and, once
// hash/sha512.hpp exists, P_SHA384: NIST [TLS 1.2, SHA-384] and OpenSSL.
#include <doctest/doctest.h>

#include <kagi/tls12/prf.hpp>
#include <string>
#include <vector>
#if __has_include(<kagi/hash/sha512.hpp>)
#include <kagi/hash/sha512.hpp>
#define KAGI_TEST_HAVE_SHA384 1
#else
#define KAGI_TEST_HAVE_SHA384 0
#endif

#include "support/block_hash_stand_in.hpp"
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

// ---- the PRF over other hashes ----------------------------------------------

namespace {

using kagi_test::hmac_reference;
using kagi_test::wide_test_hash;

// P_hash (RFC 5246 section 5) the long way: A(0) = seed, A(i) = HMAC(secret, A(i-1)),
// output = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...
template <class H>
bytes p_hash_reference(std::span<const std::uint8_t> secret, std::span<const std::uint8_t> seed, std::size_t n) {
  bytes out;
  bytes a = hmac_reference<H>(secret, seed);
  while (out.size() < n) {
    const bytes block = hmac_reference<H>(secret, concat({a, seed}));
    out.insert(out.end(), block.begin(), block.end());
    a = hmac_reference<H>(secret, a);
  }
  out.resize(n);
  return out;
}

template <class H>
void check_against_reference(std::uint64_t seed_value) {
  kagi_test::test_rng rng(seed_value);
  // Message lengths around every block edge of the first HMAC (label || seed)
  // and the output HMACs (A(i) || label || seed); keys around the block size.
  for (std::size_t seed_len = 0; seed_len <= 2 * H::block_size + 40; ++seed_len) {
    const bytes secret = rng.bytes(seed_len % 7 == 0 ? H::block_size + seed_len % 3 : rng.uniform(0, 60));
    const bytes seed = rng.bytes(seed_len);
    const std::string label = "label" + std::string(seed_len % 5, 'x');
    const std::size_t n = rng.uniform(1, 4 * H::digest_size + 5);
    bytes out(n);
    tls12::prf<H>(secret, label, seed, out);
    INFO("secret " << secret.size() << " seed " << seed.size() << " out " << n);
    CHECK(out == p_hash_reference<H>(secret, concat({kagi::as_bytes(label), seed}), n));
  }
  // Key schedule: the same PRF calls with the fixed labels.
  const bytes pms = rng.bytes(48);
  const auto cr = to_array<32>(rng.bytes(32));
  const auto sr = to_array<32>(rng.bytes(32));
  const auto hs = to_array<H::digest_size>(rng.bytes(H::digest_size));
  const auto ms = tls12::compute_master_secret<H>(pms, cr, sr);
  CHECK(bytes(ms.begin(), ms.end()) ==
        p_hash_reference<H>(pms, concat({kagi::as_bytes(tls12::master_secret_label), cr, sr}), 48));
  const auto ems = tls12::compute_extended_master_secret<H>(pms, hs);
  CHECK(bytes(ems.begin(), ems.end()) ==
        p_hash_reference<H>(pms, concat({kagi::as_bytes(tls12::extended_master_secret_label), hs}), 48));
  const bytes kb = p_hash_reference<H>(ms, concat({kagi::as_bytes(tls12::key_expansion_label), sr, cr}), 72);
  const auto k16 = tls12::derive_session_keys<H>(ms, cr, sr);
  CHECK(concat({k16.client_write_key, k16.server_write_key, k16.client_write_iv, k16.server_write_iv}) ==
        bytes(kb.begin(), kb.begin() + 40));
  const auto k32 = tls12::derive_session_keys<H, 32>(ms, cr, sr);
  CHECK(concat({k32.client_write_key, k32.server_write_key, k32.client_write_iv, k32.server_write_iv}) == kb);
  const auto vd = tls12::verify_data<H>(ms, tls12::server_finished_label, hs);
  CHECK(bytes(vd.begin(), vd.end()) ==
        p_hash_reference<H>(ms, concat({kagi::as_bytes(tls12::server_finished_label), hs}), 12));
}

constexpr std::array<std::uint8_t, 100> wide_prf_at_compile_time() {
  std::array<std::uint8_t, 100> out{};
  tls12::prf<wide_test_hash>("9bbe436ba940f017b17652849a71db35"_hex, "test label",
                             {"a0ba9f936cda311827a6f796ffd5198c"_hex, "00"_hex}, out);
  return out;
}

}  // namespace

TEST_CASE("TLS 1.2 PRF over SHA-256 equals P_hash written from SHA-256's streaming interface") {
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) { check_against_reference<kagi::sha256>(30); });
}

TEST_CASE("TLS 1.2 PRF over a hash of SHA-384's shape equals P_hash written from its streaming interface") {
  // The stand-in's own streaming: any split of the message gives the same digest.
  kagi_test::test_rng rng(31);
  const bytes msg = rng.bytes(300);
  const auto whole = wide_test_hash().update(msg).finish();
  for (std::size_t i = 0; i <= msg.size(); i += 7) {
    wide_test_hash h;
    h.update(std::span(msg).first(i)).update(std::span(msg).subspan(i));
    CHECK(h.finish() == whole);
  }
  check_against_reference<wide_test_hash>(32);
  // At compile time the same as at run time (the reference).
  constexpr auto at_compile_time = wide_prf_at_compile_time();
  const bytes label_seed = concat({kagi::as_bytes(std::string_view("test label")),
                                   "a0ba9f936cda311827a6f796ffd5198c00"_hex});
  CHECK(bytes(at_compile_time.begin(), at_compile_time.end()) ==
        p_hash_reference<wide_test_hash>("9bbe436ba940f017b17652849a71db35"_hex, label_seed, 100));
}

TEST_CASE("TLS 1.2 AES-256-GCM session keys are the first 72 bytes of the key block") {
  const auto records = kagi_test::parse_records("nist/kdf135/tls.rsp");
  kagi_test::on_every_sha256_path([&](const kagi_test::path&) {
    std::size_t n = 0;
    for (const auto& r : records) {
      if (r.header("@") != "TLS 1.2, SHA-256") continue;
      INFO(r.where());
      ++n;
      const auto keys = tls12::derive_session_keys<kagi::sha256, 32>(
          to_array<48>(r.get_hex("master_secret")), to_array<32>(r.get_hex("client_random")),
          to_array<32>(r.get_hex("server_random")));
      const bytes expected_kb = r.get_hex("key_block");
      CHECK(concat({keys.client_write_key, keys.server_write_key, keys.client_write_iv, keys.server_write_iv}) ==
            bytes(expected_kb.begin(), expected_kb.begin() + 72));
    }
    CHECK(n == 10);
  });
  static_assert(tls12::gcm_session_keys<32>::key_block_size == 72);
  static_assert(tls12::session_keys::key_block_size == 40);
}

#if KAGI_TEST_HAVE_SHA384
TEST_CASE("TLS 1.2 key schedule: NIST SP 800-135 tls.rsp [TLS 1.2, SHA-384]") {
  static_assert(kagi::block_hash<kagi::sha384>);
  const auto records = kagi_test::parse_records("nist/kdf135/tls.rsp");
  std::size_t n = 0;
  for (const auto& r : records) {
    if (r.header("@") != "TLS 1.2, SHA-384") continue;
    INFO(r.where());
    ++n;
    const auto ms = tls12::compute_master_secret<kagi::sha384>(r.get_hex("pre_master_secret"),
                                                              to_array<32>(r.get_hex("clientHello_random")),
                                                              to_array<32>(r.get_hex("serverHello_random")));
    CHECK(bytes(ms.begin(), ms.end()) == r.get_hex("master_secret"));
    const auto expected_ms = to_array<48>(r.get_hex("master_secret"));
    const auto cr = to_array<32>(r.get_hex("client_random"));
    const auto sr = to_array<32>(r.get_hex("server_random"));
    bytes kb(std::stoul(r.header("key block length")) / 8);
    tls12::key_block<kagi::sha384>(expected_ms, cr, sr, kb);
    const bytes expected_kb = r.get_hex("key_block");
    CHECK(kb == expected_kb);
    // TLS_*_WITH_AES_256_GCM_SHA384: the first 72 bytes.
    const auto keys = tls12::derive_session_keys<kagi::sha384, 32>(expected_ms, cr, sr);
    CHECK(concat({keys.client_write_key, keys.server_write_key, keys.client_write_iv, keys.server_write_iv}) ==
          bytes(expected_kb.begin(), expected_kb.begin() + 72));
  }
  CHECK(n == 10);
}

namespace {
// tls.rsp [TLS 1.2, SHA-384] COUNT = 0, at compile time.
constexpr auto pms384 =
    "a5e2642633f5b8c81ad3fe0c2fe3a8e5ef806b06121dd10df4bb0fe857bfdcf522558e05d2682c9a80c741a3aab1716f"_hex;
constexpr tls12::random server_hello384 = "cb6e0b3eb02976b6466dfa9651c2919414f1648fd3a7838d02153e5bd39535b6"_hex;
constexpr tls12::random client_hello384 = "abe4bf5527429ac8eb13574d2709e8012bd1a113c6d3b1d3aa2c3840518778ac"_hex;
constexpr auto master384 =
    "b4d49bfa87747fe815457bc3da15073d6ac73389e703079a3503c09e14bd559a5b3c7c601c7365f6ea8c68d3d9596827"_hex;
}  // namespace

TEST_CASE("TLS 1.2 SHA-384 master secret at compile time") {
  KAGI_CHECK_CONSTEXPR(tls12::compute_master_secret<kagi::sha384>(pms384, client_hello384, server_hello384) ==
                       master384);
}

#if KAGI_HAVE_OPENSSL
namespace {
bytes openssl_tls1_prf_sha384(std::span<const std::uint8_t> secret, std::string_view label,
                              std::span<const std::uint8_t> seed, std::size_t out_len) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  bytes full_seed = concat({kagi::as_bytes(label), seed});
  char digest[] = "SHA384";
  static std::uint8_t empty = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
                                        secret.empty() ? &empty : const_cast<std::uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, full_seed.data(), full_seed.size()),
      OSSL_PARAM_construct_end(),
  };
  bytes out(out_len);
  const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  if (ok != 1) out.clear();
  return out;
}
}  // namespace

TEST_CASE("TLS 1.2 PRF over SHA-384 agrees with OpenSSL's TLS1-PRF") {
  kagi_test::test_rng rng(33);
  for (int i = 0; i < 200; ++i) {
    const bytes secret = rng.bytes(rng.uniform(1, 200));
    const bytes seed = rng.bytes(rng.uniform(0, 400));
    const std::string label = "label " + std::to_string(i);
    bytes out(rng.uniform(1, 300));
    tls12::prf<kagi::sha384>(secret, label, seed, out);
    INFO("secret " << secret.size() << " seed " << seed.size() << " out " << out.size());
    CHECK(out == openssl_tls1_prf_sha384(secret, label, seed, out.size()));
  }
  const bytes pms = rng.bytes(48);
  const auto cr = to_array<32>(rng.bytes(32));
  const auto sr = to_array<32>(rng.bytes(32));
  const auto hs = to_array<48>(rng.bytes(48));
  const auto ms = tls12::compute_master_secret<kagi::sha384>(pms, cr, sr);
  const auto ems = tls12::compute_extended_master_secret<kagi::sha384>(pms, hs);
  CHECK(bytes(ems.begin(), ems.end()) == openssl_tls1_prf_sha384(pms, "extended master secret", hs, 48));
  for (auto label : {tls12::client_finished_label, tls12::server_finished_label}) {
    const auto vd = tls12::verify_data<kagi::sha384>(ms, label, hs);
    CHECK(bytes(vd.begin(), vd.end()) == openssl_tls1_prf_sha384(ms, label, hs, 12));
  }
}
#endif
#endif
