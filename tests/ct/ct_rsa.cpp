// Secret-handling functions of rsa/ (and the math/ arithmetic
// under them): the private operation (PKCS#1 v1.5 and PSS signatures, the
// raw RSADP of decrypt_tls_premaster) with the private key, the ciphertext
// and the blinding randomness marked secret, encryption of a secret
// pre-master secret, the server's master secret from a decrypted one, and key
// generation from secret randomness (prime candidates, primality tests,
// d and the CRT values; only the verdicts on candidates are declassified). Under valgrind the bigint arithmetic takes its portable
// path (valgrind's cpuid has no ADX).
#include <kagi/rsa/rsa.hpp>
#include <kagi/tls12/prf.hpp>

#include "ct_harness.hpp"

namespace kagi::detail {
// Marks the secret members of contexts and keys for memcheck (declared a
// friend by bn::montgomery and rsa_private_key for this purpose).
struct ct_probe {
  static void classify(const bn::montgomery& m) {
    ct::classify(m.m_.data(), sizeof m.m_);
    ct::classify(m.rr_.data(), sizeof m.rr_);
    ct::classify(m.one_.data(), sizeof m.one_);
    ct::classify(&m.m0inv_, sizeof m.m0inv_);
  }
  static void classify(const rsa_private_key& k) {
    classify(k.p_);
    classify(k.q_);
    for (const auto* a : {&k.d_, &k.dp_, &k.dq_, &k.qinv_}) ct::classify(a->data(), sizeof *a);
  }
};
}  // namespace kagi::detail

namespace {

// The OS CSPRNG, its output marked secret (the blinding factors, the random
// pre-master secret and the PSS salt are secrets).
struct secret_random {
  kagi::system_random sys;
  void fill(std::span<std::uint8_t> out) {
    sys.fill(out);
    kagi::ct::classify(out.data(), out.size());
  }
};

// A throwaway 2048-bit key (the one of tests/vectors/tls12_capture).
constexpr std::string_view key_pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC6OjEWdJbK7uXg\n"
    "i1MTnLLYakh5xpucYKPY/KFZQx+COg/wn7ijFOZKPQVwfWZzw3BDDp7uGqhEnuIG\n"
    "NAM7riP2SAIQ322NefYVB4G+cDzbWIHeOd96dCs6DEmHU05fmnLxzb2PFuV8hCq8\n"
    "MA5VuaNMWumcYuRU1DpQcRMNwxYfzMkUauS/XvEezAJQ0M1ECVuXW2oj67ENlH1M\n"
    "tgGIccwVpC60fts4mDkHl35oBD8sGrFrTM9PEx2aiD/Xq12tpOghvh+aVYDOMlj9\n"
    "UijassrtRZRjKb5NlCYYTPhDet04V4oINzqKIP33Kvo4DpU3YGAHzLce2eq2yQOu\n"
    "+n/Vj/MbAgMBAAECggEARLl76w8MpQhjwil4d6jg4XfblkEipSOO4+FbQ/8+7gay\n"
    "Yjj3YQux7ty1GK3WdMs/ryeCpFknFufRfruMI+agc99gD8z8d3T2SQ1zpo1yD/qK\n"
    "NrIB1IVxfGMTcYLfTe3IFI86MMeg2gJGaRuM9rri1idIxgNCw0Fs4cnQ38fKbuI5\n"
    "Ka41G5iLgoKiQDQAcQTcPiCO3ANaF6OIHfXPoPfSC8V61SESfjOcmPGJGZyAaNMU\n"
    "9NJO9C9/9hxT3dPRcyvjspta6cYIkLh1HTTsjVWjvpXGL0eUvMyNM4jJB9vsM0qu\n"
    "1Q6rFuxHrKcUCrEbaPSUznQhIfQVdkJtSNRs8pcGfQKBgQDopVq1QNYhAC1LG22R\n"
    "ihq1sP7/ug4KVG0BHjBrnPyyj4giwv+r/xCuYWdeuwuwGNjugvPLEPZ2+2aCgX63\n"
    "XOWAIIovK/78Z4TOuzyzOpAE+HEB1kGQxVo1SKRWkpWOInp5QxsurgcF/KciC0mi\n"
    "MU4TKjMoehiLiboH5NUqD7cMfQKBgQDM6/MzffzZK0iChNRfj6R834Jo/+zReGUQ\n"
    "p9M0E2D04ie51zyezVR4yAa/QFp2mX59Lk+REaKFcTTTB1THelZXprD06Y6LZnij\n"
    "gwmR59B/ETVJ6UnrENjnbUG68ecynCDcNVSGiuVUQ2pgDhp6qaUGVUSAbrpcNsK+\n"
    "5GpMOEfJdwKBgFH8tBLcXpoSreOiLuLzgKY3UiZdM0WAq0mRkg7arFNhMeDOR7wd\n"
    "j4tk2EESOfQ9TXYAwFn4CGO2BVJIwJduLZMR5KDrKFlbQfp5EdM3+DlINMso7sJO\n"
    "SpQsnX3E+t+0VuUVOSciPWdmup/Myo5WQeWPIahKHwxN5TmS82x3TVMhAoGBAIe5\n"
    "s6AkTydLur/v2HXevvSSWV7QO3tWAaJxdbrlJu+rJuK5A4auuscwvP9JUWGCMrwY\n"
    "w0xzYLB/lZw8G9PvXGa7mjLsyqPb4AV00g7YekjfDeuBX5sY0oEd5U470IS90ino\n"
    "DK78Kf6QlFFAphseZ5X1PeTO8hIHlx82TI1lLW7rAoGBANP4VjRvsXwpzU8cpqiq\n"
    "Q0fbNrmqcPb/yUXfWRvsf70Cvyjs9S+nFQczN9BH9ThwWUq/8TOIKA2Hm2I34XfO\n"
    "jsoQtQjVoIYf8QUtnYRtQXjhRuX9LqymEiSJU+blNii/nDxdhJoR6XKM4coOorMT\n"
    "s6XqHX/SiHzcPiC92+fsdjBZ\n"
    "-----END PRIVATE KEY-----\n";

}  // namespace

int main() {
  using namespace kagi_ct;
  auto loaded = kagi::rsa_private_key::from_pem(key_pem);
  if (!loaded) {
    std::printf("key: %s\n", std::string(loaded.message()).c_str());
    return 1;
  }
  const kagi::rsa_private_key key = *loaded;
  kagi::detail::ct_probe::classify(key);
  const auto& pub = key.public_key();
  const std::size_t k = key.size();
  secret_random rng;

  // Client side: a secret pre-master secret encrypted to the public key
  // (the padding bytes come from a public-looking source here).
  std::vector<std::uint8_t> ct(k);
  {
    auto pms = secret_bytes(48);
    kagi::system_random plain;
    if (!pub.encrypt_pkcs1(pms, ct, plain)) return 1;
    consume(ct);
    kagi::ct::declassify(ct.data(), ct.size());
  }
  report("encrypt_pkcs1 (secret message)");

  // Server side: decrypt_tls_premaster on a well-formed ciphertext and on
  // malformed ones, each marked secret.
  for (int variant = 0; variant < 3; ++variant) {
    std::vector<std::uint8_t> c = ct;
    if (variant == 1) c[k / 2] ^= 1;  // decrypts to garbage: bad padding
    if (variant == 2) c.assign(k, 0x11);
    make_secret(c);
    const auto pms = key.decrypt_tls_premaster(c, 0x0303, rng);
    // The server's next step (tls12/server.hpp): the master secret and keys.
    kagi::tls12::random cr{}, sr{};
    kagi::system_random().fill(cr);
    kagi::system_random().fill(sr);
    const auto ms = kagi::tls12::compute_master_secret(pms, cr, sr);
    const auto keys = kagi::tls12::derive_session_keys(ms, cr, sr);
    consume(keys.client_write_key);
  }
  report("decrypt_tls_premaster (secret key, ciphertext, blinding), then the master secret");

  // Signatures: the private operation on a secret message's encoding.
  {
    std::vector<std::uint8_t> sig(k);
    auto msg = secret_bytes(100);
    if (!key.sign_pkcs1_sha256(msg, sig, rng)) return 1;
    consume(sig);
    if (!key.sign_pss_sha256(msg, sig, rng)) return 1;
    consume(sig);
  }
  report("sign_pkcs1_sha256, sign_pss_sha256 (private operation)");

#if KAGI_X86
  // The mulx-adx row's table scan (SSE2, which valgrind runs, unlike the
  // row's ADX multiplications): a secret window value into a secret table.
  for (int run = 0; run < 4; ++run) {
    std::array<kagi::bn::limb, 32 * 16> table{};
    std::array<kagi::bn::limb, 16> entry{};
    kagi::bn::limb index = 0;
    kagi::system_random().fill({reinterpret_cast<std::uint8_t*>(table.data()), sizeof table});
    kagi::system_random().fill({reinterpret_cast<std::uint8_t*>(&index), sizeof index});
    index &= 31;
    kagi::ct::classify(table.data(), sizeof table);
    kagi::ct::classify(&index, sizeof index);
    kagi::bn::detail::table_lookup_sse2(entry.data(), table.data(), 32, 16, index);
    consume(std::span(reinterpret_cast<const std::uint8_t*>(entry.data()), sizeof entry));
  }
  report("the mulx-adx row's table scan (secret index and table)");
#endif

  // Key generation with secret randomness. 1024 bits keeps memcheck's time
  // down (the code is the same at every size); the key is then used once.
  {
    auto made = kagi::rsa_private_key::generate(1024, rng, 1024);
    if (!made) return 1;
    std::vector<std::uint8_t> sig(made->size());
    auto msg = secret_bytes(32);
    if (!made->sign_pkcs1_sha256(msg, sig, rng)) return 1;
    consume(sig);
  }
  report("generate (1024 bits, secret randomness), then sign with the new key");
  return 0;
}
