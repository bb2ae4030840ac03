// kagi/tls12/record.hpp: TLS 1.2 record protection with AES-GCM
// (RFC 5246 section 6.2.3.3, RFC 5288 section 3).
//
// A protected record is
//
//   type(1) || version(2) || length(2) || nonce_explicit(8) || ciphertext || tag(16)
//
// with length = 8 + plaintext length + 16. The GCM nonce is the 4-byte
// implicit IV from the key block (client_write_iv or server_write_iv) followed
// by nonce_explicit; the additional data is
//
//   seq_num(8) || type(1) || version(2) || plaintext length(2).
//
// One object protects one direction of a connection and counts its sequence
// numbers: they start at 0 after ChangeCipherSpec, go up by one per record, and
// never wrap (RFC 5246 6.1: at 2^64 - 1 the connection must be rekeyed).
//
// A failed open() is fatal, as TLS requires of a record that does not
// authenticate or decode (RFC 5246 7.2.2): from then on every open() and
// seal() of the object returns errc::tls_closed, so no caller can go on
// reading (and probing the key with forgeries) or writing after one.
#ifndef KAGI_TLS12_RECORD_HPP
#define KAGI_TLS12_RECORD_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../cipher/gcm.hpp"
#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../core/result.hpp"
#include "codec.hpp"

namespace kagi::tls12 {

// What open() found in a record.
struct opened_record {
  content_type type;
  std::uint16_t version;
  mutable_bytes plaintext;  // the start of open()'s output buffer
};

// AES-GCM record protection for one direction of a TLS 1.2 connection.
template <std::size_t KeyBits>
class aes_gcm_record {
 public:
  static constexpr std::size_t key_size = KeyBits / 8;
  static constexpr std::size_t implicit_iv_size = 4;
  static constexpr std::size_t explicit_nonce_size = 8;
  static constexpr std::size_t tag_size = 16;
  // Bytes a record adds to its plaintext: header, explicit nonce and tag.
  static constexpr std::size_t overhead = record_header_size + explicit_nonce_size + tag_size;

  // key and implicit_iv: the write key and write IV of this direction, from
  // derive_session_keys. seal() sends nonce_explicit = explicit_nonce_offset +
  // sequence number (mod 2^64): unique per record whatever the offset (RFC 5288
  // section 3 allows any such scheme; 0 sends the sequence number itself).
  constexpr aes_gcm_record(std::span<const std::uint8_t, key_size> key,
                           std::span<const std::uint8_t, implicit_iv_size> implicit_iv,
                           std::uint64_t explicit_nonce_offset = 0) noexcept
      : gcm_(key), offset_(explicit_nonce_offset) {
    for (std::size_t i = 0; i < implicit_iv_size; ++i) iv_[i] = implicit_iv[i];
  }
  // The same for a key and IV whose lengths are known only at run time:
  // errc::bad_length unless key.size() == key_size and implicit_iv.size() == 4.
  [[nodiscard]] static constexpr result<aes_gcm_record> from_key(bytes_view key, bytes_view implicit_iv,
                                                                 std::uint64_t explicit_nonce_offset = 0) noexcept {
    if (key.size() != key_size || implicit_iv.size() != implicit_iv_size) return errc::bad_length;
    return aes_gcm_record(key.first<key_size>(), implicit_iv.first<implicit_iv_size>(), explicit_nonce_offset);
  }
  constexpr aes_gcm_record(const aes_gcm_record&) noexcept = default;
  constexpr aes_gcm_record& operator=(const aes_gcm_record&) noexcept = default;
  constexpr ~aes_gcm_record() { secure_wipe(iv_); }

  // Protects one record of plaintext (at most 2^14 bytes) into out, which
  // must hold plaintext.size() + overhead bytes; returns the record's size.
  // The plaintext may already sit where its ciphertext goes (at out + 13), or
  // anywhere disjoint from out.
  // Errors: record_overflow, buffer_too_small, overlapping_buffers, sequence_number_exhausted,
  // tls_closed (an open() failed before).
  [[nodiscard]] constexpr result<std::size_t> seal(content_type type, bytes_view plaintext, mutable_bytes out,
                                                   std::uint16_t version = tls12_version) noexcept {
    if (failed_) return errc::tls_closed;
    const std::size_t n = plaintext.size();
    if (n > max_plaintext_length) return errc::record_overflow;
    if (out.size() < n + overhead) return errc::buffer_too_small;
    if (exhausted_) return errc::sequence_number_exhausted;
    const mutable_bytes body = out.subspan(record_header_size + explicit_nonce_size, n);
    if (!kagi::detail::same_or_disjoint(plaintext.data(), n, body.data(), n) ||
        !kagi::detail::disjoint(plaintext.data(), n, out.data(), record_header_size + explicit_nonce_size) ||
        !kagi::detail::disjoint(plaintext.data(), n, out.data() + record_header_size + explicit_nonce_size + n, tag_size))
      return errc::overlapping_buffers;
    out[0] = static_cast<std::uint8_t>(type);
    store_be16(out.data() + 1, version);
    store_be16(out.data() + 3, static_cast<std::uint16_t>(explicit_nonce_size + n + tag_size));
    std::array<std::uint8_t, 12> nonce{};
    make_nonce(nonce, offset_ + seq_);
    for (std::size_t i = 0; i < explicit_nonce_size; ++i) out[record_header_size + i] = nonce[implicit_iv_size + i];
    const auto aad = additional_data(type, version, n);
    const status s = gcm_.encrypt(nonce, aad, plaintext, body, out.subspan(record_header_size + explicit_nonce_size + n, tag_size));
    if (!s) return s.error();
    advance();
    return n + overhead;
  }

  // Checks and decrypts one whole record (header included) into out, which
  // must hold the plaintext (record size - overhead bytes). out may be the
  // record's own ciphertext bytes (record + 13, in place) or disjoint from it.
  // Nothing is written to out unless the record authenticates; on
  // bad_record_mac out is zeroed. The sequence number advances only on success.
  // Errors: bad_length (not exactly one record), record_overflow (length over
  // 2^14 + 2048, or plaintext over 2^14), bad_record_mac, buffer_too_small,
  // overlapping_buffers, sequence_number_exhausted; after any of them the
  // object is closed: this and every later open() and seal() return tls_closed.
  [[nodiscard]] constexpr result<opened_record> open(bytes_view record, mutable_bytes out) noexcept {
    if (failed_) return errc::tls_closed;
    auto r = open_record(record, out);
    if (!r) failed_ = true;
    return r;
  }

  // The sequence number of the next record.
  [[nodiscard]] constexpr std::uint64_t sequence_number() const noexcept { return seq_; }
  // False once the record with sequence number 2^64 - 1 has been processed,
  // or an open() has failed.
  [[nodiscard]] constexpr bool can_continue() const noexcept { return !exhausted_ && !failed_; }

  // Sets the sequence number of the next record (for tests and for resuming a
  // counted stream; a value reused under the same key breaks GCM). It does
  // not reopen an object closed by a failed open().
  constexpr void set_sequence_number(std::uint64_t seq) noexcept {
    seq_ = seq;
    exhausted_ = false;
  }

 private:
  [[nodiscard]] constexpr result<opened_record> open_record(bytes_view record, mutable_bytes out) noexcept {
    if (record.size() < record_header_size) return errc::bad_length;
    const std::size_t length = load_be16(record.data() + 3);
    if (length > max_ciphertext_length) return errc::record_overflow;
    if (record.size() != record_header_size + length) return errc::bad_length;
    if (length < explicit_nonce_size + tag_size) return errc::bad_record_mac;
    const std::size_t n = length - explicit_nonce_size - tag_size;
    if (n > max_plaintext_length) return errc::record_overflow;
    if (out.size() < n) return errc::buffer_too_small;
    if (exhausted_) return errc::sequence_number_exhausted;
    const bytes_view body = record.subspan(record_header_size + explicit_nonce_size, n);
    const mutable_bytes pt = out.first(n);
    if (!kagi::detail::same_or_disjoint(body.data(), n, pt.data(), n) ||
        !kagi::detail::disjoint(pt.data(), n, record.data(), record_header_size + explicit_nonce_size) ||
        !kagi::detail::disjoint(pt.data(), n, record.data() + record_header_size + explicit_nonce_size + n, tag_size))
      return errc::overlapping_buffers;
    const auto type = static_cast<content_type>(record[0]);
    const std::uint16_t version = load_be16(record.data() + 1);
    std::array<std::uint8_t, 12> nonce{};
    for (std::size_t i = 0; i < implicit_iv_size; ++i) nonce[i] = iv_[i];
    for (std::size_t i = 0; i < explicit_nonce_size; ++i) nonce[implicit_iv_size + i] = record[record_header_size + i];
    const auto aad = additional_data(type, version, n);
    const status s = gcm_.decrypt(nonce, aad, body, record.subspan(record_header_size + explicit_nonce_size + n, tag_size), pt);
    if (!s) return s.error() == errc::authentication_failed ? errc::bad_record_mac : s.error();
    advance();
    return opened_record{type, version, pt};
  }

  constexpr void make_nonce(std::array<std::uint8_t, 12>& nonce, std::uint64_t explicit_part) const noexcept {
    for (std::size_t i = 0; i < implicit_iv_size; ++i) nonce[i] = iv_[i];
    store_be64(nonce.data() + implicit_iv_size, explicit_part);
  }

  [[nodiscard]] constexpr std::array<std::uint8_t, 13> additional_data(content_type type, std::uint16_t version,
                                                                      std::size_t length) const noexcept {
    std::array<std::uint8_t, 13> aad{};
    store_be64(aad.data(), seq_);
    aad[8] = static_cast<std::uint8_t>(type);
    store_be16(aad.data() + 9, version);
    store_be16(aad.data() + 11, static_cast<std::uint16_t>(length));
    return aad;
  }

  constexpr void advance() noexcept {
    if (seq_ == ~std::uint64_t{0}) {
      exhausted_ = true;
    } else {
      ++seq_;
    }
  }

  aes_gcm<KeyBits> gcm_;
  std::array<std::uint8_t, implicit_iv_size> iv_{};
  std::uint64_t offset_ = 0;
  std::uint64_t seq_ = 0;
  bool exhausted_ = false;
  bool failed_ = false;  // an open() failed: closed for good
};

using aes128_gcm_record = aes_gcm_record<128>;
using aes256_gcm_record = aes_gcm_record<256>;

}  // namespace kagi::tls12

#endif  // KAGI_TLS12_RECORD_HPP
