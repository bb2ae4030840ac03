// ECDSA P-256 signing with a secret private key: deterministic RFC 6979
// nonces (derived from the key, so secret too), hedged nonces with secret
// random bytes, and a secret nonce given directly (the test hook), DER and
// P1363 outputs. Only r and s (the signature) and the "nonce in range" and
// "r, s nonzero" verdicts are declassified. Verification is on public data
// and not run here.
#include <kagi/ec/ecdsa_p256.hpp>
#include <kagi/hash/sha512.hpp>

#include "ct_harness.hpp"

namespace {

// A random source whose bytes are secret (the hedged nonce's k').
struct secret_random {
  void fill(std::span<std::uint8_t> out) {
    kagi::system_random().fill(out);
    kagi::ct::classify(out.data(), out.size());
  }
};

}  // namespace

int main() {
  using namespace kagi_ct;
  const std::array<std::uint8_t, 32> digest = kagi::sha256::hash(std::array<std::uint8_t, 3>{'a', 'b', 'c'});
  const auto digest512 = kagi::sha512::hash(std::array<std::uint8_t, 3>{'a', 'b', 'c'});
  secret_random rng;
  for (int i = 0; i < 2; ++i) {
    auto priv = secret_array<32>();
    priv[0] = static_cast<std::uint8_t>(priv[0] & 0x7f);  // below n (still secret)
    const auto sig = kagi::p256::sign_digest_p1363(priv, digest);
    if (!sig) return 1;
    consume(*sig);
    std::array<std::uint8_t, kagi::p256::max_der_signature_size> der{};
    const auto len = kagi::p256::sign_digest<kagi::sha512>(priv, digest512, der);
    if (!len) return 1;
    consume(der);
    const auto hedged = kagi::p256::sign_digest_p1363(priv, digest, rng);
    if (!hedged) return 1;
    consume(*hedged);
    auto nonce = secret_array<32>();
    nonce[0] = static_cast<std::uint8_t>(nonce[0] & 0x7f);
    const auto with_k = kagi::detail::p256::sign_digest_with_nonce(priv, digest, nonce);
    if (!with_k) return 1;
    consume(*with_k);
  }
  report("ecdsa p256 sign_digest (deterministic, hedged, DER, given nonce)");
  return 0;
}
