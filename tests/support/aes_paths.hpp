// The implementation paths of AES (block functions) and AES-GCM, which the
// TLS record layer runs on too.
#pragma once

#include <kagi/cipher/aes.hpp>
#include <kagi/cipher/gcm.hpp>

#include "paths.hpp"

namespace kagi_test {

inline const std::vector<path> aes_paths = paths_of(kagi::detail::aes_table<kagi::aes128::rounds>);

// Runs body once on every AES block path this machine has.
template <class Body>
void on_every_aes_path(Body body) {
  for_each_path(aes_paths, &kagi::aes128::implementation, body);
}

// AES-GCM: every row of its dispatch table, portable first.
inline const std::vector<path> gcm_paths = paths_of(kagi::detail::gcm_table<kagi::aes128::rounds>);

// Runs body once on every AES-GCM path this machine has.
template <class Body>
void on_every_gcm_path(Body body) {
  for_each_path(gcm_paths, &kagi::aes128_gcm::implementation, body);
}

}  // namespace kagi_test
