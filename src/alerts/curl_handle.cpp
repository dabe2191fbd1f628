#include "alerts/curl_handle.h"

#include <algorithm>
#include <mutex>

#include "alerts/sink.h"

namespace tw::alerts {

CurlPtr new_curl_handle(long timeout_ms) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CurlPtr curl(curl_easy_init());
  if (!curl) throw DeliveryError("libcurl could not start a transfer");
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
  return curl;
}

void append(CurlList& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (!grown) throw DeliveryError("out of memory");
  list.release();
  list.reset(grown);
}

}  // namespace tw::alerts
