// What the TLS example programs share: files, PEM certificate chains, a key
// log file, and the loop that moves bytes between a socket and a kagi engine.
// The library has no sockets; this file is where they live.
#pragma once

#include <kagi.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <netdb.h>
#include <poll.h>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace example {

namespace tls12 = kagi::tls12;

inline bool read_file(const std::string& path, std::string& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  out = s.str();
  return true;
}

// Every CERTIFICATE block of a PEM file, DER-decoded, in order.
inline bool read_certificates(const std::string& path, std::vector<std::vector<std::uint8_t>>& certs,
                              std::string& why) {
  std::string text;
  if (!read_file(path, text)) {
    why = "cannot read " + path;
    return false;
  }
  std::string_view rest = text;
  for (;;) {
    const auto b = kagi::pem::find(rest, "CERTIFICATE");
    if (!b) break;
    std::vector<std::uint8_t> der(b->body.size());
    const auto n = kagi::base64::decode(b->body, der, true);
    if (!n) {
      why = path + ": " + std::string(n.message());
      return false;
    }
    der.resize(*n);
    certs.push_back(std::move(der));
    rest = b->rest;
  }
  if (certs.empty()) {
    why = path + ": no CERTIFICATE block";
    return false;
  }
  return true;
}

// Appends the key log lines to a file (--keylog, or SSLKEYLOGFILE), and
// optionally prints the handshake's secrets (--verbose).
class file_key_log final : public tls12::key_logger {
 public:
  file_key_log(const std::string& path, bool verbose) : verbose_(verbose) {
    if (!path.empty()) f_ = std::fopen(path.c_str(), "a");
  }
  ~file_key_log() override {
    if (f_ != nullptr) std::fclose(f_);
  }
  file_key_log(const file_key_log&) = delete;
  file_key_log& operator=(const file_key_log&) = delete;
  bool ok() const { return f_ != nullptr; }
  void log(std::string_view line) override {
    if (f_ == nullptr) return;
    std::fprintf(f_, "%.*s\n", static_cast<int>(line.size()), line.data());
    std::fflush(f_);
  }
  void secret(std::string_view name, kagi::bytes_view value) override {
    if (verbose_ && (name.find("write") != std::string_view::npos))
      std::fprintf(stderr, "%-18.*s %s\n", static_cast<int>(name.size()), name.data(), kagi::to_hex(value).c_str());
  }

 private:
  std::FILE* f_ = nullptr;
  bool verbose_ = false;
};

// --suite: "ecdhe-rsa" (every ECDHE_RSA suite), "ecdhe-ecdsa" (every
// ECDHE_ECDSA suite), "rsa" (every RSA key exchange suite), or one suite by
// its OpenSSL name (ECDHE-ECDSA-AES128-GCM-SHA256,
// ECDHE-ECDSA-AES256-GCM-SHA384, ECDHE-RSA-AES128-GCM-SHA256,
// ECDHE-RSA-AES256-GCM-SHA384, AES128-GCM-SHA256, AES256-GCM-SHA384).
// false for anything else.
inline bool parse_suites(const std::string& v, std::vector<tls12::cipher_suite>& out) {
  using cs = tls12::cipher_suite;
  if (v == "ecdhe-rsa") {
    out = {cs::ecdhe_rsa_with_aes_128_gcm_sha256, cs::ecdhe_rsa_with_aes_256_gcm_sha384};
  } else if (v == "ecdhe-ecdsa") {
    out = {cs::ecdhe_ecdsa_with_aes_128_gcm_sha256, cs::ecdhe_ecdsa_with_aes_256_gcm_sha384};
  } else if (v == "ECDHE-ECDSA-AES128-GCM-SHA256") {
    out = {cs::ecdhe_ecdsa_with_aes_128_gcm_sha256};
  } else if (v == "ECDHE-ECDSA-AES256-GCM-SHA384") {
    out = {cs::ecdhe_ecdsa_with_aes_256_gcm_sha384};
  } else if (v == "rsa") {
    out = {cs::rsa_with_aes_128_gcm_sha256, cs::rsa_with_aes_256_gcm_sha384};
  } else if (v == "ECDHE-RSA-AES128-GCM-SHA256") {
    out = {cs::ecdhe_rsa_with_aes_128_gcm_sha256};
  } else if (v == "ECDHE-RSA-AES256-GCM-SHA384") {
    out = {cs::ecdhe_rsa_with_aes_256_gcm_sha384};
  } else if (v == "AES128-GCM-SHA256") {
    out = {cs::rsa_with_aes_128_gcm_sha256};
  } else if (v == "AES256-GCM-SHA384") {
    out = {cs::rsa_with_aes_256_gcm_sha384};
  } else {
    return false;
  }
  return true;
}

inline std::string describe(const tls12::error_info& e) {
  std::string s(kagi::message(e.reason));
  if (kagi::group(e.reason) == kagi::errc_group::x509) s = "server certificate is not trusted: " + s;
  if (e.alert_received) s += " (alert received: " + std::string(tls12::alert_name(e.alert)) + ")";
  if (e.alert_sent) s += " (alert sent: " + std::string(tls12::alert_name(e.alert)) + ")";
  return s;
}

inline void print_session(const tls12::session_info& n) {
  std::fprintf(stderr, "suite              %s\n", n.suite_name());
  if (n.kx != tls12::key_exchange::rsa) {
    std::fprintf(stderr, "group              %s\n", tls12::group_name(n.group));
    std::fprintf(stderr, "signature          %s\n", tls12::signature_scheme_name(n.signature));
  }
  std::fprintf(stderr, "extended master    %s\n", n.extended_master_secret ? "yes" : "no");
}

// Sends all of the engine's output. false when the socket fails.
template <class Engine>
bool flush(Engine& e, int fd) {
  while (!e.send_buf().empty()) {
    const auto out = e.send_buf();
    const ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    e.send_ack(static_cast<std::size_t>(n));
  }
  return true;
}

// What a connection loop does with application data and local input.
struct io {
  std::function<void(kagi::bytes_view)> on_data;  // received plaintext
  int input_fd = -1;                              // read and sent once the handshake is done (-1: none)
  std::function<void()> on_handshake;             // once, when the handshake completes
  int timeout_ms = 30000;                         // no progress for this long: give up
};

// Runs a connection until it ends. Returns 0 after a clean close (the peer's
// close_notify, or ours followed by the end of the stream), else prints the
// reason on one line and returns 1.
template <class Engine>
int run_connection(Engine& e, int fd, io& io, const char* who) {
  bool input_open = io.input_fd >= 0, announced = false;
  for (;;) {
    if (!flush(e, fd)) {
      std::fprintf(stderr, "%s: send failed: %s\n", who, std::strerror(errno));
      return 1;
    }
    const auto f = e.flags();
    if (f.failed) {
      std::fprintf(stderr, "%s: %s\n", who, describe(e.last_error()).c_str());
      return 1;
    }
    if (f.handshake_done && !announced) {
      announced = true;
      if (io.on_handshake) io.on_handshake();
    }
    if (f.peer_closed) return 0;
    pollfd p[2] = {{fd, POLLIN, 0}, {io.input_fd, POLLIN, 0}};
    const nfds_t count = (input_open && f.can_write) ? 2 : 1;
    const int r = ::poll(p, count, io.timeout_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "%s: poll failed: %s\n", who, std::strerror(errno));
      return 1;
    }
    if (r == 0) {
      std::fprintf(stderr, "%s: timeout: nothing from the peer for %d ms\n", who, io.timeout_ms);
      return 1;
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const auto in = e.recv_buf();
      const ssize_t n = ::recv(fd, in.data(), in.size(), 0);
      if (n < 0 && errno != EINTR) {
        std::fprintf(stderr, "%s: recv failed: %s\n", who, std::strerror(errno));
        return 1;
      }
      if (n == 0) {
        const bool we_closed = e.flags().closed;
        e.recv_eof();
        if (we_closed && e.last_error().reason == kagi::errc::tls_truncation) return 0;  // we ended it
        if (e.last_error().reason == kagi::errc::ok) return 0;
        std::fprintf(stderr, "%s: %s\n", who, describe(e.last_error()).c_str());
        return 1;
      }
      if (n > 0) e.recv_ack(static_cast<std::size_t>(n));
      while (!e.app_data().empty()) {
        const auto d = e.app_data();
        if (io.on_data) io.on_data(d);
        e.app_ack(d.size());
        if (!flush(e, fd)) return 1;
      }
    }
    if (count == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      std::uint8_t buf[16384];
      const ssize_t n = ::read(io.input_fd, buf, sizeof buf);
      if (n <= 0) {
        input_open = false;
        e.close();  // the end of our input: close_notify, then wait for the peer's
      } else {
        std::size_t done = 0;
        while (done < static_cast<std::size_t>(n)) {
          const auto w = e.write_app(kagi::bytes_view(buf + done, static_cast<std::size_t>(n) - done));
          if (!w) break;
          done += *w;
          if (!flush(e, fd)) return 1;
        }
      }
    }
  }
}

}  // namespace example
