// A kagi TLS client and server connected in memory: buffers, credentials
// (the capture's self-signed RSA-2048 certificate and key), and a pump that
// moves bytes between them, optionally cut into small pieces.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <kagi/encoding/pem.hpp>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/ec/ecdsa_p256.hpp>
#include <kagi/rsa/rsa.hpp>
#include <kagi/tls12/client.hpp>
#include <kagi/tls12/server.hpp>
#include <memory>
#include <string>
#include <vector>

#include "vectors.hpp"

namespace kagi_test {

namespace tls12 = kagi::tls12;

// Buffers for one engine.
struct engine_buffers {
  std::vector<std::uint8_t> in = std::vector<std::uint8_t>(tls12::min_in_buffer);
  std::vector<std::uint8_t> out = std::vector<std::uint8_t>(tls12::min_out_buffer + 8192);
  std::vector<std::uint8_t> hs = std::vector<std::uint8_t>(tls12::recommended_handshake_buffer);
  tls12::buffers view() { return {in, out, hs}; }
};

// The server's certificate and key (tests/vectors/tls12_capture: RSA;
// tests/vectors/tls12_ecdsa: P-256).
struct credentials {
  std::vector<std::uint8_t> cert_der;
  kagi::rsa_private_key key;
  kagi::p256::private_key_type ec_key{};
  static const credentials& ecdsa() {
    static const credentials c = [] {
      credentials k;
      const std::string pem = read_vector_file("tls12_ecdsa/ecdsa_cert.pem");
      std::vector<std::uint8_t> der(4096);
      const auto n = kagi::pem::decode(pem, "CERTIFICATE", der);
      REQUIRE(n);
      der.resize(*n);
      k.cert_der = der;
      auto key = kagi::p256::private_key_from_pem(read_vector_file("tls12_ecdsa/ecdsa_key.pem"));
      REQUIRE(key);
      k.ec_key = *key;
      return k;
    }();
    return c;
  }
  static const credentials& capture() {
    static const credentials c = [] {
      credentials k;
      const std::string pem = read_vector_file("tls12_capture/openssl_capture_cert.pem");
      std::vector<std::uint8_t> der(4096);
      const auto n = kagi::pem::decode(pem, "CERTIFICATE", der);
      REQUIRE(n);
      der.resize(*n);
      k.cert_der = der;
      auto key = kagi::rsa_private_key::from_pem(read_vector_file("tls12_capture/openssl_capture_key.pem"));
      REQUIRE(key);
      k.key = *key;
      return k;
    }();
    return c;
  }
};

// Collects what a key_logger sees.
struct recording_log final : tls12::key_logger {
  std::vector<std::string> lines;
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> secrets;
  void log(std::string_view line) override { lines.emplace_back(line); }
  void secret(std::string_view name, kagi::bytes_view v) override { secrets.emplace_back(name, std::vector(v.begin(), v.end())); }
  std::vector<std::uint8_t> get(std::string_view name) const {
    for (const auto& [n, v] : secrets)
      if (n == name) return v;
    return {};
  }
};

// Moves up to `chunk` bytes at a time from one engine's send_buf to the
// other's recv_buf until neither moves anything. Returns the bytes moved.
template <class From, class To>
std::size_t transfer(From& from, To& to, std::size_t chunk) {
  std::size_t moved = 0;
  for (;;) {
    const auto out = from.send_buf();
    auto in = to.recv_buf();
    const std::size_t n = std::min({out.size(), in.size(), chunk});
    if (n == 0) return moved;
    std::copy_n(out.begin(), n, in.begin());
    from.send_ack(n);
    to.recv_ack(n);
    moved += n;
  }
}

// Reads everything the engine has received as application data.
template <class E>
std::size_t drain_app(E& e, std::vector<std::uint8_t>& got) {
  std::size_t n = 0;
  while (!e.app_data().empty()) {
    const auto d = e.app_data();
    got.insert(got.end(), d.begin(), d.end());
    n += d.size();
    e.app_ack(d.size());
  }
  return n;
}

// Moves bytes both ways (chunk at a time) and reads the application data
// each side receives (into a_got, b_got) until nothing moves.
template <class A, class B>
void pump(A& a, B& b, std::vector<std::uint8_t>& a_got, std::vector<std::uint8_t>& b_got,
          std::size_t chunk = SIZE_MAX) {
  while (transfer(a, b, chunk) + transfer(b, a, chunk) + drain_app(a, a_got) + drain_app(b, b_got) != 0) {
  }
}
template <class A, class B>
void pump(A& a, B& b, std::size_t chunk = SIZE_MAX) {
  std::vector<std::uint8_t> a_got, b_got;
  pump(a, b, a_got, b_got, chunk);
}

// A client and a server with their buffers, randomness and logs.
struct pair_setup {
  std::array<std::uint8_t, 32> seed{};
  kagi::hmac_drbg client_drbg, server_drbg;
  tls12::random_from<kagi::hmac_drbg> client_rng{client_drbg}, server_rng{server_drbg};
  engine_buffers cb, sb;
  recording_log client_log, server_log;
  tls12::pinned_certificate pin{credentials::capture().cert_der};
  std::array<kagi::bytes_view, 1> chain{kagi::bytes_view(credentials::capture().cert_der)};
  tls12::client_config ccfg;
  tls12::server_config scfg;

  // The server's credentials become the P-256 certificate and key (the
  // ECDHE_ECDSA suites): the client pins that certificate instead.
  void use_ecdsa() {
    const auto& e = credentials::ecdsa();
    pin = tls12::pinned_certificate(e.cert_der);
    chain[0] = kagi::bytes_view(e.cert_der);
    scfg.key = nullptr;
    scfg.ecdsa_key = &e.ec_key;
  }

  explicit pair_setup(std::uint8_t seed_byte = 1)
      : client_drbg(entropy(seed_byte, 'c'), {}, {}), server_drbg(entropy(seed_byte, 's'), {}, {}) {
    ccfg.rng = &client_rng;
    ccfg.verifier = &pin;
    ccfg.keylog = &client_log;
    scfg.rng = &server_rng;
    scfg.certificate_chain = chain;
    scfg.key = &credentials::capture().key;
    scfg.keylog = &server_log;
  }
  static std::array<std::uint8_t, 32> entropy(std::uint8_t seed, char who) {
    std::array<std::uint8_t, 32> e{};
    e.fill(seed);
    e[0] = static_cast<std::uint8_t>(who);
    return e;
  }
};

// ---- record surgery for the rule tests

using byte_vec = std::vector<std::uint8_t>;

struct wire_record {
  std::uint8_t type = 0;
  std::uint16_t version = 0x0303;
  byte_vec payload;
};

// Splits a byte stream into whole records (a trailing partial record is an error).
inline std::vector<wire_record> split_records(kagi::bytes_view in) {
  std::vector<wire_record> out;
  while (!in.empty()) {
    REQUIRE(in.size() >= 5);
    const std::size_t len = std::size_t{in[3]} << 8 | in[4];
    REQUIRE(in.size() >= 5 + len);
    out.push_back({in[0], static_cast<std::uint16_t>(in[1] << 8 | in[2]), byte_vec(in.begin() + 5, in.begin() + 5 + static_cast<std::ptrdiff_t>(len))});
    in = in.subspan(5 + len);
  }
  return out;
}

inline byte_vec make_record(std::uint8_t type, kagi::bytes_view payload, std::uint16_t version = 0x0303) {
  byte_vec r{type, static_cast<std::uint8_t>(version >> 8), static_cast<std::uint8_t>(version),
             static_cast<std::uint8_t>(payload.size() >> 8), static_cast<std::uint8_t>(payload.size())};
  r.insert(r.end(), payload.begin(), payload.end());
  return r;
}

inline byte_vec join(const std::vector<wire_record>& recs) {
  byte_vec out;
  for (const auto& r : recs) {
    const auto b = make_record(r.type, r.payload, r.version);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

// The payloads of consecutive plaintext handshake records, cut again into
// records of `fragment` bytes (one record for everything when 0).
inline byte_vec refragment(const std::vector<wire_record>& recs, std::size_t fragment) {
  byte_vec all;
  for (const auto& r : recs) {
    REQUIRE(r.type == 22);
    all.insert(all.end(), r.payload.begin(), r.payload.end());
  }
  byte_vec out;
  if (fragment == 0) fragment = all.size();
  for (std::size_t at = 0; at < all.size(); at += fragment) {
    const std::size_t n = std::min(fragment, all.size() - at);
    const auto b = make_record(22, kagi::bytes_view(all).subspan(at, n));
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

// Everything an engine has to send (taken and acknowledged).
template <class E>
byte_vec take(E& e) {
  byte_vec out(e.send_buf().begin(), e.send_buf().end());
  e.send_ack(out.size());
  return out;
}

// Feeds bytes to an engine as the wire would (as much as it takes).
template <class E>
void feed(E& e, kagi::bytes_view in) {
  while (!in.empty()) {
    auto buf = e.recv_buf();
    if (buf.empty()) return;
    const std::size_t n = std::min(buf.size(), in.size());
    std::copy_n(in.begin(), n, buf.begin());
    e.recv_ack(n);
    in = in.subspan(n);
  }
}

// The alert records in a plaintext byte stream: {level, description} pairs.
inline std::vector<std::pair<int, int>> plaintext_alerts(kagi::bytes_view out) {
  std::vector<std::pair<int, int>> a;
  for (const auto& r : split_records(out))
    if (r.type == 21 && r.payload.size() == 2) a.emplace_back(r.payload[0], r.payload[1]);
  return a;
}

}  // namespace kagi_test
