// kagi/encoding/der_writer.hpp: a small DER writer (ITU-T X.690) for the
// encodings kagi exports (keys: encoding/keys.hpp).
//
// A writer appends to a caller buffer and keeps counting past its end, so
// one pass both writes and measures: fits() says whether everything went in,
// size() how long the encoding is. DER needs each length before the
// contents, so callers compute the lengths of nested elements first with
// header_size() and integer_size(). No heap; constexpr.
//
//   der::writer w(out);
//   w.header(der::tag_sequence, der::writer::integer_size(n) + der::writer::integer_size(e));
//   w.integer(n);
//   w.integer(e);
//   if (!w.fits()) return errc::buffer_too_small;
#ifndef KAGI_ENCODING_DER_WRITER_HPP
#define KAGI_ENCODING_DER_WRITER_HPP

#include <cstddef>
#include <cstdint>

#include "../core/bytes.hpp"
#include "der.hpp"

namespace kagi::der {

class writer {
 public:
  constexpr explicit writer(mutable_bytes out) noexcept : out_(out) {}

  constexpr void put(std::uint8_t b) noexcept {
    if (at_ < out_.size()) out_[at_] = b;
    ++at_;
  }
  constexpr void put(bytes_view b) noexcept {
    for (auto x : b) put(x);
  }
  // Identifier and length octets (definite, minimal).
  constexpr void header(std::uint8_t tag, std::size_t len) noexcept {
    put(tag);
    if (len < 0x80) {
      put(static_cast<std::uint8_t>(len));
      return;
    }
    std::size_t bytes = 0;
    for (std::size_t v = len; v != 0; v >>= 8) ++bytes;
    put(static_cast<std::uint8_t>(0x80 | bytes));
    for (std::size_t i = bytes; i-- > 0;) put(static_cast<std::uint8_t>(len >> (8 * i)));
  }
  // INTEGER from a big-endian magnitude without leading zeros (empty for 0).
  constexpr void integer(bytes_view mag) noexcept {
    const bool pad = mag.empty() || (mag[0] & 0x80u) != 0;
    header(tag_integer, mag.size() + (pad ? 1 : 0));
    if (pad) put(0);
    put(mag);
  }
  // A whole element: identifier, length, contents.
  constexpr void element(std::uint8_t tag, bytes_view contents) noexcept {
    header(tag, contents.size());
    put(contents);
  }

  // Bytes written so far, counting those that did not fit.
  [[nodiscard]] constexpr std::size_t size() const noexcept { return at_; }
  [[nodiscard]] constexpr bool fits() const noexcept { return at_ <= out_.size(); }

  // Sizes of identifier and length octets for contents of len bytes, and of
  // a whole element.
  [[nodiscard]] static constexpr std::size_t header_size(std::size_t len) noexcept {
    if (len < 0x80) return 2;
    std::size_t n = 2;  // tag, 0x80 | count, then the length's bytes
    for (std::size_t v = len; v != 0; v >>= 8) ++n;
    return n;
  }
  [[nodiscard]] static constexpr std::size_t element_size(std::size_t len) noexcept { return header_size(len) + len; }
  [[nodiscard]] static constexpr std::size_t integer_size(bytes_view mag) noexcept {
    return element_size(mag.size() + ((mag.empty() || (mag[0] & 0x80u) != 0) ? 1 : 0));
  }

 private:
  mutable_bytes out_;
  std::size_t at_ = 0;
};

}  // namespace kagi::der

#endif  // KAGI_ENCODING_DER_WRITER_HPP
