// Leaks on purpose: a branch and a table index on a secret byte. memcheck must
// report both; expect_leaks.cmake requires exactly that, so a harness
// that stopped seeing secrets makes the ct label fail.
#include "ct_harness.hpp"

int main() {
  auto s = kagi_ct::secret_array<1>();
  static const std::uint8_t table[256] = {1};
  volatile std::uint8_t out = 0;
  if (s[0] == 0x42) out = 1;  // branch on a secret
  out = table[s[0]];          // index with a secret
  (void)out;
  kagi_ct::report("selftest ran (memcheck must have reported it)");
  return 0;
}
