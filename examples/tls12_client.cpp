// tls12_client: a TLS 1.2 client on kagi's sans-I/O engine.
//
//   tls12_client [--cafile FILE] [--server-name NAME] [--suite ecdhe-rsa|ecdhe-ecdsa|rsa|NAME]
//                [--group x25519|p256] [--keylog FILE] [--verbose] HOST PORT
//
// Connects, completes the handshake, sends what it reads from standard input
// (close_notify at its end), writes to standard output what the server sends
// until the server closes, and exits 0 after a clean close; otherwise it
// prints one line saying why (an untrusted certificate, an alert, a timeout)
// and exits 1. By default it offers every suite and group. --cafile names the
// server certificate to trust (pinned: the server's must be byte-equal);
// without it every certificate is refused. The key log goes to --keylog or
// to the file named by SSLKEYLOGFILE.
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "tls12_net.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: tls12_client [--cafile FILE] [--server-name NAME] [--suite ecdhe-rsa|ecdhe-ecdsa|rsa|NAME]\n"
               "                    [--group x25519|p256] [--keylog FILE] [--verbose] HOST PORT\n");
  return 2;
}

int connect_to(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int r = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); r != 0) {
    std::fprintf(stderr, "tls12_client: %s:%s: %s\n", host.c_str(), port.c_str(), ::gai_strerror(r));
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(res);
  if (fd < 0) std::fprintf(stderr, "tls12_client: cannot connect to %s:%s: %s\n", host.c_str(), port.c_str(), std::strerror(errno));
  return fd;
}

bool is_ip_literal(const std::string& host) {
  in6_addr a6{};
  in_addr a4{};
  return ::inet_pton(AF_INET, host.c_str(), &a4) == 1 || ::inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

}  // namespace

int main(int argc, char** argv) {
  namespace tls12 = kagi::tls12;
  std::string cafile, server_name, keylog, host, port;
  bool verbose = false, name_given = false;
  std::vector<tls12::cipher_suite> suites(tls12::default_suites.begin(), tls12::default_suites.end());
  std::vector<tls12::named_group> groups(tls12::default_groups.begin(), tls12::default_groups.end());
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tls12_client: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--cafile") {
      cafile = value();
    } else if (a == "--server-name") {
      server_name = value();
      name_given = true;
    } else if (a == "--keylog") {
      keylog = value();
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "--suite") {
      if (!example::parse_suites(value(), suites)) return usage();
    } else if (a == "--group") {
      const std::string v = value();
      if (v == "x25519") {
        groups = {tls12::named_group::x25519};
      } else if (v == "p256") {
        groups = {tls12::named_group::secp256r1};
      } else {
        return usage();
      }
    } else if (!a.empty() && a[0] == '-') {
      return usage();
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) return usage();
  host = positional[0];
  port = positional[1];
  if (!name_given && !is_ip_literal(host)) server_name = host;  // RFC 6066 3: no IP addresses in SNI
  if (keylog.empty()) {
    if (const char* env = std::getenv("SSLKEYLOGFILE")) keylog = env;
  }

  std::vector<std::vector<std::uint8_t>> pinned;
  if (!cafile.empty()) {
    std::string why;
    if (!example::read_certificates(cafile, pinned, why)) {
      std::fprintf(stderr, "tls12_client: %s\n", why.c_str());
      return 1;
    }
  }
  example::file_key_log log(keylog, verbose);
  if (!keylog.empty() && !log.ok()) {
    std::fprintf(stderr, "tls12_client: cannot open key log %s\n", keylog.c_str());
    return 1;
  }

  kagi::system_random os_rng;
  tls12::random_from<kagi::system_random> rng(os_rng);
  tls12::pinned_certificate pin(pinned.empty() ? kagi::bytes_view{} : kagi::bytes_view(pinned[0]));
  tls12::client_config cfg;
  cfg.rng = &rng;
  cfg.verifier = pinned.empty() ? nullptr : &pin;
  cfg.suites = suites;
  cfg.groups = groups;
  cfg.keylog = &log;
  cfg.now = static_cast<std::int64_t>(std::time(nullptr));

  const int fd = connect_to(host, port);
  if (fd < 0) return 1;
  std::vector<std::uint8_t> in(tls12::min_in_buffer), out(tls12::min_out_buffer), hs(tls12::recommended_handshake_buffer);
  tls12::client c(cfg, tls12::buffers{in, out, hs}, server_name);
  example::io io;
  io.input_fd = STDIN_FILENO;
  io.on_data = [](kagi::bytes_view d) {
    std::fwrite(d.data(), 1, d.size(), stdout);
    std::fflush(stdout);
  };
  io.on_handshake = [&] {
    if (verbose) example::print_session(c.negotiated());
  };
  const int rc = example::run_connection(c, fd, io, "tls12_client");
  ::close(fd);
  return rc;
}
