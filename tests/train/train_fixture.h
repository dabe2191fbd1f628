#pragma once
// Shared by the training tests: training folders built from the kphotoalbum
// demo (index.xml says who is in each photo) and face-api's group photos,
// turned upright the way kphotoalbum shows them.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "media/image.h"
#include "support/kphotoalbum.h"
#include "support/test_support.h"

namespace tw::test {

struct TrainingFolders {
  std::filesystem::path positives;  // photos of Jesper alone
  std::filesystem::path negatives;  // photos without Jesper (people and scenery)
};

inline std::filesystem::path megamind_avi() {
  return testdata_dir() / "usr/share/doc/opencv-doc/examples/data/Megamind.avi";
}

// Jesper vs everyone else: photos naming only Jesper are positives; photos
// that do not name him are negatives, and so are face-api's six group
// photos (strangers).  Photos naming Jesper with others are left out.
inline TrainingFolders jesper_training_folders() {
  namespace fs = std::filesystem;
  TrainingFolders out;
  fs::path root = fresh_dir("train-jesper");
  out.positives = root / "positives";
  out.negatives = root / "negatives";
  fs::create_directories(out.positives);
  fs::create_directories(out.negatives);
  for (const auto& photo : kphotoalbum_photos()) {
    bool jesper = false;
    for (const auto& p : photo.people) jesper = jesper || p == "Jesper";
    fs::path dir;
    if (jesper && photo.people.size() == 1)
      dir = out.positives;
    else if (!jesper)
      dir = out.negatives;
    else
      continue;
    cv::imwrite((dir / photo.file.filename()).string(),
                turned_upright(media::load_image(photo.file), photo.angle),
                {cv::IMWRITE_JPEG_QUALITY, 95});
  }
  for (int i = 1; i <= 6; ++i) {
    std::string name = "sample" + std::to_string(i) + ".jpg";
    fs::copy_file(face_api_dir() / "demo" / name, out.negatives / name);
  }
  return out;
}

}  // namespace tw::test
