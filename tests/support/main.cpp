// doctest's main for every suite: prints the CPU features kagi sees first, so
// a log always says which kernels ran.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <kagi/core/cpu.hpp>
#include <string>

#include "random.hpp"

int main(int argc, char** argv) {
  std::string names;
  kagi::cpu::describe(kagi::cpu::features(), [&](std::string_view n) {
    names += ' ';
    names += n;
  });
  std::printf("kagi tests: cpu features:%s; KAGI_TEST_SEED=0x%llx\n", names.empty() ? " none" : names.c_str(),
              static_cast<unsigned long long>(kagi_test::test_seed()));
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
