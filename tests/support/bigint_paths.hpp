// The implementation paths of the big-integer arithmetic (math/montgomery.hpp),
// which RSA runs on, built from its two dispatch tables.
//
// mont_mul_table holds the Montgomery multiplication kernels and
// mont_pow_table the exponentiation kernels, whose last ("portable") row is
// the generic exponentiation on top of mont_mul_table. So the paths are every
// row of mont_mul_table with the exponentiation kernels switched off, then
// every exponentiation kernel. montgomery::implementation(n) names the path
// an exponentiation of n limbs takes.
#pragma once

#include <cstdint>
#include <kagi/math/montgomery.hpp>
#include <vector>

#include "paths.hpp"

namespace kagi_test {

inline std::vector<path> bigint_paths_of_tables() {
  const auto& mul = kagi::bn::detail::mont_mul_table;
  const auto& pow = kagi::bn::detail::mont_pow_table;
  std::vector<path> out;
  for (path p : paths_of(mul)) {
    for (std::size_t j = 0; j + 1 < pow.size; ++j) p.disable |= pow.paths[j].needs & ~p.required;
    out.push_back(p);
  }
  for (std::size_t j = pow.size - 1; j-- > 0;) out.push_back({pow.paths[j].name, pow.paths[j].needs, pow.disable_for(j)});
  return out;
}

inline const std::vector<path> bigint_paths = bigint_paths_of_tables();

// Runs body once on every big-integer path this machine has, checking that
// the dispatcher takes it for n limbs (a size every kernel takes: 16).
template <class Body>
void on_every_bigint_path(Body body, std::size_t n = 16) {
  for_each_path(bigint_paths, [n] { return kagi::bn::montgomery::implementation(n); }, body);
}

}  // namespace kagi_test
