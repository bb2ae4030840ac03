// A whole TLS 1.2 handshake as a constant expression: a kagi client and a
// kagi server (tls12/client.hpp, tls12/server.hpp) exchange every record in
// memory inside a static_assert, with hmac_drbg randomness, and both sides
// derive the same keys; then one application record goes each way.
//
// The suite is TLS_RSA_WITH_AES_128_GCM_SHA256 (one RSA private operation)
// with a 512-bit key, the smallest the engines can be told to take
// (client_config::min_rsa_bits), so that the compile-time RSA stays cheap:
// the key of test_rsa_constexpr.cpp and a self-signed certificate for it,
// made for this test with OpenSSL 3.0.19 (`openssl req -x509 -key k.pem
// -subj /CN=localhost -days 36500 -set_serial 7 -outform DER`). Too small for
// anything but a test. Kept in its own file for its compile time (about 30 s
// of g++'s CPU time).
#include <doctest/doctest.h>

#include <array>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/tls12/client.hpp>
#include <kagi/tls12/server.hpp>
#include <string_view>

using namespace kagi::literals;
namespace tls12 = kagi::tls12;

namespace {

constexpr std::string_view key_pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA2RaKNlq7dDv300S0\n"
    "UNT7EXqzAi9fyt7/pJfMc6TNn+ROtYyWJvGA3ryYcItAbrQN2BzfRMSTmmRuCiIu\n"
    "5obLTwIDAQABAkBJL24c8O2tO+JKmSjo70RNGj5rCCmVLSSmCn7kpbSkqCYc6emv\n"
    "wsL0fQNj+XoKpHfHcSNwy2ClUbwvdtKLrcQBAiEA+j7EklXsbcFu5ysm9MtQA5j+\n"
    "Q0mQnTms5kJ+wzkhPE8CIQDeFJIhCtVCTgnFj05NrRg74r0PmH8k+NkRiJ4LULLB\n"
    "AQIhAPSXFRrS0NwWDIf2LYVmkzZw+1RZOvfxv4TvyWaXGF0RAiAGpgMB7jsYMxHj\n"
    "0jh75tS05kLWtrAHwVNuTPK+T/oqAQIgBcw3W4CL2lK3v9X+QaNgVd2JcjMrCQKE\n"
    "niI9YOila/A=\n"
    "-----END PRIVATE KEY-----\n";

constexpr auto cert_der =
    "3082016e30820118a003020102020107300d06092a864886f70d01010b050030143112301006035504030c096c6f6361"
    "6c686f73743020170d3236313230363232333030335a180f32313236313131323232333030335a301431123010060355"
    "04030c096c6f63616c686f7374305c300d06092a864886f70d0101010500034b003048024100d9168a365abb743bf7d3"
    "44b450d4fb117ab3022f5fcadeffa497cc73a4cd9fe44eb58c9626f180debc98708b406eb40dd81cdf44c4939a646e0a"
    "222ee686cb4f0203010001a3533051301d0603551d0e041604144af614e9a1bd5986d966137be47734bcbe1e0311301f"
    "0603551d230418301680144af614e9a1bd5986d966137be47734bcbe1e0311300f0603551d130101ff040530030101ff"
    "300d06092a864886f70d01010b05000341005987e95505b25969b2f8df5b203a6eaaf47531b306ae8538cdf2f47cc431"
    "3ee7281806bfe3ea55ae046915bf6cfe2af470f8b977554f61c96d6c770c914f1a17"_hex;

// An engine's randomness from an hmac_drbg (constexpr, unlike the OS's).
struct drbg_source final : tls12::random_generator {
  kagi::hmac_drbg drbg;
  constexpr explicit drbg_source(std::uint8_t seed) : drbg(seed_bytes(seed)) {}
  static constexpr std::array<std::uint8_t, 32> seed_bytes(std::uint8_t s) {
    std::array<std::uint8_t, 32> b{};
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(s + 13 * i);
    return b;
  }
  constexpr void fill(kagi::mutable_bytes out) override { drbg.fill(out); }
  constexpr ~drbg_source() override {}  // written out: GCC 12 rejects the implicit one in constant evaluation
};

// Keeps the master secret each side logs.
struct master_log final : tls12::key_logger {
  std::array<std::uint8_t, 48> master{};
  bool seen = false;
  constexpr master_log() = default;
  constexpr ~master_log() override {}
  constexpr void log(std::string_view) override {}
  constexpr void secret(std::string_view name, kagi::bytes_view v) override {
    if (name != "master_secret" || v.size() != 48) return;
    for (std::size_t i = 0; i < 48; ++i) master[i] = v[i];
    seen = true;
  }
};

template <class From, class To>
constexpr bool move_bytes(From& from, To& to) {
  bool moved = false;
  while (!from.send_buf().empty() && !to.recv_buf().empty()) {
    const auto out = from.send_buf();
    auto in = to.recv_buf();
    const std::size_t n = out.size() < in.size() ? out.size() : in.size();
    for (std::size_t i = 0; i < n; ++i) in[i] = out[i];
    from.send_ack(n);
    to.recv_ack(n);
    moved = true;
  }
  return moved;
}

constexpr bool handshake_in_memory() {
  auto key = kagi::rsa_private_key::from_pem(key_pem, 512);
  if (!key) return false;
  drbg_source crng(1), srng(2);
  master_log clog, slog;
  tls12::pinned_certificate pin(cert_der);
  const std::array<kagi::bytes_view, 1> chain{kagi::bytes_view(cert_der)};
  const std::array<tls12::cipher_suite, 1> suites{tls12::cipher_suite::rsa_with_aes_128_gcm_sha256};
  tls12::client_config ccfg;
  ccfg.rng = &crng;
  ccfg.verifier = &pin;
  ccfg.suites = suites;
  ccfg.keylog = &clog;
  ccfg.min_rsa_bits = 512;
  tls12::server_config scfg;
  scfg.rng = &srng;
  scfg.certificate_chain = chain;
  scfg.key = &*key;
  scfg.suites = suites;
  scfg.keylog = &slog;
  std::array<std::uint8_t, tls12::min_in_buffer> cin{}, sin{};
  std::array<std::uint8_t, tls12::min_out_buffer + 1024> cout{}, sout{};
  std::array<std::uint8_t, tls12::min_handshake_buffer> chs{}, shs{};
  tls12::client c(ccfg, {cin, cout, chs}, "localhost");
  tls12::server s(scfg, {sin, sout, shs});
  for (bool moved = true; moved;) {  // both directions every round
    const bool to_server = move_bytes(c, s);
    const bool to_client = move_bytes(s, c);
    moved = to_server || to_client;
  }
  if (!c.handshake_done() || !s.handshake_done() || !clog.seen || clog.master != slog.master) return false;
  // One record each way.
  constexpr auto ping = "70696e67"_hex, pong = "706f6e67"_hex;
  if (!c.write_app(ping)) return false;
  move_bytes(c, s);
  const auto got = s.app_data();
  if (got.size() != 4 || got[0] != 'p' || got[1] != 'i') return false;
  s.app_ack(4);
  if (!s.write_app(pong)) return false;
  move_bytes(s, c);
  const auto back = c.app_data();
  return back.size() == 4 && back[1] == 'o';
}

// clang 14 cannot evaluate libstdc++'s std::variant assignments in constant
// expressions (it refuses the union member access in variant's storage;
// fixed in later clang), and g++ with -fsanitize=address,undefined refuses
// the comparison of a pointer into a static table with nullptr (its
// instrumentation is not constant): there the same function runs only at
// run time.
#if (!defined(__clang__) || __clang_major__ >= 15) && !defined(__SANITIZE_ADDRESS__)
static_assert(handshake_in_memory());
#endif

}  // namespace

TEST_CASE("a whole TLS 1.2 handshake and a record each way, as a constant expression") {
  // The static_assert above is the test; the same code also runs here.
  CHECK(handshake_in_memory());
}
