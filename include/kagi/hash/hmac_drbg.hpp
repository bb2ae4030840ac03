// kagi/hash/hmac_drbg.hpp: HMAC_DRBG with SHA-256 (NIST SP 800-90A Rev. 1,
// section 10.1.2), without prediction resistance.
//
// Deterministic: the same seed gives the same bytes, at run time and in
// constant expressions. kagi uses it for tests, examples and compile-time
// randomness; seeded from system_random it is also a sound CSPRNG.
#ifndef KAGI_HASH_HMAC_DRBG_HPP
#define KAGI_HASH_HMAC_DRBG_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../core/random.hpp"
#include "../core/result.hpp"
#include "hmac.hpp"

namespace kagi {

class hmac_drbg {
 public:
  // SP 800-90A table 2 for SHA-256.
  static constexpr std::size_t security_strength = 32;        // bytes (256 bits)
  static constexpr std::size_t min_entropy = security_strength;  // bytes of entropy input
  static constexpr std::size_t max_request = 1u << 16;        // bytes per generate (2^19 bits)
  static constexpr std::uint64_t reseed_interval = std::uint64_t{1} << 48;

  // Instantiate (10.1.2.3). Entropy shorter than min_entropy leaves the DRBG
  // unseeded: generate() then answers errc::not_seeded and fill() stops.
  constexpr explicit hmac_drbg(bytes_view entropy, bytes_view nonce = {}, bytes_view personalization = {}) noexcept {
    for (auto& b : k_) b = 0x00;
    for (auto& b : v_) b = 0x01;
    seeded_ = entropy.size() >= min_entropy;
    update({entropy, nonce, personalization});
    reseed_counter_ = 1;
  }

  constexpr hmac_drbg(const hmac_drbg&) noexcept = default;
  constexpr hmac_drbg& operator=(const hmac_drbg&) noexcept = default;
  constexpr ~hmac_drbg() {
    secure_wipe(k_);
    secure_wipe(v_);
  }

  // Reseed (10.1.2.4). Entropy shorter than min_entropy is refused
  // (errc::not_seeded) and the state is left as it was.
  [[nodiscard]] constexpr status reseed(bytes_view entropy, bytes_view additional = {}) noexcept {
    if (entropy.size() < min_entropy) return errc::not_seeded;
    update({entropy, additional});
    reseed_counter_ = 1;
    seeded_ = true;
    return {};
  }

  // Generate (10.1.2.5): fills out. Errors: errc::request_too_large over
  // max_request bytes, errc::reseed_required after reseed_interval requests,
  // errc::not_seeded when instantiated with too little entropy. On error out
  // is zeroed and the state is unchanged.
  [[nodiscard]] constexpr status generate(mutable_bytes out, bytes_view additional = {}) noexcept {
    errc e = errc::ok;
    if (!seeded_) e = errc::not_seeded;
    else if (out.size() > max_request) e = errc::request_too_large;
    else if (reseed_counter_ > reseed_interval) e = errc::reseed_required;
    if (e != errc::ok) {
      for (auto& b : out) b = 0;
      return e;
    }
    if (!additional.empty()) update({additional});
    hmac_sha256 h(k_);
    for (std::size_t done = 0; done < out.size(); done += v_.size()) {
      h.update(v_);
      h.finish(v_);
      const std::size_t n = out.size() - done < v_.size() ? out.size() - done : v_.size();
      for (std::size_t i = 0; i < n; ++i) out[done + i] = v_[i];
    }
    update({additional});
    ++reseed_counter_;
    return {};
  }

  // The random_source interface: any length, in max_request pieces. A DRBG
  // that cannot generate (unseeded, or due for a reseed) stops the program
  // with a message; in a constant expression that is a compile-time error.
  constexpr void fill(mutable_bytes out) noexcept {
    while (!out.empty()) {
      const std::size_t n = out.size() < max_request ? out.size() : max_request;
      if (!generate(out.first(n))) detail::fatal("hmac_drbg::fill: the DRBG is unseeded or needs a reseed");
      out = out.subspan(n);
    }
  }

 private:
  // HMAC_DRBG_Update (10.1.2.2) with provided_data given in pieces.
  constexpr void update(std::initializer_list<bytes_view> data) noexcept {
    bool empty = true;
    for (auto d : data) empty = empty && d.empty();
    for (std::uint8_t round = 0; round < 2; ++round) {
      hmac_sha256 h(k_);
      h.update(v_);
      const std::uint8_t sep[1] = {round};
      h.update(sep);
      for (auto d : data) h.update(d);
      h.finish(k_);
      hmac_sha256 hv(k_);
      hv.update(v_);
      hv.finish(v_);
      if (empty) break;
    }
  }

  std::array<std::uint8_t, 32> k_{};
  std::array<std::uint8_t, 32> v_{};
  std::uint64_t reseed_counter_ = 0;
  bool seeded_ = false;
};

static_assert(random_source<hmac_drbg>);

}  // namespace kagi

#endif  // KAGI_HASH_HMAC_DRBG_HPP
