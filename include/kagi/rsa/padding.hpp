// kagi/rsa/padding.hpp: the PKCS#1 encodings (RFC 8017) that turn a message
// into the number RSA exponentiates, and back.
//
//   EME-PKCS1-v1_5 (7.2)    encryption: 00 02 PS 00 M, PS non-zero random bytes;
//                           decoding in constant time, and the RFC 5246
//                           7.4.7.1 form for a TLS 1.2 pre-master secret
//   EMSA-PKCS1-v1_5 (9.2)   signatures: 00 01 FF..FF 00 DigestInfo(H(M))
//   EMSA-PSS (9.1), MGF1 (B.2.1)
//                           signatures: masked DB (PS 01 salt) || H' || BC,
//                           salt length = hash length
//
// The signature encodings are templates over any hash with the
// hash_function concept of hash/hmac.hpp; a hash needs its OBJECT IDENTIFIER
// in hash_oid (for DigestInfo) and nothing else. Everything is constexpr.
// Encoding and the checks on decrypted data run in constant time (they see
// secrets); signature verification reads public data and is ordinary code.
#ifndef KAGI_RSA_PADDING_HPP
#define KAGI_RSA_PADDING_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../core/bytes.hpp"
#include "../core/ct.hpp"
#include "../hash/hmac.hpp"
#include "../hash/sha256.hpp"
#include "../hash/sha512.hpp"
#include "../math/limbs.hpp"

namespace kagi {

// The two signature encodings of RSA (RFC 8017 8.1, 8.2).
enum class rsa_padding { pkcs1_v15, pss };

}  // namespace kagi

namespace kagi::detail::rsa {

inline constexpr std::size_t max_bytes = bn::max_bits / 8;  // the longest encoded message: 512

// ---- the hashes: their OIDs and digests

// The OBJECT IDENTIFIER contents of a hash, for DigestInfo (NIST's hash
// algorithm arc 2.16.840.1.101.3.4.2: .1 SHA-256, .2 SHA-384, .3 SHA-512).
template <hash_function H>
struct hash_oid;
template <>
struct hash_oid<sha256> {  // 2.16.840.1.101.3.4.2.1
  static constexpr std::array<std::uint8_t, 9> value{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
};
template <>
struct hash_oid<sha384> {  // 2.16.840.1.101.3.4.2.2
  static constexpr std::array<std::uint8_t, 9> value{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
};
template <>
struct hash_oid<sha512> {  // 2.16.840.1.101.3.4.2.3
  static constexpr std::array<std::uint8_t, 9> value{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03};
};

template <hash_function H>
using digest = std::array<std::uint8_t, H::digest_size>;

template <hash_function H>
[[nodiscard]] constexpr digest<H> hash_of(bytes_view msg) noexcept {
  H h;
  h.update(msg);
  return h.finish();
}
template <hash_function H>
[[nodiscard]] constexpr digest<H> to_digest(std::span<const std::uint8_t, H::digest_size> d) noexcept {
  digest<H> r{};
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = d[i];
  return r;
}

// The DER of DigestInfo ::= SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING }
// up to the digest itself (RFC 8017 9.2 note 1 lists them).
template <hash_function H>
inline constexpr auto digest_info_prefix = [] {
  constexpr auto& oid = hash_oid<H>::value;
  constexpr std::size_t alg = 2 + oid.size() + 2;  // OID, NULL
  std::array<std::uint8_t, 2 + 2 + alg + 2> p{};
  static_assert(2 + alg + 2 + H::digest_size < 0x80, "short-form lengths");
  std::size_t i = 0;
  p[i++] = 0x30;
  p[i++] = static_cast<std::uint8_t>(2 + alg + 2 + H::digest_size);
  p[i++] = 0x30;
  p[i++] = static_cast<std::uint8_t>(alg);
  p[i++] = 0x06;
  p[i++] = static_cast<std::uint8_t>(oid.size());
  for (auto b : oid) p[i++] = b;
  p[i++] = 0x05;
  p[i++] = 0x00;
  p[i++] = 0x04;
  p[i++] = static_cast<std::uint8_t>(H::digest_size);
  return p;
}();
static_assert(digest_info_prefix<sha256> == std::array<std::uint8_t, 19>{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                                        0x01, 0x05, 0x00, 0x04, 0x20},
              "RFC 8017 9.2 note 1");

// The shortest encoded messages the signature encodings fit in (RFC 8017
// 9.2 step 3, 9.1.1 step 3): EMSA-PKCS1-v1_5 needs emLen >= tLen + 11 (62
// bytes for SHA-256, which every accepted modulus of 512 bits or more
// gives); EMSA-PSS needs emLen >= hLen + sLen + 2 (66 bytes for SHA-256:
// moduli of 522 bits or more, as emBits = modBits - 1).
template <hash_function H>
inline constexpr std::size_t pkcs1_min_em_len = digest_info_prefix<H>.size() + H::digest_size + 11;
template <hash_function H>
inline constexpr std::size_t pss_salt_len = H::digest_size;
template <hash_function H>
inline constexpr std::size_t pss_min_em_len = H::digest_size + pss_salt_len<H> + 2;

// ---- EMSA-PKCS1-v1_5 (RFC 8017 9.2)

// EM = 00 01 FF..FF 00 DigestInfo into em (emLen = em.size() bytes); false,
// and nothing written, when em is shorter than pkcs1_min_em_len<H>.
template <hash_function H>
[[nodiscard]] constexpr bool emsa_pkcs1_encode(const digest<H>& h, mutable_bytes em) noexcept {
  constexpr auto& prefix = digest_info_prefix<H>;
  if (em.size() < pkcs1_min_em_len<H>) return false;
  const std::size_t ps_end = em.size() - prefix.size() - h.size() - 1;
  em[0] = 0x00;
  em[1] = 0x01;
  for (std::size_t i = 2; i < ps_end; ++i) em[i] = 0xff;
  em[ps_end] = 0x00;
  for (std::size_t i = 0; i < prefix.size(); ++i) em[ps_end + 1 + i] = prefix[i];
  for (std::size_t i = 0; i < h.size(); ++i) em[ps_end + 1 + prefix.size() + i] = h[i];
  return true;
}

// ---- MGF1 and EMSA-PSS (RFC 8017 B.2.1, 9.1)

// out ^= MGF1-H(seed), for any out length.
template <hash_function H>
constexpr void mgf1_xor(bytes_view seed, mutable_bytes out) noexcept {
  std::array<std::uint8_t, 4> counter{};
  for (std::size_t done = 0, c = 0; done < out.size(); ++c) {
    store_be32(counter.data(), static_cast<std::uint32_t>(c));
    H h;
    h.update(seed);
    h.update(counter);
    const auto d = h.finish();
    const std::size_t n = out.size() - done < d.size() ? out.size() - done : d.size();
    for (std::size_t i = 0; i < n; ++i) out[done + i] ^= d[i];
    done += n;
  }
}

// H' = H(0x00 * 8 || mHash || salt) (9.1.1 steps 5-6).
template <hash_function H>
[[nodiscard]] constexpr digest<H> pss_hash(const digest<H>& m_hash, bytes_view salt) noexcept {
  const std::array<std::uint8_t, 8> zeros{};
  H h;
  h.update(zeros);
  h.update(m_hash);
  h.update(salt);
  return h.finish();
}

// EMSA-PSS-ENCODE with MGF1-H and a salt of hash length into em (em_len =
// ceil(em_bits / 8) bytes, at least pss_min_em_len<H>: the caller checks, as
// smaller keys would index before em).
template <hash_function H>
constexpr void emsa_pss_encode(const digest<H>& m_hash, bytes_view salt, std::size_t em_bits,
                               mutable_bytes em) noexcept {
  constexpr std::size_t h_len = H::digest_size;
  const std::size_t em_len = em.size();
  const digest<H> h = pss_hash<H>(m_hash, salt);
  const std::size_t db_len = em_len - h_len - 1;
  for (std::size_t i = 0; i < db_len; ++i) em[i] = 0;
  em[db_len - salt.size() - 1] = 0x01;
  for (std::size_t i = 0; i < salt.size(); ++i) em[db_len - salt.size() + i] = salt[i];
  mgf1_xor<H>(h, em.first(db_len));
  em[0] &= static_cast<std::uint8_t>(0xffu >> (8 * em_len - em_bits));
  for (std::size_t i = 0; i < h_len; ++i) em[db_len + i] = h[i];
  em[em_len - 1] = 0xbc;
}

// EMSA-PSS-VERIFY for a salt of hash length. em is public (it comes from a
// signature), so this is ordinary code.
template <hash_function H>
[[nodiscard]] constexpr bool emsa_pss_verify(const digest<H>& m_hash, bytes_view em_in, std::size_t em_bits) noexcept {
  constexpr std::size_t h_len = H::digest_size, s_len = pss_salt_len<H>;
  const std::size_t em_len = em_in.size();
  if (em_len < pss_min_em_len<H> || em_len > max_bytes) return false;
  if (em_in[em_len - 1] != 0xbc) return false;
  const std::size_t db_len = em_len - h_len - 1;
  const auto top_mask = static_cast<std::uint8_t>(0xffu >> (8 * em_len - em_bits));
  if ((em_in[0] & ~top_mask) != 0) return false;
  std::array<std::uint8_t, max_bytes> db{};
  for (std::size_t i = 0; i < db_len; ++i) db[i] = em_in[i];
  digest<H> h{};
  for (std::size_t i = 0; i < h_len; ++i) h[i] = em_in[db_len + i];
  mgf1_xor<H>(h, std::span(db).first(db_len));
  db[0] &= top_mask;
  const std::size_t ps_len = db_len - s_len - 1;
  for (std::size_t i = 0; i < ps_len; ++i)
    if (db[i] != 0) return false;
  if (db[ps_len] != 0x01) return false;
  const digest<H> h2 = pss_hash<H>(m_hash, std::span(db).subspan(ps_len + 1, s_len));
  for (std::size_t i = 0; i < h_len; ++i)
    if (h[i] != h2[i]) return false;
  return true;
}

// ---- EME-PKCS1-v1_5 (RFC 8017 7.2)

// EM = 00 02 PS 00 M into em, PS em.size() - 3 - msg.size() random non-zero
// bytes (msg.size() <= em.size() - 11: the caller checks).
template <class R>
constexpr void eme_pkcs1_encode(bytes_view msg, mutable_bytes em, R& rng) noexcept {
  const std::size_t ps_len = em.size() - 3 - msg.size();
  em[0] = 0x00;
  em[1] = 0x02;
  rng.fill(em.subspan(2, ps_len));
  for (std::size_t i = 2; i < 2 + ps_len; ++i) {
    while (em[i] == 0) rng.fill(em.subspan(i, 1));  // PS: non-zero random bytes
  }
  em[2 + ps_len] = 0x00;
  for (std::size_t i = 0; i < msg.size(); ++i) em[3 + ps_len + i] = msg[i];
}

// The decoding check of 7.2.2 step 3 in constant time: an all-ones mask
// when em = 00 02 PS 00 M with at least 8 bytes of PS (M then starts after
// sep, the position of the first zero byte after em[1]).
struct eme_pkcs1_decoded {
  std::uint64_t good = 0;
  std::uint64_t sep = 0;
};
[[nodiscard]] constexpr eme_pkcs1_decoded eme_pkcs1_decode(bytes_view em) noexcept {
  using u64 = std::uint64_t;
  u64 bad = em[0] | (em[1] ^ 0x02u), found = 0, sep = 0;
  for (std::size_t i = 2; i < em.size(); ++i) {
    const u64 zero = ct::is_zero(static_cast<u64>(em[i])) & ~found;
    sep = ct::select(zero, static_cast<u64>(i), sep);
    found |= zero;
  }
  bad |= ~found;
  bad |= ct::lt(sep, u64{10});
  return {~ct::is_nonzero(bad), sep};
}

// The check of a TLS 1.2 pre-master secret's encryption block (RFC 5246
// 7.4.7.1), with no branch on em: an all-ones mask when em = 00 02 PS 00 M
// with |M| = premaster_size (PS non-zero bytes up to there) and M starting
// with the two bytes of client_version.
inline constexpr std::size_t premaster_size = 48;
[[nodiscard]] constexpr std::uint64_t tls_premaster_block_ok(bytes_view em, std::uint16_t client_version) noexcept {
  using u64 = std::uint64_t;
  const std::size_t sep = em.size() - premaster_size - 1;  // PS is em[2 .. sep), the separator em[sep]
  u64 bad = em[0] | (em[1] ^ 0x02u) | em[sep];
  for (std::size_t i = 2; i < sep; ++i) bad |= ct::is_zero(static_cast<u64>(em[i]));
  bad |= static_cast<u64>(em[sep + 1] ^ (client_version >> 8)) | static_cast<u64>(em[sep + 2] ^ (client_version & 0xffu));
  return ~ct::is_nonzero(bad);
}

}  // namespace kagi::detail::rsa

#endif  // KAGI_RSA_PADDING_HPP
