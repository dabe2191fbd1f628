#pragma once
// libcurl set-up shared by the webhook and e-mail sinks.
#include <curl/curl.h>

#include <memory>
#include <string>

namespace tw::alerts {

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
  void operator()(curl_mime* mime) const { curl_mime_free(mime); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
using CurlList = std::unique_ptr<curl_slist, CurlDeleter>;
using CurlMime = std::unique_ptr<curl_mime, CurlDeleter>;

// An easy handle with global init done once, signals off (threads) and the
// timeout set; throws DeliveryError when libcurl cannot make one.
CurlPtr new_curl_handle(long timeout_ms);

// Appends to a curl_slist (throws on allocation failure).
void append(CurlList& list, const std::string& line);

}  // namespace tw::alerts
