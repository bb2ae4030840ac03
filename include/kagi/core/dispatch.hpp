// kagi/core/dispatch.hpp: one table per algorithm of the ways it can run.
//
// Every primitive with CPU kernels has one dispatch::table: its paths in
// preference order, each a row {name, needs, source, kernel}:
//
//   name     what implementation() reports ("sha-ni", "vaes-avx512", "portable")
//   needs    the cpu::feature bits the kernel uses (0 for the portable path)
//   source   the header that defines the kernel, under include/kagi/
//            ("hash/x86/sha256_shani.hpp"; empty for the portable path)
//   kernel   the algorithm's kernel type: a struct of function pointers
//
// The dispatcher, implementation() and the tests all read the same table, so
// they cannot disagree: the dispatcher calls the kernel of the first row whose
// needs are enabled now (cpu::features(): detected, less KAGI_CPU_DISABLE,
// less what a test switched off), implementation() names that row, and the
// tests run every row the machine has (tests/support/paths.hpp) and check that
// every header under */x86/ is the source of some row (tests/test_dispatch.cpp).
//
// In constant evaluation the algorithms never ask the table: they call their
// portable code directly (std::is_constant_evaluated() in a plain `if`).
// The last row is always the portable path and needs nothing, so pick()
// always finds a row.
#ifndef KAGI_CORE_DISPATCH_HPP
#define KAGI_CORE_DISPATCH_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cpu.hpp"

namespace kagi::dispatch {

// A kernel struct for algorithms whose only kernel is the path's name (tests
// and tables that describe code dispatched elsewhere).
struct no_kernel {};

template <class Kernel>
struct path {
  const char* name = "";
  std::uint32_t needs = 0;
  std::string_view source{};
  Kernel kernel{};
};

template <class Kernel, std::size_t N>
struct table {
  static_assert(N >= 1, "a dispatch table needs at least the portable path");
  using kernel_type = Kernel;
  static constexpr std::size_t size = N;

  std::string_view algorithm;
  std::array<path<Kernel>, N> paths;

  // The row the dispatcher takes with `features` enabled: the first whose
  // needs are all there (the portable row needs nothing).
  [[nodiscard]] constexpr std::size_t pick(std::uint32_t features) const noexcept {
    for (std::size_t i = 0; i < N; ++i)
      if ((paths[i].needs & features) == paths[i].needs) return i;
    return N - 1;
  }
  // The same, skipping rows whose kernel does not apply (fits(kernel) false):
  // kernels written for some sizes only.
  template <class Fits>
  [[nodiscard]] constexpr std::size_t pick(std::uint32_t features, Fits&& fits) const noexcept {
    for (std::size_t i = 0; i < N; ++i)
      if ((paths[i].needs & features) == paths[i].needs && fits(paths[i].kernel)) return i;
    return N - 1;
  }

  // The row in use now, its kernel and its name.
  [[nodiscard]] const path<Kernel>& current() const noexcept { return paths[pick(cpu::features())]; }
  [[nodiscard]] const Kernel& kernel() const noexcept { return current().kernel; }
  [[nodiscard]] const char* implementation() const noexcept { return current().name; }

  // The row named `name`, or N.
  [[nodiscard]] constexpr std::size_t find(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < N; ++i)
      if (std::string_view(paths[i].name) == name) return i;
    return N;
  }

  // The features to switch off so that pick() gives row i whenever its needs
  // are enabled: for each preferred row, what it needs beyond row i.
  [[nodiscard]] constexpr std::uint32_t disable_for(std::size_t i) const noexcept {
    std::uint32_t mask = 0;
    for (std::size_t j = 0; j < i && j < N; ++j) mask |= paths[j].needs & ~paths[i].needs;
    return mask;
  }

  // The rules every table keeps: names unique and non-empty, the last row the
  // portable one (needs nothing, no source), every other row with a source
  // and needs, and every row reachable (each preferred row needs something
  // this one does not have).
  [[nodiscard]] constexpr bool well_formed() const noexcept {
    if (std::string_view(paths[N - 1].name) != "portable" || paths[N - 1].needs != 0 ||
        !paths[N - 1].source.empty())
      return false;
    for (std::size_t i = 0; i < N; ++i) {
      if (std::string_view(paths[i].name).empty() || find(paths[i].name) != i) return false;
      if (i + 1 < N && (paths[i].needs == 0 || paths[i].source.empty())) return false;
      for (std::size_t j = 0; j < i; ++j)
        if ((paths[j].needs & ~paths[i].needs) == 0) return false;
    }
    return true;
  }
};

// Builds a table from its rows (all of one kernel type):
//   inline constexpr auto sha256_table = dispatch::make_table<sha256_kernel>("sha256", {row, row, ...});
template <class Kernel, std::size_t N>
[[nodiscard]] constexpr table<Kernel, N> make_table(std::string_view algorithm,
                                                    const path<Kernel> (&rows)[N]) noexcept {
  table<Kernel, N> t{algorithm, {}};
  for (std::size_t i = 0; i < N; ++i) t.paths[i] = rows[i];
  return t;
}

}  // namespace kagi::dispatch

#endif  // KAGI_CORE_DISPATCH_HPP
