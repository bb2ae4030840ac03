// ec/ecdsa_p256.hpp on every P-256 path: RFC 6979 A.2.5 (nonces and
// signatures, also at compile time), Wycheproof ecdsa_secp256r1_sha256 (DER,
// keys as points and as SubjectPublicKeyInfo), _sha512 and _sha256_p1363,
// NIST CAVP SigVer and SigGen [P-256,SHA-*], the scalar arithmetic mod n
// against its definitions, the verifier's exceptional additions, malformed
// and out-of-range signatures, the paths against each other, OpenSSL both
// ways, and a dudect timing check of signing.
#include <doctest/doctest.h>

#include <array>
#include <kagi/ec/ecdsa_p256.hpp>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/hash/sha256.hpp>
#include <kagi/hash/sha512.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/dudect.hpp"
#include "support/kat.hpp"
#include "support/openssl_ecdh.hpp"
#include "support/paths.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

using namespace kagi::literals;
using kagi::errc;
using kagi_test::bytes;
using scalar = std::array<std::uint8_t, 32>;

namespace {

namespace d = kagi::detail::p256;
using F = d::field_mont;
using S = d::scalar_mont;

template <class Body>
void on_every_path(Body body) {
  kagi_test::for_each_path(d::p256_table, body);
}

bytes to_bytes(std::span<const std::uint8_t> s) { return bytes(s.begin(), s.end()); }
bytes text(std::string_view s) { return bytes(s.begin(), s.end()); }

// A big-endian integer (possibly with a leading 00, or shorter) as 32 bytes.
scalar to_scalar(const bytes& b) {
  std::size_t skip = 0;
  while (b.size() - skip > 32) {
    REQUIRE(b[skip] == 0);
    ++skip;
  }
  scalar s{};
  std::copy(b.begin() + static_cast<std::ptrdiff_t>(skip), b.end(), s.end() - (b.size() - skip));
  return s;
}

bytes point_of(const bytes& x, const bytes& y) {
  bytes p{0x04};
  const scalar xs = to_scalar(x), ys = to_scalar(y);
  p.insert(p.end(), xs.begin(), xs.end());
  p.insert(p.end(), ys.begin(), ys.end());
  return p;
}

constexpr bool same(const d::fe& a, const d::fe& b) { return d::equal(a, b); }

// The digest of msg with the named hash: SHA-256/384/512 by kagi; SHA-1 and
// SHA-224 (NIST sections) by OpenSSL when it is there.
std::optional<bytes> digest_of(std::string_view hash, const bytes& msg) {
  if (hash == "SHA-256") return to_bytes(kagi::sha256::hash(msg));
  if (hash == "SHA-384") return to_bytes(kagi::sha384::hash(msg));
  if (hash == "SHA-512") return to_bytes(kagi::sha512::hash(msg));
#if KAGI_HAVE_OPENSSL
  const EVP_MD* md = hash == "SHA-1" ? EVP_sha1() : hash == "SHA-224" ? EVP_sha224() : nullptr;
  if (md != nullptr) {
    bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int len = 0;
    if (EVP_Digest(msg.data(), msg.size(), out.data(), &len, md, nullptr) == 1 && len == out.size()) return out;
  }
#endif
  return std::nullopt;
}

// RFC 6979 A.2.5.
constexpr auto rfc_x = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"_hex;
constexpr auto rfc_u =
    "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"_hex;
constexpr auto rfc_sample = "73616d706c65"_hex;  // "sample"
constexpr auto rfc_sample_sha256 = kagi::sha256::hash(rfc_sample);
constexpr auto rfc_sample_sig =
    "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"_hex;
constexpr auto rfc_sample_der =
    "3046022100efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716022100f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"_hex;

constexpr auto n_bytes = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"_hex;
constexpr auto n_minus_1 = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"_hex;

constexpr bool rfc_sample_verifies() {
  return kagi::p256::verify_digest(rfc_u, rfc_sample_sha256, rfc_sample_der).has_value() &&
         kagi::p256::verify_digest_p1363(rfc_u, rfc_sample_sha256, rfc_sample_sig).has_value();
}
constexpr bool rfc_sample_refused_when_changed() {
  auto sig = rfc_sample_sig;
  sig[63] ^= 1;
  return kagi::p256::verify_digest_p1363(rfc_u, rfc_sample_sha256, sig).error() == errc::ecdsa_bad_signature;
}

scalar random_valid_scalar(kagi_test::test_rng& rng) {
  scalar k{};
  do rng.fill(k);
  while (!kagi::p256::is_valid_private_key(k));
  return k;
}

d::fe random_below_n(kagi_test::test_rng& rng) {
  const scalar k = random_valid_scalar(rng);
  return d::load_be(k.data());
}

// x mod n of P's affine x-coordinate, with the plain field.
d::fe x_mod_n(const d::point& p) {
  const d::fe x = d::from_mont<F>(d::to_affine<F>(p).x);
  return d::reduce_once_mod(x, 0, d::n_raw);
}

#if KAGI_HAVE_OPENSSL
// OpenSSL ECDSA on a digest (EVP_PKEY_sign / EVP_PKEY_verify: DER signatures).
bytes ossl_sign(const kagi_test::ossl::pkey& key, const bytes& digest) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.get(), nullptr);
  bytes sig(kagi::p256::max_der_signature_size);
  size_t len = sig.size();
  if (ctx == nullptr || EVP_PKEY_sign_init(ctx) != 1 ||
      EVP_PKEY_sign(ctx, sig.data(), &len, digest.data(), digest.size()) != 1)
    len = 0;
  EVP_PKEY_CTX_free(ctx);
  sig.resize(len);
  return sig;
}
bool ossl_verify(const kagi_test::ossl::pkey& key, const bytes& digest, std::span<const std::uint8_t> sig) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.get(), nullptr);
  const bool ok = ctx != nullptr && EVP_PKEY_verify_init(ctx) == 1 &&
                  EVP_PKEY_verify(ctx, sig.data(), sig.size(), digest.data(), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}
#endif

}  // namespace

TEST_CASE("ECDSA P-256 known answers at compile time (RFC 6979 A.2.5, SHA-256, \"sample\")") {
  KAGI_CHECK_CONSTEXPR(*kagi::p256::sign_digest_p1363(rfc_x, rfc_sample_sha256) == rfc_sample_sig);
  KAGI_CHECK_CONSTEXPR(rfc_sample_verifies());
  KAGI_CHECK_CONSTEXPR(rfc_sample_refused_when_changed());
}

TEST_CASE("ECDSA P-256 scalars mod n: Montgomery products and Fermat inverses") {
  // The constants are what their definitions say.
  static_assert(same(S::mul(d::n_one_mont, d::fe{{1, 0, 0, 0}}), d::fe{{1, 0, 0, 0}}));  // R / R = 1
  static_assert(same(d::scalar_from_mont<S>(d::scalar_to_mont<S>(d::fe{{5, 0, 0, 0}})), d::fe{{5, 0, 0, 0}}));
  static_assert(d::n0inv * d::n_raw.v[0] == ~std::uint64_t{0});  // -n^-1 n = -1 mod 2^64
  kagi_test::test_rng rng(31);
  const d::fe nm1 = d::load_be(n_minus_1.data());
  std::vector<d::fe> values = {d::fe{}, d::fe{{1, 0, 0, 0}}, d::fe{{2, 0, 0, 0}}, nm1, d::n_one_mont,
                               d::fe{{0, 0, 0, 0x8000000000000000}}};
  for (int i = 0; i < 300; ++i) values.push_back(random_below_n(rng));
  const auto check_field = [&](auto tag) {
    using T = decltype(tag);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const d::fe& a = values[i];
      const d::fe& b = values[(i * 7 + 3) % values.size()];
      // a b R^-1 R = a b mod n: a (b R) / R through the two forms.
      const d::fe ab = d::scalar_from_mont<T>(T::mul(d::scalar_to_mont<T>(a), d::scalar_to_mont<T>(b)));
      CHECK(same(ab, S::mul_w<kagi::detail::wide::wide_portable>(S::mul(a, b), d::n_r2)));
      CHECK(same(T::mul(a, b), S::mul_w<kagi::detail::wide::wide_portable>(a, b)));
      CHECK(same(T::sqr(a), S::mul(a, a)));
      CHECK(same(T::sub(T::add(a, b), b), a));
      if (i < 40 && !d::is_zero(a)) {
        const d::fe am = d::scalar_to_mont<T>(a);
        CHECK(same(T::mul(am, d::scalar_invert<T>(am)), d::n_one_mont));  // a a^-1 = 1 (R in Montgomery form)
      }
    }
    CHECK(d::is_zero(d::scalar_invert<T>(d::fe{})));
    // (n - 1)^2 = 1 and (n - 1) + 1 = 0.
    CHECK(same(d::scalar_from_mont<T>(T::mul(d::scalar_to_mont<T>(nm1), d::scalar_to_mont<T>(nm1))), d::fe{{1, 0, 0, 0}}));
    CHECK(d::is_zero(T::add(nm1, d::fe{{1, 0, 0, 0}})));
    CHECK(same(T::sub(d::fe{}, d::fe{{1, 0, 0, 0}}), nm1));
  };
  check_field(S{});
#if KAGI_X86
  if ((kagi::cpu::allowed() & d::p256_adx_needs) == d::p256_adx_needs) check_field(d::scalar_mont_adx{});
#endif
}

TEST_CASE("P-256 inverses: safegcd against Fermat's little theorem, mod p and mod n") {
  kagi_test::test_rng rng(37);
  const d::fe pm1{{d::p_raw.v[0] - 1, d::p_raw.v[1], d::p_raw.v[2], d::p_raw.v[3]}};
  const d::fe nm1 = d::load_be(n_minus_1.data());
  std::vector<d::fe> values = {d::fe{},
                               d::fe{{1, 0, 0, 0}},
                               d::fe{{2, 0, 0, 0}},
                               d::fe{{3, 0, 0, 0}},
                               pm1,
                               nm1,
                               d::fe{{0, 0, 0, 0x8000000000000000}},
                               d::fe{{0, 0, 0, 1}},
                               d::fe{{~0ull, ~0ull, ~0ull, 0x7fffffffffffffff}},
                               d::fe{{0x5555555555555555, 0x5555555555555555, 0x5555555555555555, 0x5555555555555555}},
                               d::one_mont,
                               d::n_one_mont};
  for (int bit = 0; bit < 256; bit += 9) {
    d::fe b{};
    b.v[bit / 64] = std::uint64_t{1} << (bit % 64);
    values.push_back(b);
  }
  for (int i = 0; i < 2000; ++i) {
    d::fe x = random_below_n(rng);
    if (i % 3 == 1) x.v[i % 4] = 0;                // long runs of zeros
    if (i % 3 == 2) x.v[(i + 1) % 4] = ~0ull >> 1;  // and of ones
    values.push_back(x);
  }
  for (const d::fe& x : values) {
    // x < n < p: an element of both.
    if (d::lt_mask(x, d::n_raw) == 0) continue;
    CHECK(same(d::invert<F>(x), d::invert_fermat<F>(x)));
    CHECK(same(d::scalar_invert<S>(x), d::scalar_invert_fermat<S>(x)));
  }
  // The values between n and p (p - 1 among them) mod p only.
  for (const d::fe& x : {pm1, d::fe{{d::n_raw.v[0], d::n_raw.v[1], d::n_raw.v[2], d::n_raw.v[3]}},
                         d::fe{{0, 0, 0, 0xffffffff00000001}}})
    CHECK(same(d::invert<F>(x), d::invert_fermat<F>(x)));
#if KAGI_X86
  if ((kagi::cpu::allowed() & d::p256_adx_needs) == d::p256_adx_needs) {
    for (std::size_t i = 0; i < 200; ++i) {
      CHECK(same(d::invert<d::field_mont_adx>(values[i]), d::invert_fermat<F>(values[i])));
      CHECK(same(d::scalar_invert<d::scalar_mont_adx>(values[i]), d::scalar_invert_fermat<S>(values[i])));
    }
  }
#endif
  // At compile time too.
  static_assert(same(d::invert<F>(d::fe{{3, 0, 0, 0}}), d::invert_fermat<F>(d::fe{{3, 0, 0, 0}})));
  static_assert(same(d::scalar_invert<S>(d::fe{{3, 0, 0, 0}}), d::scalar_invert_fermat<S>(d::fe{{3, 0, 0, 0}})));
}

TEST_CASE("ECDSA P-256 RFC 6979 A.2.5: nonces, signatures and verification (file)") {
  const auto records = kagi_test::parse_records("rfc/rfc6979_p256.txt");
  REQUIRE(records.size() == 7);
  const auto& key = records[0];
  REQUIRE(key.section.at("@") == "key");
  const scalar x = to_scalar(key.get_hex("x"));
  const bytes u = point_of(key.get_hex("ux"), key.get_hex("uy"));
  CHECK(to_bytes(*kagi::p256::public_key(x)) == u);
  std::size_t count = 0;
  on_every_path([&](const kagi_test::path&) {
    count = 0;
    for (std::size_t i = 1; i < records.size(); ++i) {
      const auto& t = records[i];
      INFO(t.where());
      const std::string hash = t.get("hash");
      const bytes msg = text(t.get("message"));
      const bytes digest = *digest_of(hash, msg);
      const bytes k = t.get_hex("k");
      bytes want = t.get_hex("r");
      const bytes s = t.get_hex("s");
      want.insert(want.end(), s.begin(), s.end());
      std::optional<kagi::p256::signature_type> sig, from_message;
      std::optional<std::array<std::uint8_t, 32>> nonce;
      const auto first_nonce = [&](auto hash_tag) {
        using H = decltype(hash_tag);
        d::rfc6979_nonces<H> gen(x, digest, {});
        std::array<std::uint8_t, 32> b{};
        d::store_be(b.data(), gen.next());
        nonce = b;
        sig = *kagi::p256::sign_digest_p1363<H>(x, digest);
        from_message = *kagi::p256::sign_p1363<H>(x, msg);
        CHECK(kagi::p256::verify_p1363<H>(u, msg, want));
      };
      if (hash == "SHA-256") first_nonce(kagi::sha256{});
      if (hash == "SHA-384") first_nonce(kagi::sha384{});
      if (hash == "SHA-512") first_nonce(kagi::sha512{});
      REQUIRE(nonce);
      CHECK(to_bytes(*nonce) == k);
      CHECK(to_bytes(*sig) == want);
      CHECK(to_bytes(*from_message) == want);
      // The given k reproduces the signature through the test hook.
      const auto with_k = d::sign_digest_with_nonce(x, digest, to_scalar(k));
      REQUIRE(with_k);
      CHECK(to_bytes(*with_k) == want);
      CHECK(kagi::p256::verify_digest_p1363(u, digest, want));
      // DER: what sign_digest writes is what signature_to_der makes, and it verifies.
      std::array<std::uint8_t, kagi::p256::max_der_signature_size> der{};
      const auto len = hash == "SHA-256"   ? kagi::p256::sign_digest<kagi::sha256>(x, digest, der)
                       : hash == "SHA-384" ? kagi::p256::sign_digest<kagi::sha384>(x, digest, der)
                                           : kagi::p256::sign_digest<kagi::sha512>(x, digest, der);
      REQUIRE(len);
      std::array<std::uint8_t, kagi::p256::max_der_signature_size> der2{};
      const auto len2 = kagi::p256::signature_to_der(want, der2);
      REQUIRE(len2);
      CHECK(to_bytes(std::span(der).first(*len)) == to_bytes(std::span(der2).first(*len2)));
      CHECK(kagi::p256::verify_digest(u, digest, std::span(der).first(*len)));
      CHECK(to_bytes(*kagi::p256::signature_from_der(std::span(der).first(*len))) == want);
      ++count;
    }
  });
  CHECK(count == 6);
}

// Wycheproof ECDSA verification files: every test's verdict exactly.
void check_wycheproof(const char* file, bool p1363, std::size_t min_valid) {
  const auto j = kagi_test::read_json(file);
  REQUIRE(j["algorithm"] == "ECDSA");
  std::size_t count = 0, valid = 0;
  on_every_path([&](const kagi_test::path&) {
    count = valid = 0;
    for (const auto& g : j["testGroups"]) {
      REQUIRE(g["publicKey"]["curve"] == "secp256r1");
      const std::string sha = g["sha"];
      const bytes point = kagi_test::hex(g["publicKey"]["uncompressed"].get<std::string>());
      const bytes spki = kagi_test::hex(g["publicKeyDer"].get<std::string>());
      REQUIRE(to_bytes(*kagi::p256::point_from_spki(spki)) == point);
      for (const auto& t : g["tests"]) {
        INFO("tcId " << t["tcId"].get<int>() << ": " << t["comment"].get<std::string>());
        const std::string result = t["result"];
        REQUIRE(result != "acceptable");  // none in these files
        const bytes msg = kagi_test::hex(t["msg"].get<std::string>());
        const bytes sig = kagi_test::hex(t["sig"].get<std::string>());
        const auto digest = digest_of(sha, msg);
        REQUIRE(digest);
        const kagi::status by_point = p1363 ? kagi::p256::verify_digest_p1363(point, *digest, sig)
                                            : kagi::p256::verify_digest(point, *digest, sig);
        const kagi::status by_spki = p1363 ? kagi::p256::verify_digest_p1363(spki, *digest, sig)
                                           : kagi::p256::verify_digest(spki, *digest, sig);
        CHECK(by_point.error() == by_spki.error());
        if (result == "valid") {
          INFO(by_point.message());
          CHECK(by_point);
          ++valid;
        } else {
          CHECK(!by_point);
          // What was wrong is said in the signature's terms: DER or the value.
          CHECK((by_point.error() == errc::ecdsa_bad_signature ||
                 kagi::group(by_point.error()) == kagi::errc_group::encoding));
        }
        // The message overloads agree with the digest ones.
        if (sha == "SHA-256" && !p1363) CHECK(kagi::p256::verify<kagi::sha256>(point, msg, sig).error() == by_point.error());
        if (sha == "SHA-512" && !p1363) CHECK(kagi::p256::verify<kagi::sha512>(point, msg, sig).error() == by_point.error());
        if (sha == "SHA-256" && p1363) CHECK(kagi::p256::verify_p1363(point, msg, sig).error() == by_point.error());
        ++count;
      }
    }
  });
  CHECK(count == j["numberOfTests"].get<std::size_t>());
  CHECK(valid >= min_valid);
}

TEST_CASE("ECDSA P-256 Wycheproof ecdsa_secp256r1_sha256_test.json") {
  check_wycheproof("wycheproof/ecdsa_secp256r1_sha256_test.json", false, 174);
}
TEST_CASE("ECDSA P-256 Wycheproof ecdsa_secp256r1_sha512_test.json") {
  check_wycheproof("wycheproof/ecdsa_secp256r1_sha512_test.json", false, 243);
}
TEST_CASE("ECDSA P-256 Wycheproof ecdsa_secp256r1_sha256_p1363_test.json") {
  check_wycheproof("wycheproof/ecdsa_secp256r1_sha256_p1363_test.json", true, 173);
}

TEST_CASE("ECDSA P-256 NIST CAVP SigVer.rsp [P-256,SHA-*]") {
  const auto records = kagi_test::parse_records("nist/ecdsa/SigVer.rsp");
  std::size_t count = 0, passed = 0, failed = 0, skipped = 0;
  on_every_path([&](const kagi_test::path&) {
    count = passed = failed = skipped = 0;
    for (const auto& t : records) {
      const std::string& section = t.section.at("@");
      if (section.rfind("P-256,", 0) != 0) continue;
      INFO(t.where() << " [" << section << "]");
      const auto digest = digest_of(section.substr(6), t.get_hex("Msg"));
      if (!digest) {
        ++skipped;  // SHA-1 or SHA-224 without OpenSSL
        continue;
      }
      const bytes q = point_of(t.get_hex("Qx"), t.get_hex("Qy"));
      bytes sig = to_bytes(to_scalar(t.get_hex("R")));
      const scalar s = to_scalar(t.get_hex("S"));
      sig.insert(sig.end(), s.begin(), s.end());
      const auto verdict = kagi::p256::verify_digest_p1363(q, *digest, sig);
      const std::string& result = t.get("Result");
      if (result.rfind("P", 0) == 0) {
        CHECK(verdict);
        ++passed;
      } else {
        REQUIRE(result.rfind("F", 0) == 0);
        CHECK(!verdict);
        ++failed;
      }
      // The DER form says the same.
      std::array<std::uint8_t, kagi::p256::max_der_signature_size> der{};
      if (const auto len = kagi::p256::signature_to_der(sig, der))
        CHECK(kagi::p256::verify_digest(q, *digest, std::span(der).first(*len)).error() == verdict.error());
      ++count;
    }
  });
  // The file's P-256 sections: 15 cases for each of SHA-1, SHA-224, SHA-256,
  // SHA-384 and SHA-512, 3 valid and 12 invalid in each. Without OpenSSL
  // (the AArch64 build) the SHA-1 and SHA-224 ones are skipped.
  CHECK(count + skipped == 75);
  CHECK((skipped == 0 || skipped == 30));
  CHECK(passed == count / 5);
  CHECK(failed == count / 5 * 4);
  if (skipped != 0) MESSAGE("SigVer: " << skipped << " SHA-1/SHA-224 cases skipped (no OpenSSL)");
}

TEST_CASE("ECDSA P-256 NIST CAVP SigGen.rsp [P-256,SHA-*]: the signatures verify") {
  const auto records = kagi_test::parse_records("nist/ecdsa/SigGen.rsp");
  std::size_t count = 0, skipped = 0;
  on_every_path([&](const kagi_test::path&) {
    count = skipped = 0;
    for (const auto& t : records) {
      const std::string& section = t.section.at("@");
      if (section.rfind("P-256,", 0) != 0) continue;
      INFO(t.where() << " [" << section << "]");
      const bytes msg = t.get_hex("Msg");
      const auto digest = digest_of(section.substr(6), msg);
      if (!digest) {
        ++skipped;
        continue;
      }
      const bytes q = point_of(t.get_hex("Qx"), t.get_hex("Qy"));
      bytes sig = to_bytes(to_scalar(t.get_hex("R")));
      const scalar s = to_scalar(t.get_hex("S"));
      sig.insert(sig.end(), s.begin(), s.end());
      CHECK(kagi::p256::verify_digest_p1363(q, *digest, sig));
      sig[40] ^= 0x10;
      CHECK(kagi::p256::verify_digest_p1363(q, *digest, sig).error() == errc::ecdsa_bad_signature);
      ++count;
    }
  });
  CHECK(count + skipped == 75);
  CHECK(count >= 45);
}

TEST_CASE("ECDSA P-256 signatures out of range, malformed DER and bad keys are refused") {
  const bytes u(rfc_u.begin(), rfc_u.end());
  const bytes digest(rfc_sample_sha256.begin(), rfc_sample_sha256.end());
  const bytes good(rfc_sample_sig.begin(), rfc_sample_sig.end());
  const bytes good_der(rfc_sample_der.begin(), rfc_sample_der.end());
  const auto with = [&](const scalar& r, const scalar& s) {
    bytes b(r.begin(), r.end());
    b.insert(b.end(), s.begin(), s.end());
    return b;
  };
  scalar r{}, s{};
  std::copy(good.begin(), good.begin() + 32, r.begin());
  std::copy(good.begin() + 32, good.end(), s.begin());
  on_every_path([&](const kagi_test::path&) {
    REQUIRE(kagi::p256::verify_digest_p1363(u, digest, good));
    REQUIRE(kagi::p256::verify_digest(u, digest, good_der));
    // r or s of 0, n, n + 1, 2^256 - 1 (P1363 and DER).
    const scalar zero{}, n = n_bytes, ff = [] {
      scalar x{};
      x.fill(0xff);
      return x;
    }();
    scalar n1 = n;
    n1[31] += 1;
    for (const scalar& bad : {zero, n, n1, ff}) {
      for (const bytes& sig : {with(bad, s), with(r, bad)}) {
        CHECK(kagi::p256::verify_digest_p1363(u, digest, sig).error() == errc::ecdsa_bad_signature);
        std::array<std::uint8_t, kagi::p256::max_der_signature_size> der{};
        CHECK(kagi::p256::signature_to_der(sig, der).error() == errc::ecdsa_bad_signature);
      }
    }
    // r + n, s + n do not fit; r = n - 1 is in range but wrong.
    CHECK(kagi::p256::verify_digest_p1363(u, digest, with(n_minus_1, s)).error() == errc::ecdsa_bad_signature);
    // (r, n - s) is the other valid signature (ECDSA does not fix s's sign).
    {
      const d::fe sn = S::sub(d::fe{}, d::load_be(s.data()));
      scalar neg{};
      d::store_be(neg.data(), sn);
      CHECK(kagi::p256::verify_digest_p1363(u, digest, with(r, neg)));
    }
    // P1363 of the wrong length.
    CHECK(kagi::p256::verify_digest_p1363(u, digest, std::span(good).first(63)).error() == errc::ecdsa_bad_signature);
    bytes longer = good;
    longer.push_back(0);
    CHECK(kagi::p256::verify_digest_p1363(u, digest, longer).error() == errc::ecdsa_bad_signature);
    // Every single-bit change of the signature or the digest is refused.
    for (std::size_t bit = 0; bit < 8 * good.size(); ++bit) {
      bytes b = good;
      b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      CHECK(kagi::p256::verify_digest_p1363(u, digest, b).error() == errc::ecdsa_bad_signature);
    }
    for (std::size_t bit = 0; bit < 8 * digest.size(); bit += 7) {
      bytes b = digest;
      b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      CHECK(kagi::p256::verify_digest_p1363(u, b, good).error() == errc::ecdsa_bad_signature);
    }
    // DER: every truncation, trailing data, a non-minimal INTEGER, a long-form
    // length, a negative INTEGER, an INTEGER too long, a wrong tag.
    for (std::size_t len = 0; len < good_der.size(); ++len)
      CHECK(kagi::group(kagi::p256::verify_digest(u, digest, std::span(good_der).first(len)).error()) ==
            kagi::errc_group::encoding);
    bytes trailing = good_der;
    trailing.push_back(0);
    CHECK(kagi::p256::verify_digest(u, digest, trailing).error() == errc::der_trailing_data);
    bytes inner_trailing = good_der;  // a third element inside the SEQUENCE
    inner_trailing[1] += 3;
    inner_trailing.insert(inner_trailing.end(), {0x02, 0x01, 0x01});
    CHECK(kagi::p256::verify_digest(u, digest, inner_trailing).error() == errc::der_trailing_data);
    bytes padded = good_der;  // 00 00 efd4...: not minimal
    padded[1] += 1;
    padded[3] += 1;
    padded.insert(padded.begin() + 4, 0x00);
    CHECK(kagi::p256::verify_digest(u, digest, padded).error() == errc::der_bad_integer);
    bytes long_form = good_der;  // 30 81 46: not minimal
    long_form.insert(long_form.begin() + 1, 0x81);
    CHECK(kagi::p256::verify_digest(u, digest, long_form).error() == errc::der_bad_length);
    bytes negative = good_der;  // r as 02 20 efd4... (the sign byte dropped): negative
    negative[1] -= 1;
    negative[3] -= 1;
    negative.erase(negative.begin() + 4);
    CHECK(kagi::p256::verify_digest(u, digest, negative).error() == errc::ecdsa_bad_signature);
    bytes wrong_tag = good_der;
    wrong_tag[0] = 0x31;
    CHECK(kagi::p256::verify_digest(u, digest, wrong_tag).error() == errc::der_unexpected_tag);
    {
      // r with 33 bytes of magnitude (01 || r): too large, well-formed DER.
      bytes big{0x30, 0x00, 0x02, 0x21, 0x01};
      big.insert(big.end(), r.begin(), r.end());
      big.insert(big.end(), good_der.begin() + 4 + 33, good_der.end());
      big[1] = static_cast<std::uint8_t>(big.size() - 2);
      CHECK(kagi::p256::verify_digest(u, digest, big).error() == errc::ecdsa_bad_signature);
      // r = 0 and r = -1 as DER INTEGERs.
      for (std::uint8_t v : {0x00, 0xff}) {
        bytes z{0x30, 0x00, 0x02, 0x01, v};
        z.insert(z.end(), good_der.begin() + 4 + 33, good_der.end());
        z[1] = static_cast<std::uint8_t>(z.size() - 2);
        CHECK(kagi::p256::verify_digest(u, digest, z).error() == errc::ecdsa_bad_signature);
      }
    }
    // Keys: off the curve, a coordinate >= p, wrong prefix, wrong lengths,
    // the point at infinity's encoding, compressed, an SPKI of another curve.
    bytes off = u;
    off[64] ^= 1;
    CHECK(kagi::p256::verify_digest(off, digest, good_der).error() == errc::ecdsa_bad_signature);
    bytes big_x = u;
    std::fill(big_x.begin() + 1, big_x.begin() + 33, 0xff);
    CHECK(kagi::p256::verify_digest(big_x, digest, good_der).error() == errc::ecdsa_bad_signature);
    for (std::uint8_t prefix : {0x00, 0x05, 0x06, 0x07}) {
      bytes b = u;
      b[0] = prefix;
      CHECK(kagi::p256::verify_digest(b, digest, good_der).error() == errc::ecdsa_bad_signature);
    }
    CHECK(kagi::p256::verify_digest(bytes{0x00}, digest, good_der).error() == errc::ecdsa_bad_signature);
    CHECK(kagi::p256::verify_digest(bytes{}, digest, good_der).error() == errc::ecdsa_bad_signature);
    CHECK(kagi::p256::verify_digest(std::span(u).first(64), digest, good_der).error() == errc::ecdsa_bad_signature);
    bytes zero_point(65, 0);
    zero_point[0] = 0x04;
    CHECK(kagi::p256::verify_digest(zero_point, digest, good_der).error() == errc::ecdsa_bad_signature);
    bytes compressed(u.begin(), u.begin() + 33);
    compressed[0] = static_cast<std::uint8_t>(0x02 | (u[64] & 1));
    CHECK(kagi::p256::verify_digest(compressed, digest, good_der).error() == errc::ec_unsupported_key);
    bytes spki = kagi_test::hex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
    spki.insert(spki.end(), u.begin(), u.end());
    CHECK(kagi::p256::verify_digest(spki, digest, good_der));
    bytes other_curve = spki;
    other_curve[22] = 0x08;
    CHECK(kagi::p256::verify_digest(other_curve, digest, good_der).error() == errc::ec_unsupported_key);
    bytes spki_trailing = spki;
    spki_trailing.push_back(0);
    CHECK(kagi::p256::verify_digest(spki_trailing, digest, good_der).error() == errc::der_trailing_data);
  });
}

TEST_CASE("ECDSA P-256 signing: bad keys, output buffers, digests of any length") {
  kagi_test::test_rng rng(32);
  const bytes digest(rfc_sample_sha256.begin(), rfc_sample_sha256.end());
  on_every_path([&](const kagi_test::path&) {
    std::array<std::uint8_t, kagi::p256::max_der_signature_size> der{};
    for (const scalar& bad : {scalar{}, scalar(n_bytes)}) {
      CHECK(kagi::p256::sign_digest_p1363(bad, digest).error() == errc::invalid_argument);
      CHECK(kagi::p256::sign_digest(bad, digest, der).error() == errc::invalid_argument);
      CHECK(d::sign_digest_with_nonce(rfc_x, digest, bad).error() == errc::invalid_argument);
    }
    // DER output: exactly the length needed fits, one byte less does not.
    const auto len = kagi::p256::sign_digest(rfc_x, digest, der);
    REQUIRE(len);
    CHECK(*len == rfc_sample_der.size());
    CHECK(to_bytes(std::span(der).first(*len)) == to_bytes(rfc_sample_der));
    CHECK(kagi::p256::sign_digest(rfc_x, digest, std::span(der).first(*len)));
    CHECK(kagi::p256::sign_digest(rfc_x, digest, std::span(der).first(*len - 1)).error() == errc::buffer_too_small);
    // Digests of any length: the leftmost 256 bits count, shorter ones whole
    // (so a 64-byte digest verifies as its first 32 bytes, and a 20-byte one
    // as itself left-padded with zeros).
    const scalar priv = random_valid_scalar(rng);
    const auto pub = *kagi::p256::public_key(priv);
    for (std::size_t n : {0u, 1u, 20u, 31u, 32u, 33u, 48u, 64u, 100u}) {
      INFO("digest of " << n << " bytes");
      const bytes dg = rng.bytes(n);
      const auto sig = kagi::p256::sign_digest_p1363(priv, dg);
      REQUIRE(sig);
      CHECK(kagi::p256::verify_digest_p1363(pub, dg, *sig));
      if (n > 32) CHECK(kagi::p256::verify_digest_p1363(pub, std::span(dg).first(32), *sig));
      if (n < 32) {
        bytes padded(32 - n, 0);
        padded.insert(padded.end(), dg.begin(), dg.end());
        CHECK(kagi::p256::verify_digest_p1363(pub, padded, *sig));
      }
    }
    // A digest equal to n (e = 0 after reduction) and to n - 1.
    for (const auto& e : {bytes(n_bytes.begin(), n_bytes.end()), bytes(n_minus_1.begin(), n_minus_1.end())}) {
      const auto sig = kagi::p256::sign_digest_p1363(priv, e);
      REQUIRE(sig);
      CHECK(kagi::p256::verify_digest_p1363(pub, e, *sig));
      const bool is_n = e.back() == 0x51;  // e = n: the same as an all-zero digest
      CHECK(kagi::p256::verify_digest_p1363(pub, bytes(32, 0), *sig).has_value() == is_n);
    }
  });
}

TEST_CASE("ECDSA P-256 nonces: deterministic, hedged, and edge values of k") {
  kagi_test::test_rng rng(33);
  on_every_path([&](const kagi_test::path&) {
    const scalar priv = random_valid_scalar(rng);
    const auto pub = *kagi::p256::public_key(priv);
    const bytes digest = rng.bytes(32);
    // Deterministic: the same signature twice.
    CHECK(*kagi::p256::sign_digest_p1363(priv, digest) == *kagi::p256::sign_digest_p1363(priv, digest));
    // Hedged: a fresh k each time, each signature valid; with the random
    // bytes known, it is RFC 6979 with them as k'.
    kagi::hmac_drbg a(rng.bytes(32)), b(rng.bytes(32));
    const auto s1 = *kagi::p256::sign_digest_p1363(priv, digest, a);
    const auto s2 = *kagi::p256::sign_digest_p1363(priv, digest, a);
    CHECK(s1 != s2);
    CHECK(kagi::p256::verify_digest_p1363(pub, digest, s1));
    CHECK(kagi::p256::verify_digest_p1363(pub, digest, s2));
    kagi::hmac_drbg a_again = b;
    std::array<std::uint8_t, 32> extra{};
    a_again.fill(extra);
    d::rfc6979_nonces<kagi::sha256> gen(priv, digest, extra);
    std::array<std::uint8_t, 32> k{};
    d::store_be(k.data(), gen.next());
    CHECK(*kagi::p256::sign_digest_p1363(priv, digest, b) == *d::sign_digest_with_nonce(priv, digest, k));
    std::array<std::uint8_t, kagi::p256::max_der_signature_size> der{};
    const auto len = kagi::p256::sign_digest(priv, digest, der, a);
    REQUIRE(len);
    CHECK(kagi::p256::verify_digest(pub, digest, std::span(der).first(*len)));
    CHECK(kagi::p256::sign<kagi::sha384>(priv, digest, der, a));
    // Edge nonces for the fixed-base multiplication: r = x(k G) mod n, against
    // the variable-base multiplication.
    std::vector<scalar> ks = {scalar{}, n_minus_1, scalar{}, scalar{}};
    ks[0][31] = 1;
    ks[2].fill(0x88);
    for (int bit = 4; bit < 256; bit += 5) ks[3][31 - bit / 8] |= static_cast<std::uint8_t>(1u << (bit % 8));
    for (int i = 0; i < 8; ++i) ks.push_back(random_valid_scalar(rng));
    for (const scalar& kk : ks) {
      INFO("k = " << kagi::to_hex(kk));
      const auto sig = d::sign_digest_with_nonce(priv, digest, kk);
      REQUIRE(sig);
      CHECK(kagi::p256::verify_digest_p1363(pub, digest, *sig));
      const d::fe want = x_mod_n(d::scalar_mul<F>(d::load_be(kk.data()), d::generator<F>()));
      CHECK(same(d::load_be(sig->data()), want));
    }
  });
}

TEST_CASE("P-256 fixed-base multiplication (Jacobian + affine additions) on scalars around every window") {
  // d = c 32^j + e for small c and e, and n - d: the comb's running sum and
  // the added point come as close as they can (see base_mul); every result
  // against the variable-base multiplication with complete formulas.
  std::vector<scalar> ks;
  const auto add_small = [](scalar k, int e) {
    // k + e for |e| small (big-endian bytes, with carries).
    int carry = e;
    for (int i = 31; i >= 0 && carry != 0; --i) {
      const int v = k[i] + carry;
      k[i] = static_cast<std::uint8_t>(v & 0xff);
      carry = v >> 8;
    }
    return k;
  };
  for (int j = 0; j < 52; ++j) {
    for (int c : {1, 15, 16, 17, 31}) {
      scalar k{};
      const int bit = 5 * j;
      if (bit + 5 > 256 && c != 1) continue;
      for (int b = 0; b < 5; ++b)
        if ((c >> b) & 1 && bit + b < 256) k[31 - (bit + b) / 8] |= static_cast<std::uint8_t>(1u << ((bit + b) % 8));
      for (int e : {0, 1, -1, 16, -16}) ks.push_back(add_small(k, e));
    }
  }
  const std::size_t base_count = ks.size();
  for (std::size_t i = 0; i < base_count; ++i) {
    // n - k
    const d::fe nk = S::sub(d::fe{}, d::reduce_once_mod(d::load_be(ks[i].data()), 0, d::n_raw));
    scalar b{};
    d::store_be(b.data(), nk);
    ks.push_back(b);
  }
  on_every_path([&](const kagi_test::path&) {
    std::size_t checked = 0;
    for (const scalar& k : ks) {
      if (!kagi::p256::is_valid_private_key(k)) continue;
      INFO("k = " << kagi::to_hex(k));
      std::array<std::uint8_t, 65> want{};
      d::encode_point<F>(want.data(), d::scalar_mul<F>(d::load_be(k.data()), d::generator<F>()));
      CHECK(*kagi::p256::public_key(k) == want);
      ++checked;
    }
    CHECK(checked > 1000);
  });
}

TEST_CASE("ECDSA P-256 verification meets the exceptional additions") {
  // Q = G, -G, 2G: the tables of Q and of G hold the same points, so u1 G +
  // u2 Q passes through P + P and P + (-P) in the additions. Against the
  // constant-time multiplications, for random and chosen u1, u2.
  kagi_test::test_rng rng(34);
  const d::affine g = d::generator<F>();
  const d::affine minus_g{g.x, F::neg(g.y)};
  const d::affine g2 = d::to_affine<F>(d::dbl<F>(d::point{g.x, g.y, F::one()}));
  const auto check_sum = [&](const d::fe& u1, const d::fe& u2, const d::affine& q, auto field_tag, const d::affine* table) {
    using G = decltype(field_tag);
    const d::jacobian r = d::double_mul<G, d::g_window>(u1, table, u2, q);
    const d::point want = d::add<F>(d::scalar_mul<F>(u1, g), d::scalar_mul<F>(u2, q));
    const bool want_inf = d::is_zero(want.z);
    REQUIRE(d::is_zero(r.z) == want_inf);
    if (!want_inf) {
      const d::affine a = d::to_affine<F>(r), b = d::to_affine<F>(want);
      CHECK(same(a.x, b.x));
      CHECK(same(a.y, b.y));
    }
  };
  const auto run = [&](auto field_tag) {
    using G = decltype(field_tag);
    const d::affine* table = d::g_odd_table<G>();
    const d::fe nm1 = d::load_be(n_minus_1.data());
    for (const d::affine& q : {g, minus_g, g2}) {
      for (int i = 0; i < 12; ++i) {
        const d::fe u1 = random_below_n(rng);
        check_sum(u1, u1, q, field_tag, table);                                        // 2 u1 G or 0 or 3 u1 G
        check_sum(u1, S::sub(d::fe{}, u1), q, field_tag, table);                       // u1 G - u1 Q
        check_sum(u1, random_below_n(rng), q, field_tag, table);
        check_sum(d::fe{{static_cast<std::uint64_t>(i + 1), 0, 0, 0}}, d::fe{{static_cast<std::uint64_t>(i + 1), 0, 0, 0}}, q, field_tag, table);
      }
      check_sum(nm1, d::fe{{1, 0, 0, 0}}, q, field_tag, table);
      check_sum(d::fe{}, nm1, q, field_tag, table);
      check_sum(d::fe{}, d::fe{{1, 0, 0, 0}}, q, field_tag, table);
    }
  };
  run(F{});
#if KAGI_X86
  if ((kagi::cpu::allowed() & d::p256_adx_needs) == d::p256_adx_needs) run(d::field_mont_adx{});
#endif
  // And whole signatures under the keys 1 and n - 1 (Q = G, -G).
  on_every_path([&](const kagi_test::path&) {
    for (const scalar& priv : {scalar{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
                               scalar(n_minus_1)}) {
      const auto pub = *kagi::p256::public_key(priv);
      for (int i = 0; i < 20; ++i) {
        const bytes digest = rng.bytes(32);
        const auto sig = kagi::p256::sign_digest_p1363(priv, digest);
        REQUIRE(sig);
        CHECK(kagi::p256::verify_digest_p1363(pub, digest, *sig));
        // With the nonce k = d (or -d) the two halves of u1 G + u2 Q meet.
        const auto same_k = d::sign_digest_with_nonce(priv, digest, priv);
        REQUIRE(same_k);
        CHECK(kagi::p256::verify_digest_p1363(pub, digest, *same_k));
      }
    }
  });
}

TEST_CASE("ECDSA P-256 paths agree on random inputs") {
  const auto paths = kagi_test::available_paths(kagi_test::paths_of(d::p256_table));
  kagi_test::test_rng rng(35);
  for (int i = 0; i < 40; ++i) {
    const scalar priv = random_valid_scalar(rng);
    const bytes digest = rng.bytes(i % 3 == 0 ? 64 : 32);
    std::optional<kagi::p256::signature_type> first;
    for (const auto& p : paths) {
      kagi::cpu::testing::scoped_disable off(p.disable);
      const auto pub = *kagi::p256::public_key(priv);
      const auto sig = kagi::p256::sign_digest_p1363<kagi::sha512>(priv, digest);
      REQUIRE(sig);
      if (!first) first = *sig;
      CHECK(*sig == *first);
      CHECK(kagi::p256::verify_digest_p1363(pub, digest, *sig));
      auto bad = *sig;
      bad[i % 64] ^= 0x01;
      CHECK(!kagi::p256::verify_digest_p1363(pub, digest, bad));
    }
  }
}

#if KAGI_HAVE_OPENSSL
TEST_CASE("ECDSA P-256 agrees with OpenSSL both ways on random keys and digests") {
  kagi_test::test_rng rng(36);
  on_every_path([&](const kagi_test::path&) {
    for (int i = 0; i < 25; ++i) {
      auto key = kagi_test::ossl::p256_generate();
      REQUIRE(key.pub.size() == 65);
      const bytes digest = rng.bytes(i % 5 == 0 ? 48 : i % 5 == 1 ? 64 : 32);
      // kagi signs (deterministic and hedged), OpenSSL verifies.
      std::array<std::uint8_t, kagi::p256::max_der_signature_size> der{};
      const auto len = kagi::p256::sign_digest(key.priv, digest, der);
      REQUIRE(len);
      CHECK(ossl_verify(key.key, digest, std::span(der).first(*len)));
      kagi::hmac_drbg drbg(rng.bytes(32));
      const auto len2 = kagi::p256::sign_digest(key.priv, digest, der, drbg);
      REQUIRE(len2);
      CHECK(ossl_verify(key.key, digest, std::span(der).first(*len2)));
      der[*len2 - 1] ^= 1;
      CHECK(!ossl_verify(key.key, digest, std::span(der).first(*len2)));
      // OpenSSL signs, kagi verifies (point and SPKI forms).
      const bytes sig = ossl_sign(key.key, digest);
      REQUIRE(!sig.empty());
      CHECK(kagi::p256::verify_digest(key.pub, digest, sig));
      bytes spki = kagi_test::hex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
      spki.insert(spki.end(), key.pub.begin(), key.pub.end());
      CHECK(kagi::p256::verify_digest(spki, digest, sig));
      bytes other = digest;
      other[0] ^= 0x80;
      CHECK(kagi::p256::verify_digest(key.pub, other, sig).error() == errc::ecdsa_bad_signature);
    }
  });
}
#endif

// ---- dudect-style timing (support/dudect.hpp), on every path: signing
// with the private key 1 against random keys (RFC 6979 nonces), and with the
// nonce 1 (one nonzero digit: the fixed-base multiplication's running point
// is "nothing yet" for 51 of its 52 rows) against random nonces.
TEST_SUITE("timing") {
  TEST_CASE("ECDSA P-256 signing: time does not depend on the private key or the nonce (dudect)") {
    kagi_test::test_rng rng(44);
    std::vector<scalar> pool[2];
    for (int i = 0; i < 64; ++i) {
      scalar one{};
      one[31] = 1;
      pool[0].push_back(one);
      pool[1].push_back(random_valid_scalar(rng));
    }
    const scalar fixed_key = random_valid_scalar(rng);
    const bytes digest = rng.bytes(32);
    on_every_path([&](const kagi_test::path& path) {
      volatile std::uint8_t sink = 0;
      const double by_key = kagi_test::dudect_worst_t(
          std::string(path.name) + " sign (key)", 2000, 64, rng, [&](int cls, std::size_t i) {
            sink = sink ^ (*kagi::p256::sign_digest_p1363(pool[cls][i], digest))[0];
          });
      CHECK(by_key < kagi_test::dudect_threshold);
      const double by_nonce = kagi_test::dudect_worst_t(
          std::string(path.name) + " sign (nonce)", 2000, 64, rng, [&](int cls, std::size_t i) {
            sink = sink ^ (*d::sign_digest_with_nonce(fixed_key, digest, pool[cls][i]))[0];
          });
      CHECK(by_nonce < kagi_test::dudect_threshold);
    });
  }
}
