// kagi/tls12/messages.hpp: the TLS 1.2 handshake messages the engines speak
// (RFC 5246 section 7.4), their extensions, cipher suites and signature
// schemes.
//
//   ClientHello  = version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
//                  compression_methods<1..2^8-1> [extensions<0..2^16-1>]
//   ServerHello  = version(2) random(32) session_id<0..32> cipher_suite(2)
//                  compression_method(1) [extensions<0..2^16-1>]
//   Certificate  = certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>
//   ServerKeyExchange (ECDHE) and ClientKeyExchange (ECDHE): ecdhe.hpp
//   ClientKeyExchange (RSA) = EncryptedPreMasterSecret<0..2^16-1>
//   ServerHelloDone, HelloRequest = empty; Finished = verify_data[12]
//   Extension    = type(2) extension_data<0..2^16-1>
//
// Decoders read a message body (without its 4-byte header) and refuse
// anything but exactly one well-formed message: a field cut short
// (errc::tls_truncated), bytes after the end (tls_trailing_data), a length
// outside a vector's bounds or a malformed known extension (tls_decode_error),
// a value the protocol forbids (tls_illegal_parameter). Unknown extensions
// are skipped; a known one seen twice is a decode error. Decoded messages
// hold views into the body they were read from.
#ifndef KAGI_TLS12_MESSAGES_HPP
#define KAGI_TLS12_MESSAGES_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "../core/bytes.hpp"
#include "../core/result.hpp"
#include "codec.hpp"
#include "ecdhe.hpp"

namespace kagi::tls12 {

// ---- cipher suites (IANA TLS Cipher Suites)

enum class cipher_suite : std::uint16_t {
  rsa_with_aes_128_gcm_sha256 = 0x009c,        // TLS_RSA_WITH_AES_128_GCM_SHA256 (RFC 5288)
  rsa_with_aes_256_gcm_sha384 = 0x009d,        // TLS_RSA_WITH_AES_256_GCM_SHA384 (RFC 5288)
  ecdhe_ecdsa_with_aes_128_gcm_sha256 = 0xc02b,  // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5289)
  ecdhe_ecdsa_with_aes_256_gcm_sha384 = 0xc02c,  // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (RFC 5289)
  ecdhe_rsa_with_aes_128_gcm_sha256 = 0xc02f,  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (RFC 5289)
  ecdhe_rsa_with_aes_256_gcm_sha384 = 0xc030,  // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (RFC 5289)
};

inline constexpr std::uint16_t empty_renegotiation_info_scsv = 0x00ff;  // RFC 5746 section 3.3
inline constexpr std::uint16_t fallback_scsv = 0x5600;                  // RFC 7507

enum class key_exchange : std::uint8_t { rsa, ecdhe_rsa, ecdhe_ecdsa };
enum class prf_hash : std::uint8_t { sha256, sha384 };  // the PRF's and the transcript's hash

// What a suite means: its key exchange, the PRF's hash, the AES key size.
struct suite_info {
  cipher_suite suite;
  key_exchange kx;
  prf_hash hash;
  std::size_t key_bits;  // AES-GCM key
  const char* name;      // the IANA name
};

inline constexpr std::array<suite_info, 6> supported_suites{{
    {cipher_suite::ecdhe_ecdsa_with_aes_128_gcm_sha256, key_exchange::ecdhe_ecdsa, prf_hash::sha256, 128,
     "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {cipher_suite::ecdhe_ecdsa_with_aes_256_gcm_sha384, key_exchange::ecdhe_ecdsa, prf_hash::sha384, 256,
     "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {cipher_suite::ecdhe_rsa_with_aes_128_gcm_sha256, key_exchange::ecdhe_rsa, prf_hash::sha256, 128,
     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {cipher_suite::ecdhe_rsa_with_aes_256_gcm_sha384, key_exchange::ecdhe_rsa, prf_hash::sha384, 256,
     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {cipher_suite::rsa_with_aes_128_gcm_sha256, key_exchange::rsa, prf_hash::sha256, 128,
     "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {cipher_suite::rsa_with_aes_256_gcm_sha384, key_exchange::rsa, prf_hash::sha384, 256,
     "TLS_RSA_WITH_AES_256_GCM_SHA384"},
}};

// The suite's description, or nullptr when kagi does not implement it.
[[nodiscard]] constexpr const suite_info* find_suite(std::uint16_t value) noexcept {
  for (const auto& s : supported_suites)
    if (static_cast<std::uint16_t>(s.suite) == value) return &s;
  return nullptr;
}

// ---- signature schemes (RFC 8446 section 4.2.3 values; TLS 1.2's
// SignatureAndHashAlgorithm is hash << 8 | signature with the same codes, so
// in TLS 1.2 0x0403/0x0503/0x0603 mean ECDSA with SHA-256/384/512 on the
// certificate's curve, here P-256)

enum class signature_scheme : std::uint16_t {
  rsa_pkcs1_sha256 = 0x0401,
  rsa_pkcs1_sha384 = 0x0501,
  rsa_pkcs1_sha512 = 0x0601,
  rsa_pss_rsae_sha256 = 0x0804,
  rsa_pss_rsae_sha384 = 0x0805,
  rsa_pss_rsae_sha512 = 0x0806,
  ecdsa_secp256r1_sha256 = 0x0403,
  ecdsa_secp384r1_sha384 = 0x0503,
  ecdsa_secp521r1_sha512 = 0x0603,
};

inline constexpr std::array<signature_scheme, 9> supported_signature_schemes{
    signature_scheme::ecdsa_secp256r1_sha256, signature_scheme::ecdsa_secp384r1_sha384,
    signature_scheme::ecdsa_secp521r1_sha512, signature_scheme::rsa_pss_rsae_sha256,
    signature_scheme::rsa_pss_rsae_sha384,    signature_scheme::rsa_pss_rsae_sha512,
    signature_scheme::rsa_pkcs1_sha256,       signature_scheme::rsa_pkcs1_sha384,
    signature_scheme::rsa_pkcs1_sha512};

// ECDSA (true) or RSA (false).
[[nodiscard]] constexpr bool is_ecdsa(signature_scheme s) noexcept {
  return s == signature_scheme::ecdsa_secp256r1_sha256 || s == signature_scheme::ecdsa_secp384r1_sha384 ||
         s == signature_scheme::ecdsa_secp521r1_sha512;
}

[[nodiscard]] constexpr bool is_supported(signature_scheme s) noexcept {
  for (auto x : supported_signature_schemes)
    if (x == s) return true;
  return false;
}

[[nodiscard]] constexpr const char* signature_scheme_name(signature_scheme s) noexcept {
  switch (s) {
    case signature_scheme::rsa_pkcs1_sha256: return "rsa_pkcs1_sha256";
    case signature_scheme::rsa_pkcs1_sha384: return "rsa_pkcs1_sha384";
    case signature_scheme::rsa_pkcs1_sha512: return "rsa_pkcs1_sha512";
    case signature_scheme::rsa_pss_rsae_sha256: return "rsa_pss_rsae_sha256";
    case signature_scheme::rsa_pss_rsae_sha384: return "rsa_pss_rsae_sha384";
    case signature_scheme::rsa_pss_rsae_sha512: return "rsa_pss_rsae_sha512";
    case signature_scheme::ecdsa_secp256r1_sha256: return "ecdsa_secp256r1_sha256";
    case signature_scheme::ecdsa_secp384r1_sha384: return "ecdsa_secp384r1_sha384";
    case signature_scheme::ecdsa_secp521r1_sha512: return "ecdsa_secp521r1_sha512";
  }
  return "unknown";
}

[[nodiscard]] constexpr const char* group_name(named_group g) noexcept {
  switch (g) {
    case named_group::secp256r1: return "secp256r1";
    case named_group::x25519: return "x25519";
  }
  return "unknown";
}

// ---- extensions (IANA TLS ExtensionType Values)

enum class extension_type : std::uint16_t {
  server_name = 0,
  supported_groups = 10,
  ec_point_formats = 11,
  signature_algorithms = 13,
  encrypt_then_mac = 22,
  extended_master_secret = 23,
  session_ticket = 35,
  renegotiation_info = 0xff01,
};

inline constexpr std::uint8_t ec_point_format_uncompressed = 0;

// The known extensions a hello carried (views into the message).
struct hello_extensions {
  bool server_name = false;
  bytes_view host_name;  // ClientHello: the host_name entry, if any (not NUL-terminated)
  bool supported_groups = false;
  bytes_view groups;  // u16 values, validated: even length, non-empty
  bool ec_point_formats = false;
  bytes_view point_formats;  // u8 values, non-empty
  bool signature_algorithms = false;
  bytes_view signature_schemes;  // u16 values, non-empty and even
  bool extended_master_secret = false;
  bool renegotiation_info = false;
  bytes_view renegotiated_connection;
  // Extensions of other types present (for the client's check that the
  // server sends nothing it did not offer): the first such type, if any.
  bool other = false;
  std::uint16_t first_other = 0;
};

namespace detail {

// Which known extension a type is (a bit for duplicate detection), or 0.
[[nodiscard]] constexpr std::uint32_t known_extension_bit(std::uint16_t type) noexcept {
  switch (static_cast<extension_type>(type)) {
    case extension_type::server_name: return 1u << 0;
    case extension_type::supported_groups: return 1u << 1;
    case extension_type::ec_point_formats: return 1u << 2;
    case extension_type::signature_algorithms: return 1u << 3;
    case extension_type::extended_master_secret: return 1u << 4;
    case extension_type::renegotiation_info: return 1u << 5;
    case extension_type::encrypt_then_mac: return 1u << 6;
    case extension_type::session_ticket: return 1u << 7;
  }
  return 0;
}

// A list of u16 values: non-empty, even length.
[[nodiscard]] constexpr bool read_u16_list(reader& r, bytes_view& out) noexcept {
  if (!r.read_vector<2>(out, 2, 0xfffe)) return false;
  if (out.size() % 2 != 0) return r.fail(errc::tls_decode_error);
  return true;
}

// Reads the extension block; is_client_hello selects the ClientHello forms.
[[nodiscard]] constexpr status read_extensions(reader& r, bool is_client_hello, hello_extensions& x) noexcept {
  if (r.empty()) return {};  // no extension block at all (RFC 5246 7.4.1.2)
  reader all;
  if (!r.read_vector<2>(all)) return r.error();
  std::uint32_t seen = 0;
  while (!all.empty()) {
    std::uint16_t type = 0;
    reader data;
    if (!all.read_u16(type) || !all.read_vector<2>(data)) return all.error() == errc::tls_truncated ? errc::tls_decode_error : all.error();
    const std::uint32_t bit = known_extension_bit(type);
    if (bit != 0) {
      if (seen & bit) return errc::tls_decode_error;  // RFC 5246 7.4.1.4: one of each type
      seen |= bit;
    }
    switch (static_cast<extension_type>(type)) {
      case extension_type::server_name: {
        x.server_name = true;
        if (!is_client_hello) break;  // the server's is empty (checked below)
        reader list;
        if (!data.read_vector<2>(list, 1)) return errc::tls_decode_error;
        while (!list.empty()) {
          std::uint8_t name_type = 0;
          bytes_view name;
          if (!list.read_u8(name_type) || !list.read_vector<2>(name, 1)) return errc::tls_decode_error;
          if (name_type == 0) {  // host_name; RFC 6066 3: at most one of each type
            if (!x.host_name.empty()) return errc::tls_decode_error;
            x.host_name = name;
          }
        }
        break;
      }
      case extension_type::supported_groups:
        x.supported_groups = true;
        if (!read_u16_list(data, x.groups)) return errc::tls_decode_error;
        break;
      case extension_type::ec_point_formats:
        x.ec_point_formats = true;
        if (!data.read_vector<1>(x.point_formats, 1)) return errc::tls_decode_error;
        break;
      case extension_type::signature_algorithms:
        x.signature_algorithms = true;
        if (!read_u16_list(data, x.signature_schemes)) return errc::tls_decode_error;
        break;
      case extension_type::extended_master_secret:
        x.extended_master_secret = true;
        break;  // empty: checked below
      case extension_type::renegotiation_info:
        x.renegotiation_info = true;
        if (!data.read_vector<1>(x.renegotiated_connection)) return errc::tls_decode_error;
        break;
      default:
        if (!x.other) {
          x.other = true;
          x.first_other = type;
        }
        data = reader{};  // unknown (and ignored known) extensions: contents not read
        break;
    }
    if (!data.empty()) return errc::tls_decode_error;  // a known extension with bytes after its fields
  }
  return {};
}

constexpr void copy_into(std::uint8_t* out, bytes_view in) noexcept {
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = in[i];
}

}  // namespace detail

// Does a u16 list (supported_groups, signature_algorithms, cipher_suites) hold v?
[[nodiscard]] constexpr bool list_contains(bytes_view u16_list, std::uint16_t v) noexcept {
  for (std::size_t i = 0; i + 1 < u16_list.size(); i += 2)
    if (load_be16(u16_list.data() + i) == v) return true;
  return false;
}

// ---- ClientHello

struct client_hello {
  std::uint16_t version = 0;
  random client_random{};
  bytes_view session_id;
  bytes_view cipher_suites;        // u16 values
  bytes_view compression_methods;  // u8 values
  hello_extensions ext;
};

[[nodiscard]] constexpr result<client_hello> decode_client_hello(bytes_view body) noexcept {
  reader r(body);
  client_hello m;
  bytes_view rnd;
  if (!r.read_u16(m.version) || !r.read_bytes(32, rnd) || !r.read_vector<1>(m.session_id, 0, 32) ||
      !r.read_vector<2>(m.cipher_suites, 2, 0xfffe) || !r.read_vector<1>(m.compression_methods, 1))
    return r.error();
  if (m.cipher_suites.size() % 2 != 0) return errc::tls_decode_error;
  detail::copy_into(m.client_random.data(), rnd);
  if (auto s = detail::read_extensions(r, true, m.ext); !s) return s.error();
  if (auto s = r.finish(); !s) return s.error();
  return m;
}

// What a client offers.
struct client_hello_params {
  random client_random{};
  std::span<const cipher_suite> suites;
  std::span<const named_group> groups;
  std::span<const signature_scheme> signature_schemes;
  std::string_view server_name;  // empty: no server_name extension
};

// Writes the whole handshake message (header included).
[[nodiscard]] constexpr result<std::size_t> encode_client_hello(const client_hello_params& p,
                                                                mutable_bytes out) noexcept {
  writer w(out);
  w.u8(static_cast<std::uint8_t>(handshake_type::client_hello));
  const auto body = w.begin_vector<3>();
  w.u16(tls12_version).bytes(p.client_random);
  w.u8(0);  // no session id: kagi does not resume sessions
  const auto suites = w.begin_vector<2>();
  for (auto s : p.suites) w.u16(static_cast<std::uint16_t>(s));
  w.u16(empty_renegotiation_info_scsv);
  w.end_vector<2>(suites);
  w.u8(1).u8(0);  // compression_methods: null
  const auto exts = w.begin_vector<2>();
  if (!p.server_name.empty()) {
    w.u16(static_cast<std::uint16_t>(extension_type::server_name));
    const auto e = w.begin_vector<2>();
    const auto list = w.begin_vector<2>();
    w.u8(0);  // host_name
    const auto name = w.begin_vector<2>();
    for (char c : p.server_name) w.u8(static_cast<std::uint8_t>(c));
    w.end_vector<2>(name).end_vector<2>(list).end_vector<2>(e);
  }
  bool ecdhe = false;
  for (auto s : p.suites)
    if (const auto* info = find_suite(static_cast<std::uint16_t>(s)); info && info->kx != key_exchange::rsa) ecdhe = true;
  if (ecdhe) {
    w.u16(static_cast<std::uint16_t>(extension_type::supported_groups));
    const auto e = w.begin_vector<2>();
    const auto list = w.begin_vector<2>();
    for (auto g : p.groups) w.u16(static_cast<std::uint16_t>(g));
    w.end_vector<2>(list).end_vector<2>(e);
    w.u16(static_cast<std::uint16_t>(extension_type::ec_point_formats));
    w.u16(2).u8(1).u8(ec_point_format_uncompressed);
  }
  w.u16(static_cast<std::uint16_t>(extension_type::signature_algorithms));
  {
    const auto e = w.begin_vector<2>();
    const auto list = w.begin_vector<2>();
    for (auto s : p.signature_schemes) w.u16(static_cast<std::uint16_t>(s));
    w.end_vector<2>(list).end_vector<2>(e);
  }
  w.u16(static_cast<std::uint16_t>(extension_type::extended_master_secret)).u16(0);
  w.end_vector<2>(exts);
  w.end_vector<3>(body);
  return w.finish();
}

// ---- ServerHello

struct server_hello {
  std::uint16_t version = 0;
  random server_random{};
  bytes_view session_id;
  std::uint16_t cipher_suite = 0;
  std::uint8_t compression_method = 0;
  hello_extensions ext;
};

[[nodiscard]] constexpr result<server_hello> decode_server_hello(bytes_view body) noexcept {
  reader r(body);
  server_hello m;
  bytes_view rnd;
  if (!r.read_u16(m.version) || !r.read_bytes(32, rnd) || !r.read_vector<1>(m.session_id, 0, 32) ||
      !r.read_u16(m.cipher_suite) || !r.read_u8(m.compression_method))
    return r.error();
  detail::copy_into(m.server_random.data(), rnd);
  if (auto s = detail::read_extensions(r, false, m.ext); !s) return s.error();
  if (auto s = r.finish(); !s) return s.error();
  return m;
}

// What a server answers.
struct server_hello_params {
  random server_random{};
  std::span<const std::uint8_t, 32> session_id;
  cipher_suite suite{};
  bool extended_master_secret = false;  // echo the extension
  bool renegotiation_info = false;      // answer with an empty renegotiation_info
  bool ec_point_formats = false;        // answer with [uncompressed]
};

[[nodiscard]] constexpr result<std::size_t> encode_server_hello(const server_hello_params& p, mutable_bytes out) noexcept {
  writer w(out);
  w.u8(static_cast<std::uint8_t>(handshake_type::server_hello));
  const auto body = w.begin_vector<3>();
  w.u16(tls12_version).bytes(p.server_random);
  w.vector<1>(p.session_id);
  w.u16(static_cast<std::uint16_t>(p.suite)).u8(0);
  const auto exts = w.begin_vector<2>();
  if (p.renegotiation_info) w.u16(static_cast<std::uint16_t>(extension_type::renegotiation_info)).u16(1).u8(0);
  if (p.extended_master_secret) w.u16(static_cast<std::uint16_t>(extension_type::extended_master_secret)).u16(0);
  if (p.ec_point_formats)
    w.u16(static_cast<std::uint16_t>(extension_type::ec_point_formats)).u16(2).u8(1).u8(ec_point_format_uncompressed);
  w.end_vector<2>(exts);
  w.end_vector<3>(body);
  return w.finish();
}

// ---- Certificate

// The certificates of a Certificate message, leaf first: views into the
// message. At most max_certificates (more is tls_message_too_large).
struct certificate_chain {
  static constexpr std::size_t max_certificates = 10;
  std::array<bytes_view, max_certificates> certs{};
  std::size_t count = 0;

  [[nodiscard]] constexpr std::span<const bytes_view> list() const noexcept { return {certs.data(), count}; }
  [[nodiscard]] constexpr bool empty() const noexcept { return count == 0; }
};

[[nodiscard]] constexpr result<certificate_chain> decode_certificate(bytes_view body) noexcept {
  reader r(body), list;
  if (!r.read_vector<3>(list)) return r.error();
  if (auto s = r.finish(); !s) return s.error();
  certificate_chain c;
  while (!list.empty()) {
    bytes_view cert;
    if (!list.read_vector<3>(cert, 1)) return list.error() == errc::tls_truncated ? errc::tls_decode_error : list.error();
    if (c.count == certificate_chain::max_certificates) return errc::tls_message_too_large;
    c.certs[c.count++] = cert;
  }
  return c;
}

[[nodiscard]] constexpr result<std::size_t> encode_certificate(std::span<const bytes_view> chain,
                                                               mutable_bytes out) noexcept {
  writer w(out);
  w.u8(static_cast<std::uint8_t>(handshake_type::certificate));
  const auto body = w.begin_vector<3>();
  const auto list = w.begin_vector<3>();
  for (auto cert : chain) w.vector<3>(cert);
  w.end_vector<3>(list).end_vector<3>(body);
  return w.finish();
}

// ---- ClientKeyExchange (RSA): EncryptedPreMasterSecret<0..2^16-1>

[[nodiscard]] constexpr result<bytes_view> decode_client_key_exchange_rsa(bytes_view body) noexcept {
  reader r(body);
  bytes_view ct;
  if (!r.read_vector<2>(ct)) return r.error();
  if (auto s = r.finish(); !s) return s.error();
  return ct;
}

// ---- empty messages and Finished

inline constexpr std::size_t verify_data_size = 12;

// A message with an empty body: HelloRequest, ServerHelloDone.
[[nodiscard]] constexpr status decode_empty(bytes_view body) noexcept {
  return body.empty() ? status{} : status{errc::tls_decode_error};
}

}  // namespace kagi::tls12

#endif  // KAGI_TLS12_MESSAGES_HPP
