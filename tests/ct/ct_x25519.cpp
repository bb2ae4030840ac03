// X25519 with a secret private scalar: the fixed-base public key (masked
// table scans) and the ladder on a random peer value and on a low-order one
// (whose all-zero result is refused: only that verdict is declassified).
#include <kagi/ec/x25519.hpp>

#include "ct_harness.hpp"

int main() {
  using namespace kagi_ct;
  for (int i = 0; i < 3; ++i) {
    const auto priv = secret_array<32>();
    consume(kagi::x25519::public_key(priv));  // declassified inside: a public key is public
    std::array<std::uint8_t, 32> peer{};
    kagi::system_random().fill(peer);
    const auto shared = kagi::x25519::shared_secret(priv, peer);
    if (shared) consume(*shared);
    const std::array<std::uint8_t, 32> low_order{1};
    if (kagi::x25519::shared_secret(priv, low_order)) return 1;  // all zero: must be refused
  }
  report("x25519 public_key, shared_secret");
  return 0;
}
