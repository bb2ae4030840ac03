// pk/p256.hpp on every path: Wycheproof ecdh_secp256r1_ecpoint_test.json,
// bad peer points and private scalars refused, the complete formulas on their
// special cases, the fixed-base public key against the variable-base
// multiplication, the paths against each other, OpenSSL both ways, and known
// answers as static_asserts.
#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/ec/p256.hpp>
#include <string>
#include <vector>

#include "support/kat.hpp"
#include "support/dudect.hpp"
#include "support/openssl_ecdh.hpp"
#include "support/paths.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

using namespace kagi::literals;
using kagi_test::bytes;
using scalar = std::array<std::uint8_t, 32>;

namespace {

namespace d = kagi::detail::p256;
using F = d::field_mont;

const std::vector<kagi_test::path> p256_paths = kagi_test::paths_of(d::p256_table);

template <class Body>
void on_every_path(Body body) {
  kagi_test::for_each_path(d::p256_table, body);
}

// A Wycheproof private key (big-endian, possibly with a leading 00 or
// shorter than 32 bytes) as 32 bytes.
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

bytes to_bytes(std::span<const std::uint8_t> s) { return bytes(s.begin(), s.end()); }

// Wycheproof tcId 1 ("normal case") of ecdh_secp256r1_ecpoint_test.json.
constexpr auto wp1_private = "0612465c89a023ab17855b0a6bcebfd3febb53aef84138647b5352e02c10c346"_hex;
constexpr auto wp1_public =
    "0462d5bd3372af75fe85a040715d0f502428e07046868b0bfdfa61d731afe44f26ac333a93a9e70a81cd5a95b5bf8d13990eb741c8c38872b4a07d275a014e30cf"_hex;
constexpr auto wp1_shared = "53020d908b0219328b658b525f26780e3ae12bcd952bb25a93bc0895e1714285"_hex;

// n - 1 and the point -G = (Gx, p - Gy).
constexpr auto n_minus_1 = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"_hex;
constexpr auto minus_g =
    "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296b01cbd1c01e58065711814b583f061e9d431cca994cea1313449bf97c840ae0a"_hex;

bool is_infinity(const d::point& p) { return d::is_zero_mask(p.z) != 0 && d::is_zero_mask(p.y) == 0; }

d::fe random_fe(kagi_test::test_rng& rng) {
  std::array<std::uint8_t, 32> b{};
  rng.fill(b);
  d::fe f = d::load_be(b.data());
  f.v[3] &= 0x7fffffffffffffff;  // below p
  return f;
}

d::point random_point(kagi_test::test_rng& rng) {
  scalar k{};
  rng.fill(k);
  k[0] &= 0x7f;
  k[31] |= 1;
  const d::affine g{d::to_mont<F>(d::load_be(d::gx_bytes.data())), d::to_mont<F>(d::load_be(d::gy_bytes.data()))};
  return d::scalar_mul<F>(d::load_be(k.data()), g);
}

}  // namespace

TEST_CASE("P-256 known answers at compile time") {
  KAGI_CHECK_CONSTEXPR(*kagi::p256::shared_secret(wp1_private, wp1_public) == wp1_shared);
  KAGI_CHECK_CONSTEXPR(*kagi::p256::public_key(n_minus_1) == minus_g);
}

TEST_CASE("P-256 field: constants, products, inverse") {
  // b and R^2 are what their definitions say; G is on the curve.
  static constexpr auto b_plain = "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"_hex;
  static_assert([] {
    const d::fe b = d::from_mont<F>(d::b_mont);
    const d::fe want = d::load_be(b_plain.data());
    const d::fe one = d::from_mont<F>(F::one());
    return b.v[0] == want.v[0] && b.v[1] == want.v[1] && b.v[2] == want.v[2] && b.v[3] == want.v[3] &&
           one.v[0] == 1 && one.v[1] == 0 && one.v[2] == 0 && one.v[3] == 0;
  }());
  static_assert(d::on_curve_mask<F>({d::to_mont<F>(d::load_be(d::gx_bytes.data())),
                                     d::to_mont<F>(d::load_be(d::gy_bytes.data()))}) != 0);
  // The 32-bit-word product (used at compile time without __int128) agrees
  // with the 64-bit one; a * a^-1 = 1.
  kagi_test::test_rng rng(21);
  for (int i = 0; i < 2000; ++i) {
    const d::fe a = random_fe(rng), b = random_fe(rng);
    const d::fe x = F::mul(a, b), y = F::mul32(a, b), z = F::mul_w<kagi::detail::wide::wide_portable>(a, b);
    CHECK(std::equal(std::begin(x.v), std::end(x.v), std::begin(y.v)));
    CHECK(std::equal(std::begin(x.v), std::end(x.v), std::begin(z.v)));
    if (i < 50) {
      const d::fe one = F::mul(a, d::invert<F>(a)), want = F::one();
      CHECK(std::equal(std::begin(one.v), std::end(one.v), std::begin(want.v)));
    }
  }
  // p - 1 squared and edge values stay reduced.
  const d::fe pm1{{d::p_raw.v[0] - 1, d::p_raw.v[1], d::p_raw.v[2], d::p_raw.v[3]}};
  const d::fe sq = d::from_mont<F>(F::mul(d::to_mont<F>(pm1), d::to_mont<F>(pm1)));
  CHECK(sq.v[0] == 1);
  CHECK((sq.v[1] | sq.v[2] | sq.v[3]) == 0);
  CHECK(d::is_zero_mask(F::add(d::to_mont<F>(pm1), F::one())) != 0);
}

#if KAGI_X86
TEST_CASE("P-256 field with MULX/ADX against the portable field") {
  if ((kagi::cpu::allowed() & d::p256_adx_needs) != d::p256_adx_needs) return;
  using G = d::field_mont_adx;
  const auto same = [](const d::fe& x, const d::fe& y) { return std::equal(std::begin(x.v), std::end(x.v), std::begin(y.v)); };
  kagi_test::test_rng rng(25);
  // Edge values below p: 0, 1, 2, p - 1, p - 2, R mod p, 2^255, 2^256 - p - 1, and random ones.
  const d::fe pm1{{d::p_raw.v[0] - 1, d::p_raw.v[1], d::p_raw.v[2], d::p_raw.v[3]}};
  const d::fe pm2{{d::p_raw.v[0] - 2, d::p_raw.v[1], d::p_raw.v[2], d::p_raw.v[3]}};
  std::vector<d::fe> values = {d::fe{}, d::fe{{1, 0, 0, 0}}, d::fe{{2, 0, 0, 0}}, pm1, pm2, d::one_mont,
                               d::fe{{0, 0, 0, 0x8000000000000000}}, d::fe{{0, 0xffffffff00000000, 0xffffffffffffffff, 0xfffffffe}}};
  for (int i = 0; i < 300; ++i) values.push_back(random_fe(rng));
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j : {i, (i * 13 + 5) % values.size(), std::size_t{3}}) {
      const d::fe& a = values[i];
      const d::fe& b = values[j];
      CHECK(same(G::mul(a, b), F::mul(a, b)));
      CHECK(same(G::add(a, b), F::add(a, b)));
      CHECK(same(G::sub(a, b), F::sub(a, b)));
    }
    CHECK(same(G::sqr(values[i]), F::sqr(values[i])));
    CHECK(same(G::neg(values[i]), F::neg(values[i])));
  }
  // Products whose reduction ends exactly at p - 1 and at 0.
  CHECK(same(G::mul(d::to_mont<F>(pm1), d::to_mont<F>(d::fe{{1, 0, 0, 0}})), d::to_mont<F>(pm1)));
  CHECK(same(G::add(pm1, d::fe{{1, 0, 0, 0}}), d::fe{}));
  CHECK(same(d::invert<G>(values[9]), d::invert<F>(values[9])));
}
#endif

// The special cases of the complete formulas on field Field.
template <class Field>
void check_complete_formulas(kagi_test::test_rng& rng) {
  // P == Q as projective points (X1 Z2 = X2 Z1, Y1 Z2 = Y2 Z1).
  const auto same_point = [](const d::point& p, const d::point& q) {
    const auto eq = [](const d::fe& a, const d::fe& b) { return std::equal(std::begin(a.v), std::end(a.v), std::begin(b.v)); };
    return eq(Field::mul(p.x, q.z), Field::mul(q.x, p.z)) && eq(Field::mul(p.y, q.z), Field::mul(q.y, p.z));
  };
  const d::point o = d::infinity<Field>();
  CHECK(is_infinity(d::dbl<Field>(o)));
  CHECK(is_infinity(d::add<Field>(o, o)));
  // Every representation (0 : Y : 0) of the point at infinity doubles to it
  // (the doubling formula alone would give (0 : 0 : 0)).
  for (int i = 0; i < 4; ++i) {
    d::fe y = random_fe(rng);
    y.v[0] |= 1;
    CHECK(is_infinity(d::dbl<Field>(d::point{Field::zero(), y, Field::zero()})));
    CHECK(is_infinity(d::dbl<Field>(d::dbl<Field>(d::point{Field::zero(), y, Field::zero()}))));
  }
  for (int i = 0; i < 10; ++i) {
    const d::point p = random_point(rng), q = random_point(rng);
    const d::point neg_p{p.x, Field::neg(p.y), p.z};
    const d::affine pa = d::to_affine<Field>(p);
    const d::affine neg_pa{pa.x, Field::neg(pa.y)};
    CHECK(same_point(d::add<Field>(p, p), d::dbl<Field>(p)));
    CHECK(same_point(d::add<Field>(neg_p, neg_p), d::dbl<Field>(neg_p)));
    CHECK(same_point(d::add<Field>(d::dbl<Field>(p), d::dbl<Field>(p)), d::dbl<Field>(d::dbl<Field>(p))));
    CHECK(!is_infinity(d::dbl<Field>(p)));
    // The Jacobian formulas of the variable-base multiplication (doubling,
    // addition, mixed addition) against the complete projective ones.
    const auto to_jacobian = [](const d::point& a) {
      return d::jacobian{Field::mul(a.x, a.z), Field::mul(a.y, Field::sqr(a.z)), a.z};
    };
    const auto from_jacobian = [](const d::jacobian& j) {
      return d::point{Field::mul(j.x, j.z), j.y, Field::mul(j.z, Field::sqr(j.z))};
    };
    d::point run = p;
    d::jacobian jrun = to_jacobian(p);
    for (int k = 0; k <= 5; ++k) {
      CHECK(same_point(from_jacobian(jrun), run));
      jrun = d::jdbl<Field>(jrun, Field::sqr(jrun.z));
      run = d::dbl<Field>(run);
    }
    CHECK(same_point(from_jacobian(d::jadd<Field>(to_jacobian(p), to_jacobian(q))), d::add<Field>(p, q)));
    CHECK(same_point(from_jacobian(d::jadd<Field>(to_jacobian(q), jrun)), d::add<Field>(q, run)));
    CHECK(same_point(from_jacobian(d::jadd<Field>(jrun, to_jacobian(neg_p))), d::add<Field>(run, neg_p)));
    CHECK(same_point(from_jacobian(d::jmadd<Field>(to_jacobian(q), pa)), d::add<Field>(q, p)));
    CHECK(same_point(from_jacobian(d::jadd<Field>(to_jacobian(q), to_jacobian(p))),
                     from_jacobian(d::jadd<F>(d::jacobian{F::mul(q.x, q.z), F::mul(q.y, F::sqr(q.z)), q.z},
                                              d::jacobian{F::mul(p.x, p.z), F::mul(p.y, F::sqr(p.z)), p.z}))));
    CHECK(is_infinity(d::add<Field>(p, neg_p)));
    CHECK(same_point(d::add<Field>(p, o), p));
    CHECK(same_point(d::add<Field>(o, p), p));
    CHECK(same_point(d::madd<Field>(o, pa), p));
    CHECK(same_point(d::madd<Field>(p, pa), d::dbl<Field>(p)));
    CHECK(is_infinity(d::madd<Field>(p, neg_pa)));
    CHECK(same_point(d::madd<Field>(q, pa), d::add<Field>(q, p)));
    CHECK(same_point(d::add<Field>(p, q), d::add<Field>(q, p)));
    // The results stay on the curve, and both fields agree.
    CHECK(d::on_curve_mask<Field>(d::to_affine<Field>(d::add<Field>(p, q))) != 0);
    CHECK(d::on_curve_mask<Field>(d::to_affine<Field>(d::dbl<Field>(p))) != 0);
    CHECK(same_point(d::add<Field>(p, q), d::add<F>(p, q)));
    CHECK(same_point(d::dbl<Field>(p), d::dbl<F>(p)));
  }
}

TEST_CASE("P-256 table scans: every implementation picks the same entry, zeros for 0") {
  kagi_test::test_rng rng(61);
  d::affine aff[32];
  d::jacobian jac[16];
  for (auto& e : aff) e = {random_fe(rng), random_fe(rng)};
  for (auto& e : jac) e = {random_fe(rng), random_fe(rng), random_fe(rng)};
  const auto same_fes = [](const auto& a, const auto& b) {
    static_assert(sizeof a == sizeof b);
    return std::memcmp(&a, &b, sizeof a) == 0;
  };
  for (std::uint32_t mag = 0; mag <= 33; ++mag) {
    INFO("mag = " << mag);
    d::affine want_a{};
    d::jacobian want_j{};
    if (mag >= 1 && mag <= 32) want_a = aff[mag - 1];
    if (mag >= 1 && mag <= 16) want_j = jac[mag - 1];
    d::affine a{random_fe(rng), random_fe(rng)};  // overwritten whatever it held
    d::jacobian j{random_fe(rng), random_fe(rng), random_fe(rng)};
    d::pick_entry_generic(a, aff, mag);
    d::pick_entry_generic(j, jac, mag);
    CHECK(same_fes(a, want_a));
    CHECK(same_fes(j, want_j));
#if KAGI_X86
    a = {random_fe(rng), random_fe(rng)};
    j = {random_fe(rng), random_fe(rng), random_fe(rng)};
    d::pick_entry_sse2(a, aff, mag);
    d::pick_entry_sse2(j, jac, mag);
    CHECK(same_fes(a, want_a));
    CHECK(same_fes(j, want_j));
    if (kagi::cpu::has(kagi::cpu::avx2)) {
      a = {random_fe(rng), random_fe(rng)};
      j = {random_fe(rng), random_fe(rng), random_fe(rng)};
      d::pick_entry_avx2(a, aff, mag);
      d::pick_entry_avx2(j, jac, mag);
      CHECK(same_fes(a, want_a));
      CHECK(same_fes(j, want_j));
    }
#endif
  }
}

TEST_CASE("P-256 complete formulas: doubling, inverses and infinity need no branch") {
  kagi_test::test_rng rng(22);
  check_complete_formulas<F>(rng);
#if KAGI_X86
  if ((kagi::cpu::allowed() & d::p256_adx_needs) == d::p256_adx_needs) check_complete_formulas<d::field_mont_adx>(rng);
#endif
}

TEST_CASE("P-256 Wycheproof ecdh_secp256r1_ecpoint_test.json") {
  const auto j = kagi_test::read_json("wycheproof/ecdh_secp256r1_ecpoint_test.json");
  REQUIRE(j["algorithm"] == "ECDH");
  std::size_t count = 0, valid = 0, refused = 0;
  on_every_path([&](const kagi_test::path&) {
    count = valid = refused = 0;
    for (const auto& g : j["testGroups"]) {
      REQUIRE(g["curve"] == "secp256r1");
      REQUIRE(g["encoding"] == "ecpoint");
      for (const auto& t : g["tests"]) {
        INFO("tcId " << t["tcId"].get<int>() << ": " << t["comment"].get<std::string>());
        const std::string result = t["result"];
        const scalar priv = to_scalar(kagi_test::hex(t["private"].get<std::string>()));
        const bytes pub = kagi_test::hex(t["public"].get<std::string>());
        const auto out = kagi::p256::shared_secret(priv, pub);
        if (result == "valid") {
          REQUIRE(out);
          CHECK(to_bytes(*out) == kagi_test::hex(t["shared"].get<std::string>()));
          ++valid;
        } else if (result == "invalid") {
          CHECK(!out.has_value());
          ++refused;
        } else {
          // acceptable: a compressed point, which TLS 1.2 does not use (RFC 8422 5.1.2); kagi refuses it.
          REQUIRE(result == "acceptable");
          CHECK(pub.size() == 33);
          CHECK(!out.has_value());
        }
        ++count;
      }
    }
  });
  CHECK(count == j["numberOfTests"].get<std::size_t>());
  CHECK(valid > 300);
  CHECK(refused > 20);
}

TEST_CASE("P-256 Wycheproof ecdh_secp256r1_test.json (SubjectPublicKeyInfo read with the DER reader)") {
  const auto j = kagi_test::read_json("wycheproof/ecdh_secp256r1_test.json");
  REQUIRE(j["algorithm"] == "ECDH");
  std::size_t count = 0, valid = 0, refused_by_der = 0, refused_by_curve = 0;
  on_every_path([&](const kagi_test::path&) {
    count = valid = refused_by_der = refused_by_curve = 0;
    for (const auto& g : j["testGroups"]) {
      REQUIRE(g["curve"] == "secp256r1");
      REQUIRE(g["encoding"] == "asn");
      for (const auto& t : g["tests"]) {
        INFO("tcId " << t["tcId"].get<int>() << ": " << t["comment"].get<std::string>());
        const std::string result = t["result"];
        const scalar priv = to_scalar(kagi_test::hex(t["private"].get<std::string>()));
        const bytes spki = kagi_test::hex(t["public"].get<std::string>());
        const auto point = kagi::p256::point_from_spki(spki);
        std::optional<std::array<std::uint8_t, 32>> out;
        if (point) {
          out = kagi::p256::shared_secret(priv, *point);
          if (!out) ++refused_by_curve;
        } else {
          ++refused_by_der;
        }
        if (result == "valid") {
          INFO("point_from_spki: " << point.message());
          REQUIRE(out);
          CHECK(to_bytes(*out) == kagi_test::hex(t["shared"].get<std::string>()));
          ++valid;
        } else if (result == "invalid") {
          CHECK(!out.has_value());
        } else {
          // acceptable: BER-style lengths, unused or explicit curve parameters,
          // compressed points. The strict reader may refuse them; a secret, if
          // computed, must be the expected one.
          REQUIRE(result == "acceptable");
          if (out) CHECK(to_bytes(*out) == kagi_test::hex(t["shared"].get<std::string>()));
        }
        ++count;
      }
    }
  });
  CHECK(count == j["numberOfTests"].get<std::size_t>());
  CHECK(valid > 300);
  CHECK(refused_by_der > 0);
  CHECK(refused_by_curve > 0);
}

TEST_CASE("P-256 point_from_spki refuses other keys and curves") {
  // Wycheproof tcId 1's SubjectPublicKeyInfo.
  const bytes good = kagi_test::hex(
      "3059301306072a8648ce3d020106082a8648ce3d0301070342000462d5bd3372af75fe85a040715d0f502428e07046868b0bfdfa61d731afe44f26ac333a93a9e70a81cd5a95b5bf8d13990eb741c8c38872b4a07d275a014e30cf");
  const auto point = kagi::p256::point_from_spki(good);
  REQUIRE(point);
  CHECK(bytes(point->begin(), point->end()) == bytes(wp1_public.begin(), wp1_public.end()));
  bytes other_curve = good;
  other_curve[22] = 0x08;  // 1.2.840.10045.3.1.8: not prime256v1
  CHECK(kagi::p256::point_from_spki(other_curve).error() == kagi::errc::ec_unsupported_key);
  bytes other_alg = good;
  other_alg[12] = 0x02;  // 1.2.840.10045.2.2: not id-ecPublicKey
  CHECK(kagi::p256::point_from_spki(other_alg).error() == kagi::errc::ec_unsupported_key);
  bytes trailing = good;
  trailing.push_back(0);
  CHECK(kagi::p256::point_from_spki(trailing).error() == kagi::errc::der_trailing_data);
  for (std::size_t len = 0; len < good.size(); ++len)
    CHECK(!kagi::p256::point_from_spki(kagi::bytes_view(good).first(len)));
}

TEST_CASE("P-256 bad peer points are refused") {
  const scalar priv = wp1_private;
  const bytes good(wp1_public.begin(), wp1_public.end());
  REQUIRE(kagi::p256::shared_secret(priv, good));
  const bytes p_bytes = kagi_test::hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
  on_every_path([&](const kagi_test::path&) {
    CHECK(!kagi::p256::shared_secret(priv, bytes{}));
    CHECK(!kagi::p256::shared_secret(priv, bytes{0x00}));  // the point at infinity (SEC 1 encoding)
    CHECK(!kagi::p256::shared_secret(priv, std::span(good).first(64)));
    CHECK(!kagi::p256::shared_secret(priv, std::span(good).first(33)));
    bytes longer = good;
    longer.push_back(0);
    CHECK(!kagi::p256::shared_secret(priv, longer));
    for (std::uint8_t prefix : {0x00, 0x02, 0x03, 0x05, 0x06, 0x07, 0x84}) {
      bytes b = good;
      b[0] = prefix;
      CHECK(!kagi::p256::shared_secret(priv, b));
    }
    // Off the curve: each coordinate changed by one.
    for (std::size_t at : {32u, 64u}) {
      bytes b = good;
      b[at] ^= 1;
      CHECK(!kagi::p256::shared_secret(priv, b));
    }
    // A coordinate >= p (x + p, y + p cannot be written in 32 bytes, but p itself and 2^256 - 1 can).
    for (std::size_t at : {1u, 33u}) {
      bytes b = good;
      std::copy(p_bytes.begin(), p_bytes.end(), b.begin() + static_cast<std::ptrdiff_t>(at));
      CHECK(!kagi::p256::shared_secret(priv, b));
      std::fill(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at) + 32, 0xff);
      CHECK(!kagi::p256::shared_secret(priv, b));
    }
    // (0, 0) is not on the curve (b != 0): no encoding reaches the point at infinity.
    bytes zero(65, 0);
    zero[0] = 0x04;
    CHECK(!kagi::p256::shared_secret(priv, zero));
  });
}

TEST_CASE("P-256 private scalars of 0 or >= n are refused") {
  const bytes peer(wp1_public.begin(), wp1_public.end());
  const std::vector<scalar> bad = {
      scalar{},
      to_scalar(kagi_test::hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")),  // n
      to_scalar(kagi_test::hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632552")),  // n + 1
      to_scalar(kagi_test::hex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")),
  };
  on_every_path([&](const kagi_test::path&) {
    for (const auto& k : bad) {
      INFO(kagi::to_hex(k));
      CHECK(!kagi::p256::is_valid_private_key(k));
      CHECK(!kagi::p256::public_key(k));
      CHECK(!kagi::p256::shared_secret(k, peer));
    }
    scalar one{};
    one[31] = 1;
    const auto g = kagi::p256::public_key(one);
    REQUIRE(g);
    CHECK(std::equal(d::gx_bytes.begin(), d::gx_bytes.end(), g->begin() + 1));
    CHECK(std::equal(d::gy_bytes.begin(), d::gy_bytes.end(), g->begin() + 33));
    CHECK(kagi::p256::public_key(n_minus_1) == minus_g);
  });
}

TEST_CASE("P-256 fixed-base public key equals the variable-base multiplication") {
  kagi_test::test_rng rng(23);
  const bytes g = [] {
    bytes b{0x04};
    b.insert(b.end(), d::gx_bytes.begin(), d::gx_bytes.end());
    b.insert(b.end(), d::gy_bytes.begin(), d::gy_bytes.end());
    return b;
  }();
  on_every_path([&](const kagi_test::path&) {
    for (int i = 0; i < 100; ++i) {
      scalar k{};
      rng.fill(k);
      if (i == 0) k = n_minus_1;
      if (i == 1) k = scalar{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};  // 16: one nonzero digit
      if (i == 2) k.fill(0x88);  // every 4-bit digit at the carry boundary
      if (i == 3) k = scalar{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};  // 256 = 8 * 32: one nonzero 5-bit digit
      if (i == 4) {
        // Every 5-bit digit 16, at the carry boundary (recoded to -16, then -15 with the carry).
        k.fill(0);
        for (int bit = 4; bit < 256; bit += 5) k[31 - bit / 8] |= static_cast<std::uint8_t>(1u << (bit % 8));
      }
      if (i == 5) {
        k.fill(0xff);  // 2^255 - 1: every 5-bit digit 31 (recoded to -1 with a carry)
        k[0] = 0x7f;
      }
      // Small scalars and scalars just below n: where the running point of a
      // window method comes closest to the multiple it adds (the incomplete
      // Jacobian formulas' exceptional cases, which must never be met).
      if (i >= 6 && i < 40) {
        k.fill(0);
        k[31] = static_cast<std::uint8_t>(i - 5);
      }
      if (i >= 40 && i < 74) {
        k = n_minus_1;
        k[31] = static_cast<std::uint8_t>(k[31] - (i - 40));  // n - 1 - (i - 40); 0x50 - 33 does not borrow
      }
      if (!kagi::p256::is_valid_private_key(k)) continue;
      INFO("k = " << kagi::to_hex(k));
      const auto pub = kagi::p256::public_key(k);
      REQUIRE(pub);
      // Variable base on G, then the x-coordinate through shared_secret.
      std::array<std::uint8_t, 65> var{};
      d::encode_point<F>(var.data(),
                         d::scalar_mul<F>(d::load_be(k.data()), *d::decode_point<F>(g)));
      CHECK(*pub == var);
      const auto x = kagi::p256::shared_secret(k, g);
      REQUIRE(x);
      CHECK(std::equal(x->begin(), x->end(), pub->begin() + 1));
    }
  });
}

TEST_CASE("P-256 paths agree on random inputs") {
  const auto paths = kagi_test::available_paths(p256_paths);
  kagi_test::test_rng rng(24);
  for (int i = 0; i < 50; ++i) {
    scalar a{}, b{};
    rng.fill(a);
    rng.fill(b);
    a[0] &= 0x7f;
    b[0] &= 0x7f;
    std::optional<kagi::p256::public_key_type> first_pub;
    std::optional<std::array<std::uint8_t, 32>> first_shared;
    for (std::size_t n = 0; n < paths.size(); ++n) {
      kagi::cpu::testing::scoped_disable off(paths[n].disable);
      const auto pa = kagi::p256::public_key(a), pb = kagi::p256::public_key(b);
      REQUIRE(pa);
      REQUIRE(pb);
      const auto s = kagi::p256::shared_secret(a, *pb);
      REQUIRE(s);
      CHECK(kagi::p256::shared_secret(b, *pa) == s);
      if (n == 0) {
        first_pub = pa;
        first_shared = s;
      }
      CHECK(pa == first_pub);
      CHECK(s == first_shared);
    }
  }
}

TEST_CASE("P-256 generate_private_key gives valid keys") {
  const std::array<std::uint8_t, 32> seed{1, 2, 3};
  kagi::hmac_drbg drbg(seed);
  for (int i = 0; i < 20; ++i) {
    const auto k = kagi::p256::generate_private_key(drbg);
    CHECK(kagi::p256::is_valid_private_key(k));
    CHECK(kagi::p256::public_key(k).has_value());
  }
}

#if KAGI_HAVE_OPENSSL
TEST_CASE("P-256 agrees with OpenSSL both ways on random keys") {
  on_every_path([&](const kagi_test::path&) {
    for (int i = 0; i < 30; ++i) {
      auto a = kagi_test::ossl::p256_generate();
      auto b = kagi_test::ossl::p256_generate();
      REQUIRE(a.pub.size() == 65);
      REQUIRE(b.pub.size() == 65);
      // kagi's public key of OpenSSL's private key is OpenSSL's public key.
      const auto pa = kagi::p256::public_key(a.priv);
      REQUIRE(pa);
      CHECK(to_bytes(*pa) == a.pub);
      // kagi with a's private key and b's OpenSSL public key, against OpenSSL
      // with b's private key and kagi's public key for a.
      const auto ours = kagi::p256::shared_secret(a.priv, b.pub);
      const kagi_test::ossl::pkey pa_ossl = kagi_test::ossl::p256_public(*pa);
      REQUIRE(pa_ossl);
      const auto theirs = kagi_test::ossl::derive(b.key, pa_ossl);
      REQUIRE(ours);
      REQUIRE(theirs);
      CHECK(to_bytes(*ours) == *theirs);
    }
  });
}
#endif

// ---- dudect-style timing (support/dudect.hpp): the private scalar 1 (whose
// windows are almost all zero, so the running point is the point at
// infinity for most of the multiplication) against random scalars, on every
// path, for the shared secret (peer point validated too) and the fixed-base
// public key. The MULX/ADX field, which valgrind cannot run, is checked here.
TEST_SUITE("timing") {
  TEST_CASE("P-256: time does not depend on the private scalar (dudect)") {
    kagi_test::test_rng rng(43);
    std::vector<scalar> pool[2];
    for (int i = 0; i < 64; ++i) {
      scalar one{};
      one[31] = 1;
      pool[0].push_back(one);
      scalar k{};
      do rng.fill(k);
      while (!kagi::p256::is_valid_private_key(k));
      pool[1].push_back(k);
    }
    const auto peer = kagi::p256::public_key(pool[1][0]);
    REQUIRE(peer);
    on_every_path([&](const kagi_test::path& path) {
      volatile std::uint8_t sink = 0;
      const double shared = kagi_test::dudect_worst_t(
          std::string(path.name) + " shared_secret", 2000, 64, rng, [&](int cls, std::size_t i) {
            const auto s = kagi::p256::shared_secret(pool[cls][i], *peer);
            sink = sink ^ (*s)[0];
          });
      CHECK(shared < kagi_test::dudect_threshold);
      const double pub = kagi_test::dudect_worst_t(
          std::string(path.name) + " public_key", 2000, 64, rng, [&](int cls, std::size_t i) {
            sink = sink ^ (*kagi::p256::public_key(pool[cls][i]))[1];
          });
      CHECK(pub < kagi_test::dudect_threshold);
    });
  }
}
