// kagi/encoding/der.hpp: a strict, bounds-checked DER reader (ITU-T X.690).
//
// A reader walks a byte span one element (tag, length, contents) at a time and
// never reads outside it. Every call returns a kagi::result: a truncated
// element, an indefinite or non-minimal length, an unexpected tag, a
// non-minimal INTEGER, a negative INTEGER where a non-negative one is needed,
// a BIT STRING with padding bits set, a malformed OBJECT IDENTIFIER or bytes
// left after the end are all errors with their own code. Structures are read
// by opening a SEQUENCE (or SET, or [n] EXPLICIT) as a sub-reader:
//
//   der::reader r(spki);
//   auto seq = r.read_sequence();          // SubjectPublicKeyInfo ::= SEQUENCE {
//   auto alg = seq->read_sequence();       //   algorithm AlgorithmIdentifier,
//   auto oid = alg->read_oid();            //     ...
//   auto key = seq->read_bit_string();     //   subjectPublicKey BIT STRING }
//   seq->expect_end(); r.expect_end();
//
// Only the low-tag-number form (tag numbers 0..30) is read; that covers
// everything in keys and certificates. No crypto here, and no heap: results
// are views into the input. Everything is constexpr.
#ifndef KAGI_ENCODING_DER_HPP
#define KAGI_ENCODING_DER_HPP

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "../core/bytes.hpp"
#include "../core/result.hpp"

namespace kagi::der {

// Identifier octets (class, constructed bit and tag number) of the types read here.
inline constexpr std::uint8_t tag_integer = 0x02;
inline constexpr std::uint8_t tag_bit_string = 0x03;
inline constexpr std::uint8_t tag_octet_string = 0x04;
inline constexpr std::uint8_t tag_null = 0x05;
inline constexpr std::uint8_t tag_oid = 0x06;
inline constexpr std::uint8_t tag_sequence = 0x30;
inline constexpr std::uint8_t tag_set = 0x31;

// The identifier of a context-specific tag [number] (number 0..30):
// constructed for EXPLICIT tagging and constructed types, primitive otherwise.
[[nodiscard]] constexpr std::uint8_t context_tag(unsigned number, bool constructed = true) noexcept {
  return static_cast<std::uint8_t>(0x80u | (constructed ? 0x20u : 0u) | (number & 0x1fu));
}

// One element as read: its identifier octet, its contents, and its whole encoding
// (identifier, length and contents).
struct element {
  std::uint8_t tag = 0;
  bytes_view contents;
  bytes_view encoding;
};

// A BIT STRING's contents: the bytes (first bit is the top bit of bytes[0]) and
// how many bits of the last byte are unused (always zero bits in DER).
struct bit_string {
  bytes_view bytes;
  unsigned unused_bits = 0;
};

// True when two OBJECT IDENTIFIER contents (as read_oid returns them) are equal.
[[nodiscard]] constexpr bool oid_equal(bytes_view a, bytes_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

class reader {
 public:
  constexpr reader() noexcept = default;
  constexpr explicit reader(bytes_view input) noexcept : in_(input) {}

  [[nodiscard]] constexpr bool empty() const noexcept { return in_.empty(); }
  [[nodiscard]] constexpr std::size_t remaining() const noexcept { return in_.size(); }
  // The bytes not read yet.
  [[nodiscard]] constexpr bytes_view rest() const noexcept { return in_; }

  // True when the next element's identifier octet is tag (false at the end).
  // For OPTIONAL and DEFAULT fields.
  [[nodiscard]] constexpr bool peek(std::uint8_t tag) const noexcept { return !in_.empty() && in_[0] == tag; }

  // Reads the next element, whatever its tag.
  [[nodiscard]] constexpr result<element> read_element() noexcept {
    if (in_.empty()) return errc::der_truncated;
    const std::uint8_t tag = in_[0];
    if ((tag & 0x1fu) == 0x1fu) return errc::der_unexpected_tag;  // high-tag-number form
    // Universal tag 0 is BER's end-of-contents marker, never an element of
    // DER (X.690 8.1.5); the x509 fuzz target found one taken as parameters.
    if ((tag & 0xdfu) == 0) return errc::der_unexpected_tag;
    if (in_.size() < 2) return errc::der_truncated;
    std::size_t at = 2;
    std::size_t len = in_[1];
    if (len == 0x80) return errc::der_bad_length;  // indefinite length: BER, not DER
    if (len > 0x80) {
      const std::size_t n = len & 0x7fu;
      if (n > 4) return errc::der_bad_length;  // over 4 GiB: nothing kagi reads is that long
      if (in_.size() < 2 + n) return errc::der_truncated;
      if (in_[2] == 0) return errc::der_bad_length;  // leading zero byte: not minimal
      len = 0;
      for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in_[2 + i];
      if (len < 0x80) return errc::der_bad_length;  // fits the short form
      at = 2 + n;
    }
    if (len > in_.size() - at) return errc::der_truncated;
    element e;
    e.tag = tag;
    e.contents = in_.subspan(at, len);
    e.encoding = in_.first(at + len);
    in_ = in_.subspan(at + len);
    return e;
  }

  // Reads the next element, which must have this tag; returns its contents.
  // On an error nothing is consumed.
  [[nodiscard]] constexpr result<bytes_view> read(std::uint8_t tag) noexcept {
    reader copy = *this;
    auto e = copy.read_element();
    KAGI_TRY(e);
    if (e->tag != tag) return errc::der_unexpected_tag;
    *this = copy;
    return e->contents;
  }

  // A constructed element's contents as a reader: SEQUENCE, SET, [n] EXPLICIT.
  [[nodiscard]] constexpr result<reader> read_constructed(std::uint8_t tag) noexcept {
    auto c = read(tag);
    KAGI_TRY(c);
    return reader(*c);
  }
  [[nodiscard]] constexpr result<reader> read_sequence() noexcept { return read_constructed(tag_sequence); }
  [[nodiscard]] constexpr result<reader> read_set() noexcept { return read_constructed(tag_set); }

  // An INTEGER's contents as written (two's complement, big-endian), checked
  // to be non-empty and minimal.
  [[nodiscard]] constexpr result<bytes_view> read_integer_raw() noexcept {
    reader copy = *this;
    auto c = copy.read(tag_integer);
    KAGI_TRY(c);
    const bytes_view v = *c;
    if (v.empty()) return errc::der_bad_integer;
    if (v.size() > 1 && ((v[0] == 0x00 && v[1] < 0x80) || (v[0] == 0xff && v[1] >= 0x80))) return errc::der_bad_integer;
    *this = copy;
    return v;
  }

  // A non-negative INTEGER's magnitude, big-endian, without the sign byte
  // (empty for zero). A negative INTEGER is errc::der_negative_integer.
  [[nodiscard]] constexpr result<bytes_view> read_integer() noexcept {
    reader copy = *this;
    auto v = copy.read_integer_raw();
    KAGI_TRY(v);
    if ((*v)[0] & 0x80u) return errc::der_negative_integer;
    *this = copy;
    return (*v)[0] == 0 ? v->subspan(1) : *v;
  }

  // A non-negative INTEGER that fits in 64 bits (versions, small exponents).
  [[nodiscard]] constexpr result<std::uint64_t> read_small_integer() noexcept {
    reader copy = *this;
    auto v = copy.read_integer();
    KAGI_TRY(v);
    if (v->size() > 8) return errc::der_integer_too_large;
    std::uint64_t x = 0;
    for (std::uint8_t b : *v) x = (x << 8) | b;
    *this = copy;
    return x;
  }

  // A BIT STRING with its unused-bits count (0..7; zero when empty; the
  // unused bits themselves must be zero).
  [[nodiscard]] constexpr result<bit_string> read_bit_string_bits() noexcept {
    reader copy = *this;
    auto c = copy.read(tag_bit_string);
    KAGI_TRY(c);
    auto b = bit_string_contents(*c);
    KAGI_TRY(b);
    *this = copy;
    return b;
  }

  // A BIT STRING's contents (also under an IMPLICIT tag), checked as DER
  // requires: an unused-bits count of 0..7 (0 when there are no bits) and
  // those bits zero; errc::der_bad_bit_string otherwise.
  [[nodiscard]] static constexpr result<bit_string> bit_string_contents(bytes_view v) noexcept {
    if (v.empty()) return errc::der_bad_bit_string;
    const unsigned unused = v[0];
    if (unused > 7 || (v.size() == 1 && unused != 0)) return errc::der_bad_bit_string;
    if (unused != 0 && (v[v.size() - 1] & ((1u << unused) - 1u)) != 0) return errc::der_bad_bit_string;
    return bit_string{v.subspan(1), unused};
  }

  // A BIT STRING of whole bytes (no unused bits), as keys are: its bytes.
  [[nodiscard]] constexpr result<bytes_view> read_bit_string() noexcept {
    reader copy = *this;
    auto b = copy.read_bit_string_bits();
    KAGI_TRY(b);
    if (b->unused_bits != 0) return errc::der_bad_bit_string;
    *this = copy;
    return b->bytes;
  }

  [[nodiscard]] constexpr result<bytes_view> read_octet_string() noexcept { return read(tag_octet_string); }

  // An OBJECT IDENTIFIER's contents (compare with oid_equal), checked to be
  // non-empty, to end on a complete sub-identifier, and to have no
  // sub-identifier with a leading 0x80 byte.
  [[nodiscard]] constexpr result<bytes_view> read_oid() noexcept {
    reader copy = *this;
    auto c = copy.read(tag_oid);
    KAGI_TRY(c);
    const bytes_view v = *c;
    if (v.empty() || (v[v.size() - 1] & 0x80u) != 0) return errc::der_bad_oid;
    bool start = true;
    for (std::uint8_t b : v) {
      if (start && b == 0x80) return errc::der_bad_oid;
      start = (b & 0x80u) == 0;
    }
    *this = copy;
    return v;
  }

  [[nodiscard]] constexpr status read_null() noexcept {
    reader copy = *this;
    auto c = copy.read(tag_null);
    KAGI_TRY(c);
    if (!c->empty()) return errc::der_bad_null;
    *this = copy;
    return {};
  }

  // Everything has been read (errc::der_trailing_data otherwise).
  [[nodiscard]] constexpr status expect_end() const noexcept {
    if (!in_.empty()) return errc::der_trailing_data;
    return {};
  }

 private:
  bytes_view in_;
};

// Reads input that is exactly one SEQUENCE: body(reader) reads its fields and
// returns a result; then nothing may be left in the SEQUENCE (or after it).
// Errors in that order: the SEQUENCE's, body's, der_trailing_data.
//   return der::parse_sequence(in, [](der::reader& seq) -> result<parts> { ... });
template <class Body>
[[nodiscard]] constexpr auto parse_sequence(bytes_view input, Body body) noexcept
    -> decltype(body(std::declval<reader&>())) {
  reader top(input);
  auto seq = top.read_sequence();
  KAGI_TRY(seq);
  auto r = body(*seq);
  KAGI_TRY(r);
  KAGI_TRY(seq->expect_end());
  KAGI_TRY(top.expect_end());
  return r;
}

}  // namespace kagi::der

#endif  // KAGI_ENCODING_DER_HPP
