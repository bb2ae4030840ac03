// kagi_bench: Google Benchmark's runner, then a table of ratios between each
// kagi benchmark and its OpenSSL twin from the same run. With repetitions
// (--benchmark_repetitions=N) the medians are compared.
//
// Extra flag: --kagi_summary=REGEX  print only the ratio table rows whose
// name matches REGEX (for short summaries such as the README's main job);
// the per-benchmark console lines are left out then.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <kagi/core/cpu.hpp>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace {

class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  explicit ratio_reporter(bool quiet) : quiet_(quiet) {}

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
        slot = {r.GetAdjustedRealTime(), aggregate, bps == r.counters.end() ? 0.0 : double(bps->second)};
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
      std::printf("(times in the benchmarks' own units; ratio = openssl time / kagi time, above 1: kagi faster;\n"
                  " throughput in 10^9 bytes per second where the benchmark counts bytes)\n");
  }

 private:
  struct entry {
    double time = 0;
    bool from_median = false;
    double bytes_per_second = 0;  // when the benchmark counts bytes
  };
  std::map<std::string, entry> times_;
  bool quiet_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string summary;
  bool quiet = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--kagi_summary=", 15) == 0) {
      summary = argv[i] + 15;
      quiet = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  std::string names;
  kagi::cpu::describe(kagi::cpu::features(), [&](std::string_view f) {
    names += ' ';
    names += f;
  });
  benchmark::AddCustomContext("kagi_cpu_features", names.empty() ? "none" : names.substr(1));
  ratio_reporter reporter(quiet);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios(summary);
  benchmark::Shutdown();
  return 0;
}
