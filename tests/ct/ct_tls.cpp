// The TLS engines' key schedule with the pre-master secret secret, in the
// order the client and server run it (tls12/client.hpp, server.hpp): ECDHE
// key generation from secret randomness and the shared secret, the master
// secret (plain and extended, over SHA-256 and SHA-384), the key block and
// key block, the NSS key log line, the record protection set up with those
// keys (engine.hpp's record_protection) sealing and opening a Finished message,
// verify_data and its comparison, and a forged record closing the reader; for
// every suite the engines support (AES-128 and AES-256, SHA-256 and SHA-384).
//
// A whole in-memory handshake under memcheck with its randomness secret would
// taint what is public on the wire (randoms, public keys, ciphertexts, the
// plaintext the parser must branch on), so this program runs the secret part
// of the handshake alone; the RSA key transport (decrypt_tls_premaster into
// the master secret) is in ct_rsa.
#include <kagi/hash/sha512.hpp>
#include <kagi/tls12/ecdhe.hpp>
#include <kagi/tls12/engine.hpp>
#include <kagi/tls12/keylog.hpp>
#include <kagi/tls12/prf.hpp>
#include <kagi/tls12/record.hpp>
#include <type_traits>

#include "ct_harness.hpp"

namespace {

namespace tls12 = kagi::tls12;

// The OS CSPRNG with its output marked secret (ECDHE private keys).
struct secret_random {
  kagi::system_random sys;
  void fill(std::span<std::uint8_t> out) {
    sys.fill(out);
    kagi::ct::classify(out.data(), out.size());
  }
};

template <class T>
T public_random() {
  T t{};
  kagi::system_random().fill(t);
  return t;
}

// The engine's key schedule for one suite (engine.hpp's derive_keys, what
// client.hpp and server.hpp run): the master secret (plain or extended, over
// the suite's hash), the key block, the key log line, records both ways with
// the suite's key size, Finished and its comparison, and a forged record
// closing the reader.
void key_schedule(const tls12::suite_info& suite, bool extended, kagi::bytes_view pms) {
  using namespace kagi_ct;
  const auto cr = public_random<tls12::random>(), sr = public_random<tls12::random>();
  tls12::transcript t;
  t.use(suite.hash);
  t.update(public_random<std::array<std::uint8_t, 200>>());  // the handshake so far: public
  tls12::detail::key_material km;
  tls12::detail::derive_keys(suite, extended, pms, t, cr, sr, km);
  consume(km.client_key.v);
  consume(km.server_iv.v);
  auto line = tls12::keylog_line(cr, km.master.v);  // hex digits by arithmetic, no table
  consume(line);
  kagi::secure_wipe(line);
  // The client's write side and the server's read side of one direction.
  tls12::detail::record_protection writer, reader, reader2;
  writer.set(km.client_write_key(), km.client_iv.v);
  reader.set(km.client_write_key(), km.client_iv.v);
  reader2.set(km.client_write_key(), km.client_iv.v);
  const auto verify = tls12::detail::finished_data(suite, km, tls12::client_finished_label, t);
  std::array<std::uint8_t, 16> finished{20, 0, 0, 12};
  for (std::size_t i = 0; i < 12; ++i) finished[4 + i] = verify[i];
  std::array<std::uint8_t, 16 + 29> rec{};
  const auto n = writer.seal(tls12::content_type::handshake, finished, rec);
  if (!n) std::abort();
  kagi::ct::declassify(rec.data(), rec.size());  // on the wire
  std::array<std::uint8_t, 16 + 29> copy = rec;
  const auto opened = reader.open(rec, std::span(rec).subspan(13));
  if (!opened) std::abort();
  const auto expected = tls12::detail::finished_data(suite, km, tls12::client_finished_label, t);
  const bool ok = kagi::ct_equal(expected, opened->plaintext.subspan(4, 12));  // verdict declassified inside
  sink = sink ^ static_cast<std::uint8_t>(ok);
  // A forged record (a bit of the tag flipped): refused, and the reader is closed.
  copy[copy.size() - 1] ^= 1;
  std::array<std::uint8_t, 16> out{};
  if (reader2.open(copy, out)) std::abort();
  if (reader2.open(copy, out).error() != kagi::errc::tls_closed) std::abort();
  consume(out);
  consume(tls12::detail::finished_data(suite, km, tls12::server_finished_label, t));
}

void every_suite(kagi::bytes_view pms, bool rsa_kx) {
  for (const auto& suite : tls12::supported_suites) {
    if ((suite.kx == tls12::key_exchange::rsa) != rsa_kx) continue;
    key_schedule(suite, false, pms);
    key_schedule(suite, true, pms);
  }
}

}  // namespace

int main() {
  using namespace kagi_ct;
  // RSA key transport: a 48-byte pre-master secret.
  {
    const auto pms = secret_bytes(48);
    every_suite(pms, true);
  }
  report("RSA suites: master secret (plain, extended; SHA-256, SHA-384), key block, key log, records, Finished");

  // ECDHE: both sides' keys from secret randomness, the shared secret, the schedule.
  for (auto g : {tls12::named_group::x25519, tls12::named_group::secp256r1}) {
    secret_random rng;
    auto client = tls12::ecdhe_private_key::generate(g, rng);
    auto server = tls12::ecdhe_private_key::generate(g, rng);
    if (!client || !server) return 1;
    std::array<std::uint8_t, 65> pub{};
    const auto n = server->public_key(pub);  // public: declassified inside
    if (!n) return 1;
    const auto z = client->premaster_secret(std::span(pub).first(*n));
    if (!z) return 1;
    every_suite(*z, false);
  }
  report("ECDHE suites: key generation, premaster_secret, and the key schedule on it");
  return 0;
}
