#include "core/types.h"

#include <algorithm>

namespace tw {

float iou(const Box& a, const Box& b) {
  float x1 = std::max(a.x, b.x), y1 = std::max(a.y, b.y);
  float x2 = std::min(a.right(), b.right()), y2 = std::min(a.bottom(), b.bottom());
  float inter = (x2 > x1 && y2 > y1) ? (x2 - x1) * (y2 - y1) : 0.f;
  float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.f;
}

}  // namespace tw
