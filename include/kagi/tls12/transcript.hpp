// kagi/tls12/transcript.hpp: the running hash of a handshake's messages
// (RFC 5246 section 7.4.9: every handshake message sent or received, headers
// included, HelloRequest excluded, up to the point of use).
//
// The hash is the PRF's hash of the negotiated suite (SHA-256 or SHA-384);
// the engines call current() at three points: the extended master secret's session hash
// (after ClientKeyExchange, RFC 7627 section 3) and each Finished.
#ifndef KAGI_TLS12_TRANSCRIPT_HPP
#define KAGI_TLS12_TRANSCRIPT_HPP

#include <array>
#include <cstdint>

#include "../core/bytes.hpp"
#include "../hash/sha256.hpp"
#include "../hash/sha512.hpp"
#include "messages.hpp"

namespace kagi::tls12 {

// Until the suite is known (ServerHello) both hashes run; use(h) then keeps
// only the suite's.
class transcript {
 public:
  constexpr void update(bytes_view message) noexcept {
    if (!chosen_ || use_ == prf_hash::sha256) h256_.update(message);
    if (!chosen_ || use_ == prf_hash::sha384) h384_.update(message);
  }
  constexpr void use(prf_hash h) noexcept {
    use_ = h;
    chosen_ = true;
  }
  // The hash of everything so far under Hash (the transcript goes on).
  template <class Hash>
  [[nodiscard]] constexpr typename Hash::digest current() const noexcept {
    if constexpr (Hash::digest_size == 32) {
      sha256 copy = h256_;
      return copy.finish();
    } else {
      sha384 copy = h384_;
      return copy.finish();
    }
  }

 private:
  sha256 h256_;
  sha384 h384_;
  prf_hash use_ = prf_hash::sha256;
  bool chosen_ = false;
};

}  // namespace kagi::tls12

#endif  // KAGI_TLS12_TRANSCRIPT_HPP
