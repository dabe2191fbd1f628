#include "sources/transfer.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>

#include "core/errors.h"
#include "sources/url_text.h"

namespace fs = std::filesystem;

namespace tw::sources {

namespace {

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string header_value(const std::string& line, size_t name_length) {
  std::string value = line.substr(name_length);
  size_t begin = value.find_first_not_of(" \t");
  size_t end = value.find_last_not_of(" \t\r\n");
  return begin == std::string::npos ? std::string() : value.substr(begin, end - begin + 1);
}

// Remembers Content-Length (to name it when the size limit refuses a file)
// and Retry-After (an API's rate limit).
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<TransferSink*>(user);
  const size_t length = size * count;
  std::string line(data, length);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect)
    sink->announced = -1;
    sink->retry_after.clear();
  }
  static const std::string content_length = "content-length:";
  static const std::string retry_after = "retry-after:";
  const std::string lower = ascii_lower(line.substr(0, std::min(line.size(), size_t{20})));
  if (lower.rfind(content_length, 0) == 0) {
    try {
      sink->announced = std::stoll(header_value(line, content_length.size()));
    } catch (const std::exception&) {
      sink->announced = -1;
    }
  } else if (lower.rfind(retry_after, 0) == 0) {
    sink->retry_after = header_value(line, retry_after.size()).substr(0, 64);
  }
  return length;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<TransferSink*>(user);
  const size_t length = size * count;
  if (sink->received + length > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // aborts the transfer
  }
  if (sink->memory) {
    sink->memory->append(data, length);
  } else {
    size_t written = 0;
    while (written < length) {
      ssize_t n = ::write(sink->fd, data + written, length - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        sink->write_error = n < 0 ? errno : ENOSPC;  // a write of 0 bytes is a full disk
        return 0;
      }
      written += static_cast<size_t>(n);
    }
  }
  sink->received += length;
  return length;
}

// Called by libcurl about once a second, and as data flows: non-zero aborts.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return cancelled(static_cast<const CancelFlag*>(user)) ? 1 : 0;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

std::string url_escape(const std::string& text) {
  init_curl();
  // libcurl ignores the handle since 7.82 (Debian 12 has 7.88).
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  if (!escaped) throw std::bad_alloc();
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

std::string bytes_text(std::uint64_t bytes) {
  return std::to_string(bytes) + " bytes";
}

std::string write_failure(int error, const fs::path& dir) {
  if (error == ENOSPC || error == EDQUOT)
    return "the disk is full: no space left to write into " + dir.string();
  return "cannot write into " + dir.string() + ": " + std::strerror(error);
}

long transfer(const std::string& url, TransferSink& sink, const FetchLimits& limits,
              const fs::path& write_dir, const TransferRequest& request) {
  init_curl();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw InputError(url, "cannot start a transfer (libcurl)");
  char error_text[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, request.any_status ? 0L : 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "trendwatch");
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_bytes));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(limits.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, limits.low_speed_bytes);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(std::max<long long>(1, limits.low_speed_time.count() / 1000)));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  std::unique_ptr<curl_slist, HeaderListDeleter> headers;
  for (const std::string& header : request.headers)
    headers.reset(curl_slist_append(headers.release(), header.c_str()));
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (request.post_body) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.post_body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.post_body->size()));
    // A redirected POST stays a POST (curl would otherwise turn it into a GET).
    curl_easy_setopt(c, CURLOPT_POSTREDIR, static_cast<long>(CURL_REDIR_POST_ALL));
  }
  if (limits.cancel) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<CancelFlag*>(limits.cancel));
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  sink.max_bytes = limits.max_bytes;
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  const std::string detail = error_text[0] ? error_text : curl_easy_strerror(rc);
  if (rc == CURLE_ABORTED_BY_CALLBACK) throw Cancelled(url);
  if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    std::string size =
        sink.announced > 0
            ? " (Content-Length " + bytes_text(static_cast<std::uint64_t>(sink.announced)) + ")"
            : "";
    throw InputError(url, "larger than the size limit of " + bytes_text(limits.max_bytes) + size);
  }
  if (sink.write_error) throw InputError(url, write_failure(sink.write_error, write_dir));
  if (rc == CURLE_HTTP_RETURNED_ERROR)
    throw InputError(url, "HTTP status " + std::to_string(status));
  if (rc == CURLE_OPERATION_TIMEDOUT) throw InputError(url, "timed out: " + detail);
  if (rc != CURLE_OK)
    throw InputError(url, (request.post_body ? "request failed: " : "download failed: ") + detail);
  if (!request.any_status && (status < 200 || status > 299))
    throw InputError(url, "HTTP status " + std::to_string(status) + " (expected 2xx)");
  return status;
}

}  // namespace tw::sources
