// kagi/rsa/keys.hpp: RSA keys (RFC 8017) and their operations: RSAES-PKCS1-v1_5
// (including the TLS 1.2 pre-master secret decryption of RFC 5246 7.4.7.1),
// RSASSA-PKCS1-v1_5 and RSASSA-PSS over any hash (padding.hpp).
//
// Keys: rsa_public_key from a SubjectPublicKeyInfo, a PKCS#1 RSAPublicKey or
// an X.509 certificate; rsa_private_key from PKCS#1 RSAPrivateKey or PKCS#8
// PrivateKeyInfo, PEM or DER (encoding/keys.hpp reads and writes the
// formats), or generated (FIPS 186-5 B.3.3, e = 65537; math/primes.hpp).
// Moduli of min_bits..4096 bits are accepted; min_bits is 2048 unless a
// caller asks for less (1024 for legacy peers; tests go down to 512).
// Private keys are checked on load (p q = n, e d = 1 mod p-1 and q-1, the
// CRT values) and wiped when destroyed.
//
// The private operation uses the CRT with per-prime base blinding (a random r
// for each prime: the exponentiation sees c r^e, and r^-1 is applied after),
// a constant-time fixed-window exponentiation (bn::montgomery::pow2),
// and checks that the result raised to e gives the input back before
// anything is released (a fault gives an error, or random bytes in
// decrypt_tls_premaster). Nothing in it branches on, or indexes memory with,
// the key, the ciphertext or the plaintext.
//
// Blinding pairs: making a pair (r^e, r^-1) for a fresh r costs an inverse
// mod each prime (a constant-time binary GCD; about a sixth of a 2048-bit
// private operation). A key keeps one pair per prime and squares both after
// each use ((r^2)^e and (r^2)^-1: the next operation's pair, the classic
// scheme), drawing a fresh r from the caller's random source on the first
// operation and after every blinding_refresh uses. The pairs are mutable state
// of a const key, which threads may share: a private operation takes them
// only if no other one holds them (an atomic flag, never waited on); one that
// finds them busy, and every constant-evaluated one, makes a fresh pair of its
// own. Copies of a key start with no pairs. The pairs are wiped with the key.
//
// Everything is constexpr (with kagi::hmac_drbg as the random source).
#ifndef KAGI_RSA_KEYS_HPP
#define KAGI_RSA_KEYS_HPP

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../core/random.hpp"
#include "../core/result.hpp"
#include "../encoding/keys.hpp"
#include "../encoding/pem.hpp"
#include "../hash/hmac.hpp"
#include "../hash/sha256.hpp"
#include "../math/limbs.hpp"
#include "../math/montgomery.hpp"
#include "../math/primes.hpp"
#include "padding.hpp"

namespace kagi {

namespace detail {
// Test-only: the tests define this (a friend of rsa_private_key) to inject
// faults into a loaded key past its load-time checks and to run the raw
// private operation; nothing in the library defines or uses it.
struct rsa_test_hook;
}  // namespace detail

namespace detail::rsa {

using bn::limb;
inline constexpr std::size_t max_bits = bn::max_bits;        // 4096
inline constexpr std::size_t max_limbs = bn::max_limbs;      // 64
inline constexpr std::size_t floor_bits = 512;               // below this nothing is accepted
inline constexpr std::size_t max_e_limbs = 4;                // public exponents up to 256 bits
inline constexpr std::size_t pem_buffer = 16384;             // DER decoded from PEM (certificates too)

static_assert(floor_bits / 8 >= pkcs1_min_em_len<sha256>, "every accepted key fits EMSA-PKCS1-v1_5 with SHA-256");
static_assert(floor_bits / 8 >= 11 + premaster_size, "every accepted key fits a 48-byte pre-master secret in PKCS#1 v1.5");

// Wipes the objects it names when its scope ends, on every return path: for
// functions that hold secrets on the stack and have early returns.
template <class... A>
class scoped_wipe {
 public:
  constexpr explicit scoped_wipe(A&... a) noexcept : a_(a...) {}
  constexpr ~scoped_wipe() {
    std::apply([](auto&... x) { secure_wipe_objects(x...); }, a_);
  }
  scoped_wipe(const scoped_wipe&) = delete;
  scoped_wipe& operator=(const scoped_wipe&) = delete;

 private:
  std::tuple<A&...> a_;
};

// A non-negative integer as big-endian bytes without leading zero bytes.
// (Leading zero bytes are formatting; skipping them reveals only how many there were.)
[[nodiscard]] constexpr bytes_view strip_zeros(bytes_view b) noexcept {
  while (!b.empty() && b[0] == 0) b = b.subspan(1);
  return b;
}
// The same for a secret integer (a prime of a private key): every byte is
// looked at with masks and only the number of leading zero bytes, which sets
// the size the value is held in, is revealed (found by tests/ct/ct_rsa, where
// key generation hands p and q over as fixed-width bytes).
[[nodiscard]] constexpr bytes_view strip_zeros_secret(bytes_view b) noexcept {
  limb leading = ~limb{0}, zeros = 0;
  for (std::uint8_t x : b) {
    leading &= ct::is_zero(static_cast<limb>(x));
    zeros += leading & 1u;
  }
  return b.subspan(static_cast<std::size_t>(ct::declassify(zeros)));
}
// Bits of a stripped big-endian integer.
[[nodiscard]] constexpr std::size_t bit_count(bytes_view b) noexcept {
  if (b.empty()) return 0;
  return 8 * (b.size() - 1) + static_cast<std::size_t>(bn::bit_length(static_cast<limb>(b[0])));
}

}  // namespace detail::rsa

class rsa_private_key;

class rsa_public_key {
 public:
  using limb = bn::limb;
  static constexpr std::size_t max_bits = detail::rsa::max_bits;
  static constexpr std::size_t default_min_bits = 2048;

  constexpr rsa_public_key() noexcept = default;

  // From the big-endian modulus and public exponent (leading zero bytes are
  // fine). Errors: rsa_bad_key_size (outside min_bits..4096 bits),
  // rsa_bad_modulus (even), rsa_bad_public_exponent (even, < 3, > 256 bits,
  // or not below n).
  [[nodiscard]] static constexpr result<rsa_public_key> from_components(bytes_view n_be, bytes_view e_be,
                                                                        std::size_t min_bits = default_min_bits) noexcept {
    if (min_bits < detail::rsa::floor_bits) min_bits = detail::rsa::floor_bits;
    const bytes_view n = detail::rsa::strip_zeros(n_be), e = detail::rsa::strip_zeros(e_be);
    const std::size_t bits = detail::rsa::bit_count(n);
    if (bits < min_bits || bits > max_bits) return errc::rsa_bad_key_size;
    if ((n[n.size() - 1] & 1u) == 0) return errc::rsa_bad_modulus;
    if (e.empty() || (e[e.size() - 1] & 1u) == 0 || e.size() > 8 * detail::rsa::max_e_limbs ||
        (e.size() == 1 && e[0] < 3))
      return errc::rsa_bad_public_exponent;
    rsa_public_key k;
    const std::size_t nl = bn::limbs_for_bits(bits);
    std::array<limb, detail::rsa::max_limbs> nn{};
    if (!bn::from_bytes(nn.data(), nl, n)) return errc::rsa_bad_key_size;
    auto ctx = bn::montgomery::create(nn.data(), nl);
    if (!ctx) return errc::rsa_bad_modulus;
    k.n_ = *ctx;
    k.e_limbs_ = bn::limbs_for_bits(detail::rsa::bit_count(e));
    if (!bn::from_bytes(k.e_.data(), k.e_limbs_, e)) return errc::rsa_bad_public_exponent;
    if (k.e_limbs_ > nl || (k.e_limbs_ == nl && !bn::less(k.e_.data(), nn.data(), nl)))
      return errc::rsa_bad_public_exponent;
    k.bits_ = bits;
    k.size_ = (bits + 7) / 8;
    return k;
  }

  // SubjectPublicKeyInfo, PKCS#1 RSAPublicKey, or an X.509 certificate (DER).
  [[nodiscard]] static constexpr result<rsa_public_key> from_der(bytes_view der,
                                                                 std::size_t min_bits = default_min_bits) noexcept {
    auto parts = keys::read_any_rsa_public_key(der);
    KAGI_TRY(parts);
    return from_components(parts->n, parts->e, min_bits);
  }

  // The first PEM block labelled PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE.
  [[nodiscard]] static constexpr result<rsa_public_key> from_pem(std::string_view text,
                                                                 std::size_t min_bits = default_min_bits) noexcept {
    std::array<std::uint8_t, detail::rsa::pem_buffer> der{};
    auto parts = keys::read_rsa_public_pem(text, der);
    KAGI_TRY(parts);
    return from_components(parts->n, parts->e, min_bits);
  }

  // Modulus size in bits and in bytes (k: the length of ciphertexts and signatures).
  [[nodiscard]] constexpr std::size_t bits() const noexcept { return bits_; }
  [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
  // The modulus as size() big-endian bytes; the public exponent as
  // big-endian bytes (out.size() of them), or its low 64 bits as a number
  // (all of it for every exponent in practical use, such as 65537).
  constexpr void modulus(mutable_bytes out) const noexcept { (void)bn::to_bytes(out, n_.modulus(), n_.size()); }
  [[nodiscard]] constexpr std::uint64_t exponent_u64() const noexcept { return e_[0]; }
  constexpr void exponent(mutable_bytes out) const noexcept { (void)bn::to_bytes(out, e_.data(), e_limbs_); }

  // RSAES-PKCS1-v1_5 encryption (RFC 8017 7.2.1): out gets size() bytes.
  // Errors: message_too_long (more than size() - 11 bytes), buffer_too_small.
  template <class R>
    requires random_source<std::remove_cvref_t<R>>
  [[nodiscard]] constexpr status encrypt_pkcs1(bytes_view msg, mutable_bytes out, R&& rng) const noexcept {
    const std::size_t k = size_;
    if (out.size() < k) return errc::buffer_too_small;
    if (msg.size() > k - 11) return errc::message_too_long;  // k >= 64: no wrap
    std::array<std::uint8_t, detail::rsa::max_bytes> em{};
    detail::rsa::eme_pkcs1_encode(msg, std::span(em).first(k), rng);
    std::array<limb, detail::rsa::max_limbs> m{};
    (void)bn::from_bytes(m.data(), n_.size(), std::span(em).first(k));  // m < 2^(8(k-1)) <= n
    public_op(m.data(), m.data());
    (void)bn::to_bytes(out.first(k), m.data(), n_.size());
    secure_wipe(em);
    secure_wipe(m);
    return {};
  }

  // Signature verification, RSASSA-PKCS1-v1_5 or RSASSA-PSS (padding.hpp)
  // with hash H (PSS: MGF1-H and a salt of H's length). The signature must
  // be exactly size() bytes and below n. PKCS#1 v1.5: s^e must equal the
  // whole encoded message (rebuilt here and compared, never parsed).
  // Errors: bad_length, rsa_bad_signature (also for every signature under a
  // modulus too short for the encoding: PSS with SHA-256 below 522 bits).
  template <hash_function H = sha256>
  [[nodiscard]] constexpr status verify(rsa_padding padding, bytes_view msg, bytes_view sig) const noexcept {
    return verify_digest<H>(padding, detail::rsa::hash_of<H>(msg), sig);
  }
  template <hash_function H = sha256>
  [[nodiscard]] constexpr status verify_digest(rsa_padding padding, std::span<const std::uint8_t, H::digest_size> hash,
                                               bytes_view sig) const noexcept {
    std::array<std::uint8_t, detail::rsa::max_bytes> em{};
    KAGI_TRY(open_signature(sig, std::span(em).first(size_)));
    const auto h = detail::rsa::to_digest<H>(hash);
    if (padding == rsa_padding::pkcs1_v15) {
      std::array<std::uint8_t, detail::rsa::max_bytes> expect{};
      if (!detail::rsa::emsa_pkcs1_encode<H>(h, std::span(expect).first(size_)) ||
          !ct_equal(std::span(em).first(size_), std::span(expect).first(size_)))
        return errc::rsa_bad_signature;
      return {};
    }
    // EM has emLen = ceil((bits - 1) / 8) bytes: one byte fewer than k when
    // bits - 1 is a multiple of 8, and that leading byte must then be zero.
    const std::size_t em_bits = bits_ - 1, em_len = (em_bits + 7) / 8;
    if (em_len < size_ && em[0] != 0) return errc::rsa_bad_signature;
    if (!detail::rsa::emsa_pss_verify<H>(h, std::span(em).subspan(size_ - em_len, em_len), em_bits))
      return errc::rsa_bad_signature;
    return {};
  }
  // The same with SHA-256 (TLS 1.2's rsa_pkcs1_sha256 and rsa_pss_rsae_sha256).
  [[nodiscard]] constexpr status verify_pkcs1_sha256(bytes_view msg, bytes_view sig) const noexcept {
    return verify<sha256>(rsa_padding::pkcs1_v15, msg, sig);
  }
  [[nodiscard]] constexpr status verify_pss_sha256(bytes_view msg, bytes_view sig) const noexcept {
    return verify<sha256>(rsa_padding::pss, msg, sig);
  }

  // SubjectPublicKeyInfo DER into out; returns its length (errc::buffer_too_small).
  [[nodiscard]] constexpr result<std::size_t> to_der(mutable_bytes out) const noexcept {
    std::array<std::uint8_t, detail::rsa::max_bytes> nb{};
    std::array<std::uint8_t, 8 * detail::rsa::max_e_limbs> eb{};
    modulus(std::span(nb).first(size_));
    exponent(eb);
    return keys::write_rsa_spki(detail::rsa::strip_zeros(std::span(nb).first(size_)), detail::rsa::strip_zeros(eb),
                                out);
  }
  // The same as a PEM "PUBLIC KEY" block.
  [[nodiscard]] std::string to_pem() const {
    std::array<std::uint8_t, 2 * detail::rsa::max_bytes> der{};
    const auto n = to_der(der);
    return pem::encode("PUBLIC KEY", std::span(der).first(n ? *n : 0));
  }

  // The path the public operation takes for this key's modulus now.
  [[nodiscard]] const char* implementation() const noexcept { return n_.public_implementation(); }

  // x^e mod n for x < n (limbs of the modulus size); out may alias x
  // (montgomery::pow_public_plain: with AVX-512 IFMA and a modulus of 1024,
  // 1536, 2048, 3072 or 4096 bits the radix-2^52 kernel).
  constexpr void public_op(const limb* x, limb* out) const noexcept {
    n_.pow_public_plain(out, x, e_.data(), e_limbs_);
  }
  [[nodiscard]] constexpr const bn::montgomery& modulus_context() const noexcept { return n_; }

 private:
  friend class rsa_private_key;

  // s^e as size() bytes into em, after the length and range checks.
  [[nodiscard]] constexpr status open_signature(bytes_view sig, mutable_bytes em) const noexcept {
    if (sig.size() != size_) return errc::bad_length;
    std::array<limb, detail::rsa::max_limbs> s{};
    (void)bn::from_bytes(s.data(), n_.size(), sig);
    if (!bn::less(s.data(), n_.modulus(), n_.size())) return errc::rsa_bad_signature;
    public_op(s.data(), s.data());
    (void)bn::to_bytes(em, s.data(), n_.size());
    return {};
  }

  bn::montgomery n_;
  std::array<limb, detail::rsa::max_e_limbs> e_{};
  std::size_t e_limbs_ = 0;
  std::size_t bits_ = 0;
  std::size_t size_ = 0;
};

class rsa_private_key {
 public:
  using limb = bn::limb;
  static constexpr std::size_t max_bits = detail::rsa::max_bits;
  static constexpr std::size_t default_min_bits = rsa_public_key::default_min_bits;
  static constexpr std::size_t premaster_size = detail::rsa::premaster_size;

  // Private operations between two fresh blinding factors (see the top).
  static constexpr unsigned blinding_refresh = 32;

  constexpr rsa_private_key() noexcept = default;
  // A copy has the key, not the blinding pairs (two keys drawing on one
  // sequence of factors would reuse them).
  constexpr rsa_private_key(const rsa_private_key& o) noexcept
      : pub_(o.pub_), p_(o.p_), q_(o.q_), d_(o.d_), dp_(o.dp_), dq_(o.dq_), qinv_(o.qinv_), p_bits_(o.p_bits_),
        q_bits_(o.q_bits_) {}
  constexpr rsa_private_key& operator=(const rsa_private_key& o) noexcept {
    if (this != &o) {
      pub_ = o.pub_;
      p_ = o.p_;
      q_ = o.q_;
      d_ = o.d_;
      dp_ = o.dp_;
      dq_ = o.dq_;
      qinv_ = o.qinv_;
      p_bits_ = o.p_bits_;
      q_bits_ = o.q_bits_;
      secure_wipe_objects(blinding_.ep, blinding_.ip, blinding_.eq, blinding_.iq);
      blinding_.left = 0;
    }
    return *this;
  }
  constexpr ~rsa_private_key() {
    secure_wipe_objects(d_, dp_, dq_, qinv_, blinding_.ep, blinding_.ip, blinding_.eq, blinding_.iq);
  }  // (p_ and q_ wipe themselves)

  // From the eight big-endian components of a two-prime key. Every relation
  // is checked (p q = n, d e = 1 mod p-1 and q-1, dp e = 1 mod p-1,
  // dq e = 1 mod q-1, q qinv = 1 mod p, each value in range) in constant
  // time; only the verdict is revealed. Errors: those of
  // rsa_public_key::from_components, rsa_inconsistent_key.
  [[nodiscard]] static constexpr result<rsa_private_key> from_components(
      bytes_view n, bytes_view e, bytes_view d, bytes_view p, bytes_view q, bytes_view dp, bytes_view dq,
      bytes_view qinv, std::size_t min_bits = default_min_bits) noexcept {
    using namespace detail::rsa;
    auto pub = rsa_public_key::from_components(n, e, min_bits);
    KAGI_TRY(pub);
    rsa_private_key k;
    k.pub_ = *pub;
    const std::size_t nl = pub->n_.size();
    const limb* nn = pub->n_.modulus();
    const bytes_view ps = strip_zeros_secret(p), qs = strip_zeros_secret(q);
    const std::size_t pl = bn::limbs_for_bits(8 * ps.size()), ql = bn::limbs_for_bits(8 * qs.size());
    if (pl == 0 || ql == 0 || pl > nl || ql > nl) return errc::rsa_inconsistent_key;
    std::array<limb, max_limbs> pp{}, qq{}, t{}, one{}, pm1{}, qm1{};
    std::array<limb, 2 * max_limbs + max_e_limbs> prod{}, wide{};
    const scoped_wipe wipe(pp, qq, t, prod, wide, pm1, qm1);  // copies of p and q, and values made from them
    one[0] = 1;
    (void)bn::from_bytes(pp.data(), pl, ps);
    (void)bn::from_bytes(qq.data(), ql, qs);
    auto pc = bn::montgomery::create(pp.data(), pl);
    auto qc = bn::montgomery::create(qq.data(), ql);
    if (!pc || !qc) return errc::rsa_inconsistent_key;
    limb ok = ~limb{0};
    // p q = n
    bn::mul(prod.data(), pp.data(), pl, qq.data(), ql);
    ok &= bn::is_zero(prod.data() + nl, pl + ql > nl ? pl + ql - nl : 0);
    ok &= bn::equal(prod.data(), nn, nl < pl + ql ? nl : pl + ql);
    if (pl + ql < nl) ok = 0;
    // the exponents and qinv, each in range
    const bool fit = bn::from_bytes(k.d_.data(), nl, d) && bn::from_bytes(k.dp_.data(), pl, dp) &&
                     bn::from_bytes(k.dq_.data(), ql, dq) && bn::from_bytes(k.qinv_.data(), pl, qinv);
    if (!fit) return errc::rsa_inconsistent_key;
    (void)bn::sub_limb(pm1.data(), pp.data(), 1, pl);
    (void)bn::sub_limb(qm1.data(), qq.data(), 1, ql);
    ok &= bn::less(k.d_.data(), nn, nl) & ~bn::is_zero(k.d_.data(), nl);
    ok &= bn::less(k.dp_.data(), pm1.data(), pl) & bn::less(k.dq_.data(), qm1.data(), ql);
    ok &= bn::less(k.qinv_.data(), pp.data(), pl);
    // e x = 1 mod (p - 1) or (q - 1) for x = d, dp, dq
    const limb* e_l = pub->e_.data();
    const std::size_t el = pub->e_limbs_;
    auto is_inverse_of_e = [&](const limb* x, std::size_t xl, const limb* mod, std::size_t ml) {
      bn::mul(wide.data(), x, xl, e_l, el);
      bn::divmod(nullptr, t.data(), wide.data(), xl + el, mod, ml);
      return bn::equal(t.data(), one.data(), ml);
    };
    ok &= is_inverse_of_e(k.d_.data(), nl, pm1.data(), pl) & is_inverse_of_e(k.d_.data(), nl, qm1.data(), ql);
    ok &= is_inverse_of_e(k.dp_.data(), pl, pm1.data(), pl) & is_inverse_of_e(k.dq_.data(), ql, qm1.data(), ql);
    // q qinv = 1 mod p: (q R mod p) qinv / R
    pc->reduce(t.data(), qq.data(), ql);
    pc->mul(t.data(), t.data(), k.qinv_.data());
    ok &= bn::equal(t.data(), one.data(), pl);
    if (!ct::declassify(ok != 0)) return errc::rsa_inconsistent_key;
    k.p_ = *pc;
    k.q_ = *qc;
    k.p_bits_ = static_cast<std::size_t>(ct::declassify(bn::bit_length(k.p_.modulus(), pl)));
    k.q_bits_ = static_cast<std::size_t>(ct::declassify(bn::bit_length(k.q_.modulus(), ql)));
    return k;
  }

  // PKCS#1 RSAPrivateKey or PKCS#8 PrivateKeyInfo (unencrypted), DER.
  [[nodiscard]] static constexpr result<rsa_private_key> from_der(bytes_view der,
                                                                  std::size_t min_bits = default_min_bits) noexcept {
    auto parts = keys::read_any_rsa_private_key(der);
    KAGI_TRY(parts);
    return from_parts(*parts, min_bits);
  }

  // The first PEM block labelled PRIVATE KEY (PKCS#8) or RSA PRIVATE KEY (PKCS#1).
  [[nodiscard]] static constexpr result<rsa_private_key> from_pem(std::string_view text,
                                                                  std::size_t min_bits = default_min_bits) noexcept {
    std::array<std::uint8_t, detail::rsa::pem_buffer / 2> der{};
    const detail::rsa::scoped_wipe wipe(der);
    auto parts = keys::read_rsa_private_pem(text, der);
    KAGI_TRY(parts);
    return from_parts(*parts, min_bits);
  }

  // A new key of `bits` bits (even, min_bits..4096) with e = 65537, by FIPS
  // 186-5 B.3.3: random primes of bits/2 bits with the top two bits set,
  // trial division by the odd primes below 2000, gcd(p - 1, e) = 1,
  // Miller-Rabin rounds per table B.1, |p - q| > 2^(bits/2 - 100),
  // d = e^-1 mod lcm(p - 1, q - 1) > 2^(bits/2). The new key passes the same
  // checks as a loaded one. Errors: rsa_bad_key_size.
  template <class R>
    requires random_source<std::remove_cvref_t<R>>
  [[nodiscard]] static constexpr result<rsa_private_key> generate(std::size_t bits, R&& rng,
                                                                  std::size_t min_bits = default_min_bits) noexcept {
    using namespace detail::rsa;
    if (min_bits < floor_bits) min_bits = floor_bits;
    if (bits % 2 != 0 || bits < min_bits || bits > max_bits) return errc::rsa_bad_key_size;
    const std::size_t pb = bits / 2, pl = bn::limbs_for_bits(pb), nl = bn::limbs_for_bits(bits);
    std::array<limb, max_limbs> p{}, q{}, diff{}, pm1{}, qm1{}, o1{}, y{}, g{}, dp{}, dq{}, qinv{}, t{};
    std::array<limb, max_limbs + 2> d{}, lam{};
    std::array<limb, 2 * max_limbs + 2> phi{}, x{};
    const scoped_wipe wipe(p, q, diff, pm1, qm1, o1, y, g, dp, dq, qinv, t, d, lam, phi, x);
    const limb e = 65537;
    for (;;) {
      bn::random_prime(p.data(), pb, e, rng);
      // q with |p - q| > 2^(pb - 100)
      for (;;) {
        bn::random_prime(q.data(), pb, e, rng);
        const limb borrow = bn::sub(diff.data(), p.data(), q.data(), pl);
        bn::cond_negate(ct::mask_from_bit(borrow), diff.data(), diff.data(), pl);
        if (ct::declassify(bn::bit_length(diff.data(), pl) > pb - 100)) break;
      }
      // lambda = (p - 1)(q - 1) / gcd(p - 1, q - 1)
      (void)bn::sub_limb(pm1.data(), p.data(), 1, pl);
      (void)bn::sub_limb(qm1.data(), q.data(), 1, pl);
      for (std::size_t i = 0; i < pl; ++i) t[i] = pm1[i] | qm1[i];
      const limb twos = bn::trailing_zeros(t.data(), pl);                    // min of both 2-adic valuations
      bn::shift_right_secret(o1.data(), pm1.data(), bn::trailing_zeros(pm1.data(), pl), pl);  // odd part of p - 1
      bn::divmod(nullptr, y.data(), qm1.data(), pl, o1.data(), pl);          // (q - 1) mod o1
      auto oc = bn::montgomery::create(o1.data(), pl);
      if (!oc) continue;  // o1 = 1 cannot happen for primes this large
      oc->gcd(g.data(), y.data());                                           // odd part of the gcd
      bn::shift_left_secret(g.data(), g.data(), twos, pl);
      bn::mul(phi.data(), pm1.data(), pl, qm1.data(), pl);
      bn::divmod(x.data(), t.data(), phi.data(), 2 * pl, g.data(), pl);      // x = lambda
      bn::copy(lam.data(), x.data(), nl);
      // d = (1 + lambda (e - t)) / e with t = lambda^-1 mod e (e is prime and
      // does not divide p - 1 or q - 1, so t exists).
      std::array<limb, 1> lm{}, em{e}, ti{};
      bn::divmod(nullptr, lm.data(), lam.data(), nl, em.data(), 1);
      auto ec = bn::montgomery::create(em.data(), 1);
      if (!ec) return errc::invalid_argument;
      if (!ct::declassify(ec->inverse(ti.data(), lm.data()) != 0)) continue;
      bn::mul_limb(x.data(), lam.data(), e - ti[0], nl);
      (void)bn::add_limb(x.data(), x.data(), 1, nl + 1);
      bn::divmod(d.data(), t.data(), x.data(), nl + 1, em.data(), 1);
      // FIPS 186-5: d > 2^(bits/2), else start again.
      if (!ct::declassify(bn::bit_length(d.data(), nl) > pb)) continue;
      bn::divmod(nullptr, dp.data(), d.data(), nl, pm1.data(), pl);
      bn::divmod(nullptr, dq.data(), d.data(), nl, qm1.data(), pl);
      auto pc = bn::montgomery::create(p.data(), pl);
      if (!pc) continue;
      bn::divmod(nullptr, t.data(), q.data(), pl, p.data(), pl);
      if (!ct::declassify(pc->inverse(qinv.data(), t.data()) != 0)) continue;
      // Through bytes, so that the new key is checked like a loaded one.
      std::array<std::uint8_t, max_bytes> nb{}, db{};
      std::array<std::uint8_t, max_bytes / 2> pb_{}, qb{}, dpb{}, dqb{}, qib{};
      bn::mul(x.data(), p.data(), pl, q.data(), pl);
      const std::size_t k = (bits + 7) / 8, h = 8 * pl;
      (void)bn::to_bytes(std::span(nb).first(k), x.data(), nl);
      ct::declassify(nb.data(), k);  // n = p q is the public key (for memcheck: tests/ct/ct_rsa)
      (void)bn::to_bytes(std::span(db).first(k), d.data(), nl);
      (void)bn::to_bytes(std::span(pb_).first(h), p.data(), pl);
      (void)bn::to_bytes(std::span(qb).first(h), q.data(), pl);
      (void)bn::to_bytes(std::span(dpb).first(h), dp.data(), pl);
      (void)bn::to_bytes(std::span(dqb).first(h), dq.data(), pl);
      (void)bn::to_bytes(std::span(qib).first(h), qinv.data(), pl);
      const std::array<std::uint8_t, 3> eb{0x01, 0x00, 0x01};
      auto key = from_components(std::span(nb).first(k), eb, std::span(db).first(k), std::span(pb_).first(h),
                                 std::span(qb).first(h), std::span(dpb).first(h), std::span(dqb).first(h),
                                 std::span(qib).first(h), min_bits);
      secure_wipe(db);
      for (auto* a : {&pb_, &qb, &dpb, &dqb, &qib}) secure_wipe(*a);
      return key;
    }
  }

  [[nodiscard]] constexpr const rsa_public_key& public_key() const noexcept { return pub_; }
  [[nodiscard]] constexpr std::size_t bits() const noexcept { return pub_.bits(); }
  [[nodiscard]] constexpr std::size_t size() const noexcept { return pub_.size(); }
  [[nodiscard]] const char* implementation() const noexcept { return p_.implementation(); }

  // The TLS 1.2 RSA key exchange, RFC 5246 7.4.7.1, exactly: 48 random bytes
  // R are drawn first; the ciphertext is decrypted whatever it is (a wrong
  // length or a value not below n decrypts a stand-in); the padding
  // (00 02, non-zero padding bytes, 00 at the place that leaves exactly 48
  // bytes), the length and the version (the first two bytes must be
  // client_version) are folded into one mask with no branch on any of them,
  // together with the private operation's self-check; the result is chosen
  // between the message and R with ct_select. Never fails and signals
  // nothing: a bad ciphertext gives a random pre-master secret, and the
  // handshake then fails at Finished. (The Marvin attack measures the time of
  // exactly these steps.)
  template <class R>
    requires random_source<std::remove_cvref_t<R>>
  [[nodiscard]] constexpr std::array<std::uint8_t, premaster_size> decrypt_tls_premaster(
      bytes_view ciphertext, std::uint16_t client_version, R&& rng) const noexcept {
    std::array<std::uint8_t, premaster_size> random_secret{}, out{};
    rng.fill(random_secret);
    const std::size_t k = size();
    std::array<std::uint8_t, detail::rsa::max_bytes> em{};
    // A ciphertext of the wrong length (public) is decrypted as zeros.
    const bool right_length = ciphertext.size() == k;
    std::array<limb, detail::rsa::max_limbs> c{};
    if (right_length) (void)bn::from_bytes(c.data(), pub_.n_.size(), ciphertext);
    limb good = ct::mask_from_bool<limb>(right_length);
    good &= private_op(c.data(), c.data(), rng);
    (void)bn::to_bytes(std::span(em).first(k), c.data(), pub_.n_.size());
    good &= detail::rsa::tls_premaster_block_ok(std::span(em).first(k), client_version);
    const auto mask = static_cast<std::uint8_t>(good);
    (void)ct_select(mask, std::span(em).subspan(k - premaster_size, premaster_size), random_secret, out);
    secure_wipe(em);
    secure_wipe(c);
    secure_wipe(random_secret);
    return out;
  }

  // RSAES-PKCS1-v1_5 decryption (RFC 8017 7.2.2): the message into out,
  // returning its length. The padding is checked in constant time, but the
  // answer itself (an error, or a length) tells a caller whether the padding
  // was right: never use this where an attacker sees the outcome (that is a
  // padding oracle, Bleichenbacher 1998); TLS servers use
  // decrypt_tls_premaster. Errors: bad_length (ciphertext not size() bytes),
  // rsa_decryption_failed (not below n, bad padding, or a fault),
  // buffer_too_small.
  template <class R>
    requires random_source<std::remove_cvref_t<R>>
  [[nodiscard]] constexpr result<std::size_t> decrypt_pkcs1(bytes_view ciphertext, mutable_bytes out,
                                                            R&& rng) const noexcept {
    const std::size_t k = size();
    if (ciphertext.size() != k) return errc::bad_length;
    std::array<limb, detail::rsa::max_limbs> c{};
    std::array<std::uint8_t, detail::rsa::max_bytes> em{};
    const detail::rsa::scoped_wipe wipe(c, em);  // the decrypted value, on every exit
    (void)bn::from_bytes(c.data(), pub_.n_.size(), ciphertext);
    if (!bn::less(c.data(), pub_.n_.modulus(), pub_.n_.size())) return errc::rsa_decryption_failed;
    limb good = private_op(c.data(), c.data(), rng);
    (void)bn::to_bytes(std::span(em).first(k), c.data(), pub_.n_.size());
    const auto decoded = detail::rsa::eme_pkcs1_decode(std::span(em).first(k));
    good &= decoded.good;
    const bool ok = ct::declassify(good != 0);
    const auto len = static_cast<std::size_t>(ct::declassify(k - decoded.sep - 1));
    if (!ok) return errc::rsa_decryption_failed;
    if (out.size() < len) return errc::buffer_too_small;
    for (std::size_t i = 0; i < len; ++i) out[i] = em[k - len + i];
    return len;
  }

  // A signature, RSASSA-PKCS1-v1_5 or RSASSA-PSS (padding.hpp) with hash H
  // (PSS: MGF1-H and a random salt of H's length), into sig (size() bytes).
  // rng feeds the blinding and the salt. Errors: rsa_bad_key_size (a modulus
  // too short for the encoding, RFC 8017 9.1.1 step 3 and 9.2 step 3: PSS
  // with SHA-256 below 522 bits, only accepted when a caller lowered
  // min_bits), buffer_too_small, rsa_fault_detected.
  template <hash_function H = sha256, class R>
    requires random_source<std::remove_cvref_t<R>>
  [[nodiscard]] constexpr status sign(rsa_padding padding, bytes_view msg, mutable_bytes sig, R&& rng) const noexcept {
    return sign_digest<H>(padding, detail::rsa::hash_of<H>(msg), sig, rng);
  }
  template <hash_function H = sha256, class R>
    requires random_source<std::remove_cvref_t<R>>
  [[nodiscard]] constexpr status sign_digest(rsa_padding padding, std::span<const std::uint8_t, H::digest_size> hash,
                                             mutable_bytes sig, R&& rng) const noexcept {
    const auto h = detail::rsa::to_digest<H>(hash);
    std::array<std::uint8_t, detail::rsa::max_bytes> em{};
    if (padding == rsa_padding::pkcs1_v15) {
      if (size() < detail::rsa::pkcs1_min_em_len<H>) return errc::rsa_bad_key_size;
      if (sig.size() < size()) return errc::buffer_too_small;
      (void)detail::rsa::emsa_pkcs1_encode<H>(h, std::span(em).first(size()));
    } else {
      const std::size_t em_bits = bits() - 1, em_len = (em_bits + 7) / 8;
      if (em_len < detail::rsa::pss_min_em_len<H>) return errc::rsa_bad_key_size;
      if (sig.size() < size()) return errc::buffer_too_small;
      std::array<std::uint8_t, detail::rsa::pss_salt_len<H>> salt{};
      rng.fill(salt);
      detail::rsa::emsa_pss_encode<H>(h, salt, em_bits, std::span(em).subspan(size() - em_len, em_len));
    }
    return sign_encoded(std::span(em).first(size()), sig.first(size()), rng);
  }
  // The same with SHA-256 (what TLS 1.2 servers send as rsa_pkcs1_sha256 and
  // rsa_pss_rsae_sha256); PKCS#1 v1.5 also with system_random for the blinding.
  template <class R>
    requires random_source<std::remove_cvref_t<R>>
  [[nodiscard]] constexpr status sign_pkcs1_sha256(bytes_view msg, mutable_bytes sig, R&& rng) const noexcept {
    return sign<sha256>(rsa_padding::pkcs1_v15, msg, sig, rng);
  }
  [[nodiscard]] status sign_pkcs1_sha256(bytes_view msg, mutable_bytes sig) const noexcept {
    return sign<sha256>(rsa_padding::pkcs1_v15, msg, sig, system_random());
  }
  template <class R>
    requires random_source<std::remove_cvref_t<R>>
  [[nodiscard]] constexpr status sign_pss_sha256(bytes_view msg, mutable_bytes sig, R&& rng) const noexcept {
    return sign<sha256>(rsa_padding::pss, msg, sig, rng);
  }

  // The raw private operation (RSADP / RSASP1) on size()-byte big-endian
  // input below n, with blinding and the self-check. Errors: bad_length,
  // buffer_too_small, rsa_decryption_failed (input not below n),
  // rsa_fault_detected.
  template <class R>
    requires random_source<std::remove_cvref_t<R>>
  [[nodiscard]] constexpr status private_operation(bytes_view in, mutable_bytes out, R&& rng) const noexcept {
    if (in.size() != size()) return errc::bad_length;
    if (out.size() < size()) return errc::buffer_too_small;
    std::array<limb, detail::rsa::max_limbs> x{};
    const detail::rsa::scoped_wipe wipe(x);  // the result, released or (after a fault) not
    (void)bn::from_bytes(x.data(), pub_.n_.size(), in);
    if (!bn::less(x.data(), pub_.n_.modulus(), pub_.n_.size())) return errc::rsa_decryption_failed;
    const limb ok = private_op(x.data(), x.data(), rng);
    if (!ct::declassify(ok != 0)) {
      for (auto& b : out.first(size())) b = 0;
      return errc::rsa_fault_detected;
    }
    (void)bn::to_bytes(out.first(size()), x.data(), pub_.n_.size());
    return {};
  }

  // PKCS#8 PrivateKeyInfo DER into out; returns its length. (The lengths of
  // the DER integers show how many leading zero bytes each component has.)
  [[nodiscard]] constexpr result<std::size_t> to_der(mutable_bytes out) const noexcept {
    using detail::rsa::max_bytes;
    std::array<std::array<std::uint8_t, max_bytes>, 8> bufs{};
    const detail::rsa::scoped_wipe wipe(bufs);
    std::array<bytes_view, 8> mags{};
    auto put = [&](std::size_t i, const limb* v, std::size_t vl) {
      (void)bn::to_bytes(std::span(bufs[i]).first(8 * vl), v, vl);
      mags[i] = detail::rsa::strip_zeros(std::span(bufs[i]).first(8 * vl));
    };
    const std::size_t nl = pub_.n_.size(), pl = p_.size(), ql = q_.size();
    put(0, pub_.n_.modulus(), nl);
    put(1, pub_.e_.data(), pub_.e_limbs_);
    put(2, d_.data(), nl);
    put(3, p_.modulus(), pl);
    put(4, q_.modulus(), ql);
    put(5, dp_.data(), pl);
    put(6, dq_.data(), ql);
    put(7, qinv_.data(), pl);
    return keys::write_rsa_pkcs8({mags[0], mags[1], mags[2], mags[3], mags[4], mags[5], mags[6], mags[7]}, out);
  }
  // The same as a PEM "PRIVATE KEY" block.
  [[nodiscard]] std::string to_pem() const {
    std::array<std::uint8_t, 3 * detail::rsa::max_bytes> der{};
    const auto n = to_der(der);
    std::string s = pem::encode("PRIVATE KEY", std::span(der).first(n ? *n : 0));
    secure_wipe(der);
    return s;
  }

 private:
  friend struct kagi::detail::ct_probe;
  friend struct kagi::detail::rsa_test_hook;

  static constexpr result<rsa_private_key> from_parts(const keys::rsa_private_parts& k, std::size_t min_bits) noexcept {
    return from_components(k.n, k.e, k.d, k.p, k.q, k.dp, k.dq, k.qinv, min_bits);
  }

  // EM (size() bytes, below n) through the private operation into sig.
  template <class R>
  [[nodiscard]] constexpr status sign_encoded(bytes_view em, mutable_bytes sig, R& rng) const noexcept {
    std::array<limb, detail::rsa::max_limbs> x{};
    const detail::rsa::scoped_wipe wipe(x);  // after a fault, a faulty signature: it factors n
    (void)bn::from_bytes(x.data(), pub_.n_.size(), em);
    const limb ok = private_op(x.data(), x.data(), rng);
    if (!ct::declassify(ok != 0)) {
      for (auto& b : sig) b = 0;
      return errc::rsa_fault_detected;
    }
    (void)bn::to_bytes(sig, x.data(), pub_.n_.size());
    return {};
  }

  // A blinding pair for one CRT half, in p's Montgomery form: re = r^e R and
  // rinv = r^-1 R for a fresh random r (xl + 2 random limbs reduced mod p:
  // bias below 2^-128; an r without an inverse, impossible for a prime, falls
  // back to r = 1).
  template <class R>
  constexpr void blinding_pair(const bn::montgomery& ctx, limb* re, limb* rinv, R& rng) const noexcept {
    using namespace detail::rsa;
    const std::size_t xl = ctx.size();
    std::array<limb, max_limbs> r{}, rm{}, one{};
    std::array<limb, max_limbs + 2> raw{};
    one[0] = 1;
    bn::random_bits(raw.data(), 64 * (xl + 2), rng);
    ctx.reduce(r.data(), raw.data(), xl + 2);
    const limb invertible = ctx.inverse(rinv, r.data());
    bn::select(invertible, r.data(), r.data(), one.data(), xl);
    bn::select(invertible, rinv, rinv, one.data(), xl);
    ctx.to_mont(rm.data(), r.data());
    ctx.pow_public(re, rm.data(), pub_.e_.data(), pub_.e_limbs_);  // r^e R
    ctx.to_mont(rinv, rinv);                                       // r^-1 R
    for (auto* a : {&r, &rm}) secure_wipe(*a);
    secure_wipe(raw);
  }

  // Base blinding for one CRT half: x = (c mod p) r^e R for the pair's re.
  // The exponentiation then gets c r^e, and its result, m r, times the pair's
  // r^-1 is m.
  constexpr void blind(const bn::montgomery& ctx, const limb* c, const limb* re, limb* x) const noexcept {
    std::array<limb, detail::rsa::max_limbs> cm{};
    ctx.reduce(cm.data(), c, pub_.n_.size());  // c R mod p
    ctx.mul(x, cm.data(), re);                  // c r^e R
    secure_wipe(cm);
  }

  // The pairs for this operation (re and rinv for p, then for q): the key's
  // kept pairs when no other operation holds them (then squared for the next
  // one, or made afresh first when they are used up), else fresh ones.
  template <class R>
  constexpr void blinding_pairs(limb* rep, limb* rinvp, limb* req, limb* rinvq, R& rng) const noexcept {
    bool kept = false;
    if (!std::is_constant_evaluated()) kept = !blinding_busy_.exchange(true, std::memory_order_acquire);
    if (!kept) {
      blinding_pair(p_, rep, rinvp, rng);
      blinding_pair(q_, req, rinvq, rng);
      return;
    }
    auto& b = blinding_;
    if (b.left == 0) {
      blinding_pair(p_, b.ep.data(), b.ip.data(), rng);
      blinding_pair(q_, b.eq.data(), b.iq.data(), rng);
      b.left = blinding_refresh;
    }
    bn::copy(rep, b.ep.data(), p_.size());
    bn::copy(rinvp, b.ip.data(), p_.size());
    bn::copy(req, b.eq.data(), q_.size());
    bn::copy(rinvq, b.iq.data(), q_.size());
    p_.sqr(b.ep.data(), b.ep.data());  // (r^2)^e R
    p_.sqr(b.ip.data(), b.ip.data());  // (r^2)^-1 R
    q_.sqr(b.eq.data(), b.eq.data());
    q_.sqr(b.iq.data(), b.iq.data());
    --b.left;
    blinding_busy_.store(false, std::memory_order_release);
  }

  // m = c^d mod n for c of n's limb count (any value; c >= n gives a failed
  // check), by the CRT, blinded. Returns an all-ones mask when m^e = c (the
  // fault check) and c < n; m may alias c.
  // fresh_blinding: a fresh pair per prime from rng, never the key's kept
  // pairs (the test hook's view of one operation's randomness).
  template <class R>
  [[nodiscard]] constexpr limb private_op(const limb* c, limb* m, R& rng, bool fresh_blinding = false) const noexcept {
    using namespace detail::rsa;
    const std::size_t nl = pub_.n_.size(), pl = p_.size(), ql = q_.size();
    std::array<limb, max_limbs> cc{}, mp{}, mq{}, h{}, t{};
    std::array<limb, 2 * max_limbs> prod{};
    bn::copy(cc.data(), c, nl);
    // Both halves blinded, then both exponentiations (interleaved on the IFMA
    // path), then both unblinded: m_p R_p and m_q R_q.
    std::array<limb, max_limbs> re_p{}, re_q{}, rinv_p{}, rinv_q{};
    if (fresh_blinding) {
      blinding_pair(p_, re_p.data(), rinv_p.data(), rng);
      blinding_pair(q_, re_q.data(), rinv_q.data(), rng);
    } else {
      blinding_pairs(re_p.data(), rinv_p.data(), re_q.data(), rinv_q.data(), rng);
    }
    blind(p_, cc.data(), re_p.data(), mp.data());
    blind(q_, cc.data(), re_q.data(), mq.data());
    secure_wipe(re_p);
    secure_wipe(re_q);
    const std::size_t exp_bits = p_bits_ > q_bits_ ? p_bits_ : q_bits_;
    bn::montgomery::pow2(p_, mp.data(), mp.data(), dp_.data(), q_, mq.data(), mq.data(), dq_.data(), exp_bits);
    p_.mul(mp.data(), mp.data(), rinv_p.data());
    q_.mul(mq.data(), mq.data(), rinv_q.data());
    secure_wipe(rinv_p);
    secure_wipe(rinv_q);
    // Garner: m = m_q + q ((m_p - m_q) qinv mod p)
    q_.from_mont(mq.data(), mq.data());
    p_.reduce(t.data(), mq.data(), ql);       // m_q R_p mod p
    p_.mod_sub(h.data(), mp.data(), t.data()); // (m_p - m_q) R_p
    p_.mul(h.data(), h.data(), qinv_.data());  // (m_p - m_q) qinv mod p
    bn::mul(prod.data(), q_.modulus(), ql, h.data(), pl);
    std::array<limb, 2 * max_limbs> mq_wide{};
    bn::copy(mq_wide.data(), mq.data(), ql);
    (void)bn::add(prod.data(), prod.data(), mq_wide.data(), pl + ql);
    // The self-check: m^e = c, and c < n.
    bn::copy(t.data(), prod.data(), nl);
    pub_.public_op(t.data(), t.data());
    limb ok = bn::equal(t.data(), cc.data(), nl) & bn::less(cc.data(), pub_.n_.modulus(), nl);
    ok &= bn::is_zero(prod.data() + nl, pl + ql > nl ? pl + ql - nl : 0);
    bn::copy(m, prod.data(), nl);
    for (auto* a : {&cc, &mp, &mq, &h, &t}) secure_wipe(*a);
    secure_wipe(prod);
    secure_wipe(mq_wide);
    return ok;
  }

  rsa_public_key pub_;
  bn::montgomery p_, q_;
  std::array<limb, detail::rsa::max_limbs> d_{}, dp_{}, dq_{}, qinv_{};
  std::size_t p_bits_ = 0, q_bits_ = 0;
  // The kept blinding pairs (Montgomery form: r^e R and r^-1 R mod p, then
  // mod q) and how many operations may still use them; see the top.
  struct blinding_state {
    std::array<limb, detail::rsa::max_limbs> ep{}, ip{}, eq{}, iq{};
    unsigned left = 0;
  };
  mutable blinding_state blinding_;
  mutable std::atomic<bool> blinding_busy_{false};
};

}  // namespace kagi

#endif  // KAGI_RSA_KEYS_HPP
