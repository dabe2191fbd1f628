#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <ctime>
#include <filesystem>

#include "alerts/curl_handle.h"
#include "alerts/sink_factories.h"
#include "core/redact.h"

namespace tw::alerts {
namespace {

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string rfc5322_date() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return buffer;
}

std::string mail_body(const Alert& alert) {
  const store::AppearanceRecord& r = alert.record;
  const Appearance& a = r.appearance;
  char score[16];
  std::snprintf(score, sizeof score, "%.2f", a.best_score);
  std::string body;
  body += "Target:   " + a.target + "\r\n";
  body += "Video:    " + r.video.title + "\r\n";
  body += "Author:   " + r.video.author + "\r\n";
  body += "URL:      " + r.video.url + "\r\n";
  body += "Source:   " + r.video.source + "\r\n";
  if (const auto& stats = r.video.stats; stats && (stats->views || stats->likes))
    body += "Reach:    " + (stats->views ? std::to_string(*stats->views) + " views" : "") +
            (stats->views && stats->likes ? ", " : "") +
            (stats->likes ? std::to_string(*stats->likes) + " likes" : "") + "\r\n";
  body += "On screen " + format_video_time(a.start) + " to " + format_video_time(a.end) +
          ", best at " + format_video_time(a.best_time) + ", score " + score + "\r\n";
  std::string evidence = evidence_path(a);
  if (!evidence.empty()) body += "Evidence: " + evidence + "\r\n";
  body += "Alert id: " + alert.id + "\r\n";
  return body;
}

// A trend alert's body: the one-line reason, then the figures and the
// window's most viewed videos, from the payload as sent to the other sinks.
std::string trend_mail_body(const Alert& alert) {
  const nlohmann::json payload = nlohmann::json::parse(alert.json, nullptr, false);
  auto text = [&](const char* key) {
    if (!payload.is_object() || !payload.contains(key)) return std::string();
    const auto& value = payload[key];
    return value.is_string() ? value.get<std::string>() : value.dump();
  };
  const store::SurgeRecord& s = *alert.surge;
  std::string body;
  body += "Target:   " + s.target + "\r\n";
  body += "Why:      " + s.reason + "\r\n";
  body += "Window:   the last " + text("window") + " (" + text("window_start") + " to " +
          text("window_end") + ")\r\n";
  body += "Videos:   " + std::to_string(s.videos) + " (about " + text("expected") +
          " expected from the past " + text("baseline") + ")\r\n";
  body += "Views:    " + std::to_string(s.views) + "\r\n";
  if (payload.is_object() && payload.contains("top_videos") && payload["top_videos"].is_array() &&
      !payload["top_videos"].empty()) {
    body += "\r\nMost viewed videos in the window:\r\n";
    for (const auto& v : payload["top_videos"]) {
      const auto field = [&](const char* key) {
        return v.contains(key) && v[key].is_string() ? v[key].get<std::string>() : std::string();
      };
      const std::string views =
          v.contains("views") && v["views"].is_number() ? v["views"].dump() : "unknown";
      body += "- " + field("title") + " by " + field("author") + " (" + views + " views) " +
              field("url") + "\r\n";
    }
  }
  const std::string dashboard = text("dashboard");
  if (!dashboard.empty() && dashboard != "null") body += "\r\nTrend page: " + dashboard + "\r\n";
  body += "Alert id: " + alert.id + "\r\n";
  return body;
}

std::string mail_subject(const Alert& alert) {
  if (alert.surge) return "[trendwatch] " + alert.surge->target + " is surging";
  return "[trendwatch] " + alert.record.appearance.target + " in \"" + alert.record.video.title +
         "\"";
}

class EmailSink final : public Sink {
 public:
  explicit EmailSink(const SinkConfig& config) : Sink(config.name), config_(config) {}

  void send(const Alert& alert) override {
    CurlPtr curl = new_curl_handle(static_cast<long>(config_.timeout.count()));
    CURL* c = curl.get();
    const Appearance& a = alert.record.appearance;

    CurlList headers;
    append(headers, "Date: " + rfc5322_date());
    append(headers, "From: " + config_.from);
    std::string to;
    for (const auto& address : config_.to) to += (to.empty() ? "" : ", ") + address;
    append(headers, "To: " + to);
    append(headers, "Message-ID: <" + alert.id + "@trendwatch>");
    append(headers, "Subject: " + encoded_header_value(mail_subject(alert)));
    CurlList recipients;
    for (const auto& address : config_.to) append(recipients, "<" + address + ">");

    CurlMime mime(curl_mime_init(c));
    curl_mimepart* text = curl_mime_addpart(mime.get());
    std::string body = alert.surge ? trend_mail_body(alert) : mail_body(alert);
    curl_mime_data(text, body.data(), body.size());
    curl_mime_type(text, "text/plain; charset=utf-8");
    curl_mime_encoder(text, "quoted-printable");
    for (const std::string& image : {a.evidence_frame, a.evidence_crop}) {
      std::error_code ec;
      if (image.empty() || !std::filesystem::is_regular_file(image, ec)) continue;
      curl_mimepart* part = curl_mime_addpart(mime.get());
      curl_mime_filedata(part, image.c_str());
      curl_mime_type(part, "image/jpeg");
      curl_mime_encoder(part, "base64");
    }

    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, config_.smtp.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, ("<" + config_.from + ">").c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());
    if (!config_.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, config_.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, config_.password.c_str());
    }
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      throw DeliveryError("SMTP " + redact_url(config_.smtp) + ": " +
                          redact_text(error[0] ? error : curl_easy_strerror(rc)));
    }
  }

 private:
  SinkConfig config_;
};

}  // namespace

std::string encoded_header_value(const std::string& text) {
  // Up to 45 bytes per encoded word (60 base64 characters), split only
  // between UTF-8 characters; control characters become spaces first.
  std::string clean;
  for (unsigned char ch : text) clean += (ch < 0x20 || ch == 0x7f) ? ' ' : static_cast<char>(ch);
  std::string out;
  size_t begin = 0;
  while (begin < clean.size()) {
    size_t end = std::min(begin + 45, clean.size());
    while (end < clean.size() && end > begin + 1 &&
           (static_cast<unsigned char>(clean[end]) & 0xC0) == 0x80) {
      --end;  // do not cut a multi-byte character
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(clean.substr(begin, end - begin)) + "?=";
    begin = end;
  }
  return out;
}

std::unique_ptr<Sink> make_email_sink(const SinkConfig& config) {
  return std::make_unique<EmailSink>(config);
}

}  // namespace tw::alerts
