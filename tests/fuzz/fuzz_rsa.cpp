// Targets for rsa/ and math/:
//   rsa   one fixed 2048-bit key (tests/vectors/tls12_capture), against OpenSSL:
//         the raw public operation on arbitrary values; PKCS#1 v1.5 and PSS
//         verification (SHA-256/384/512) of arbitrary signatures and of near-valid
//         ones (a real signature's encoded message with bytes changed where the
//         input says, signed again with the raw private operation) - the verdicts
//         must agree; PKCS#1 v1.5 encryption (OpenSSL decrypts it) and decryption
//         of arbitrary ciphertexts (verdict and plaintext as OpenSSL's)
//   mont  Montgomery multiplication and squaring at every width (1..64 limbs) on
//         every path of mont_mul_table, and exponentiation (secret and public
//         exponents) on every path of mont_pow_table, against OpenSSL's BIGNUMs
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <kagi/hash/hmac_drbg.hpp>
#include <kagi/rsa/rsa.hpp>
#include <memory>

#include "fuzz.hpp"

namespace {

using kagi_fuzz::bytes;
using kagi_fuzz::seeded_drbg;
using kagi_fuzz::hex;
using kagi::bn::limb;

struct fixed_key {
  kagi::rsa_private_key kagi_key;
  EVP_PKEY* ossl = nullptr;
  std::size_t k = 0;
  static const fixed_key& get() {
    static const fixed_key f = [] {
      fixed_key r;
      const std::string pem = kagi_fuzz::read_vector_file("tls12_capture/openssl_capture_key.pem");
      auto key = kagi::rsa_private_key::from_pem(pem);
      if (!key) kagi_fuzz::fail(__FILE__, __LINE__, "load the fixed key", std::string(key.message()));
      r.kagi_key = *key;
      BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
      r.ossl = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
      BIO_free(bio);
      if (r.ossl == nullptr) kagi_fuzz::fail(__FILE__, __LINE__, "OpenSSL loads the fixed key", "");
      r.k = r.kagi_key.size();
      return r;
    }();
    return f;
  }
};

// One EVP_PKEY operation with no padding (the raw RSA function): sign is
// x^d, verify_recover is x^e. Empty when OpenSSL refuses (x >= n).
bytes raw(EVP_PKEY* key, kagi::bytes_view x, bool private_op) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  bytes out(fixed_key::get().k);
  size_t n = out.size();
  bool ok = ctx != nullptr && (private_op ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_recover_init(ctx)) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1;
  if (ok) ok = (private_op ? EVP_PKEY_sign(ctx, out.data(), &n, x.data(), x.size())
                           : EVP_PKEY_verify_recover(ctx, out.data(), &n, x.data(), x.size())) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return {};
  out.resize(n);
  if (n < fixed_key::get().k) out.insert(out.begin(), fixed_key::get().k - n, 0);
  return out;
}

const EVP_MD* md(int h) { return h == 0 ? EVP_sha256() : h == 1 ? EVP_sha384() : EVP_sha512(); }

bool setup(EVP_PKEY_CTX* pctx, bool pss, const EVP_MD* m) {
  if (!pss) return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, EVP_MD_get_size(m)) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, m) == 1;
}

bool ossl_verify(kagi::bytes_view msg, kagi::bytes_view sig, bool pss, int h) {
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const bool ok = EVP_DigestVerifyInit(mctx, &pctx, md(h), nullptr, fixed_key::get().ossl) == 1 && setup(pctx, pss, md(h)) &&
                  EVP_DigestVerify(mctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(mctx);
  return ok;
}

bytes ossl_sign(kagi::bytes_view msg, bool pss, int h) {
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bytes sig(fixed_key::get().k);
  size_t len = sig.size();
  const bool ok = EVP_DigestSignInit(mctx, &pctx, md(h), nullptr, fixed_key::get().ossl) == 1 && setup(pctx, pss, md(h)) &&
                  EVP_DigestSign(mctx, sig.data(), &len, msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(mctx);
  KAGI_FUZZ_CHECK(ok && len == sig.size(), "OpenSSL could not sign");
  return sig;
}

bool kagi_verify(kagi::bytes_view msg, kagi::bytes_view sig, bool pss, int h) {
  const auto& pub = fixed_key::get().kagi_key.public_key();
  const auto p = pss ? kagi::rsa_padding::pss : kagi::rsa_padding::pkcs1_v15;
  const kagi::status s = h == 0   ? pub.verify<kagi::sha256>(p, msg, sig)
                         : h == 1 ? pub.verify<kagi::sha384>(p, msg, sig)
                                  : pub.verify<kagi::sha512>(p, msg, sig);
  if (!s) {
    const bool expected_error = s.error() == kagi::errc::rsa_bad_signature || s.error() == kagi::errc::bad_length;
    KAGI_FUZZ_CHECK(expected_error, "verify failed with " + std::string(kagi::message(s.error())));
  }
  return s.has_value();
}

// The raw public operation s^e mod n through kagi (empty when s >= n).
bytes kagi_public_op(kagi::bytes_view s) {
  const auto& pub = fixed_key::get().kagi_key.public_key();
  const std::size_t nl = pub.modulus_context().size();
  std::array<limb, kagi::bn::max_limbs> x{};
  if (!kagi::bn::from_bytes(x.data(), nl, s) || !kagi::bn::less(x.data(), pub.modulus_context().modulus(), nl)) return {};
  pub.public_op(x.data(), x.data());
  bytes out(pub.size());
  KAGI_FUZZ_CHECK(kagi::bn::to_bytes(out, x.data(), nl), "public op result does not fit");
  return out;
}

}  // namespace

KAGI_FUZZ_TARGET(rsa, "RSA public op, PKCS#1 v1.5/PSS verify (arbitrary and near-valid), PKCS#1 encryption, a fixed key, against OpenSSL") {
  const auto& key = fixed_key::get();
  FuzzedDataProvider in(data, size);
  const int mode = in.ConsumeIntegralInRange(0, 4);
  const bool pss = in.ConsumeBool();
  const int h = in.ConsumeIntegralInRange(0, 2);
  switch (mode) {
    case 0: {  // the raw public operation on any value of k bytes
      bytes s = in.ConsumeBytes<std::uint8_t>(key.k);
      s.resize(key.k);
      const bytes want = raw(key.ossl, s, false);
      const bytes got = kagi_public_op(s);
      KAGI_FUZZ_CHECK(got == want, "s^e: kagi " + hex(got) + " != OpenSSL " + hex(want));
      break;
    }
    case 1: {  // an arbitrary signature (any length) on an arbitrary message
      const bytes sig = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, key.k + 2));
      const bytes msg = in.ConsumeRemainingBytes<std::uint8_t>();
      const bool got = kagi_verify(msg, sig, pss, h), want = sig.size() == key.k && ossl_verify(msg, sig, pss, h);
      KAGI_FUZZ_CHECK(got == want, std::string("verdict differs: kagi ") + (got ? "accepts" : "refuses") + " sig " + hex(sig));
      break;
    }
    case 2: {  // a real signature's encoded message, changed, signed again raw
      const int edits = in.ConsumeIntegralInRange(0, 4);
      std::vector<std::pair<std::size_t, std::uint8_t>> edit;
      for (int i = 0; i < edits; ++i)
        edit.emplace_back(in.ConsumeIntegralInRange<std::size_t>(0, key.k - 1), in.ConsumeIntegral<std::uint8_t>());
      const bytes msg = in.ConsumeRemainingBytes<std::uint8_t>();
      const bytes sig0 = ossl_sign(msg, pss, h);
      KAGI_FUZZ_CHECK(kagi_verify(msg, sig0, pss, h), "kagi refused OpenSSL's signature");
      bytes em = raw(key.ossl, sig0, false);
      KAGI_FUZZ_CHECK(!em.empty(), "OpenSSL's raw public op failed");
      for (auto [at, v] : edit) em[at] = v;
      const bytes sig = raw(key.ossl, em, true);
      if (sig.empty()) break;  // EM >= n after the edits
      const bool got = kagi_verify(msg, sig, pss, h), want = ossl_verify(msg, sig, pss, h);
      KAGI_FUZZ_CHECK(got == want, std::string("verdict differs: kagi ") + (got ? "accepts" : "refuses") + " EM " + hex(em));
      break;
    }
    case 3: {  // PKCS#1 v1.5 encryption by kagi, decryption by OpenSSL and kagi
      const auto seed = in.ConsumeBytes<std::uint8_t>(32);
      const bytes msg = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, key.k));
      auto rng = seeded_drbg<kagi::hmac_drbg>(seed);
      bytes ct(key.k);
      const auto s = key.kagi_key.public_key().encrypt_pkcs1(msg, ct, rng);
      if (msg.size() > key.k - 11) {
        KAGI_FUZZ_CHECK(!s, "encrypt_pkcs1 took a message too long for the padding");
        break;
      }
      KAGI_FUZZ_CHECK(s.has_value(), "encrypt_pkcs1 failed: " + std::string(kagi::message(s.error())));
      EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.ossl, nullptr);
      bytes out(key.k);
      size_t n = out.size();
      const bool ok = EVP_PKEY_decrypt_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
                      EVP_PKEY_decrypt(ctx, out.data(), &n, ct.data(), ct.size()) == 1;
      EVP_PKEY_CTX_free(ctx);
      out.resize(ok ? n : 0);
      KAGI_FUZZ_CHECK(ok && out == msg, "OpenSSL decrypts kagi's ciphertext to " + hex(out));
      bytes back(key.k);
      const auto m = key.kagi_key.decrypt_pkcs1(ct, back, rng);
      KAGI_FUZZ_CHECK(m.has_value() && bytes(back.begin(), back.begin() + static_cast<std::ptrdiff_t>(*m)) == msg,
                      "kagi does not decrypt its own ciphertext");
      break;
    }
    default: {  // decryption of an arbitrary ciphertext
      bytes ct = in.ConsumeBytes<std::uint8_t>(key.k);
      ct.resize(key.k);
      EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.ossl, nullptr);
      bytes want(key.k);
      size_t n = want.size();
      const bool ok = EVP_PKEY_decrypt_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
                      EVP_PKEY_decrypt(ctx, want.data(), &n, ct.data(), ct.size()) == 1;
      EVP_PKEY_CTX_free(ctx);
      want.resize(ok ? n : 0);
      auto rng = seeded_drbg<kagi::hmac_drbg>(ct);
      bytes got(key.k);
      const auto m = key.kagi_key.decrypt_pkcs1(ct, got, rng);
      KAGI_FUZZ_CHECK(m.has_value() == ok, std::string("decrypt verdict differs: kagi ") + (m ? "accepts" : "refuses"));
      if (ok) KAGI_FUZZ_CHECK(bytes(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(*m)) == want, "plaintext differs");
      const auto pms = key.kagi_key.decrypt_tls_premaster(ct, 0x0303, rng);
      if (ok && want.size() == 48 && want[0] == 3 && want[1] == 3)
        KAGI_FUZZ_CHECK(bytes(pms.begin(), pms.end()) == want, "decrypt_tls_premaster lost a good pre-master secret");
      break;
    }
  }
}

namespace {

struct bn_deleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;

bn_ptr to_bn(const limb* a, std::size_t n) {
  bytes be(8 * n);
  (void)kagi::bn::to_bytes(be, a, n);
  return bn_ptr(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
}
std::vector<limb> from_bn(const BIGNUM* b, std::size_t n) {
  bytes be(8 * n);
  KAGI_FUZZ_CHECK(BN_bn2binpad(b, be.data(), static_cast<int>(be.size())) >= 0, "BIGNUM too large");
  std::vector<limb> r(n);
  (void)kagi::bn::from_bytes(r.data(), n, be);
  return r;
}
std::string limbs_hex(const limb* a, std::size_t n) {
  bytes be(8 * n);
  (void)kagi::bn::to_bytes(be, a, n);
  return hex(be);
}

}  // namespace

KAGI_FUZZ_TARGET(mont, "Montgomery multiplication, squaring and powers at every width, every path, against OpenSSL") {
  namespace bn = kagi::bn;
  FuzzedDataProvider in(data, size);
  const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(1, bn::max_limbs);
  const std::size_t exp_bytes = in.ConsumeIntegralInRange<std::size_t>(0, 64);
  auto limbs = [&](std::size_t count) {
    std::vector<limb> v(count);
    for (auto& x : v) x = in.ConsumeIntegral<limb>();
    return v;
  };
  std::vector<limb> m = limbs(n);
  m[0] |= 1;
  if (m[0] == 1 && std::all_of(m.begin() + 1, m.end(), [](limb x) { return x == 0; })) m[0] = 3;  // m > 1
  const std::vector<limb> a_raw = limbs(n), b_raw = limbs(n);
  std::vector<limb> e = limbs((exp_bytes + 7) / 8);
  if (exp_bytes % 8 != 0) e.back() &= (limb{1} << (8 * (exp_bytes % 8))) - 1;  // e < 2^exp_bits
  const auto ctx = bn::montgomery::create(m.data(), n);
  KAGI_FUZZ_CHECK(ctx.has_value(), "montgomery::create refused an odd modulus > 1");

  BN_CTX* bctx = BN_CTX_new();
  const bn_ptr M = to_bn(m.data(), n);
  bn_ptr A = to_bn(a_raw.data(), n), B = to_bn(b_raw.data(), n);
  BN_mod(A.get(), A.get(), M.get(), bctx);  // operands below m
  BN_mod(B.get(), B.get(), M.get(), bctx);
  const std::vector<limb> a = from_bn(A.get(), n), b = from_bn(B.get(), n);
  // a b / R mod m and a^2 / R mod m.
  bn_ptr rinv(BN_new()), want_mul(BN_new()), want_sqr(BN_new());
  bn_ptr R(BN_new());
  BN_set_bit(R.get(), static_cast<int>(64 * n));
  BN_mod_inverse(rinv.get(), R.get(), M.get(), bctx);
  BN_mod_mul(want_mul.get(), A.get(), B.get(), M.get(), bctx);
  BN_mod_mul(want_mul.get(), want_mul.get(), rinv.get(), M.get(), bctx);
  BN_mod_mul(want_sqr.get(), A.get(), A.get(), M.get(), bctx);
  BN_mod_mul(want_sqr.get(), want_sqr.get(), rinv.get(), M.get(), bctx);
  const std::vector<limb> wm = from_bn(want_mul.get(), n), ws = from_bn(want_sqr.get(), n);

  const auto& mul_table = bn::detail::mont_mul_table;
  for (std::size_t i = 0; i < mul_table.size; ++i) {
    const auto& row = mul_table.paths[i];
    if ((kagi::cpu::allowed() & row.needs) != row.needs || !row.kernel.fits(n)) continue;
    kagi_fuzz::current_path() = row.name;
    std::vector<limb> r(n);
    row.kernel.mul(r.data(), a.data(), b.data(), m.data(), ctx->m0inv(), n);
    KAGI_FUZZ_CHECK(r == wm, "mul, n = " + std::to_string(n) + ": " + limbs_hex(r.data(), n) + " != " + limbs_hex(wm.data(), n));
    row.kernel.sqr(r.data(), a.data(), m.data(), ctx->m0inv(), n);
    KAGI_FUZZ_CHECK(r == ws, "sqr, n = " + std::to_string(n));
    std::vector<limb> alias = a;
    row.kernel.mul(alias.data(), alias.data(), b.data(), m.data(), ctx->m0inv(), n);
    KAGI_FUZZ_CHECK(alias == wm, "mul with r aliasing a");
  }
  kagi_fuzz::current_path() = "default";

  // a^e mod m, e secret (exp_bits from the input) and public.
  bn_ptr E = to_bn(e.data(), e.size()), want_pow(BN_new());
  BN_mod_exp(want_pow.get(), A.get(), E.get(), M.get(), bctx);
  const std::vector<limb> wp = from_bn(want_pow.get(), n);
  const std::size_t exp_bits = 8 * exp_bytes;
  kagi_fuzz::for_each_path(bn::detail::mont_pow_table, [&](const char*) {
    std::vector<limb> x(n), r(n);
    ctx->to_mont(x.data(), a.data());
    ctx->pow(r.data(), x.data(), e.data(), exp_bits);
    ctx->from_mont(r.data(), r.data());
    KAGI_FUZZ_CHECK(r == wp, "pow, n = " + std::to_string(n) + ", " + ctx->implementation() + ": " + limbs_hex(r.data(), n) +
                                 " != " + limbs_hex(wp.data(), n));
    if (e.size() <= n && !e.empty()) {
      ctx->pow_public_plain(r.data(), a.data(), e.data(), e.size());
      KAGI_FUZZ_CHECK(r == wp, std::string("pow_public_plain, ") + ctx->public_implementation());
    }
  });
  BN_CTX_free(bctx);
}
