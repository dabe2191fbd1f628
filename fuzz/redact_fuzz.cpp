// The redaction of secrets (core/redact.h) reads error text that may quote
// URLs strangers wrote.  Promises: a remembered secret never survives, and
// a URL's password never survives redact_url.
#include <string>

#include "core/redact.h"
#include "fuzz/fuzz_support.h"

namespace {

constexpr std::string_view kSecret = "s3cr3t-Value";

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tw::remember_secret(kSecret);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = tw::fuzz::text_of(data, size);
  if (tw::redact_text(text).find(kSecret) != std::string::npos)
    tw::fuzz::fail("a remembered secret survived redact_text");
  // The input as the password of a store URL.
  if (text.find_first_of("@/?#") == std::string::npos && text.size() >= 4) {
    const std::string url = "postgresql://tw:" + text + "@db/trendwatch";
    if (tw::redact_url(url) != "postgresql://tw:***@db/trendwatch")
      tw::fuzz::fail("a URL's password survived redact_url");
  }
  (void)tw::redact_url(text);
  (void)tw::redact_webhook_url(text);
  return 0;
}
