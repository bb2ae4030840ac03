// kagi/cipher/gcm.hpp: AES-GCM (NIST SP 800-38D).
//
// The key state is the AES key schedule and the twisted GHASH key powers
// H'^16 .. H'^1 (ghash.hpp says what "twisted" means), the same bytes on
// every path. The portable path below is the specification: constexpr and
// constant time, on the bitsliced AES of aes.hpp and the GHASH of ghash.hpp.
//
// At run time each operation (key set-up, J0 from a nonce that is not 96 bits,
// seal, open) runs on the kernel that detail::gcm_table picks: VAES with
// VPCLMULQDQ on 512- or 256-bit registers (x86/gcm_vaes.hpp, one kernel for
// both widths), AES-NI with PCLMULQDQ (x86/gcm_aesni.hpp), or the portable code.
#ifndef KAGI_CIPHER_GCM_HPP
#define KAGI_CIPHER_GCM_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include "../core/bytes.hpp"
#include "../core/cpu.hpp"
#include "../core/ct.hpp"
#include "../core/dispatch.hpp"
#include "../core/random.hpp"
#include "../core/result.hpp"
#include "aes.hpp"
#include "ghash.hpp"

namespace kagi {

namespace detail {

// ---- the key state shared by every path

inline constexpr std::size_t gcm_powers = 16;

// H'^k (1 <= k <= 16) in the powers' layout: power k at index 2*(16 - k) (low
// 64 bits) and 2*(16 - k) + 1 (high 64 bits), i.e. as the kernels' 128-bit
// registers in memory.
[[nodiscard]] constexpr gf128 gcm_power(const std::uint64_t* hpow, std::size_t k) noexcept {
  return {hpow[2 * (gcm_powers - k) + 1], hpow[2 * (gcm_powers - k)]};
}
constexpr void gcm_set_power(std::uint64_t* hpow, std::size_t k, gf128 v) noexcept {
  hpow[2 * (gcm_powers - k)] = v.lo;
  hpow[2 * (gcm_powers - k) + 1] = v.hi;
}

template <std::size_t KeyBits>
struct gcm_key {
  static constexpr int rounds = aes_params<KeyBits>::rounds;
  aes_key_schedule<KeyBits> aes;
  // H'^16 .. H'^1 (gcm_power), then four zero blocks, so a kernel may load
  // four powers from any start.
  alignas(64) std::array<std::uint64_t, 2 * (gcm_powers + 4)> hpow{};

  [[nodiscard]] constexpr gf128 power(std::size_t k) const noexcept { return gcm_power(hpow.data(), k); }

  constexpr gcm_key() noexcept = default;
  constexpr gcm_key(const gcm_key&) noexcept = default;
  constexpr gcm_key& operator=(const gcm_key&) noexcept = default;
  constexpr ~gcm_key() { secure_wipe(hpow); }
};

// The start of a message's counter: either the 12-byte nonce itself (J0 is
// nonce || 0^31 || 1, built by whoever runs the message) or a 16-byte J0
// computed from a nonce of another length.
struct gcm_iv {
  const std::uint8_t* p;
  bool nonce12;
};

constexpr void gcm_iv_to_j0(gcm_iv iv, std::uint8_t* j0) noexcept {
  if (iv.nonce12) {
    for (int i = 0; i < 12; ++i) j0[i] = iv.p[i];
    j0[12] = j0[13] = j0[14] = 0;
    j0[15] = 1;
  } else {
    for (int i = 0; i < 16; ++i) j0[i] = iv.p[i];
  }
}

// The first tag_len bytes of the computed tag equal tag? Compared in constant
// time; the computed tag is wiped, and on a mismatch out[0..len) is zeroed.
constexpr bool gcm_check_tag(std::uint8_t* expected, const std::uint8_t* tag, std::size_t tag_len, std::uint8_t* out,
                             std::size_t len) noexcept {
  const bool ok = ct_equal(bytes_view(expected, tag_len), bytes_view(tag, tag_len));
  secure_wipe(std::span(expected, 16));
  if (!ok)
    for (std::size_t i = 0; i < len; ++i) out[i] = 0;
  return ok;
}

// ---- the portable path
//
// Every kernel has this shape (rk: the AES round keys; hpow: the key powers):
//   init(key, rk, hpow)                     key expansion, H = E(K, 0), the powers
//   j0(hpow, nonce, len, j0)                J0 from a nonce that is not 12 bytes
//   seal(rk, hpow, iv, aad, a, in, out, len, tag)
//       out = CTR(in) from J0 + 1; tag = E(K, J0) ^ GHASH(aad, out, lengths), 16 bytes
//   open(rk, hpow, iv, aad, a, ct, out, len, tag, tag_len) -> bool
//       checks the first tag_len bytes of the tag of ct in constant time, and only
//       then writes the plaintext to out (out == ct or disjoint from it); on a
//       mismatch out is zeroed and false returned. A kernel may write keystream
//       (never plaintext) to an out apart from ct before the check.

// Counter-mode keystream for GCM, four bitsliced blocks at a time. Counter
// block i of the message is J0 with its low 32 bits plus 1 + i (inc32, mod 2^32).
// The first batch also encrypts J0 itself, written to ej0 (for the tag).
template <int Rounds>
struct gcm_ctr_portable {
  std::array<std::uint64_t, 8 * (Rounds + 1)> sk{};
  std::array<std::uint8_t, 64> ks{};
  std::uint8_t ctr[16] = {};
  std::uint32_t next = 0;  // low 32 bits of the next counter block
  std::size_t used = 64;   // keystream bytes of ks already consumed

  constexpr gcm_ctr_portable(const std::uint8_t* rk, const std::uint8_t* j0, std::uint8_t* ej0) noexcept {
    aes_bs_expand_round_keys(rk, Rounds, sk.data());
    for (int i = 0; i < 16; ++i) ctr[i] = j0[i];
    next = load_be32(j0 + 12);
    batch();
    for (int i = 0; i < 16; ++i) ej0[i] = ks[i];
    used = 16;
  }
  constexpr ~gcm_ctr_portable() {
    secure_wipe(sk);
    secure_wipe(ks);
  }

  constexpr void batch() noexcept {
    std::uint8_t blocks[64] = {};
    for (int n = 0; n < 4; ++n) {
      for (int i = 0; i < 12; ++i) blocks[16 * n + i] = ctr[i];
      store_be32(blocks + 16 * n + 12, next);
      ++next;
    }
    aes_bs_blocks<false>(Rounds, sk.data(), blocks, ks.data(), 4);
    used = 0;
  }

  // out = in ^ keystream for the next len bytes (in == out allowed).
  constexpr void xor_stream(const std::uint8_t* in, std::uint8_t* out, std::size_t len) noexcept {
    while (len > 0) {
      if (used == 64) batch();
      std::size_t take = 64 - used;
      if (take > len) take = len;
      std::size_t i = 0;
      for (; i + 8 <= take; i += 8) store_le64(out + i, load_le64(in + i) ^ load_le64(ks.data() + used + i));
      for (; i < take; ++i) out[i] = static_cast<std::uint8_t>(in[i] ^ ks[used + i]);
      used += take;
      in += take;
      out += take;
      len -= take;
    }
  }
};

// H = E(K, 0), twisted, and its powers.
constexpr void gcm_init_powers_portable(std::uint64_t* hpow, const std::uint8_t* h_block) noexcept {
  const gf128 h1 = gf128_twist(gf128_load(h_block));
  gf128 p = h1;
  gcm_set_power(hpow, 1, p);
  for (std::size_t i = 2; i <= gcm_powers; ++i) {
    p = gf128_mul(p, h1);
    gcm_set_power(hpow, i, p);
  }
}

template <int Rounds>
constexpr void gcm_init_portable(const std::uint8_t* key, std::uint8_t* rk, std::uint64_t* hpow) noexcept {
  aes_expand_key<Rounds>(key, rk);
  std::array<std::uint8_t, 16> h{};
  aes_ecb_portable<Rounds, false>(rk, h.data(), h.data(), 1);
  gcm_init_powers_portable(hpow, h.data());
  secure_wipe(h);
}

// J0 = GHASH(nonce || 0-pad || [0]_64 || [len(nonce)]_64).
constexpr void gcm_j0_portable(const std::uint64_t* hpow, const std::uint8_t* nonce, std::size_t len,
                               std::uint8_t* j0) noexcept {
  const gf128 h1 = gcm_power(hpow, 1);
  gf128 y{};
  gcm_ghash_portable(h1, y, nonce, len);
  gcm_ghash_lengths(h1, y, 0, len);
  gf128_store(j0, y);
}

// tag = E(K, J0) ^ y: on entry tag holds E(K, J0).
constexpr void gcm_finish_tag(gf128 y, std::uint8_t* tag) noexcept {
  std::uint8_t s[16] = {};
  gf128_store(s, y);
  for (int i = 0; i < 16; ++i) tag[i] ^= s[i];
  secure_wipe(std::span(s));
}

template <int Rounds>
constexpr void gcm_seal_portable(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                 const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* in,
                                 std::uint8_t* out, std::size_t len, std::uint8_t* tag) noexcept {
  const gf128 h1 = gcm_power(hpow, 1);
  gf128 y{};
  gcm_ghash_portable(h1, y, aad, aad_len);
  std::uint8_t j0[16] = {}, ej0[16] = {};
  gcm_iv_to_j0(iv, j0);
  gcm_ctr_portable<Rounds> ctr(rk, j0, ej0);
  // Chunks line up with 16-byte blocks: GHASH each chunk of ciphertext as it is made.
  for (std::size_t done = 0; done < len;) {
    std::size_t n = len - done < 256 ? len - done : 256;
    ctr.xor_stream(in + done, out + done, n);
    gcm_ghash_portable(h1, y, out + done, n);
    done += n;
  }
  gcm_ghash_lengths(h1, y, aad_len, len);
  for (int i = 0; i < 16; ++i) tag[i] = ej0[i];
  secure_wipe(std::span(ej0));
  gcm_finish_tag(y, tag);
}

// The tag a ciphertext should carry (E(K, J0) from the counter's first batch),
// then, if it matches, the plaintext from the rest of that keystream.
template <int Rounds>
constexpr bool gcm_open_portable(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv,
                                 const std::uint8_t* aad, std::size_t aad_len, const std::uint8_t* ct,
                                 std::uint8_t* out, std::size_t len, const std::uint8_t* tag,
                                 std::size_t tag_len) noexcept {
  const gf128 h1 = gcm_power(hpow, 1);
  gf128 y{};
  gcm_ghash_portable(h1, y, aad, aad_len);
  gcm_ghash_portable(h1, y, ct, len);
  gcm_ghash_lengths(h1, y, aad_len, len);
  std::uint8_t j0[16] = {}, expected[16] = {};
  gcm_iv_to_j0(iv, j0);
  gcm_ctr_portable<Rounds> ctr(rk, j0, expected);
  gcm_finish_tag(y, expected);
  if (!gcm_check_tag(expected, tag, tag_len, out, len)) return false;
  ctr.xor_stream(ct, out, len);
  return true;
}

}  // namespace detail
}  // namespace kagi

#include "x86/gcm_aesni.hpp"
#include "x86/gcm_vaes.hpp"

namespace kagi {
namespace detail {

// ---- the dispatch table: one per key size (Rounds), fastest first

template <int Rounds>
struct gcm_kernel {
  void (*init)(const std::uint8_t* key, std::uint8_t* rk, std::uint64_t* hpow) noexcept;
  void (*j0)(const std::uint64_t* hpow, const std::uint8_t* nonce, std::size_t len, std::uint8_t* j0) noexcept;
  void (*seal)(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv, const std::uint8_t* aad,
               std::size_t aad_len, const std::uint8_t* in, std::uint8_t* out, std::size_t len,
               std::uint8_t* tag) noexcept;
  bool (*open)(const std::uint8_t* rk, const std::uint64_t* hpow, gcm_iv iv, const std::uint8_t* aad,
               std::size_t aad_len, const std::uint8_t* ct, std::uint8_t* out, std::size_t len,
               const std::uint8_t* tag, std::size_t tag_len) noexcept;
};

template <int Rounds>
inline constexpr auto gcm_table = dispatch::make_table<gcm_kernel<Rounds>>("aes-gcm", {
#if KAGI_X86
    {"vaes-avx512", gcm_zmm::needs, "cipher/x86/gcm_vaes.hpp",
     {&gcm_vaes<gcm_zmm>::init<Rounds>, &gcm_j0_pclmul, &gcm_vaes<gcm_zmm>::seal<Rounds>,
      &gcm_vaes<gcm_zmm>::open<Rounds>}},
    {"vaes-avx2", gcm_ymm::needs, "cipher/x86/gcm_vaes.hpp",
     {&gcm_vaes<gcm_ymm>::init<Rounds>, &gcm_j0_pclmul, &gcm_vaes<gcm_ymm>::seal<Rounds>,
      &gcm_vaes<gcm_ymm>::open<Rounds>}},
    {"aesni-pclmul", gcm_aesni_needs, "cipher/x86/gcm_aesni.hpp",
     {&gcm_init_aesni<Rounds>, &gcm_j0_pclmul, &gcm_seal_aesni<Rounds>, &gcm_open_aesni<Rounds>}},
#endif
    {"portable", 0, {}, {&gcm_init_portable<Rounds>, &gcm_j0_portable, &gcm_seal_portable<Rounds>,
                         &gcm_open_portable<Rounds>}},
});
static_assert(gcm_table<10>.well_formed() && gcm_table<12>.well_formed() && gcm_table<14>.well_formed());

// Runs one operation of the kernel (Op: a member of gcm_kernel<Rounds>) on
// the path the table picks now, or on the portable path (the last row) in
// constant evaluation.
template <int Rounds, auto Op, class... Args>
constexpr auto gcm_run(Args... args) noexcept {
  constexpr const auto& t = gcm_table<Rounds>;
  if (std::is_constant_evaluated()) return (t.paths[t.size - 1].kernel.*Op)(args...);
  return (t.kernel().*Op)(args...);
}

// Expands the key and computes H'^1..H'^16 (the same bytes on every path).
template <std::size_t KeyBits>
constexpr void gcm_set_key(gcm_key<KeyBits>& k, const std::uint8_t* key) noexcept {
  constexpr int r = gcm_key<KeyBits>::rounds;
  gcm_run<r, &gcm_kernel<r>::init>(key, k.aes.rk.data(), k.hpow.data());
}

template <std::size_t KeyBits>
constexpr void gcm_seal(const gcm_key<KeyBits>& k, gcm_iv iv, const std::uint8_t* aad, std::size_t aad_len,
                        const std::uint8_t* in, std::uint8_t* out, std::size_t len, std::uint8_t* tag) noexcept {
  constexpr int r = gcm_key<KeyBits>::rounds;
  gcm_run<r, &gcm_kernel<r>::seal>(k.aes.rk.data(), k.hpow.data(), iv, aad, aad_len, in, out, len, tag);
}

template <std::size_t KeyBits>
[[nodiscard]] constexpr bool gcm_open(const gcm_key<KeyBits>& k, gcm_iv iv, const std::uint8_t* aad,
                                      std::size_t aad_len, const std::uint8_t* ct, std::uint8_t* out,
                                      std::size_t len, const std::uint8_t* tag, std::size_t tag_len) noexcept {
  constexpr int r = gcm_key<KeyBits>::rounds;
  return gcm_run<r, &gcm_kernel<r>::open>(k.aes.rk.data(), k.hpow.data(), iv, aad, aad_len, ct, out, len, tag,
                                          tag_len);
}

// J0 = nonce || 0^31 || 1 for 96-bit nonces, else GHASH(nonce || 0-pad || [0]_64 || [len(nonce)]_64).
template <std::size_t KeyBits>
constexpr void gcm_j0(const gcm_key<KeyBits>& k, const std::uint8_t* nonce, std::size_t len,
                      std::uint8_t* j0) noexcept {
  if (len == 12) {
    gcm_iv_to_j0({nonce, true}, j0);
    return;
  }
  constexpr int r = gcm_key<KeyBits>::rounds;
  gcm_run<r, &gcm_kernel<r>::j0>(k.hpow.data(), nonce, len, j0);
}

// ---- argument checking for the public entry points

// A contiguous range of bytes (std::array, std::vector, std::span, C array).
template <class R>
concept byte_input = std::is_convertible_v<const std::remove_reference_t<R>&, bytes_view>;
template <class R>
concept byte_output = std::is_convertible_v<std::remove_reference_t<R>&, mutable_bytes>;

// The static extent of a range as std::span sees it (dynamic_extent if none).
template <class R>
inline constexpr std::size_t static_extent_v = [] {
  if constexpr (requires { std::span(std::declval<std::remove_reference_t<R>&>()); }) {
    return decltype(std::span(std::declval<std::remove_reference_t<R>&>()))::extent;
  } else {
    return std::dynamic_extent;
  }
}();

[[nodiscard]] constexpr bool gcm_valid_tag_size(std::size_t n) noexcept { return n == 4 || n == 8 || (n >= 12 && n <= 16); }

}  // namespace detail

// AES-GCM (SP 800-38D) with a 128-, 192- or 256-bit key. The key is expanded
// once (AES round keys and the GHASH key powers); encrypt and decrypt are
// one-shot and may run concurrently on one object. Wiped when destroyed.
//
// Nonces: 12 bytes (96 bits) is the recommended size and the fast case; any
// other non-empty length is hashed into the initial counter (SP 800-38D 7.1).
//
// NONCE UNIQUENESS: a nonce must never repeat under one key. encrypt() trusts
// the caller on this and cannot check it. Two messages sealed with the same key
// and nonce give away the XOR of their plaintexts and the GHASH key, and with
// it the power to forge any message under that key (the "forbidden attack").
// Use a counter that never repeats (as TLS does with its sequence numbers,
// tls12/record.hpp), or let seal_with_random_nonce() draw a fresh random 96-bit
// nonce for each message and prepend it to the ciphertext (safe for up to 2^32
// messages per key, SP 800-38D 8.3).
//
// Tags: encrypt writes tag_out.size() bytes, decrypt checks tag.size() bytes;
// 16 is the full tag, and SP 800-38D allows truncation to 15, 14, 13, 12, 8 or 4
// bytes (8 and 4 only for short messages under a bounded number of
// decryptions; see its appendix C).
//
// Buffers: output and input may be the very same bytes (in place) or disjoint;
// any other overlap is refused. Sizes with a static extent are checked at
// compile time. Errors: errc::bad_length (empty nonce, unsupported tag size,
// output not as long as the input), errc::message_too_long (over the SP 800-38D
// limits: plaintext 2^36 - 32 bytes, AAD and nonce 2^61 - 1 bytes),
// errc::overlapping_buffers; an argument error writes nothing. decrypt returns
// errc::authentication_failed for a bad tag, after zeroing the output.
template <std::size_t KeyBits>
class aes_gcm {
  using params = detail::aes_params<KeyBits>;

 public:
  static constexpr std::size_t key_size = params::key_size;
  static constexpr std::size_t nonce_size = 12;  // the recommended nonce length
  static constexpr std::size_t tag_size = 16;
  static constexpr std::uint64_t max_plaintext_size = (std::uint64_t{1} << 36) - 32;
  static constexpr std::uint64_t max_aad_size = (std::uint64_t{1} << 61) - 1;
  static constexpr std::uint64_t max_nonce_size = (std::uint64_t{1} << 61) - 1;
  [[nodiscard]] static constexpr bool valid_tag_size(std::size_t n) noexcept { return detail::gcm_valid_tag_size(n); }

  constexpr explicit aes_gcm(std::span<const std::uint8_t, key_size> key) noexcept { detail::gcm_set_key(k_, key.data()); }

  // The same for a key whose length is known only at run time (no
  // std::span<const std::uint8_t, N>(p, n) needed, which is undefined
  // behaviour when n != N): errc::bad_length unless key.size() == key_size.
  [[nodiscard]] static constexpr result<aes_gcm> from_key(bytes_view key) noexcept {
    if (key.size() != key_size) return errc::bad_length;
    return aes_gcm(key.first<key_size>());
  }

  // ciphertext_out = AES-CTR(plaintext); tag_out = the (possibly truncated) tag
  // over aad and the ciphertext.
  template <class Nonce = std::span<const std::uint8_t, 0>, class Aad = bytes_view, class In = bytes_view,
            class Out = mutable_bytes, class Tag = std::span<std::uint8_t, 0>>
    requires detail::byte_input<Nonce> && detail::byte_input<Aad> && detail::byte_input<In> &&
             detail::byte_output<Out> && detail::byte_output<Tag>
  [[nodiscard]] constexpr status encrypt(const Nonce& nonce, const Aad& aad, const In& plaintext, Out&& ciphertext_out,
                                         Tag&& tag_out) const noexcept {
    static_check<Nonce, In, Out, Tag>();
    return encrypt_checked(bytes_view(nonce), bytes_view(aad), bytes_view(plaintext), mutable_bytes(ciphertext_out),
                           mutable_bytes(tag_out));
  }

  // Checks the tag over aad and ciphertext in constant time, and only then
  // writes plaintext_out. On a bad tag, plaintext_out is zeroed and
  // errc::authentication_failed returned.
  template <class Nonce = std::span<const std::uint8_t, 0>, class Aad = bytes_view, class In = bytes_view,
            class Tag = std::span<const std::uint8_t, 0>, class Out = mutable_bytes>
    requires detail::byte_input<Nonce> && detail::byte_input<Aad> && detail::byte_input<In> &&
             detail::byte_input<Tag> && detail::byte_output<Out>
  [[nodiscard]] constexpr status decrypt(const Nonce& nonce, const Aad& aad, const In& ciphertext, const Tag& tag,
                                         Out&& plaintext_out) const noexcept {
    static_check<Nonce, In, Out, Tag>();
    return decrypt_checked(bytes_view(nonce), bytes_view(aad), bytes_view(ciphertext), bytes_view(tag),
                           mutable_bytes(plaintext_out));
  }

  // ---- random nonces, carried with the message
  //
  // seal_with_random_nonce draws a fresh 96-bit nonce from rng (any
  // random_source: kagi::system_random in production) and writes
  //
  //   out = nonce (12 bytes) || ciphertext (plaintext.size() bytes) || tag (16 bytes)
  //
  // so out must be exactly plaintext.size() + prefixed_overhead bytes (and must
  // not overlap the plaintext or aad); open_with_prefixed_nonce takes such a
  // message and writes the plaintext (sealed.size() - prefixed_overhead bytes)
  // to out after checking the tag. Random nonces keep the collision chance
  // below 2^-32 for up to 2^32 messages under one key (SP 800-38D 8.3): past
  // that, change the key. Errors: those of encrypt and decrypt; bad_length also
  // when a buffer is not of the size above.
  static constexpr std::size_t prefixed_overhead = nonce_size + tag_size;

  template <class R>
    requires random_source<std::remove_cvref_t<R>>
  [[nodiscard]] constexpr status seal_with_random_nonce(R&& rng, bytes_view aad, bytes_view plaintext,
                                                        mutable_bytes out) const noexcept {
    if (out.size() != plaintext.size() + prefixed_overhead) return errc::bad_length;
    if (!detail::disjoint(out.data(), out.size(), plaintext.data(), plaintext.size()) ||
        !detail::disjoint(out.data(), out.size(), aad.data(), aad.size()))
      return errc::overlapping_buffers;
    const mutable_bytes nonce = out.first(nonce_size);
    rng.fill(nonce);
    return encrypt_checked(nonce, aad, plaintext, out.subspan(nonce_size, plaintext.size()),
                           out.subspan(nonce_size + plaintext.size(), tag_size));
  }

  [[nodiscard]] constexpr status open_with_prefixed_nonce(bytes_view aad, bytes_view sealed,
                                                          mutable_bytes out) const noexcept {
    if (sealed.size() < prefixed_overhead || out.size() != sealed.size() - prefixed_overhead) return errc::bad_length;
    const std::size_t n = out.size();
    return decrypt_checked(sealed.first(nonce_size), aad, sealed.subspan(nonce_size, n),
                           sealed.subspan(nonce_size + n, tag_size), out);
  }

  // The path encrypt and decrypt take at run time now: "vaes-avx512",
  // "vaes-avx2", "aesni-pclmul" or "portable".
  [[nodiscard]] static const char* implementation() noexcept {
    return detail::gcm_table<params::rounds>.implementation();
  }

  // The expanded key (for tests comparing the key set-up of every path).
  [[nodiscard]] constexpr const detail::gcm_key<KeyBits>& key_state() const noexcept { return k_; }

 private:
  template <class Nonce, class In, class Out, class Tag>
  static constexpr void static_check() noexcept {
    constexpr std::size_t n = detail::static_extent_v<Nonce>, t = detail::static_extent_v<Tag>;
    constexpr std::size_t i = detail::static_extent_v<In>, o = detail::static_extent_v<Out>;
    static_assert(n == std::dynamic_extent || n > 0, "AES-GCM: the nonce must not be empty");
    static_assert(t == std::dynamic_extent || detail::gcm_valid_tag_size(t),
                  "AES-GCM: a tag has 16 bytes, or 15, 14, 13, 12, 8 or 4 when truncated");
    static_assert(i == std::dynamic_extent || o == std::dynamic_extent || i == o,
                  "AES-GCM: the output must be exactly as long as the input");
  }

  [[nodiscard]] static constexpr status check(bytes_view nonce, bytes_view aad, bytes_view in, mutable_bytes out,
                                              std::size_t tag_len) noexcept {
    if (nonce.empty() || !detail::gcm_valid_tag_size(tag_len) || in.size() != out.size()) return errc::bad_length;
    if (std::uint64_t{in.size()} > max_plaintext_size || std::uint64_t{aad.size()} > max_aad_size ||
        std::uint64_t{nonce.size()} > max_nonce_size)
      return errc::message_too_long;
    if (!detail::same_or_disjoint(in.data(), in.size(), out.data(), out.size()) ||
        !detail::disjoint(out.data(), out.size(), nonce.data(), nonce.size()) ||
        !detail::disjoint(out.data(), out.size(), aad.data(), aad.size()))
      return errc::overlapping_buffers;
    return {};
  }

  [[nodiscard]] constexpr status encrypt_checked(bytes_view nonce, bytes_view aad, bytes_view in, mutable_bytes out,
                                                 mutable_bytes tag_out) const noexcept {
    if (auto s = check(nonce, aad, in, out, tag_out.size()); !s) return s;
    for (bytes_view other : {nonce, aad, in, bytes_view(out)})
      if (!detail::disjoint(tag_out.data(), tag_out.size(), other.data(), other.size())) return errc::overlapping_buffers;
    std::array<std::uint8_t, 16> j0{}, tag{};
    const detail::gcm_iv iv = start(nonce, j0);
    if (tag_out.size() == 16) {  // straight into the caller's buffer
      detail::gcm_seal(k_, iv, aad.data(), aad.size(), in.data(), out.data(), in.size(), tag_out.data());
      return {};
    }
    detail::gcm_seal(k_, iv, aad.data(), aad.size(), in.data(), out.data(), in.size(), tag.data());
    for (std::size_t i = 0; i < tag_out.size(); ++i) tag_out[i] = tag[i];
    return {};
  }

  [[nodiscard]] constexpr status decrypt_checked(bytes_view nonce, bytes_view aad, bytes_view in, bytes_view tag,
                                                 mutable_bytes out) const noexcept {
    if (auto s = check(nonce, aad, in, out, tag.size()); !s) return s;
    if (!detail::disjoint(out.data(), out.size(), tag.data(), tag.size())) return errc::overlapping_buffers;
    std::array<std::uint8_t, 16> j0{};
    const detail::gcm_iv iv = start(nonce, j0);
    if (!detail::gcm_open(k_, iv, aad.data(), aad.size(), in.data(), out.data(), in.size(), tag.data(),
                          tag.size()))
      return errc::authentication_failed;
    return {};
  }

  // A 12-byte nonce goes to the kernels as it is; others are hashed into J0 first.
  constexpr detail::gcm_iv start(bytes_view nonce, std::array<std::uint8_t, 16>& j0) const noexcept {
    if (nonce.size() == 12) return {nonce.data(), true};
    detail::gcm_j0(k_, nonce.data(), nonce.size(), j0.data());
    return {j0.data(), false};
  }

  detail::gcm_key<KeyBits> k_;
};

using aes128_gcm = aes_gcm<128>;
using aes192_gcm = aes_gcm<192>;
using aes256_gcm = aes_gcm<256>;

}  // namespace kagi

#endif  // KAGI_CIPHER_GCM_HPP
