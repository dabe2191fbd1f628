#pragma once
// One libcurl transfer with the download limits of FetchLimits, shared by
// downloads (fetch.cpp) and the TikTok Research API client: the body goes to
// a file descriptor or to memory, bounded in size, time and speed; only http
// and https are allowed, also on redirects.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sources/fetch.h"

namespace tw::sources {

// Where a transfer's body goes, and why it stopped.
struct TransferSink {
  int fd = -1;                    // a file, or
  std::string* memory = nullptr;  // memory
  std::uint64_t max_bytes = 0;    // set by transfer() from the limits
  std::uint64_t received = 0;
  bool too_large = false;
  int write_error = 0;
  long long announced = -1;  // Content-Length of the last response, if any
  std::string retry_after;   // Retry-After of the last response, if any
};

// What a transfer sends besides a plain GET.
struct TransferRequest {
  const std::string* post_body = nullptr;  // set: a POST with this body
  std::vector<std::string> headers;        // "Name: value"
  // false: a non-2xx status is an InputError naming it; true: the status is
  // returned and the body kept (an API's error answer is JSON to read).
  bool any_status = false;
};

// Runs the transfer; returns the HTTP status.  Every failure is
// InputError(url, reason) (a network error, a timeout, the size limit, a
// write error naming write_dir, a non-2xx status unless any_status), except a
// raised cancel flag: Cancelled.  Neither headers nor the body appear in any
// message.
long transfer(const std::string& url, TransferSink& sink, const FetchLimits& limits,
              const std::filesystem::path& write_dir, const TransferRequest& request = {});

// Percent-encodes all but RFC 3986's unreserved characters (libcurl's
// curl_easy_escape): a value in a query string or a form body.
std::string url_escape(const std::string& text);

// "the disk is full: no space left to write into DIR" for ENOSPC/EDQUOT,
// else "cannot write into DIR: <strerror>".
std::string write_failure(int error, const std::filesystem::path& dir);
std::string bytes_text(std::uint64_t bytes);  // "123 bytes"

}  // namespace tw::sources
