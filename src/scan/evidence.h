#pragma once
// Evidence a person can check: per appearance, the best sampled frame with
// the box and a label drawn, and the face crop, as JPEG files.
#include <filesystem>
#include <string>
#include <vector>

#include "scan/aggregate.h"

namespace tw::scan {

// Writes <dir>/<stem>-<target>-<n>-frame.jpg and ...-crop.jpg for each
// appearance (n counts from 1 in order) and records the paths in it.
// Throws InputError(dir, reason) when the folder cannot be written.
void write_evidence(const std::filesystem::path& dir, const std::string& video_stem,
                    std::vector<AppearanceEvidence>& appearances);

// Where write_evidence puts the descriptors of a face appearance, beside its
// crop "...-crop.jpg": {"descriptor": best face, "descriptors": every
// matched frame's face}, 128 floats each.
std::filesystem::path face_descriptor_path(const std::filesystem::path& crop_path);

// The box grown on every side by margin x its longer side, clipped to the
// frame: what a person looks at in an evidence crop (a view into frame, not
// a copy; empty when nothing of the box is inside).  Faces use 0.25, found
// images 0.05.
cv::Mat region_around(const cv::Mat& frame, const Box& box, float margin);

// The frame with the box and "target score @ time" drawn (a copy).
cv::Mat annotate_frame(const cv::Mat& frame, const Appearance& appearance);

}  // namespace tw::scan
