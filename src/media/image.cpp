#include "media/image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.h"

namespace fs = std::filesystem;

namespace tw::media {
namespace {

using Bytes = std::vector<unsigned char>;

enum class Format { unknown, jpeg, png, bmp, webp, tiff, pnm, gif };

const char* format_name(Format f) {
  switch (f) {
    case Format::jpeg:
      return "JPEG";
    case Format::png:
      return "PNG";
    case Format::bmp:
      return "BMP";
    case Format::webp:
      return "WebP";
    case Format::tiff:
      return "TIFF";
    case Format::pnm:
      return "PNM";
    case Format::gif:
      return "GIF";
    case Format::unknown:
      break;
  }
  return "unknown";
}

// What the header says, read without decoding any pixel.  `complete` is false
// when the file visibly breaks off before its end marker.
struct HeaderFacts {
  std::uint64_t width = 0, height = 0;
  bool complete = true;
  bool damaged = false;  // structure broken mid-file (JPEG)
};

[[noreturn]] void fail(const fs::path& path, const std::string& reason) {
  throw InputError(path.string(), reason);
}

std::uint32_t be16(const Bytes& b, size_t i) {
  return (std::uint32_t(b[i]) << 8) | b[i + 1];
}
std::uint32_t be32(const Bytes& b, size_t i) {
  return (be16(b, i) << 16) | be16(b, i + 2);
}
std::uint32_t le16(const Bytes& b, size_t i) {
  return (std::uint32_t(b[i + 1]) << 8) | b[i];
}
std::uint32_t le32(const Bytes& b, size_t i) {
  return (le16(b, i + 2) << 16) | le16(b, i);
}

bool starts_with(const Bytes& b, std::string_view magic) {
  return b.size() >= magic.size() &&
         std::equal(magic.begin(), magic.end(), b.begin(),
                    [](char m, unsigned char c) { return static_cast<unsigned char>(m) == c; });
}

Format sniff(const Bytes& b) {
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return Format::jpeg;
  if (starts_with(b, "\x89PNG\r\n\x1a\n")) return Format::png;
  if (starts_with(b, "BM")) return Format::bmp;
  if (starts_with(b, "RIFF") && b.size() >= 12 && std::memcmp(&b[8], "WEBP", 4) == 0)
    return Format::webp;
  if (starts_with(b, std::string_view("II*\0", 4)) || starts_with(b, std::string_view("MM\0*", 4)))
    return Format::tiff;
  if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') return Format::pnm;
  if (starts_with(b, "GIF8")) return Format::gif;
  return Format::unknown;
}

bool is_jpeg_sof(unsigned marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// Walks the JPEG marker segments (skipping entropy-coded data after each SOS)
// to find the frame size and the EOI marker.  libjpeg pads a truncated file
// with grey and only warns, so a missing EOI is how we see truncation.  Like
// libjpeg, stray bytes where a marker belongs are skipped; more than a few
// mean the data is damaged.
std::optional<HeaderFacts> parse_jpeg(const Bytes& b) {
  constexpr size_t kTolerableStrayBytes = 16;
  HeaderFacts facts;
  facts.complete = false;
  bool have_size = false;
  bool seen_scan = false;
  size_t stray = 0;
  size_t i = 2;
  while (i < b.size()) {
    if (b[i] != 0xFF) {
      ++stray;
      ++i;
      continue;
    }
    while (i < b.size() && b[i] == 0xFF) ++i;  // fill bytes
    if (i >= b.size()) break;
    unsigned marker = b[i++];
    if (marker == 0x00) {
      ++stray;
      continue;
    }
    if (marker == 0xD9) {  // EOI
      facts.complete = true;
      break;
    }
    if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 || marker == 0xD8) continue;
    if (i + 2 > b.size()) break;
    size_t length = be16(b, i);
    if (length < 2) {
      facts.damaged = true;
      break;
    }
    if (is_jpeg_sof(marker) && !have_size && i + 7 <= b.size()) {
      facts.height = be16(b, i + 3);
      facts.width = be16(b, i + 5);
      have_size = true;
    }
    // Past the first scan only small tables and scan headers follow, so a
    // segment running off the end there is damage rather than a cut.
    if (seen_scan && i + length > b.size()) {
      facts.damaged = true;
      break;
    }
    i += length;
    if (marker == 0xDA) {
      seen_scan = true;  // SOS: skip entropy-coded data up to the next real marker
      while (i + 1 < b.size()) {
        unsigned next = b[i + 1];
        if (b[i] == 0xFF && next != 0x00 && !(next >= 0xD0 && next <= 0xD7) && next != 0xFF)
          break;  // a marker: back to segment parsing
        ++i;
      }
      if (i + 1 >= b.size()) i = b.size();
    }
  }
  facts.damaged = facts.damaged || stray > kTolerableStrayBytes;
  if (!have_size) return std::nullopt;
  return facts;
}

// PNG: IHDR first, then chunks by length up to IEND.
std::optional<HeaderFacts> parse_png(const Bytes& b) {
  if (b.size() < 33 || std::memcmp(&b[12], "IHDR", 4) != 0) return std::nullopt;
  HeaderFacts facts;
  facts.width = be32(b, 16);
  facts.height = be32(b, 20);
  facts.complete = false;
  size_t i = 8;
  while (i + 12 <= b.size()) {
    std::uint64_t length = be32(b, i);
    if (std::memcmp(&b[i + 4], "IEND", 4) == 0) {
      facts.complete = true;
      break;
    }
    i += 12 + length;  // length, type, data, CRC
  }
  return facts;
}

std::optional<HeaderFacts> parse_bmp(const Bytes& b) {
  if (b.size() < 26) return std::nullopt;
  HeaderFacts facts;
  std::uint32_t dib_size = le32(b, 14);
  if (dib_size == 12) {  // OS/2 BITMAPCOREHEADER
    facts.width = le16(b, 18);
    facts.height = le16(b, 20);
  } else {
    auto w = static_cast<std::int32_t>(le32(b, 18));
    auto h = static_cast<std::int32_t>(le32(b, 22));  // negative: top-down
    facts.width = static_cast<std::uint64_t>(w < 0 ? -std::int64_t(w) : w);
    facts.height = static_cast<std::uint64_t>(h < 0 ? -std::int64_t(h) : h);
  }
  return facts;
}

std::optional<HeaderFacts> parse_webp(const Bytes& b) {
  if (b.size() < 30) return std::nullopt;
  HeaderFacts facts;
  if (std::memcmp(&b[12], "VP8 ", 4) == 0) {
    if (b[23] != 0x9D || b[24] != 0x01 || b[25] != 0x2A) return std::nullopt;
    facts.width = le16(b, 26) & 0x3FFF;
    facts.height = le16(b, 28) & 0x3FFF;
  } else if (std::memcmp(&b[12], "VP8L", 4) == 0) {
    if (b[20] != 0x2F) return std::nullopt;
    std::uint32_t bits = le32(b, 21);
    facts.width = (bits & 0x3FFF) + 1;
    facts.height = ((bits >> 14) & 0x3FFF) + 1;
  } else if (std::memcmp(&b[12], "VP8X", 4) == 0) {
    facts.width = (b[24] | (b[25] << 8) | (b[26] << 16)) + 1u;
    facts.height = (b[27] | (b[28] << 8) | (b[29] << 16)) + 1u;
  } else {
    return std::nullopt;
  }
  facts.complete = b.size() >= 8 + std::uint64_t(le32(b, 4));
  return facts;
}

// TIFF: ImageWidth (256) and ImageLength (257) of the first IFD, which is the
// page OpenCV reads.
std::optional<HeaderFacts> parse_tiff(const Bytes& b) {
  if (b.size() < 8) return std::nullopt;
  bool little = b[0] == 'I';
  auto u16 = [&](size_t i) { return little ? le16(b, i) : be16(b, i); };
  auto u32 = [&](size_t i) { return little ? le32(b, i) : be32(b, i); };
  size_t ifd = u32(4);
  if (ifd + 2 > b.size()) return std::nullopt;
  size_t count = u16(ifd);
  HeaderFacts facts;
  for (size_t e = 0; e < count; ++e) {
    size_t at = ifd + 2 + e * 12;
    if (at + 12 > b.size()) return std::nullopt;
    unsigned tag = u16(at), type = u16(at + 2);
    std::uint64_t value = type == 3 ? u16(at + 8) : u32(at + 8);
    if (tag == 256) facts.width = value;
    if (tag == 257) facts.height = value;
  }
  if (facts.width == 0 || facts.height == 0) return std::nullopt;
  return facts;
}

// PNM: "P<n>" then width and height as ASCII, with '#' comments allowed.
std::optional<HeaderFacts> parse_pnm(const Bytes& b) {
  size_t i = 2;
  std::array<std::uint64_t, 2> numbers{};
  for (auto& number : numbers) {
    while (i < b.size() && (std::isspace(b[i]) || b[i] == '#')) {
      if (b[i] == '#')
        while (i < b.size() && b[i] != '\n') ++i;
      else
        ++i;
    }
    if (i >= b.size() || !std::isdigit(b[i])) return std::nullopt;
    while (i < b.size() && std::isdigit(b[i]) && number < (1ull << 40))
      number = number * 10 + (b[i++] - '0');
  }
  return HeaderFacts{numbers[0], numbers[1], true};
}

std::optional<HeaderFacts> parse_header(Format format, const Bytes& b) {
  switch (format) {
    case Format::jpeg:
      return parse_jpeg(b);
    case Format::png:
      return parse_png(b);
    case Format::bmp:
      return parse_bmp(b);
    case Format::webp:
      return parse_webp(b);
    case Format::tiff:
      return parse_tiff(b);
    case Format::pnm:
      return parse_pnm(b);
    default:
      return std::nullopt;
  }
}

// Reads the whole file (its size already checked against the limit), turning
// each failure into a reason a user understands.
Bytes read_file(const fs::path& path, std::uint64_t expected_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == EACCES || err == EPERM) fail(path, "cannot read the file (permission denied)");
    fail(path, std::string("cannot open the file (") + std::strerror(err) + ")");
  }
  Bytes bytes(expected_size);
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      fail(path, std::string("cannot read the file (") + std::strerror(err) + ")");
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(got);
  return bytes;
}

std::string megapixels(double pixels) {
  char text[48];
  std::snprintf(text, sizeof text, "%.1f MP", pixels / 1e6);
  return text;
}

}  // namespace

cv::Mat load_image(const fs::path& path, const ImageLimits& limits) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    if (ec == std::errc::permission_denied) fail(path, "cannot read the file (permission denied)");
    fail(path, "cannot access the path (" + ec.message() + ")");
  }
  if (!fs::exists(status)) fail(path, "does not exist");
  if (fs::is_directory(status)) fail(path, "is a directory, not an image file");
  if (!fs::is_regular_file(status)) fail(path, "is not a regular file");
  std::uint64_t size = fs::file_size(path, ec);
  if (ec) fail(path, "cannot read the file size (" + ec.message() + ")");
  if (size == 0) fail(path, "is an empty file (0 bytes)");
  if (size > limits.max_bytes)
    fail(path, "file is too large (" + std::to_string(size >> 20) + " MiB; the limit is " +
                   std::to_string(limits.max_bytes >> 20) + " MiB)");

  Bytes bytes = read_file(path, size);
  if (bytes.empty()) fail(path, "is an empty file (0 bytes)");

  Format format = sniff(bytes);
  if (format == Format::unknown)
    fail(path, "not an image (unrecognised content; expected JPEG, PNG, BMP, WebP, TIFF or PNM)");
  if (format == Format::gif) fail(path, "GIF images are not supported (convert to PNG)");

  auto facts = parse_header(format, bytes);
  if (!facts)
    fail(path,
         std::string("truncated or corrupt ") + format_name(format) + " image (header unreadable)");
  if (facts->width == 0 || facts->height == 0)
    fail(path, std::string("corrupt ") + format_name(format) + " image (zero width or height)");
  // By division: a PNM header's width x height can pass 2^64 and wrap.
  if (facts->width > limits.max_pixels / facts->height)
    fail(path, "too many pixels (" + std::to_string(facts->width) + "x" +
                   std::to_string(facts->height) + " = " +
                   megapixels(double(facts->width) * double(facts->height)) + "; the limit is " +
                   megapixels(double(limits.max_pixels)) + ")");
  if (facts->damaged)
    fail(path, std::string("corrupt ") + format_name(format) + " image (damaged data)");
  if (!facts->complete)
    fail(path, std::string("truncated ") + format_name(format) + " image (the file ends early)");

  cv::Mat image;
  try {
    // IMREAD_COLOR: 8-bit BGR whatever the source depth or channels, with the
    // EXIF orientation applied.
    image = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    fail(path, std::string("corrupt ") + format_name(format) + " image (" + e.err + ")");
  }
  if (image.empty())
    fail(path, std::string("corrupt ") + format_name(format) + " image (the decoder failed)");
  if (image.type() != CV_8UC3) {
    cv::Mat converted;
    image.convertTo(converted, CV_8U);
    if (converted.channels() == 1) cv::cvtColor(converted, converted, cv::COLOR_GRAY2BGR);
    if (converted.channels() == 4) cv::cvtColor(converted, converted, cv::COLOR_BGRA2BGR);
    image = converted;
  }
  return image;
}

bool looks_like_image_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 11> kExtensions{
      ".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pbm", ".pgm", ".ppm", ".pnm"};
  return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

}  // namespace tw::media
