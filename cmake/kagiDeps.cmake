# Finds a test/benchmark dependency with find_package, or fetches it when
# KAGI_FETCH_DEPS is ON and it is not installed.
include_guard(GLOBAL)

macro(kagi_find_doctest)
  find_package(doctest QUIET)
  if(NOT doctest_FOUND)
    if(KAGI_FETCH_DEPS)
      include(FetchContent)
      FetchContent_Declare(doctest GIT_REPOSITORY https://github.com/doctest/doctest.git GIT_TAG v2.4.11)
      FetchContent_MakeAvailable(doctest)
    else()
      message(FATAL_ERROR "kagi: doctest not found. Install it (Debian: apt-get install doctest-dev), "
                          "point CMAKE_PREFIX_PATH at it, configure with -DKAGI_FETCH_DEPS=ON, "
                          "or turn the tests off with -DKAGI_BUILD_TESTS=OFF.")
    endif()
  endif()
endmacro()

macro(kagi_find_benchmark)
  find_package(benchmark QUIET)
  if(NOT benchmark_FOUND)
    if(KAGI_FETCH_DEPS)
      include(FetchContent)
      set(BENCHMARK_ENABLE_TESTING OFF CACHE BOOL "" FORCE)
      FetchContent_Declare(benchmark GIT_REPOSITORY https://github.com/google/benchmark.git GIT_TAG v1.8.3)
      FetchContent_MakeAvailable(benchmark)
    else()
      message(FATAL_ERROR "kagi: Google Benchmark not found. Install it (Debian: apt-get install libbenchmark-dev), "
                          "point CMAKE_PREFIX_PATH at it, configure with -DKAGI_FETCH_DEPS=ON, "
                          "or turn the benchmarks off with -DKAGI_BUILD_BENCH=OFF.")
    endif()
  endif()
endmacro()
