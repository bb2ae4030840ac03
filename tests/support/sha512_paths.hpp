// The implementation paths of SHA-512 and SHA-384 (one compression function,
// one dispatch table), which hmac<sha384> and hmac<sha512> run on too.
#pragma once

#include <kagi/hash/sha512.hpp>

#include "paths.hpp"

namespace kagi_test {

inline const std::vector<path> sha512_paths = paths_of(kagi::detail::sha512_table);

// Runs body once on every SHA-512 path this machine has.
template <class Body>
void on_every_sha512_path(Body body) {
  for_each_path(sha512_paths, &kagi::sha512::implementation, body);
}

}  // namespace kagi_test
