// kagi/encoding/pem.hpp: base64 (RFC 4648 section 4) and PEM armour (RFC 7468).
//
// Decoding is strict: only the standard alphabet, '=' padding only at the
// end and only as much as the length needs, and the unused low bits of the
// last group must be zero (so every byte string has exactly one encoding).
// Inside a PEM block, line breaks and spaces between characters are skipped;
// anything else that is not base64 (such as the "Proc-Type:" headers of
// legacy encrypted PEM) is errc::bad_base64.
//
// Characters are mapped to values without tables or branches on the value,
// so decoding private-key text does not leak the key through the cache.
// Everything is constexpr and writes into caller buffers (no heap), except
// the std::string conveniences at the end.
#ifndef KAGI_ENCODING_PEM_HPP
#define KAGI_ENCODING_PEM_HPP

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../core/result.hpp"

namespace kagi {

namespace base64 {

namespace detail {
// Value of a base64 character, or a value >= 64 when c is not one.
[[nodiscard]] constexpr std::uint32_t char_value(std::uint32_t c) noexcept {
  const std::uint32_t up = ct::lt(c - 'A', 26u), lo = ct::lt(c - 'a', 26u), dg = ct::lt(c - '0', 10u);
  const std::uint32_t plus = ct::eq(c, std::uint32_t{'+'}), slash = ct::eq(c, std::uint32_t{'/'});
  return (up & (c - 'A')) | (lo & (c - 'a' + 26)) | (dg & (c - '0' + 52)) | (plus & 62u) | (slash & 63u) |
         (~(up | lo | dg | plus | slash) & 0x100u);
}
// The character for a value 0..63.
[[nodiscard]] constexpr char value_char(std::uint32_t v) noexcept {
  const std::uint32_t c = v + 'A' + (ct::lt(25u, v) & 6u) - (ct::lt(51u, v) & 75u) - (ct::eq(v, 62u) & 15u) -
                          (ct::eq(v, 63u) & 12u);
  return static_cast<char>(c);
}
[[nodiscard]] constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
}  // namespace detail

// Characters needed to encode n bytes (with padding).
[[nodiscard]] constexpr std::size_t encoded_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

// Encodes in into out (at least encoded_size(in.size()) characters); returns
// the number written, or errc::buffer_too_small.
[[nodiscard]] constexpr result<std::size_t> encode(bytes_view in, std::span<char> out) noexcept {
  const std::size_t need = encoded_size(in.size());
  if (out.size() < need) return errc::buffer_too_small;
  std::size_t k = 0;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::size_t n = in.size() - i < 3 ? in.size() - i : 3;
    std::uint32_t g = std::uint32_t{in[i]} << 16;
    if (n > 1) g |= std::uint32_t{in[i + 1]} << 8;
    if (n > 2) g |= in[i + 2];
    out[k++] = detail::value_char((g >> 18) & 63u);
    out[k++] = detail::value_char((g >> 12) & 63u);
    out[k++] = n > 1 ? detail::value_char((g >> 6) & 63u) : '=';
    out[k++] = n > 2 ? detail::value_char(g & 63u) : '=';
  }
  return k;
}

// Decodes base64 text into out; returns the number of bytes written.
// skip_space: ignore spaces, tabs and line breaks anywhere (as in PEM bodies).
// Errors: errc::bad_base64 (a character outside the alphabet, misplaced or
// wrong padding, a length that is not a whole number of groups, non-zero
// unused bits), errc::buffer_too_small. On error out holds nothing useful.
[[nodiscard]] constexpr result<std::size_t> decode(std::string_view text, mutable_bytes out,
                                                   bool skip_space = false) noexcept {
  std::uint32_t acc = 0, bad = 0;
  unsigned nbits = 0;
  std::size_t chars = 0, pad = 0, k = 0;
  for (char ch : text) {
    if (skip_space && detail::is_space(ch)) continue;
    ++chars;
    if (ch == '=') {
      ++pad;
      continue;
    }
    if (pad != 0) return errc::bad_base64;  // data after padding
    const std::uint32_t v = detail::char_value(static_cast<unsigned char>(ch));
    bad |= v;
    acc = (acc << 6) | (v & 63u);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      if (k >= out.size()) return errc::buffer_too_small;
      out[k++] = static_cast<std::uint8_t>(acc >> nbits);
      acc &= (1u << nbits) - 1u;
    }
  }
  if (chars % 4 != 0 || pad > 2) return errc::bad_base64;
  // Data characters in the last group: 4 - pad. 2 leave 4 unused bits, 3 leave 2.
  const std::size_t tail = (chars - pad) % 4;
  if ((pad == 0 && tail != 0) || (pad == 1 && tail != 3) || (pad == 2 && tail != 2)) return errc::bad_base64;
  // Any character outside the alphabet, or unused bits that are not zero.
  if ((bad & ~std::uint32_t{63}) != 0 || acc != 0) return errc::bad_base64;
  return k;
}

// Convenience: the encoding as a std::string.
[[nodiscard]] inline std::string encode(bytes_view in) {
  std::string s(encoded_size(in.size()), '\0');
  (void)encode(in, std::span<char>(s.data(), s.size()));
  return s;
}

}  // namespace base64

namespace pem {

// A PEM block found in some text: its label ("PRIVATE KEY", "CERTIFICATE",
// ...), its base64 body (line breaks included), and the text after its END line.
struct block {
  std::string_view label;
  std::string_view body;
  std::string_view rest;
};

namespace detail {
inline constexpr std::string_view dashes = "-----";
inline constexpr std::string_view begin_marker = "-----BEGIN ";
inline constexpr std::string_view end_marker = "-----END ";

// RFC 7468 labels: printable ASCII; no leading, trailing or doubled space or hyphen.
[[nodiscard]] constexpr bool valid_label(std::string_view l) noexcept {
  for (std::size_t i = 0; i < l.size(); ++i) {
    const char c = l[i];
    if (c < 0x20 || c > 0x7e) return false;
    const bool sep = c == ' ' || c == '-';
    if (sep && (i == 0 || i + 1 == l.size() || l[i - 1] == ' ' || l[i - 1] == '-')) return false;
  }
  return true;
}

// Only spaces or tabs up to the end of the line (or of the text).
[[nodiscard]] constexpr bool rest_of_line_blank(std::string_view s) noexcept {
  for (char c : s) {
    if (c == '\n') return true;
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}
}  // namespace detail

namespace detail {
// The first block whose label accept(label) takes; errors as find's.
template <class Accept>
[[nodiscard]] constexpr result<block> find_if(std::string_view text, Accept accept) noexcept {
  bool saw_block = false;
  for (;;) {
    const std::size_t b = text.find(begin_marker);
    if (b == std::string_view::npos) return saw_block ? errc::pem_wrong_label : errc::pem_no_block;
    if (b != 0 && text[b - 1] != '\n') return errc::pem_bad_armor;  // BEGIN must start a line
    text.remove_prefix(b + begin_marker.size());
    const std::size_t label_end = text.find(dashes);
    if (label_end == std::string_view::npos) return errc::pem_bad_armor;
    const std::string_view found = text.substr(0, label_end);
    if (!valid_label(found) || found.find('\n') != std::string_view::npos) return errc::pem_bad_armor;
    text.remove_prefix(label_end + dashes.size());
    if (!rest_of_line_blank(text)) return errc::pem_bad_armor;
    const std::size_t e = text.find(end_marker);
    if (e == std::string_view::npos) return errc::pem_bad_armor;
    if (e != 0 && text[e - 1] != '\n') return errc::pem_bad_armor;  // END must start a line
    const std::string_view body = text.substr(0, e);
    std::string_view after = text.substr(e + end_marker.size());
    if (after.substr(0, found.size()) != found) return errc::pem_bad_armor;
    after.remove_prefix(found.size());
    if (after.substr(0, dashes.size()) != dashes) return errc::pem_bad_armor;
    after.remove_prefix(dashes.size());
    if (!rest_of_line_blank(after)) return errc::pem_bad_armor;
    saw_block = true;
    if (accept(found)) return block{found, body, after};
    text = after;
  }
}
}  // namespace detail

// The first PEM block in text; with a label, the first block with that label
// (other blocks are skipped). Errors: errc::pem_no_block (no BEGIN line),
// errc::pem_wrong_label (blocks, but none with the label), errc::pem_bad_armor
// (a malformed BEGIN line, or no matching END line).
[[nodiscard]] constexpr result<block> find(std::string_view text, std::string_view label = {}) noexcept {
  return detail::find_if(text, [label](std::string_view found) { return label.empty() || found == label; });
}

// The first PEM block whose label is one of labels (errors as find's).
[[nodiscard]] constexpr result<block> find_any(std::string_view text,
                                               std::initializer_list<std::string_view> labels) noexcept {
  return detail::find_if(text, [labels](std::string_view found) {
    for (std::string_view l : labels)
      if (found == l) return true;
    return false;
  });
}

// Decodes the first block with this label (any label when empty) into out;
// returns the number of bytes. Errors: those of find() and base64::decode().
[[nodiscard]] constexpr result<std::size_t> decode(std::string_view text, std::string_view label,
                                                   mutable_bytes out) noexcept {
  auto b = find(text, label);
  KAGI_TRY(b);
  return base64::decode(b->body, out, true);
}

// Convenience: a PEM block with 64-character lines. The block may hold a
// private key (rsa_private_key::to_pem): the intermediate base64 text is
// wiped before its memory is freed, and the result is sized once, so no
// reallocation leaves a copy behind; the caller wipes the result.
[[nodiscard]] inline std::string encode(std::string_view label, bytes_view der) {
  std::string b64 = base64::encode(der);
  std::string s;
  s.reserve(b64.size() + b64.size() / 64 + 2 * label.size() + 40);
  s.append(detail::begin_marker).append(label).append(detail::dashes).push_back('\n');
  for (std::size_t i = 0; i < b64.size(); i += 64) s.append(b64, i, 64).push_back('\n');
  s.append(detail::end_marker).append(label).append(detail::dashes).push_back('\n');
  secure_wipe(std::span<char>(b64.data(), b64.size()));
  return s;
}

}  // namespace pem

}  // namespace kagi

#endif  // KAGI_ENCODING_PEM_HPP
