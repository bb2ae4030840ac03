// kagi/core/cpu.hpp: which CPU features the kernels may use.
//
// Features are detected once (cpuid, and xgetbv for the register state the OS
// saves), cached, and reduced by the KAGI_CPU_DISABLE environment variable,
// read once: "all", or a comma list of names from feature_names below (e.g.
// "vaes,avx512,aesni,pclmul,shani"). Tests switch kernels off and on again in
// one process with cpu::testing::set_disabled / scoped_disable.
//
// Kernels are ordinary functions with per-function target attributes
// (KAGI_TARGET), so no -march flag is needed and these headers build for any
// CPU; on a non-x86 target every feature reads as absent.
#ifndef KAGI_CORE_CPU_HPP
#define KAGI_CORE_CPU_HPP

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define KAGI_X86 1
#include <cpuid.h>
#include <immintrin.h>
#define KAGI_TARGET(features) __attribute__((target(features)))
#else
#define KAGI_X86 0
#define KAGI_TARGET(features)
#endif

namespace kagi::cpu {

enum feature : std::uint32_t {
  ssse3 = 1u << 0,
  sse41 = 1u << 1,
  avx = 1u << 2,
  avx2 = 1u << 3,
  bmi2 = 1u << 4,
  adx = 1u << 5,
  aesni = 1u << 6,
  pclmul = 1u << 7,
  sha_ni = 1u << 8,
  avx512f = 1u << 9,
  avx512vl = 1u << 10,
  avx512bw = 1u << 11,
  avx512dq = 1u << 12,
  avx512ifma = 1u << 13,
  vaes = 1u << 14,
  vpclmul = 1u << 15,
};
inline constexpr std::uint32_t all = (1u << 16) - 1;
inline constexpr std::uint32_t avx512_all = avx512f | avx512vl | avx512bw | avx512dq | avx512ifma;

struct feature_name {
  std::string_view name;
  std::uint32_t bits;
};
// Names accepted by KAGI_CPU_DISABLE (and printed by describe()).
inline constexpr std::array<feature_name, 18> feature_names{{
    {"ssse3", ssse3},       {"sse41", sse41},       {"avx", avx},
    {"avx2", avx2},         {"bmi2", bmi2},         {"adx", adx},
    {"aesni", aesni},       {"pclmul", pclmul},     {"shani", sha_ni},
    {"avx512f", avx512f},   {"avx512vl", avx512vl}, {"avx512bw", avx512bw},
    {"avx512dq", avx512dq}, {"avx512ifma", avx512ifma}, {"vaes", vaes},
    {"vpclmul", vpclmul},   {"avx512", avx512_all}, {"all", all},
}};

// Parses a KAGI_CPU_DISABLE value. Unknown names are reported through
// `unknown` (called once per name) and otherwise ignored.
template <class OnUnknown>
constexpr std::uint32_t parse_disable_list(std::string_view list, OnUnknown&& unknown) {
  std::uint32_t mask = 0;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.empty()) continue;
    bool found = false;
    for (const auto& f : feature_names) {
      if (f.name == item) {
        mask |= f.bits;
        found = true;
      }
    }
    if (!found) unknown(item);
  }
  return mask;
}

namespace detail {

// What the CPU and the OS support, before any override.
inline std::uint32_t detect() noexcept {
  std::uint32_t f = 0;
#if KAGI_X86
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(0, 0, &a, &b, &c, &d)) return 0;
  const unsigned max_leaf = a;
  if (!__get_cpuid_count(1, 0, &a, &b, &c, &d)) return 0;
  const unsigned c1 = c;
  if (c1 & (1u << 9)) f |= ssse3;
  if (c1 & (1u << 19)) f |= sse41;
  if (c1 & (1u << 25)) f |= aesni;
  if (c1 & (1u << 1)) f |= pclmul;
  bool os_avx = false, os_avx512 = false;
  if ((c1 & (1u << 27)) != 0) {  // OSXSAVE: xgetbv is usable
    unsigned lo = 0, hi = 0;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    os_avx = (lo & 0x6u) == 0x6u;        // XMM and YMM state
    os_avx512 = (lo & 0xe6u) == 0xe6u;   // plus opmask, ZMM_Hi256, Hi16_ZMM
  }
  if (os_avx && (c1 & (1u << 28))) f |= avx;
  if (max_leaf >= 7 && __get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    if (b & (1u << 8)) f |= bmi2;
    if (b & (1u << 19)) f |= adx;
    if (b & (1u << 29)) f |= sha_ni;
    if (os_avx) {
      if (b & (1u << 5)) f |= avx2;
      if (c & (1u << 9)) f |= vaes;
      if (c & (1u << 10)) f |= vpclmul;
    }
    if (os_avx512) {
      if (b & (1u << 16)) f |= avx512f;
      if (b & (1u << 17)) f |= avx512dq;
      if (b & (1u << 21)) f |= avx512ifma;
      if (b & (1u << 30)) f |= avx512bw;
      if (b & (1u << 31)) f |= avx512vl;
    }
  }
#endif
  return f;
}

struct state {
  std::uint32_t detected;
  std::uint32_t env_disabled;
  std::atomic<std::uint32_t> enabled;

  state() noexcept : detected(detect()), env_disabled(0), enabled(0) {
    if (const char* env = std::getenv("KAGI_CPU_DISABLE")) {
      env_disabled = parse_disable_list(env, [](std::string_view bad) {
        std::fprintf(stderr, "kagi: KAGI_CPU_DISABLE: unknown feature '%.*s' ignored\n",
                     static_cast<int>(bad.size()), bad.data());
      });
    }
    enabled.store(detected & ~env_disabled, std::memory_order_relaxed);
  }
};

inline state& get() noexcept {
  static state s;
  return s;
}

}  // namespace detail

// Features the hardware and OS support, ignoring every override.
[[nodiscard]] inline std::uint32_t detected() noexcept { return detail::get().detected; }
// Features the hardware and OS support, less those KAGI_CPU_DISABLE turned off.
[[nodiscard]] inline std::uint32_t allowed() noexcept {
  const auto& s = detail::get();
  return s.detected & ~s.env_disabled;
}
// Features kernels may use now.
[[nodiscard]] inline std::uint32_t features() noexcept {
  return detail::get().enabled.load(std::memory_order_relaxed);
}
// True when every feature in mask may be used.
[[nodiscard]] inline bool has(std::uint32_t mask) noexcept { return (features() & mask) == mask; }

// "sha_ni aesni ..." for the enabled features (for logs and benchmark labels).
template <class Out>
void describe(std::uint32_t mask, Out&& out) {
  for (const auto& f : feature_names) {
    if (f.bits != 0 && (f.bits & (f.bits - 1)) == 0 && (mask & f.bits)) out(f.name);
  }
}

namespace testing {
// Turns off the kernels that need any feature in mask (on top of
// KAGI_CPU_DISABLE); set_disabled(0) restores them. Returns the previous mask.
// Meant for tests and benchmarks that compare paths in one process; not for
// use while other threads are running kagi code.
inline std::uint32_t set_disabled(std::uint32_t mask) noexcept {
  auto& s = detail::get();
  static std::uint32_t current = 0;
  const std::uint32_t previous = current;
  current = mask;
  s.enabled.store(s.detected & ~s.env_disabled & ~mask, std::memory_order_relaxed);
  return previous;
}

class scoped_disable {
 public:
  explicit scoped_disable(std::uint32_t mask) noexcept : previous_(set_disabled(mask)) {}
  ~scoped_disable() { set_disabled(previous_); }
  scoped_disable(const scoped_disable&) = delete;
  scoped_disable& operator=(const scoped_disable&) = delete;

 private:
  std::uint32_t previous_;
};
}  // namespace testing

}  // namespace kagi::cpu

#endif  // KAGI_CORE_CPU_HPP
