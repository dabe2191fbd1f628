#pragma once
// The face match threshold and the score derived from a distance.
// docs/threshold.md tells how the default was calibrated and which
// false-match rate it implies on the measured data.

namespace tw::targets {

// Max Euclidean distance between aligned-face descriptors for "same person".
inline constexpr float kDefaultFaceThreshold = 0.55f;

// Faces narrower than this (pixels of the frame) are detected but not matched:
// their descriptors are too noisy (on the calibration data, 15-23 px faces
// of bystanders came closer to Jesper than any face of Jesper himself).
inline constexpr float kMinMatchFacePx = 40.f;

// Similarity in [0,1]: 1 at distance 0, 0.5 exactly at the threshold, 0 at
// twice the threshold and beyond.  Linear, so a score reads back to a
// distance: distance = 2 * threshold * (1 - score).
float face_match_score(float distance, float threshold);

}  // namespace tw::targets
