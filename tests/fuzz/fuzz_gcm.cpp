// gcm: AES-128/256-GCM against OpenSSL on every path of the AES-GCM dispatch
// table, with the nonce length, AAD, tag length and plaintext chosen by the
// input: encryption (out of place and in place) must give OpenSSL's bytes,
// decryption must give the plaintext back, and a forged message (a bit flipped
// in the ciphertext, tag, AAD or nonce, where the input says) must be refused
// with the output zeroed. Tag lengths SP 800-38D does not allow must be refused.
#include <openssl/evp.h>

#include <algorithm>
#include <kagi/cipher/gcm.hpp>

#include "fuzz.hpp"

namespace {

using kagi_fuzz::bytes;
using kagi_fuzz::hex;

struct sealed {
  bytes ciphertext, tag;
};

sealed openssl_seal(kagi::bytes_view key, kagi::bytes_view nonce, kagi::bytes_view aad, kagi::bytes_view pt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const EVP_CIPHER* c = key.size() == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
  sealed r{bytes(pt.size()), bytes(16)};
  int n = 0;
  bool ok = EVP_EncryptInit_ex(ctx, c, nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) == 1 &&
            EVP_EncryptInit_ex(ctx, nullptr, nullptr, key.data(), nonce.data()) == 1;
  if (ok && !aad.empty()) ok = EVP_EncryptUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1;
  if (ok && !pt.empty()) ok = EVP_EncryptUpdate(ctx, r.ciphertext.data(), &n, pt.data(), static_cast<int>(pt.size())) == 1;
  std::uint8_t fin[16];
  if (ok) ok = EVP_EncryptFinal_ex(ctx, fin, &n) == 1 && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, r.tag.data()) == 1;
  EVP_CIPHER_CTX_free(ctx);
  KAGI_FUZZ_CHECK(ok, "OpenSSL's AES-GCM failed");
  return r;
}

template <std::size_t Bits>
void run(FuzzedDataProvider& in) {
  using gcm = kagi::aes_gcm<Bits>;
  const bytes key = [&] {
    bytes k = in.ConsumeBytes<std::uint8_t>(gcm::key_size);
    k.resize(gcm::key_size);
    return k;
  }();
  const std::size_t nonce_len = in.ConsumeBool() ? 12 : in.ConsumeIntegralInRange<std::size_t>(0, 80);
  bytes nonce = in.ConsumeBytes<std::uint8_t>(nonce_len);
  nonce.resize(nonce_len);
  const std::size_t tag_len = in.ConsumeBool() ? 16 : in.ConsumeIntegralInRange<std::size_t>(0, 17);
  const int forge_where = in.ConsumeIntegralInRange(0, 3);  // ciphertext, tag, aad, nonce
  const std::size_t forge_at = in.ConsumeIntegral<std::uint16_t>();
  const std::uint8_t forge_bit = static_cast<std::uint8_t>(1u << in.ConsumeIntegralInRange(0, 7));
  const bytes aad = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 100));
  const bytes pt = in.ConsumeRemainingBytes<std::uint8_t>();

  const auto g = gcm::from_key(key);
  KAGI_FUZZ_CHECK(g.has_value(), "from_key refused a key of the right size");
  bytes ct(pt.size()), tag(tag_len), back(pt.size());
  if (nonce_len == 0 || !gcm::valid_tag_size(tag_len)) {
    kagi_fuzz::for_each_path(kagi::detail::gcm_table<gcm::key_size == 16 ? 10 : 14>, [&](const char*) {
      KAGI_FUZZ_CHECK(g->encrypt(nonce, aad, pt, ct, tag).error() == kagi::errc::bad_length,
                      "encrypt accepted nonce length " + std::to_string(nonce_len) + ", tag length " + std::to_string(tag_len));
      KAGI_FUZZ_CHECK(g->decrypt(nonce, aad, ct, tag, back).error() == kagi::errc::bad_length, "decrypt accepted bad lengths");
    });
    return;
  }
  const sealed want = openssl_seal(key, nonce, aad, pt);
  const bytes want_tag(want.tag.begin(), want.tag.begin() + static_cast<std::ptrdiff_t>(tag_len));

  kagi_fuzz::for_each_path(kagi::detail::gcm_table<gcm::key_size == 16 ? 10 : 14>, [&](const char*) {
    const auto ctx = gcm::from_key(key);  // the key set-up of this path
    KAGI_FUZZ_CHECK(ctx->key_state().hpow == g->key_state().hpow, "the key powers differ between paths");
    std::fill(ct.begin(), ct.end(), 0);
    std::fill(tag.begin(), tag.end(), 0);
    KAGI_FUZZ_CHECK(ctx->encrypt(nonce, aad, pt, ct, tag).has_value(), "encrypt failed");
    KAGI_FUZZ_CHECK(ct == want.ciphertext, "ciphertext " + hex(ct) + " != OpenSSL " + hex(want.ciphertext));
    KAGI_FUZZ_CHECK(tag == want_tag, "tag " + hex(tag) + " != OpenSSL " + hex(want_tag));
    bytes inplace = pt, tag2(tag_len);
    KAGI_FUZZ_CHECK(ctx->encrypt(nonce, aad, inplace, inplace, tag2).has_value() && inplace == ct && tag2 == tag,
                    "in-place encryption differs");
    KAGI_FUZZ_CHECK(ctx->decrypt(nonce, aad, ct, tag, back).has_value() && back == pt, "decrypt did not give the plaintext back");
    KAGI_FUZZ_CHECK(ctx->decrypt(nonce, aad, inplace, tag, inplace).has_value() && inplace == pt, "in-place decryption differs");

    // The forgery: one bit changed where the input says (when there is such a byte).
    bytes fct = ct, ftag = tag, faad = aad, fnonce = nonce;
    bytes* target = forge_where == 0 ? &fct : forge_where == 1 ? &ftag : forge_where == 2 ? &faad : &fnonce;
    if (target->empty()) return;
    (*target)[forge_at % target->size()] ^= forge_bit;
    bytes out(pt.size(), 0xa5);
    KAGI_FUZZ_CHECK(ctx->decrypt(fnonce, faad, fct, ftag, out).error() == kagi::errc::authentication_failed,
                    "a forged message was accepted (forged part " + std::to_string(forge_where) + ")");
    KAGI_FUZZ_CHECK(std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == 0; }),
                    "the output of a refused decryption was not zeroed");
    bytes fin = fct;
    KAGI_FUZZ_CHECK(ctx->decrypt(fnonce, faad, fin, ftag, fin).error() == kagi::errc::authentication_failed &&
                        std::all_of(fin.begin(), fin.end(), [](std::uint8_t b) { return b == 0; }),
                    "an in-place forgery was accepted or not zeroed");
  });
}

}  // namespace

KAGI_FUZZ_TARGET(gcm, "AES-128/256-GCM seal and open, forged tags, every path, against OpenSSL") {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    run<256>(in);
  } else {
    run<128>(in);
  }
}
