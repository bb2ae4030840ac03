// kagi/core/result.hpp: error codes and a small result type for fallible calls.
//
// Crypto code never throws. A fallible call returns bool, std::optional, or
// kagi::result<T>: either a value or an errc that says what was wrong.
#ifndef KAGI_CORE_RESULT_HPP
#define KAGI_CORE_RESULT_HPP

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace kagi {

// The groups of error codes: what kind of thing went wrong. Each errc's value
// is its group times 0x100 plus its number in the group, so group(e) is a
// shift and adding a code never renumbers another group.
enum class errc_group : int {
  none = 0,      // errc::ok
  general = 1,   // the call itself: arguments, buffers, limits, the OS's randomness
  encoding = 2,  // malformed hex, DER, base64, PEM
  crypto = 3,    // a check failed: a tag, a signature, a padding, a self-check
  key = 4,       // a key that is malformed, unsupported or inconsistent
  tls = 5,       // the TLS record layer and handshake
  x509 = 6,      // certificates and chains
};

// Every error kagi reports, in groups. One enum (and one message table)
// covers the whole library; tls12::to_alert maps each code to the TLS alert
// a connection sends when it fails with it.
enum class errc : int {
  ok = 0,
  // ---- general
  invalid_argument = 0x100,  // an argument is out of its documented range
  bad_length,                // a buffer or input has a length the operation does not accept
  buffer_too_small,          // an output buffer cannot hold the result
  overlapping_buffers,       // input and output overlap without being identical
  random_failure,            // the operating system refused to supply random bytes
  not_seeded,                // a DRBG was given less entropy than its security strength
  reseed_required,           // a DRBG reached its reseed interval
  request_too_large,         // a DRBG request exceeds the per-call limit
  message_too_long,          // input exceeds the algorithm's length limit
  // ---- encoding: core/bytes.hpp, encoding/der.hpp, encoding/pem.hpp
  bad_hex = 0x200,        // text is not an even number of hexadecimal digits
  der_truncated,          // DER input ends inside an element
  der_bad_length,         // DER length is indefinite, not minimal, or too large
  der_unexpected_tag,     // DER element has another tag than the one expected
  der_trailing_data,      // DER input has bytes after the expected end
  der_bad_integer,        // DER INTEGER is empty or not minimally encoded
  der_negative_integer,   // DER INTEGER is negative where only non-negative ones are accepted
  der_integer_too_large,  // DER INTEGER does not fit where it must go
  der_bad_bit_string,     // DER BIT STRING has bad unused-bits count or padding
  der_bad_oid,            // DER OBJECT IDENTIFIER is empty or not minimally encoded
  der_bad_null,           // DER NULL has contents
  bad_base64,             // text is not valid (canonical) base64
  pem_no_block,           // no complete PEM block found
  pem_bad_armor,          // PEM BEGIN/END lines are malformed or do not match
  pem_wrong_label,        // PEM block has a label the operation does not accept
  // ---- crypto
  authentication_failed = 0x300,  // an AEAD tag or MAC did not verify
  rsa_bad_signature,              // RSA signature does not verify
  rsa_decryption_failed,          // RSA ciphertext out of range or its padding is wrong
  rsa_fault_detected,             // RSA private operation failed its self-check; nothing released
  ecdsa_bad_signature,            // ECDSA signature does not verify (r or s out of range, bad point, wrong value)
  // ---- key
  rsa_unsupported_key = 0x400,  // not an RSA key, or one kagi does not take (multi-prime, PSS-only OID)
  rsa_bad_key_size,             // RSA modulus size outside the accepted range
  rsa_bad_modulus,              // RSA modulus is even
  rsa_bad_public_exponent,      // RSA public exponent is even, below 3, above 256 bits or not below n
  rsa_inconsistent_key,         // RSA private key components do not belong together
  ec_unsupported_key,           // not an EC public key on the P-256 named curve (another curve, or explicit parameters)
  // ---- tls: tls12/record.hpp, tls12/ecdhe.hpp, the engines
  bad_record_mac = 0x500,     // a TLS record did not decrypt and authenticate (alert bad_record_mac)
  record_overflow,            // a TLS record or its plaintext is over the RFC 5246 limits (alert record_overflow)
  sequence_number_exhausted,  // a TLS sequence number would wrap; the connection must be rekeyed
  tls_truncated,              // a TLS message ends before its fields do
  tls_trailing_data,          // a TLS message has bytes after its last field
  tls_unsupported_group,      // an ECDHE curve type or named group kagi does not support
  tls_bad_public_key,         // an ECDHE public key has the wrong length or format, or is refused by its curve
  tls_decode_error,           // a field's length or value is outside what its definition allows
  tls_unexpected_message,     // a message, record type or ChangeCipherSpec the connection's state does not allow
  tls_illegal_parameter,      // a well-formed field holds a value the protocol forbids here
  tls_protocol_version,       // the peer offered or chose a version other than TLS 1.2
  tls_handshake_failure,      // no cipher suite, group or signature scheme in common, or a required extension missing
  tls_unsupported_extension,  // the server answered with an extension the client did not offer
  tls_bad_finished,           // the peer's Finished does not match the handshake
  tls_bad_signature,          // the ServerKeyExchange signature does not verify
  tls_no_renegotiation,       // the peer asked to renegotiate again after a refusal
  tls_too_many_empty_records, // too many empty or warning records in a row
  tls_message_too_large,      // a handshake message or certificate chain over the configured limit
  tls_alert_received,         // the peer sent a fatal alert (the engine says which)
  tls_closed,                 // the connection is closed or failed: nothing more can be sent or received
  tls_truncation,             // the stream ended without close_notify
  tls_certificate_refused,    // the server's certificate is not trusted (not the pinned one, or failed verification)
  tls_no_extended_master_secret,  // the peer does not use the extended master secret (RFC 7627) and it is required
  // ---- x509: x509/certificate.hpp, x509/name.hpp, x509/verify.hpp, x509/store.hpp
  x509_malformed = 0x600,            // a certificate is not the DER structure RFC 5280 defines (a bad version, time, field or extension)
  x509_duplicate_extension,          // a certificate has the same extension twice
  x509_unknown_critical_extension,   // a certificate has a critical extension kagi does not process
  x509_unsupported_algorithm,        // a signature algorithm, its parameters or a key kagi cannot verify (SHA-1, P-384, PSS with another salt)
  x509_no_certificate,               // the chain is empty
  x509_expired,                      // a certificate's notAfter is before the verification time
  x509_not_yet_valid,                // a certificate's notBefore is after the verification time
  x509_unknown_issuer,               // no chain leads from the certificate to a trust anchor
  x509_bad_signature,                // a certificate's signature does not verify with its issuer's key
  x509_not_a_ca,                     // an issuing certificate is not a CA (basicConstraints cA)
  x509_path_too_long,                // a pathLenConstraint is exceeded, or the chain is longer than the verifier allows
  x509_bad_key_usage,                // keyUsage or extKeyUsage does not allow the use (certificate signing, the key exchange, serverAuth)
  x509_name_mismatch,                // the host name matches no subjectAltName dNSName or iPAddress of the leaf
  x509_name_constraint_violated,     // a name in the chain is outside a CA's permitted subtrees or inside its excluded ones
};

// The group of an error code.
[[nodiscard]] constexpr errc_group group(errc e) noexcept { return static_cast<errc_group>(static_cast<int>(e) >> 8); }

[[nodiscard]] constexpr std::string_view group_name(errc_group g) noexcept {
  switch (g) {
    case errc_group::none: return "none";
    case errc_group::general: return "general";
    case errc_group::encoding: return "encoding";
    case errc_group::crypto: return "crypto";
    case errc_group::key: return "key";
    case errc_group::tls: return "tls";
    case errc_group::x509: return "x509";
  }
  return "unknown";
}

// A short English description of an error code ("unknown error" for a value
// that is not an errc).
[[nodiscard]] constexpr std::string_view message(errc e) noexcept {
  switch (e) {
    case errc::ok: return "success";
    case errc::invalid_argument: return "invalid argument";
    case errc::bad_length: return "input has a length the operation does not accept";
    case errc::buffer_too_small: return "output buffer is too small";
    case errc::overlapping_buffers: return "input and output buffers overlap without being identical";
    case errc::random_failure: return "the operating system refused to supply random bytes";
    case errc::not_seeded: return "DRBG seeded with less entropy than its security strength";
    case errc::reseed_required: return "DRBG reseed interval reached";
    case errc::request_too_large: return "request exceeds the per-call limit";
    case errc::message_too_long: return "input exceeds the algorithm's length limit";
    case errc::bad_hex: return "not an even number of hexadecimal digits";
    case errc::der_truncated: return "DER input ends inside an element";
    case errc::der_bad_length: return "DER length is indefinite, not minimal, or too large";
    case errc::der_unexpected_tag: return "DER element has an unexpected tag";
    case errc::der_trailing_data: return "DER input has bytes after the expected end";
    case errc::der_bad_integer: return "DER INTEGER is empty or not minimally encoded";
    case errc::der_negative_integer: return "DER INTEGER is negative where a non-negative one is required";
    case errc::der_integer_too_large: return "DER INTEGER is too large";
    case errc::der_bad_bit_string: return "DER BIT STRING has a bad unused-bits count or non-zero padding";
    case errc::der_bad_oid: return "DER OBJECT IDENTIFIER is empty or not minimally encoded";
    case errc::der_bad_null: return "DER NULL has contents";
    case errc::bad_base64: return "text is not valid base64";
    case errc::pem_no_block: return "no complete PEM block found";
    case errc::pem_bad_armor: return "PEM BEGIN/END lines are malformed or do not match";
    case errc::pem_wrong_label: return "PEM block has a label the operation does not accept";
    case errc::authentication_failed: return "authentication failed";
    case errc::rsa_bad_signature: return "RSA signature does not verify";
    case errc::rsa_decryption_failed: return "RSA decryption failed: ciphertext out of range or bad padding";
    case errc::rsa_fault_detected: return "RSA private operation failed its self-check; no result released";
    case errc::ecdsa_bad_signature: return "ECDSA signature does not verify";
    case errc::rsa_unsupported_key: return "not an RSA key, or an RSA key kagi does not support";
    case errc::rsa_bad_key_size: return "RSA modulus size is outside the accepted range";
    case errc::rsa_bad_modulus: return "RSA modulus is even";
    case errc::rsa_bad_public_exponent: return "RSA public exponent is even, below 3, above 256 bits or not below the modulus";
    case errc::rsa_inconsistent_key: return "RSA private key components do not belong together";
    case errc::ec_unsupported_key: return "not an EC public key on the P-256 named curve";
    case errc::bad_record_mac: return "TLS record failed authentication (bad_record_mac)";
    case errc::record_overflow: return "TLS record too long (record_overflow)";
    case errc::sequence_number_exhausted: return "TLS sequence number would wrap";
    case errc::tls_truncated: return "TLS message ends before its fields do";
    case errc::tls_trailing_data: return "TLS message has bytes after its last field";
    case errc::tls_unsupported_group: return "ECDHE curve type or named group not supported";
    case errc::tls_bad_public_key: return "ECDHE public key has the wrong length or format, or is refused by its curve";
    case errc::tls_decode_error: return "TLS message field has a length or value outside its definition";
    case errc::tls_unexpected_message: return "TLS message or record not allowed in the connection's state";
    case errc::tls_illegal_parameter: return "TLS message field holds a value the protocol forbids here";
    case errc::tls_protocol_version: return "peer offered or chose a version other than TLS 1.2";
    case errc::tls_handshake_failure: return "no cipher suite, group or signature scheme in common, or a required extension missing";
    case errc::tls_unsupported_extension: return "server answered with an extension the client did not offer";
    case errc::tls_bad_finished: return "peer's Finished does not match the handshake";
    case errc::tls_bad_signature: return "ServerKeyExchange signature does not verify";
    case errc::tls_no_renegotiation: return "peer asked to renegotiate again after a refusal";
    case errc::tls_too_many_empty_records: return "too many empty or warning records in a row";
    case errc::tls_message_too_large: return "handshake message or certificate chain over the configured limit";
    case errc::tls_alert_received: return "peer sent a fatal alert";
    case errc::tls_closed: return "connection is closed";
    case errc::tls_truncation: return "stream ended without close_notify (truncation)";
    case errc::tls_certificate_refused: return "server certificate is not trusted";
    case errc::tls_no_extended_master_secret: return "peer does not use the extended master secret (RFC 7627)";
    case errc::x509_malformed: return "certificate is malformed (not the DER structure RFC 5280 defines)";
    case errc::x509_duplicate_extension: return "certificate has an extension twice";
    case errc::x509_unknown_critical_extension: return "certificate has a critical extension kagi does not process";
    case errc::x509_unsupported_algorithm: return "certificate signature algorithm, parameters or key not supported";
    case errc::x509_no_certificate: return "no certificate given";
    case errc::x509_expired: return "certificate has expired";
    case errc::x509_not_yet_valid: return "certificate is not yet valid";
    case errc::x509_unknown_issuer: return "certificate's issuer is unknown: no chain to a trust anchor";
    case errc::x509_bad_signature: return "certificate signature does not verify";
    case errc::x509_not_a_ca: return "issuing certificate is not a CA";
    case errc::x509_path_too_long: return "certificate chain too long (pathLenConstraint or the verifier's limit)";
    case errc::x509_bad_key_usage: return "certificate key usage or extended key usage does not allow this use";
    case errc::x509_name_mismatch: return "host name does not match the certificate";
    case errc::x509_name_constraint_violated: return "certificate name violates a CA's name constraints";
  }
  return "unknown error";
}

namespace detail {
// Reports a broken precondition and stops. It is not constexpr on purpose:
// reaching it during constant evaluation is a compile-time error.
[[noreturn]] inline void fatal(const char* what) noexcept {
  std::fprintf(stderr, "kagi: fatal: %s\n", what);
  std::abort();
}
}  // namespace detail

// Either a T or an error code. Converts to bool (true when it holds a value),
// has operator-> and operator*, and error()/message() say what was wrong.
// Reading the value of a result that holds an error stops the program with a
// message (it is a bug in the caller, never undefined behaviour).
template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_reference_v<T>, "result<T&> is not supported");

 public:
  using value_type = T;

  constexpr result(const T& v) : value_(v) {}
  constexpr result(T&& v) : value_(std::move(v)) {}
  constexpr result(errc e) noexcept : error_(e == errc::ok ? errc::invalid_argument : e) {}

  constexpr explicit operator bool() const noexcept { return value_.has_value(); }
  [[nodiscard]] constexpr bool has_value() const noexcept { return value_.has_value(); }
  [[nodiscard]] constexpr errc error() const noexcept { return value_ ? errc::ok : error_; }
  [[nodiscard]] constexpr std::string_view message() const noexcept { return kagi::message(error()); }

  constexpr T& value() & { check(); return *value_; }
  constexpr const T& value() const& { check(); return *value_; }
  constexpr T&& value() && { check(); return std::move(*value_); }
  constexpr T& operator*() & { return value(); }
  constexpr const T& operator*() const& { return value(); }
  constexpr T&& operator*() && { return std::move(*this).value(); }
  constexpr T* operator->() { return &value(); }
  constexpr const T* operator->() const { return &value(); }
  template <class U>
  constexpr T value_or(U&& other) const& { return value_ ? *value_ : static_cast<T>(std::forward<U>(other)); }

 private:
  constexpr void check() const {
    if (!value_) detail::fatal("value() called on a kagi::result that holds an error");
  }
  std::optional<T> value_;
  errc error_ = errc::ok;
};

// The outcome of a call that produces no value: ok, or an error code.
template <>
class [[nodiscard]] result<void> {
 public:
  constexpr result() noexcept = default;
  constexpr result(errc e) noexcept : error_(e) {}
  constexpr explicit operator bool() const noexcept { return error_ == errc::ok; }
  [[nodiscard]] constexpr bool has_value() const noexcept { return error_ == errc::ok; }
  [[nodiscard]] constexpr errc error() const noexcept { return error_; }
  [[nodiscard]] constexpr std::string_view message() const noexcept { return kagi::message(error_); }

 private:
  errc error_ = errc::ok;
};

using status = result<void>;

}  // namespace kagi

// KAGI_TRY(r): when r (a kagi::result or status, evaluated once) holds an
// error, returns that error from the enclosing function, which returns a
// result or status too:
//   auto seq = reader.read_sequence();
//   KAGI_TRY(seq);
//   KAGI_TRY(seq->expect_end());
#define KAGI_TRY(...)                                                             \
  do {                                                                            \
    if (auto&& kagi_try_result_ = (__VA_ARGS__); !kagi_try_result_)               \
      return kagi_try_result_.error();                                            \
  } while (false)

#endif  // KAGI_CORE_RESULT_HPP
