// Secret-handling functions of hash/ and tls12/prf: the SHA-256, SHA-384 and
// SHA-512 message, the HMAC key and message (over all three), the DRBG seed, the PRF secret, the pre-master and
// master secrets and the derived session keys.
#include <kagi/hash/hmac.hpp>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/hash/sha256.hpp>
#include <kagi/hash/sha512.hpp>
#include <kagi/tls12/prf.hpp>

#include "ct_harness.hpp"

int main() {
  using namespace kagi_ct;
  // SHA-256 on a secret message of several lengths (tail handling included).
  for (std::size_t len : {0u, 1u, 55u, 56u, 64u, 100u, 1000u}) {
    const auto msg = secret_bytes(len);
    consume(kagi::sha256::hash(msg));
  }
  report("sha256");

  // HMAC with a secret key (short and hashed long keys) over a secret message.
  for (std::size_t klen : {16u, 64u, 100u}) {
    const auto key = secret_bytes(klen);
    const auto msg = secret_bytes(77);
    consume(kagi::hmac_sha256::mac(key, msg));
    kagi::hmac_sha256 h(key);
    h.update(msg);
    auto expected = secret_array<32>();
    const bool ok = h.verify(expected);  // the verdict is declassified inside
    sink = sink ^ static_cast<std::uint8_t>(ok);
  }
  report("hmac-sha256");

  // SHA-384 and SHA-512 on a secret message: the 112-byte padding edge, one
  // block, and runs of blocks in pairs and alone (the AVX2 kernel's two paths).
  for (std::size_t len : {0u, 1u, 111u, 112u, 128u, 200u, 256u, 640u}) {
    const auto msg = secret_bytes(len);
    consume(kagi::sha384::hash(msg));
    consume(kagi::sha512::hash(msg));
  }
  {
    const auto b1 = secret_bytes(128), b2 = secret_bytes(128);
    std::array<std::uint64_t, 8> h1{}, h2{};
    kagi::sha512::compress2(h1.data(), b1.data(), h2.data(), b2.data());
    std::array<std::uint8_t, 128> out{};
    for (std::size_t i = 0; i < 8; ++i) {
      kagi::store_be64(out.data() + 8 * i, h1[i]);
      kagi::store_be64(out.data() + 64 + 8 * i, h2[i]);
    }
    consume(out);
  }
  report("sha384, sha512");

  // HMAC-SHA-384/512 with a secret key (short, one block, and hashed long keys).
  for (std::size_t klen : {16u, 128u, 200u}) {
    const auto key = secret_bytes(klen);
    const auto msg = secret_bytes(77);
    consume(kagi::hmac_sha384::mac(key, msg));
    kagi::hmac_sha512 h(key);
    h.update(msg);
    auto expected = secret_array<64>();
    const bool ok = h.verify(expected);  // the verdict is declassified inside
    sink = sink ^ static_cast<std::uint8_t>(ok);
  }
  report("hmac-sha384, hmac-sha512");

  // HMAC_DRBG seeded with secret entropy.
  {
    const auto entropy = secret_bytes(32);
    const auto nonce = secret_bytes(16);
    kagi::hmac_drbg drbg(entropy, nonce);
    std::array<std::uint8_t, 100> out{};
    drbg.fill(out);
    consume(out);
    const auto more = secret_bytes(32);
    if (!drbg.reseed(more)) return 1;
    drbg.fill(out);
    consume(out);
  }
  report("hmac_drbg");

  // TLS 1.2 key schedule from a secret pre-master secret (RSA 48 bytes, ECDHE 32).
  for (std::size_t pms_len : {48u, 32u}) {
    const auto pms = secret_bytes(pms_len);
    kagi::tls12::random cr{}, sr{};
    kagi::system_random().fill(cr);
    kagi::system_random().fill(sr);
    const auto ms = kagi::tls12::compute_master_secret(pms, cr, sr);
    const auto keys = kagi::tls12::derive_session_keys(ms, cr, sr);
    consume(keys.client_write_key);
    consume(keys.server_write_key);
    consume(keys.client_write_iv);
    consume(keys.server_write_iv);
    std::array<std::uint8_t, 32> hs{};
    kagi::system_random().fill(hs);
    consume(kagi::tls12::verify_data(ms, kagi::tls12::client_finished_label, hs));
    const auto ems = kagi::tls12::compute_extended_master_secret(pms, hs);
    consume(ems);
    std::array<std::uint8_t, 100> out{};
    kagi::tls12::prf(pms, "test label", {cr}, out);
    consume(out);
  }
  report("tls12 prf, master secret, session keys, verify_data");
  return 0;
}
