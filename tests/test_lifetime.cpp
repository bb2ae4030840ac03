// Secret lifetime: every type that holds a key, a secret or a key schedule
// leaves none of it behind when it dies, whether it was used, copied or moved
// from.
//
// Each object is built with placement new in an aligned byte buffer (filled
// with a pattern first), used, and destroyed with an explicit destructor call;
// then the buffer is scanned for the secret: any 8-byte window of it. What
// counts as the secret is found two ways:
//   - the raw secret itself where the object keeps it (a key, a master secret),
//   - every byte of the object that depends on the secret: the object is built
//     twice, with two different secrets, and each run of 8 or more bytes where
//     the two images differ is secret (round keys, GHASH powers, hash states,
//     RSA's private exponents and CRT values, ...).
// Each check first confirms that the secret IS in the buffer while the object
// lives (so the scan can fail), then that it is gone after destruction.
//
// A moved-from object is a copy that lives on until its own destructor (these
// types have no heap, so a move copies); the checks below destroy the source
// and the destination separately and scan both buffers.
//
// Types: aes128, aes256, aes128_gcm, aes256_gcm, tls12::aes128_gcm_record,
// hmac<sha256>, hmac<sha384>, hmac_drbg, rsa_private_key,
// tls12::ecdhe_private_key, sha256 and sha512 states, and the TLS client and
// server after a handshake (record keys; the master secret is wiped as soon
// as the handshake is done).
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <kagi/cipher/aes.hpp>
#include <kagi/cipher/gcm.hpp>
#include <kagi/hash/hmac.hpp>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/hash/sha256.hpp>
#include <kagi/hash/sha512.hpp>
#include <kagi/rsa/rsa.hpp>
#include <kagi/tls12/ecdhe.hpp>
#include <kagi/tls12/record.hpp>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "support/random.hpp"
#include "support/tls_pair.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;
constexpr std::size_t window = 8;
constexpr std::uint8_t pattern = 0xa5;

// Raw storage for one T.
template <class T>
struct arena {
  alignas(std::max<std::size_t>(alignof(T), 64)) std::array<std::uint8_t, sizeof(T)> buf;
  arena() { buf.fill(pattern); }
  template <class... A>
  T* make(A&&... args) {
    return ::new (static_cast<void*>(buf.data())) T(std::forward<A>(args)...);
  }
  T* get() { return std::launder(reinterpret_cast<T*>(buf.data())); }
  void destroy() { get()->~T(); }
  std::span<const std::uint8_t> bytes_view() const { return buf; }
  bytes image() const { return bytes(buf.begin(), buf.end()); }
};

// The 8-byte windows that are secret: from the raw secrets, and from the
// bytes where two images of the type (two secrets) differ, in runs of 8 or more.
struct secret_windows {
  std::vector<bytes> w;

  void add_raw(std::span<const std::uint8_t> s) {
    for (std::size_t i = 0; i + window <= s.size(); ++i) w.emplace_back(s.begin() + static_cast<std::ptrdiff_t>(i), s.begin() + static_cast<std::ptrdiff_t>(i + window));
  }
  void add_diff(const bytes& a, const bytes& b) {
    REQUIRE(a.size() == b.size());
    std::size_t run = 0;
    for (std::size_t i = 0; i <= a.size(); ++i) {
      if (i < a.size() && a[i] != b[i]) {
        ++run;
        continue;
      }
      if (run >= window) add_raw(std::span(a).subspan(i - run, run));
      run = 0;
    }
  }
  // Windows of all-equal bytes (00 00 ...) are not evidence of anything.
  void prune() {
    std::erase_if(w, [](const bytes& x) { return std::all_of(x.begin(), x.end(), [&](std::uint8_t b) { return b == x[0]; }); });
    std::sort(w.begin(), w.end());
    w.erase(std::unique(w.begin(), w.end()), w.end());
  }
  // How many of the windows occur anywhere in buf.
  std::size_t found_in(std::span<const std::uint8_t> buf) const {
    std::size_t n = 0;
    for (const auto& x : w)
      if (std::search(buf.begin(), buf.end(), x.begin(), x.end()) != buf.end()) ++n;
    return n;
  }
};

// The whole check for a type T made by make(arena, secret_index) (0 or 1:
// two different secrets) and used by use(T&): alive it holds its secret;
// destroyed, copied, moved (construct and assign) it leaves none behind.
// raw(i) gives secret i's raw bytes to look for as well (may be empty).
template <class T, class Make, class Use, class Raw>
void check_lifetime(const char* name, Make make, Use use, Raw raw) {
  INFO(std::string(name));
  secret_windows s;
  {
    arena<T> a, b;
    make(a, 0);
    make(b, 1);
    use(*a.get());
    use(*b.get());
    s.add_diff(a.image(), b.image());
    a.destroy();
    b.destroy();
  }
  s.add_raw(raw(0));
  s.prune();
  REQUIRE_MESSAGE(!s.w.empty(), "no secret bytes found in the object: nothing to check");

  // Alive, used, destroyed.
  {
    arena<T> a;
    make(a, 0);
    use(*a.get());
    CHECK_MESSAGE(s.found_in(a.bytes_view()) == s.w.size(), "the secret is not all in the live object");
    a.destroy();
    CHECK_MESSAGE(s.found_in(a.bytes_view()) == 0, "secret bytes left after destruction");
  }
  // Copied: the copy and the original each wipe themselves.
  {
    arena<T> a, b;
    make(a, 0);
    use(*a.get());
    b.make(*a.get());
    a.destroy();
    CHECK_MESSAGE(s.found_in(a.bytes_view()) == 0, "secret bytes left by a copied-from object");
    CHECK(s.found_in(b.bytes_view()) > 0);
    use(*b.get());
    b.destroy();
    CHECK_MESSAGE(s.found_in(b.bytes_view()) == 0, "secret bytes left by a copy");
  }
  // Moved: move construction, then move assignment over an object holding the other secret.
  {
    arena<T> a, b, c;
    make(a, 0);
    use(*a.get());
    b.make(std::move(*a.get()));
    a.destroy();
    CHECK_MESSAGE(s.found_in(a.bytes_view()) == 0, "secret bytes left by a moved-from object");
    CHECK(s.found_in(b.bytes_view()) > 0);
    make(c, 1);
    *c.get() = std::move(*b.get());
    b.destroy();
    CHECK_MESSAGE(s.found_in(b.bytes_view()) == 0, "secret bytes left by a moved-from object (assignment)");
    CHECK(s.found_in(c.bytes_view()) > 0);
    use(*c.get());
    c.destroy();
    CHECK_MESSAGE(s.found_in(c.bytes_view()) == 0, "secret bytes left by a move-assigned object");
  }
}

template <std::size_t N>
std::array<std::uint8_t, N> secret_of(int i, std::uint8_t salt = 0) {
  std::array<std::uint8_t, N> k{};
  kagi_test::test_rng rng(1000 + 2 * static_cast<std::uint64_t>(salt) + static_cast<std::uint64_t>(i));
  rng.fill(k);
  return k;
}

auto no_raw = [](int) { return bytes{}; };

}  // namespace

// The scan itself: a holder that does not wipe is caught (the checks can fail).
TEST_CASE("lifetime: the scan finds the secret a careless holder leaves") {
  struct careless {
    std::array<std::uint8_t, 32> key;
  };
  secret_windows s;
  const auto k = secret_of<32>(0, 99);
  s.add_raw(k);
  s.prune();
  arena<careless> a;
  a.make(careless{k});
  a.destroy();
  CHECK(s.found_in(a.bytes_view()) == s.w.size());
}

TEST_CASE("lifetime: AES key schedules") {
  check_lifetime<kagi::aes128>(
      "aes128", [](auto& a, int i) { a.make(secret_of<16>(i)); },
      [](kagi::aes128& x) {
        std::array<std::uint8_t, 32> blk{}, out{};
        REQUIRE(x.encrypt(blk, out));
        REQUIRE(x.decrypt(out, blk));
      },
      [](int i) { const auto k = secret_of<16>(i); return bytes(k.begin(), k.end()); });
  check_lifetime<kagi::aes256>(
      "aes256", [](auto& a, int i) { a.make(secret_of<32>(i)); },
      [](kagi::aes256& x) {
        std::array<std::uint8_t, 16> blk{}, out{};
        REQUIRE(x.encrypt(blk, out));
      },
      [](int i) { const auto k = secret_of<32>(i); return bytes(k.begin(), k.end()); });
}

TEST_CASE("lifetime: AES-GCM (key schedule and GHASH key powers)") {
  auto use = [](const auto& g) {
    std::array<std::uint8_t, 12> nonce{1};
    std::array<std::uint8_t, 40> pt{}, ct{}, back{};
    std::array<std::uint8_t, 13> aad{};
    std::array<std::uint8_t, 16> tag{};
    REQUIRE(g.encrypt(nonce, aad, pt, ct, tag));
    REQUIRE(g.decrypt(nonce, aad, ct, tag, back));
  };
  check_lifetime<kagi::aes128_gcm>(
      "aes128_gcm", [](auto& a, int i) { a.make(secret_of<16>(i)); }, use,
      [](int i) { const auto k = secret_of<16>(i); return bytes(k.begin(), k.end()); });
  check_lifetime<kagi::aes256_gcm>(
      "aes256_gcm", [](auto& a, int i) { a.make(secret_of<32>(i)); }, use,
      [](int i) { const auto k = secret_of<32>(i); return bytes(k.begin(), k.end()); });
}

TEST_CASE("lifetime: TLS record protection") {
  check_lifetime<kagi::tls12::aes128_gcm_record>(
      "aes128_gcm_record", [](auto& a, int i) { a.make(secret_of<16>(i), secret_of<4>(i, 7)); },
      [](kagi::tls12::aes128_gcm_record& r) {
        std::array<std::uint8_t, 10> pt{};
        std::array<std::uint8_t, 10 + kagi::tls12::aes128_gcm_record::overhead> rec{};
        REQUIRE(r.seal(kagi::tls12::content_type::application_data, pt, rec));
      },
      [](int i) { const auto k = secret_of<16>(i); return bytes(k.begin(), k.end()); });
}

TEST_CASE("lifetime: HMAC keyed states") {
  auto use = [](auto& h) {
    h.update(kagi::bytes_view(secret_of<32>(0, 9)));
    (void)h.finish();
    h.update(kagi::bytes_view(secret_of<20>(0, 9)));  // the inner state holds message bytes again
  };
  check_lifetime<kagi::hmac_sha256>("hmac<sha256>", [](auto& a, int i) { a.make(kagi::bytes_view(secret_of<40>(i))); },
                                     use, no_raw);
  check_lifetime<kagi::hmac_sha384>("hmac<sha384>", [](auto& a, int i) { a.make(kagi::bytes_view(secret_of<200>(i))); },
                                     use, no_raw);
}

TEST_CASE("lifetime: HMAC_DRBG") {
  check_lifetime<kagi::hmac_drbg>(
      "hmac_drbg", [](auto& a, int i) { a.make(kagi::bytes_view(secret_of<48>(i)), kagi::bytes_view{}, kagi::bytes_view{}); },
      [](kagi::hmac_drbg& d) {
        std::array<std::uint8_t, 40> out{};
        d.fill(out);
      },
      no_raw);
}

TEST_CASE("lifetime: SHA-256 and SHA-512 states holding a secret message") {
  auto use = [](auto& h) { h.update(kagi::bytes_view(secret_of<10>(0, 3))); };
  check_lifetime<kagi::sha256>("sha256", [](auto& a, int i) { a.make()->update(kagi::bytes_view(secret_of<100>(i))); },
                               use, no_raw);
  check_lifetime<kagi::sha512>("sha512", [](auto& a, int i) { a.make()->update(kagi::bytes_view(secret_of<200>(i))); },
                               use, no_raw);
}

TEST_CASE("lifetime: ECDHE private keys") {
  for (auto g : {kagi::tls12::named_group::x25519, kagi::tls12::named_group::secp256r1}) {
    auto make = [g](auto& a, int i) {
      kagi::hmac_drbg rng(kagi::bytes_view(secret_of<32>(i, 5)), kagi::bytes_view{}, kagi::bytes_view{});
      auto k = kagi::tls12::ecdhe_private_key::generate(g, rng);
      REQUIRE(k);
      a.make(*k);
    };
    auto use = [g](kagi::tls12::ecdhe_private_key& k) {
      std::array<std::uint8_t, 65> pub{};
      REQUIRE(k.public_key(pub));
      const auto peer = std::span<const std::uint8_t>(pub).first(kagi::tls12::ecdh_public_key_size(g));
      REQUIRE(k.premaster_secret(peer));
    };
    check_lifetime<kagi::tls12::ecdhe_private_key>(g == kagi::tls12::named_group::x25519 ? "ecdhe x25519" : "ecdhe p256",
                                                   make, use, no_raw);
  }
}

TEST_CASE("lifetime: RSA private keys") {
  // Two keys of one size: the capture key and one made here.
  static const kagi::rsa_private_key keys[2] = {
      kagi_test::credentials::capture().key, [] {
        kagi::hmac_drbg rng(kagi::bytes_view(secret_of<32>(0, 11)), kagi::bytes_view{}, kagi::bytes_view{});
        auto k = kagi::rsa_private_key::generate(2048, rng);
        REQUIRE(k);
        return *k;
      }()};
  check_lifetime<kagi::rsa_private_key>(
      "rsa_private_key", [](auto& a, int i) { a.make(keys[i]); },
      [](kagi::rsa_private_key& k) {
        kagi::hmac_drbg rng(kagi::bytes_view(secret_of<32>(0, 12)), kagi::bytes_view{}, kagi::bytes_view{});
        bytes sig(k.size());
        REQUIRE(k.sign_pkcs1_sha256(kagi::bytes_view(secret_of<20>(0, 13)), sig, rng));
      },
      no_raw);
}

namespace {

// A client or server engine made in an arena, through a whole handshake with
// a peer on the heap; the keys come from the engine's key log.
template <bool Client>
struct engine_run {
  kagi_test::pair_setup setup;
  std::unique_ptr<kagi::tls12::client> peer_client;
  std::unique_ptr<kagi::tls12::server> peer_server;

  explicit engine_run(std::uint8_t seed) : setup(seed) {}
  template <class A>
  void handshake(A& arena) {
    if constexpr (Client) {
      auto* c = arena.make(setup.ccfg, setup.cb.view(), "kagi.test");
      peer_server = std::make_unique<kagi::tls12::server>(setup.scfg, setup.sb.view());
      kagi_test::pump(*c, *peer_server);
      REQUIRE(c->handshake_done());
    } else {
      auto* s = arena.make(setup.scfg, setup.sb.view());
      peer_client = std::make_unique<kagi::tls12::client>(setup.ccfg, setup.cb.view(), "kagi.test");
      kagi_test::pump(*peer_client, *s);
      REQUIRE(s->handshake_done());
    }
  }
  const kagi_test::recording_log& log() const { return Client ? setup.client_log : setup.server_log; }
};

template <bool Client>
void check_engine(const char* name) {
  using E = std::conditional_t<Client, kagi::tls12::client, kagi::tls12::server>;
  INFO(std::string(name));
  for (std::uint8_t seed : {1, 2}) {
    engine_run<Client> run(seed);
    arena<E> a;
    run.handshake(a);
    // Application data both ways, so both record objects are in use.
    const std::array<std::uint8_t, 5> msg{'h', 'e', 'l', 'l', 'o'};
    REQUIRE(a.get()->write_app(msg));
    if constexpr (Client) {
      REQUIRE(run.peer_server->write_app(msg));
      kagi_test::pump(*a.get(), *run.peer_server);
    } else {
      REQUIRE(run.peer_client->write_app(msg));
      kagi_test::pump(*run.peer_client, *a.get());
    }
    secret_windows keys, master;
    for (const char* k : {"client_write_key", "server_write_key"}) keys.add_raw(run.log().get(k));
    master.add_raw(run.log().get("master_secret"));
    master.add_raw(run.log().get("pre_master_secret"));
    keys.prune();
    master.prune();
    REQUIRE(keys.w.size() == 2 * (16 - window + 1));
    REQUIRE(!master.w.empty());
    // Alive: the record keys are there (as round key 0 of each direction's
    // schedule); the master and pre-master secrets are already gone.
    CHECK_MESSAGE(keys.found_in(a.bytes_view()) == keys.w.size(), "the record keys are not in the live engine");
    CHECK_MESSAGE(master.found_in(a.bytes_view()) == 0, "the master or pre-master secret outlives the handshake");
    a.destroy();
    CHECK_MESSAGE(keys.found_in(a.bytes_view()) == 0, "record keys left after the engine's destruction");
    // A failed engine drops its keys at once (the fatal alert is sealed first).
    arena<E> b;
    engine_run<Client> run2(seed);
    run2.handshake(b);
    secret_windows keys2;
    for (const char* k : {"client_write_key", "server_write_key"}) keys2.add_raw(run2.log().get(k));
    keys2.prune();
    CHECK(keys2.found_in(b.bytes_view()) == keys2.w.size());
    b.get()->recv_eof();  // truncation: the engine stops
    REQUIRE(b.get()->flags().failed);
    CHECK_MESSAGE(keys2.found_in(b.bytes_view()) == 0, "a failed engine still holds its record keys");
    b.destroy();
    CHECK(keys2.found_in(b.bytes_view()) == 0);
  }
}

}  // namespace

TEST_CASE("lifetime: TLS client and server after a handshake") {
  check_engine<true>("client");
  check_engine<false>("server");
}
