// The implementation paths of SHA-256, which HMAC, HMAC_DRBG and the TLS PRF
// run on too.
#pragma once

#include <kagi/hash/sha256.hpp>

#include "paths.hpp"

namespace kagi_test {

inline const std::vector<path> sha256_paths = paths_of(kagi::detail::sha256_table);

// Runs body once on every SHA-256 path this machine has.
template <class Body>
void on_every_sha256_path(Body body) {
  for_each_path(sha256_paths, &kagi::sha256::implementation, body);
}

}  // namespace kagi_test
