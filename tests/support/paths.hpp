// Running one test body on every implementation path the machine has.
//
// The paths come from the algorithm's dispatch table (kagi/core/dispatch.hpp):
// each row names the kernel (what implementation() reports), the CPU features
// it needs, and, computed from the rows before it, the features to switch off
// so that the dispatcher picks it. for_each_path checks that the dispatcher
// really took the path before running the body, so a broken table fails the
// test instead of testing one kernel twice.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <kagi/core/cpu.hpp>
#include <kagi/core/dispatch.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace kagi_test {

struct path {
  std::string_view name;       // what the primitive's implementation() returns on this path
  std::uint32_t required = 0;  // features the path needs
  std::uint32_t disable = 0;   // features to switch off to reach it
};

inline constexpr path portable_path{"portable", 0, kagi::cpu::all};

// Every row of a dispatch table as a path, the portable one first.
template <class Kernel, std::size_t N>
std::vector<path> paths_of(const kagi::dispatch::table<Kernel, N>& t) {
  std::vector<path> out;
  for (std::size_t i = N; i-- > 0;) out.push_back({t.paths[i].name, t.paths[i].needs, t.disable_for(i)});
  return out;
}

// The paths of `all` that this machine (less KAGI_CPU_DISABLE) can run.
template <class Paths>
std::vector<path> available_paths(const Paths& all) {
  std::vector<path> out;
  for (const auto& p : all)
    if ((kagi::cpu::allowed() & p.required) == p.required) out.push_back(p);
  return out;
}

inline std::vector<path> available_paths(std::initializer_list<path> all) {
  return available_paths<std::initializer_list<path>>(all);
}
template <class Kernel, std::size_t N>
std::vector<path> available_paths(const kagi::dispatch::table<Kernel, N>& t) {
  return available_paths(paths_of(t));
}

// Runs body(path) once per available path with the dispatcher switched to it.
// implementation: a callable returning the name of the path in use now.
template <class Paths, class Impl, class Body>
void for_each_path(const Paths& all, Impl implementation, Body body) {
  const auto paths = available_paths(all);
  REQUIRE_MESSAGE(!paths.empty(), "no implementation path available");
  for (const auto& p : paths) {
    kagi::cpu::testing::scoped_disable off(p.disable);
    INFO("implementation path: " << std::string(p.name));
    REQUIRE(std::string_view(implementation()) == p.name);
    body(p);
  }
}
template <class Impl, class Body>
void for_each_path(std::initializer_list<path> all, Impl implementation, Body body) {
  for_each_path<std::initializer_list<path>>(all, implementation, body);
}
// Every row of the table, checked against the table's own implementation().
template <class Kernel, std::size_t N, class Body>
void for_each_path(const kagi::dispatch::table<Kernel, N>& t, Body body) {
  for_each_path(paths_of(t), [&t] { return t.implementation(); }, body);
}

}  // namespace kagi_test
