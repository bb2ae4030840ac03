// x509/verify.hpp against OpenSSL: certificate chains made at run time by
// the openssl command (tests/x509/make_chains.sh: throwaway RSA and P-256
// roots, intermediates and leaves with every kind of defect), each verified
// by kagi's chain_verifier and by
//   openssl verify -x509_strict -purpose sslserver -verify_depth 6
//     -verify_hostname NAME (or -verify_ip IP) -attime T -CAfile anchors -untrusted others leaf
// The verdicts must agree; where both refuse and OpenSSL's error code has a
// kagi counterpart, the reasons must agree too. The cases where kagi refuses
// on purpose what OpenSSL accepts (partial wildcards, the CN fallback,
// SHA-1, PSS with a 20-byte salt, P-384 keys, keyUsage for RSA key
// transport) or accepts what strict OpenSSL refuses (an intermediate or a v1
// root as the anchor) are marked in the script and checked against kagi's
// own expected code.
#include <doctest/doctest.h>

#include <kagi/encoding/pem.hpp>
#include <kagi/x509/store.hpp>
#include <kagi/x509/verify.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "x509/openssl_ecdsa.hpp"

#if KAGI_HAVE_OPENSSL

namespace fs = std::filesystem;
using kagi::bytes_view;
using kagi::errc;
namespace x509 = kagi::x509;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  for (auto& w : split(s, ' '))
    if (!w.empty()) out.push_back(w);
  return out;
}

std::vector<std::uint8_t> der_of(const fs::path& pem_file) {
  const std::string text = read_text(pem_file);
  std::vector<std::uint8_t> der(text.size());
  auto n = kagi::pem::decode(text, "CERTIFICATE", der);
  REQUIRE_MESSAGE(n, pem_file.string() << ": " << n.message());
  der.resize(*n);
  return der;
}

// A temporary directory, removed at the end (KAGI_X509_KEEP=1 keeps it).
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "kagi_x509_XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    if (std::getenv("KAGI_X509_KEEP") != nullptr) {
      std::printf("kept %s\n", path.c_str());
      return;
    }
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// OpenSSL's X509_V_ERR_* codes and the kagi codes that say the same thing.
std::set<errc> kagi_codes_for(int openssl_error) {
  switch (openssl_error) {
    case 2: case 18: case 19: case 20: case 21: return {errc::x509_unknown_issuer};
    case 4: case 7: return {errc::x509_bad_signature};
    case 9: return {errc::x509_not_yet_valid};
    case 10: return {errc::x509_expired};
    case 22: case 25: return {errc::x509_path_too_long};
    case 79: return {errc::x509_not_a_ca, errc::x509_bad_key_usage};  // strict: an issuer without cA or keyCertSign
    case 26: case 32: case 39: case 82: return {errc::x509_bad_key_usage};
    case 34: return {errc::x509_unknown_critical_extension};
    case 47: case 48: case 51: return {errc::x509_name_constraint_violated};
    case 62: case 64: return {errc::x509_name_mismatch};
    case 6: case 76: return {errc::x509_unsupported_algorithm};
    default: return {};
  }
}

struct openssl_verdict {
  bool ok = false;
  int error = -1;
  int depth = -1;
  std::string text;
};

openssl_verdict run_openssl(const fs::path& dir, const std::string& leaf, const std::string& anchors,
                            const std::string& untrusted, const std::string& host, const std::string& attime) {
  const bool ip = x509::parse_ip_address(host).has_value();
  std::string cmd = "cd '" + dir.string() + "' && openssl verify -x509_strict -purpose sslserver -verify_depth 6 " +
                    (ip ? "-verify_ip " : "-verify_hostname ") + host + " -attime " + attime + " -CAfile " + anchors +
                    (untrusted.empty() ? "" : " -untrusted " + untrusted) + " " + leaf + " > openssl.out 2>&1";
  const int rc = std::system(cmd.c_str());
  openssl_verdict v;
  v.text = read_text(dir / "openssl.out");
  v.ok = rc == 0 && v.text.find(": OK") != std::string::npos;
  const auto at = v.text.find("error ");
  if (at != std::string::npos) (void)std::sscanf(v.text.c_str() + at, "error %d at %d depth", &v.error, &v.depth);
  return v;
}

errc errc_named(const std::string& name) {
  static const std::map<std::string, errc> names = {
      {"ok", errc::ok},
      {"x509_name_mismatch", errc::x509_name_mismatch},
      {"x509_bad_key_usage", errc::x509_bad_key_usage},
      {"x509_unsupported_algorithm", errc::x509_unsupported_algorithm},
  };
  const auto it = names.find(name);
  REQUIRE_MESSAGE(it != names.end(), "unknown errc name in cases.txt: " << name);
  return it->second;
}

}  // namespace

TEST_CASE("chains made by openssl: kagi and openssl verify agree, and refuse for the same reasons") {
  temp_dir tmp;
  const std::string script = std::string(KAGI_X509_TEST_DIR) + "/make_chains.sh";
  const std::string make = "sh '" + script + "' '" + tmp.path.string() + "'";
  REQUIRE_MESSAGE(std::system(make.c_str()) == 0, "make_chains.sh failed");
  const std::string manifest = read_text(tmp.path / "cases.txt");
  REQUIRE_FALSE(manifest.empty());
  if (!x509::have_p256_verify)
    MESSAGE("ec/p256.hpp has no p256::verify_digest yet: ECDSA links are checked with OpenSSL's ECDSA");

  const x509::verify_options options = kagi_test::x509_test_options();
  std::size_t cases = 0, accepted = 0, refused = 0, reasons_compared = 0, deliberate = 0;
  std::string notes;
  for (const std::string& line : split(manifest, '\n')) {
    if (line.empty()) continue;
    const auto f = split(line, '|');
    REQUIRE(f.size() == 8);
    const std::string& name = f[0];
    const auto chain_files = words(f[1]), anchor_files = words(f[2]), pool_files = words(f[3]);
    const std::string& host = f[4];
    const std::int64_t at = std::stoll(f[5]);
    const x509::key_usage_needed usage = f[6] == "ds"   ? x509::key_usage_needed::digital_signature
                                         : f[6] == "ke" ? x509::key_usage_needed::key_encipherment
                                                        : x509::key_usage_needed::any;
    const std::string& expect = f[7];
    CAPTURE(name);
    ++cases;

    // kagi
    x509::trust_store anchors, pool;
    for (const auto& a : anchor_files) {
      auto r = anchors.load_file(tmp.path / a);
      REQUIRE(r);
      REQUIRE(r->failed == 0);
    }
    for (const auto& p : pool_files) REQUIRE(pool.load_file(tmp.path / p));
    std::vector<std::vector<std::uint8_t>> ders;
    for (const auto& c : chain_files) ders.push_back(der_of(tmp.path / c));
    std::vector<bytes_view> chain(ders.begin(), ders.end());
    const x509::chain_verifier verifier(anchors, pool, options);
    x509::verify_report report;
    const kagi::status got = verifier.verify(chain, host, at, usage, &report);

    // openssl
    std::string untrusted;
    {
      std::string all;
      for (std::size_t i = 1; i < chain_files.size(); ++i) all += read_text(tmp.path / chain_files[i]);
      for (const auto& p : pool_files) all += read_text(tmp.path / p);
      if (!all.empty()) {
        std::ofstream(tmp.path / "untrusted.pem") << all;
        untrusted = "untrusted.pem";
      }
      std::string roots;
      for (const auto& a : anchor_files) roots += read_text(tmp.path / a);
      std::ofstream(tmp.path / "anchors.pem") << roots;
    }
    const openssl_verdict ossl = run_openssl(tmp.path, chain_files[0], "anchors.pem", untrusted, host, f[5]);
    CAPTURE(ossl.text);
    CAPTURE(got.message());
    CAPTURE(report.depth);

    if (expect == "agree") {
      CHECK(static_cast<bool>(got) == ossl.ok);
      if (!got && !ossl.ok) {
        const auto mapped = kagi_codes_for(ossl.error);
        if (!mapped.empty()) {
          ++reasons_compared;
          CHECK_MESSAGE(mapped.count(got.error()) == 1,
                        "kagi: " << got.message() << "; openssl error " << ossl.error);
          // Where in the chain: the same certificate, except for times, where
          // several certificates made at once are all out of date and kagi
          // names the first it met on its way up, OpenSSL the first on its
          // way down.
          const bool time = got.error() == errc::x509_expired || got.error() == errc::x509_not_yet_valid;
          if (!time) CHECK(static_cast<int>(report.depth) == ossl.depth);
        }
      }
    } else {
      REQUIRE(expect.rfind("kagi=", 0) == 0);
      ++deliberate;
      const errc want = errc_named(expect.substr(5));
      CHECK(got.error() == want);
      std::string o = ossl.ok ? "accepts" : "refuses (error " + std::to_string(ossl.error) + ")";
      notes += "  " + name + ": kagi " + (got ? "accepts" : "refuses (" + std::string(got.message()) + ")") +
               " on purpose; openssl " + o + "\n";
    }
    (got ? accepted : refused) += 1;
  }
  MESSAGE(cases << " cases: kagi accepted " << accepted << ", refused " << refused << "; reasons compared with OpenSSL's in "
                << reasons_compared << "; " << deliberate << " deliberate differences:\n"
                << notes);
  CHECK(cases >= 60);
  CHECK(reasons_compared >= 25);
}

#else
TEST_CASE("chains made by openssl (skipped: built without OpenSSL)") {}
#endif
