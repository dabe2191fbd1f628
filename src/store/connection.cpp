#include "store/connection.h"

#include <charconv>
#include <cmath>

#include "store/store.h"

namespace tw::store {

const SqlValue& Row::cell(int column) const {
  if (column < 0 || static_cast<size_t>(column) >= cells_.size()) {
    throw StoreError("no column " + std::to_string(column) + " in a result row");
  }
  return cells_[static_cast<size_t>(column)];
}

bool Row::is_null(int column) const {
  return std::holds_alternative<std::nullptr_t>(cell(column));
}

std::string Row::text(int column) const {
  const SqlValue& v = cell(column);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, end);
  }
  return {};
}

std::int64_t Row::integer(int column) const {
  const SqlValue& v = cell(column);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* s = std::get_if<std::string>(&v)) {
    std::int64_t i = 0;
    std::from_chars(s->data(), s->data() + s->size(), i);
    return i;
  }
  if (const auto* d = std::get_if<double>(&v)) return std::llround(*d);
  return 0;
}

double Row::real(int column) const {
  const SqlValue& v = cell(column);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* s = std::get_if<std::string>(&v)) {
    double d = 0;  // from_chars: the C locale whatever the process's locale
    std::from_chars(s->data(), s->data() + s->size(), d);
    return d;
  }
  return 0.0;
}

std::optional<std::int64_t> Row::optional_integer(int column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

std::optional<double> Row::optional_real(int column) const {
  if (is_null(column)) return std::nullopt;
  return real(column);
}

}  // namespace tw::store
