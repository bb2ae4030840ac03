// kagi/tls12/keylog.hpp: NSS key log lines, so that a capture of a kagi
// connection can be decrypted (Wireshark's "(Pre)-Master-Secret log", and
// OpenSSL's -keylogfile and SSLKEYLOGFILE write the same format):
//
//   CLIENT_RANDOM <64 hex digits: ClientHello.random> <96 hex digits: master secret>
//
// The engines hand each line to a key_logger the caller configures; nothing
// is logged unless one is set. A key log holds the master secret: anyone with
// it reads the whole connection. key_logger can also watch the other secrets
// of a handshake (pre-master, key block, keys), for walk-throughs and tests.
#ifndef KAGI_TLS12_KEYLOG_HPP
#define KAGI_TLS12_KEYLOG_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "../core/bytes.hpp"
#include "codec.hpp"

namespace kagi::tls12 {

inline constexpr std::string_view keylog_label = "CLIENT_RANDOM";
inline constexpr std::size_t keylog_line_size = 13 + 1 + 64 + 1 + 96;  // without a newline

namespace detail {
// A lower-case hex digit by arithmetic, not a table lookup: the master secret
// must not index memory (a cache-timing leak), even in a debugging aid.
[[nodiscard]] constexpr char hex_digit(unsigned v) noexcept {
  // v + '0', plus ('a' - '0' - 10) when v > 9 (the mask is all ones then).
  const unsigned above_nine = 0u - ((9u - v) >> 8 & 1u);
  return static_cast<char>(v + '0' + (above_nine & static_cast<unsigned>('a' - '0' - 10)));
}
}  // namespace detail

// The key log line of a connection (lower-case hex, no newline). It holds the
// master secret: the caller wipes it when done (secure_wipe).
[[nodiscard]] constexpr std::array<char, keylog_line_size> keylog_line(const random& client_random,
                                                                      std::span<const std::uint8_t, 48> master) noexcept {
  std::array<char, keylog_line_size> line{};
  std::size_t at = 0;
  for (char c : keylog_label) line[at++] = c;
  line[at++] = ' ';
  for (std::uint8_t b : client_random) line[at++] = detail::hex_digit(b >> 4u), line[at++] = detail::hex_digit(b & 15u);
  line[at++] = ' ';
  for (std::uint8_t b : master) line[at++] = detail::hex_digit(b >> 4u), line[at++] = detail::hex_digit(b & 15u);
  return line;
}

// Receives the key log line of each handshake (and, if it wants them, the
// other secrets, labelled "pre_master_secret", "master_secret", "key_block",
// "client_write_key", "server_write_key", "client_write_iv",
// "server_write_iv", "client_verify_data", "server_verify_data").
class key_logger {
 public:
  constexpr key_logger() noexcept = default;
  constexpr key_logger(const key_logger&) noexcept = default;
  constexpr key_logger& operator=(const key_logger&) noexcept = default;
  constexpr virtual ~key_logger() = default;

  // One NSS key log line (no newline).
  constexpr virtual void log(std::string_view line) = 0;
  // A named secret of the handshake; the default ignores it.
  constexpr virtual void secret(std::string_view /*name*/, bytes_view /*value*/) {}
};

}  // namespace kagi::tls12

#endif  // KAGI_TLS12_KEYLOG_HPP
