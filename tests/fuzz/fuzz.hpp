// What every kagi fuzz target shares: the registry of targets (one libFuzzer
// binary, kagi_fuzz, holds them all; main.cpp picks one by name), checks that
// stop the fuzzer with a message, and a loop over the rows of a dispatch table
// so that every path the machine has runs on the same input.
//
// A target is a function of the input bytes:
//
//   KAGI_FUZZ_TARGET(der) { ... use data, size ...; }
//
// It must be deterministic (same input, same work), allocate what it frees,
// and call KAGI_FUZZ_CHECK for every property it checks.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <kagi/core/bytes.hpp>
#include <kagi/core/cpu.hpp>
#include <kagi/core/dispatch.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kagi_fuzz {

using bytes = std::vector<std::uint8_t>;
using target_fn = void (*)(const std::uint8_t* data, std::size_t size);

struct target {
  const char* name;
  target_fn run;
  const char* summary;
};

inline std::vector<target>& registry() {
  static std::vector<target> r;
  return r;
}

struct registrar {
  registrar(const char* name, target_fn run, const char* summary) { registry().push_back({name, run, summary}); }
};

[[noreturn]] inline void fail(const char* file, int line, const char* what, const std::string& detail) {
  std::fprintf(stderr, "kagi_fuzz: check failed at %s:%d: %s\n", file, line, what);
  if (!detail.empty()) std::fprintf(stderr, "kagi_fuzz: %s\n", detail.c_str());
  std::fflush(stderr);
  std::abort();
}

inline std::string hex(std::span<const std::uint8_t> b) { return kagi::to_hex(b); }

// A file under tests/vectors (KAGI_VECTOR_DIR), whole; stops the fuzzer if it is missing.
inline std::string read_vector_file(const std::string& name) {
  const std::string path = std::string(KAGI_VECTOR_DIR) + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) fail(__FILE__, __LINE__, "vector file missing", path);
  std::string s;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) s.append(buf, n);
  std::fclose(f);
  return s;
}

// The path being run, for the message of a failed check.
inline const char*& current_path() {
  static const char* p = "default";
  return p;
}

// Runs body(name) once per row of the dispatch table that this machine (less
// KAGI_CPU_DISABLE) can run, with the dispatcher switched to it; checks that
// the table really picks that row first. fits(kernel) skips rows whose kernel
// does not apply to the input (a size the kernel does not handle).
template <class Kernel, std::size_t N, class Body>
void for_each_path(const kagi::dispatch::table<Kernel, N>& t, Body&& body) {
  for (std::size_t i = 0; i < N; ++i) {
    if ((kagi::cpu::allowed() & t.paths[i].needs) != t.paths[i].needs) continue;
    kagi::cpu::testing::scoped_disable off(t.disable_for(i));
    if (std::string_view(t.implementation()) != t.paths[i].name)
      fail(__FILE__, __LINE__, "dispatch table picks the row", std::string(t.paths[i].name));
    current_path() = t.paths[i].name;
    body(t.paths[i].name);
    current_path() = "default";
  }
}

// Whether part lies within whole (an empty part anywhere): parsers return views.
inline bool inside(kagi::bytes_view part, kagi::bytes_view whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// A deterministic generator seeded from input bytes (padded to the 32 bytes
// of entropy hmac_drbg needs: it refuses to run on less).
template <class Drbg>
Drbg seeded_drbg(std::span<const std::uint8_t> in) {
  std::array<std::uint8_t, 32> e{};
  for (std::size_t i = 0; i < in.size() && i < e.size(); ++i) e[i] = in[i];
  return Drbg(e, in, {});
}

}  // namespace kagi_fuzz

#define KAGI_FUZZ_CHECK(cond, detail)                                                              \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::string kagi_fuzz_detail_ = std::string("path ") + ::kagi_fuzz::current_path() + ": "; \
      kagi_fuzz_detail_ += (detail);                                                               \
      ::kagi_fuzz::fail(__FILE__, __LINE__, #cond, kagi_fuzz_detail_);                             \
    }                                                                                              \
  } while (0)

#define KAGI_FUZZ_TARGET(name, summary)                                                          \
  static void kagi_fuzz_##name(const std::uint8_t* data, std::size_t size);                      \
  static const ::kagi_fuzz::registrar kagi_fuzz_registrar_##name(#name, kagi_fuzz_##name, summary); \
  static void kagi_fuzz_##name([[maybe_unused]] const std::uint8_t* data, [[maybe_unused]] std::size_t size)

namespace kagi_fuzz {

// Seed inputs a target can make for itself (recorded handshakes, sealed
// records, encodings of generated keys): written by
//   KAGI_FUZZ_WRITE_SEEDS=<dir> kagi_fuzz
// into <dir>/<target>/<name>, from which the committed corpora were taken.
struct seed {
  std::string name;
  bytes data;
};
using seed_fn = std::vector<seed> (*)();
struct seed_source {
  const char* target;
  seed_fn make;
};
inline std::vector<seed_source>& seed_registry() {
  static std::vector<seed_source> r;
  return r;
}
struct seed_registrar {
  seed_registrar(const char* target, seed_fn make) { seed_registry().push_back({target, make}); }
};

}  // namespace kagi_fuzz

#define KAGI_FUZZ_SEEDS(name)                                                          \
  static std::vector<::kagi_fuzz::seed> kagi_fuzz_seeds_##name();                      \
  static const ::kagi_fuzz::seed_registrar kagi_fuzz_seed_registrar_##name(#name, kagi_fuzz_seeds_##name); \
  static std::vector<::kagi_fuzz::seed> kagi_fuzz_seeds_##name()
