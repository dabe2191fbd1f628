#include "sources/json_fields.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace tw::sources {

using nlohmann::json;

namespace {

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

// nlohmann's DOM builder, except that an integer literal too large for 64
// bits becomes a string of its digits rather than a double.
class ExactSax {
 public:
  explicit ExactSax(json& root) : dom_(root, false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool value) { return dom_.boolean(value); }
  bool number_integer(json::number_integer_t value) { return dom_.number_integer(value); }
  bool number_unsigned(json::number_unsigned_t value) { return dom_.number_unsigned(value); }
  bool number_float(json::number_float_t value, const std::string& literal) {
    if (literal.find_first_of(".eE") == std::string::npos) {
      std::string digits = literal;
      return dom_.string(digits);
    }
    return dom_.number_float(value, literal);
  }
  bool string(std::string& value) { return dom_.string(value); }
  bool binary(json::binary_t& value) { return dom_.binary(value); }
  bool start_object(std::size_t size) { return dom_.start_object(size); }
  bool key(std::string& value) { return dom_.key(value); }
  bool end_object() { return dom_.end_object(); }
  bool start_array(std::size_t size) { return dom_.start_array(size); }
  bool end_array() { return dom_.end_array(); }
  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& ex) {
    error_ = ex.what();
    return dom_.parse_error(0, std::string(), ex);
  }
  const std::string& error() const { return error_; }

 private:
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::string error_;
};

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax
// error ..." -> "line 1, column 5: syntax error ...".
std::string plain_parse_error(const std::string& what) {
  const std::string marker = "parse error at ";
  size_t at = what.find(marker);
  return at == std::string::npos ? what : what.substr(at + marker.size());
}

}  // namespace

json parse_json_exact(std::string_view text, std::string* error) {
  json root;
  ExactSax sax(root);
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const json::exception& e) {  // e.g. excessive sizes
    if (error) *error = e.what();
    return json(json::value_t::discarded);
  }
  if (!ok) {
    if (error) *error = plain_parse_error(sax.error());
    return json(json::value_t::discarded);
  }
  return root;
}

std::string text_of(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  if (it->is_number_unsigned()) return std::to_string(it->get<unsigned long long>());
  if (it->is_number_float()) return std::to_string(it->get<double>());
  return {};
}

std::string first_text(const json& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys)
    if (std::string value = text_of(object, key); !value.empty()) return value;
  return {};
}

std::optional<std::int64_t> count_of(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    auto value = it->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(value);
  }
  if (it->is_number_integer()) {
    auto value = it->get<std::int64_t>();
    return value >= 0 ? std::optional<std::int64_t>(value) : std::nullopt;
  }
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    if (!all_digits(text)) return std::nullopt;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::optional<double> number_of(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return value;
  }
  return std::nullopt;
}

std::optional<std::string> exact_id(const json& value, std::string* why) {
  auto fail = [&](const std::string& reason) -> std::optional<std::string> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (value.is_number_unsigned()) return std::to_string(value.get<std::uint64_t>());
  if (value.is_number_integer()) {
    auto number = value.get<std::int64_t>();
    if (number < 0) return fail("id " + std::to_string(number) + " is negative");
    return std::to_string(number);
  }
  if (value.is_number_float()) return fail("id " + value.dump() + " is not an integer");
  if (!value.is_string()) return fail(value.is_null() ? "no id" : "id is not a number");
  const std::string& text = value.get_ref<const std::string&>();
  if (text.empty()) return fail("no id");
  if (!all_digits(text)) return fail("id \"" + text.substr(0, 40) + "\" is not a decimal integer");
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end != text.data() + text.size())
    return fail("id " + text.substr(0, 40) + " does not fit in 64 bits");
  return std::to_string(number);  // without leading zeros, as a number would be
}

void add_hashtag(std::vector<std::string>& hashtags, std::string_view tag) {
  while (!tag.empty() && tag.front() == '#') tag.remove_prefix(1);
  while (!tag.empty() && std::isspace(static_cast<unsigned char>(tag.back()))) tag.remove_suffix(1);
  while (!tag.empty() && std::isspace(static_cast<unsigned char>(tag.front())))
    tag.remove_prefix(1);
  if (tag.empty()) return;
  auto lower = [](std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string key = lower(tag);
  for (const std::string& existing : hashtags)
    if (lower(existing) == key) return;
  hashtags.emplace_back(tag);
}

}  // namespace tw::sources
