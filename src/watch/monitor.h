#pragma once
// The monitor: poll sources on their schedules, queue what is new, scan the
// queue with a few workers, and deliver alerts through the outbox.
//
// Nothing is lost to a crash: a video is queued in the store before it is
// scanned, a scan's appearances and their pending alerts are stored in one
// transaction, and a video whose worker died is leased again when its lease
// runs out (or at once, when the same worker name restarts).  Each source is
// listed on its own thread with its own timeout, so one that fails or hangs
// never holds up the others.
#include <atomic>
#include <chrono>
#include <iosfwd>
#include <string>

#include "core/config.h"
#include "core/home.h"

namespace tw::watch {

struct MonitorOptions {
  // Poll every enabled source once (due or not), scan until the queue is
  // empty, deliver what is due, and return: for cron and tests.
  bool once = false;
  // Re-queue videos scanned for an older version of the target set.
  bool rescan = false;
  // Don't scan: list sources, queue videos and deliver alerts (workers scan).
  bool no_scan = false;
  // Don't list sources: scan the queue (and deliver) only.
  bool no_poll = false;
  // Stop when the queue is empty (with no_poll: a draining worker).
  bool drain = false;
  // The lease owner's name; a restart under the same name takes its
  // unfinished videos back at once.  Default: "<kind>@<hostname>".
  std::string worker;
  std::string kind = "watch";
  std::chrono::milliseconds lease{std::chrono::minutes(2)};
  std::chrono::milliseconds tick{std::chrono::milliseconds(500)};
  std::ostream* console = nullptr;  // console alerts (default std::cout)
  std::ostream* log = nullptr;      // JSON-lines events (default std::cerr)
};

// Runs until *stop becomes true (set it from a signal handler), or, with
// once/drain, until the work is done.  In-flight scans on stop are given back
// to the queue.  Returns the process exit code: 0, or 2 when the store, the
// targets or the alert config cannot be used.
int run_monitor(const Config& config, const Home& home, const MonitorOptions& options,
                const std::atomic<bool>& stop);

}  // namespace tw::watch
