// kagi/tls12/transcript.hpp: the running hash of a handshake's messages
// (RFC 5246 section 7.4.9: every handshake message sent or received, headers
// included, HelloRequest excluded, up to the point of use).
//
// The hash is the PRF's hash of the negotiated suite; the engines call
// current() at three points: the extended master secret's session hash
// (after ClientKeyExchange, RFC 7627 section 3) and each Finished.
#ifndef KAGI_TLS12_TRANSCRIPT_HPP
#define KAGI_TLS12_TRANSCRIPT_HPP

#include <array>
#include <cstdint>

#include "../core/bytes.hpp"
#include "../hash/sha256.hpp"

namespace kagi::tls12 {

class transcript {
 public:
  using digest = sha256::digest;

  constexpr void update(bytes_view message) noexcept { h_.update(message); }
  // The hash of everything so far (the transcript goes on).
  [[nodiscard]] constexpr digest current() const noexcept {
    sha256 copy = h_;
    return copy.finish();
  }

 private:
  sha256 h_;
};

}  // namespace kagi::tls12

#endif  // KAGI_TLS12_TRANSCRIPT_HPP
