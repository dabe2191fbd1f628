#pragma once
// The concrete sinks behind make_sink(); configs are already checked.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "alerts/sink.h"

namespace tw::alerts {

std::unique_ptr<Sink> make_webhook_sink(const std::string& name, const std::string& url,
                                        std::chrono::milliseconds timeout);
std::unique_ptr<Sink> make_email_sink(const SinkConfig& config);
std::unique_ptr<Sink> make_command_sink(const std::string& name,
                                        const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout);

// RFC 2047 encoded words (UTF-8, base64) for a header value, folded so that
// no line is too long; CR and LF cannot survive it.
std::string encoded_header_value(const std::string& text);

}  // namespace tw::alerts
