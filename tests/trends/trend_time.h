#pragma once
// Times in the trend tests' histories (Unix milliseconds, UTC).
#include "trends/buckets.h"

namespace tw::trends::test {

constexpr Millis kHour = 3600LL * 1000;
constexpr Millis kDay = 24 * kHour;
constexpr Millis kDec3 = 1796256000LL * 1000;  // 2026-12-03T00:00:00Z

}  // namespace tw::trends::test
