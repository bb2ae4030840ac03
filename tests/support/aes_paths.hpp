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

// AES-GCM: the portable path and each kernel, from the fastest down; a path is
// reached by switching off what the faster ones need.
inline const std::initializer_list<path> gcm_paths = {
    portable_path,
#if KAGI_X86
    {"aesni-pclmul", kagi::detail::gcm_aesni_needs, kagi::cpu::vaes | kagi::cpu::vpclmul},
    {"vaes-avx2", kagi::detail::gcm_vaes_avx2_needs, kagi::cpu::avx512_all},
    {"vaes-avx512", kagi::detail::gcm_vaes_avx512_needs, 0},
#endif
};

// Runs body once on every AES-GCM path this machine has.
template <class Body>
void on_every_gcm_path(Body body) {
  for_each_path(gcm_paths, &kagi::aes128_gcm::implementation, body);
}

}  // namespace kagi_test
