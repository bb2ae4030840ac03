// kagi/tls12/engine.hpp: what the TLS 1.2 client and server engines share:
// caller-owned buffers, the record layer, alerts, application data, errors.
//
// The engines are sans-I/O: they never touch a socket or a clock, allocate
// nothing, and exchange bytes with the caller through three buffers the
// caller owns:
//
//   in          records from the wire: recv_buf() is the free space,
//               recv_ack(n) says n bytes were put there; records are
//               decrypted in place and their plaintext read from here
//   out         records to transmit: send_buf() is what is ready,
//               send_ack(n) says n bytes went out
//   handshake   reassembly of handshake messages (which may span records or
//               share them); its size is the largest message accepted
//
// Received application data is app_data() (valid until app_ack); write_app
// seals plaintext into records; close() sends close_notify. Every failure is
// exactly one fatal alert (to_alert of the reason), queued in send_buf() for
// the caller to transmit; the engine then freezes and last_error() keeps the
// reason. An end of stream (recv_eof) without the peer's close_notify is
// reported as truncation.
//
// Record-layer rules kept here: a record type the state does not allow is
// unexpected_message; ChangeCipherSpec is the single byte 01, only on a
// handshake message boundary, only when the handshake expects it; empty
// handshake or alert records are unexpected_message; consecutive empty
// application records and warning alerts are capped; plaintext records over
// 2^14 bytes and protected ones over 2^14 + 2048 are record_overflow.
#ifndef KAGI_TLS12_ENGINE_HPP
#define KAGI_TLS12_ENGINE_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../core/random.hpp"
#include "../core/result.hpp"
#include "../hash/sha256.hpp"
#include "../hash/sha512.hpp"
#include "../ec/ecdsa_p256.hpp"
#include "../rsa/keys.hpp"
#include "codec.hpp"
#include "keylog.hpp"
#include "messages.hpp"
#include "prf.hpp"
#include "record.hpp"
#include "transcript.hpp"

namespace kagi::tls12 {

// ---- what the caller passes in

// Randomness for an engine: any random_source, seen through this interface.
class random_generator {
 public:
  constexpr random_generator() noexcept = default;
  constexpr random_generator(const random_generator&) noexcept = default;
  constexpr random_generator& operator=(const random_generator&) noexcept = default;
  constexpr virtual ~random_generator() = default;
  constexpr virtual void fill(mutable_bytes out) = 0;
};

// Wraps a random_source (kagi::system_random, kagi::hmac_drbg, ...).
template <random_source R>
class random_from final : public random_generator {
 public:
  constexpr explicit random_from(R& r) noexcept : r_(&r) {}
  constexpr void fill(mutable_bytes out) override { r_->fill(out); }

 private:
  R* r_;
};

// The three buffers an engine works in (see the top of this file).
struct buffers {
  mutable_bytes in;
  mutable_bytes out;
  mutable_bytes handshake;
};

// The smallest buffers that work: in must hold one record of the largest
// size (header + 2^14 + 2048); out one full application record plus room for
// alerts (a server's out must also hold its first flight, certificate chain
// included: server::out_buffer_needed says how much); handshake the largest
// handshake message accepted (a ClientHello of up to 2^16 bytes needs
// recommended_handshake_buffer; a client needs room for the server's
// Certificate message).
inline constexpr std::size_t min_in_buffer = record_header_size + max_ciphertext_length;
inline constexpr std::size_t alert_reserve = 64;
inline constexpr std::size_t min_out_buffer = record_header_size + 8 + max_plaintext_length + 16 + alert_reserve;
inline constexpr std::size_t min_handshake_buffer = 4096;
inline constexpr std::size_t recommended_handshake_buffer = handshake_header_size + 65536;

// The default offers, in preference order.
inline constexpr std::array<cipher_suite, 6> default_suites{
    cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256, cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256,
    cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384, cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384,
    cipher_suite::rsa_with_aes_128_gcm_sha256,         cipher_suite::rsa_with_aes_256_gcm_sha384};
inline constexpr std::array<named_group, 2> default_groups{named_group::x25519, named_group::secp256r1};

// Why an engine stopped: the reason, the alert, and whether it was sent (our
// failure) or received (the peer's). reason is errc::ok while all is well.
struct error_info {
  errc reason = errc::ok;
  alert_description alert = alert_description::close_notify;
  bool alert_sent = false;
  bool alert_received = false;
};

// What the handshake agreed on (valid once handshake_done()).
struct session_info {
  cipher_suite suite{};
  key_exchange kx{};
  named_group group{};                 // ECDHE suites
  signature_scheme signature{};        // ECDHE suites: the ServerKeyExchange signature
  bool extended_master_secret = false;
  bool secure_renegotiation = false;   // the peer sent the SCSV or renegotiation_info
  random client_random{}, server_random{};
  std::array<char, 256> server_name{};  // the server: the client's host_name (NUL-terminated)
  [[nodiscard]] constexpr const char* suite_name() const noexcept {
    const auto* s = find_suite(static_cast<std::uint16_t>(suite));
    return s ? s->name : "none";
  }
};

// The engine's state, as bits.
struct engine_flags {
  bool handshake_done = false;   // keys are in use both ways; application data can flow
  bool can_write = false;        // write_app accepts data (handshake done, not closed, not failed)
  bool has_output = false;       // send_buf() is not empty
  bool has_app_data = false;     // app_data() is not empty
  bool peer_closed = false;      // close_notify received
  bool closed = false;           // close_notify sent
  bool failed = false;           // a fatal error: see last_error()
};

namespace detail {

// The AES-GCM record protection of one direction: none before
// ChangeCipherSpec, then AES-128-GCM or AES-256-GCM as the suite says.
class record_protection {
 public:
  [[nodiscard]] constexpr bool active() const noexcept { return kind_ != 0; }
  // key: 16 or 32 bytes.
  constexpr void set(bytes_view key, std::span<const std::uint8_t, 4> iv) noexcept {
    if (key.size() == 32) {
      r256_.emplace(key.first<32>(), iv);
      kind_ = 2;
    } else {
      r128_.emplace(key.first<16>(), iv);
      kind_ = 1;
    }
  }
  [[nodiscard]] constexpr result<std::size_t> seal(content_type t, bytes_view pt, mutable_bytes out) noexcept {
    return kind_ == 2 ? r256_->seal(t, pt, out) : r128_->seal(t, pt, out);
  }
  [[nodiscard]] constexpr result<opened_record> open(bytes_view rec, mutable_bytes out) noexcept {
    return kind_ == 2 ? r256_->open(rec, out) : r128_->open(rec, out);
  }
  // Drops the keys (the record object wipes itself): after a fatal error.
  constexpr void clear() noexcept {
    r128_.reset();
    r256_.reset();
    kind_ = 0;
  }

 private:
  int kind_ = 0;
  std::optional<aes128_gcm_record> r128_;
  std::optional<aes256_gcm_record> r256_;
};

// A secret that wipes itself.
template <std::size_t N>
struct secret_array {
  std::array<std::uint8_t, N> v{};
  constexpr secret_array() noexcept = default;
  constexpr secret_array(const secret_array&) noexcept = default;
  constexpr secret_array& operator=(const secret_array&) noexcept = default;
  constexpr ~secret_array() { secure_wipe(v); }
};

// The secrets of a handshake from the master secret on (wiped when dropped).
struct key_material {
  secret_array<48> master;
  secret_array<32> client_key, server_key;
  secret_array<4> client_iv, server_iv;
  std::size_t key_size = 16;

  [[nodiscard]] constexpr bytes_view client_write_key() const noexcept { return bytes_view(client_key.v).first(key_size); }
  [[nodiscard]] constexpr bytes_view server_write_key() const noexcept { return bytes_view(server_key.v).first(key_size); }
};

// The key schedule of a suite (RFC 5246 8.1, 6.3, 7.4.9; RFC 7627 4) over its
// PRF hash: the master secret (extended: over the session hash, the
// transcript through ClientKeyExchange), the key block cut into keys and
// IVs, and verify_data.
template <class Hash>
constexpr void make_master_secret(bool extended, bytes_view pms, const transcript& t, const random& cr,
                                  const random& sr, key_material& km) noexcept {
  if (extended) {
    auto session_hash = t.current<Hash>();
    km.master.v = compute_extended_master_secret<Hash>(pms, session_hash);
    secure_wipe(session_hash);
  } else {
    km.master.v = compute_master_secret<Hash>(pms, cr, sr);
  }
}
template <class Hash, std::size_t KeySize>
constexpr void make_keys(const random& cr, const random& sr, key_material& km) noexcept {
  const auto keys = derive_session_keys<Hash, KeySize>(km.master.v, cr, sr);
  for (std::size_t i = 0; i < KeySize; ++i) km.client_key.v[i] = keys.client_write_key[i], km.server_key.v[i] = keys.server_write_key[i];
  for (std::size_t i = 0; i < 4; ++i) km.client_iv.v[i] = keys.client_write_iv[i], km.server_iv.v[i] = keys.server_write_iv[i];
  km.key_size = KeySize;
}
constexpr void derive_keys(const suite_info& s, bool extended, bytes_view pms, const transcript& t, const random& cr,
                           const random& sr, key_material& km) noexcept {
  if (s.hash == prf_hash::sha384) {
    make_master_secret<sha384>(extended, pms, t, cr, sr, km);
  } else {
    make_master_secret<sha256>(extended, pms, t, cr, sr, km);
  }
  if (s.hash == prf_hash::sha384 && s.key_bits == 256) {
    make_keys<sha384, 32>(cr, sr, km);
  } else if (s.hash == prf_hash::sha256 && s.key_bits == 128) {
    make_keys<sha256, 16>(cr, sr, km);
  } else if (s.hash == prf_hash::sha384) {
    make_keys<sha384, 16>(cr, sr, km);
  } else {
    make_keys<sha256, 32>(cr, sr, km);
  }
}
[[nodiscard]] constexpr std::array<std::uint8_t, 12> finished_data(const suite_info& s, const key_material& km,
                                                                   std::string_view label, const transcript& t) noexcept {
  if (s.hash == prf_hash::sha384) return verify_data<sha384>(km.master.v, label, t.current<sha384>());
  return verify_data<sha256>(km.master.v, label, t.current<sha256>());
}

// The server's certificate key as the client holds it: RSA, or a P-256 point.
struct peer_key {
  std::optional<rsa_public_key> rsa;
  std::array<std::uint8_t, 65> ec{};
  bool is_ec = false;
};

// ServerKeyExchange signatures by scheme (the scheme must fit the key: an
// ECDSA scheme an EC key, an RSA one an RSA key; checked by the callers).
template <class H>
[[nodiscard]] constexpr status verify_ecdsa(const peer_key& key, bytes_view data, bytes_view sig) noexcept {
  const auto digest = H::hash(data);
  return p256::verify_digest(key.ec, digest, sig);
}
[[nodiscard]] constexpr status verify_signature(const peer_key& key, signature_scheme s, bytes_view data,
                                                bytes_view sig) noexcept {
  if (is_ecdsa(s) != key.is_ec || (!key.is_ec && !key.rsa)) return errc::tls_illegal_parameter;
  switch (s) {
    case signature_scheme::rsa_pkcs1_sha256: return key.rsa->verify<sha256>(rsa_padding::pkcs1_v15, data, sig);
    case signature_scheme::rsa_pkcs1_sha384: return key.rsa->verify<sha384>(rsa_padding::pkcs1_v15, data, sig);
    case signature_scheme::rsa_pkcs1_sha512: return key.rsa->verify<sha512>(rsa_padding::pkcs1_v15, data, sig);
    case signature_scheme::rsa_pss_rsae_sha256: return key.rsa->verify<sha256>(rsa_padding::pss, data, sig);
    case signature_scheme::rsa_pss_rsae_sha384: return key.rsa->verify<sha384>(rsa_padding::pss, data, sig);
    case signature_scheme::rsa_pss_rsae_sha512: return key.rsa->verify<sha512>(rsa_padding::pss, data, sig);
    case signature_scheme::ecdsa_secp256r1_sha256: return verify_ecdsa<sha256>(key, data, sig);
    case signature_scheme::ecdsa_secp384r1_sha384: return verify_ecdsa<sha384>(key, data, sig);
    case signature_scheme::ecdsa_secp521r1_sha512: return verify_ecdsa<sha512>(key, data, sig);
  }
  return errc::tls_illegal_parameter;
}
[[nodiscard]] constexpr status verify_signature(const rsa_public_key& key, signature_scheme s, bytes_view data,
                                                bytes_view sig) noexcept {
  peer_key k;
  k.rsa = key;
  return verify_signature(k, s, data, sig);
}

// The server's signing key: RSA or P-256.
struct signing_key {
  const rsa_private_key* rsa = nullptr;
  const p256::private_key_type* ec = nullptr;
};
// Signs into sig; returns the signature's length.
template <class R>
[[nodiscard]] constexpr result<std::size_t> sign_with(const signing_key& key, signature_scheme s, bytes_view data,
                                                      mutable_bytes sig, R& rng) noexcept {
  if (is_ecdsa(s)) {
    if (key.ec == nullptr) return errc::invalid_argument;
    switch (s) {
      case signature_scheme::ecdsa_secp384r1_sha384: return p256::sign<sha384>(*key.ec, data, sig, rng);
      case signature_scheme::ecdsa_secp521r1_sha512: return p256::sign<sha512>(*key.ec, data, sig, rng);
      default: return p256::sign<sha256>(*key.ec, data, sig, rng);
    }
  }
  if (key.rsa == nullptr) return errc::invalid_argument;
  const rsa_private_key& k = *key.rsa;
  status st = errc::invalid_argument;
  switch (s) {
    case signature_scheme::rsa_pkcs1_sha256: st = k.sign<sha256>(rsa_padding::pkcs1_v15, data, sig, rng); break;
    case signature_scheme::rsa_pkcs1_sha384: st = k.sign<sha384>(rsa_padding::pkcs1_v15, data, sig, rng); break;
    case signature_scheme::rsa_pkcs1_sha512: st = k.sign<sha512>(rsa_padding::pkcs1_v15, data, sig, rng); break;
    case signature_scheme::rsa_pss_rsae_sha256: st = k.sign<sha256>(rsa_padding::pss, data, sig, rng); break;
    case signature_scheme::rsa_pss_rsae_sha384: st = k.sign<sha384>(rsa_padding::pss, data, sig, rng); break;
    case signature_scheme::rsa_pss_rsae_sha512: st = k.sign<sha512>(rsa_padding::pss, data, sig, rng); break;
    default: break;
  }
  if (!st) return st.error();
  return k.size();
}

// Lets the rsa/ecdhe templates draw from the engine's random_generator.
struct rng_ref {
  random_generator* g;
  constexpr void fill(std::span<std::uint8_t> out) { g->fill(out); }
};

constexpr void copy_bytes_to(std::uint8_t* out, bytes_view in) noexcept {
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = in[i];
}

// The record layer, buffers and alerts; Role (the client or the server)
// supplies the handshake: on_handshake(type, body, message),
// on_change_cipher_spec(), on_renegotiation_request().
template <class Role>
class engine {
 public:
  // ---- bytes from the wire

  // Where the next bytes from the wire go (empty when the engine has stopped,
  // or while received application data waits to be read).
  [[nodiscard]] constexpr mutable_bytes recv_buf() noexcept {
    if (stopped_reading()) return {};
    return buf_.in.subspan(in_len_);
  }
  // n bytes were written at the start of recv_buf(): process every complete record.
  constexpr void recv_ack(std::size_t n) noexcept {
    if (stopped_reading()) return;
    if (n > buf_.in.size() - in_len_) return fail(errc::invalid_argument);
    in_len_ += n;
    process();
  }
  // The peer closed the stream. Without its close_notify first, this is
  // truncation (errc::tls_truncation; no alert is sent to a closed stream).
  constexpr void recv_eof() noexcept {
    eof_ = true;
    if (!peer_closed_ && error_.reason == errc::ok) stop(errc::tls_truncation, false);
  }

  // ---- bytes to the wire

  [[nodiscard]] constexpr bytes_view send_buf() const noexcept { return buf_.out.first(out_len_); }
  constexpr void send_ack(std::size_t n) noexcept {
    if (n > out_len_) n = out_len_;
    std::copy(buf_.out.begin() + static_cast<std::ptrdiff_t>(n), buf_.out.begin() + static_cast<std::ptrdiff_t>(out_len_),
              buf_.out.begin());
    out_len_ -= n;
  }

  // ---- application data

  // Received plaintext, valid until app_ack.
  [[nodiscard]] constexpr bytes_view app_data() const noexcept { return buf_.in.subspan(app_off_, app_len_); }
  constexpr void app_ack(std::size_t n) noexcept {
    if (n > app_len_) n = app_len_;
    app_off_ += n;
    app_len_ -= n;
    if (app_len_ == 0 && app_record_ != 0) {
      drop_input(app_record_);
      app_record_ = 0;
      if (error_.reason == errc::ok) process();
    }
  }

  // Seals as much of data as fits into send_buf() (records of up to 2^14
  // bytes) and returns how many bytes were taken: 0 before the handshake is
  // done or while send_buf() is full (send, then write again).
  // errc::tls_closed after close() or a failure.
  [[nodiscard]] constexpr result<std::size_t> write_app(bytes_view data) noexcept {
    if (error_.reason != errc::ok || close_sent_) return errc::tls_closed;
    if (!handshake_done_) return std::size_t{0};
    std::size_t taken = 0;
    while (taken < data.size()) {
      const std::size_t room = out_room();
      if (room <= record_overhead) break;
      std::size_t n = data.size() - taken;
      if (n > max_plaintext_length) n = max_plaintext_length;
      if (n > room - record_overhead) n = room - record_overhead;
      const auto s = write_.seal(content_type::application_data, data.subspan(taken, n), buf_.out.subspan(out_len_));
      if (!s) {
        fail(s.error());
        return s.error();
      }
      out_len_ += *s;
      taken += n;
    }
    return taken;
  }

  // Sends close_notify: nothing more is written; reading goes on until the
  // peer's close_notify (or the end of the stream).
  constexpr void close() noexcept {
    if (close_sent_ || error_.reason != errc::ok) return;
    send_alert(alert_level::warning, alert_description::close_notify);
    close_sent_ = true;
  }

  // ---- state

  [[nodiscard]] constexpr engine_flags flags() const noexcept {
    engine_flags f;
    f.handshake_done = handshake_done_;
    f.failed = error_.reason != errc::ok;
    f.closed = close_sent_;
    f.peer_closed = peer_closed_;
    f.can_write = handshake_done_ && !close_sent_ && !f.failed;
    f.has_output = out_len_ != 0;
    f.has_app_data = app_len_ != 0;
    return f;
  }
  [[nodiscard]] constexpr bool handshake_done() const noexcept { return handshake_done_; }
  [[nodiscard]] constexpr const error_info& last_error() const noexcept { return error_; }
  [[nodiscard]] constexpr const session_info& negotiated() const noexcept { return info_; }

 protected:
  static constexpr std::size_t record_overhead = record_header_size + 8 + 16;

  constexpr engine(const buffers& b, unsigned max_empty_records) noexcept
      : buf_(b), max_empty_(max_empty_records) {
    // Not stop(): it reaches into the role (wipe_secrets), whose members do
    // not exist yet while this base is being built (UBSan caught it), and
    // there is nothing to wipe. The role's constructor sees the error first.
    if (b.in.size() < min_in_buffer || b.out.size() < min_out_buffer || b.handshake.size() < min_handshake_buffer) {
      error_.reason = errc::buffer_too_small;
      error_.alert = to_alert(errc::buffer_too_small);
    }
  }
  constexpr ~engine() = default;
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  constexpr Role& role() noexcept { return static_cast<Role&>(*this); }

  // A fatal error: one alert (unless the peer is gone or sent one), then frozen.
  constexpr void fail(errc e) noexcept { stop(e, true); }

  constexpr void stop(errc e, bool send) noexcept {
    if (error_.reason != errc::ok) return;
    error_.reason = e == errc::ok ? errc::invalid_argument : e;
    error_.alert = to_alert(e);
    if (send && !eof_) {
      send_alert(alert_level::fatal, error_.alert);
      error_.alert_sent = true;
    }
    // Nothing is read or written after this (the alert is sealed above): the
    // record keys go with the handshake's secrets.
    role().wipe_secrets();
    read_.clear();
    write_.clear();
  }

  // Sends an alert record (protected once keys are in use). The last
  // alert_reserve bytes of out are kept for this.
  constexpr void send_alert(alert_level level, alert_description d) noexcept {
    const std::array<std::uint8_t, 2> body{static_cast<std::uint8_t>(level), static_cast<std::uint8_t>(d)};
    (void)put_record(content_type::alert, body, buf_.out.size() - out_len_);
  }

  // Writes one record of plaintext pt (at most 2^14 bytes), with `room`
  // bytes of out available to it.
  [[nodiscard]] constexpr status put_record(content_type t, bytes_view pt, std::size_t room) noexcept {
    const mutable_bytes dst = buf_.out.subspan(out_len_, room);
    if (write_.active()) {
      const auto n = write_.seal(t, pt, dst);
      if (!n) return n.error();
      out_len_ += *n;
      return {};
    }
    if (dst.size() < record_header_size + pt.size()) return errc::buffer_too_small;
    dst[0] = static_cast<std::uint8_t>(t);
    store_be16(dst.data() + 1, tls12_version);
    store_be16(dst.data() + 3, static_cast<std::uint16_t>(pt.size()));
    copy_bytes_to(dst.data() + record_header_size, pt);
    out_len_ += record_header_size + pt.size();
    return {};
  }

  // Space for handshake and application records (out less what is queued
  // and the alert reserve).
  [[nodiscard]] constexpr std::size_t out_room() const noexcept {
    const std::size_t used = out_len_ + alert_reserve;
    return used >= buf_.out.size() ? 0 : buf_.out.size() - used;
  }

  // Writes one handshake message: build(dst) writes the whole message
  // (header included) at the start of dst and returns its size. The message
  // joins the transcript and goes out in as many records as it needs
  // (protected ones hold one record's worth).
  template <class Build>
  [[nodiscard]] constexpr status put_handshake(Build&& build) noexcept {
    const std::size_t room = out_room();
    const mutable_bytes free = buf_.out.subspan(out_len_, room);
    if (write_.active()) {
      if (room < record_overhead) return errc::buffer_too_small;
      std::size_t cap = room - record_overhead;
      if (cap > max_plaintext_length) cap = max_plaintext_length;
      const mutable_bytes dst = free.subspan(record_header_size + 8, cap);
      const auto n = build(dst);
      if (!n) return n.error();
      transcript_.update(dst.first(*n));
      const auto sealed = write_.seal(content_type::handshake, dst.first(*n), free);
      if (!sealed) return sealed.error();
      out_len_ += *sealed;
      return {};
    }
    if (room < record_header_size) return errc::buffer_too_small;
    // Built after one header's room; the headers of later records are made
    // room for by moving their fragments up, last first.
    const mutable_bytes dst = free.subspan(record_header_size);
    const auto built = build(dst);
    if (!built) return built.error();
    const std::size_t n = *built;
    transcript_.update(dst.first(n));
    const std::size_t records = n == 0 ? 1 : (n + max_plaintext_length - 1) / max_plaintext_length;
    if (n + records * record_header_size > room) return errc::buffer_too_small;
    for (std::size_t k = records; k-- > 1;) {
      const std::size_t from = record_header_size + k * max_plaintext_length;
      const std::size_t len = std::min(max_plaintext_length, n - k * max_plaintext_length);
      const std::size_t to = (k + 1) * record_header_size + k * max_plaintext_length;
      std::copy_backward(free.begin() + static_cast<std::ptrdiff_t>(from),
                         free.begin() + static_cast<std::ptrdiff_t>(from + len),
                         free.begin() + static_cast<std::ptrdiff_t>(to + len));
    }
    for (std::size_t k = 0; k < records; ++k) {
      const std::size_t at = k * (record_header_size + max_plaintext_length);
      const std::size_t len = std::min(max_plaintext_length, n - k * max_plaintext_length);
      free[at] = static_cast<std::uint8_t>(content_type::handshake);
      store_be16(free.data() + at + 1, tls12_version);
      store_be16(free.data() + at + 3, static_cast<std::uint16_t>(len));
    }
    out_len_ += n + records * record_header_size;
    return {};
  }

  // ChangeCipherSpec out, then the write keys in use.
  [[nodiscard]] constexpr status put_change_cipher_spec(bytes_view key, std::span<const std::uint8_t, 4> iv) noexcept {
    const std::array<std::uint8_t, 1> one{1};
    if (auto s = put_record(content_type::change_cipher_spec, one, out_room()); !s) return s;
    write_.set(key, iv);
    return {};
  }
  constexpr void start_reading_protected(bytes_view key, std::span<const std::uint8_t, 4> iv) noexcept {
    read_.set(key, iv);
  }

  // The key log line and, for observers, the secrets.
  constexpr void log_keys(key_logger* log, bytes_view pms, const key_material& km) noexcept {
    if (log == nullptr) return;
    auto line = keylog_line(info_.client_random, km.master.v);
    log->log(std::string_view(line.data(), line.size()));
    secure_wipe(line);  // it holds the master secret in hex
    log->secret("pre_master_secret", pms);
    log->secret("master_secret", km.master.v);
    // AEAD suites: the key block is the two write keys, then the two IVs.
    std::array<std::uint8_t, 2 * 32 + 8> block{};
    std::size_t at = 0;
    for (auto part : {km.client_write_key(), km.server_write_key(), bytes_view(km.client_iv.v), bytes_view(km.server_iv.v)})
      for (std::uint8_t b : part) block[at++] = b;
    log->secret("key_block", bytes_view(block).first(at));
    secure_wipe(block);
    log->secret("client_write_key", km.client_write_key());
    log->secret("server_write_key", km.server_write_key());
    log->secret("client_write_iv", km.client_iv.v);
    log->secret("server_write_iv", km.server_iv.v);
  }

  constexpr void log_secret(key_logger* log, std::string_view name, bytes_view value) noexcept {
    if (log != nullptr) log->secret(name, value);
  }

  // ---- for the roles
  buffers buf_;
  transcript transcript_;
  session_info info_;
  bool handshake_done_ = false;
  bool renegotiation_refused_ = false;

 private:
  [[nodiscard]] constexpr bool stopped_reading() const noexcept {
    return error_.reason != errc::ok || peer_closed_ || app_len_ != 0 || eof_;
  }

  constexpr void drop_input(std::size_t n) noexcept {
    std::copy(buf_.in.begin() + static_cast<std::ptrdiff_t>(n), buf_.in.begin() + static_cast<std::ptrdiff_t>(in_len_),
              buf_.in.begin());
    in_len_ -= n;
  }

  // Counts an empty record or a warning alert; too many in a row is fatal.
  constexpr bool count_empty() noexcept {
    if (++empty_run_ > max_empty_) {
      fail(errc::tls_too_many_empty_records);
      return false;
    }
    return true;
  }

  // Every complete record in `in`, in order, until one fails, application
  // data waits to be read, or the peer closed.
  constexpr void process() noexcept {
    while (error_.reason == errc::ok && !peer_closed_ && app_len_ == 0 && in_len_ >= record_header_size) {
      const std::uint8_t type = buf_.in[0];
      const std::uint16_t version = load_be16(buf_.in.data() + 1);
      const std::size_t length = load_be16(buf_.in.data() + 3);
      if (type < 20 || type > 23) return fail(errc::tls_unexpected_message);
      if ((version >> 8) != 3 || (version_fixed_ && version != tls12_version)) return fail(errc::tls_protocol_version);
      if (length > (read_.active() ? max_ciphertext_length : max_plaintext_length)) return fail(errc::record_overflow);
      const std::size_t size = record_header_size + length;
      if (in_len_ < size) return;
      bytes_view pt = buf_.in.subspan(record_header_size, length);
      std::size_t pt_off = record_header_size;
      if (read_.active()) {
        const auto opened = read_.open(buf_.in.first(size), buf_.in.subspan(record_header_size + 8));
        if (!opened) return fail(opened.error() == errc::bad_length ? errc::bad_record_mac : opened.error());
        pt = opened->plaintext;
        pt_off = record_header_size + 8;
      }
      switch (static_cast<content_type>(type)) {
        case content_type::handshake:
          if (pt.empty()) return fail(errc::tls_unexpected_message);
          empty_run_ = 0;
          if (!on_handshake_bytes(pt)) return;
          break;
        case content_type::change_cipher_spec:
          if (pt.size() != 1 || pt[0] != 1) return fail(errc::tls_decode_error);
          if (hs_len_ != 0) return fail(errc::tls_unexpected_message);  // keys change on a message boundary
          if (auto s = role().on_change_cipher_spec(); !s) return fail(s.error());
          break;
        case content_type::alert:
          if (pt.empty()) return fail(errc::tls_unexpected_message);
          if (pt.size() != 2) return fail(errc::tls_decode_error);
          if (!on_alert(pt[0], pt[1])) {
            drop_input(size);
            return;
          }
          break;
        case content_type::application_data:
          if (!handshake_done_) return fail(errc::tls_unexpected_message);
          if (pt.empty()) {
            if (!count_empty()) return;
            break;
          }
          empty_run_ = 0;
          app_off_ = pt_off;
          app_len_ = pt.size();
          app_record_ = size;  // dropped once the application has read it
          return;
      }
      drop_input(size);
    }
  }

  // Appends a handshake fragment and handles every complete message.
  constexpr bool on_handshake_bytes(bytes_view pt) noexcept {
    if (pt.size() > buf_.handshake.size() - hs_len_) {
      fail(errc::tls_message_too_large);
      return false;
    }
    copy_bytes_to(buf_.handshake.data() + hs_len_, pt);
    hs_len_ += pt.size();
    while (error_.reason == errc::ok && hs_len_ >= handshake_header_size) {
      const std::uint8_t* h = buf_.handshake.data();
      const std::size_t len = std::size_t{h[1]} << 16 | std::size_t{h[2]} << 8 | h[3];
      if (len > buf_.handshake.size() - handshake_header_size) {
        fail(errc::tls_message_too_large);
        return false;
      }
      if (hs_len_ < handshake_header_size + len) break;
      const bytes_view message = buf_.handshake.first(handshake_header_size + len);
      const auto type = static_cast<handshake_type>(h[0]);
      status s;
      if (type == handshake_type::hello_request || (handshake_done_ && type == handshake_type::client_hello)) {
        s = on_renegotiation_request(type, message.subspan(handshake_header_size));
      } else {
        s = role().on_handshake(type, message.subspan(handshake_header_size), message);
      }
      if (!s) {
        fail(s.error());
        return false;
      }
      std::copy(buf_.handshake.begin() + static_cast<std::ptrdiff_t>(message.size()),
                buf_.handshake.begin() + static_cast<std::ptrdiff_t>(hs_len_), buf_.handshake.begin());
      hs_len_ -= message.size();
    }
    return error_.reason == errc::ok;
  }

  // HelloRequest (to a client) or a ClientHello after the handshake (to a
  // server): kagi does not renegotiate. The first is answered with a warning
  // no_renegotiation, a second one is fatal. A HelloRequest during the
  // handshake is ignored (RFC 5246 7.4.1.1); neither joins the transcript.
  constexpr status on_renegotiation_request(handshake_type type, bytes_view body) noexcept {
    if (!role().accepts_renegotiation_request(type)) return errc::tls_unexpected_message;
    if (type == handshake_type::hello_request) {
      if (auto s = decode_empty(body); !s) return s;
      if (!handshake_done_) return {};
    }
    if (renegotiation_refused_) return errc::tls_no_renegotiation;
    renegotiation_refused_ = true;
    send_alert(alert_level::warning, alert_description::no_renegotiation);
    return {};
  }

  // Returns false when reading stops (close_notify, or a failure).
  constexpr bool on_alert(std::uint8_t level, std::uint8_t desc) noexcept {
    if (level != 1 && level != 2) {
      fail(errc::tls_illegal_parameter);
      return false;
    }
    const auto d = static_cast<alert_description>(desc);
    if (d == alert_description::close_notify) {
      peer_closed_ = true;
      if (!close_sent_ && error_.reason == errc::ok) {
        send_alert(alert_level::warning, alert_description::close_notify);
        close_sent_ = true;
      }
      return false;
    }
    if (level == 2) {
      error_.alert = d;
      error_.alert_received = true;
      stop(errc::tls_alert_received, false);
      error_.alert = d;
      return false;
    }
    return count_empty();
  }

  error_info error_;
  std::size_t in_len_ = 0, out_len_ = 0, hs_len_ = 0;
  std::size_t app_off_ = 0, app_len_ = 0, app_record_ = 0;
  unsigned empty_run_ = 0, max_empty_ = 32;
  bool peer_closed_ = false, close_sent_ = false, eof_ = false;

 protected:
  bool version_fixed_ = false;  // records must carry 0x0303 from now on
  record_protection read_, write_;
};

}  // namespace detail
}  // namespace kagi::tls12

#endif  // KAGI_TLS12_ENGINE_HPP
