#pragma once
// The command line of a benchmark program: only the options it declares.
// --help prints the usage and exits 0; an unknown option, a missing value or
// a number out of range prints what is wrong and the usage, and exits 2 (a
// typo must not silently run the default benchmark).
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tw::bench {

struct BenchOption {
  std::string flag;        // "--clips"
  std::string value_name;  // "N"; empty: a switch without a value
  std::string help;
};

class BenchOptions {
 public:
  BenchOptions(std::string program, std::string summary, std::vector<BenchOption> options)
      : program_(std::move(program)), summary_(std::move(summary)), options_(std::move(options)) {}

  void parse(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        std::cout << usage();
        std::exit(0);
      }
      const BenchOption* option = find(arg);
      if (!option) refuse(arg + ": unknown option");
      if (option->value_name.empty()) {
        values_[arg] = "";
      } else {
        if (i + 1 >= argc) refuse(arg + ": needs a value (" + option->value_name + ")");
        values_[arg] = argv[++i];
      }
    }
  }

  bool has(const std::string& flag) const { return values_.count(flag) > 0; }

  std::string text(const std::string& flag, const std::string& fallback) const {
    auto it = values_.find(flag);
    return it == values_.end() ? fallback : it->second;
  }

  // The option's whole-number value, at least `min`; `fallback` when absent.
  int integer(const std::string& flag, int fallback, int min) const {
    auto it = values_.find(flag);
    if (it == values_.end()) return fallback;
    char* end = nullptr;
    const long value = std::strtol(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0' || value < min || value > 1000000)
      refuse(flag + " " + it->second + ": must be a whole number of at least " +
             std::to_string(min));
    return static_cast<int>(value);
  }

  std::string usage() const {
    std::string out = "usage: " + program_;
    for (const auto& o : options_)
      out += " [" + o.flag + (o.value_name.empty() ? "" : " " + o.value_name) + "]";
    out += "\n" + summary_ + "\n";
    for (const auto& o : options_) {
      std::string left = "  " + o.flag + (o.value_name.empty() ? "" : " " + o.value_name);
      left.resize(std::max<std::size_t>(left.size() + 2, 24), ' ');
      out += left + o.help + "\n";
    }
    return out;
  }

 private:
  const BenchOption* find(const std::string& flag) const {
    for (const auto& o : options_)
      if (o.flag == flag) return &o;
    return nullptr;
  }

  [[noreturn]] void refuse(const std::string& why) const {
    std::cerr << program_ << ": " << why << "\n" << usage();
    std::exit(2);
  }

  std::string program_;
  std::string summary_;
  std::vector<BenchOption> options_;
  std::map<std::string, std::string> values_;
};

}  // namespace tw::bench
