// kagi_fuzz: every fuzz target in one libFuzzer binary (the targets share
// kagi's heavy kernels, compiled once). The target is named by the
// environment variable KAGI_FUZZ_TARGET or by the program's name: the build
// makes a link fuzz_<target> to kagi_fuzz for each, so
//
//   build/fuzz/tests/fuzz/fuzz_der -max_total_time=60 tests/fuzz/corpus/der
//
// runs the DER target (libFuzzer's options as usual). KAGI_FUZZ_TARGET=list
// prints the targets; KAGI_FUZZ_WRITE_SEEDS=<dir> writes the seeds the
// targets make for themselves and exits.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz.hpp"

namespace {

kagi_fuzz::target_fn chosen = nullptr;

int write_seeds(const char* dir) {
  namespace fs = std::filesystem;
  for (const auto& s : kagi_fuzz::seed_registry()) {
    const fs::path d = fs::path(dir) / s.target;
    fs::create_directories(d);
    for (const auto& seed : s.make()) {
      std::ofstream(d / seed.name, std::ios::binary)
          .write(reinterpret_cast<const char*>(seed.data.data()), static_cast<std::streamsize>(seed.data.size()));
      std::printf("%s/%s: %zu bytes\n", s.target, seed.name.c_str(), seed.data.size());
    }
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  (void)argc;
  if (const char* dir = std::getenv("KAGI_FUZZ_WRITE_SEEDS")) std::exit(write_seeds(dir));
  std::string name;
  if (const char* env = std::getenv("KAGI_FUZZ_TARGET")) {
    name = env;
  } else {
    name = std::filesystem::path((*argv)[0]).filename().string();
    if (name.rfind("fuzz_", 0) == 0) name = name.substr(5);
  }
  for (const auto& t : kagi_fuzz::registry())
    if (name == t.name) chosen = t.run;
  if (chosen == nullptr) {
    if (name != "list") std::fprintf(stderr, "kagi_fuzz: no target '%s' (set KAGI_FUZZ_TARGET or run a fuzz_<target> link)\n", name.c_str());
    for (const auto& t : kagi_fuzz::registry()) std::fprintf(stderr, "  %-10s %s\n", t.name, t.summary);
    std::exit(name == "list" ? 0 : 2);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chosen(data, size);
  return 0;
}
