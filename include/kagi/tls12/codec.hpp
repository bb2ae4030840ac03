// kagi/tls12/codec.hpp: the wire vocabulary of TLS 1.2 (RFC 5246) and a
// bounds-checked reader and writer for its messages.
//
//   record      = type(1) || version(2) || length(2) || fragment         section 6.2
//   handshake   = msg_type(1) || length(3) || body                       section 7.4
//   vector<a..b> = length (1, 2 or 3 bytes, as b needs) || a..b bytes    section 4.3
//   alert       = level(1) || description(1)                             section 7.2
//
// reader never reads past its input: every read checks the length first and a
// failed read leaves the reader empty and in error, so a parser can read a
// whole structure and check once. writer never writes past its buffer: a write
// that does not fit sets a sticky error (errc::buffer_too_small) and writes
// nothing more. Both are constexpr and allocate nothing.
//
// to_alert(errc) is the one mapping from kagi's error codes to the alert a
// TLS connection sends when it fails with that code.
#ifndef KAGI_TLS12_CODEC_HPP
#define KAGI_TLS12_CODEC_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../core/bytes.hpp"
#include "../core/result.hpp"

namespace kagi::tls12 {

// ---- versions and records

inline constexpr std::uint16_t ssl30_version = 0x0300;
inline constexpr std::uint16_t tls10_version = 0x0301;
inline constexpr std::uint16_t tls11_version = 0x0302;
inline constexpr std::uint16_t tls12_version = 0x0303;
inline constexpr std::uint16_t tls13_version = 0x0304;

enum class content_type : std::uint8_t {
  change_cipher_spec = 20,
  alert = 21,
  handshake = 22,
  application_data = 23,
};

inline constexpr std::size_t record_header_size = 5;
inline constexpr std::size_t max_plaintext_length = std::size_t{1} << 14;           // RFC 5246 6.2.1
inline constexpr std::size_t max_ciphertext_length = (std::size_t{1} << 14) + 2048;  // RFC 5246 6.2.3

// ---- handshake messages

using random = std::array<std::uint8_t, 32>;  // ClientHello.random, ServerHello.random

enum class handshake_type : std::uint8_t {
  hello_request = 0,
  client_hello = 1,
  server_hello = 2,
  certificate = 11,
  server_key_exchange = 12,
  certificate_request = 13,
  server_hello_done = 14,
  certificate_verify = 15,
  client_key_exchange = 16,
  finished = 20,
};

inline constexpr std::size_t handshake_header_size = 4;

// ---- alerts (RFC 5246 section 7.2, RFC 5746, RFC 6066, RFC 7301)

enum class alert_level : std::uint8_t { warning = 1, fatal = 2 };

enum class alert_description : std::uint8_t {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  record_overflow = 22,
  handshake_failure = 40,
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_revoked = 44,
  certificate_expired = 45,
  certificate_unknown = 46,
  illegal_parameter = 47,
  unknown_ca = 48,
  access_denied = 49,
  decode_error = 50,
  decrypt_error = 51,
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  inappropriate_fallback = 86,
  user_canceled = 90,
  no_renegotiation = 100,
  unsupported_extension = 110,
  unrecognized_name = 112,
};

// The alert's name as the RFCs spell it ("unknown" for another value).
[[nodiscard]] constexpr std::string_view alert_name(alert_description d) noexcept {
  switch (d) {
    case alert_description::close_notify: return "close_notify";
    case alert_description::unexpected_message: return "unexpected_message";
    case alert_description::bad_record_mac: return "bad_record_mac";
    case alert_description::record_overflow: return "record_overflow";
    case alert_description::handshake_failure: return "handshake_failure";
    case alert_description::bad_certificate: return "bad_certificate";
    case alert_description::unsupported_certificate: return "unsupported_certificate";
    case alert_description::certificate_revoked: return "certificate_revoked";
    case alert_description::certificate_expired: return "certificate_expired";
    case alert_description::certificate_unknown: return "certificate_unknown";
    case alert_description::illegal_parameter: return "illegal_parameter";
    case alert_description::unknown_ca: return "unknown_ca";
    case alert_description::access_denied: return "access_denied";
    case alert_description::decode_error: return "decode_error";
    case alert_description::decrypt_error: return "decrypt_error";
    case alert_description::protocol_version: return "protocol_version";
    case alert_description::insufficient_security: return "insufficient_security";
    case alert_description::internal_error: return "internal_error";
    case alert_description::inappropriate_fallback: return "inappropriate_fallback";
    case alert_description::user_canceled: return "user_canceled";
    case alert_description::no_renegotiation: return "no_renegotiation";
    case alert_description::unsupported_extension: return "unsupported_extension";
    case alert_description::unrecognized_name: return "unrecognized_name";
  }
  return "unknown";
}

// The fatal alert a connection sends when it fails with error e. Every code
// maps somewhere: the protocol's own codes to the alert RFC 5246 names for
// that failure, malformed encodings inside handshake messages (DER in a
// certificate, a key) to decode_error or bad_certificate, refused keys and
// signatures to the alerts the RFCs give, and misuse of the API or a failure
// of the machine (no randomness, a buffer too small) to internal_error.
[[nodiscard]] constexpr alert_description to_alert(errc e) noexcept {
  switch (group(e)) {
    case errc_group::none:
    case errc_group::general:
      return alert_description::internal_error;
    case errc_group::encoding:
      return alert_description::decode_error;
    case errc_group::crypto:
      // A signature (RSA, ECDSA) or MAC that does not verify (RFC 5246 7.2.2: decrypt_error).
      return e == errc::rsa_fault_detected ? alert_description::internal_error : alert_description::decrypt_error;
    case errc_group::key:
      // A peer's key kagi cannot use: its certificate is the problem.
      return alert_description::unsupported_certificate;
    case errc_group::x509:
      // RFC 5246 7.2.2, alert by alert.
      switch (e) {
        case errc::x509_expired:  // "a certificate has expired or is not currently valid"
        case errc::x509_not_yet_valid: return alert_description::certificate_expired;
        case errc::x509_unknown_issuer:  // "the CA certificate could not be located or ... matched with a known, trusted CA"
          return alert_description::unknown_ca;
        case errc::x509_unsupported_algorithm:  // "a certificate was of an unsupported type"
        case errc::x509_unknown_critical_extension: return alert_description::unsupported_certificate;
        case errc::x509_name_mismatch:  // "some other (unspecified) issue ... rendering it unacceptable":
        case errc::x509_bad_key_usage:  // a sound certificate, but not for this host or this use
          return alert_description::certificate_unknown;
        case errc::x509_malformed:  // "a certificate was corrupt, contained signatures that did not verify ..."
        case errc::x509_duplicate_extension:
        case errc::x509_no_certificate:
        case errc::x509_bad_signature:
        case errc::x509_not_a_ca:
        case errc::x509_path_too_long:
        case errc::x509_name_constraint_violated:
        default: return alert_description::bad_certificate;
      }
    case errc_group::tls:
      break;
  }
  switch (e) {
    case errc::bad_record_mac: return alert_description::bad_record_mac;
    case errc::record_overflow: return alert_description::record_overflow;
    case errc::sequence_number_exhausted: return alert_description::internal_error;
    case errc::tls_truncated:
    case errc::tls_trailing_data:
    case errc::tls_decode_error: return alert_description::decode_error;
    case errc::tls_unsupported_group:
    case errc::tls_bad_public_key:
    case errc::tls_illegal_parameter: return alert_description::illegal_parameter;
    case errc::tls_unexpected_message:
    case errc::tls_too_many_empty_records: return alert_description::unexpected_message;
    case errc::tls_protocol_version: return alert_description::protocol_version;
    case errc::tls_handshake_failure:
    case errc::tls_no_extended_master_secret: return alert_description::handshake_failure;
    case errc::tls_unsupported_extension: return alert_description::unsupported_extension;
    case errc::tls_bad_finished:
    case errc::tls_bad_signature: return alert_description::decrypt_error;
    case errc::tls_no_renegotiation: return alert_description::no_renegotiation;
    case errc::tls_message_too_large: return alert_description::decode_error;
    case errc::tls_certificate_refused: return alert_description::bad_certificate;
    case errc::tls_alert_received:  // nothing is sent after the peer's fatal alert
    case errc::tls_closed:
    case errc::tls_truncation: return alert_description::internal_error;
    default: return alert_description::internal_error;
  }
}

// ---- reading

// A bounds-checked cursor over bytes received from a peer. Every read checks
// the length first; a read that does not fit fails, empties the reader and
// makes error() errc::tls_truncated, so later reads fail too.
class reader {
 public:
  constexpr reader() noexcept = default;
  constexpr explicit reader(bytes_view in) noexcept : in_(in) {}

  [[nodiscard]] constexpr bool read_u8(std::uint8_t& v) noexcept {
    if (!take(1)) return false;
    v = last_[0];
    return true;
  }
  [[nodiscard]] constexpr bool read_u16(std::uint16_t& v) noexcept {
    if (!take(2)) return false;
    v = static_cast<std::uint16_t>(last_[0] << 8 | last_[1]);
    return true;
  }
  [[nodiscard]] constexpr bool read_u24(std::uint32_t& v) noexcept {
    if (!take(3)) return false;
    v = std::uint32_t{last_[0]} << 16 | std::uint32_t{last_[1]} << 8 | last_[2];
    return true;
  }
  [[nodiscard]] constexpr bool read_bytes(std::size_t n, bytes_view& v) noexcept {
    if (!take(n)) return false;
    v = last_;
    return true;
  }
  // A vector<min..max> whose length prefix has LengthBytes bytes (1, 2 or 3):
  // fails with tls_truncated when the input is too short, and with
  // tls_decode_error when the length is outside min..max.
  template <int LengthBytes>
  [[nodiscard]] constexpr bool read_vector(bytes_view& v, std::size_t min = 0,
                                           std::size_t max = (std::size_t{1} << (8 * LengthBytes)) - 1) noexcept {
    static_assert(LengthBytes >= 1 && LengthBytes <= 3);
    std::uint32_t n = 0;
    if constexpr (LengthBytes == 1) {
      std::uint8_t b = 0;
      if (!read_u8(b)) return false;
      n = b;
    } else if constexpr (LengthBytes == 2) {
      std::uint16_t b = 0;
      if (!read_u16(b)) return false;
      n = b;
    } else {
      if (!read_u24(n)) return false;
    }
    if (n < min || n > max) return fail(errc::tls_decode_error);
    return read_bytes(n, v);
  }
  // The same, as a reader over the vector's contents.
  template <int LengthBytes>
  [[nodiscard]] constexpr bool read_vector(reader& sub, std::size_t min = 0,
                                           std::size_t max = (std::size_t{1} << (8 * LengthBytes)) - 1) noexcept {
    bytes_view v;
    if (!read_vector<LengthBytes>(v, min, max)) return false;
    sub = reader(v);
    return true;
  }

  // Everything not read yet.
  [[nodiscard]] constexpr bytes_view rest() const noexcept { return in_; }
  [[nodiscard]] constexpr std::size_t remaining() const noexcept { return in_.size(); }
  [[nodiscard]] constexpr bool empty() const noexcept { return in_.empty(); }
  [[nodiscard]] constexpr bool ok() const noexcept { return error_ == errc::ok; }
  [[nodiscard]] constexpr errc error() const noexcept { return error_; }

  // After the last field: the reader failed (its error), bytes are left
  // (tls_trailing_data), or ok.
  [[nodiscard]] constexpr status finish() const noexcept {
    if (error_ != errc::ok) return error_;
    if (!in_.empty()) return errc::tls_trailing_data;
    return {};
  }

  // Makes the reader fail with e (the first error is kept).
  constexpr bool fail(errc e) noexcept {
    if (error_ == errc::ok) error_ = e;
    in_ = {};
    return false;
  }

 private:
  constexpr bool take(std::size_t n) noexcept {
    if (error_ != errc::ok) return false;
    if (in_.size() < n) return fail(errc::tls_truncated);
    last_ = in_.first(n);
    in_ = in_.subspan(n);
    return true;
  }

  bytes_view in_{};
  bytes_view last_{};
  errc error_ = errc::ok;
};

// ---- writing

// Writes into a caller's buffer. A write that does not fit writes nothing,
// and every later one is refused too: check ok() (or finish()) once at the end.
class writer {
 public:
  constexpr explicit writer(mutable_bytes out) noexcept : out_(out) {}

  constexpr writer& u8(std::uint8_t v) noexcept {
    if (room(1)) out_[at_++] = v;
    return *this;
  }
  constexpr writer& u16(std::uint16_t v) noexcept {
    if (room(2)) {
      out_[at_++] = static_cast<std::uint8_t>(v >> 8);
      out_[at_++] = static_cast<std::uint8_t>(v);
    }
    return *this;
  }
  constexpr writer& u24(std::uint32_t v) noexcept {
    if (room(3)) {
      out_[at_++] = static_cast<std::uint8_t>(v >> 16);
      out_[at_++] = static_cast<std::uint8_t>(v >> 8);
      out_[at_++] = static_cast<std::uint8_t>(v);
    }
    return *this;
  }
  constexpr writer& bytes(bytes_view b) noexcept {
    if (room(b.size()))
      for (std::uint8_t x : b) out_[at_++] = x;
    return *this;
  }
  // A vector with a LengthBytes-byte length prefix: begin_vector reserves the
  // prefix and returns a mark; end_vector(mark) writes the length of what was
  // written since (refused, as an overflow, when it does not fit the prefix).
  template <int LengthBytes>
  [[nodiscard]] constexpr std::size_t begin_vector() noexcept {
    static_assert(LengthBytes >= 1 && LengthBytes <= 3);
    const std::size_t mark = at_;
    if (room(LengthBytes)) at_ += LengthBytes;
    return mark;
  }
  template <int LengthBytes>
  constexpr writer& end_vector(std::size_t mark) noexcept {
    if (error_ != errc::ok) return *this;
    const std::size_t n = at_ - mark - LengthBytes;
    if (n >= (std::size_t{1} << (8 * LengthBytes))) {
      error_ = errc::invalid_argument;
      return *this;
    }
    for (int i = 0; i < LengthBytes; ++i)
      out_[mark + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * (LengthBytes - 1 - i)));
    return *this;
  }
  template <int LengthBytes>
  constexpr writer& vector(bytes_view b) noexcept {
    const std::size_t mark = begin_vector<LengthBytes>();
    bytes(b);
    return end_vector<LengthBytes>(mark);
  }

  [[nodiscard]] constexpr std::size_t size() const noexcept { return at_; }
  [[nodiscard]] constexpr bool ok() const noexcept { return error_ == errc::ok; }
  [[nodiscard]] constexpr errc error() const noexcept { return error_; }
  [[nodiscard]] constexpr bytes_view written() const noexcept { return bytes_view(out_.data(), at_); }
  // The number of bytes written, or the error.
  [[nodiscard]] constexpr result<std::size_t> finish() const noexcept {
    if (error_ != errc::ok) return error_;
    return at_;
  }

 private:
  constexpr bool room(std::size_t n) noexcept {
    if (error_ != errc::ok) return false;
    if (out_.size() - at_ < n) {
      error_ = errc::buffer_too_small;
      return false;
    }
    return true;
  }

  mutable_bytes out_;
  std::size_t at_ = 0;
  errc error_ = errc::ok;
};

}  // namespace kagi::tls12

#endif  // KAGI_TLS12_CODEC_HPP
