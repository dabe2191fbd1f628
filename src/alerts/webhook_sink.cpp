#include "alerts/sink_factories.h"

#include "alerts/curl_handle.h"
#include "core/redact.h"

namespace tw::alerts {
namespace {

size_t keep_some(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * count;
  if (body->size() < 300) body->append(data, std::min(n, 300 - body->size()));
  return n;
}

class WebhookSink final : public Sink {
 public:
  WebhookSink(const std::string& name, std::string url, std::chrono::milliseconds timeout)
      : Sink(name), url_(std::move(url)), timeout_(timeout) {}

  void send(const Alert& alert) override {
    CurlPtr curl = new_curl_handle(static_cast<long>(timeout_.count()));
    CurlList headers;
    append(headers, "Content-Type: application/json");
    append(headers, "Idempotency-Key: " + alert.id);
    std::string response;
    char error[CURL_ERROR_SIZE] = "";
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, alert.json.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(alert.json.size()));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "trendwatch");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_some);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      throw DeliveryError("POST " + redact_webhook_url(url_) + ": " +
                          redact_text(error[0] ? error : curl_easy_strerror(rc)));
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
      // For a Slack-style webhook the URL is the secret: only its host is named.
      throw DeliveryError("POST " + redact_webhook_url(url_) + ": HTTP " + std::to_string(status) +
                          (response.empty() ? "" : ": " + redact_text(response)));
    }
  }

 private:
  std::string url_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<Sink> make_webhook_sink(const std::string& name, const std::string& url,
                                        std::chrono::milliseconds timeout) {
  return std::make_unique<WebhookSink>(name, url, timeout);
}

}  // namespace tw::alerts
