// tls12/codec.hpp: the bounds-checked reader and writer, and to_alert.
#include <doctest/doctest.h>

#include <array>
#include <kagi/tls12/codec.hpp>
#include <string_view>
#include <vector>

using namespace kagi::literals;
namespace tls12 = kagi::tls12;
using kagi::errc;
using tls12::alert_description;

namespace {

// A reader walk at compile time: the codec is constexpr.
constexpr bool reads_a_vector() {
  constexpr auto in = "0003aabbcc01"_hex;
  tls12::reader r(in);
  kagi::bytes_view v;
  std::uint8_t tail = 0;
  return r.read_vector<2>(v) && v.size() == 3 && v[2] == 0xcc && r.read_u8(tail) && tail == 1 && r.finish();
}
static_assert(reads_a_vector());

constexpr bool writes_a_vector() {
  std::array<std::uint8_t, 8> buf{};
  tls12::writer w(buf);
  const auto mark = w.begin_vector<3>();
  w.u16(0x0102).u8(3);
  w.end_vector<3>(mark);
  return w.ok() && w.size() == 6 && buf[0] == 0 && buf[1] == 0 && buf[2] == 3 && buf[3] == 1 && buf[5] == 3;
}
static_assert(writes_a_vector());

}  // namespace

TEST_CASE("reader: every read checks the length; a failure is sticky and empties the reader") {
  const auto in = "01020304050607"_hex;
  for (std::size_t n = 0; n <= in.size(); ++n) {
    tls12::reader r(kagi::bytes_view(in).first(n));
    std::uint8_t a = 0;
    std::uint16_t b = 0;
    std::uint32_t c = 0;
    kagi::bytes_view d;
    const bool ok = r.read_u8(a) && r.read_u16(b) && r.read_u24(c) && r.read_bytes(1, d);
    CHECK(ok == (n == in.size()));
    if (ok) {
      CHECK(a == 1);
      CHECK(b == 0x0203);
      CHECK(c == 0x040506);
      CHECK(d[0] == 7);
      CHECK(r.finish());
    } else {
      CHECK(r.error() == errc::tls_truncated);
      CHECK(r.empty());
      CHECK(r.finish().error() == errc::tls_truncated);
      CHECK_FALSE(r.read_u8(a));  // sticky
    }
  }
}

TEST_CASE("reader: vectors with bounds, trailing data") {
  SUBCASE("a vector longer than its input") {
    const auto in = "0005aabb"_hex;
    tls12::reader r(in);
    kagi::bytes_view v;
    CHECK_FALSE(r.read_vector<2>(v));
    CHECK(r.error() == errc::tls_truncated);
  }
  SUBCASE("a vector outside its declared bounds is a decode error") {
    const auto in = "00"_hex;  // vector<1..255> that is empty
    tls12::reader r(in);
    kagi::bytes_view v;
    CHECK_FALSE(r.read_vector<1>(v, 1));
    CHECK(r.error() == errc::tls_decode_error);
    const auto big = "03aabbcc"_hex;
    tls12::reader r2(big);
    CHECK_FALSE(r2.read_vector<1>(v, 0, 2));
    CHECK(r2.error() == errc::tls_decode_error);
  }
  SUBCASE("a sub-reader over a vector") {
    const auto in = "000401020304ff"_hex;
    tls12::reader r(in), sub;
    REQUIRE(r.read_vector<2>(sub));
    std::uint16_t x = 0;
    CHECK(sub.read_u16(x));
    CHECK(x == 0x0102);
    CHECK(sub.finish().error() == errc::tls_trailing_data);
    CHECK(r.finish().error() == errc::tls_trailing_data);
  }
  SUBCASE("24-bit lengths") {
    std::vector<std::uint8_t> in(3 + 70000, 0x5a);
    in[0] = 0x01, in[1] = 0x11, in[2] = 0x70;  // 70000
    tls12::reader r(in);
    kagi::bytes_view v;
    REQUIRE(r.read_vector<3>(v));
    CHECK(v.size() == 70000);
    CHECK(r.finish());
  }
}

TEST_CASE("writer: writes nothing past its buffer; the error is sticky") {
  for (std::size_t cap = 0; cap <= 9; ++cap) {
    std::vector<std::uint8_t> buf(cap + 4, 0xee);
    tls12::writer w(kagi::mutable_bytes(buf.data(), cap));
    const auto mark = w.begin_vector<2>();
    w.u8(1).u16(0x0203).u24(0x040506);
    w.end_vector<2>(mark);
    const auto n = w.finish();
    CHECK(static_cast<bool>(n) == (cap >= 8));
    if (n) {
      CHECK(*n == 8);
      CHECK(kagi::bytes_view(buf.data(), 8)[1] == 6);
    } else {
      CHECK(n.error() == errc::buffer_too_small);
    }
    for (std::size_t i = cap; i < buf.size(); ++i) CHECK(buf[i] == 0xee);  // nothing past the buffer
  }
  SUBCASE("a vector longer than its length prefix allows is refused") {
    std::vector<std::uint8_t> buf(300);
    tls12::writer w(buf);
    const auto mark = w.begin_vector<1>();
    w.bytes(std::vector<std::uint8_t>(256, 1));
    w.end_vector<1>(mark);
    CHECK_FALSE(w.ok());
    CHECK(w.error() == errc::invalid_argument);
  }
}

TEST_CASE("to_alert: every error code maps to an alert; the protocol's own codes to the RFC's alert") {
  // Walk every code (groups are numbered without gaps: test_core checks it).
  for (int g = 1; g <= static_cast<int>(kagi::errc_group::x509); ++g) {
    for (int n = 0; n < 0x100; ++n) {
      const auto e = static_cast<errc>(g * 0x100 + n);
      if (kagi::message(e) == "unknown error") break;
      CHECK(tls12::alert_name(tls12::to_alert(e)) != "unknown");
      CHECK(tls12::to_alert(e) != alert_description::close_notify);
    }
  }
  CHECK(tls12::to_alert(errc::bad_record_mac) == alert_description::bad_record_mac);
  CHECK(tls12::to_alert(errc::record_overflow) == alert_description::record_overflow);
  CHECK(tls12::to_alert(errc::tls_truncated) == alert_description::decode_error);
  CHECK(tls12::to_alert(errc::tls_trailing_data) == alert_description::decode_error);
  CHECK(tls12::to_alert(errc::tls_decode_error) == alert_description::decode_error);
  CHECK(tls12::to_alert(errc::der_truncated) == alert_description::decode_error);
  CHECK(tls12::to_alert(errc::tls_bad_public_key) == alert_description::illegal_parameter);
  CHECK(tls12::to_alert(errc::tls_unexpected_message) == alert_description::unexpected_message);
  CHECK(tls12::to_alert(errc::tls_protocol_version) == alert_description::protocol_version);
  CHECK(tls12::to_alert(errc::tls_handshake_failure) == alert_description::handshake_failure);
  CHECK(tls12::to_alert(errc::tls_unsupported_extension) == alert_description::unsupported_extension);
  CHECK(tls12::to_alert(errc::tls_bad_finished) == alert_description::decrypt_error);
  CHECK(tls12::to_alert(errc::rsa_bad_signature) == alert_description::decrypt_error);
  CHECK(tls12::to_alert(errc::ecdsa_bad_signature) == alert_description::decrypt_error);
  CHECK(tls12::to_alert(errc::tls_no_renegotiation) == alert_description::no_renegotiation);
  CHECK(tls12::to_alert(errc::tls_certificate_refused) == alert_description::bad_certificate);
  CHECK(tls12::to_alert(errc::buffer_too_small) == alert_description::internal_error);
  CHECK(tls12::to_alert(errc::random_failure) == alert_description::internal_error);
  CHECK(tls12::alert_name(alert_description::no_renegotiation) == "no_renegotiation");
}
