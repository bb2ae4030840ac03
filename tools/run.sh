#!/bin/sh
# kagi's two jobs, for a fresh Debian 12 machine (run as root to install what is missing):
#
#   sh tools/run.sh main   build, run examples/session_keys and a short throughput summary
#   sh tools/run.sh test   the whole test suite: g++ and clang++ with -Werror, ASan+UBSan,
#                          the valgrind constant-time label (ct) at -O2 and -O3 with both compilers,
#                          every libFuzzer target for a bounded time (label fuzz), packaging,
#                          example and benchmark smoke runs, and the unit label cross-compiled for
#                          AArch64 (run under qemu)
#
# Build trees go to build/<name>. JOBS sets the build parallelism (default: all cores).
set -eu
cd "$(dirname "$0")/.."
job=${1:-}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

install_missing() {
  missing=""
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing="$missing $p"; fi
  done
  [ -z "$missing" ] && return 0
  echo "== installing:$missing"
  if [ "$(id -u)" -ne 0 ]; then
    echo "kagi: missing Debian packages:$missing; run as root or install them first" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing
}

# Prints a stage's title with the time, so a slow stage shows in the log.
stage() { echo "== $* ($(date -u +%H:%M:%S) UTC)"; }

configure_build() {  # configure_build <dir> <c++ compiler> [cmake args...]
  dir=$1; cxx=$2; shift 2
  cmake -S . -B "build/$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" "$@"
  cmake --build "build/$dir" -j "$jobs"
}

case "$job" in
  main)
    install_missing ca-certificates cmake ninja-build g++ libssl-dev libbenchmark-dev
    configure_build main g++ -DKAGI_BUILD_TESTS=OFF -DKAGI_OPENSSL=ON
    echo "== examples/session_keys"
    build/main/examples/session_keys
    echo "== throughput summary: kagi against OpenSSL in one run (AES-128-GCM with 13 bytes of AAD; medians of 3)"
    build/main/bench/kagi_bench \
      --benchmark_filter='^(aes128_gcm_(encrypt|decrypt)/(kagi|openssl)/(64|1024|16384)|(x25519|p256)_shared/(kagi|openssl))$' \
      --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_enable_random_interleaving=true \
      --kagi_summary='.'
    ;;
  test)
    # libclang-rt-dev: clang's runtimes (ASan, UBSan, libFuzzer), which clang only recommends.
    install_missing ca-certificates cmake ninja-build g++ clang libclang-rt-dev libssl-dev openssl doctest-dev \
      libbenchmark-dev nlohmann-json3-dev valgrind g++-aarch64-linux-gnu qemu-user
    strict="-DKAGI_WERROR=ON -DKAGI_OPENSSL=ON"
    # Debug information doubles g++'s compile time on kagi's kernels; the test
    # builds leave it out (the fuzz build keeps line tables for its crash reports).
    stage "g++: build, unit tests, constant-time tests (valgrind; the ct programs at -O2 and -O3)"
    # shellcheck disable=SC2086
    configure_build gcc g++ $strict -DKAGI_CT_TESTS=ON "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -DNDEBUG"
    (cd build/gcc && ctest -j "$jobs" --output-on-failure)
    build/gcc/examples/session_keys > /dev/null
    build/gcc/bench/kagi_bench --benchmark_min_time=0.001 > /dev/null
    # The clang, sanitizer and AArch64 builds are there for warnings, UB, memory
    # errors and portability, not speed: -O1 keeps their compile time down.
    light="-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -DNDEBUG"
    lines="-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"  # with line tables, for fuzz crash reports
    stage "clang++: build, unit tests, constant-time tests (the ct programs at -O2 and -O3)"
    # shellcheck disable=SC2086
    configure_build clang clang++ $strict -DKAGI_CT_TESTS=ON "$light"
    (cd build/clang && ctest -j "$jobs" --output-on-failure -L 'unit|ct')
    stage "g++ with ASan+UBSan: unit tests"
    # shellcheck disable=SC2086
    # (No line tables here: doctest names the file and line of a failed check, and
    # ASan's reports name the functions; the stage is the longest after g++'s.)
    configure_build asan g++ $strict -DKAGI_SANITIZE=ON -DKAGI_BUILD_BENCH=OFF -DKAGI_BUILD_EXAMPLES=OFF "$light"
    (cd build/asan && ctest -j "$jobs" --output-on-failure -L unit)
    stage "clang++ libFuzzer with ASan+UBSan: every fuzz target for 12 s on its committed corpus"
    # shellcheck disable=SC2086
    configure_build fuzz clang++ $strict -DKAGI_BUILD_FUZZERS=ON -DKAGI_BUILD_TESTS=OFF -DKAGI_BUILD_BENCH=OFF \
      -DKAGI_BUILD_EXAMPLES=OFF "$lines"
    (cd build/fuzz && ctest -j "$jobs" --output-on-failure -L fuzz)
    stage "AArch64 (g++-aarch64-linux-gnu, run under qemu-aarch64): unit tests on the portable paths"
    # shellcheck disable=SC2086
    configure_build aarch64 aarch64-linux-gnu-g++ -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
      -DKAGI_WERROR=ON -DKAGI_OPENSSL=OFF -DKAGI_CT_TESTS=OFF -DKAGI_BUILD_BENCH=OFF -DKAGI_BUILD_EXAMPLES=OFF "$light"
    (cd build/aarch64 && ctest -j "$jobs" --output-on-failure -L unit)
    stage "all test runs passed"
    ;;
  *)
    echo "usage: sh tools/run.sh main|test" >&2
    exit 2
    ;;
esac
