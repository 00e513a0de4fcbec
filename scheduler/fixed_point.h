#pragma once

// FixedPoint: a resource quantity with four decimal places, so fractions
// like 0.25 CPU add and subtract exactly (doubles drift: 0.1 * 3 != 0.3).
//
//   FixedPoint cpu = FixedPoint::FromDouble(0.25);
//   cpu += FixedPoint::FromDouble(0.5);      // exactly 0.75
//
// A value type; thread-compatible.

#include <cmath>
#include <cstdint>

namespace photon {
namespace scheduler {

class FixedPoint {
 public:
  static constexpr int64_t kScale = 10000;

  constexpr FixedPoint() = default;
  static FixedPoint FromDouble(double v) { return FixedPoint(static_cast<int64_t>(std::llround(v * kScale))); }
  static constexpr FixedPoint FromUnits(int64_t units) { return FixedPoint(units); }

  double ToDouble() const { return static_cast<double>(units_) / kScale; }
  constexpr int64_t units() const { return units_; }

  FixedPoint& operator+=(FixedPoint o) {
    units_ += o.units_;
    return *this;
  }
  FixedPoint& operator-=(FixedPoint o) {
    units_ -= o.units_;
    return *this;
  }
  friend FixedPoint operator+(FixedPoint a, FixedPoint b) { return FixedPoint(a.units_ + b.units_); }
  friend FixedPoint operator-(FixedPoint a, FixedPoint b) { return FixedPoint(a.units_ - b.units_); }
  friend bool operator==(FixedPoint a, FixedPoint b) { return a.units_ == b.units_; }
  friend bool operator!=(FixedPoint a, FixedPoint b) { return a.units_ != b.units_; }
  friend bool operator<(FixedPoint a, FixedPoint b) { return a.units_ < b.units_; }
  friend bool operator<=(FixedPoint a, FixedPoint b) { return a.units_ <= b.units_; }
  friend bool operator>(FixedPoint a, FixedPoint b) { return a.units_ > b.units_; }
  friend bool operator>=(FixedPoint a, FixedPoint b) { return a.units_ >= b.units_; }

 private:
  constexpr explicit FixedPoint(int64_t units) : units_(units) {}
  int64_t units_ = 0;
};

}  // namespace scheduler
}  // namespace photon
