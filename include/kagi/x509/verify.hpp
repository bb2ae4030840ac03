// kagi/x509/verify.hpp: certificate chain verification for a TLS client
// (RFC 5280 section 6, RFC 6125 for the host name).
//
//   x509::trust_store roots;  (void)roots.load_file(x509::default_bundle);   // store.hpp
//   x509::chain_verifier v(roots);                      // anchors (and, optionally, a pool of intermediates)
//   status s = v.verify(chain, "example.com", now, x509::key_usage_needed::digital_signature);
//
// chain: the peer's certificates as sent (DER, leaf first; the others in any
// order, unrelated ones ignored). A path is built from the leaf to a trust
// anchor: each issuer is found among the anchors first, then the peer's
// certificates, then the intermediate pool, by DER-equal subject and issuer
// names (and, when both are present, equal authority and subject key
// identifiers); when a candidate fails, the next one is tried (bounded
// backtracking: at most max_signature_checks signatures per call, paths of at
// most max_depth certificates, no certificate twice, no two certificates with
// the same subject and key in one path, so cross-signed loops end). A
// certificate that is itself in the anchors (byte-equal) is trusted as it is:
// a self-signed server certificate given as the store works, as with curl
// --cacert or openssl s_client -CAfile.
//
// Each link (certificate i issued by certificate i+1):
//   - the issuer: no unknown critical extension; valid at `now`; a CA
//     (basicConstraints cA; a v1 certificate only as an anchor); keyUsage, if
//     present, with keyCertSign; extKeyUsage, if present, with serverAuth;
//     its pathLenConstraint not exceeded by the non-self-issued
//     intermediates below it;
//   - the signature, with the issuer's key: RSASSA-PKCS1-v1_5 with SHA-256,
//     SHA-384 or SHA-512, RSASSA-PSS (SHA-256/384/512, MGF1 with the same
//     hash, salt of the hash's length, trailer 1) through rsa/keys.hpp, RSA
//     keys of min_rsa_bits..4096 bits; ECDSA P-256 with SHA-256 or SHA-384
//     through p256::verify_digest (see "ECDSA" below). Other algorithms and
//     keys (SHA-1, P-384, Ed25519, ...) are errc::x509_unsupported_algorithm.
// The whole path: every CA's nameConstraints applied to the certificates
// below it (name.hpp). The leaf: no unknown critical extension; valid at
// `now`; the host name matches its subjectAltName (never its CN); keyUsage,
// if present, has what the key exchange needs (digitalSignature for ECDHE,
// keyEncipherment for RSA key transport); extKeyUsage, if present, has
// serverAuth (anyExtendedKeyUsage alone is not enough, as in OpenSSL).
//
// Every refusal has its own code (core/result.hpp, group x509): expired, not
// yet valid, unknown issuer, bad signature, not a CA, path too long, bad key
// usage, name mismatch, name constraint violated, unsupported algorithm,
// unknown critical extension, malformed (the report's `detail` keeps the DER
// reader's code); a refused RSA key keeps its own code (rsa_bad_key_size ...).
// When several paths were tried, the error of the one that got furthest is
// reported.
//
// No heap: the peer's certificates (at most max_chain) are parsed into an
// array on the stack, the path is an array, and the search is a loop, not a
// recursion. Times are unix seconds; notBefore <= now <= notAfter is valid.
//
// ECDSA: p256::verify_digest(bytes_view point65, bytes_view digest,
// bytes_view der_signature) -> status is called when ec/p256.hpp declares it
// (detected at compile time: have_p256_verify); until then ECDSA links are
// errc::x509_unsupported_algorithm unless verify_options::ecdsa_p256 supplies
// a function with that signature (the tests do, with OpenSSL). The digest
// passed is the leftmost 32 bytes of the hash (SEC 1 4.1.4 step 5 for a
// 256-bit order), so SHA-384 needs nothing more of the callee.
#ifndef KAGI_X509_VERIFY_HPP
#define KAGI_X509_VERIFY_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../core/bytes.hpp"
#include "../core/result.hpp"
#include "../ec/p256.hpp"
#include "../encoding/keys.hpp"
#include "../hash/sha256.hpp"
#include "../hash/sha512.hpp"
#include "../rsa/keys.hpp"
#include "certificate.hpp"
#include "name.hpp"
#include "store.hpp"

namespace kagi::x509 {

// What the key exchange does with the leaf's key (keyUsage bits it needs).
enum class key_usage_needed : std::uint8_t {
  any,                // no keyUsage requirement
  digital_signature,  // ECDHE_RSA / ECDHE_ECDSA: the key signs the ServerKeyExchange
  key_encipherment,   // RSA key transport: the key decrypts the pre-master secret
};

// ECDSA P-256 verification: point (SEC 1 uncompressed, 65 bytes), digest,
// DER ECDSA-Sig-Value; ok or an error.
using ecdsa_p256_verify_fn = status (*)(bytes_view point, bytes_view digest, bytes_view der_signature);

struct verify_options {
  std::size_t max_depth = 8;              // certificates in a path, leaf and anchor included (1..16)
  std::size_t min_rsa_bits = 2048;        // the smallest RSA key accepted anywhere in a path
  std::size_t max_signature_checks = 32;  // signatures one call may check while it searches
  ecdsa_p256_verify_fn ecdsa_p256 = nullptr;  // nullptr: p256::verify_digest when the build has it
};

// What a verification found (optional out-parameter).
struct verify_report {
  errc error = errc::ok;       // what verify returned
  errc detail = errc::ok;      // the underlying code (der_*, rsa_*), or the same as error
  std::size_t depth = 0;       // position in the path (0: the leaf) of the certificate refused
  std::size_t path_length = 0; // on success: certificates in the path, leaf and anchor included
  std::size_t signatures_checked = 0;
  const certificate* anchor = nullptr;  // on success: the trust anchor used (one of the anchors)
};

namespace detail::p256_probe {
// Finds p256::verify_digest if ec/p256.hpp has it, without naming it where
// it may not exist. The call below is unqualified, with kagi::p256's names
// visible, and arguments of type `arg` (a bytes_view). When the real
// verify_digest(bytes_view, bytes_view, bytes_view) exists it takes `arg`
// by a derived-to-base conversion; the stand-in here (found by
// argument-dependent lookup) needs a user-defined conversion, so it only
// wins when there is no real one, and its result type says so.
struct arg : bytes_view {
  constexpr explicit arg(bytes_view v) noexcept : bytes_view(v) {}
};
struct missing {};
struct any_arg {
  constexpr any_arg(const arg&) noexcept {}  // NOLINT: implicit on purpose
};
constexpr missing verify_digest(any_arg, any_arg, any_arg) noexcept { return {}; }
}  // namespace detail::p256_probe

namespace detail {
template <class A>
constexpr auto call_p256_verify(const A& point, const A& digest, const A& sig) {
  using namespace kagi::p256;
  return verify_digest(point, digest, sig);
}
}  // namespace detail

// True when ec/p256.hpp provides ECDSA verification (p256::verify_digest).
inline constexpr bool have_p256_verify = !std::is_same_v<
    decltype(detail::call_p256_verify(std::declval<const detail::p256_probe::arg&>(),
                                      std::declval<const detail::p256_probe::arg&>(),
                                      std::declval<const detail::p256_probe::arg&>())),
    detail::p256_probe::missing>;

namespace detail {

// (A template, so that the branch not taken is not compiled.)
template <class A = p256_probe::arg>
[[nodiscard]] constexpr status ecdsa_p256_verify(const verify_options& opt, bytes_view point, bytes_view digest,
                                                 bytes_view sig) {
  if (opt.ecdsa_p256 != nullptr) return opt.ecdsa_p256(point, digest, sig);
  if constexpr (have_p256_verify) {
    const A a(point), b(digest), c(sig);
    return call_p256_verify(a, b, c);
  } else {
    return errc::x509_unsupported_algorithm;
  }
}

// Why a signature check failed: the x509 code, and the underlying one.
struct signature_outcome {
  errc error = errc::ok;
  errc detail = errc::ok;
};

template <class H>
[[nodiscard]] constexpr signature_outcome rsa_verify(const rsa_public_key& key, rsa_padding padding, bytes_view msg,
                                                     bytes_view sig) noexcept {
  const status s = key.verify<H>(padding, msg, sig);
  if (s) return {};
  return {errc::x509_bad_signature, s.error()};
}

template <class H>
[[nodiscard]] constexpr std::array<std::uint8_t, H::digest_size> digest_of(bytes_view msg) noexcept {
  H h;
  h.update(msg);
  return h.finish();
}

}  // namespace detail

// Verifies that `subject`'s signature was made by the key `issuer_key`
// (a SubjectPublicKeyInfo as parsed). ok, or errc::x509_bad_signature (also
// when the key's type does not fit the algorithm), x509_unsupported_algorithm
// (the signature algorithm, or a key type kagi does not verify with), or a
// refused RSA key's code (rsa_bad_key_size for one below min_rsa_bits ...).
// prepared: the issuer's RSA key made already (a trust store keeps them), or
// nullptr to make it here from issuer_key.
[[nodiscard]] constexpr status verify_signature(const certificate& subject, const keys::public_key_info& issuer_key,
                                                const verify_options& opt = {}, errc* detail_out = nullptr,
                                                const rsa_public_key* prepared = nullptr) noexcept {
  auto fail = [&](errc e, errc d) {
    if (detail_out != nullptr) *detail_out = d;
    return status{e};
  };
  const signature_algorithm alg = subject.signature_algorithm;
  if (alg == signature_algorithm::unsupported) return fail(errc::x509_unsupported_algorithm, errc::x509_unsupported_algorithm);
  const bool rsa_alg = alg <= signature_algorithm::rsa_pss_sha512;
  const keys::key_algorithm kind = issuer_key.algorithm.algorithm;
  if (kind == keys::key_algorithm::other) return fail(errc::x509_unsupported_algorithm, errc::x509_unsupported_algorithm);
  if (rsa_alg != (kind == keys::key_algorithm::rsa)) return fail(errc::x509_bad_signature, errc::x509_bad_signature);
  detail::signature_outcome out;
  if (rsa_alg) {
    rsa_public_key made;
    const rsa_public_key* key = prepared;
    if (key == nullptr) {
      auto parts = keys::read_rsa_public_key(issuer_key.key);
      if (!parts) return fail(errc::x509_malformed, parts.error());
      auto k = rsa_public_key::from_components(parts->n, parts->e, opt.min_rsa_bits);
      if (!k) return fail(k.error(), k.error());
      made = *k;
      key = &made;
    } else if (key->bits() < opt.min_rsa_bits) {
      return fail(errc::rsa_bad_key_size, errc::rsa_bad_key_size);
    }
    switch (alg) {
      case signature_algorithm::rsa_pkcs1_sha256:
        out = detail::rsa_verify<sha256>(*key, rsa_padding::pkcs1_v15, subject.tbs, subject.signature);
        break;
      case signature_algorithm::rsa_pkcs1_sha384:
        out = detail::rsa_verify<sha384>(*key, rsa_padding::pkcs1_v15, subject.tbs, subject.signature);
        break;
      case signature_algorithm::rsa_pkcs1_sha512:
        out = detail::rsa_verify<sha512>(*key, rsa_padding::pkcs1_v15, subject.tbs, subject.signature);
        break;
      case signature_algorithm::rsa_pss_sha256:
        out = detail::rsa_verify<sha256>(*key, rsa_padding::pss, subject.tbs, subject.signature);
        break;
      case signature_algorithm::rsa_pss_sha384:
        out = detail::rsa_verify<sha384>(*key, rsa_padding::pss, subject.tbs, subject.signature);
        break;
      case signature_algorithm::rsa_pss_sha512:
        out = detail::rsa_verify<sha512>(*key, rsa_padding::pss, subject.tbs, subject.signature);
        break;
      default: out = {errc::x509_unsupported_algorithm, errc::x509_unsupported_algorithm}; break;
    }
  } else {
    if (issuer_key.key.size() != 65 || issuer_key.key[0] != 0x04)
      return fail(errc::x509_unsupported_algorithm, errc::ec_unsupported_key);  // compressed or malformed point
    std::array<std::uint8_t, 32> digest{};
    if (alg == signature_algorithm::ecdsa_sha256) {
      digest = detail::digest_of<sha256>(subject.tbs);
    } else {
      const auto d = detail::digest_of<sha384>(subject.tbs);
      for (std::size_t i = 0; i < 32; ++i) digest[i] = d[i];  // the leftmost 256 bits
    }
    const status s = detail::ecdsa_p256_verify(opt, issuer_key.key, digest, subject.signature);
    if (!s)
      out = s.error() == errc::x509_unsupported_algorithm ? detail::signature_outcome{s.error(), s.error()}
                                                         : detail::signature_outcome{errc::x509_bad_signature, s.error()};
  }
  if (out.error != errc::ok) return fail(out.error, out.detail);
  return {};
}

// Whether a certificate is valid at `now` (unix seconds): ok,
// errc::x509_not_yet_valid or errc::x509_expired.
[[nodiscard]] constexpr status check_validity(const certificate& c, std::int64_t now) noexcept {
  if (now < c.not_before) return errc::x509_not_yet_valid;
  if (now > c.not_after) return errc::x509_expired;
  return {};
}

// The checks of the leaf that do not depend on the path: critical
// extensions, validity, key usage for the key exchange, serverAuth.
[[nodiscard]] constexpr status check_leaf(const certificate& leaf, std::int64_t now, key_usage_needed usage) noexcept {
  if (!leaf.unknown_critical.empty()) return errc::x509_unknown_critical_extension;
  KAGI_TRY(check_validity(leaf, now));
  if (leaf.key_usage) {
    const std::uint16_t need = usage == key_usage_needed::digital_signature ? key_usage::digital_signature
                               : usage == key_usage_needed::key_encipherment ? key_usage::key_encipherment
                                                                            : std::uint16_t{0};
    if ((*leaf.key_usage & need) != need) return errc::x509_bad_key_usage;
  }
  if (leaf.has_ext_key_usage && !leaf.eku_server_auth) return errc::x509_bad_key_usage;
  return {};
}

class chain_verifier {
 public:
  static constexpr std::size_t max_chain = 16;    // certificates taken from the peer
  static constexpr std::size_t depth_limit = 16;  // the largest max_depth

  // anchors: the trusted certificates; intermediates: untrusted certificates
  // that may complete a chain the peer sent incompletely. Both are borrowed
  // and must outlive the verifier (and not change while it is used).
  constexpr explicit chain_verifier(std::span<const certificate> anchors,
                                    std::span<const certificate> intermediates = {},
                                    const verify_options& options = {}) noexcept
      : anchors_(anchors), pool_(intermediates), opt_(options) {
    if (opt_.max_depth < 1) opt_.max_depth = 1;
    if (opt_.max_depth > depth_limit) opt_.max_depth = depth_limit;
  }
  // The same over trust stores, whose prepared RSA keys are then used.
  explicit chain_verifier(const trust_store& anchors, const verify_options& options = {}) noexcept
      : chain_verifier(anchors.certificates(), {}, options) {
    anchor_store_ = &anchors;
  }
  chain_verifier(const trust_store& anchors, const trust_store& intermediates,
                 const verify_options& options = {}) noexcept
      : chain_verifier(anchors.certificates(), intermediates.certificates(), options) {
    anchor_store_ = &anchors;
    pool_store_ = &intermediates;
  }

  [[nodiscard]] constexpr const verify_options& options() const noexcept { return opt_; }

  // The peer's chain (leaf first) for host (a DNS name or an IP literal) at
  // unix time now, with the leaf's key used as `usage` says. An empty host is
  // refused (errc::x509_name_mismatch): a client must know whom it expects.
  [[nodiscard]] constexpr status verify(std::span<const bytes_view> chain, std::string_view host, std::int64_t now,
                                        key_usage_needed usage, verify_report* report = nullptr) const noexcept {
    return run(chain, &host, now, usage, report);
  }

  // The same without a host name check (for uses other than a TLS client's
  // server authentication, and for tests).
  [[nodiscard]] constexpr status verify_chain(std::span<const bytes_view> chain, std::int64_t now,
                                              key_usage_needed usage, verify_report* report = nullptr) const noexcept {
    return run(chain, nullptr, now, usage, report);
  }

 private:
  enum class source : std::uint8_t { anchors, peer, pool, done };

  struct frame {
    const certificate* cert = nullptr;
    source stage = source::anchors;
    std::size_t next = 0;          // next index in the stage's list
    bool had_candidate = false;    // some certificate with the right name was tried
  };

  struct search {
    std::array<certificate, max_chain> peer{};
    std::size_t peer_count = 0;
    std::array<frame, depth_limit> path{};
    std::size_t checks = 0;
    errc best = errc::x509_unknown_issuer;
    errc best_detail = errc::x509_unknown_issuer;
    std::size_t best_depth = 0;
    bool have_best = false;

    std::size_t best_rank = 0;

    // Keeps the error of the path that got furthest: rank is how many
    // certificates of it were accepted (the first error wins a tie);
    // position is where the refused certificate is.
    constexpr void note(errc e, errc detail, std::size_t rank, std::size_t position) noexcept {
      if (!have_best || rank > best_rank) {
        best = e;
        best_detail = detail;
        best_rank = rank;
        best_depth = position;
        have_best = true;
      }
    }
  };

  static constexpr void fill(verify_report* r, errc e, errc detail, std::size_t depth) noexcept {
    if (r == nullptr) return;
    r->error = e;
    r->detail = detail;
    r->depth = depth;
  }

  [[nodiscard]] constexpr bool is_anchor(const certificate& c) const noexcept {
    for (const certificate& a : anchors_)
      if (detail::bytes_equal(a.der, c.der)) return true;
    return false;
  }

  // The next certificate (after f's cursor) that could have issued f.cert,
  // or nullptr; says where it is from (and its index there).
  [[nodiscard]] constexpr const certificate* next_candidate(search& s, frame& f, std::size_t depth, source& from,
                                                            std::size_t& index) const noexcept {
    const certificate& child = *f.cert;
    while (f.stage != source::done) {
      std::span<const certificate> list = f.stage == source::anchors ? anchors_
                                          : f.stage == source::peer  ? std::span<const certificate>(s.peer).first(s.peer_count)
                                                                     : pool_;
      while (f.next < list.size()) {
        const certificate& x = list[f.next++];
        if (!(x.subject == child.issuer)) continue;
        if (!child.authority_key_id.empty() && !x.subject_key_id.empty() &&
            !detail::bytes_equal(child.authority_key_id, x.subject_key_id))
          continue;
        bool loop = false;
        for (std::size_t j = 0; j <= depth && !loop; ++j) {
          const certificate& p = *s.path[j].cert;
          loop = detail::bytes_equal(p.der, x.der) || (p.subject == x.subject && detail::bytes_equal(p.spki, x.spki));
        }
        if (loop) continue;
        if (f.stage != source::anchors && is_anchor(x)) continue;  // tried already, as an anchor
        from = f.stage;
        index = f.next - 1;
        f.had_candidate = true;
        return &x;
      }
      f.stage = f.stage == source::anchors ? source::peer : f.stage == source::peer ? source::pool : source::done;
      f.next = 0;
    }
    return nullptr;
  }

  // Everything about issuer x (at position depth + 1) of the path's
  // certificate at depth, except the signature.
  [[nodiscard]] constexpr status check_issuer(const search& s, const certificate& x, bool anchor, std::size_t depth,
                                              std::int64_t now) const noexcept {
    if (!x.unknown_critical.empty()) return errc::x509_unknown_critical_extension;
    KAGI_TRY(check_validity(x, now));
    if (x.has_basic_constraints ? !x.ca : !(anchor && x.version == 1)) return errc::x509_not_a_ca;
    if (x.key_usage && (*x.key_usage & key_usage::key_cert_sign) == 0) return errc::x509_bad_key_usage;
    if (x.has_ext_key_usage && !x.eku_server_auth) return errc::x509_bad_key_usage;
    if (x.path_len) {
      std::uint64_t below = 0;  // non-self-issued intermediates between x and the leaf
      for (std::size_t j = 1; j <= depth; ++j) below += s.path[j].cert->self_issued() ? 0 : 1;
      if (below > *x.path_len) return errc::x509_path_too_long;
    }
    return {};
  }

  // Name constraints of every CA in path[0..top] over the certificates below it.
  [[nodiscard]] static constexpr status check_constraints(const search& s, std::size_t top, std::size_t& where) noexcept {
    for (std::size_t i = 1; i <= top; ++i) {
      const certificate& ca = *s.path[i].cert;
      if (!ca.name_constraints.present) continue;
      for (std::size_t j = 0; j < i; ++j) {
        const certificate& c = *s.path[j].cert;
        if (j > 0 && c.self_issued()) continue;  // RFC 5280 6.1.3 (b), (c)
        if (!check_name_constraints(ca.name_constraints, c.subject.der(), true, c.subject_alt_name)) {
          where = j;
          return errc::x509_name_constraint_violated;
        }
      }
    }
    return {};
  }

  [[nodiscard]] constexpr status run(std::span<const bytes_view> chain, const std::string_view* host, std::int64_t now,
                                     key_usage_needed usage, verify_report* report) const noexcept {
    if (report != nullptr) *report = verify_report{};
    if (chain.empty()) {
      fill(report, errc::x509_no_certificate, errc::x509_no_certificate, 0);
      return errc::x509_no_certificate;
    }
    if (chain.size() > max_chain) {
      fill(report, errc::x509_path_too_long, errc::x509_path_too_long, max_chain);
      return errc::x509_path_too_long;
    }
    search s;
    for (std::size_t i = 0; i < chain.size(); ++i) {
      auto c = certificate::parse(chain[i]);
      if (!c) {
        fill(report, errc::x509_malformed, c.error(), i);
        return errc::x509_malformed;
      }
      s.peer[s.peer_count++] = *c;
    }
    const certificate& leaf = s.peer[0];

    // The path, from the leaf to an anchor.
    std::size_t length = 0;
    const certificate* anchor = nullptr;
    if (is_anchor(leaf)) {
      length = 1;
      for (const certificate& a : anchors_)
        if (detail::bytes_equal(a.der, leaf.der)) anchor = &a;
    } else {
      std::size_t depth = 0;
      s.path[0] = frame{&leaf};
      bool found = false;
      while (!found) {
        frame& f = s.path[depth];
        source from = source::done;
        std::size_t index = 0;
        const certificate* x = s.checks < opt_.max_signature_checks ? next_candidate(s, f, depth, from, index) : nullptr;
        const bool from_anchors = from == source::anchors;
        if (x == nullptr) {
          if (!f.had_candidate) s.note(errc::x509_unknown_issuer, errc::x509_unknown_issuer, depth + 1, depth);
          if (depth == 0 || s.checks >= opt_.max_signature_checks) break;
          --depth;
          continue;
        }
        // Room for x, and for x's issuer too when x is not an anchor.
        if (depth + 2 + (from_anchors ? 0 : 1) > opt_.max_depth) {
          s.note(errc::x509_path_too_long, errc::x509_path_too_long, depth + 1, depth + 1);
          continue;
        }
        if (auto st = check_issuer(s, *x, from_anchors, depth, now); !st) {
          s.note(st.error(), st.error(), depth + 1, depth + 1);
          continue;
        }
        // The issuer's RSA key as its store keeps it, if it is in one.
        const rsa_public_key* prepared = nullptr;
        const trust_store* store = from_anchors ? anchor_store_ : from == source::pool ? pool_store_ : nullptr;
        if (store != nullptr && x->public_key.algorithm.algorithm == keys::key_algorithm::rsa &&
            f.cert->signature_algorithm <= signature_algorithm::rsa_pss_sha512) {
          auto k = store->rsa_key(index);
          if (!k) {
            s.note(k.error(), k.error(), depth + 1, depth + 1);
            continue;
          }
          prepared = *k;
        }
        ++s.checks;
        errc sig_detail = errc::ok;
        if (auto st = verify_signature(*f.cert, x->public_key, opt_, &sig_detail, prepared); !st) {
          s.note(st.error(), sig_detail, depth + 1, depth);
          continue;
        }
        s.path[depth + 1] = frame{x};
        if (from_anchors) {
          std::size_t where = 0;
          if (auto st = check_constraints(s, depth + 1, where); !st) {
            s.note(st.error(), st.error(), depth + 2, where);
            continue;
          }
          found = true;
          length = depth + 2;
          anchor = x;
          break;
        }
        ++depth;
      }
      if (report != nullptr) report->signatures_checked = s.checks;
      if (!found) {
        fill(report, s.best, s.best_detail, s.best_depth);
        return s.best;
      }
    }

    // The leaf itself.
    if (auto st = check_leaf(leaf, now, usage); !st) {
      fill(report, st.error(), st.error(), 0);
      return st;
    }
    if (host != nullptr) {
      const status st = host->empty() ? status{errc::x509_name_mismatch} : match_host(leaf.subject_alt_name, *host);
      if (!st) {
        fill(report, st.error(), st.error(), 0);
        return st;
      }
    }
    if (report != nullptr) {
      report->path_length = length;
      report->anchor = anchor;
    }
    return {};
  }

  std::span<const certificate> anchors_;
  std::span<const certificate> pool_;
  verify_options opt_;
  const trust_store* anchor_store_ = nullptr;  // set when made from stores: their prepared keys
  const trust_store* pool_store_ = nullptr;
};

}  // namespace kagi::x509

#endif  // KAGI_X509_VERIFY_HPP
