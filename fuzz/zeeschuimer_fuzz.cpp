// Zeeschuimer / 4CAT NDJSON exports (sources/zeeschuimer.h): each line alone
// through parse_zeeschuimer_line, which never throws, and the whole input as
// an export file read by read_zeeschuimer (from the top, then again from the
// state it saved: a second read of an unchanged file must find nothing new).
#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "fuzz/fuzz_support.h"
#include "sources/zeeschuimer.h"

namespace {

void check_line(std::string_view line) {
  using Kind = tw::sources::ZeeschuimerRecord::Kind;
  const tw::sources::ZeeschuimerRecord record = tw::sources::parse_zeeschuimer_line(line);
  if (record.kind == Kind::video) {
    if (record.video.id.empty()) tw::fuzz::fail("a video without an id");
    if (record.video.platform != "tiktok") tw::fuzz::fail("a video of another platform");
    (void)nlohmann::json(record.video.title).dump();  // what the store and dashboard do with it
  } else if (record.kind == Kind::invalid && record.reason.empty()) {
    tw::fuzz::fail("an invalid line without a reason");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = tw::fuzz::text_of(data, size);
  for (size_t begin = 0; begin <= text.size();) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    check_line(std::string_view(text).substr(begin, end - begin));
    begin = end + 1;
  }

  const auto file = tw::fuzz::write_scratch_file("export.ndjson", data, size);
  tw::sources::ZeeschuimerOptions options;
  options.source_name = "fuzz";
  options.max_videos = size % 5 == 0 ? 2 : 0;
  std::string saved;
  options.save_state = [&](const std::string& state) { saved = state; };
  try {
    auto first = tw::sources::read_zeeschuimer(file, options);
    if (options.max_videos == 0 && !saved.empty()) {
      options.state = saved;
      auto again = tw::sources::read_zeeschuimer(file, options);
      if (!again.listed.videos.empty()) tw::fuzz::fail("an unchanged export listed videos twice");
    }
  } catch (const tw::InputError&) {
  }
  return 0;
}
