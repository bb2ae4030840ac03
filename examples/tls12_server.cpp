// tls12_server: a TLS 1.2 echo server on kagi's sans-I/O engine.
//
//   tls12_server --cert FILE --key FILE [--suite ecdhe-rsa|ecdhe-ecdsa|rsa|NAME] [--keylog FILE]
//                [--once] [--verbose] PORT
//
// Listens on 127.0.0.1:PORT, completes handshakes and echoes every byte of
// application data back; a line "CLOSE" makes it send close_notify and close
// that connection. Clients are served one after another; --once exits after
// the first (0 if it ended cleanly, 1 with a one-line reason otherwise).
// --cert holds the leaf certificate then any intermediates (PEM), --key its
// private key: RSA (PKCS#1 or PKCS#8 PEM; the ECDHE_RSA and RSA suites) or
// P-256 (PKCS#8 or SEC 1 "EC PRIVATE KEY" PEM; the ECDHE_ECDSA suites). --verbose prints the negotiated
// suite, group and session keys to standard error. The key log goes to
// --keylog or to the file named by SSLKEYLOGFILE.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tls12_net.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: tls12_server --cert FILE --key FILE [--suite ecdhe-rsa|ecdhe-ecdsa|rsa|NAME] [--keylog FILE]\n"
               "                    [--once] [--verbose] PORT\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  namespace tls12 = kagi::tls12;
  std::string cert_file, key_file, keylog, port;
  bool once = false, verbose = false;
  std::vector<tls12::cipher_suite> suites(tls12::default_suites.begin(), tls12::default_suites.end());
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tls12_server: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--cert") {
      cert_file = value();
    } else if (a == "--key") {
      key_file = value();
    } else if (a == "--keylog") {
      keylog = value();
    } else if (a == "--once") {
      once = true;
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "--suite") {
      if (!example::parse_suites(value(), suites)) return usage();
    } else if (!a.empty() && a[0] == '-') {
      return usage();
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 1 || cert_file.empty() || key_file.empty()) return usage();
  port = positional[0];
  if (keylog.empty()) {
    if (const char* env = std::getenv("SSLKEYLOGFILE")) keylog = env;
  }

  std::vector<std::vector<std::uint8_t>> certs;
  std::string why, key_text;
  if (!example::read_certificates(cert_file, certs, why)) {
    std::fprintf(stderr, "tls12_server: %s\n", why.c_str());
    return 1;
  }
  if (!example::read_file(key_file, key_text)) {
    std::fprintf(stderr, "tls12_server: cannot read %s\n", key_file.c_str());
    return 1;
  }
  // An RSA key, or a P-256 key (the certificate says which suites can run).
  const auto key = kagi::rsa_private_key::from_pem(key_text);
  const auto ec_key = key ? kagi::result<kagi::p256::private_key_type>(kagi::errc::invalid_argument)
                          : kagi::p256::private_key_from_pem(key_text);
  if (!key && !ec_key) {
    std::fprintf(stderr, "tls12_server: %s: neither RSA (%s) nor P-256 (%s)\n", key_file.c_str(),
                 std::string(key.message()).c_str(), std::string(ec_key.message()).c_str());
    return 1;
  }
  std::vector<kagi::bytes_view> chain;
  for (const auto& c : certs) chain.emplace_back(c);
  example::file_key_log log(keylog, verbose);
  if (!keylog.empty() && !log.ok()) {
    std::fprintf(stderr, "tls12_server: cannot open key log %s\n", keylog.c_str());
    return 1;
  }

  kagi::system_random os_rng;
  tls12::random_from<kagi::system_random> rng(os_rng);
  tls12::server_config cfg;
  cfg.rng = &rng;
  cfg.certificate_chain = chain;
  if (key) {
    cfg.key = &*key;
  } else {
    cfg.ecdsa_key = &*ec_key;
  }
  cfg.suites = suites;
  cfg.keylog = &log;

  const int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  const int yes = 1;
  ::setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(port.c_str())));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (ls < 0 || ::bind(ls, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(ls, 8) != 0) {
    std::fprintf(stderr, "tls12_server: cannot listen on 127.0.0.1:%s: %s\n", port.c_str(), std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr, "tls12_server: listening on 127.0.0.1:%s\n", port.c_str());
  std::vector<std::uint8_t> in(tls12::min_in_buffer), out(tls12::server::out_buffer_needed(cfg)),
      hs(tls12::recommended_handshake_buffer);
  for (;;) {
    const int fd = ::accept(ls, nullptr, nullptr);
    if (fd < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "tls12_server: accept failed: %s\n", std::strerror(errno));
      return 1;
    }
    tls12::server s(cfg, tls12::buffers{in, out, hs});
    std::string line;
    example::io io;
    io.on_data = [&](kagi::bytes_view d) {
      std::size_t done = 0;
      while (done < d.size()) {  // echo everything
        const auto w = s.write_app(d.subspan(done));
        if (!w || *w == 0) break;
        done += *w;
        if (!example::flush(s, fd)) return;
      }
      for (std::uint8_t b : d) {  // a line CLOSE ends the connection
        if (b == '\n') {
          if (line == "CLOSE" || line == "CLOSE\r") s.close();
          line.clear();
        } else if (line.size() < 16) {
          line.push_back(static_cast<char>(b));
        }
      }
    };
    io.on_handshake = [&] {
      if (verbose) example::print_session(s.negotiated());
    };
    const int rc = example::run_connection(s, fd, io, "tls12_server");
    ::close(fd);
    if (once) return rc;
  }
}
