// [scan]: how videos are scanned (the scan command's flags set the same).
#include "core/config_table.h"

namespace tw::config {

namespace {

void min_face(ScanConfig& scan, const Value& value) {
  const double px = value.number();
  if (!(px == 0 || (px >= 8 && px <= 4096)))
    value.fail("must be 0 (the detector's full input) or 8-4096 px");
  scan.min_face = px;
}

constexpr Key<ScanConfig> kKeys[] = {
    {"fps", Type::number, value("5"), "sampled frames per second", to<&ScanConfig::fps>,
     above(0, 1000)},
    {"targets", Type::strings, value("[]"), "target names; empty: every enrolled target",
     to<&ScanConfig::targets>},
    {"threshold", Type::number, note("the target's calibrated one"), "match threshold override",
     to<&ScanConfig::threshold>, above(0)},
    {"min_frames", Type::integer, note("the scanner's"), "sampled frames an appearance needs",
     to<&ScanConfig::min_frames>, at_least(1)},
    {"min_duration", Type::duration, note("the scanner's"), "on-screen time an appearance needs",
     to<&ScanConfig::min_duration>},
    {"min_face", Type::number, note("the scanner's (64)"),
     "smallest face (px wide) that must be found, 0 or 8-4096; sets the detector input "
     "(`scan --min-face`; 0: full input)",
     min_face},
    {"approximate", Type::boolean, value("false"),
     "faster decisions that are not the reference path's frame by frame (`scan --approximate`; "
     "README \"Scan speed\")",
     to<&ScanConfig::approximate>},
    {"max_video_bytes", Type::size, value("500MB"), "download size limit",
     to<&ScanConfig::max_video_bytes>},
    {"download_timeout", Type::duration, value("10m"), "one download, start to end",
     to<&ScanConfig::download_timeout>},
};

}  // namespace

const Section kScanSection = plain_section<&Config::scan, kKeys>("scan");

}  // namespace tw::config
