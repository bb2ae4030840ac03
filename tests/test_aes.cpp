// cipher/aes.hpp on every path: the FIPS 197 examples at compile time, the
// S-box against GF(2^8) arithmetic, NIST CAVP ECB KAT and MMT files, paths
// against each other, and OpenSSL.
#include <doctest/doctest.h>

#include <kagi/cipher/aes.hpp>
#include <string>
#include <vector>

#include "support/aes_paths.hpp"
#include "support/kat.hpp"
#include "support/openssl_cipher.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

using namespace kagi::literals;
using kagi_test::bytes;

namespace {

template <std::size_t KeyBits>
constexpr std::array<std::uint8_t, 16> encrypt_block(const std::array<std::uint8_t, KeyBits / 8>& key,
                                                     const std::array<std::uint8_t, 16>& in) {
  kagi::aes<KeyBits> a(key);
  std::array<std::uint8_t, 16> out{};
  a.encrypt_block(in, out);
  return out;
}
template <std::size_t KeyBits>
constexpr std::array<std::uint8_t, 16> decrypt_block(const std::array<std::uint8_t, KeyBits / 8>& key,
                                                     const std::array<std::uint8_t, 16>& in) {
  kagi::aes<KeyBits> a(key);
  std::array<std::uint8_t, 16> out{};
  a.decrypt_block(in, out);
  return out;
}

// GF(2^8) multiplication and the S-box from its definition (FIPS 197 5.1.1).
constexpr std::uint8_t gf256_mul(std::uint8_t a, std::uint8_t b) {
  std::uint32_t r = 0, x = a;
  for (int i = 0; i < 8; ++i) {
    if (b & (1u << i)) r ^= x;
    x <<= 1;
    if (x & 0x100) x ^= 0x11b;
  }
  return static_cast<std::uint8_t>(r);
}
constexpr std::uint8_t reference_sbox(std::uint8_t x) {
  std::uint8_t inv = 0;
  for (int c = 1; c < 256 && x != 0; ++c)
    if (gf256_mul(x, static_cast<std::uint8_t>(c)) == 1) inv = static_cast<std::uint8_t>(c);
  std::uint8_t s = 0;
  for (int i = 0; i < 8; ++i) {
    const int bit = ((inv >> i) ^ (inv >> ((i + 4) & 7)) ^ (inv >> ((i + 5) & 7)) ^ (inv >> ((i + 6) & 7)) ^
                     (inv >> ((i + 7) & 7)) ^ (0x63 >> i)) & 1;
    s = static_cast<std::uint8_t>(s | (bit << i));
  }
  return s;
}

template <std::size_t KeyBits>
bytes ecb(bool decrypt, const bytes& key, const bytes& in) {
  REQUIRE(key.size() == KeyBits / 8);
  const kagi::aes<KeyBits> a = kagi::aes<KeyBits>::from_key(key).value();
  bytes out(in.size());
  const kagi::status s = decrypt ? a.decrypt(in, out) : a.encrypt(in, out);
  REQUIRE(s);
  return out;
}

bytes ecb_any(bool decrypt, const bytes& key, const bytes& in) {
  switch (key.size()) {
    case 16: return ecb<128>(decrypt, key, in);
    case 24: return ecb<192>(decrypt, key, in);
    case 32: return ecb<256>(decrypt, key, in);
  }
  FAIL("bad key size " << key.size());
  return {};
}

void run_ecb_file(const char* file) {
  const auto records = kagi_test::parse_records(file);
  kagi_test::on_every_aes_path([&](const kagi_test::path&) {
    std::size_t enc = 0, dec = 0;
    for (const auto& r : records) {
      INFO(r.where());
      const bytes key = r.get_hex("KEY"), pt = r.get_hex("PLAINTEXT"), ct = r.get_hex("CIPHERTEXT");
      const std::string& dir = r.header("@");
      if (dir == "ENCRYPT") {
        CHECK(ecb_any(false, key, pt) == ct);
        ++enc;
      } else {
        REQUIRE(dir == "DECRYPT");
        CHECK(ecb_any(true, key, ct) == pt);
        ++dec;
      }
      // Both directions of every record, and in place.
      CHECK(ecb_any(true, key, ecb_any(false, key, pt)) == pt);
    }
    CHECK(enc > 0);
    CHECK(dec > 0);
  });
}

}  // namespace

TEST_CASE("AES FIPS 197 appendix C examples at compile time") {
  constexpr auto pt = "00112233445566778899aabbccddeeff"_hex;
  constexpr auto k128 = "000102030405060708090a0b0c0d0e0f"_hex;
  constexpr auto k192 = "000102030405060708090a0b0c0d0e0f1011121314151617"_hex;
  constexpr auto k256 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"_hex;
  KAGI_CHECK_CONSTEXPR(encrypt_block<128>(k128, pt) == "69c4e0d86a7b0430d8cdb78070b4c55a"_hex);
  KAGI_CHECK_CONSTEXPR(encrypt_block<192>(k192, pt) == "dda97ca4864cdfe06eaf70a0ec0d7191"_hex);
  KAGI_CHECK_CONSTEXPR(encrypt_block<256>(k256, pt) == "8ea2b7ca516745bfeafc49904b496089"_hex);
  KAGI_CHECK_CONSTEXPR(decrypt_block<128>(k128, "69c4e0d86a7b0430d8cdb78070b4c55a"_hex) == pt);
  KAGI_CHECK_CONSTEXPR(decrypt_block<256>(k256, "8ea2b7ca516745bfeafc49904b496089"_hex) == pt);
}

TEST_CASE("AES bitsliced S-box equals the S-box's definition on all 256 bytes") {
  for (std::uint32_t x = 0; x < 256; x += 4) {
    const std::uint32_t word = x | ((x + 1) << 8) | ((x + 2) << 16) | ((x + 3) << 24);
    const std::uint32_t s = kagi::detail::aes_sub_word(word);
    for (std::uint32_t i = 0; i < 4; ++i) {
      INFO("byte " << x + i);
      CHECK(((s >> (8 * i)) & 0xff) == reference_sbox(static_cast<std::uint8_t>(x + i)));
    }
  }
  static_assert(kagi::detail::aes_sub_word(0x53010063u) == 0xed7c63fbu);  // S(0x63), S(0), S(1), S(0x53)
}

TEST_CASE("AES key schedule is the same on every path") {
  kagi_test::test_rng rng(1);
  for (int i = 0; i < 50; ++i) {
    const bytes key = rng.bytes(32);
    auto schedule = [&](auto bits) {
      constexpr std::size_t kb = decltype(bits)::value;
      std::vector<bytes> out;
      kagi_test::on_every_aes_path([&](const kagi_test::path&) {
        kagi::detail::aes_key_schedule<kb> ks(std::span<const std::uint8_t, kb / 8>(key.data(), kb / 8));
        out.emplace_back(ks.rk.begin(), ks.rk.end());
      });
      for (const auto& o : out) CHECK(o == out.front());
    };
    schedule(std::integral_constant<std::size_t, 128>{});
    schedule(std::integral_constant<std::size_t, 192>{});
    schedule(std::integral_constant<std::size_t, 256>{});
  }
}

TEST_CASE("AES NIST ECBVarKey128/192/256.rsp") {
  run_ecb_file("nist/aes/ECBVarKey128.rsp");
  run_ecb_file("nist/aes/ECBVarKey192.rsp");
  run_ecb_file("nist/aes/ECBVarKey256.rsp");
}
TEST_CASE("AES NIST ECBGFSbox128/192/256.rsp") {
  run_ecb_file("nist/aes/ECBGFSbox128.rsp");
  run_ecb_file("nist/aes/ECBGFSbox192.rsp");
  run_ecb_file("nist/aes/ECBGFSbox256.rsp");
}
TEST_CASE("AES NIST ECBMMT128/192/256.rsp") {
  run_ecb_file("nist/aes/ECBMMT128.rsp");
  run_ecb_file("nist/aes/ECBMMT192.rsp");
  run_ecb_file("nist/aes/ECBMMT256.rsp");
}

TEST_CASE("AES paths agree on random inputs, in place and out of place") {
  const auto paths = kagi_test::available_paths(kagi_test::aes_paths);
  kagi_test::test_rng rng(2);
  for (std::size_t key_size : {16u, 24u, 32u}) {
    for (std::size_t blocks = 0; blocks <= 21; ++blocks) {
      const bytes key = rng.bytes(key_size), pt = rng.bytes(16 * blocks);
      INFO("key " << key_size << " blocks " << blocks);
      bytes first;
      for (const auto& p : paths) {
        kagi::cpu::testing::scoped_disable off(p.disable);
        const bytes ct = ecb_any(false, key, pt);
        if (&p == &paths.front()) first = ct;
        CHECK(ct == first);
        CHECK(ecb_any(true, key, ct) == pt);
        bytes buf = pt;  // in place
        switch (key_size) {
          case 16: CHECK(kagi::aes128::from_key(key).value().encrypt(buf, buf)); break;
          case 24: CHECK(kagi::aes192::from_key(key).value().encrypt(buf, buf)); break;
          default: CHECK(kagi::aes256::from_key(key).value().encrypt(buf, buf)); break;
        }
        CHECK(buf == ct);
#if KAGI_HAVE_OPENSSL
        CHECK(ct == kagi_test::ossl::aes_ecb_encrypt(key, pt));
#endif
      }
    }
  }
}

TEST_CASE("AES refuses bad lengths and overlapping buffers") {
  const std::array<std::uint8_t, 16> key{};
  const kagi::aes128 a(key);
  std::array<std::uint8_t, 64> buf{};
  const std::span<std::uint8_t> s(buf);
  CHECK(a.encrypt(s.first(15), s.subspan(32, 15)).error() == kagi::errc::bad_length);
  CHECK(a.encrypt(s.first(16), s.subspan(32, 32)).error() == kagi::errc::bad_length);
  CHECK(a.decrypt(s.first(17), s.subspan(32, 17)).error() == kagi::errc::bad_length);
  CHECK(a.encrypt(s.first(32), s.subspan(16, 32)).error() == kagi::errc::overlapping_buffers);
  CHECK(a.decrypt(s.subspan(16, 32), s.first(32)).error() == kagi::errc::overlapping_buffers);
  CHECK(a.encrypt(s.first(32), s.first(32)));
  CHECK(a.encrypt(s.first(32), s.subspan(32, 32)));
  CHECK(a.encrypt({}, {}));
}

// At compile time too, partly overlapping sub-spans of one array are refused
// (found with pointer equality, the only comparison a constant expression
// allows between unrelated pointers), while in place and disjoint run.
namespace {
constexpr kagi::errc constexpr_ecb(std::size_t in_at, std::size_t out_at, std::size_t len) {
  const kagi::aes128 a(std::array<std::uint8_t, 16>{});
  std::array<std::uint8_t, 96> buf{};
  const std::span<std::uint8_t> b(buf);
  return a.encrypt(b.subspan(in_at, len), b.subspan(out_at, len)).error();
}
}  // namespace
static_assert(constexpr_ecb(0, 16, 32) == kagi::errc::overlapping_buffers);
static_assert(constexpr_ecb(16, 0, 32) == kagi::errc::overlapping_buffers);
static_assert(constexpr_ecb(0, 31, 32) == kagi::errc::overlapping_buffers);
static_assert(constexpr_ecb(31, 0, 32) == kagi::errc::overlapping_buffers);
static_assert(constexpr_ecb(0, 0, 32) == kagi::errc::ok);
static_assert(constexpr_ecb(0, 32, 32) == kagi::errc::ok);
static_assert(constexpr_ecb(32, 0, 32) == kagi::errc::ok);
namespace {
constexpr bool constexpr_overlaps() {
  std::array<std::uint8_t, 8> x{}, y{};
  using kagi::detail::disjoint, kagi::detail::same_or_disjoint;
  return same_or_disjoint(x.data(), 8, x.data(), 8) && !same_or_disjoint(x.data(), 8, x.data(), 7) &&
         !same_or_disjoint(x.data() + 1, 7, x.data(), 8) && same_or_disjoint(x.data(), 4, x.data() + 4, 4) &&
         same_or_disjoint(x.data(), 8, y.data(), 8) && !disjoint(x.data(), 8, x.data(), 8) &&
         !disjoint(x.data() + 7, 1, x.data(), 8) && disjoint(x.data(), 7, x.data() + 7, 1) &&
         disjoint(x.data(), 8, y.data(), 8) && disjoint(x.data(), 0, x.data(), 8);
}
}  // namespace
static_assert(constexpr_overlaps());

TEST_CASE("AES from_key refuses keys of the wrong length") {
  const std::array<std::uint8_t, 64> key{};
  const kagi::bytes_view k(key);
  for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 23u, 24u, 25u, 31u, 32u, 33u, 64u}) {
    INFO("key length " << n);
    CHECK(kagi::aes128::from_key(k.first(n)).has_value() == (n == 16));
    CHECK(kagi::aes192::from_key(k.first(n)).has_value() == (n == 24));
    CHECK(kagi::aes256::from_key(k.first(n)).has_value() == (n == 32));
    if (n != 16) CHECK(kagi::aes128::from_key(k.first(n)).error() == kagi::errc::bad_length);
  }
  // The right length gives the same cipher as the fixed-size constructor.
  std::array<std::uint8_t, 16> a{}, b{};
  kagi::aes192::from_key(k.first(24)).value().encrypt_block(a, a);
  kagi::aes192(k.first<24>()).encrypt_block(b, b);
  CHECK(a == b);
}
