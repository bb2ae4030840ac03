// kagi/core/bytes.hpp: byte spans, the "..."_hex literal, endian load/store,
// and hexadecimal text at run time.
#ifndef KAGI_CORE_BYTES_HPP
#define KAGI_CORE_BYTES_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ct.hpp"
#include "result.hpp"

namespace kagi {

using bytes_view = std::span<const std::uint8_t>;
using mutable_bytes = std::span<std::uint8_t>;

// The bytes of a string (ASCII test data, labels). Not constexpr: chars cannot
// be reinterpreted as bytes in a constant expression.
[[nodiscard]] inline bytes_view as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// ---- big- and little-endian loads and stores (constexpr; callers keep them in bounds)

[[nodiscard]] constexpr std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
[[nodiscard]] constexpr std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
[[nodiscard]] constexpr std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}
[[nodiscard]] constexpr std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | std::uint32_t{p[0]};
}
[[nodiscard]] constexpr std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  return (std::uint64_t{load_le32(p + 4)} << 32) | load_le32(p);
}
constexpr void store_be16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
constexpr void store_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
constexpr void store_be64(std::uint8_t* p, std::uint64_t v) noexcept {
  store_be32(p, static_cast<std::uint32_t>(v >> 32));
  store_be32(p + 4, static_cast<std::uint32_t>(v));
}
constexpr void store_le32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}
constexpr void store_le64(std::uint8_t* p, std::uint64_t v) noexcept {
  store_le32(p, static_cast<std::uint32_t>(v));
  store_le32(p + 4, static_cast<std::uint32_t>(v >> 32));
}

// ---- hexadecimal digits without tables or branches on the value

namespace detail {
// Value of a hex digit (either case), or a value >= 16 when c is not one.
// Branch-free so that decoding secret keys from text leaks nothing.
[[nodiscard]] constexpr std::uint32_t hex_digit_value(std::uint32_t c) noexcept {
  const std::uint32_t d = c - '0';           // '0'..'9' -> 0..9
  const std::uint32_t l = (c | 0x20u) - 'a';  // 'a'..'f' / 'A'..'F' -> 0..5
  const std::uint32_t is_d = ct::lt(d, 10u);
  const std::uint32_t is_l = ct::lt(l, 6u);
  return (is_d & d) | (is_l & (l + 10u)) | (~(is_d | is_l) & 0x100u);
}
[[nodiscard]] constexpr char hex_char(std::uint32_t n) noexcept {  // n in 0..15 -> '0'..'9','a'..'f'
  return static_cast<char>(n + '0' + (ct::lt(9u, n) & static_cast<std::uint32_t>('a' - '0' - 10)));
}

template <std::size_t N>
struct hex_literal {
  char text[N]{};
  consteval hex_literal(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
  }
  [[nodiscard]] consteval std::size_t digits() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i + 1 < N; ++i) {
      if (text[i] == ' ' || text[i] == '\n' || text[i] == '\t') continue;
      if (hex_digit_value(static_cast<unsigned char>(text[i])) >= 16) invalid_character();
      ++n;
    }
    if (n % 2 != 0) odd_number_of_digits();
    return n;
  }
  // Not constexpr: calling them makes the literal ill-formed, with this name in the error.
  static void invalid_character() {}
  static void odd_number_of_digits() {}
};
}  // namespace detail

namespace literals {
// "00ff 10"_hex -> std::array<std::uint8_t, 3>{0x00, 0xff, 0x10}, at compile time.
// Spaces, tabs and newlines are ignored; anything else that is not a hex digit,
// or an odd number of digits, is a compile-time error.
template <detail::hex_literal S>
consteval auto operator""_hex() {
  constexpr std::size_t n = S.digits() / 2;
  std::array<std::uint8_t, n> out{};
  std::size_t k = 0;
  std::uint32_t hi = 0;
  bool have_hi = false;
  for (char c : S.text) {
    if (c == '\0' || c == ' ' || c == '\n' || c == '\t') continue;
    const std::uint32_t v = detail::hex_digit_value(static_cast<unsigned char>(c));
    if (have_hi) {
      out[k++] = static_cast<std::uint8_t>((hi << 4) | v);
    } else {
      hi = v;
    }
    have_hi = !have_hi;
  }
  return out;
}
}  // namespace literals

// Lower-case hex text of some bytes.
[[nodiscard]] inline std::string to_hex(bytes_view b) {
  std::string s(b.size() * 2, '0');
  for (std::size_t i = 0; i < b.size(); ++i) {
    s[2 * i] = detail::hex_char(b[i] >> 4u);
    s[2 * i + 1] = detail::hex_char(b[i] & 15u);
  }
  return s;
}

// Decodes hex text (either case, no separators) into out. Returns the number of
// bytes written; errc::bad_hex for an odd length or a non-hex character,
// errc::buffer_too_small when out cannot hold the bytes. On error nothing
// useful is left in out. Runs in time that depends only on the lengths.
[[nodiscard]] constexpr result<std::size_t> from_hex(std::string_view text, mutable_bytes out) noexcept {
  if (text.size() % 2 != 0) return errc::bad_hex;
  const std::size_t n = text.size() / 2;
  if (out.size() < n) return errc::buffer_too_small;
  std::uint32_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t hi = detail::hex_digit_value(static_cast<unsigned char>(text[2 * i]));
    const std::uint32_t lo = detail::hex_digit_value(static_cast<unsigned char>(text[2 * i + 1]));
    bad |= (hi | lo) & 0x100u;
    out[i] = static_cast<std::uint8_t>((hi << 4) | (lo & 15u));
  }
  if (bad != 0) return errc::bad_hex;
  return n;
}

// Decodes hex text into a new vector (errc::bad_hex on bad input).
[[nodiscard]] inline result<std::vector<std::uint8_t>> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return errc::bad_hex;
  std::vector<std::uint8_t> out(text.size() / 2);
  if (auto r = from_hex(text, out); !r) return r.error();
  return out;
}

}  // namespace kagi

#endif  // KAGI_CORE_BYTES_HPP
