// Reproducible random test inputs. The seed comes from KAGI_TEST_SEED when set
// and is printed on failure through doctest's INFO.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <span>
#include <vector>

namespace kagi_test {

inline std::uint64_t test_seed() {
  if (const char* s = std::getenv("KAGI_TEST_SEED"); s != nullptr && *s != '\0') return std::strtoull(s, nullptr, 0);
  return 0x6b616769u;  // "kagi"
}

class test_rng {
 public:
  explicit test_rng(std::uint64_t stream = 0) : gen_(test_seed() ^ (stream * 0x9e3779b97f4a7c15ull)) {}
  void fill(std::span<std::uint8_t> out) {
    for (auto& b : out) b = static_cast<std::uint8_t>(gen_());
  }
  std::vector<std::uint8_t> bytes(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    fill(v);
    return v;
  }
  std::size_t uniform(std::size_t lo, std::size_t hi) {  // inclusive
    return std::uniform_int_distribution<std::size_t>(lo, hi)(gen_);
  }

 private:
  std::mt19937_64 gen_;
};

}  // namespace kagi_test
