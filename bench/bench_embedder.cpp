// Face embedder speed: ms per face at batch 1 and batch 8, on 1 and 2
// threads, against the baseline batch 1 on 1 thread measured in the same run.
// Prints one JSON object.
//
//   TRENDWATCH_HOME=build/test-home build/bench_embedder [--faces 32] [--repeats 3]
//
// The faces are face-api's fixture crops (tests/data/golden/descriptor_crops),
// repeated to the requested count.
#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "bench_options.h"
#include "models/model_dir.h"
#include "vision/face_embedder.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Best of `repeats` runs over all faces, in ms per face.
double ms_per_face(tw::vision::FaceEmbedder& embedder, const std::vector<cv::Mat>& faces,
                   int repeats) {
  embedder.embed({faces.begin(), faces.begin() + std::min<size_t>(8, faces.size())});  // warm up
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    embedder.embed(faces);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    best = std::min(best, ms / static_cast<double>(faces.size()));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  tw::bench::BenchOptions args("bench_embedder",
                               "Face embedder ms per face at batch 1 and 8, on 1 and 2 threads.",
                               {{"--faces", "N", "faces per run (default 32)"},
                                {"--repeats", "N", "runs of each, best kept (default 3)"}});
  args.parse(argc, argv);
  const int face_count = args.integer("--faces", 32, 1);
  const int repeats = args.integer("--repeats", 3, 1);
  try {
    std::vector<fs::path> files;
    for (const auto& e :
         fs::directory_iterator(fs::path(TW_SOURCE_DIR) / "tests/data/golden/descriptor_crops"))
      files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw std::runtime_error("no fixture crops found");
    std::vector<cv::Mat> faces;
    for (int i = 0; i < face_count; ++i)
      faces.push_back(cv::imread(files[static_cast<size_t>(i) % files.size()].string()));

    const auto models = tw::models::ModelDir::open_default();
    json runs = json::array();
    double baseline = 0;
    for (int threads : {1, 2}) {
      cv::setNumThreads(threads);
      for (int batch : {1, 8}) {
        tw::vision::FaceEmbedder embedder(models, batch);
        const double ms = ms_per_face(embedder, faces, repeats);
        if (threads == 1 && batch == 1) baseline = ms;
        runs.push_back({{"threads", threads},
                        {"batch", batch},
                        {"ms_per_face", ms},
                        {"speedup_vs_batch1_1thread", baseline / ms}});
      }
    }
    std::cout << json{{"benchmark", "face_embedder"},
                      {"faces", face_count},
                      {"repeats", repeats},
                      {"baseline", "batch 1 on 1 thread"},
                      {"runs", runs}}
                     .dump(2)
              << "\n";
  } catch (const std::exception& e) {
    std::cerr << "bench_embedder: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
