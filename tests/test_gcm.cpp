// cipher/gcm.hpp on every path: one vector at compile time, GHASH arithmetic
// against SP 800-38D's bitwise multiplication, NIST CAVP encrypt/decrypt
// files (FAIL cases included), Wycheproof, McGrew-Viega, every length against
// the other paths and OpenSSL, counter wrap, in place, bit flips, truncated
// tags and refused arguments.
#include <doctest/doctest.h>

#include <kagi/cipher/gcm.hpp>
#include <kagi/hash/hmac_drbg.hpp>
#include <string>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "support/aes_paths.hpp"
#include "support/dudect.hpp"
#include "support/kat.hpp"
#include "support/openssl_cipher.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

using namespace kagi::literals;
using kagi_test::bytes;

namespace {

// ---- a reference GCM written from SP 800-38D, bit by bit (slow, independent
// of the library's GHASH; AES blocks come from kagi::aes, checked by test_aes)

using block = std::array<std::uint8_t, 16>;

block ref_gf_mul(const block& x, const block& y) {  // SP 800-38D 6.3, Algorithm 1
  block z{}, v = y;
  for (int i = 0; i < 128; ++i) {
    if ((x[i / 8] >> (7 - i % 8)) & 1)
      for (int j = 0; j < 16; ++j) z[j] ^= v[j];
    const bool lsb = v[15] & 1;
    for (int j = 15; j > 0; --j) v[j] = static_cast<std::uint8_t>((v[j] >> 1) | (v[j - 1] << 7));
    v[0] >>= 1;
    if (lsb) v[0] ^= 0xe1;
  }
  return z;
}

void ref_ghash(const block& h, block& y, const bytes& data) {
  for (std::size_t i = 0; i < data.size(); i += 16) {
    for (std::size_t j = 0; j < 16 && i + j < data.size(); ++j) y[j] ^= data[i + j];
    y = ref_gf_mul(y, h);
  }
}

template <std::size_t KeyBits>
block aes_encrypt(const bytes& key, const block& in) {
  const auto a = kagi::aes<KeyBits>::from_key(key);
  REQUIRE(a);
  block out{};
  a->encrypt_block(in, out);
  return out;
}

struct sealed {
  bytes ct;
  bytes tag;
};

// GCM-AE from J0 (SP 800-38D 7.1 steps 3-6).
template <std::size_t KeyBits>
sealed ref_seal_j0(const bytes& key, const block& j0, const bytes& aad, const bytes& pt) {
  const block h = aes_encrypt<KeyBits>(key, block{});
  sealed r{bytes(pt.size()), bytes(16)};
  block cb = j0;
  for (std::size_t i = 0; i < pt.size(); i += 16) {
    std::uint32_t c = kagi::load_be32(cb.data() + 12) + 1;  // inc32
    kagi::store_be32(cb.data() + 12, c);
    const block ks = aes_encrypt<KeyBits>(key, cb);
    for (std::size_t j = 0; j < 16 && i + j < pt.size(); ++j) r.ct[i + j] = pt[i + j] ^ ks[j];
  }
  block y{};
  ref_ghash(h, y, aad);
  ref_ghash(h, y, r.ct);
  bytes lengths(16);
  kagi::store_be64(lengths.data(), std::uint64_t{aad.size()} * 8);
  kagi::store_be64(lengths.data() + 8, std::uint64_t{pt.size()} * 8);
  ref_ghash(h, y, lengths);
  const block ej0 = aes_encrypt<KeyBits>(key, j0);
  for (int j = 0; j < 16; ++j) r.tag[j] = y[j] ^ ej0[j];
  return r;
}

// ---- running the library with a key of any size

template <class F>
void with_gcm(const bytes& key, F&& f) {
  switch (key.size()) {
    case 16: f(kagi::aes128_gcm::from_key(key).value()); return;
    case 24: f(kagi::aes192_gcm::from_key(key).value()); return;
    case 32: f(kagi::aes256_gcm::from_key(key).value()); return;
  }
  FAIL("unsupported key size " << key.size());
}

sealed seal(const bytes& key, const bytes& nonce, const bytes& aad, const bytes& pt, std::size_t tag_len = 16) {
  sealed r{bytes(pt.size()), bytes(tag_len)};
  with_gcm(key, [&](const auto& g) { REQUIRE(g.encrypt(nonce, aad, pt, r.ct, r.tag)); });
  return r;
}

// Decrypts; on failure checks that the output was zeroed. Returns the error code.
kagi::errc open(const bytes& key, const bytes& nonce, const bytes& aad, const bytes& ct, const bytes& tag,
                bytes* pt_out = nullptr) {
  bytes pt(ct.size(), 0xa5);
  kagi::errc e = kagi::errc::ok;
  with_gcm(key, [&](const auto& g) { e = g.decrypt(nonce, aad, ct, tag, pt).error(); });
  if (e == kagi::errc::authentication_failed) CHECK(pt == bytes(ct.size(), 0));
  if (pt_out) *pt_out = pt;
  return e;
}

bytes hex_field(const nlohmann::json& t, const char* name) { return kagi_test::hex(t.at(name).get<std::string>()); }

}  // namespace

TEST_CASE("GCM McGrew-Viega test case 4 at compile time") {
  constexpr auto key = "feffe9928665731c6d6a8f9467308308"_hex;
  constexpr auto iv = "cafebabefacedbaddecaf888"_hex;
  constexpr auto pt =
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"_hex;
  constexpr auto aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2"_hex;
  constexpr auto expected_ct =
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"_hex;
  constexpr auto expected_tag = "5bc94fbc3221a5db94fae95ae7121a47"_hex;
  constexpr auto sealed = [&] {
    const kagi::aes128_gcm g(key);
    std::pair<std::array<std::uint8_t, 60>, std::array<std::uint8_t, 16>> r{};
    if (!g.encrypt(iv, aad, pt, r.first, r.second)) r.second[0] ^= 1;
    // Partly overlapping sub-spans of one array are refused at compile time
    // as at run time, and write nothing.
    std::array<std::uint8_t, 80> buf{};
    const std::span<std::uint8_t> b(buf);
    std::array<std::uint8_t, 16> tag{};
    if (g.encrypt(iv, aad, b.first(60), b.subspan(4, 60), tag).error() != kagi::errc::overlapping_buffers ||
        g.decrypt(iv, aad, b.subspan(16, 60), tag, b.first(60)).error() != kagi::errc::overlapping_buffers ||
        g.encrypt(iv, aad, b.first(60), b.first(60), b.subspan(59, 16)).error() != kagi::errc::overlapping_buffers ||
        g.encrypt(b.subspan(50, 12), aad, b.first(20), b.subspan(40, 20), tag).error() != kagi::errc::overlapping_buffers ||
        buf != std::array<std::uint8_t, 80>{} || tag != std::array<std::uint8_t, 16>{})
      r.second[1] ^= 1;
    return r;
  }();
  KAGI_CHECK_CONSTEXPR(sealed.first == expected_ct);
  KAGI_CHECK_CONSTEXPR(sealed.second == expected_tag);
}

TEST_CASE("GHASH arithmetic: carry-less products with holes and the reduction") {
  kagi_test::test_rng rng(1);
  auto naive = [](std::uint64_t x, std::uint64_t y) {
    std::uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 64; ++i)
      if ((y >> i) & 1) {
        lo ^= x << i;
        if (i) hi ^= x >> (64 - i);
      }
    return std::pair{hi, lo};
  };
  auto word = [&] {
    std::uint64_t w = 0;
    for (int i = 0; i < 8; ++i) w = (w << 8) | rng.uniform(0, 255);
    return w;
  };
  for (int i = 0; i < 2000; ++i) {
    // All-ones operands give the longest columns; include them.
    const std::uint64_t x = i == 0 ? ~0ull : word(), y = i < 2 ? ~0ull : word();
    const auto want = naive(x, y);
    const auto r32 = kagi::detail::clmul64_32(x, y);
    CHECK(std::pair{r32.hi, r32.lo} == want);
#if defined(__SIZEOF_INT128__)
    const auto r128 = kagi::detail::clmul64_int128(x, y);
    CHECK(std::pair{r128.hi, r128.lo} == want);
#endif
  }
  // x * H computed with the twisted H' equals SP 800-38D's bitwise product.
  for (int i = 0; i < 300; ++i) {
    block x{}, h{};
    rng.fill(x);
    rng.fill(h);
    if (i == 0) x.fill(0xff), h.fill(0xff);
    const auto hp = kagi::detail::gf128_twist(kagi::detail::gf128_load(h.data()));
    block got{};
    kagi::detail::gf128_store(got.data(), kagi::detail::gf128_mul(kagi::detail::gf128_load(x.data()), hp));
    CHECK(got == ref_gf_mul(x, h));
  }
}

namespace {

// Every path's key set-up (the VAES ones compute the upper powers several
// lanes at a time) leaves the same bytes, and H'^k is the twisted k-th power
// of H = E(K, 0) by SP 800-38D's bitwise product.
template <std::size_t KeyBits>
void check_key_setup(kagi_test::test_rng& rng) {
  for (int i = 0; i < 20; ++i) {
    const bytes key = rng.bytes(KeyBits / 8);
    INFO("key bits " << KeyBits << " key " << i);
    std::vector<bytes> states;
    kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
      const auto g = kagi::aes_gcm<KeyBits>::from_key(key);
      REQUIRE(g);
      const auto& k = g->key_state();
      bytes s(k.aes.rk.begin(), k.aes.rk.end());
      for (auto w : k.hpow)
        for (int b = 0; b < 8; ++b) s.push_back(static_cast<std::uint8_t>(w >> (8 * b)));
      states.push_back(s);
    });
    for (const auto& s : states) CHECK(s == states.front());
    const block h = aes_encrypt<KeyBits>(key, block{});
    const auto g = kagi::aes_gcm<KeyBits>::from_key(key).value();
    block p = h;
    for (std::size_t k = 1; k <= kagi::detail::gcm_powers; ++k) {
      CHECK(g.key_state().power(k).hi == kagi::detail::gf128_twist(kagi::detail::gf128_load(p.data())).hi);
      CHECK(g.key_state().power(k).lo == kagi::detail::gf128_twist(kagi::detail::gf128_load(p.data())).lo);
      p = ref_gf_mul(p, h);
    }
  }
}

}  // namespace

TEST_CASE("GCM key set-up gives the same state on every path, for every key size") {
  kagi_test::test_rng rng(2);
  check_key_setup<128>(rng);
  check_key_setup<192>(rng);
  check_key_setup<256>(rng);
}

namespace {

void run_nist_encrypt(const char* file) {
  const auto records = kagi_test::parse_records(file);
  kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
    for (const auto& r : records) {
      INFO(r.where());
      const bytes key = r.get_hex("Key"), iv = r.get_hex("IV"), pt = r.get_hex("PT"), aad = r.get_hex("AAD");
      const bytes ct = r.get_hex("CT"), tag = r.get_hex("Tag");
      REQUIRE(std::stoul(r.header("Taglen")) == 8 * tag.size());
      const sealed s = seal(key, iv, aad, pt, tag.size());
      CHECK(s.ct == ct);
      CHECK(s.tag == tag);
    }
  });
}

void run_nist_decrypt(const char* file) {
  const auto records = kagi_test::parse_records(file);
  kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
    std::size_t fails = 0;
    for (const auto& r : records) {
      INFO(r.where());
      const bytes key = r.get_hex("Key"), iv = r.get_hex("IV"), ct = r.get_hex("CT"), aad = r.get_hex("AAD");
      const bytes tag = r.get_hex("Tag");
      bytes pt;
      const kagi::errc e = open(key, iv, aad, ct, tag, &pt);
      if (r.has("FAIL")) {
        CHECK(e == kagi::errc::authentication_failed);
        ++fails;
      } else {
        CHECK(e == kagi::errc::ok);
        CHECK(pt == r.get_hex("PT"));
      }
    }
    CHECK(fails > 0);
  });
}

}  // namespace

TEST_CASE("GCM NIST gcmEncryptExtIV128.rsp") { run_nist_encrypt("nist/gcm/gcmEncryptExtIV128.rsp"); }
TEST_CASE("GCM NIST gcmEncryptExtIV192.rsp") { run_nist_encrypt("nist/gcm/gcmEncryptExtIV192.rsp"); }
TEST_CASE("GCM NIST gcmEncryptExtIV256.rsp") { run_nist_encrypt("nist/gcm/gcmEncryptExtIV256.rsp"); }
TEST_CASE("GCM NIST gcmDecrypt128.rsp") { run_nist_decrypt("nist/gcm/gcmDecrypt128.rsp"); }
TEST_CASE("GCM NIST gcmDecrypt192.rsp") { run_nist_decrypt("nist/gcm/gcmDecrypt192.rsp"); }
TEST_CASE("GCM NIST gcmDecrypt256.rsp") { run_nist_decrypt("nist/gcm/gcmDecrypt256.rsp"); }

TEST_CASE("GCM Wycheproof aes_gcm_test.json") {
  const auto j = kagi_test::read_json("wycheproof/aes_gcm_test.json");
  kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
    std::size_t count = 0;
    for (const auto& group : j.at("testGroups")) {
      for (const auto& t : group.at("tests")) {
        INFO("tcId " << t.at("tcId").get<int>() << ": " << t.at("comment").get<std::string>());
        const bytes key = hex_field(t, "key"), iv = hex_field(t, "iv"), aad = hex_field(t, "aad");
        const bytes msg = hex_field(t, "msg"), ct = hex_field(t, "ct"), tag = hex_field(t, "tag");
        const std::string result = t.at("result").get<std::string>();
        ++count;
        bytes pt;
        const kagi::errc e = open(key, iv, aad, ct, tag, &pt);
        if (result == "valid") {
          CHECK(e == kagi::errc::ok);
          CHECK(pt == msg);
          const sealed s = seal(key, iv, aad, msg, tag.size());
          CHECK(s.ct == ct);
          CHECK(s.tag == tag);
        } else if (result == "invalid") {
          CHECK(e != kagi::errc::ok);
          if (iv.empty()) {  // refused as an argument error, on both sides
            CHECK(e == kagi::errc::bad_length);
            bytes c(msg.size()), tg(16);
            with_gcm(key, [&](const auto& g) { CHECK(g.encrypt(iv, aad, msg, c, tg).error() == kagi::errc::bad_length); });
          }
        } else {  // acceptable: either way, but never a wrong plaintext
          if (e == kagi::errc::ok) CHECK(pt == msg);
        }
      }
    }
    CHECK(count == j.at("numberOfTests").get<std::size_t>());
  });
}

TEST_CASE("GCM McGrew-Viega test cases 1-18") {
  const auto records = kagi_test::parse_records("rfc/gcm_spec_mcgrew_viega.txt");
  REQUIRE(records.size() == 18);
  kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
    for (const auto& r : records) {
      INFO(r.where());
      const bytes key = r.get_hex("key"), iv = r.get_hex("iv"), pt = r.get_hex("plaintext"), aad = r.get_hex("aad");
      const sealed s = seal(key, iv, aad, pt);
      CHECK(s.ct == r.get_hex("ciphertext"));
      CHECK(s.tag == r.get_hex("tag"));
      bytes back;
      CHECK(open(key, iv, aad, s.ct, s.tag, &back) == kagi::errc::ok);
      CHECK(back == pt);
    }
  });
}

namespace {

// Seals random inputs of the given sizes on every path, checks that the paths
// agree with each other (and with OpenSSL) and that each opens its own result.
void cross_check(kagi_test::test_rng& rng, std::size_t key_size, std::size_t nonce_len, std::size_t aad_len,
                 std::size_t len) {
  const auto paths = kagi_test::available_paths(kagi_test::gcm_paths);
  const bytes key = rng.bytes(key_size), nonce = rng.bytes(nonce_len), aad = rng.bytes(aad_len),
              pt = rng.bytes(len);
  INFO("key " << key_size << " nonce " << nonce_len << " aad " << aad_len << " length " << len);
  std::vector<sealed> results;
  for (const auto& p : paths) {
    kagi::cpu::testing::scoped_disable off(p.disable);
    INFO("path " << std::string(p.name));
    results.push_back(seal(key, nonce, aad, pt));
    bytes back;
    CHECK(open(key, nonce, aad, results.back().ct, results.back().tag, &back) == kagi::errc::ok);
    CHECK(back == pt);
  }
  for (const auto& r : results) {
    CHECK(r.ct == results.front().ct);
    CHECK(r.tag == results.front().tag);
  }
#if KAGI_HAVE_OPENSSL
  const auto o = kagi_test::ossl::aes_gcm_encrypt(key, nonce, aad, pt);
  CHECK(results.front().ct == o.ciphertext);
  CHECK(results.front().tag == o.tag);
#endif
}

}  // namespace

TEST_CASE("GCM paths agree with each other and with OpenSSL: every length 0..1100, AAD 0..300") {
  kagi_test::test_rng rng(3);
  static constexpr std::size_t key_sizes[] = {16, 24, 32};
  for (std::size_t len = 0; len <= 1100; ++len) cross_check(rng, key_sizes[len % 3], 12, (len * 37) % 301, len);
  for (std::size_t aad = 0; aad <= 300; ++aad) cross_check(rng, key_sizes[aad % 3], 12, aad, (aad * 53) % 700);
  for (std::size_t nonce = 1; nonce <= 80; ++nonce) cross_check(rng, key_sizes[nonce % 3], nonce, nonce % 40, nonce * 13);
  // Around the first wrap of the counter's low byte (block 254 of a 12-byte
  // nonce), where the kernels switch between their two ways of making counters.
  for (std::size_t len = 3700; len <= 4500; len += 37) cross_check(rng, key_sizes[len % 3], 12, len % 40, len);
  for (std::size_t len : {16384u, 16397u, 65536u + 77u}) cross_check(rng, 16, 12, 13, len);
}

// The sweep above ties the AAD length to the message length; here the two
// vary independently over each kernel's block boundaries (the VAES kernel's
// short path takes AAD and message together when their blocks fit in 16 powers).
TEST_CASE("GCM message length x AAD length, every key size, paths and OpenSSL agree") {
  kagi_test::test_rng rng(11);
  static constexpr std::size_t lengths[] = {0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025};
  static constexpr std::size_t aad_lengths[] = {0, 1, 13, 16, 17, 31, 32, 33, 255, 256, 257};
  for (std::size_t key_size : {16u, 24u, 32u})
    for (std::size_t len : lengths)
      for (std::size_t aad : aad_lengths) cross_check(rng, key_size, 12, aad, len);
}

TEST_CASE("GCM counter blocks wrap modulo 2^32 on every path") {
  kagi_test::test_rng rng(4);
  const bytes key = rng.bytes(16), aad = rng.bytes(20);
  const kagi::aes128_gcm g = kagi::aes128_gcm::from_key(key).value();
  kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
    for (std::uint32_t start : {0xffffffffu, 0xfffffff0u, 0xffffffe0u, 0xffffff00u + 7}) {
      for (std::size_t len : {16u, 100u, 256u, 300u, 1100u, 4200u}) {
        block j0{};
        rng.fill(j0);
        kagi::store_be32(j0.data() + 12, start);
        const bytes pt = rng.bytes(len);
        INFO("counter " << start << " length " << len);
        const sealed want = ref_seal_j0<128>(key, j0, aad, pt);
        sealed got{bytes(len), bytes(16)};
        kagi::detail::gcm_seal(g.key_state(), {j0.data(), false}, aad.data(), aad.size(), pt.data(), got.ct.data(), len,
                               got.tag.data());
        CHECK(got.ct == want.ct);
        CHECK(got.tag == want.tag);
        // Opening recomputes the whole tag (one flipped bit fails) and decrypts,
        // out of place and in place.
        auto open_j0 = [&](const bytes& ct, bytes& out, const bytes& tag) {
          return kagi::detail::gcm_open(g.key_state(), {j0.data(), false}, aad.data(), aad.size(), ct.data(),
                                        out.data(), len, tag.data(), 16);
        };
        bytes back(len), in_place = want.ct, bad_tag = want.tag;
        CHECK(open_j0(want.ct, back, want.tag));
        CHECK(back == pt);
        CHECK(open_j0(in_place, in_place, want.tag));
        CHECK(in_place == pt);
        bad_tag[start % 16] ^= 0x10;
        CHECK_FALSE(open_j0(want.ct, back, bad_tag));
      }
    }
  });
}

TEST_CASE("GCM in place equals out of place, on every path") {
  kagi_test::test_rng rng(5);
  kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
    for (std::size_t len : {0u, 1u, 15u, 16u, 17u, 64u, 255u, 256u, 257u, 1000u, 4099u}) {
      const bytes key = rng.bytes(32), nonce = rng.bytes(12), aad = rng.bytes(len % 50);
      const bytes pt = rng.bytes(len);
      const sealed s = seal(key, nonce, aad, pt);
      bytes buf = pt, tag(16);
      with_gcm(key, [&](const auto& g) {
        CHECK(g.encrypt(nonce, aad, buf, buf, tag));
        CHECK(buf == s.ct);
        CHECK(tag == s.tag);
        CHECK(g.decrypt(nonce, aad, buf, tag, buf));
        CHECK(buf == pt);
        // A failed in-place decryption leaves zeros.
        buf = s.ct;
        tag[0] ^= 1;
        CHECK(g.decrypt(nonce, aad, buf, tag, buf).error() == kagi::errc::authentication_failed);
        CHECK(buf == bytes(len, 0));
      });
    }
  });
}

TEST_CASE("GCM rejects a flipped bit anywhere in nonce, AAD, ciphertext or tag, and zeroes the output") {
  kagi_test::test_rng rng(6);
  const bytes key = rng.bytes(16), nonce = rng.bytes(12), aad = rng.bytes(21), pt = rng.bytes(70);
  kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
    const sealed s = seal(key, nonce, aad, pt);
    REQUIRE(open(key, nonce, aad, s.ct, s.tag) == kagi::errc::ok);
    auto flips = [&](bytes v, auto&& try_open) {
      for (std::size_t bit = 0; bit < 8 * v.size(); ++bit) {
        v[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        INFO("bit " << bit);
        CHECK(try_open(v) == kagi::errc::authentication_failed);
        v[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      }
    };
    flips(nonce, [&](const bytes& n) { return open(key, n, aad, s.ct, s.tag); });
    flips(aad, [&](const bytes& a) { return open(key, nonce, a, s.ct, s.tag); });
    flips(s.ct, [&](const bytes& c) { return open(key, nonce, aad, c, s.tag); });
    flips(s.tag, [&](const bytes& t) { return open(key, nonce, aad, s.ct, t); });
    // Appending or dropping a byte of AAD or ciphertext fails too.
    bytes longer = aad;
    longer.push_back(0);
    CHECK(open(key, nonce, longer, s.ct, s.tag) == kagi::errc::authentication_failed);
    CHECK(open(key, nonce, aad, bytes(s.ct.begin(), s.ct.end() - 1), s.tag) == kagi::errc::authentication_failed);
  });
}

// The checked decryptions may write keystream (never plaintext) to a separate
// output before the tag is known, then zero it: long messages run each
// kernel's block loops (VAES, 512- and 256-bit: 16-block groups in one pass;
// AES-NI: 8 blocks) and tails. Every such length, a flipped bit in each input, out of place into a
// pre-filled buffer with guard bytes on both sides, and in place.
TEST_CASE("GCM bad tags on long messages: false, the whole output zeroed, nothing past it touched") {
  kagi_test::test_rng rng(9);
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 300; ++n) lengths.push_back(n);
  for (std::size_t n : {511u, 512u, 513u, 1023u, 1024u, 1025u, 4096u + 17u, 16384u}) lengths.push_back(n);
  static constexpr std::size_t key_sizes[] = {16, 24, 32};
  struct message {
    bytes key, nonce, aad, ct, tag;
  };
  std::vector<message> messages;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    const std::size_t len = lengths[i];
    message m{rng.bytes(key_sizes[i % 3]), rng.bytes(i % 11 == 5 ? 16 : 12), rng.bytes((len * 7) % 61), {}, {}};
    const sealed s = seal(m.key, m.nonce, m.aad, rng.bytes(len));
    m.ct = s.ct;
    m.tag = s.tag;
    messages.push_back(std::move(m));
  }
  constexpr std::size_t guard = 48;
  constexpr std::uint8_t guard_byte = 0x5a;
  kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
    for (const message& m : messages) {
      const std::size_t len = m.ct.size();
      with_gcm(m.key, [&](const auto& g) {
        // Decrypts (nonce, aad, ct, tag) into the middle of a guarded buffer,
        // out of place or in place; returns the error and checks the buffer.
        auto attempt = [&](const bytes& nonce, const bytes& aad, const bytes& ct, const bytes& tag, bool in_place) {
          bytes buf(len + 2 * guard, guard_byte);
          const std::span<std::uint8_t> out = std::span(buf).subspan(guard, len);
          if (in_place) {
            std::copy(ct.begin(), ct.end(), out.begin());
          } else {
            for (std::size_t i = 0; i < len; ++i) out[i] = static_cast<std::uint8_t>(0x80 | (i * 13));  // never zero
          }
          const kagi::errc e =
              in_place ? g.decrypt(nonce, aad, out, tag, out).error() : g.decrypt(nonce, aad, ct, tag, out).error();
          bool guards = true;
          for (std::size_t i = 0; i < guard; ++i) guards = guards && buf[i] == guard_byte && buf[guard + len + i] == guard_byte;
          CHECK(guards);
          return std::pair{e, bytes(out.begin(), out.end())};
        };
        for (const bool in_place : {false, true}) {
          INFO("length " << len << " key " << m.key.size() << " aad " << m.aad.size() << " nonce " << m.nonce.size()
                         << (in_place ? " in place" : " out of place"));
          const auto good = attempt(m.nonce, m.aad, m.ct, m.tag, in_place);
          REQUIRE(good.first == kagi::errc::ok);
          for (int what = 0; what < 4; ++what) {
            bytes nonce = m.nonce, aad = m.aad, ct = m.ct, tag = m.tag;
            bytes& target = what == 0 ? tag : what == 1 ? ct : what == 2 ? aad : nonce;
            if (target.empty()) continue;
            const std::size_t bit = rng.uniform(0, 8 * target.size() - 1);
            target[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            INFO("flipped bit " << bit << " of " << (what == 0 ? "tag" : what == 1 ? "ciphertext" : what == 2 ? "aad" : "nonce"));
            const auto bad = attempt(nonce, aad, ct, tag, in_place);
            CHECK(bad.first == kagi::errc::authentication_failed);
            CHECK(bad.second == bytes(len, 0));
          }
        }
      });
    }
  });
}

TEST_CASE("GCM truncated tags: every allowed length checks its prefix, others are refused, on every path") {
  kagi_test::test_rng rng(7);
  const bytes key = rng.bytes(16), nonce = rng.bytes(12), aad = rng.bytes(5);
  kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
    for (std::size_t len : {33u, 700u}) {  // one GHASH group with the AAD; the stitched loops
      const bytes pt = rng.bytes(len);
      const sealed s = seal(key, nonce, aad, pt);
      for (std::size_t n = 0; n <= 17; ++n) {
        INFO("length " << len << " tag length " << n);
        const bytes tag(s.tag.begin(), s.tag.begin() + static_cast<std::ptrdiff_t>(n < 16 ? n : 16));
        bytes t = tag;
        t.resize(n, 0);
        if (kagi::aes128_gcm::valid_tag_size(n)) {
          CHECK(open(key, nonce, aad, s.ct, t) == kagi::errc::ok);
          CHECK(seal(key, nonce, aad, pt, n).tag == t);
          t[n - 1] ^= 0x80;
          CHECK(open(key, nonce, aad, s.ct, t) == kagi::errc::authentication_failed);
        } else {
          CHECK(open(key, nonce, aad, s.ct, t) == kagi::errc::bad_length);
          bytes c(pt.size());
          with_gcm(key, [&](const auto& g) { CHECK(g.encrypt(nonce, aad, pt, c, t).error() == kagi::errc::bad_length); });
        }
      }
    }
  });
}

TEST_CASE("GCM refuses bad arguments") {
  const std::array<std::uint8_t, 16> key{};
  const kagi::aes128_gcm g(key);
  std::array<std::uint8_t, 256> buf{};
  const std::span<std::uint8_t> b(buf);
  const std::array<std::uint8_t, 12> nonce{};
  std::array<std::uint8_t, 16> tag{};
  using kagi::errc;

  // Lengths.
  CHECK(g.encrypt(b.first(0), b.first(0), b.subspan(0, 10), b.subspan(100, 10), tag).error() == errc::bad_length);
  CHECK(g.encrypt(nonce, {}, b.subspan(0, 10), b.subspan(100, 11), tag).error() == errc::bad_length);
  CHECK(g.decrypt(nonce, {}, b.subspan(0, 10), tag, b.subspan(100, 9)).error() == errc::bad_length);
  CHECK(g.encrypt(nonce, {}, b.subspan(0, 10), b.subspan(100, 10), b.subspan(200, 11)).error() == errc::bad_length);
  CHECK(g.decrypt(nonce, {}, b.subspan(0, 10), b.subspan(200, 3), b.subspan(100, 10)).error() == errc::bad_length);

  // Overlaps: partial input/output overlap, and outputs over other arguments.
  CHECK(g.encrypt(nonce, {}, b.subspan(0, 32), b.subspan(16, 32), tag).error() == errc::overlapping_buffers);
  CHECK(g.encrypt(nonce, {}, b.subspan(16, 32), b.subspan(0, 32), tag).error() == errc::overlapping_buffers);
  CHECK(g.decrypt(nonce, {}, b.subspan(0, 32), tag, b.subspan(1, 32)).error() == errc::overlapping_buffers);
  CHECK(g.encrypt(b.subspan(40, 12), {}, b.subspan(0, 32), b.subspan(32, 32), tag).error() == errc::overlapping_buffers);
  CHECK(g.encrypt(nonce, b.subspan(60, 4), b.subspan(0, 32), b.subspan(32, 32), tag).error() == errc::overlapping_buffers);
  CHECK(g.encrypt(nonce, {}, b.subspan(0, 32), b.subspan(32, 32), b.subspan(60, 16)).error() == errc::overlapping_buffers);
  CHECK(g.encrypt(nonce, {}, b.subspan(0, 32), b.subspan(64, 32), b.subspan(20, 16)).error() == errc::overlapping_buffers);
  CHECK(g.decrypt(nonce, {}, b.subspan(0, 32), b.subspan(40, 16), b.subspan(32, 32)).error() == errc::overlapping_buffers);
  // In place and disjoint buffers are fine; so are the AAD and nonce beside each other.
  CHECK(g.encrypt(b.subspan(100, 12), b.subspan(112, 20), b.subspan(0, 32), b.subspan(0, 32), b.subspan(32, 16)));
  CHECK(g.decrypt(b.subspan(100, 12), b.subspan(112, 20), b.subspan(0, 32), b.subspan(32, 16), b.subspan(0, 32)));

  // The SP 800-38D plaintext limit (2^36 - 32 bytes), on a reserved but untouched mapping.
#if defined(__linux__) && UINTPTR_MAX > 0xffffffffu
  const std::size_t over = static_cast<std::size_t>(kagi::aes128_gcm::max_plaintext_size) + 1;
  void* p = mmap(nullptr, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    MESSAGE("cannot reserve 64 GiB of address space; the length-limit check is skipped");
  } else {
    const std::span<std::uint8_t> huge(static_cast<std::uint8_t*>(p), over);
    CHECK(g.encrypt(nonce, {}, huge, huge, tag).error() == errc::message_too_long);
    CHECK(g.decrypt(nonce, {}, huge, tag, huge).error() == errc::message_too_long);
    CHECK(g.encrypt(nonce, {}, huge.first(over - 1), huge.first(over - 1), b.first(0)).error() == errc::bad_length);
    munmap(p, over);
  }
#endif
  // The AAD and nonce limits (2^61 - 1 bytes) cannot be reached from a test:
  // no address space holds such a span (x86-64 user space is 2^47 bytes),
  // and a std::span over more bytes than exist is itself undefined behaviour.
  // On 64-bit targets those checks only guard sizes no valid span can have.
  static_assert(kagi::aes128_gcm::max_plaintext_size == (1ull << 36) - 32);
  static_assert(kagi::aes128_gcm::max_aad_size == (1ull << 61) - 1);
}

TEST_CASE("GCM from_key: a run-time key of the right length works like the fixed-size constructor, others are refused") {
  kagi_test::test_rng rng(10);
  const bytes nonce = rng.bytes(12), aad = rng.bytes(9), pt = rng.bytes(40);
  auto check = [&](auto tag_type, std::size_t right) {
    using gcm = typename decltype(tag_type)::type;
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17},
                          std::size_t{23}, std::size_t{24}, std::size_t{25}, std::size_t{31}, std::size_t{32},
                          std::size_t{33}, std::size_t{64}}) {
      INFO("key " << right << " given " << n);
      const bytes key = rng.bytes(n);
      const auto g = gcm::from_key(key);
      if (n != right) {
        CHECK(g.error() == kagi::errc::bad_length);
        continue;
      }
      REQUIRE(g);
      sealed s{bytes(pt.size()), bytes(16)};
      REQUIRE(g->encrypt(nonce, aad, pt, s.ct, s.tag));
      const gcm fixed(std::span<const std::uint8_t, gcm::key_size>(key.data(), gcm::key_size));
      sealed t{bytes(pt.size()), bytes(16)};
      REQUIRE(fixed.encrypt(nonce, aad, pt, t.ct, t.tag));
      CHECK(s.ct == t.ct);
      CHECK(s.tag == t.tag);
    }
  };
  check(std::type_identity<kagi::aes128_gcm>{}, 16);
  check(std::type_identity<kagi::aes192_gcm>{}, 24);
  check(std::type_identity<kagi::aes256_gcm>{}, 32);
  CHECK(kagi::aes128_gcm::from_key({}).error() == kagi::errc::bad_length);
}
static_assert(kagi::aes128_gcm::from_key(kagi::bytes_view(std::array<std::uint8_t, 15>{}.data(), 15)).error() ==
              kagi::errc::bad_length);
static_assert(kagi::aes256_gcm::from_key(kagi::bytes_view(std::array<std::uint8_t, 24>{}.data(), 24)).error() ==
              kagi::errc::bad_length);

TEST_CASE("GCM seal_with_random_nonce / open_with_prefixed_nonce: nonce || ciphertext || tag, checked like decrypt") {
  kagi_test::test_rng rng(11);
  auto run = [&](auto tag_type) {
    using gcm = typename decltype(tag_type)::type;
    const bytes key = rng.bytes(gcm::key_size), aad = rng.bytes(13);
    const auto g = gcm::from_key(key);
    REQUIRE(g);
    for (std::size_t len : {0u, 1u, 16u, 100u, 1500u}) {
      INFO("length " << len);
      const bytes pt = rng.bytes(len);
      // The nonce is the generator's next 12 bytes, and the rest is encrypt() with it.
      const std::array<std::uint8_t, 32> seed{1, 2, 3};
      kagi::hmac_drbg drbg(seed), same(seed);
      bytes sealed(len + gcm::prefixed_overhead);
      REQUIRE(g->seal_with_random_nonce(drbg, aad, pt, sealed));
      bytes nonce(12);
      same.fill(nonce);
      CHECK(bytes(sealed.begin(), sealed.begin() + 12) == nonce);
      bytes ct(len), tag(16);
      REQUIRE(g->encrypt(nonce, aad, pt, ct, tag));
      CHECK(bytes(sealed.begin() + 12, sealed.end() - 16) == ct);
      CHECK(bytes(sealed.end() - 16, sealed.end()) == tag);
      bytes back(len);
      REQUIRE(g->open_with_prefixed_nonce(aad, sealed, back));
      CHECK(back == pt);
      // Every byte (nonce, ciphertext, tag) is covered; the output is zeroed.
      for (std::size_t at : {std::size_t{0}, std::size_t{11}, std::size_t{12}, len + 11, len + 12, len + 27}) {
        if (at >= sealed.size()) continue;
        bytes bad = sealed;
        bad[at] ^= 0x40;
        bytes out(len, 0x55);
        CHECK(g->open_with_prefixed_nonce(aad, bad, out).error() == kagi::errc::authentication_failed);
        CHECK(out == bytes(len, 0));
      }
      bytes wrong_aad = aad;
      wrong_aad[0] ^= 1;
      CHECK(g->open_with_prefixed_nonce(wrong_aad, sealed, back).error() == kagi::errc::authentication_failed);
      // Sizes: out must be exactly plaintext + 28 (seal) and sealed - 28 (open).
      bytes short_out(len + gcm::prefixed_overhead - 1), long_out(len + gcm::prefixed_overhead + 1);
      CHECK(g->seal_with_random_nonce(drbg, aad, pt, short_out).error() == kagi::errc::bad_length);
      CHECK(g->seal_with_random_nonce(drbg, aad, pt, long_out).error() == kagi::errc::bad_length);
      bytes small(len + 1);
      CHECK(g->open_with_prefixed_nonce(aad, sealed, small).error() == kagi::errc::bad_length);
      CHECK(g->open_with_prefixed_nonce(aad, kagi::bytes_view(sealed).first(27), kagi::mutable_bytes{}).error() ==
            kagi::errc::bad_length);
      // In place is not offered: the output would overlap the plaintext.
      bytes buf(len + gcm::prefixed_overhead);
      std::copy(pt.begin(), pt.end(), buf.begin() + 12);
      CHECK(g->seal_with_random_nonce(drbg, aad, kagi::bytes_view(buf).subspan(12, len), buf).error() ==
            (len == 0 ? kagi::errc::ok : kagi::errc::overlapping_buffers));
    }
    // Two seals of one message under one key: fresh nonces, different ciphertexts.
    kagi::system_random sys;
    const bytes pt = rng.bytes(64);
    bytes a(64 + gcm::prefixed_overhead), b(64 + gcm::prefixed_overhead);
    REQUIRE(g->seal_with_random_nonce(sys, aad, pt, a));
    REQUIRE(g->seal_with_random_nonce(sys, aad, pt, b));
    CHECK(bytes(a.begin(), a.begin() + 12) != bytes(b.begin(), b.begin() + 12));
    CHECK(a != b);
    bytes back(64);
    CHECK(g->open_with_prefixed_nonce(aad, a, back));
    CHECK(back == pt);
#if KAGI_HAVE_OPENSSL
    // OpenSSL opens it with the nonce from the prefix.
    const auto want = kagi_test::ossl::aes_gcm_encrypt(key, kagi::bytes_view(a).first(12), aad, pt);
    CHECK(bytes(a.begin() + 12, a.end() - 16) == want.ciphertext);
    CHECK(bytes(a.end() - 16, a.end()) == want.tag);
#endif
  };
  run(std::type_identity<kagi::aes128_gcm>{});
  run(std::type_identity<kagi::aes256_gcm>{});
}

// Wrong key sizes do not compile (the other static checks are in tests/compile_fail).
static_assert(!std::is_constructible_v<kagi::aes128_gcm, std::span<const std::uint8_t, 32>>);
static_assert(!std::is_constructible_v<kagi::aes256_gcm, std::array<std::uint8_t, 16>>);
static_assert(!std::is_constructible_v<kagi::aes128_gcm, std::span<const std::uint8_t>>);
static_assert(std::is_constructible_v<kagi::aes192_gcm, std::array<std::uint8_t, 24>>);

// ---- dudect-style timing (support/dudect.hpp): AES-128-GCM encryption of
// 1 KiB under an all-zero key and plaintext against random keys and
// plaintexts, on every path. The VAES kernels, which valgrind cannot run,
// are checked here.
TEST_SUITE("timing") {
  TEST_CASE("AES-128-GCM: time does not depend on the key or the plaintext (dudect)") {
    kagi_test::test_rng rng(47);
    constexpr std::size_t len = 1024;
    std::vector<std::array<std::uint8_t, 16>> keys[2];
    std::vector<bytes> texts[2];
    for (int i = 0; i < 64; ++i) {
      keys[0].push_back({});
      texts[0].push_back(bytes(len, 0));
      std::array<std::uint8_t, 16> k{};
      rng.fill(k);
      keys[1].push_back(k);
      texts[1].push_back(rng.bytes(len));
    }
    const std::array<std::uint8_t, 12> nonce{};
    const std::array<std::uint8_t, 13> aad{};
    kagi_test::on_every_gcm_path([&](const kagi_test::path& path) {
      std::vector<kagi::aes128_gcm> ciphers[2];
      for (int cls = 0; cls < 2; ++cls)
        for (const auto& k : keys[cls]) ciphers[cls].emplace_back(k);
      bytes out(len);
      std::array<std::uint8_t, 16> tag{};
      volatile std::uint8_t sink = 0;
      const double worst = kagi_test::dudect_worst_t(
          std::string(path.name) + " encrypt 1 KiB", 20000, 64, rng, [&](int cls, std::size_t i) {
            (void)ciphers[cls][i].encrypt(nonce, aad, texts[cls][i], out, tag);
            sink = sink ^ tag[0];
          });
      CHECK(worst < kagi_test::dudect_threshold);
    });
  }
}
