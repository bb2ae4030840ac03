#include <kagi.hpp>

using namespace kagi::literals;

// FIPS 180-4 example: SHA-256("abc"), at compile time and at run time.
static_assert(kagi::sha256::hash("616263"_hex) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"_hex);

int main() {
  const auto msg = "616263"_hex;
  return kagi::sha256::hash(msg) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"_hex ? 0 : 1;
}
