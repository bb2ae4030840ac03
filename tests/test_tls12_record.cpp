// tls12/record.hpp on every AES-GCM path: the records of two real OpenSSL
// sessions opened and sealed again to the same bytes, round trips, and every
// refusal (bad_record_mac, record_overflow, lengths, sequence numbers).
#include <doctest/doctest.h>

#include <kagi/hash/sha256.hpp>
#include <kagi/tls12/prf.hpp>
#include <kagi/tls12/record.hpp>
#include <string>
#include <vector>

#include "support/aes_paths.hpp"
#include "support/random.hpp"
#include "support/vectors.hpp"

using kagi_test::bytes;
using kagi::errc;
using kagi::tls12::content_type;

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> arr(const bytes& b) {
  REQUIRE(b.size() == N);
  std::array<std::uint8_t, N> a{};
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

bytes text(std::string_view s) { return bytes(s.begin(), s.end()); }

}  // namespace

TEST_CASE("TLS 1.2 records of OpenSSL sessions open, and seal again to the same bytes") {
  const auto sections = kagi_test::parse_records("tls12_capture/openssl_capture.txt");
  REQUIRE(sections.size() == 2);
  kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
    for (const auto& s : sections) {
      INFO(s.where());
      const auto client_random = arr<32>(s.get_hex("client_random"));
      const auto server_random = arr<32>(s.get_hex("server_random"));
      const auto master = arr<48>(s.get_hex("master_secret"));
      const auto keys = kagi::tls12::derive_session_keys(master, client_random, server_random);

      // The handshake transcript (every message before the randoms, in order).
      kagi::sha256 transcript;
      for (const auto& [name, value] : s.fields) {
        if (name == "client_random") break;
        transcript.update(kagi_test::hex(value));
      }

      for (const bool client : {true, false}) {
        const std::string side = client ? "client" : "server";
        INFO("records sent by the " << side);
        const auto& key = client ? keys.client_write_key : keys.server_write_key;
        const auto& iv = client ? keys.client_write_iv : keys.server_write_iv;
        kagi::tls12::aes128_gcm_record reader(key, iv);
        std::vector<bytes> records, plaintexts;
        for (int seq = 0; seq < 3; ++seq) {
          records.push_back(s.get_hex(side + "_record_" + std::to_string(seq)));
          const bytes& rec = records.back();
          bytes pt(rec.size());
          const auto opened = reader.open(rec, pt);
          REQUIRE_MESSAGE(opened, "record " << seq << ": " << opened.message());
          CHECK(opened->version == kagi::tls12::tls12_version);
          CHECK(opened->plaintext.data() == pt.data());
          pt.resize(opened->plaintext.size());
          plaintexts.push_back(pt);
          CHECK(reader.sequence_number() == static_cast<std::uint64_t>(seq + 1));
          switch (seq) {
            case 0:  // Finished: type 20, length 12
              CHECK(opened->type == content_type::handshake);
              REQUIRE(pt.size() == 16);
              CHECK(bytes(pt.begin(), pt.begin() + 4) == bytes{0x14, 0x00, 0x00, 0x0c});
              if (client) {  // verify_data over the transcript (the server's also covers a
                             // NewSessionTicket the capture left out)
                kagi::sha256 h = transcript;
                const auto vd = kagi::tls12::verify_data(master, kagi::tls12::client_finished_label, h.finish());
                CHECK(bytes(pt.begin() + 4, pt.end()) == bytes(vd.begin(), vd.end()));
              }
              break;
            case 1:
              CHECK(opened->type == content_type::application_data);
              CHECK(pt == text(client ? "hello kagi\nCLOSE\n" : "igak olleh\n"));
              break;
            default:
              CHECK(opened->type == content_type::alert);
              CHECK(pt == bytes{0x01, 0x00});  // warning, close_notify
          }
        }

        // Sealing the plaintexts again with OpenSSL's explicit nonces (a random
        // start, plus one per record) gives the captured records byte for byte.
        const std::uint64_t first_nonce = kagi::load_be64(records[0].data() + 5);
        kagi::tls12::aes128_gcm_record writer(key, iv, first_nonce);
        for (int seq = 0; seq < 3; ++seq) {
          INFO("re-seal record " << seq);
          bytes out(plaintexts[seq].size() + writer.overhead);
          const auto n = writer.seal(static_cast<content_type>(records[seq][0]), plaintexts[seq], out);
          REQUIRE(n);
          CHECK(*n == out.size());
          CHECK(out == records[seq]);
        }
      }
    }
  });
}

TEST_CASE("TLS 1.2 records round trip at every size class, in place and out of place") {
  kagi_test::test_rng rng(1);
  const auto key = arr<32>(rng.bytes(32));
  const auto iv = arr<4>(rng.bytes(4));
  kagi_test::on_every_gcm_path([&](const kagi_test::path&) {
    kagi::tls12::aes256_gcm_record writer(key, iv), reader(key, iv);
    std::vector<std::size_t> sizes = {0, 1, 2, 15, 16, 17, 100, 255, 256, 1000, 1420, 4096, 8191, 16383, 16384};
    for (std::size_t n : sizes) {
      INFO("plaintext " << n);
      const bytes pt = rng.bytes(n);
      bytes rec(n + writer.overhead);
      REQUIRE(writer.seal(content_type::application_data, pt, rec));
      CHECK(writer.sequence_number() == reader.sequence_number() + 1);
      // Sealing in place: the plaintext already sits at record + 13.
      kagi::tls12::aes256_gcm_record writer2(key, iv);
      writer2.set_sequence_number(writer.sequence_number() - 1);
      bytes rec2(n + writer.overhead);
      std::copy(pt.begin(), pt.end(), rec2.begin() + 13);
      REQUIRE(writer2.seal(content_type::application_data, std::span(rec2).subspan(13, n), rec2));
      CHECK(rec2 == rec);
      // Opening in place.
      const auto opened = reader.open(rec, std::span(rec).subspan(13));
      REQUIRE(opened);
      CHECK(opened->type == content_type::application_data);
      CHECK(bytes(opened->plaintext.begin(), opened->plaintext.end()) == pt);
    }
  });
}

TEST_CASE("TLS 1.2 record refusals") {
  kagi_test::test_rng rng(2);
  const auto key = arr<16>(rng.bytes(16));
  const auto iv = arr<4>(rng.bytes(4));
  kagi::tls12::aes128_gcm_record writer(key, iv);
  const bytes pt = rng.bytes(40);
  bytes rec(pt.size() + writer.overhead);
  REQUIRE(writer.seal(content_type::application_data, pt, rec));
  bytes out(rec.size());

  SUBCASE("a flipped bit in type, version, explicit nonce, ciphertext or tag is bad_record_mac") {
    for (std::size_t bit = 0; bit < 8 * rec.size(); ++bit) {
      if (bit / 8 == 3 || bit / 8 == 4) continue;  // the length field: a length error instead
      bytes bad = rec;
      bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      kagi::tls12::aes128_gcm_record reader(key, iv);
      INFO("bit " << bit);
      std::fill(out.begin(), out.end(), 0x55);
      CHECK(reader.open(bad, out).error() == errc::bad_record_mac);
      CHECK(std::all_of(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(pt.size()), [](auto b) { return b == 0; }));
      CHECK(reader.sequence_number() == 0);  // a failed record does not count
    }
  }
  SUBCASE("the wrong sequence number is bad_record_mac") {
    kagi::tls12::aes128_gcm_record reader(key, iv);
    reader.set_sequence_number(1);
    CHECK(reader.open(rec, out).error() == errc::bad_record_mac);
  }
  SUBCASE("lengths") {
    // A failed open closes the record object, so each check has its own.
    auto open = [&](kagi::bytes_view r, std::span<std::uint8_t> o) {
      kagi::tls12::aes128_gcm_record reader(key, iv);
      return reader.open(r, o).error();
    };
    CHECK(open(std::span(rec).first(4), out) == errc::bad_length);
    CHECK(open(std::span(rec).first(rec.size() - 1), out) == errc::bad_length);
    bytes longer = rec;
    longer.push_back(0);
    CHECK(open(longer, out) == errc::bad_length);
    CHECK(open(rec, std::span(out).first(pt.size() - 1)) == errc::buffer_too_small);
    // A record too short for nonce and tag.
    bytes tiny = {23, 3, 3, 0, 23};
    tiny.resize(5 + 23);
    CHECK(open(tiny, out) == errc::bad_record_mac);
    // Over 2^14 + 2048 bytes of fragment, and over 2^14 bytes of plaintext.
    for (std::size_t len : {std::size_t{16384 + 2048 + 1}, std::size_t{16384 + 24 + 1}, std::size_t{65535}}) {
      bytes big(5 + len);
      big[0] = 23;
      big[1] = big[2] = 3;
      kagi::store_be16(big.data() + 3, static_cast<std::uint16_t>(len));
      bytes o(len);
      CHECK(open(big, o) == errc::record_overflow);
    }
    const bytes too_much(16385);
    bytes o(16385 + writer.overhead);
    CHECK(writer.seal(content_type::application_data, too_much, o).error() == errc::record_overflow);
    CHECK(writer.seal(content_type::application_data, pt, std::span(o).first(pt.size() + writer.overhead - 1)).error() ==
          errc::buffer_too_small);
    kagi::tls12::aes128_gcm_record reader(key, iv);
    CHECK(reader.open(rec, out));  // the good record opens (refused seals do not count)
  }
  SUBCASE("overlapping buffers") {
    bytes buf(200);
    std::copy(rec.begin(), rec.end(), buf.begin());
    const std::span<std::uint8_t> b(buf);
    for (std::size_t at : {12u, 14u}) {
      kagi::tls12::aes128_gcm_record reader(key, iv);
      CHECK(reader.open(b.first(rec.size()), b.subspan(at, pt.size())).error() == errc::overlapping_buffers);
    }
    CHECK(writer.seal(content_type::alert, b.subspan(0, 10), b.subspan(5, 10 + writer.overhead)).error() ==
          errc::overlapping_buffers);
  }
  SUBCASE("sequence numbers never wrap") {
    kagi::tls12::aes128_gcm_record w(key, iv), r(key, iv);
    w.set_sequence_number(~0ull - 1);
    r.set_sequence_number(~0ull - 1);
    for (int i = 0; i < 2; ++i) {
      REQUIRE(w.seal(content_type::application_data, pt, rec));
      CHECK(r.open(rec, out));
    }
    CHECK(!w.can_continue());
    CHECK(!r.can_continue());
    CHECK(w.sequence_number() == ~0ull);
    CHECK(w.seal(content_type::application_data, pt, rec).error() == errc::sequence_number_exhausted);
    CHECK(r.open(rec, out).error() == errc::sequence_number_exhausted);
  }
}

TEST_CASE("TLS 1.2 record: a failed open closes the object for good (RFC 5246 7.2.2)") {
  kagi_test::test_rng rng(47);
  const auto key = arr<16>(rng.bytes(16));
  const auto iv = arr<4>(rng.bytes(4));
  const bytes pt = rng.bytes(40);
  // Each way open() can fail, then the good records: refused, and nothing is sealed.
  const std::array<const char*, 5> failures{"bad tag", "bad length", "overflow", "short buffer", "wrong sequence"};
  for (const char* how : failures) {
    INFO(how);
    kagi::tls12::aes128_gcm_record writer(key, iv), reader(key, iv);
    bytes rec(pt.size() + writer.overhead), rec2(pt.size() + writer.overhead), out(pt.size());
    REQUIRE(writer.seal(content_type::application_data, pt, rec));
    REQUIRE(writer.seal(content_type::application_data, pt, rec2));
    const std::string h = how;
    if (h == "bad tag") {
      bytes bad = rec;
      bad.back() ^= 1;
      CHECK(reader.open(bad, out).error() == errc::bad_record_mac);
    } else if (h == "bad length") {
      CHECK(reader.open(std::span(rec).first(rec.size() - 1), out).error() == errc::bad_length);
    } else if (h == "overflow") {
      bytes big(5 + 20000);
      big[0] = 23;
      big[1] = big[2] = 3;
      kagi::store_be16(big.data() + 3, 20000);
      bytes o(20000);
      CHECK(reader.open(big, o).error() == errc::record_overflow);
    } else if (h == "short buffer") {
      CHECK(reader.open(rec, std::span(out).first(pt.size() - 1)).error() == errc::buffer_too_small);
    } else {
      CHECK(reader.open(rec2, out).error() == errc::bad_record_mac);  // record 1 where 0 is due
    }
    CHECK(!reader.can_continue());
    CHECK(reader.open(rec, out).error() == errc::tls_closed);
    CHECK(reader.open(rec2, out).error() == errc::tls_closed);
    reader.set_sequence_number(0);  // does not reopen it
    CHECK(reader.open(rec, out).error() == errc::tls_closed);
    bytes sealed(pt.size() + writer.overhead);
    CHECK(reader.seal(content_type::application_data, pt, sealed).error() == errc::tls_closed);
  }
  // A reader that never failed goes on.
  kagi::tls12::aes128_gcm_record writer(key, iv), reader(key, iv);
  for (int i = 0; i < 3; ++i) {
    bytes rec(pt.size() + writer.overhead), out(pt.size());
    REQUIRE(writer.seal(content_type::application_data, pt, rec));
    CHECK(reader.open(rec, out));
    CHECK(reader.can_continue());
  }
}

TEST_CASE("TLS 1.2 record from_key: run-time key and IV lengths are checked") {
  kagi_test::test_rng rng(31);
  const bytes key = rng.bytes(32), iv = rng.bytes(8), pt = rng.bytes(50);
  const kagi::bytes_view k(key), v(iv);
  CHECK(kagi::tls12::aes128_gcm_record::from_key(k.first(15), v.first(4)).error() == errc::bad_length);
  CHECK(kagi::tls12::aes128_gcm_record::from_key(k.first(17), v.first(4)).error() == errc::bad_length);
  CHECK(kagi::tls12::aes128_gcm_record::from_key(k.first(32), v.first(4)).error() == errc::bad_length);
  CHECK(kagi::tls12::aes256_gcm_record::from_key(k.first(16), v.first(4)).error() == errc::bad_length);
  CHECK(kagi::tls12::aes128_gcm_record::from_key(k.first(16), v.first(3)).error() == errc::bad_length);
  CHECK(kagi::tls12::aes128_gcm_record::from_key(k.first(16), v.first(0)).error() == errc::bad_length);
  CHECK(kagi::tls12::aes256_gcm_record::from_key(k, v).error() == errc::bad_length);
  // The right lengths protect like the fixed-size constructor, offset included.
  auto w = kagi::tls12::aes256_gcm_record::from_key(k, v.first(4), 77);
  REQUIRE(w);
  kagi::tls12::aes256_gcm_record fixed(arr<32>(key), arr<4>(bytes(iv.begin(), iv.begin() + 4)), 77);
  bytes a(pt.size() + w->overhead), b(pt.size() + w->overhead);
  REQUIRE(w->seal(content_type::application_data, pt, a));
  REQUIRE(fixed.seal(content_type::application_data, pt, b));
  CHECK(a == b);
}
