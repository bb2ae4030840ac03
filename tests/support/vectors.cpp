#include "vectors.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <kagi/core/bytes.hpp>
#include <sstream>

namespace kagi_test {

std::string vector_dir() {
  if (const char* env = std::getenv("KAGI_VECTOR_DIR"); env != nullptr && *env != '\0') return env;
  return KAGI_VECTOR_DIR;
}

std::string read_vector_file(std::string_view relative_path) {
  const std::string path = vector_dir() + "/" + std::string(relative_path);
  std::ifstream in(path, std::ios::binary);
  INFO("vector file: " << path);
  REQUIRE_MESSAGE(in.good(), "cannot open test-vector file " << path);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  REQUIRE_MESSAGE(!text.empty(), "test-vector file is empty: " << path);
  return text;
}

bytes hex(std::string_view text) {
  auto r = kagi::from_hex(text);
  REQUIRE_MESSAGE(r.has_value(), "bad hex in test data: '" << std::string(text.substr(0, 80)) << "'");
  return std::move(r).value();
}

bool record::has(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return true;
  return false;
}

const std::string& record::get(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  FAIL("field '" << std::string(name) << "' missing in record at " << where());
  static const std::string none;
  return none;
}

bytes record::get_hex(std::string_view name) const { return hex(get(name)); }

std::vector<std::string> record::all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : fields)
    if (k == name) out.push_back(v);
  return out;
}

const std::string& record::header(std::string_view name) const {
  auto it = section.find(std::string(name));
  if (it == section.end()) FAIL("section header '" << std::string(name) << "' missing for record at " << where());
  return it->second;
}

std::string record::where() const { return file + ":" + std::to_string(line); }

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::vector<record> parse_records(std::string_view relative_path) {
  const std::string text = read_vector_file(relative_path);
  std::vector<record> out;
  std::map<std::string, std::string> section;
  bool headers_closed = false;  // a record was read since the last header line
  record cur;
  auto flush = [&] {
    if (!cur.fields.empty()) {
      cur.section = section;
      cur.file = std::string(relative_path);
      out.push_back(std::move(cur));
      headers_closed = true;
    }
    cur = record{};
  };
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    line = trim(line);
    if (line.empty()) {
      flush();
      continue;
    }
    if (line.front() == '#') continue;
    if (line.front() == '[' && line.back() == ']') {
      flush();
      if (headers_closed) {
        section.clear();
        headers_closed = false;
      }
      std::string_view h = line.substr(1, line.size() - 2);
      if (auto eq = h.find('='); eq != std::string_view::npos) {
        section[std::string(trim(h.substr(0, eq)))] = std::string(trim(h.substr(eq + 1)));
      } else {
        section["@"] = std::string(trim(h));
      }
      continue;
    }
    if (cur.fields.empty()) cur.line = line_no;
    if (auto eq = line.find('='); eq != std::string_view::npos) {
      cur.fields.emplace_back(std::string(trim(line.substr(0, eq))), std::string(trim(line.substr(eq + 1))));
    } else {
      cur.fields.emplace_back(std::string(line), std::string());
    }
  }
  flush();
  REQUIRE_MESSAGE(!out.empty(), "no records in test-vector file " << std::string(relative_path));
  return out;
}

nlohmann::json read_json(std::string_view relative_path) {
  const std::string text = read_vector_file(relative_path);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  REQUIRE_MESSAGE(!j.is_discarded(), "test-vector file is not valid JSON: " << std::string(relative_path));
  return j;
}

}  // namespace kagi_test
