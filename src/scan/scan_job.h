#pragma once
// What both front ends of the scanner — `trendwatch scan` and the monitor
// (`watch`, `worker`) — do around it the same way: ScanOptions from the
// config's [scan] section, the targets to scan for, the cores shared among
// the scans that run at once, and stage timings as JSON.
#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "core/config.h"
#include "scan/scan_options.h"
#include "targets/target.h"

namespace tw::scan {

// [scan] as ScanOptions: fps, threshold, min_frames (else min_duration at
// that fps, rounded up), min_face and approximate; the rest as ScanOptions'
// defaults.  What is the front end's own (evidence folder, progress, cancel
// flag, the reference path, first hit, threads) it sets after.  `trendwatch
// scan` applies its flags to the ScanConfig first, so they override the file.
ScanOptions scan_options_from(const ScanConfig& config);

// The targets named, or every enrolled target when none is; throws
// InputError naming the folder when there is none at all, and naming a
// target that is not enrolled.
std::vector<targets::Target> chosen_targets(const std::filesystem::path& targets_dir,
                                            const std::vector<std::string>& names);

// Scans run at once by default: one video per core, each with one inference
// thread (on 2 cores two videos at one thread each scanned 16% more video
// per second than one video on two threads: bench_speed --jobs 2 --threads 1
// vs --jobs 1 --threads 2; the detector's small inputs split poorly across
// threads).  At most 8, as each job holds its own models.
int default_jobs();

// Shares the cores among `jobs` scans that run at once.  OpenCV's thread
// count (which XNNPACK follows) is process-wide, so with several jobs it is
// set here, once: `threads_per_job` when > 0, else an equal share of the
// cores; the scans then leave it alone.  Returns what ScanOptions::threads
// should be: 0 with several jobs; for one job, threads_per_job (0: OpenCV's
// default, every core).
int share_cores(int jobs, int threads_per_job);

// A scan's stage timings in seconds, rounded to the millisecond, in stage
// order: {"decode", "detect", "align", "embed", "match", "images",
// "classify", "wall"} (`scan --format json` prints it, the store keeps it).
nlohmann::ordered_json timings_json(const StageTimings& timings);

}  // namespace tw::scan
