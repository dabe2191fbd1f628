#include "store/record_rows.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace tw::store::rows {

Millis backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, int attempts) {
  Millis delay = std::max<Millis>(base.count(), 0);
  for (int i = 1; i < attempts && delay < cap.count(); ++i) delay *= 2;
  return std::min<Millis>(delay, cap.count());
}

void check_finite(const Appearance& a) {
  for (double v : {a.start, a.end, a.best_time, double(a.best_score), double(a.best_distance),
                   double(a.box.x), double(a.box.y), double(a.box.width), double(a.box.height)}) {
    if (!std::isfinite(v)) throw InputError("appearance of " + a.target, "a value is not finite");
  }
  if (a.target.empty()) throw InputError("appearance", "no target name");
}

}  // namespace tw::store::rows
