#include <iostream>
#include <mutex>

#include "alerts/sink.h"

namespace tw::alerts {
namespace {

class ConsoleSink final : public Sink {
 public:
  ConsoleSink(const std::string& name, std::ostream& out) : Sink(name), out_(out) {}

  void send(const Alert& alert) override {
    static std::mutex lines;  // whole lines even when several sinks share stdout
    std::lock_guard lock(lines);
    out_ << alert.text << " [" << alert.id << "]" << std::endl;
    if (!out_) throw DeliveryError("cannot write to the console");
  }

 private:
  std::ostream& out_;
};

}  // namespace

std::unique_ptr<Sink> make_console_sink(const std::string& name, std::ostream& out) {
  return std::make_unique<ConsoleSink>(name, out);
}

}  // namespace tw::alerts
