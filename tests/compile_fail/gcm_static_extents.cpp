// Each KAGI_CASE value is a call that must not compile: CTest builds this file
// once per case and expects the named static_assert message (tests/compile_fail).
#include <kagi/cipher/gcm.hpp>

int main() {
  const std::array<std::uint8_t, 16> key{};
  const kagi::aes128_gcm g(key);
  std::array<std::uint8_t, 12> nonce{};
  std::array<std::uint8_t, 32> in{}, out{};
  std::array<std::uint8_t, 16> tag{};
#if KAGI_CASE == 1  // an empty nonce
  std::array<std::uint8_t, 0> empty{};
  return g.encrypt(empty, {}, in, out, tag) ? 0 : 1;
#elif KAGI_CASE == 2  // a tag of 10 bytes
  std::array<std::uint8_t, 10> short_tag{};
  return g.decrypt(nonce, {}, in, short_tag, out) ? 0 : 1;
#elif KAGI_CASE == 3  // output shorter than the input
  std::array<std::uint8_t, 31> short_out{};
  return g.encrypt(nonce, {}, in, short_out, tag) ? 0 : 1;
#else  // the control: compiles
  return g.encrypt(nonce, {}, in, out, tag) ? 0 : 1;
#endif
}
