// P-256 with a secret private scalar: the validity check (only its verdict
// is declassified), the fixed-base public key (masked table scans) and the
// variable-base multiplication on a peer's point.
#include <kagi/ec/p256.hpp>

#include "ct_harness.hpp"

int main() {
  using namespace kagi_ct;
  // A peer point made before the secrets exist (public data).
  kagi::p256::private_key_type peer_priv{};
  peer_priv[31] = 7;
  const auto peer = kagi::p256::public_key(peer_priv);
  if (!peer) return 1;
  for (int i = 0; i < 2; ++i) {
    auto priv = secret_array<32>();
    priv[0] = static_cast<std::uint8_t>(priv[0] & 0x7f);  // below n (still secret)
    const auto pub = kagi::p256::public_key(priv);  // declassified inside: a public key is public
    if (!pub) return 1;
    consume(*pub);
    const auto shared = kagi::p256::shared_secret(priv, *peer);
    if (!shared) return 1;
    consume(*shared);
  }
  report("p256 public_key, shared_secret");
  return 0;
}
