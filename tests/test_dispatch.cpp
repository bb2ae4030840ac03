// The dispatch tables (kagi/core/dispatch.hpp): every table is well formed,
// every row has a kernel, every kernel header under include/kagi/*/x86/ is
// the source of some row, and the dispatcher picks rows the way the tests'
// path enumeration expects.
#include <doctest/doctest.h>

#include <algorithm>
#include <kagi.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/paths.hpp"

namespace {

// Every table in the library, with a check that each row's kernel pointers are set.
struct table_info {
  std::string algorithm;
  std::vector<std::string> names, sources;
  bool well_formed = false;
  bool kernels_set = true;
};

template <class Table, class KernelSet>
table_info describe(const Table& t, KernelSet kernel_set) {
  table_info info{std::string(t.algorithm), {}, {}, t.well_formed(), true};
  for (const auto& row : t.paths) {
    info.names.emplace_back(row.name);
    if (!row.source.empty()) info.sources.emplace_back(row.source);
    if (!kernel_set(row)) info.kernels_set = false;
  }
  return info;
}

std::vector<table_info> all_tables() {
  namespace d = kagi::detail;
  return {
      describe(d::sha256_table, [](const auto& r) { return r.kernel.compress && r.kernel.compress2; }),
      describe(d::sha512_table, [](const auto& r) { return r.kernel.compress && r.kernel.compress2; }),
      describe(d::aes_table<10>, [](const auto& r) { return r.kernel.expand_key && r.kernel.encrypt && r.kernel.decrypt; }),
      describe(d::gcm_table<10>, [](const auto& r) { return r.kernel.init && r.kernel.j0 && r.kernel.seal && r.kernel.open; }),
      describe(d::gcm_table<14>, [](const auto& r) { return r.kernel.init && r.kernel.j0 && r.kernel.seal && r.kernel.open; }),
      describe(d::c25519::x25519_ladder_table, [](const auto& r) { return r.kernel.ladder != nullptr; }),
      describe(d::c25519::x25519_base_table, [](const auto& r) { return r.kernel.base_mul != nullptr; }),
      describe(d::p256::p256_table, [](const auto& r) {
        return r.kernel.public_key && r.kernel.shared_x && r.kernel.ecdsa_sign && r.kernel.ecdsa_verify;
      }),
      describe(kagi::bn::detail::mont_mul_table,
               [](const auto& r) { return r.kernel.fits && r.kernel.mul && r.kernel.sqr && r.kernel.lookup; }),
      // The exponentiation's portable row has no kernel of its own: montgomery's
      // generic exponentiation runs there, on mont_mul_table.
      describe(kagi::bn::detail::mont_pow_table,
               [](const auto& r) {
                 return r.kernel.fits && r.kernel.public_fits &&
                        (r.needs == 0 || (r.kernel.pow && r.kernel.pow2 && r.kernel.pow_public));
               }),
  };
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

TEST_CASE("every dispatch table is well formed and every row has its kernel") {
  for (const auto& t : all_tables()) {
    INFO("table " << t.algorithm);
    CHECK(t.well_formed);
    CHECK(t.kernels_set);
    CHECK(t.names.back() == "portable");
  }
}

TEST_CASE("every kernel header is the source of a row, and every row's source exists") {
  // KAGI_KERNEL_HEADERS: the files include/kagi/*/x86/*.hpp, found by CMake, comma separated.
  const auto files = split(KAGI_KERNEL_HEADERS, ',');
  std::set<std::string> sources;
  for (const auto& t : all_tables()) sources.insert(t.sources.begin(), t.sources.end());
#if KAGI_X86
  CHECK(!files.empty());
  for (const auto& f : files) CHECK_MESSAGE(sources.count(f) == 1, f << " has no row in any dispatch table");
#endif
  for (const auto& s : sources)
    CHECK_MESSAGE(std::find(files.begin(), files.end(), s) != files.end(), s << " is named by a row but does not exist");
}

TEST_CASE("table::pick takes the first row whose needs are enabled; disable_for reaches each row") {
  using kagi::dispatch::path;
  constexpr auto t = kagi::dispatch::make_table<kagi::dispatch::no_kernel>("example", {
      {"wide", kagi::cpu::avx2 | kagi::cpu::vaes, "x/a.hpp", {}},
      {"narrow", kagi::cpu::aesni, "x/b.hpp", {}},
      {"portable", 0, {}, {}},
  });
  static_assert(t.well_formed());
  static_assert(t.pick(kagi::cpu::all) == 0);
  static_assert(t.pick(kagi::cpu::avx2 | kagi::cpu::aesni) == 1);
  static_assert(t.pick(kagi::cpu::avx2) == 2);
  for (std::size_t i = 0; i < t.size; ++i) CHECK(t.pick(kagi::cpu::all & ~t.disable_for(i)) == i);
  static_assert(t.find("narrow") == 1 && t.find("none") == 3);
  // A row that can never be picked (a preferred row needs no more than it) is refused.
  constexpr auto shadowed = kagi::dispatch::make_table<kagi::dispatch::no_kernel>("shadowed", {
      {"a", kagi::cpu::aesni, "x/a.hpp", {}},
      {"b", kagi::cpu::aesni | kagi::cpu::avx2, "x/b.hpp", {}},
      {"portable", 0, {}, {}},
  });
  static_assert(!shadowed.well_formed());
  constexpr auto no_portable = kagi::dispatch::make_table<kagi::dispatch::no_kernel>("no portable", {
      {"a", kagi::cpu::aesni, "x/a.hpp", {}},
  });
  static_assert(!no_portable.well_formed());
}

TEST_CASE("the dispatcher and implementation() follow the table on every path the machine has") {
  namespace d = kagi::detail;
  kagi_test::for_each_path(d::sha256_table, [](const kagi_test::path& p) {
    CHECK(std::string(kagi::sha256::implementation()) == p.name);
  });
  kagi_test::for_each_path(d::p256::p256_table, [](const kagi_test::path& p) {
    CHECK(std::string(kagi::p256::implementation()) == p.name);
  });
  kagi_test::for_each_path(d::c25519::x25519_ladder_table, [](const kagi_test::path& p) {
    CHECK(std::string(kagi::x25519::implementation()) == p.name);
  });
}
