// Test-vector files: locating them, and parsers for the formats in
// tests/vectors (NIST .rsp, "name = value" blocks, Wycheproof JSON).
// A missing or unreadable file fails the calling test with the file's name.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kagi_test {

using bytes = std::vector<std::uint8_t>;

// The directory that holds the vector files (KAGI_VECTOR_DIR in the
// environment overrides the one CMake compiled in).
std::string vector_dir();
// The whole file (relative to vector_dir()); fails the test if it cannot be read.
std::string read_vector_file(std::string_view relative_path);

// Hex to bytes; fails the test on bad hex.
bytes hex(std::string_view text);

// One record of a NIST CAVP .rsp file (or a "name = value" block file).
struct record {
  std::map<std::string, std::string> section;  // [name = value] headers in force; bare [NAME] under "@"
  std::vector<std::pair<std::string, std::string>> fields;  // in order; a bare word (FAIL) has an empty value
  std::size_t line = 0;                                     // where the record starts

  bool has(std::string_view name) const;
  // The first field with this name; fails the test when absent.
  const std::string& get(std::string_view name) const;
  bytes get_hex(std::string_view name) const;
  // Every field with this name, in order (e.g. HMAC_DRBG's two AdditionalInput lines).
  std::vector<std::string> all(std::string_view name) const;
  // A section header's value; fails the test when absent.
  const std::string& header(std::string_view name) const;
  std::string where() const;  // "file:line" for messages
  std::string file;
};

// Parses .rsp-style text: '#' comments, [headers], records separated by blank
// lines. A header line that follows a record starts a new header group.
std::vector<record> parse_records(std::string_view relative_path);

// Wycheproof and other JSON files.
nlohmann::json read_json(std::string_view relative_path);

}  // namespace kagi_test
