// Each KAGI_CASE value is a "..."_hex literal that must not compile: CTest
// builds this file once per case and expects the name of the refusal in the
// compiler's message (tests/compile_fail).
#include <kagi/core/bytes.hpp>

using namespace kagi::literals;

int main() {
#if KAGI_CASE == 1  // a character that is not a hex digit
  constexpr auto b = "00fg"_hex;
#elif KAGI_CASE == 2  // an odd number of digits
  constexpr auto b = "00f"_hex;
#else  // the control: compiles (spaces are allowed between digits)
  constexpr auto b = "00 ff"_hex;
#endif
  return static_cast<int>(b.size());
}
