// dudect-style timing check (O. Reparaz, J. Balasch, I. Verbauwhede, "Dude,
// is my code constant time?", 2017): one operation is timed on inputs of two
// classes (say, a fixed secret and random secrets) in random order, and
// Welch's t-test compares the two classes' times, on the raw samples and on
// samples cropped at several percentiles (cropping drops the long tail of
// interrupts and migrations). |t| above 4.5 means time tells the classes
// apart. This reaches what valgrind cannot: the kernels on instructions it does
// not emulate (SHA-NI, ADX, AVX-512, VAES). Tests using it go in the doctest
// suite "timing" (CTest label timing), outside the default run.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "random.hpp"

namespace kagi_test {

struct welch {
  double n[2] = {0, 0}, mean[2] = {0, 0}, m2[2] = {0, 0};
  void add(int cls, double x) {
    n[cls] += 1;
    const double d = x - mean[cls];
    mean[cls] += d / n[cls];
    m2[cls] += d * (x - mean[cls]);
  }
  [[nodiscard]] double t() const {
    const double v0 = m2[0] / (n[0] - 1), v1 = m2[1] / (n[1] - 1);
    return (mean[0] - mean[1]) / std::sqrt(v0 / n[0] + v1 / n[1]);
  }
};

inline constexpr double dudect_threshold = 4.5;

// Times op(cls, i) per_class times for each class (cls 0 or 1, i a random
// index below pool, so the inputs can be prepared beforehand), in random
// order, and returns the largest |t| over the crops; each crop's t goes to
// the test log.
template <class Op>
double dudect_worst_t(const std::string& what, int per_class, std::size_t pool, test_rng& rng, Op op) {
  std::vector<int> order(2 * static_cast<std::size_t>(per_class));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i % 2);
  for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.uniform(0, i)]);
  std::vector<std::pair<int, double>> samples;
  samples.reserve(order.size());
  for (const int cls : order) {
    const std::size_t i = rng.uniform(0, pool - 1);
    const auto t0 = std::chrono::steady_clock::now();
    op(cls, i);
    const auto t1 = std::chrono::steady_clock::now();
    samples.emplace_back(cls, std::chrono::duration<double, std::nano>(t1 - t0).count());
  }
  std::vector<double> times;
  times.reserve(samples.size());
  for (const auto& s : samples) times.push_back(s.second);
  std::sort(times.begin(), times.end());
  double worst = 0;
  for (const double pct : {1.0, 0.99, 0.95, 0.9, 0.75, 0.5}) {
    const double cut = times[static_cast<std::size_t>(pct * static_cast<double>(times.size() - 1))];
    welch w;
    for (const auto& s : samples)
      if (s.second <= cut) w.add(s.first, s.second);
    const double t = w.t();
    MESSAGE(what << ", crop at " << pct * 100 << "%: t = " << t << " (means " << w.mean[0] << " / " << w.mean[1]
                 << " ns)");
    worst = std::max(worst, std::fabs(t));
  }
  return worst;
}

}  // namespace kagi_test
