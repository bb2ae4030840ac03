// Helpers for the valgrind constant-time programs (compiled with
// KAGI_CT_VALGRIND, run under memcheck by CTest, label ct).
#pragma once

#include <cstdint>
#include <cstdio>
#include <kagi/core/ct.hpp>
#include <kagi/core/random.hpp>
#include <span>
#include <vector>

namespace kagi_ct {

// Random bytes, then marked secret: memcheck sees them as undefined.
template <std::size_t N>
std::array<std::uint8_t, N> secret_array() {
  std::array<std::uint8_t, N> a{};
  kagi::system_random().fill(a);
  kagi::ct::classify(a.data(), a.size());
  return a;
}
inline std::vector<std::uint8_t> secret_bytes(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  kagi::system_random().fill(v);
  kagi::ct::classify(v.data(), v.size());
  return v;
}
inline void make_secret(std::span<std::uint8_t> s) { kagi::ct::classify(s.data(), s.size()); }

// Declassifies a result and folds it into a sink, so the computation cannot be
// optimized away and its output does not trip memcheck in main's own code.
inline volatile std::uint8_t sink = 0;
template <class C>
void consume(const C& c) {
  for (std::uint8_t b : c) {
    kagi::ct::declassify(&b, 1);
    sink = static_cast<std::uint8_t>(sink ^ b);
  }
}

inline void report(const char* what) { std::printf("ct: %s\n", what); }

}  // namespace kagi_ct
