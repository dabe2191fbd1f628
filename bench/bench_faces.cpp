// Face pipeline speed: the embedder's ms per face at batch 1 and batch 8, and
// the detector's ms per 720x1280 frame, each with 1 and 2 threads; and each
// face net on XNNPACK (what trendwatch runs) against cv::dnn on the same
// ONNX file and input, 1 thread.  Prints one JSON object with the ratios
// (batch 8 vs 1, 2 threads vs 1, cv::dnn ms / XNNPACK ms).
//
//   TRENDWATCH_HOME=build/test-home build/bench/bench_faces [--rounds N]
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <nlohmann/json.hpp>
#include "bench_options.h"

#include <time.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "media/image.h"
#include "models/model_dir.h"
#include "vision/conv_runtime.h"
#include "vision/face_analyser.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// CPU time of the whole process (all threads), in ms: on a busy machine the
// wall-clock figures grow, this one much less.
double process_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

std::filesystem::path demo_photo(int n) {
  return std::filesystem::path(TW_CACHE_DIR) / "face-api" / "package" / "demo" /
         ("sample" + std::to_string(n) + ".jpg");
}

// A 720x1280 portrait frame (a phone video's) cut from a group photo.
cv::Mat portrait_frame() {
  const cv::Mat photo = tw::media::load_image(demo_photo(1));
  const int width = photo.rows * 720 / 1280;
  cv::Mat frame;
  cv::resize(photo(cv::Rect(300, 0, width, photo.rows)), frame, cv::Size(720, 1280), 0, 0,
             cv::INTER_AREA);
  return frame;
}

// Milliseconds per face embedding all crops `rounds` times in batches of `batch`.
double embed_ms_per_face(tw::vision::FaceEmbedder& embedder, const std::vector<cv::Mat>& crops,
                         int batch, int rounds) {
  size_t faces = 0;
  const auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (size_t at = 0; at + batch <= crops.size(); at += batch) {
      const std::vector<cv::Mat> group(crops.begin() + at, crops.begin() + at + batch);
      faces += embedder.embed(group).size();
    }
  }
  return ms_since(start) / static_cast<double>(faces);
}

double detect_ms_per_frame(tw::vision::FaceDetector& detector, const cv::Mat& frame, int rounds) {
  const auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) detector.detect(frame);
  return ms_since(start) / rounds;
}

// One net on both engines: ms per run (best of `rounds` runs of 5) of
// XNNPACK and of cv::dnn on the same NHWC input cut from `frame`.
nlohmann::json engine_ms(const tw::models::ModelDir& models, const char* name, int batch, int rows,
                         int cols, const cv::Mat& frame, int rounds) {
  cv::Mat resized, pixels;
  cv::resize(frame, resized, cv::Size(cols, rows), 0, 0, cv::INTER_AREA);
  resized.convertTo(pixels, CV_32FC3, 1.0 / 127.5, -1.0);
  std::vector<float> nhwc;
  for (int n = 0; n < batch; ++n)
    nhwc.insert(nhwc.end(), pixels.ptr<float>(), pixels.ptr<float>() + pixels.total() * 3);
  std::vector<cv::Mat> images(static_cast<size_t>(batch), pixels);
  const cv::Mat blob = cv::dnn::blobFromImages(images);  // NCHW, same values

  tw::vision::ConvRuntime runtime(models.load_conv_net(name));
  cv::dnn::Net net = models.load_net(name);
  auto best_ms = [&](auto&& run) {
    run();  // warm-up
    double best = 1e30;
    for (int r = 0; r < rounds; ++r) {
      const auto start = Clock::now();
      for (int i = 0; i < 5; ++i) run();
      best = std::min(best, ms_since(start) / 5);
    }
    return best;
  };
  const double xnnpack = best_ms([&] { runtime.run(nhwc.data(), batch, rows, cols); });
  const double dnn = best_ms([&] {
    net.setInput(blob);
    std::vector<cv::Mat> outs;
    net.forward(outs, net.getUnconnectedOutLayersNames());
  });
  return {{"net", name},
          {"batch", batch},
          {"input", std::to_string(cols) + "x" + std::to_string(rows)},
          {"xnnpack_ms", xnnpack},
          {"opencv_dnn_ms", dnn},
          {"opencv_dnn_over_xnnpack", dnn / xnnpack}};
}

}  // namespace

int main(int argc, char** argv) {
  tw::bench::BenchOptions args(
      "bench_faces", "Embedder ms per face and detector ms per frame, on 1 and 2 threads.",
      {{"--rounds", "N", "rounds of each, best kept (default 3)"}});
  args.parse(argc, argv);
  const int rounds = args.integer("--rounds", 3, 1);
  try {
    const auto models = tw::models::ModelDir::open_default();
    tw::vision::FaceAnalyser analyser(models);

    // Real aligned crops: every face of face-api's six demo photos, trimmed
    // to a multiple of 8 so that both batch sizes embed the same faces.
    std::vector<cv::Mat> crops;
    for (int n = 1; n <= 6; ++n)
      for (const auto& face : analyser.analyse(tw::media::load_image(demo_photo(n))))
        crops.push_back(face.aligned);
    crops.resize(crops.size() / 8 * 8);
    if (crops.empty()) throw std::runtime_error("no faces found in the demo photos");
    const cv::Mat frame = portrait_frame();

    nlohmann::json threads_json = nlohmann::json::object();
    double detect_ms[3] = {};
    for (int threads : {1, 2}) {
      cv::setNumThreads(threads);
      auto& embedder = analyser.embedder();
      embed_ms_per_face(embedder, crops, 8, 1);  // warm-up: allocations for both shapes
      embed_ms_per_face(embedder, crops, 1, 1);
      const double batch1 = embed_ms_per_face(embedder, crops, 1, rounds);
      const double batch8 = embed_ms_per_face(embedder, crops, 8, rounds);
      detect_ms_per_frame(analyser.detector(), frame, 1);
      const double cpu_start = process_cpu_ms();
      detect_ms[threads] = detect_ms_per_frame(analyser.detector(), frame, rounds * 3);
      const double detect_cpu = (process_cpu_ms() - cpu_start) / (rounds * 3);
      threads_json[std::to_string(threads)] = {
          {"embed_ms_per_face_batch1", batch1},
          {"embed_ms_per_face_batch8", batch8},
          {"embed_batch8_speedup_vs_batch1", batch1 / batch8},
          {"detect_ms_per_frame_720x1280", detect_ms[threads]},
          {"detect_cpu_ms_per_frame_720x1280", detect_cpu},
      };
    }
    cv::setNumThreads(1);
    namespace m = tw::models;
    const nlohmann::json engines = {
        engine_ms(models, m::kFaceDetector, 1, 320, 192, frame, rounds),  // proposal input
        engine_ms(models, m::kFaceDetector, 1, 512, 512, frame, rounds),  // reference input
        engine_ms(models, m::kFaceLandmarks, 8, 112, 112, frame, rounds),
        engine_ms(models, m::kFaceRecognition, 8, 150, 150, frame, rounds),
    };

    const auto& t1 = threads_json["1"];
    const auto& t2 = threads_json["2"];
    nlohmann::json result = {
        {"benchmark", "faces"},
        {"faces_embedded_per_round", crops.size()},
        {"rounds", rounds},
        {"detector_input_size", analyser.detector().options().input_size},
        {"hardware_threads", std::thread::hardware_concurrency()},
        {"threads", threads_json},
        {"embed_batch8_2threads_speedup_vs_batch1_1thread",
         t1["embed_ms_per_face_batch1"].get<double>() /
             t2["embed_ms_per_face_batch8"].get<double>()},
        {"detect_2threads_speedup_vs_1thread", detect_ms[1] / detect_ms[2]},
        {"engines_1thread", engines},
    };
    std::cout << result.dump(2) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_faces: " << e.what() << "\n";
    return 2;
  }
}
