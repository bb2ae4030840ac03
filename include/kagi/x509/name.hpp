// kagi/x509/name.hpp: the names in certificates (RFC 5280 4.1.2.4, 4.2.1.6,
// 4.2.1.10) and how a client matches them (RFC 6125).
//
//   name_view          a Name (distinguished name), checked strictly: SEQUENCE OF
//                      RelativeDistinguishedName, each a non-empty SET OF (in DER
//                      order) AttributeTypeAndValue { OID, one value }. Chains are
//                      linked by comparing names' DER bytes; attributes (CN, O, ...)
//                      can be read for display.
//   general_name       one GeneralName of a subjectAltName or a name constraint
//                      (dNSName, iPAddress and the other forms), checked by form.
//   match_host         RFC 6125 host-name matching against a subjectAltName:
//                      - ASCII, case-insensitive; a trailing dot on either side ignored;
//                      - a wildcard only as the whole left-most label of a dNSName, over
//                        at least three labels: "*.example.com" matches "a.example.com",
//                        not "example.com" or "a.b.example.com"; "*.com", "f*.example.com",
//                        "*f.example.com" and "a.*.example.com" match nothing;
//                      - an IP literal host (dotted IPv4, or IPv6 text) matches only
//                        iPAddress entries (by bytes), never dNSNames, never wildcards;
//                      - the subject's common name is never used: a certificate without
//                        a subjectAltName matches no host (as browsers decide since 2017;
//                        RFC 6125 6.4.4 allowed the CN only as a fallback).
//   name_constraints   a CA's nameConstraints (permitted and excluded subtrees) and
//                      check_name_constraints, which applies them to a certificate
//                      below the CA: dNSName (RFC 5280: "example.com" covers itself and
//                      every name under it; ".example.com" only names under it),
//                      iPAddress (address and mask) and directoryName (the base's RDNs
//                      are a prefix of the subject's) are processed. A constraint of
//                      another form (rfc822Name, URI, otherName, ...) cannot be checked,
//                      so a certificate that has a name of that form is refused (RFC
//                      5280 4.2.1.10: "process the constraint or reject the certificate").
//
// No heap and no recursion: a Name inside a GeneralName is read one level deep,
// never by calling back into the GeneralName reader. Everything is constexpr;
// results are views into the caller's DER.
#ifndef KAGI_X509_NAME_HPP
#define KAGI_X509_NAME_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "../core/bytes.hpp"
#include "../core/result.hpp"
#include "../encoding/der.hpp"

namespace kagi::x509 {

// 2.5.4.3 commonName, and the other attribute types people print.
inline constexpr std::array<std::uint8_t, 3> oid_common_name{0x55, 0x04, 0x03};
inline constexpr std::array<std::uint8_t, 3> oid_country{0x55, 0x04, 0x06};
inline constexpr std::array<std::uint8_t, 3> oid_organization{0x55, 0x04, 0x0a};
inline constexpr std::array<std::uint8_t, 3> oid_organizational_unit{0x55, 0x04, 0x0b};

namespace detail {

// X.690 11.6: the elements of a DER SET OF are in ascending order of their
// encodings, compared as octet strings with the shorter padded with zero bytes.
[[nodiscard]] constexpr bool der_set_order(bytes_view a, bytes_view b) noexcept {
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t x = i < a.size() ? a[i] : 0, y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y;
  }
  return true;
}

[[nodiscard]] constexpr bool bytes_equal(bytes_view a, bytes_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] constexpr bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace detail

// ---- distinguished names

// One AttributeTypeAndValue: the type's OID contents and the value element
// (its tag, such as 0x0c UTF8String or 0x13 PrintableString, and contents).
struct attribute {
  bytes_view type;
  std::uint8_t value_tag = 0;
  bytes_view value;
};

namespace detail {

// Whether the bytes are well-formed UTF-8 (RFC 3629: shortest form, no
// surrogates, at most U+10FFFF).
[[nodiscard]] constexpr bool is_utf8(bytes_view v) noexcept {
  for (std::size_t i = 0; i < v.size();) {
    const std::uint8_t b = v[i];
    std::size_t n = 0;
    std::uint32_t c = 0, min = 0;
    if (b < 0x80) { ++i; continue; }
    if ((b & 0xe0) == 0xc0) n = 1, c = b & 0x1fu, min = 0x80;
    else if ((b & 0xf0) == 0xe0) n = 2, c = b & 0x0fu, min = 0x800;
    else if ((b & 0xf8) == 0xf0) n = 3, c = b & 0x07u, min = 0x10000;
    else return false;
    if (v.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((v[i + k] & 0xc0) != 0x80) return false;
      c = c << 6 | (v[i + k] & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

// An attribute value, checked as its type requires. The types are those
// real names use (and OpenSSL and Go read): UTF8String (well-formed UTF-8),
// IA5String (ASCII), BMPString (whole UCS-2 code units, no surrogates),
// UniversalString (whole UCS-4 characters, at most U+10FFFF, no surrogates),
// PrintableString, NumericString and TeletexString (taken as they are), a
// DER BIT STRING (x500UniqueIdentifier) or a SEQUENCE. Any other type (an
// OCTET STRING, an INTEGER, ...) is refused.
[[nodiscard]] constexpr bool valid_attribute_string(std::uint8_t tag, bytes_view v) noexcept {
  switch (tag) {
    case 0x12:  // NumericString
    case 0x13:  // PrintableString
    case 0x14:  // TeletexString
    case 0x30:  // SEQUENCE
      return true;
    case 0x03: return der::reader::bit_string_contents(v).has_value();
    case 0x0c: return is_utf8(v);
    case 0x16:
      for (std::uint8_t b : v)
        if (b >= 0x80) return false;
      return true;
    case 0x1e:
      if (v.size() % 2 != 0) return false;
      for (std::size_t i = 0; i < v.size(); i += 2)
        if ((v[i] & 0xf8) == 0xd8) return false;
      return true;
    case 0x1c:
      if (v.size() % 4 != 0) return false;
      for (std::size_t i = 0; i < v.size(); i += 4) {
        const std::uint32_t c = std::uint32_t{v[i]} << 24 | std::uint32_t{v[i + 1]} << 16 | std::uint32_t{v[i + 2]} << 8 | v[i + 3];
        if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return false;
      }
      return true;
    default: return false;
  }
}

}  // namespace detail

class name_view {
 public:
  constexpr name_view() noexcept = default;

  // A Name's whole encoding (SEQUENCE ...), checked: every RDN a non-empty
  // SET in DER order, every attribute an OID and exactly one value, whose
  // string is valid for its type (detail::valid_attribute_string:
  // x509_malformed otherwise). The input must be exactly the Name
  // (der_trailing_data otherwise).
  [[nodiscard]] static constexpr result<name_view> parse(bytes_view encoding) noexcept {
    der::reader top(encoding);
    auto seq = top.read_sequence();
    KAGI_TRY(seq);
    KAGI_TRY(top.expect_end());
    while (!seq->empty()) {
      auto rdn = seq->read_set();
      KAGI_TRY(rdn);
      if (rdn->empty()) return errc::x509_malformed;
      bytes_view previous;
      while (!rdn->empty()) {
        auto atv = rdn->read_element();
        KAGI_TRY(atv);
        if (atv->tag != der::tag_sequence) return errc::der_unexpected_tag;
        if (!previous.empty() && !detail::der_set_order(previous, atv->encoding)) return errc::x509_malformed;
        previous = atv->encoding;
        der::reader a(atv->contents);
        KAGI_TRY(a.read_oid());
        auto value = a.read_element();
        KAGI_TRY(value);
        KAGI_TRY(a.expect_end());
        if (!detail::valid_attribute_string(value->tag, value->contents)) return errc::x509_malformed;
      }
    }
    name_view n;
    n.der_ = encoding;
    return n;
  }

  // The whole encoding: names are compared by these bytes.
  [[nodiscard]] constexpr bytes_view der() const noexcept { return der_; }
  // No RDN at all (an empty SEQUENCE).
  [[nodiscard]] constexpr bool empty() const noexcept { return der_.size() <= 2; }
  [[nodiscard]] constexpr bool operator==(const name_view& o) const noexcept { return detail::bytes_equal(der_, o.der_); }

  // Calls f(rdn_encoding) for each RelativeDistinguishedName (the SET's whole
  // encoding), in order; f returns false to stop. Returns false if stopped.
  template <class F>
  constexpr bool for_each_rdn(F f) const noexcept {
    der::reader top(der_);
    auto seq = top.read_sequence();
    if (!seq) return true;
    while (!seq->empty()) {
      auto rdn = seq->read_element();
      if (!rdn) return true;
      if (!f(rdn->encoding)) return false;
    }
    return true;
  }

  // Calls f(attribute) for every attribute, RDN by RDN; f returns false to stop.
  template <class F>
  constexpr bool for_each(F f) const noexcept {
    return for_each_rdn([&](bytes_view rdn_encoding) {
      der::reader top(rdn_encoding);
      auto rdn = top.read_set();
      if (!rdn) return true;
      while (!rdn->empty()) {
        auto atv = rdn->read_sequence();
        if (!atv) return true;
        auto type = atv->read_oid();
        auto value = atv->read_element();
        if (!type || !value) return true;
        if (!f(attribute{*type, value->tag, value->contents})) return false;
      }
      return true;
    });
  }

  // The first attribute of this type, or nullopt.
  [[nodiscard]] constexpr std::optional<attribute> find(bytes_view type) const noexcept {
    std::optional<attribute> found;
    for_each([&](const attribute& a) {
      if (!der::oid_equal(a.type, type)) return true;
      found = a;
      return false;
    });
    return found;
  }
  // The last (most specific) commonName, or nullopt. For display only:
  // host names are matched against the subjectAltName alone.
  [[nodiscard]] constexpr std::optional<attribute> common_name() const noexcept {
    std::optional<attribute> found;
    for_each([&](const attribute& a) {
      if (der::oid_equal(a.type, oid_common_name)) found = a;
      return true;
    });
    return found;
  }

 private:
  bytes_view der_;
};

// The text of an attribute value (its bytes as they are: UTF8String,
// PrintableString, IA5String; other string types are returned raw too).
[[nodiscard]] inline std::string_view text_of(const attribute& a) noexcept {
  return {reinterpret_cast<const char*>(a.value.data()), a.value.size()};
}

// ---- general names

enum class general_name_type : std::uint8_t {
  other_name = 0,
  rfc822_name = 1,
  dns_name = 2,
  x400_address = 3,
  directory_name = 4,
  edi_party_name = 5,
  uri = 6,
  ip_address = 7,
  registered_id = 8,
};

// One GeneralName: its form and contents (for directoryName the Name's whole
// encoding inside the [4] tag; for iPAddress the address bytes, or address
// and mask in a name constraint).
struct general_name {
  general_name_type type = general_name_type::other_name;
  bytes_view value;
};

// Where a GeneralName is: a subjectAltName's iPAddress has 4 or 16 bytes, a
// name constraint's 8 or 32 (address and mask).
enum class general_name_context { alt_name, constraint };

namespace detail {

[[nodiscard]] constexpr bool is_ia5(bytes_view v) noexcept {
  for (std::uint8_t b : v)
    if (b >= 0x80) return false;
  return true;
}

// Reads and checks one GeneralName (RFC 5280 4.2.1.6): the tag must be the
// form's (IMPLICIT primitive for the strings, the address and the OID;
// constructed for otherName, x400Address, directoryName, ediPartyName);
// IA5String forms hold ASCII; a directoryName holds exactly one valid Name.
[[nodiscard]] constexpr result<general_name> read_general_name(der::reader& r, general_name_context where) noexcept {
  auto e = r.read_element();
  KAGI_TRY(e);
  if ((e->tag & 0xc0u) != 0x80u) return errc::der_unexpected_tag;  // context-specific only
  const unsigned number = e->tag & 0x1fu;
  const bool constructed = (e->tag & 0x20u) != 0;
  if (number > 8) return errc::der_unexpected_tag;
  const auto type = static_cast<general_name_type>(number);
  switch (type) {
    case general_name_type::other_name: {  // [0] { type-id OID, value [0] EXPLICIT ANY }
      if (!constructed) return errc::der_unexpected_tag;
      der::reader o(e->contents);
      KAGI_TRY(o.read_oid());
      KAGI_TRY(o.read_constructed(der::context_tag(0)));
      KAGI_TRY(o.expect_end());
      break;
    }
    case general_name_type::rfc822_name:
    case general_name_type::dns_name:
    case general_name_type::uri:
      if (constructed) return errc::der_unexpected_tag;
      if (!is_ia5(e->contents)) return errc::x509_malformed;
      break;
    case general_name_type::x400_address:
    case general_name_type::edi_party_name:
      if (!constructed) return errc::der_unexpected_tag;
      break;
    case general_name_type::directory_name: {  // [4] EXPLICIT Name
      if (!constructed) return errc::der_unexpected_tag;
      auto n = name_view::parse(e->contents);
      KAGI_TRY(n);
      break;
    }
    case general_name_type::ip_address: {
      if (constructed) return errc::der_unexpected_tag;
      const std::size_t n = e->contents.size();
      const bool ok = where == general_name_context::alt_name ? (n == 4 || n == 16) : (n == 8 || n == 32);
      if (!ok) return errc::x509_malformed;
      break;
    }
    case general_name_type::registered_id: {
      if (constructed) return errc::der_unexpected_tag;
      // The OID's contents under an IMPLICIT tag: checked as read_oid does.
      const bytes_view v = e->contents;
      if (v.empty() || (v[v.size() - 1] & 0x80u) != 0) return errc::der_bad_oid;
      bool start = true;
      for (std::uint8_t b : v) {
        if (start && b == 0x80) return errc::der_bad_oid;
        start = (b & 0x80u) == 0;
      }
      break;
    }
  }
  general_name g{type, e->contents};
  return g;
}

}  // namespace detail

// Checks GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName, given the
// SEQUENCE's whole encoding (a subjectAltName's extnValue).
[[nodiscard]] constexpr status check_general_names(bytes_view encoding) noexcept {
  der::reader top(encoding);
  auto seq = top.read_sequence();
  KAGI_TRY(seq);
  KAGI_TRY(top.expect_end());
  if (seq->empty()) return errc::x509_malformed;
  while (!seq->empty()) KAGI_TRY(detail::read_general_name(*seq, general_name_context::alt_name));
  return {};
}

// Calls f(general_name) for each name of a GeneralNames already checked by
// check_general_names (its whole encoding; empty: none). f returns false to
// stop; returns false if stopped.
template <class F>
constexpr bool for_each_general_name(bytes_view encoding, F f) noexcept {
  if (encoding.empty()) return true;
  der::reader top(encoding);
  auto seq = top.read_sequence();
  if (!seq) return true;
  while (!seq->empty()) {
    auto g = detail::read_general_name(*seq, general_name_context::alt_name);
    if (!g) return true;
    if (!f(*g)) return false;
  }
  return true;
}

// ---- host names and IP addresses

// An IP address: 4 bytes (IPv4) or 16 (IPv6).
struct ip_address {
  std::array<std::uint8_t, 16> bytes{};
  std::size_t size = 0;
  [[nodiscard]] constexpr bytes_view view() const noexcept { return bytes_view(bytes).first(size); }
};

namespace detail {

[[nodiscard]] constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Dotted-quad IPv4 ("192.0.2.1"): four decimal numbers 0..255 without
// leading zeros (so "010.1.1.1", octal to some parsers, is not an address).
[[nodiscard]] constexpr bool parse_ipv4(std::string_view s, std::uint8_t* out) noexcept {
  std::size_t part = 0, i = 0;
  while (part < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    unsigned v = 0;
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
      if (v > 255) return false;
      ++i;
    }
    if (i - start > 1 && s[start] == '0') return false;
    out[part++] = static_cast<std::uint8_t>(v);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

// IPv6 text (RFC 4291 2.2): eight groups of 1-4 hex digits, one "::" for a
// run of zero groups, and an optional dotted IPv4 tail. No zone index.
[[nodiscard]] constexpr bool parse_ipv6(std::string_view s, std::uint8_t* out) noexcept {
  std::array<std::uint16_t, 8> groups{};
  std::size_t n = 0, gap = 8;  // gap: where "::" was (8: none)
  std::size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
    if (i == s.size()) {
      for (std::size_t k = 0; k < 16; ++k) out[k] = 0;
      return true;
    }
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    if (n == 8) return false;
    // A dotted IPv4 tail fills the last two groups.
    const std::size_t next_colon = s.find(':', i);
    const std::string_view rest = s.substr(i, next_colon == std::string_view::npos ? s.size() - i : next_colon - i);
    if (next_colon == std::string_view::npos && rest.find('.') != std::string_view::npos) {
      std::array<std::uint8_t, 4> v4{};
      if (n > 6 || !parse_ipv4(rest, v4.data())) return false;
      groups[n++] = static_cast<std::uint16_t>((v4[0] << 8) | v4[1]);
      groups[n++] = static_cast<std::uint16_t>((v4[2] << 8) | v4[3]);
      i = s.size();
      break;
    }
    if (rest.empty() || rest.size() > 4) return false;
    unsigned v = 0;
    for (char c : rest) {
      const int h = hex_value(c);
      if (h < 0) return false;
      v = v * 16 + static_cast<unsigned>(h);
    }
    groups[n++] = static_cast<std::uint16_t>(v);
    i += rest.size();
    if (i == s.size()) break;
    ++i;  // the ':'
    if (i == s.size()) return false;  // a trailing single ':'
    if (s[i] == ':') {
      if (gap != 8) return false;  // a second "::"
      gap = n;
      ++i;
    }
  }
  if (gap == 8 ? n != 8 : n > 7) return false;
  std::array<std::uint16_t, 8> full{};
  const std::size_t zeros = 8 - n;
  for (std::size_t k = 0, j = 0; k < 8; ++k) {
    if (gap != 8 && k >= gap && k < gap + zeros) continue;
    full[k] = groups[j++];
  }
  for (std::size_t k = 0; k < 8; ++k) {
    out[2 * k] = static_cast<std::uint8_t>(full[k] >> 8);
    out[2 * k + 1] = static_cast<std::uint8_t>(full[k]);
  }
  return true;
}

// A DNS name as TLS clients use them: labels of letters, digits, '-' and '_'
// (seen in real host names), 1..63 characters each, 253 in all, without
// the trailing dot (removed by the caller). Only ASCII: IDNs arrive as A-labels.
[[nodiscard]] constexpr bool valid_dns_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  for (char c : s) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label != 0;
}

[[nodiscard]] constexpr std::string_view strip_trailing_dot(std::string_view s) noexcept {
  return (!s.empty() && s.back() == '.') ? s.substr(0, s.size() - 1) : s;
}

[[nodiscard]] constexpr std::size_t label_count(std::string_view s) noexcept {
  std::size_t n = 1;
  for (char c : s) n += c == '.' ? 1 : 0;
  return n;
}

// Compares a host name (valid, no trailing dot) with a dNSName's bytes
// (trailing dot ignored), case-insensitively, with the wildcard rules above.
[[nodiscard]] constexpr bool dns_name_matches(bytes_view pattern_bytes, std::string_view host) noexcept {
  std::size_t plen = pattern_bytes.size();
  if (plen != 0 && pattern_bytes[plen - 1] == '.') --plen;
  if (plen == 0) return false;
  auto pch = [&](std::size_t i) { return static_cast<char>(pattern_bytes[i]); };
  // Exact comparison (no '*' allowed there).
  bool has_star = false;
  for (std::size_t i = 0; i < plen; ++i) has_star = has_star || pch(i) == '*';
  if (!has_star) {
    if (plen != host.size()) return false;
    for (std::size_t i = 0; i < plen; ++i)
      if (ascii_lower(pch(i)) != ascii_lower(host[i])) return false;
    return true;
  }
  // A wildcard: exactly "*." followed by at least two labels without '*'.
  if (plen < 4 || pch(0) != '*' || pch(1) != '.') return false;
  std::size_t dots = 0;
  for (std::size_t i = 2; i < plen; ++i) {
    if (pch(i) == '*') return false;
    if (pch(i) == '.') {
      if (i == 2 || pch(i - 1) == '.') return false;  // empty label
      ++dots;
    }
  }
  if (dots < 1 || pch(plen - 1) == '.') return false;  // "*.com": the suffix needs two labels
  // host = L "." suffix, with L non-empty and the suffix equal to the pattern's.
  const std::size_t suffix_len = plen - 1;  // ".example.com"
  if (host.size() <= suffix_len) return false;
  const std::size_t first_dot = host.find('.');
  if (first_dot == std::string_view::npos || first_dot == 0 || host.size() - first_dot != suffix_len) return false;
  for (std::size_t i = 0; i < suffix_len; ++i)
    if (ascii_lower(pch(1 + i)) != ascii_lower(host[first_dot + i])) return false;
  return true;
}

}  // namespace detail

// The IP address a host string spells (dotted IPv4 or IPv6 text, optionally
// in brackets), or nullopt when it is not an IP literal.
[[nodiscard]] constexpr std::optional<ip_address> parse_ip_address(std::string_view s) noexcept {
  ip_address a;
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    if (!detail::parse_ipv6(s.substr(1, s.size() - 2), a.bytes.data())) return std::nullopt;
    a.size = 16;
    return a;
  }
  if (detail::parse_ipv4(s, a.bytes.data())) {
    a.size = 4;
    return a;
  }
  if (s.find(':') != std::string_view::npos && detail::parse_ipv6(s, a.bytes.data())) {
    a.size = 16;
    return a;
  }
  return std::nullopt;
}

// Whether the host (a DNS name or an IP literal) matches one of the
// subjectAltName's names (san: the GeneralNames' whole encoding, checked by
// check_general_names; empty when the certificate has none, which matches
// nothing). errc::x509_name_mismatch otherwise, also for a host that is
// neither a valid DNS name nor an IP literal.
[[nodiscard]] constexpr status match_host(bytes_view san, std::string_view host) noexcept {
  if (auto ip = parse_ip_address(host)) {
    const bool found = !for_each_general_name(san, [&](const general_name& g) {
      return !(g.type == general_name_type::ip_address && detail::bytes_equal(g.value, ip->view()));
    });
    return found ? status{} : status{errc::x509_name_mismatch};
  }
  const std::string_view h = detail::strip_trailing_dot(host);
  if (!detail::valid_dns_name(h)) return errc::x509_name_mismatch;
  const bool found = !for_each_general_name(san, [&](const general_name& g) {
    return !(g.type == general_name_type::dns_name && detail::dns_name_matches(g.value, h));
  });
  return found ? status{} : status{errc::x509_name_mismatch};
}

// ---- name constraints

// nameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees
// OPTIONAL, excludedSubtrees [1] GeneralSubtrees OPTIONAL }; the two
// GeneralSubtrees' contents (each a run of GeneralSubtree), checked.
struct name_constraints {
  bool present = false;
  bytes_view permitted;  // contents of [0] (empty when absent)
  bytes_view excluded;   // contents of [1]
};

namespace detail {

// GeneralSubtree ::= SEQUENCE { base GeneralName, minimum [0] DEFAULT 0,
// maximum [1] OPTIONAL }: RFC 5280 says minimum is 0 and maximum absent, so
// in DER neither is there.
[[nodiscard]] constexpr result<general_name> read_subtree(der::reader& r) noexcept {
  auto sub = r.read_sequence();
  KAGI_TRY(sub);
  auto base = read_general_name(*sub, general_name_context::constraint);
  KAGI_TRY(base);
  if (!sub->empty()) return errc::x509_malformed;
  return *base;
}

template <class F>
constexpr bool for_each_subtree(bytes_view subtrees, F f) noexcept {
  der::reader r(subtrees);
  while (!r.empty()) {
    auto g = read_subtree(r);
    if (!g) return true;
    if (!f(*g)) return false;
  }
  return true;
}

[[nodiscard]] constexpr bytes_view strip_trailing_dot(bytes_view s) noexcept {
  return (!s.empty() && s[s.size() - 1] == '.') ? s.first(s.size() - 1) : s;
}

[[nodiscard]] constexpr bool ends_with_ci(bytes_view s, bytes_view suffix) noexcept {
  if (suffix.size() > s.size()) return false;
  const std::size_t off = s.size() - suffix.size();
  for (std::size_t i = 0; i < suffix.size(); ++i)
    if (ascii_lower(static_cast<char>(s[off + i])) != ascii_lower(static_cast<char>(suffix[i]))) return false;
  return true;
}

// RFC 5280 4.2.1.10 for dNSName: a base "example.com" covers "example.com"
// and every name under it; a base ".example.com" (the form OpenSSL and
// others take too) only names under it; an empty base covers everything.
// Trailing dots are ignored on both sides.
[[nodiscard]] constexpr bool dns_within(bytes_view name, bytes_view base) noexcept {
  name = strip_trailing_dot(name);
  base = strip_trailing_dot(base);
  if (base.empty()) return true;
  if (base[0] == '.') return name.size() > base.size() && ends_with_ci(name, base);
  if (!ends_with_ci(name, base)) return false;
  return name.size() == base.size() || name[name.size() - base.size() - 1] == '.';
}

// Whether some host that the dNSName pattern "*.B" matches is within base:
// the pattern itself read as a name is (then every host is), or the base is
// exactly one label under B, "X.B" (then the host "X.B" is).
[[nodiscard]] constexpr bool wildcard_may_enter(bytes_view pattern, bytes_view base) noexcept {
  if (dns_within(pattern, base)) return true;
  pattern = strip_trailing_dot(pattern);
  base = strip_trailing_dot(base);
  if (pattern.size() < 2 || pattern[0] != '*' || pattern[1] != '.') return false;
  if (base.empty() || base[0] == '.') return false;
  const bytes_view suffix = pattern.subspan(1);  // ".B"
  if (base.size() <= suffix.size() || !ends_with_ci(base, suffix)) return false;
  for (std::size_t i = 0; i < base.size() - suffix.size(); ++i)
    if (base[i] == '.') return false;  // X is one label
  return true;
}

[[nodiscard]] constexpr bool ip_within(bytes_view ip, bytes_view base) noexcept {
  if (base.size() != 2 * ip.size()) return false;
  const std::size_t n = ip.size();
  for (std::size_t i = 0; i < n; ++i)
    if ((ip[i] & base[n + i]) != (base[i] & base[n + i])) return false;
  return true;
}

// A Name is within a directoryName base when the base's RDNs are the first
// RDNs of the name (compared by their DER bytes).
[[nodiscard]] constexpr bool directory_within(bytes_view name_der, bytes_view base_der) noexcept {
  der::reader nt(name_der), bt(base_der);
  auto n = nt.read_sequence();
  auto b = bt.read_sequence();
  if (!n || !b) return false;
  while (!b->empty()) {
    auto be = b->read_element();
    auto ne = n->read_element();
    if (!be || !ne || !bytes_equal(be->encoding, ne->encoding)) return false;
  }
  return true;
}

// A name of the certificate against the subtrees of its own form: ok when
// within a permitted one (or no permitted subtree of its form exists) and
// within no excluded one. Forms kagi does not process: refused when the
// constraints have a subtree of that form.
template <class Within, class Excluded>
[[nodiscard]] constexpr bool name_allowed(const name_constraints& nc, general_name_type type, Within within,
                                          Excluded excluded_hit) noexcept {
  bool any_permitted = false, in_permitted = false, in_excluded = false;
  for_each_subtree(nc.permitted, [&](const general_name& base) {
    if (base.type != type) return true;
    any_permitted = true;
    if (within(base.value)) in_permitted = true;
    return !in_permitted;
  });
  for_each_subtree(nc.excluded, [&](const general_name& base) {
    if (base.type != type) return true;
    if (excluded_hit(base.value)) in_excluded = true;
    return !in_excluded;
  });
  return (!any_permitted || in_permitted) && !in_excluded;
}

}  // namespace detail

// Reads a nameConstraints extnValue (the SEQUENCE's whole encoding): at
// least one of the two fields, each a non-empty run of GeneralSubtrees.
[[nodiscard]] constexpr result<name_constraints> read_name_constraints(bytes_view encoding) noexcept {
  der::reader top(encoding);
  auto seq = top.read_sequence();
  KAGI_TRY(seq);
  KAGI_TRY(top.expect_end());
  name_constraints nc;
  nc.present = true;
  bool any = false;
  for (unsigned number = 0; number < 2; ++number) {
    if (!seq->peek(der::context_tag(number))) continue;
    auto subtrees = seq->read(der::context_tag(number));
    KAGI_TRY(subtrees);
    if (subtrees->empty()) return errc::x509_malformed;
    der::reader r(*subtrees);
    while (!r.empty()) KAGI_TRY(detail::read_subtree(r));
    (number == 0 ? nc.permitted : nc.excluded) = *subtrees;
    any = true;
  }
  KAGI_TRY(seq->expect_end());
  if (!any) return errc::x509_malformed;
  return nc;
}

// Applies a CA's name constraints to a certificate below it: its subject
// (when check_subject and the subject is not empty) as a directoryName, and
// every name of its subjectAltName (san: whole encoding, checked; may be
// empty). errc::x509_name_constraint_violated for the first name outside.
[[nodiscard]] constexpr status check_name_constraints(const name_constraints& nc, bytes_view subject_der,
                                                      bool check_subject, bytes_view san) noexcept {
  if (!nc.present) return {};
  if (check_subject && subject_der.size() > 2) {
    const bool ok = detail::name_allowed(
        nc, general_name_type::directory_name, [&](bytes_view base) { return detail::directory_within(subject_der, base); },
        [&](bytes_view base) { return detail::directory_within(subject_der, base); });
    if (!ok) return errc::x509_name_constraint_violated;
  }
  bool ok = true;
  for_each_general_name(san, [&](const general_name& g) {
    switch (g.type) {
      case general_name_type::dns_name: {
        ok = detail::name_allowed(
            nc, g.type, [&](bytes_view base) { return detail::dns_within(g.value, base); },
            [&](bytes_view base) { return detail::wildcard_may_enter(g.value, base); });
        break;
      }
      case general_name_type::ip_address:
        ok = detail::name_allowed(
            nc, g.type, [&](bytes_view base) { return detail::ip_within(g.value, base); },
            [&](bytes_view base) { return detail::ip_within(g.value, base); });
        break;
      case general_name_type::directory_name:
        ok = detail::name_allowed(
            nc, g.type, [&](bytes_view base) { return detail::directory_within(g.value, base); },
            [&](bytes_view base) { return detail::directory_within(g.value, base); });
        break;
      default:
        // A form kagi does not process: fine only when no subtree has that form.
        ok = detail::name_allowed(
            nc, g.type, [](bytes_view) { return false; }, [](bytes_view) { return true; });
        break;
    }
    return ok;
  });
  return ok ? status{} : status{errc::x509_name_constraint_violated};
}

}  // namespace kagi::x509

#endif  // KAGI_X509_NAME_HPP
