// kagi/x509/store.hpp: a set of certificates that owns its bytes: the trust
// anchors of a chain_verifier (verify.hpp), or a pool of intermediates.
//
//   x509::trust_store roots;
//   auto r = roots.load_file(x509::default_bundle);    // Debian's ca-certificates bundle
//   if (!r) ... r.message();                            // the file could not be read
//   r->added, r->failed, r->failures                    // certificates that did not parse: counted, not fatal
//
// Sources: a PEM bundle (every "CERTIFICATE" block; other blocks are skipped),
// a directory of PEM files (such as /etc/ssl/certs: every regular file, links
// followed; byte-equal duplicates are kept once), or DER. A certificate that
// does not parse (or is not base64) is recorded in the report and skipped.
//
// This is the one place in x509/ that allocates: the store is built once at
// start-up, and verification only reads it. The certificates() views point
// into the store's own buffers, which stay where they are when the store is
// moved (not copied: copying is deleted) or grows; they die with the store.
//
// The store also keeps each certificate's RSA public key ready for signature
// checks (rsa_key(i)): made the first time a verification asks for it, once
// (std::call_once: verifications may run on several threads), into storage
// reserved when the certificate was added, so that asking allocates nothing.
// Preparing a key (the Montgomery constants of its modulus) costs far more
// than the verification itself: 0.4 ms for RSA-2048, 1.4 ms for RSA-4096.
#ifndef KAGI_X509_STORE_HPP
#define KAGI_X509_STORE_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../core/bytes.hpp"
#include "../core/result.hpp"
#include "../encoding/keys.hpp"
#include "../encoding/pem.hpp"
#include "../rsa/keys.hpp"
#include "certificate.hpp"

namespace kagi::x509 {

// Where Debian (package ca-certificates) keeps the bundle of trusted roots.
inline constexpr std::string_view default_bundle = "/etc/ssl/certs/ca-certificates.crt";

class trust_store {
 public:
  // One certificate that could not be added: where it was and why.
  struct failure {
    std::string source;      // file name (or what add_pem was told)
    std::size_t index = 0;   // its position among the source's CERTIFICATE blocks (0-based)
    errc error = errc::ok;   // bad_base64, der_*, x509_malformed, ...
  };
  struct load_report {
    std::size_t added = 0;       // new certificates
    std::size_t duplicates = 0;  // already in the store (byte-equal)
    std::size_t failed = 0;      // did not decode or parse
    std::vector<failure> failures;
    load_report& operator+=(const load_report& o) {
      added += o.added;
      duplicates += o.duplicates;
      failed += o.failed;
      failures.insert(failures.end(), o.failures.begin(), o.failures.end());
      return *this;
    }
  };

  trust_store() = default;
  trust_store(const trust_store&) = delete;
  trust_store& operator=(const trust_store&) = delete;
  trust_store(trust_store&&) noexcept = default;
  trust_store& operator=(trust_store&&) noexcept = default;
  ~trust_store() = default;

  // The parsed certificates, in the order they were added.
  [[nodiscard]] std::span<const certificate> certificates() const noexcept { return certs_; }
  [[nodiscard]] std::size_t size() const noexcept { return certs_.size(); }
  [[nodiscard]] bool empty() const noexcept { return certs_.empty(); }
  [[nodiscard]] const certificate& operator[](std::size_t i) const noexcept { return certs_[i]; }

  // Whether a certificate byte-equal to der is in the store.
  [[nodiscard]] bool contains(bytes_view der) const noexcept {
    for (const certificate& c : certs_)
      if (detail::bytes_equal(c.der, der)) return true;
    return false;
  }

  // Adds one DER certificate (copied). ok also for a duplicate (not added
  // twice); the parser's error otherwise.
  [[nodiscard]] status add_der(bytes_view der) {
    if (contains(der)) return {};
    std::vector<std::uint8_t> owned(der.begin(), der.end());
    auto c = certificate::parse(owned);
    KAGI_TRY(c);
    // A vector's buffer does not move when the vector itself is moved (as
    // der_ grows), so c's views into it stay valid.
    der_.push_back(std::move(owned));
    certs_.push_back(*c);
    keys_.emplace_back();  // a deque: earlier slots (and their once_flags) stay where they are
    return {};
  }

  // The RSA public key of certificate i, prepared once and kept (see above):
  // errc::x509_unsupported_algorithm when its key is not RSA, or the code
  // rsa_public_key::from_components gives (rsa_bad_key_size for one outside
  // 512..4096 bits, ...). Callers check the size they require.
  [[nodiscard]] result<const rsa_public_key*> rsa_key(std::size_t i) const noexcept {
    key_slot& slot = keys_[i];
    std::call_once(slot.once, [&] {
      const certificate& c = certs_[i];
      if (c.public_key.algorithm.algorithm != keys::key_algorithm::rsa) {
        slot.error = errc::x509_unsupported_algorithm;
        return;
      }
      auto parts = keys::read_rsa_public_key(c.public_key.key);
      if (!parts) {
        slot.error = parts.error();
        return;
      }
      auto k = rsa_public_key::from_components(parts->n, parts->e, 0);
      if (!k) {
        slot.error = k.error();
        return;
      }
      slot.key = *k;
    });
    if (!slot.key) return slot.error;
    return &*slot.key;
  }

  // Adds every CERTIFICATE block of PEM text.
  load_report add_pem(std::string_view text, std::string_view source = {}) {
    load_report r;
    std::size_t index = 0;
    for (;;) {
      auto b = pem::find(text, "CERTIFICATE");
      if (!b) {
        if (b.error() != errc::pem_bad_armor) break;  // no more blocks
        // A broken block: count it, and look again after its BEGIN line.
        r.failures.push_back({std::string(source), index++, b.error()});
        ++r.failed;
        const std::size_t at = text.find(pem::detail::begin_marker);
        if (at == std::string_view::npos) break;
        text.remove_prefix(at + pem::detail::begin_marker.size());
        continue;
      }
      text = b->rest;
      std::vector<std::uint8_t> der(b->body.size() / 4 * 3 + 3);
      auto n = base64::decode(b->body, der, true);
      status s = n ? add_counted(bytes_view(der).first(*n), r) : status{n.error()};
      if (!s) {
        r.failures.push_back({std::string(source), index, s.error()});
        ++r.failed;
      }
      ++index;
    }
    return r;
  }

  // Adds every certificate of a PEM file. errc::invalid_argument when the
  // file cannot be read.
  [[nodiscard]] result<load_report> load_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return errc::invalid_argument;
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return errc::invalid_argument;
    return add_pem(text, path.string());
  }

  // Adds the certificates of every regular file in a directory (not its
  // subdirectories); files without a CERTIFICATE block add nothing.
  // errc::invalid_argument when the directory cannot be listed.
  [[nodiscard]] result<load_report> load_directory(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec), end;
    if (ec) return errc::invalid_argument;
    std::vector<std::filesystem::path> files;
    for (; it != end; it.increment(ec)) {
      if (ec) return errc::invalid_argument;
      std::error_code fec;
      if (it->is_regular_file(fec)) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());  // the same order on every machine
    load_report total;
    for (const auto& f : files) {
      auto r = load_file(f);
      if (r) total += *r;
    }
    return total;
  }

 private:
  status add_counted(bytes_view der, load_report& r) {
    if (contains(der)) {
      ++r.duplicates;
      return {};
    }
    KAGI_TRY(add_der(der));
    ++r.added;
    return {};
  }

  struct key_slot {
    std::once_flag once;
    std::optional<rsa_public_key> key;
    errc error = errc::ok;
  };

  std::vector<std::vector<std::uint8_t>> der_;
  std::vector<certificate> certs_;
  mutable std::deque<key_slot> keys_;
};

}  // namespace kagi::x509

#endif  // KAGI_X509_STORE_HPP
