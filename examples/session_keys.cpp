// session_keys: how a TLS 1.2 handshake becomes session keys, told by a real
// kagi client and a real kagi server talking through two byte queues in
// memory:
//
//   ClientHello, ServerHello    each side's 32 random bytes, the suite
//   key exchange                RSA: the client encrypts a fresh pre-master
//                               secret to the server's certificate key;
//                               ECDHE: both make key pairs, the server signs its
//                               half, the shared secret is the pre-master secret
//   PRF("extended master secret", hash of the handshake)  -> master secret
//   PRF("key expansion", server_random || client_random)   -> key block
//   key block                   -> write keys and implicit IVs (the session keys)
//   Finished                    PRF("client/server finished", hash) under the new keys
//   application data            AES-GCM records with those keys, one each way
//
// Every value printed comes from the engines themselves (their key_logger
// hooks), client and server each on their own side; at the end the program
// checks that both derived the same secrets. Run for
// TLS_RSA_WITH_AES_128_GCM_SHA256 and TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
// over x25519. The server's certificate and key are the throwaway pair in
// tests/vectors/tls12_capture.
#include <kagi.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace tls12 = kagi::tls12;

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void show(const char* name, kagi::bytes_view value, const char* what) {
  std::string hex = kagi::to_hex(value);
  if (hex.size() > 64) hex = hex.substr(0, 64) + "... (" + std::to_string(value.size()) + " bytes)";
  std::printf("  %-20s %s\n  %-20s   %s\n", name, hex.c_str(), "", what);
}

// What each side's key_logger sees: the key log line and the secrets.
struct story_log final : tls12::key_logger {
  const char* side;
  bool print;
  std::map<std::string, std::vector<std::uint8_t>> secrets;
  std::string line;
  story_log(const char* s, bool p) : side(s), print(p) {}
  void log(std::string_view l) override { line = l; }
  void secret(std::string_view name, kagi::bytes_view v) override {
    secrets[std::string(name)] = std::vector<std::uint8_t>(v.begin(), v.end());
    if (!print) return;
    static const std::map<std::string, const char*> what = {
        {"pre_master_secret", "the key exchange's result (RSA: 03 03 || 46 random bytes; ECDHE: the shared secret)"},
        {"master_secret", "PRF(pre_master, \"extended master secret\", SHA-256(handshake up to ClientKeyExchange))"},
        {"key_block", "PRF(master, \"key expansion\", server_random || client_random): keys, then IVs"},
        {"client_write_key", "key_block[0..15]: AES-128-GCM key of the client's records"},
        {"server_write_key", "key_block[16..31]: AES-128-GCM key of the server's records"},
        {"client_write_iv", "key_block[32..35]: implicit part of the client's GCM nonces"},
        {"server_write_iv", "key_block[36..39]: implicit part of the server's GCM nonces"},
        {"client_verify_data", "PRF(master, \"client finished\", SHA-256(handshake)): the client's Finished"},
        {"server_verify_data", "PRF(master, \"server finished\", SHA-256(handshake)): the server's Finished"},
    };
    const auto it = what.find(std::string(name));
    show(std::string(name).c_str(), v, it != what.end() ? it->second : "");
  }
};

const char* message_name(std::uint8_t t) {
  switch (static_cast<tls12::handshake_type>(t)) {
    case tls12::handshake_type::client_hello: return "ClientHello";
    case tls12::handshake_type::server_hello: return "ServerHello";
    case tls12::handshake_type::certificate: return "Certificate";
    case tls12::handshake_type::server_key_exchange: return "ServerKeyExchange";
    case tls12::handshake_type::server_hello_done: return "ServerHelloDone";
    case tls12::handshake_type::client_key_exchange: return "ClientKeyExchange";
    case tls12::handshake_type::finished: return "Finished";
    default: return "handshake message";
  }
}

// Prints the records crossing the wire: plaintext handshake messages by name,
// protected records by type.
void describe_records(const char* dir, kagi::bytes_view bytes, bool& protected_from_now) {
  while (bytes.size() >= 5) {
    const std::size_t len = std::size_t{bytes[3]} << 8 | bytes[4];
    const auto type = static_cast<tls12::content_type>(bytes[0]);
    const auto body = bytes.subspan(5, len);
    if (type == tls12::content_type::change_cipher_spec) {
      std::printf("%s ChangeCipherSpec        (from now on its records are AES-GCM protected)\n", dir);
      protected_from_now = true;
    } else if (type == tls12::content_type::handshake && !protected_from_now) {
      for (std::size_t at = 0; at + 4 <= body.size();) {
        const std::size_t mlen = std::size_t{body[at + 1]} << 16 | std::size_t{body[at + 2]} << 8 | body[at + 3];
        std::printf("%s %-22s  %zu bytes\n", dir, message_name(body[at]), mlen + 4);
        if (body[at] == 1 || body[at] == 2) show(body[at] == 1 ? "client_random" : "server_random", body.subspan(at + 6, 32),
                                                 body[at] == 1 ? "ClientHello.random: 32 fresh bytes from the client"
                                                               : "ServerHello.random: 32 fresh bytes from the server");
        at += 4 + mlen;
      }
    } else {
      const char* name = type == tls12::content_type::handshake ? "Finished (protected)"
                         : type == tls12::content_type::alert   ? "alert (protected)"
                                                                 : "application data";
      std::printf("%s %-22s  %zu-byte record: 8-byte explicit nonce || ciphertext || 16-byte tag\n", dir, name, len + 5);
    }
    bytes = bytes.subspan(5 + len);
  }
}

// Moves everything one engine has to send into the other, printing it.
template <class From, class To>
bool deliver(From& from, To& to, const char* dir, bool& protected_from_now) {
  const auto out = from.send_buf();
  if (out.empty()) return false;
  const std::vector<std::uint8_t> wire(out.begin(), out.end());
  from.send_ack(wire.size());
  describe_records(dir, wire, protected_from_now);
  kagi::bytes_view rest = wire;
  while (!rest.empty()) {
    auto in = to.recv_buf();
    if (in.empty()) return false;
    const std::size_t n = std::min(in.size(), rest.size());
    std::copy_n(rest.begin(), n, in.begin());
    to.recv_ack(n);
    rest = rest.subspan(n);
  }
  return true;
}

template <class E>
std::string read_app(E& e) {
  std::string s;
  while (!e.app_data().empty()) {
    const auto d = e.app_data();
    s.append(d.begin(), d.end());
    e.app_ack(d.size());
  }
  return s;
}

bool run(tls12::cipher_suite suite, const std::vector<std::uint8_t>& cert_der, const kagi::rsa_private_key& key) {
  kagi::system_random os;
  tls12::random_from<kagi::system_random> rng(os);
  story_log client_log("client", true), server_log("server", false);
  tls12::pinned_certificate pin(cert_der);
  const std::array<kagi::bytes_view, 1> chain{kagi::bytes_view(cert_der)};
  const std::array<tls12::cipher_suite, 1> suites{suite};
  const std::array<tls12::named_group, 1> groups{tls12::named_group::x25519};

  tls12::client_config ccfg;
  ccfg.rng = &rng;
  ccfg.verifier = &pin;  // the client trusts exactly this certificate
  ccfg.suites = suites;
  ccfg.groups = groups;
  ccfg.keylog = &client_log;
  tls12::server_config scfg;
  scfg.rng = &rng;
  scfg.certificate_chain = chain;
  scfg.key = &key;
  scfg.suites = suites;
  scfg.keylog = &server_log;

  std::vector<std::uint8_t> cin(tls12::min_in_buffer), cout(tls12::min_out_buffer), chs(tls12::min_handshake_buffer);
  std::vector<std::uint8_t> sin(tls12::min_in_buffer), sout(tls12::server::out_buffer_needed(scfg)),
      shs(tls12::recommended_handshake_buffer);
  tls12::client c(ccfg, {cin, cout, chs}, "localhost");
  tls12::server s(scfg, {sin, sout, shs});

  bool c_protected = false, s_protected = false;
  for (bool moved = true; moved;) {  // both directions every round
    const bool to_server = deliver(c, s, "client -> server:", c_protected);
    const bool to_client = deliver(s, c, "server -> client:", s_protected);
    moved = to_server || to_client;
  }
  if (!c.handshake_done() || !s.handshake_done()) {
    std::fprintf(stderr, "handshake failed: client: %s, server: %s\n", std::string(kagi::message(c.last_error().reason)).c_str(),
                 std::string(kagi::message(s.last_error().reason)).c_str());
    return false;
  }
  std::printf("  %-20s %s", "negotiated", c.negotiated().suite_name());
  if (c.negotiated().kx != tls12::key_exchange::rsa)
    std::printf(", %s, ServerKeyExchange signed with %s", tls12::group_name(c.negotiated().group),
                tls12::signature_scheme_name(c.negotiated().signature));
  std::printf(", extended master secret: %s\n", c.negotiated().extended_master_secret ? "yes" : "no");
  std::printf("  %-20s %s\n", "key log line", client_log.line.c_str());

  // One record each way.
  const std::string request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", response = "HTTP/1.1 200 OK\r\n\r\nhello";
  if (!c.write_app(kagi::as_bytes(request))) return false;
  deliver(c, s, "client -> server:", c_protected);
  const std::string got_request = read_app(s);
  if (!s.write_app(kagi::as_bytes(response))) return false;
  deliver(s, c, "server -> client:", s_protected);
  const std::string got_response = read_app(c);
  std::printf("  %-20s %s\n", "server read", got_request == request ? "the client's request, byte for byte" : "MISMATCH");
  std::printf("  %-20s %s\n", "client read", got_response == response ? "the server's response, byte for byte" : "MISMATCH");

  // Both sides derived every secret on their own: they must agree.
  const bool same = !client_log.secrets.empty() && client_log.secrets == server_log.secrets && client_log.line == server_log.line;
  std::printf("  %-20s %s\n", "both sides", same ? "derived the same pre-master secret, master secret, keys and Finished"
                                                 : "DISAGREE");
  c.close();
  deliver(c, s, "client -> server:", c_protected);
  deliver(s, c, "server -> client:", s_protected);
  return same && got_request == request && got_response == response && c.flags().peer_closed && s.flags().peer_closed;
}

}  // namespace

int main() {
  const std::string dir = std::string(KAGI_VECTOR_DIR) + "/tls12_capture/";
  const std::string cert_pem = read_text(dir + "openssl_capture_cert.pem");
  std::vector<std::uint8_t> cert_der(4096);
  const auto n = kagi::pem::decode(cert_pem, "CERTIFICATE", cert_der);
  const auto key = kagi::rsa_private_key::from_pem(read_text(dir + "openssl_capture_key.pem"));
  if (!n || !key) {
    std::fprintf(stderr, "session_keys: cannot load the certificate and key in %s\n", dir.c_str());
    return 1;
  }
  cert_der.resize(*n);

  std::printf("TLS 1.2: a kagi client and a kagi server in memory, from hello to session keys\n");
  bool ok = true;
  for (auto suite : {tls12::cipher_suite::rsa_with_aes_128_gcm_sha256, tls12::cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256}) {
    std::printf("\n== %s\n", tls12::find_suite(static_cast<std::uint16_t>(suite))->name);
    ok = run(suite, cert_der, *key) && ok;
  }
  std::printf("\nSHA-256 ran on the %s path, RSA on %s, AES-GCM on %s, X25519 on %s.\n", kagi::sha256::implementation(),
              key->implementation(), kagi::aes128_gcm::implementation(), kagi::x25519::implementation());
  return ok ? 0 : 1;
}
