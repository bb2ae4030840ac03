// Shared by the benchmark files. Names follow "<operation>/<implementation>/<size>":
// implementation "kagi" is the default dispatch (fastest kernel), "kagi-<path>"
// a forced path, "openssl" the twin doing identical work. bench_main.cpp prints
// the ratio openssl_time / kagi_time for every pair (above 1: kagi is faster).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <kagi/core/cpu.hpp>
#include <vector>

namespace kagi_bench {

inline std::vector<std::uint8_t> filled(std::size_t n, std::uint8_t seed = 1) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 131);
  return v;
}

// Runs the timed loop with some kernels switched off (a forced path).
class forced_path {
 public:
  explicit forced_path(std::uint32_t disable) : off_(disable) {}

 private:
  kagi::cpu::testing::scoped_disable off_;
};

inline void set_bytes(benchmark::State& state, std::size_t bytes_per_iteration) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes_per_iteration));
}

}  // namespace kagi_bench
