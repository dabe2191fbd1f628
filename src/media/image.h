#pragma once
// Reading photos: upright (EXIF orientation applied), 8-bit BGR, with limits
// checked before decoding so a huge or hostile file cannot exhaust memory.
#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>

namespace tw::media {

struct ImageLimits {
  std::uint64_t max_pixels = 64ull * 1000 * 1000;  // 64 MP
  std::uint64_t max_bytes = 256ull << 20;          // file size
};

// Throws InputError("<path>", reason) for: missing path, a directory, a 0-byte
// file, not an image (e.g. text named .jpg), truncated/corrupt data, too many
// pixels.  Grey and 16-bit images come back as 8-bit BGR.
cv::Mat load_image(const std::filesystem::path& path, const ImageLimits& limits = {});

// Image file extensions we accept when a folder is given (lower case, dot).
bool looks_like_image_file(const std::filesystem::path& path);

}  // namespace tw::media
