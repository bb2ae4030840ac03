// KAGI_CHECK_CONSTEXPR(expr): a known answer checked twice, as a static_assert
// at compile time and as a doctest CHECK at run time (where the fastest kernel
// runs), after Boost.Hash2's test/sha1_cx.cpp.
#pragma once

#include <doctest/doctest.h>

#define KAGI_CHECK_CONSTEXPR(...) \
  do {                            \
    static_assert(__VA_ARGS__);   \
    CHECK(__VA_ARGS__);           \
  } while (0)
