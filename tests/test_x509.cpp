#include <doctest/doctest.h>
#include <kagi/x509/verify.hpp>
TEST_CASE("placeholder") {}
