// Secret-handling functions of cipher/ and tls12/record: AES block encryption
// and decryption, AES-GCM encryption and decryption (good and bad tags, 96-bit
// and other nonces), and TLS record sealing and opening, with the key and the
// plaintext secret.
#include <algorithm>
#include <cstdlib>
#include <kagi/cipher/aes.hpp>
#include <kagi/cipher/gcm.hpp>
#include <kagi/tls12/record.hpp>

#include "ct_harness.hpp"

namespace {

template <std::size_t KeyBits>
void gcm_round_trips() {
  using namespace kagi_ct;
  const auto key = secret_array<KeyBits / 8>();
  const kagi::aes_gcm<KeyBits> g(key);
  for (std::size_t len : {0u, 1u, 15u, 16u, 17u, 64u, 100u, 255u, 256u, 257u, 1000u, 2100u}) {
    for (std::size_t nonce_len : {12u, 8u, 60u}) {
      std::vector<std::uint8_t> nonce(nonce_len, 0x42), aad(len % 29, 0x17);
      const auto pt = secret_bytes(len);
      std::vector<std::uint8_t> ct(len), back(len);
      std::array<std::uint8_t, 16> tag{};
      if (!g.encrypt(nonce, aad, pt, ct, tag)) std::abort();
      consume(ct);
      consume(tag);
      kagi::ct::declassify(ct.data(), ct.size());  // the ciphertext and tag are public
      kagi::ct::declassify(tag.data(), tag.size());
      if (!g.decrypt(nonce, aad, ct, tag, back)) std::abort();
      consume(back);
      tag[3] ^= 1;
      if (g.decrypt(nonce, aad, ct, tag, back).error() != kagi::errc::authentication_failed) std::abort();
      consume(back);
      std::array<std::uint8_t, 12> short_tag{};
      std::copy_n(tag.begin(), 12, short_tag.begin());
      if (!g.encrypt(nonce, aad, pt, ct, short_tag)) std::abort();
      consume(short_tag);
    }
  }
}

}  // namespace

int main() {
  using namespace kagi_ct;
  {
    const auto k128 = secret_array<16>();
    const auto k256 = secret_array<32>();
    const auto blocks = secret_bytes(16 * 9);
    std::vector<std::uint8_t> out(blocks.size());
    if (!kagi::aes128(k128).encrypt(blocks, out) || !kagi::aes256(k256).decrypt(blocks, out)) return 1;
    consume(out);
  }
  report("aes-128/256 block encryption and decryption");

  gcm_round_trips<128>();
  gcm_round_trips<192>();
  gcm_round_trips<256>();
  report("aes-gcm encrypt and decrypt (good and bad tags, 96-bit and other nonces)");

  {
    const auto key = secret_array<16>();
    const auto iv = secret_array<4>();
    kagi::tls12::aes128_gcm_record writer(key, iv), reader(key, iv);
    for (std::size_t len : {0u, 16u, 1420u}) {
      const auto pt = secret_bytes(len);
      std::vector<std::uint8_t> rec(len + writer.overhead), back(len);
      if (!writer.seal(kagi::tls12::content_type::application_data, pt, rec)) return 1;
      kagi::ct::declassify(rec.data(), rec.size());
      if (!reader.open(rec, back)) return 1;
      consume(back);
    }
  }
  report("tls12 aes128_gcm_record seal and open");
  return 0;
}
