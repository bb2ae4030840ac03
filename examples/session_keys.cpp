// session_keys: how a TLS 1.2 handshake becomes session keys, step by step.
//
//   key exchange                -> pre-master secret
//   PRF("master secret")        -> master secret
//   PRF("key expansion")        -> key block -> write keys and implicit IVs
//   PRF("client/server finished") -> verify_data of the Finished messages
//   AES-128-GCM with the write key and IV -> protected records (RFC 5288)
//
// The first key exchange is TLS_RSA_WITH_AES_128_GCM_SHA256's: the client
// encrypts a fresh pre-master secret to the server's RSA key, the server
// decrypts it (RFC 5246 7.4.7.1), and both sides derive the same keys. Then
// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256's, over x25519 and over secp256r1
// (RFC 8422): each side makes a fresh key pair, the server signs its public
// key with its RSA key in ServerKeyExchange, the client answers with its own
// in ClientKeyExchange, and the Diffie-Hellman shared secret is the
// pre-master secret.
#include <kagi.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

void show(const char* name, kagi::bytes_view value, const char* what) {
  std::printf("%-22s %s\n%-22s   %s\n", name, kagi::to_hex(value).c_str(), "", what);
}

// One ECDHE key exchange (RFC 8422) for the group, signed with the server's
// RSA key (rsa_pss_rsae_sha256, as OpenSSL's server chose in the captured
// session), up to the session keys. Returns false if anything disagrees.
bool ecdhe_exchange(kagi::tls12::named_group group, const char* group_name, const kagi::rsa_private_key& server_key,
                    const kagi::tls12::random& client_random, const kagi::tls12::random& server_random,
                    kagi::system_random& rng) {
  namespace tls12 = kagi::tls12;
  std::printf("\n-- ECDHE over %s (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, RFC 8422; same hello randoms) --\n",
              group_name);
  const std::size_t key_size = tls12::ecdh_public_key_size(group);

  // Server: a fresh key pair; ServerKeyExchange = params || signature over
  // client_random || server_random || params.
  const auto server = tls12::ecdhe_private_key::generate(group, rng);
  if (!server) return false;
  std::vector<std::uint8_t> server_public(key_size);
  if (!server->public_key(server_public)) return false;
  show("server public key", server_public,
       group == tls12::named_group::x25519 ? "server: ephemeral X25519 public key (a u-coordinate, 32 bytes)"
                                           : "server: ephemeral P-256 public key, SEC 1 uncompressed (04 || X || Y)");
  const tls12::server_ecdh_params params{group, server_public};
  std::vector<std::uint8_t> signed_data(64 + params.encoded_size());
  if (!tls12::server_signed_data(client_random, server_random, params, signed_data)) return false;
  std::vector<std::uint8_t> signature(server_key.size());
  if (!server_key.sign_pss_sha256(signed_data, signature, rng)) return false;
  std::vector<std::uint8_t> ske(params.encoded_size() + 4 + signature.size());
  if (!tls12::encode_server_key_exchange_ecdhe(params, 0x0804, signature, ske)) return false;
  show("ServerKeyExchange", std::span(ske).first(params.encoded_size() + 4),
       "curve_type 3 || group || point<1..255> || 0x0804 (rsa_pss_rsae_sha256) || signature length; 256-byte signature follows");

  // Client: decodes it, checks the signature with the key from the server's
  // certificate, makes its own key pair and the pre-master secret.
  const auto got = tls12::decode_server_key_exchange_ecdhe(ske);
  if (!got || got->params.group != group) return false;
  std::vector<std::uint8_t> client_signed(64 + got->params_encoding.size());
  std::copy(client_random.begin(), client_random.end(), client_signed.begin());
  std::copy(server_random.begin(), server_random.end(), client_signed.begin() + 32);
  std::copy(got->params_encoding.begin(), got->params_encoding.end(), client_signed.begin() + 64);
  if (!server_key.public_key().verify_pss_sha256(client_signed, got->signature)) return false;
  std::printf("%-22s %s\n", "signature", "client: RSA-PSS over client_random || server_random || params verifies");
  const auto client = tls12::ecdhe_private_key::generate(group, rng);
  if (!client) return false;
  std::vector<std::uint8_t> client_public(key_size), cke(1 + key_size);
  if (!client->public_key(client_public)) return false;
  if (!tls12::encode_client_key_exchange_ecdhe(group, client_public, cke)) return false;
  show("ClientKeyExchange", cke, "client: point<1..255> with its ephemeral public key");
  const auto client_pre_master = client->premaster_secret(got->params.public_key);
  if (!client_pre_master) return false;
  show("pre_master_secret", *client_pre_master,
       group == tls12::named_group::x25519 ? "client: X25519(client private, server public), 32 bytes"
                                           : "client: x-coordinate of (client private) * (server public), 32 bytes");

  // Server: decodes ClientKeyExchange and gets the same pre-master secret.
  const auto client_key = tls12::decode_client_key_exchange_ecdhe(group, cke);
  if (!client_key) return false;
  const auto server_pre_master = server->premaster_secret(*client_key);
  if (!server_pre_master || *server_pre_master != *client_pre_master) return false;
  std::printf("%-22s %s\n", "server's pre_master", "server: the same 32 bytes from (server private, client public)");

  // Both: master secret and session keys, as in steps 3 and 4.
  const auto master = tls12::compute_master_secret(*client_pre_master, client_random, server_random);
  const auto keys = tls12::derive_session_keys(master, client_random, server_random);
  const auto server_keys =
      tls12::derive_session_keys(tls12::compute_master_secret(*server_pre_master, client_random, server_random),
                                 client_random, server_random);
  if (server_keys.client_write_key != keys.client_write_key || server_keys.server_write_key != keys.server_write_key)
    return false;
  show("master_secret", master, "PRF(pre_master, \"master secret\", client_random || server_random)");
  show("client_write_key", keys.client_write_key, "key_block[0..15]");
  show("server_write_key", keys.server_write_key, "key_block[16..31]");
  return true;
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

  // 6. Records: the client seals with client_write_key and client_write_iv; the
  //    server opens with the keys it derived on its own side. The nonce is the
  //    implicit IV followed by an 8-byte explicit part sent in the record (here
  //    the sequence number); the additional data binds the sequence number, type,
  //    version and length. (In a real session the first protected record is the
  //    Finished message; this one is application data with sequence number 0.)
  tls12::aes128_gcm_record client_writer(keys.client_write_key, keys.client_write_iv);
  tls12::aes128_gcm_record server_reader(server_keys.client_write_key, server_keys.client_write_iv);
  const std::string request = "GET / HTTP/1.1\r\nHost: kagi.example\r\n\r\n";
  std::vector<std::uint8_t> record(request.size() + client_writer.overhead);
  const auto sealed = client_writer.seal(tls12::content_type::application_data, kagi::as_bytes(request), record);
  if (!sealed) {
    std::fprintf(stderr, "seal failed: %.*s\n", static_cast<int>(sealed.message().size()), sealed.message().data());
    return 1;
  }
  std::printf("\n");
  show("record (client)", record,
       "17 0303 length || explicit nonce (seq 0) || AES-128-GCM(client_write_key) ciphertext || 16-byte tag");

  std::vector<std::uint8_t> received(record.size());
  const auto opened = server_reader.open(record, received);
  if (!opened) {
    std::fprintf(stderr, "open failed: %.*s\n", static_cast<int>(opened.message().size()), opened.message().data());
    return 1;
  }
  const std::string text(opened->plaintext.begin(), opened->plaintext.end());
  std::printf("%-22s %s\n", "opened by the server", text == request ? "the client's request, byte for byte" : "MISMATCH");

  // A single flipped bit anywhere in the record is refused.
  record[record.size() / 2] ^= 0x01;
  tls12::aes128_gcm_record second_reader(server_keys.client_write_key, server_keys.client_write_iv);
  const auto tampered = second_reader.open(record, received);
  std::printf("%-22s %.*s\n", "tampered record", static_cast<int>(tampered.message().size()), tampered.message().data());
  if (tampered || text != request) return 1;

  // 7. The same handshake with ECDHE instead of RSA key transport.
  if (!ecdhe_exchange(tls12::named_group::x25519, "x25519", *server_key, client_random, server_random, rng) ||
      !ecdhe_exchange(tls12::named_group::secp256r1, "secp256r1", *server_key, client_random, server_random, rng)) {
    std::fprintf(stderr, "the ECDHE exchange failed\n");
    return 1;
  }

  std::printf("\nIn each exchange client and server derived the same master secret and session keys.\n");
  std::printf("SHA-256 ran on the %s path, RSA arithmetic on the %s path, AES-GCM on the %s path, X25519 on the %s path,\n"
              "P-256 on the %s path.\n",
              kagi::sha256::implementation(), server_key->implementation(), kagi::aes128_gcm::implementation(),
              kagi::x25519::implementation(), kagi::p256::implementation());
  kagi::secure_wipe(pre_master);
  return 0;
}
