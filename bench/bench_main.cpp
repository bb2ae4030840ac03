// kagi_bench: Google Benchmark's runner, then a table of ratios between each
// kagi benchmark and its OpenSSL twin from the same run. With repetitions
// (--benchmark_repetitions=N) the medians are compared.
//
// Extra flags:
//   --kagi_summary=REGEX  print only the ratio table rows whose name matches
//       REGEX (for short summaries such as the README's main job); the
//       per-benchmark console lines are left out then.
//   --kagi_time=cpu  compare CPU times instead of real times (on a shared,
//       loaded machine real time also counts the time the thread waited).
//   --kagi_level=a|b|c  emulate a lesser x86-64 CPU on both sides:
//       a  everything this CPU has;
//       b  AVX2 with VAES and VPCLMULQDQ, no AVX-512 (Intel client cores,
//          AMD Zen 3);
//       c  AVX2 with AES-NI, PCLMULQDQ, BMI2 and ADX, no VAES, VPCLMULQDQ
//          or AVX-512 (Haswell to Skylake, AMD Zen 1-2).
//     kagi reads KAGI_CPU_DISABLE and OpenSSL reads OPENSSL_ia32cap once, at
//     start-up (OpenSSL before main), so the runner sets both for the level
//     and runs itself again (execv of /proc/self/exe, same arguments); a
//     value already in the environment must be the level's, or it stops.
//     It then checks that this CPU has what the level keeps.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <kagi/core/cpu.hpp>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace {

// One emulated CPU level: what kagi switches off (KAGI_CPU_DISABLE), the
// OpenSSL capability mask, and what the level keeps (kagi's names).
struct cpu_level {
  const char* name;
  const char* kagi_disable;    // nullptr: the variable must be unset
  const char* openssl_mask;    // nullptr: the variable must be unset
  std::uint32_t keeps;
  std::uint32_t drops;
};

// OPENSSL_ia32cap="~A:~B" clears bits: A is CPUID.1 EDX (low half) and ECX
// (high half), left alone here ("~0"); B is CPUID.7.0 EBX (low half) and ECX
// (high half). Level b clears EBX bits 16 AVX512F, 17 AVX512DQ, 21
// AVX512IFMA, 30 AVX512BW, 31 AVX512VL (0xc0230000); level c also clears ECX
// bits 9 VAES and 10 VPCLMULQDQ (0x600 << 32).
constexpr std::uint32_t level_c_keeps = kagi::cpu::ssse3 | kagi::cpu::sse41 | kagi::cpu::avx | kagi::cpu::avx2 |
                                        kagi::cpu::bmi2 | kagi::cpu::adx | kagi::cpu::aesni | kagi::cpu::pclmul;
constexpr cpu_level cpu_levels[] = {
    {"a", nullptr, nullptr, level_c_keeps, 0},
    {"b", "avx512", "~0:~0xc0230000", level_c_keeps | kagi::cpu::vaes | kagi::cpu::vpclmul, kagi::cpu::avx512_all},
    {"c", "avx512,vaes,vpclmul", "~0:~0x600c0230000", level_c_keeps,
     kagi::cpu::avx512_all | kagi::cpu::vaes | kagi::cpu::vpclmul},
};

// Sets the environment for the level and runs this program again, or checks
// that it was set; returns false (after saying why) when the run must stop.
bool enter_level(const cpu_level& l, char** argv) {
  const char* kagi_env = std::getenv("KAGI_CPU_DISABLE");
  const char* ossl_env = std::getenv("OPENSSL_ia32cap");
  auto same = [](const char* have, const char* want) {
    return want == nullptr ? have == nullptr || *have == '\0' : have != nullptr && std::strcmp(have, want) == 0;
  };
  if (!same(kagi_env, l.kagi_disable) || !same(ossl_env, l.openssl_mask)) {
    if ((kagi_env != nullptr && *kagi_env != '\0') || ossl_env != nullptr) {
      std::fprintf(stderr,
                   "kagi_bench: --kagi_level=%s wants KAGI_CPU_DISABLE=%s and OPENSSL_ia32cap=%s; the environment "
                   "has KAGI_CPU_DISABLE=%s OPENSSL_ia32cap=%s (unset them, the runner sets both)\n",
                   l.name, l.kagi_disable ? l.kagi_disable : "(unset)", l.openssl_mask ? l.openssl_mask : "(unset)",
                   kagi_env ? kagi_env : "(unset)", ossl_env ? ossl_env : "(unset)");
      return false;
    }
    if (l.kagi_disable == nullptr) return true;  // level a with nothing set
    setenv("KAGI_CPU_DISABLE", l.kagi_disable, 1);
    setenv("OPENSSL_ia32cap", l.openssl_mask, 1);
    execv("/proc/self/exe", argv);
    std::perror("kagi_bench: execv /proc/self/exe");
    return false;
  }
  const std::uint32_t have = kagi::cpu::allowed();
  if ((have & l.keeps) != l.keeps || (have & l.drops) != 0) {
    std::fprintf(stderr, "kagi_bench: this CPU cannot emulate level %s (kagi sees features 0x%x)\n", l.name, have);
    return false;
  }
  return true;
}

class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  ratio_reporter(bool quiet, bool cpu_time) : quiet_(quiet), cpu_time_(cpu_time) {}

  bool ReportContext(const Context& context) override {
    return quiet_ ? true : ConsoleReporter::ReportContext(context);
  }

  void ReportRuns(const std::vector<Run>& runs) override {
    if (!quiet_) ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.error_occurred) continue;
      const bool aggregate = r.run_type == Run::RT_Aggregate;
      if (aggregate && r.aggregate_name != "median") continue;
      std::string name = r.run_name.str();
      auto& slot = times_[name];
      // A median replaces single runs; without repetitions the single run stands.
      if (aggregate || !slot.from_median) {
        const auto bps = r.counters.find("bytes_per_second");
        slot = {cpu_time_ ? r.GetAdjustedCPUTime() : r.GetAdjustedRealTime(), aggregate, bps == r.counters.end() ? 0.0 : double(bps->second)};
      }
    }
  }

  void print_ratios(const std::string& filter) const {
    const std::regex re(filter.empty() ? ".*" : filter);
    bool header = false;
    for (const auto& [name, ossl] : times_) {
      const auto at = name.find("/openssl");
      if (at == std::string::npos) continue;
      const std::string op = name.substr(0, at);
      const std::string rest = name.substr(at + std::strlen("/openssl"));
      for (const auto& [other, mine] : times_) {
        if (other.rfind(op + "/kagi", 0) != 0) continue;
        const auto slash = other.find('/', op.size() + 1);
        const std::string impl = other.substr(op.size() + 1, slash == std::string::npos ? std::string::npos : slash - op.size() - 1);
        if (other != op + "/" + impl + rest) continue;
        const std::string row = op + rest + " " + impl;
        if (!std::regex_search(row, re)) continue;
        if (!header) {
          std::printf("\n%-44s %-18s %12s %12s %8s\n", "operation", "kagi path", "kagi", "openssl", "ratio");
          header = true;
        }
        std::printf("%-44s %-18s %12.1f %12.1f %7.2fx", (op + rest).c_str(), impl.c_str(), mine.time, ossl.time,
                    ossl.time / mine.time);
        if (mine.bytes_per_second > 0 && ossl.bytes_per_second > 0)
          std::printf("  %6.2f vs %6.2f GB/s", mine.bytes_per_second / 1e9, ossl.bytes_per_second / 1e9);
        std::printf("%s\n", mine.from_median && ossl.from_median ? " (median)" : "");
      }
    }
    if (header)
      std::printf("(%s times in the benchmarks' own units; ratio = openssl time / kagi time, above 1: kagi faster;\n"
                  " throughput in 10^9 bytes per second where the benchmark counts bytes)\n",
                  cpu_time_ ? "CPU" : "real");
  }

 private:
  struct entry {
    double time = 0;
    bool from_median = false;
    double bytes_per_second = 0;  // when the benchmark counts bytes
  };
  std::map<std::string, entry> times_;
  bool quiet_;
  bool cpu_time_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string summary;
  bool quiet = false, cpu_time = false;
  const cpu_level* level = nullptr;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--kagi_summary=", 15) == 0) {
      summary = argv[i] + 15;
      quiet = true;
    } else if (std::strcmp(argv[i], "--kagi_time=cpu") == 0 || std::strcmp(argv[i], "--kagi_time=real") == 0) {
      cpu_time = argv[i][12] == 'c';
    } else if (std::strncmp(argv[i], "--kagi_level=", 13) == 0) {
      for (const auto& l : cpu_levels)
        if (std::strcmp(argv[i] + 13, l.name) == 0) level = &l;
      if (level == nullptr) {
        std::fprintf(stderr, "kagi_bench: --kagi_level wants a, b or c\n");
        return 1;
      }
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  if (level != nullptr && !enter_level(*level, argv)) return 1;
  std::string names;
  kagi::cpu::describe(kagi::cpu::features(), [&](std::string_view f) {
    names += ' ';
    names += f;
  });
  benchmark::AddCustomContext("kagi_cpu_features", names.empty() ? "none" : names.substr(1));
  if (level != nullptr) {
    benchmark::AddCustomContext("kagi_level", level->name);
    const char* mask = std::getenv("OPENSSL_ia32cap");
    benchmark::AddCustomContext("openssl_ia32cap", mask ? mask : "(unset)");
  }
  if (quiet && level != nullptr)
    std::printf("level %s: kagi features%s%s; OPENSSL_ia32cap=%s\n", level->name, names.empty() ? " none" : "",
                names.c_str(), std::getenv("OPENSSL_ia32cap") ? std::getenv("OPENSSL_ia32cap") : "(unset)");
  ratio_reporter reporter(quiet, cpu_time);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios(summary);
  benchmark::Shutdown();
  return 0;
}
