// session_keys: how a TLS 1.2 handshake becomes session keys, step by step.
//
//   key exchange                -> pre-master secret
//   PRF("master secret")        -> master secret
//   PRF("key expansion")        -> key block -> write keys and implicit IVs
//   PRF("client/server finished") -> verify_data of the Finished messages
//
// The key exchange here is TLS_RSA_WITH_AES_128_GCM_SHA256's: the client
// encrypts a fresh pre-master secret to the server's RSA key, the server
// decrypts it (RFC 5246 7.4.7.1), and both sides derive the same keys.
#include <kagi.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

void show(const char* name, kagi::bytes_view value, const char* what) {
  std::printf("%-22s %s\n%-22s   %s\n", name, kagi::to_hex(value).c_str(), "", what);
}

}  // namespace

int main() {
  namespace tls12 = kagi::tls12;
  kagi::system_random rng;

  std::printf("TLS 1.2 session keys for TLS_*_WITH_AES_128_GCM_SHA256 (RFC 5246, RFC 5288)\n\n");

  // 1. ClientHello and ServerHello each carry 32 random bytes.
  tls12::random client_random{}, server_random{};
  rng.fill(client_random);
  rng.fill(server_random);
  show("client_random", client_random, "ClientHello.random: 32 fresh bytes from the client");
  show("server_random", server_random, "ServerHello.random: 32 fresh bytes from the server");

  // 2. RSA key exchange. The server's key (it would come from its certificate;
  //    here a new 2048-bit one) ...
  auto server_key = kagi::rsa_private_key::generate(2048, rng);
  if (!server_key) {
    std::fprintf(stderr, "key generation failed: %s\n", std::string(server_key.message()).c_str());
    return 1;
  }
  std::printf("%-22s %zu-bit RSA key, e = %llu (generated; FIPS 186-5)\n", "server key", server_key->bits(),
              static_cast<unsigned long long>(server_key->public_key().exponent_u64()));
  //    ... the client makes the pre-master secret: its version (3,3) and 46 random bytes ...
  std::array<std::uint8_t, 48> pre_master{};
  rng.fill(pre_master);
  pre_master[0] = 0x03;
  pre_master[1] = 0x03;
  show("pre_master_secret", pre_master, "client: ClientHello.client_version (3,3) || 46 random bytes");
  //    ... encrypts it to the server's public key (RSAES-PKCS1-v1_5) in ClientKeyExchange ...
  std::vector<std::uint8_t> encrypted(server_key->size());
  if (!server_key->public_key().encrypt_pkcs1(pre_master, encrypted, rng)) return 1;
  show("EncryptedPreMaster", std::span(encrypted).first(32),
       "ClientKeyExchange (first 32 of 256 bytes): the pre-master secret under the server's RSA key");
  //    ... and the server decrypts it. decrypt_tls_premaster never fails: a bad
  //    ciphertext or version gives 48 random bytes, and the handshake then
  //    fails at Finished (no padding oracle).
  const auto server_pre_master = server_key->decrypt_tls_premaster(encrypted, 0x0303, rng);
  show("server's pre_master", server_pre_master, "server: decrypt_tls_premaster(ClientKeyExchange, client_version 3.3)");
  if (server_pre_master != pre_master) {
    std::fprintf(stderr, "the server decrypted another pre-master secret\n");
    return 1;
  }

  // 3. Master secret = PRF(pre_master, "master secret", client_random || server_random)[0..47],
  //    computed by each side from its own copy of the pre-master secret.
  const auto master = tls12::compute_master_secret(pre_master, client_random, server_random);
  const auto server_master = tls12::compute_master_secret(server_pre_master, client_random, server_random);
  show("master_secret", master, "PRF(pre_master, \"master secret\", client_random || server_random), 48 bytes");
  if (server_master != master) return 1;

  // 4. Key block = PRF(master, "key expansion", server_random || client_random);
  //    AES-128-GCM takes 2 x 16-byte keys and 2 x 4-byte implicit IVs from it.
  std::array<std::uint8_t, tls12::session_keys::key_block_size> block{};
  tls12::key_block(master, client_random, server_random, block);
  show("key_block", block, "PRF(master, \"key expansion\", server_random || client_random), 40 bytes for AES_128_GCM");
  const auto keys = tls12::derive_session_keys(master, client_random, server_random);
  const auto server_keys = tls12::derive_session_keys(server_master, client_random, server_random);
  if (server_keys.client_write_key != keys.client_write_key || server_keys.server_write_key != keys.server_write_key ||
      server_keys.client_write_iv != keys.client_write_iv || server_keys.server_write_iv != keys.server_write_iv)
    return 1;
  show("client_write_key", keys.client_write_key, "key_block[0..15]: AES-128-GCM key for records the client sends");
  show("server_write_key", keys.server_write_key, "key_block[16..31]: AES-128-GCM key for records the server sends");
  show("client_write_iv", keys.client_write_iv, "key_block[32..35]: implicit nonce part; nonce = this || 8-byte seq number");
  show("server_write_iv", keys.server_write_iv, "key_block[36..39]: the server's implicit nonce part");

  // 5. Finished: verify_data = PRF(master, label, SHA-256(handshake messages))[0..11].
  //    The transcript here is a stand-in for the real handshake messages.
  const std::string transcript = "ClientHello ServerHello Certificate ServerHelloDone ClientKeyExchange";
  const auto client_hash = kagi::sha256::hash(kagi::as_bytes(transcript));
  const auto client_vd = tls12::verify_data(master, tls12::client_finished_label, client_hash);
  show("client verify_data", client_vd, "PRF(master, \"client finished\", SHA-256(transcript)), 12 bytes");
  const std::string transcript2 = transcript + " Finished(client)";
  const auto server_hash = kagi::sha256::hash(kagi::as_bytes(transcript2));
  const auto server_vd = tls12::verify_data(master, tls12::server_finished_label, server_hash);
  show("server verify_data", server_vd, "PRF(master, \"server finished\", SHA-256(transcript + client Finished))");

  std::printf("\nClient and server derived the same master secret and session keys.\n");
  std::printf("SHA-256 ran on the %s path, RSA arithmetic on the %s path.\n", kagi::sha256::implementation(),
              server_key->implementation());
  kagi::secure_wipe(pre_master);
  return 0;
}
