#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace tw {

// Lower-case hex SHA-256 (OpenSSL).  sha256_file throws InputError when the
// file cannot be read.
std::string sha256_hex(std::string_view bytes);
std::string sha256_file(const std::filesystem::path& path);

}  // namespace tw
