// tls12_client: a TLS 1.2 client on kagi's sans-I/O engine.
//
//   tls12_client [--cafile FILE | --pin FILE] [--server-name NAME] [--suite ecdhe-rsa|ecdhe-ecdsa|rsa|NAME]
//                [--group x25519|p256] [--keylog FILE] [--verbose] HOST PORT
//
// Connects, completes the handshake, sends what it reads from standard input
// (close_notify at its end), writes to standard output what the server sends
// until the server closes, and exits 0 after a clean close; otherwise it
// prints one line saying why (an untrusted certificate, an alert, a timeout)
// and exits 1. By default it offers every suite and group.
//
// The server's chain is verified to a trust anchor (x509::chain_verifier:
// signatures, dates, CA flags, key usage, and the host name, --server-name or
// else HOST, against the leaf's subjectAltName). The anchors are the PEM
// certificates of --cafile, or Debian's bundle
// (/etc/ssl/certs/ca-certificates.crt) without it. --pin FILE trusts exactly
// the (first) certificate in FILE instead, byte-equal, with no other check.
// The key log goes to --keylog or to the file named by SSLKEYLOGFILE.
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
               "usage: tls12_client [--cafile FILE | --pin FILE] [--server-name NAME] [--suite ecdhe-rsa|ecdhe-ecdsa|rsa|NAME]\n"
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

}  // namespace

int main(int argc, char** argv) {
  namespace tls12 = kagi::tls12;
  std::string cafile, pinfile, server_name, keylog, host, port;
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
    } else if (a == "--pin") {
      pinfile = value();
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
  // Whom the certificate must name: --server-name, or HOST (a DNS name is also
  // sent as SNI; an IP address is matched against the certificate's iPAddress
  // entries and not sent: the engine knows RFC 6066's rule).
  if (!name_given) server_name = host;
  if (keylog.empty()) {
    if (const char* env = std::getenv("SSLKEYLOGFILE")) keylog = env;
  }

  if (!cafile.empty() && !pinfile.empty()) {
    std::fprintf(stderr, "tls12_client: --cafile and --pin exclude each other\n");
    return 2;
  }
  // The trust decision: a pinned certificate, or a path to an anchor of the store.
  std::vector<std::vector<std::uint8_t>> pinned;
  if (!pinfile.empty()) {
    std::string why;
    if (!example::read_certificates(pinfile, pinned, why)) {
      std::fprintf(stderr, "tls12_client: %s\n", why.c_str());
      return 1;
    }
  }
  kagi::x509::trust_store roots;
  if (pinfile.empty()) {
    const std::string store = cafile.empty() ? std::string(kagi::x509::default_bundle) : cafile;
    const auto r = roots.load_file(store);
    if (!r) {
      std::fprintf(stderr, "tls12_client: cannot read the trust store %s\n", store.c_str());
      return 1;
    }
    if (roots.size() == 0) {
      std::fprintf(stderr, "tls12_client: no certificate could be read from %s\n", store.c_str());
      return 1;
    }
    if (verbose && r->failed != 0)
      std::fprintf(stderr, "tls12_client: %zu certificates of %s were skipped (unreadable)\n", r->failed, store.c_str());
  }
  const kagi::x509::chain_verifier chain(roots);
  tls12::x509_verifier pki(chain);
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
  cfg.verifier = pinfile.empty() ? static_cast<const tls12::certificate_verifier*>(&pki) : &pin;
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
