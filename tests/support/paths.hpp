// Running one test body on every implementation path the machine has.
//
// A path names the kernel a primitive should pick (what its implementation()
// reports), the CPU features it needs, and the features to switch off so that
// the dispatcher picks it. for_each_path checks that the dispatcher really
// took the path before running the body, so a broken switch fails the test
// instead of testing one kernel twice.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <kagi/core/cpu.hpp>
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

// The paths of `all` that this machine (less KAGI_CPU_DISABLE) can run.
inline std::vector<path> available_paths(std::initializer_list<path> all) {
  std::vector<path> out;
  for (const auto& p : all)
    if ((kagi::cpu::allowed() & p.required) == p.required) out.push_back(p);
  return out;
}

// Runs body(path) once per available path with the dispatcher switched to it.
// implementation: a callable returning the name of the path in use now.
template <class Impl, class Body>
void for_each_path(std::initializer_list<path> all, Impl implementation, Body body) {
  const auto paths = available_paths(all);
  REQUIRE_MESSAGE(!paths.empty(), "no implementation path available");
  for (const auto& p : paths) {
    kagi::cpu::testing::scoped_disable off(p.disable);
    INFO("implementation path: " << std::string(p.name));
    REQUIRE(std::string_view(implementation()) == p.name);
    body(p);
  }
}

}  // namespace kagi_test
