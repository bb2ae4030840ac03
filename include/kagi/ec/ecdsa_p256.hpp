// kagi/ec/ecdsa_p256.hpp: ECDSA over NIST P-256 (FIPS 186-5 section 6, SEC 1
// v2 section 4.1), with deterministic or hedged nonces (RFC 6979).
//
//   sign:   e = the digest's leftmost 256 bits as an integer, mod n
//           k = the next RFC 6979 nonce (HMAC_DRBG over hmac<H>)
//           R = k G, r = x_R mod n, s = k^-1 (e + r d) mod n
//           (r = 0 or s = 0: the next nonce)
//   verify: 0 < r, s < n; w = s^-1, u1 = e w, u2 = r w, R = u1 G + u2 Q;
//           valid when R is not the point at infinity and x_R mod n = r
//
// Signatures are DER (SEQUENCE { INTEGER r, INTEGER s }, as X.509 and TLS
// carry them; read strictly with encoding/der.hpp) or IEEE P1363 (r || s, 32
// bytes each). Digests may have any length: the leftmost 256 bits are used
// (SEC 1 4.1.3 step 5; a shorter digest is taken whole), so SHA-384 and
// SHA-512 digests are truncated as FIPS 186-5 says.
//
// Nonces (RFC 6979 section 3.2): HMAC_DRBG with HMAC over H (the hash of the
// message: hmac<sha256>, hmac<sha384>, ...) seeded with the private key and
// bits2octets(digest); deterministic, or hedged with 32 random bytes from the
// caller's random source as the additional data k' of section 3.6 (a broken
// random source then costs only determinism, never the key).
//
// Signing is constant time in the private key and the nonce (the arithmetic
// is in p256.hpp: fixed-base multiplication with masked table scans, inverses
// by fixed exponentiations, Montgomery products with masked reductions); the
// nonce, its inverse and the HMAC_DRBG state are wiped. Verification works on
// public data and runs in variable time (Straus's method on wNAF digits).
//
// Errors: a signature that does not verify, r or s out of [1, n - 1] (zero,
// negative, too large), a public point off the curve, not 65 bytes or not
// starting with 04, give errc::ecdsa_bad_signature; malformed DER gives the
// reader's errc::der_*; a SubjectPublicKeyInfo for another algorithm or curve,
// or a compressed point (02/03, which kagi does not decompress), gives
// errc::ec_unsupported_key. Signing with a private scalar of 0 or >= n gives
// errc::invalid_argument, a DER output buffer under the signature's length
// errc::buffer_too_small.
//
// Everything is constexpr (a compile-time signature runs the variable-base
// multiplication on G: about as long as a compile-time p256::public_key).
#ifndef KAGI_EC_ECDSA_P256_HPP
#define KAGI_EC_ECDSA_P256_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../core/random.hpp"
#include "../core/result.hpp"
#include "../encoding/der.hpp"
#include "../encoding/der_writer.hpp"
#include "../encoding/keys.hpp"
#include "../hash/hash_traits.hpp"
#include "../hash/hmac.hpp"
#include "../hash/sha256.hpp"
#include "../hash/sha512.hpp"
#include "p256.hpp"

namespace kagi {

namespace p256 {

inline constexpr std::size_t signature_size = 64;          // r || s (IEEE P1363)
inline constexpr std::size_t max_der_signature_size = 72;  // SEQUENCE of two 33-byte INTEGERs
using signature_type = std::array<std::uint8_t, signature_size>;

}  // namespace p256

namespace detail::p256 {

// e (SEC 1 4.1.3 step 5, 4.1.4 step 3): the digest's leftmost 256 bits (all
// of it when shorter, as a big-endian integer), reduced mod n (below 2^256 <
// 2n, so one masked subtraction). RFC 6979's bits2int then mod n
// (bits2octets) is the same number.
[[nodiscard]] constexpr fe digest_to_scalar(bytes_view digest) noexcept {
  std::array<std::uint8_t, 32> b{};
  const std::size_t len = digest.size() < 32 ? digest.size() : 32;
  for (std::size_t i = 0; i < len; ++i) b[32 - len + i] = digest[i];
  return reduce_once_mod(load_be(b.data()), 0, n_raw);
}

// A scalar in [1, n - 1] from a DER INTEGER's contents (two's complement,
// minimal, as der::reader::read_integer_raw gives them); false when it is
// zero, negative or not below n.
[[nodiscard]] constexpr bool scalar_from_integer(bytes_view v, fe& out) noexcept {
  if (v.empty() || (v[0] & 0x80u) != 0) return false;
  if (v[0] == 0) v = v.subspan(1);  // the sign byte of a minimal encoding
  if (v.size() > 32) return false;
  std::array<std::uint8_t, 32> b{};
  for (std::size_t i = 0; i < v.size(); ++i) b[32 - v.size() + i] = v[i];
  out = load_be(b.data());
  return scalar_valid_mask(out) != 0;
}

// SEQUENCE { INTEGER r, INTEGER s }, strict DER, into r and s in [1, n - 1].
[[nodiscard]] constexpr status read_der_signature(bytes_view der, fe& r, fe& s) noexcept {
  struct integers {
    bytes_view r, s;
  };
  auto parts = der::parse_sequence(der, [](der::reader& seq) -> result<integers> {
    auto ri = seq.read_integer_raw();
    KAGI_TRY(ri);
    auto si = seq.read_integer_raw();
    KAGI_TRY(si);
    return integers{*ri, *si};
  });
  KAGI_TRY(parts);
  if (!scalar_from_integer(parts->r, r) || !scalar_from_integer(parts->s, s)) return errc::ecdsa_bad_signature;
  return {};
}

// r || s, 64 bytes, into r and s in [1, n - 1].
[[nodiscard]] constexpr status read_p1363_signature(bytes_view sig, fe& r, fe& s) noexcept {
  if (sig.size() != kagi::p256::signature_size) return errc::ecdsa_bad_signature;
  r = load_be(sig.data());
  s = load_be(sig.data() + 32);
  if ((scalar_valid_mask(r) & scalar_valid_mask(s)) == 0) return errc::ecdsa_bad_signature;
  return {};
}

// The DER encoding of r || s into out; its length.
[[nodiscard]] constexpr result<std::size_t> write_der_signature(const kagi::p256::signature_type& sig,
                                                                mutable_bytes out) noexcept {
  const auto magnitude = [](bytes_view v) {
    std::size_t i = 0;
    while (i < v.size() && v[i] == 0) ++i;
    return v.subspan(i);
  };
  const bytes_view r = magnitude(bytes_view(sig).first(32)), s = magnitude(bytes_view(sig).subspan(32));
  const std::size_t body = der::writer::integer_size(r) + der::writer::integer_size(s);
  if (der::writer::element_size(body) > out.size()) return errc::buffer_too_small;
  der::writer w(out);
  w.header(der::tag_sequence, body);
  w.integer(r);
  w.integer(s);
  return w.size();
}

// The public key for verification: a 65-byte SEC 1 point, or a DER
// SubjectPublicKeyInfo holding one (RFC 5480), decoded and validated.
[[nodiscard]] constexpr result<affine> read_verification_key(bytes_view key) noexcept {
  bytes_view point = key;
  if (!key.empty() && key[0] == der::tag_sequence) {
    auto p = keys::read_p256_spki(key);
    KAGI_TRY(p);
    point = *p;
  }
  if (point.size() == 33 && (point[0] == 0x02 || point[0] == 0x03)) return errc::ec_unsupported_key;
  const auto q = decode_point<field_mont>(point);
  if (!q) return errc::ecdsa_bad_signature;
  return *q;
}

[[nodiscard]] constexpr status verify_scalars(const affine& q, bytes_view digest, const fe& r, const fe& s) noexcept {
  const fe e = digest_to_scalar(digest);
  bool ok = false;
  if (std::is_constant_evaluated()) {
    ok = ecdsa_verify_constexpr(q, e, r, s);
  } else {
    ok = p256_table.kernel().ecdsa_verify(q, e, r, s);
  }
  if (!ok) return errc::ecdsa_bad_signature;
  return {};
}

// RFC 6979 section 3.2 (with section 3.6's additional data k'): HMAC_DRBG
// over hmac<H>, seeded with int2octets(d) || bits2octets(h1) || k', giving
// candidates k in [1, n - 1]. H's digest is at least 32 bytes, so one HMAC
// output holds all of qlen = 256 bits (bits2int takes its leftmost 32 bytes).
// K, V and the keyed HMAC are wiped when the generator dies.
template <block_hash H>
class rfc6979_nonces {
  static_assert(H::digest_size >= 32, "RFC 6979 over P-256 here needs a hash of at least 256 bits");
  using block = std::array<std::uint8_t, H::digest_size>;

 public:
  // x: the private key (32 bytes, big-endian, 0 < x < n); digest: h1;
  // extra: k' (empty for deterministic nonces).
  constexpr rfc6979_nonces(const std::array<std::uint8_t, 32>& x, bytes_view digest, bytes_view extra) noexcept
      : k_{}, v_(filled(0x01)), mac_(k_) {
    std::array<std::uint8_t, 32> h{};
    store_be(h.data(), digest_to_scalar(digest));  // bits2octets(h1)
    reseed(0x00, x, h, extra);                      // steps d, e
    reseed(0x01, x, h, extra);                      // steps f, g
  }
  constexpr rfc6979_nonces(const rfc6979_nonces&) = delete;
  constexpr rfc6979_nonces& operator=(const rfc6979_nonces&) = delete;
  constexpr ~rfc6979_nonces() {
    secure_wipe(k_);
    secure_wipe(v_);
  }

  // The next candidate (step h), after K and V have moved on from the
  // previous one (section 3.4: a nonce out of range, or a signature with r
  // = 0 or s = 0, takes the next). Only the verdict "in range" is declassified.
  [[nodiscard]] constexpr fe next() noexcept {
    for (;;) {
      if (!first_) {
        const std::uint8_t zero = 0x00;
        mac_.update(v_).update(bytes_view(&zero, 1));
        mac_.finish(k_);  // K = HMAC_K(V || 0x00)
        mac_ = hmac<H>(k_);
        mac_.update(v_);
        mac_.finish(v_);  // V = HMAC_K(V)
      }
      first_ = false;
      mac_.update(v_);
      mac_.finish(v_);  // V = HMAC_K(V); T = V
      const fe k = load_be(v_.data());
      if (ct::declassify(static_cast<bool>(scalar_valid_mask(k) & 1u))) return k;
    }
  }

 private:
  static constexpr block filled(std::uint8_t b) noexcept {
    block v{};
    for (auto& x : v) x = b;
    return v;
  }
  // K = HMAC_K(V || sep || x || h || extra), V = HMAC_K(V).
  constexpr void reseed(std::uint8_t sep, const std::array<std::uint8_t, 32>& x, const std::array<std::uint8_t, 32>& h,
                        bytes_view extra) noexcept {
    mac_.update(v_).update(bytes_view(&sep, 1)).update(x).update(h).update(extra);
    mac_.finish(k_);
    mac_ = hmac<H>(k_);
    mac_.update(v_);
    mac_.finish(v_);
  }

  block k_;
  block v_;
  hmac<H> mac_;  // keyed with k_
  bool first_ = true;
};

// Signs with nonces from `nonces` until r and s are both nonzero.
template <class Nonces>
[[nodiscard]] constexpr kagi::p256::signature_type sign_with(const fe& d, const fe& e, Nonces& nonces) noexcept {
  for (;;) {
    fe k = nonces.next();
    fe r{}, s{};
    u64 ok = 0;
    if (std::is_constant_evaluated()) {
      ok = ecdsa_sign<field_mont, scalar_mont>(r, s, d, k, e);
    } else {
      ok = p256_table.kernel().ecdsa_sign(r, s, d, k, e);
    }
    secure_wipe_objects(k);
    if (ct::declassify(static_cast<bool>(ok & 1u))) {
      kagi::p256::signature_type sig{};
      store_be(sig.data(), r);
      store_be(sig.data() + 32, s);
      return ct::declassify(sig);  // r and s are the signature: public
    }
  }
}

template <block_hash H>
[[nodiscard]] constexpr result<kagi::p256::signature_type> sign_digest(const kagi::p256::private_key_type& priv,
                                                                       bytes_view digest, bytes_view extra) noexcept {
  if (!kagi::p256::is_valid_private_key(priv)) return errc::invalid_argument;
  fe d = load_be(priv.data());
  const fe e = digest_to_scalar(digest);
  rfc6979_nonces<H> nonces(priv, digest, extra);
  const auto sig = sign_with(d, e, nonces);
  secure_wipe_objects(d);
  return sig;
}

// For tests: one signature with the given nonce k (known answers that list
// k, such as RFC 6979's; the timing tests choose k).
// errc::invalid_argument for d or k of 0 or >= n, or when r or s comes out
// 0. Never sign two messages with one k: the private key follows from them.
[[nodiscard]] constexpr result<kagi::p256::signature_type> sign_digest_with_nonce(
    const kagi::p256::private_key_type& priv, bytes_view digest, const std::array<std::uint8_t, 32>& nonce) noexcept {
  if (!kagi::p256::is_valid_private_key(priv) || !kagi::p256::is_valid_private_key(nonce)) return errc::invalid_argument;
  fe k = load_be(nonce.data());
  fe d = load_be(priv.data());
  const fe e = digest_to_scalar(digest);
  fe r{}, s{};
  u64 ok = 0;
  if (std::is_constant_evaluated()) {
    ok = ecdsa_sign<field_mont, scalar_mont>(r, s, d, k, e);
  } else {
    ok = p256_table.kernel().ecdsa_sign(r, s, d, k, e);
  }
  secure_wipe_objects(d, k);
  if (!ct::declassify(static_cast<bool>(ok & 1u))) return errc::invalid_argument;
  kagi::p256::signature_type sig{};
  store_be(sig.data(), r);
  store_be(sig.data() + 32, s);
  return ct::declassify(sig);
}

}  // namespace detail::p256

namespace p256 {

// ---- verification
//
// public_key: the 65-byte SEC 1 point 04 || X || Y, or a DER
// SubjectPublicKeyInfo (RFC 5480, id-ecPublicKey with namedCurve secp256r1)
// holding one; digest: any length (leftmost 256 bits used). ok, or
// errc::ecdsa_bad_signature, errc::der_* (malformed DER in the signature or
// the SubjectPublicKeyInfo), errc::ec_unsupported_key.

// A DER signature: SEQUENCE { INTEGER r, INTEGER s }.
[[nodiscard]] constexpr status verify_digest(bytes_view public_key, bytes_view digest,
                                             bytes_view der_signature) noexcept {
  auto q = detail::p256::read_verification_key(public_key);
  KAGI_TRY(q);
  detail::p256::fe r{}, s{};
  KAGI_TRY(detail::p256::read_der_signature(der_signature, r, s));
  return detail::p256::verify_scalars(*q, digest, r, s);
}

// An IEEE P1363 signature: r || s, 32 bytes each (any other length is
// errc::ecdsa_bad_signature).
[[nodiscard]] constexpr status verify_digest_p1363(bytes_view public_key, bytes_view digest,
                                                   bytes_view signature) noexcept {
  auto q = detail::p256::read_verification_key(public_key);
  KAGI_TRY(q);
  detail::p256::fe r{}, s{};
  KAGI_TRY(detail::p256::read_p1363_signature(signature, r, s));
  return detail::p256::verify_scalars(*q, digest, r, s);
}

// The message hashed with H first (SHA-256 by default; sha384, sha512).
template <hash_function H = sha256>
[[nodiscard]] constexpr status verify(bytes_view public_key, bytes_view message, bytes_view der_signature) noexcept {
  H h;
  h.update(message);
  const auto digest = h.finish();
  return verify_digest(public_key, digest, der_signature);
}
template <hash_function H = sha256>
[[nodiscard]] constexpr status verify_p1363(bytes_view public_key, bytes_view message, bytes_view signature) noexcept {
  H h;
  h.update(message);
  const auto digest = h.finish();
  return verify_digest_p1363(public_key, digest, signature);
}

// ---- signing
//
// H is the hash the digest was made with: RFC 6979 runs HMAC over it
// (SHA-256 by default). Without a random source the nonce is deterministic
// (RFC 6979 section 3.2: the same key and digest give the same signature);
// with one, 32 random bytes are mixed into the nonce's derivation (section
// 3.6). Errors: errc::invalid_argument for a private scalar of 0 or >= n;
// the DER forms errc::buffer_too_small for an output under the signature's
// length (max_der_signature_size always fits).

// r || s.
template <block_hash H = sha256>
[[nodiscard]] constexpr result<signature_type> sign_digest_p1363(const private_key_type& priv,
                                                                 bytes_view digest) noexcept {
  return detail::p256::sign_digest<H>(priv, digest, {});
}
template <block_hash H = sha256, random_source R>
[[nodiscard]] constexpr result<signature_type> sign_digest_p1363(const private_key_type& priv, bytes_view digest,
                                                                 R& rng) noexcept {
  std::array<std::uint8_t, 32> extra{};
  rng.fill(extra);
  auto sig = detail::p256::sign_digest<H>(priv, digest, extra);
  secure_wipe(extra);
  return sig;
}

// DER into out (up to max_der_signature_size bytes): the signature's length.
template <block_hash H = sha256>
[[nodiscard]] constexpr result<std::size_t> sign_digest(const private_key_type& priv, bytes_view digest,
                                                        mutable_bytes out) noexcept {
  auto sig = sign_digest_p1363<H>(priv, digest);
  KAGI_TRY(sig);
  return detail::p256::write_der_signature(*sig, out);
}
template <block_hash H = sha256, random_source R>
[[nodiscard]] constexpr result<std::size_t> sign_digest(const private_key_type& priv, bytes_view digest,
                                                        mutable_bytes out, R& rng) noexcept {
  auto sig = sign_digest_p1363<H>(priv, digest, rng);
  KAGI_TRY(sig);
  return detail::p256::write_der_signature(*sig, out);
}

// The message hashed with H first.
template <block_hash H = sha256>
[[nodiscard]] constexpr result<std::size_t> sign(const private_key_type& priv, bytes_view message,
                                                 mutable_bytes out) noexcept {
  return sign_digest<H>(priv, H::hash(message), out);
}
template <block_hash H = sha256, random_source R>
[[nodiscard]] constexpr result<std::size_t> sign(const private_key_type& priv, bytes_view message, mutable_bytes out,
                                                 R& rng) noexcept {
  return sign_digest<H>(priv, H::hash(message), out, rng);
}
template <block_hash H = sha256>
[[nodiscard]] constexpr result<signature_type> sign_p1363(const private_key_type& priv, bytes_view message) noexcept {
  return sign_digest_p1363<H>(priv, H::hash(message));
}
template <block_hash H = sha256, random_source R>
[[nodiscard]] constexpr result<signature_type> sign_p1363(const private_key_type& priv, bytes_view message,
                                                          R& rng) noexcept {
  return sign_digest_p1363<H>(priv, H::hash(message), rng);
}

// ---- the two encodings of a signature

// DER to r || s (errc::der_* for malformed DER, errc::ecdsa_bad_signature for
// r or s outside [1, n - 1]).
[[nodiscard]] constexpr result<signature_type> signature_from_der(bytes_view der_signature) noexcept {
  detail::p256::fe r{}, s{};
  KAGI_TRY(detail::p256::read_der_signature(der_signature, r, s));
  signature_type sig{};
  detail::p256::store_be(sig.data(), r);
  detail::p256::store_be(sig.data() + 32, s);
  return sig;
}
// r || s to DER (errc::ecdsa_bad_signature for r or s outside [1, n - 1],
// errc::buffer_too_small).
[[nodiscard]] constexpr result<std::size_t> signature_to_der(bytes_view signature, mutable_bytes out) noexcept {
  detail::p256::fe r{}, s{};
  KAGI_TRY(detail::p256::read_p1363_signature(signature, r, s));
  signature_type sig{};
  for (std::size_t i = 0; i < signature_size; ++i) sig[i] = signature[i];
  return detail::p256::write_der_signature(sig, out);
}

// A P-256 private key from PEM (PKCS#8 "PRIVATE KEY" or SEC 1 "EC PRIVATE
// KEY"): the scalar, checked to be in [1, n - 1] (errc::ec_unsupported_key
// otherwise; encoding/keys.hpp's errors for malformed input).
[[nodiscard]] constexpr result<private_key_type> private_key_from_pem(std::string_view text) noexcept {
  std::array<std::uint8_t, 1024> der{};
  auto d = keys::read_p256_private_pem(text, der);
  if (!d) {
    secure_wipe(der);
    return d.error();
  }
  private_key_type k{};
  for (std::size_t i = 0; i < 32; ++i) k[i] = (*d)[i];
  secure_wipe(der);
  if (!is_valid_private_key(k)) {
    secure_wipe(k);
    return errc::ec_unsupported_key;
  }
  return k;
}

}  // namespace p256

}  // namespace kagi

#endif  // KAGI_EC_ECDSA_P256_HPP
