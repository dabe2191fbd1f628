// `trendwatch faces IMAGE...`: every face of each photo with its box, score,
// 68 landmarks and 128-d descriptor.  `--no-detect` reads each input as one
// face crop and prints its descriptor (the embedder alone).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "core/errors.h"
#include "media/image.h"
#include "models/model_dir.h"
#include "vision/face_analyser.h"
#include "vision/face_embedder.h"

namespace {

using nlohmann::json;

struct FacesArgs {
  std::vector<std::string> inputs;
  std::string format = "text";
  bool no_detect = false;
  float min_score = 0.5f;
};

json box_json(const tw::Box& box) {
  return {{"x", box.x}, {"y", box.y}, {"width", box.width}, {"height", box.height}};
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// The first few values, then how many more: a descriptor fits on one line.
std::string abbreviated(const tw::Descriptor& d) {
  std::string text = "[";
  const size_t shown = std::min<size_t>(4, d.size());
  for (size_t i = 0; i < shown; ++i) text += (i ? ", " : "") + fixed(d[i], 4);
  if (d.size() > shown) text += ", ... " + std::to_string(d.size() - shown) + " more";
  return text + "]";
}

// The centre of landmarks [first, last], for a short text summary.
std::string centre(const std::vector<tw::Point>& points, size_t first, size_t last) {
  double x = 0, y = 0;
  for (size_t i = first; i <= last; ++i) x += points[i].x, y += points[i].y;
  const double n = static_cast<double>(last - first + 1);
  return "(" + fixed(x / n, 1) + "," + fixed(y / n, 1) + ")";
}

void print_faces_text(const std::string& input, const cv::Mat& image,
                      const std::vector<tw::vision::AnalysedFace>& faces) {
  std::cout << input << ": " << image.cols << "x" << image.rows << ", " << faces.size()
            << (faces.size() == 1 ? " face" : " faces") << "\n";
  for (size_t i = 0; i < faces.size(); ++i) {
    const auto& d = faces[i].detection;
    std::cout << "  face " << i << "  score " << fixed(d.score, 4) << "  box x "
              << fixed(d.box.x, 1) << " y " << fixed(d.box.y, 1) << " w " << fixed(d.box.width, 1)
              << " h " << fixed(d.box.height, 1) << "\n";
    if (d.landmarks.size() == 68)
      std::cout << "    landmarks 68: eyes " << centre(d.landmarks, 36, 41) << " "
                << centre(d.landmarks, 42, 47) << "  nose " << centre(d.landmarks, 30, 30)
                << "  mouth " << centre(d.landmarks, 48, 67) << "\n";
    std::cout << "    descriptor " << abbreviated(faces[i].descriptor) << "\n";
  }
}

json faces_json(const std::string& input, const cv::Mat& image,
                const std::vector<tw::vision::AnalysedFace>& faces) {
  json list = json::array();
  for (const auto& face : faces) {
    json landmarks = json::array();
    for (const tw::Point& p : face.detection.landmarks) landmarks.push_back({p.x, p.y});
    list.push_back({{"box", box_json(face.detection.box)},
                    {"score", face.detection.score},
                    {"landmarks", landmarks},
                    {"descriptor", face.descriptor}});
  }
  return {{"input", input}, {"width", image.cols}, {"height", image.rows}, {"faces", list}};
}

// One input's outcome: printed in input order whatever was batched.
void print_error(const std::string& input, const std::string& reason, bool as_json) {
  std::cerr << "trendwatch faces: error: " << input << ": " << reason << "\n";
  if (as_json) std::cout << json{{"input", input}, {"error", reason}}.dump() << "\n";
}

void print_descriptor(const std::string& input, const cv::Mat& image,
                      const tw::Descriptor& descriptor, bool as_json) {
  if (as_json)
    std::cout << json{{"input", input},
                      {"width", image.cols},
                      {"height", image.rows},
                      {"descriptor", descriptor}}
                     .dump()
              << "\n";
  else
    std::cout << input << ": " << image.cols << "x" << image.rows << " as one face crop\n"
              << "    descriptor " << abbreviated(descriptor) << "\n";
}

// --no-detect: every input is one face crop; crops go through the embedder
// in batches (one network call per batch), results are printed in order.
int embed_crops(const std::vector<std::string>& inputs, tw::vision::FaceEmbedder& embedder,
                bool as_json) {
  constexpr std::size_t kBatch = 8;
  int exit_code = tw::exit_code::ok;
  for (std::size_t first = 0; first < inputs.size(); first += kBatch) {
    const std::size_t end = std::min(inputs.size(), first + kBatch);
    std::vector<cv::Mat> images(end - first);
    std::vector<std::string> errors(end - first);
    std::vector<cv::Mat> crops;
    for (std::size_t i = first; i < end; ++i) {
      try {
        images[i - first] = tw::media::load_image(inputs[i]);
        crops.push_back(images[i - first]);
      } catch (const tw::InputError& e) {
        errors[i - first] = e.reason();
      } catch (const std::exception& e) {
        errors[i - first] = e.what();
      }
    }
    std::vector<tw::Descriptor> descriptors;
    std::string batch_error;
    try {
      if (!crops.empty()) descriptors = embedder.embed(crops);
    } catch (const std::exception& e) {
      batch_error = e.what();
    }
    std::size_t next = 0;
    for (std::size_t i = first; i < end; ++i) {
      const std::string& error = errors[i - first];
      if (error.empty() && batch_error.empty() && next < descriptors.size()) {
        print_descriptor(inputs[i], images[i - first], descriptors[next++], as_json);
      } else {
        print_error(inputs[i], error.empty() ? batch_error : error, as_json);
        exit_code = tw::exit_code::error;
      }
      std::cout.flush();
    }
  }
  return exit_code;
}

int run(const FacesArgs& args) {
  const bool as_json = args.format == "json";
  if (!as_json && args.format != "text")
    throw tw::InputError("--format", "must be text or json, not '" + args.format + "'");
  if (!(args.min_score >= 0.f && args.min_score < 1.f))
    throw tw::InputError("--min-score", "must be in [0, 1)");

  // Models first: a missing or damaged model stops the run with one line
  // naming the file and the repair.
  const tw::models::ModelDir models = tw::models::ModelDir::open_default();
  if (args.no_detect) {
    tw::vision::FaceEmbedder embedder(models);
    return embed_crops(args.inputs, embedder, as_json);
  }

  tw::vision::DetectorOptions options;
  options.min_score = args.min_score;
  tw::vision::FaceAnalyser analyser(models, options);
  int exit_code = tw::exit_code::ok;
  for (const std::string& input : args.inputs) {
    try {
      const cv::Mat image = tw::media::load_image(input);
      const auto faces = analyser.analyse(image);
      if (as_json)
        std::cout << faces_json(input, image, faces).dump() << "\n";
      else
        print_faces_text(input, image, faces);
    } catch (const tw::InputError& e) {
      // One line naming the input and the reason; the other inputs go on.
      print_error(input, e.reason(), as_json);
      exit_code = tw::exit_code::error;
    } catch (const std::exception& e) {
      print_error(input, e.what(), as_json);
      exit_code = tw::exit_code::error;
    }
    std::cout.flush();
  }
  return exit_code;
}

const tw::cli::CommandRegistration registration{
    20, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<FacesArgs>();
      auto* sub = root.add_subcommand(
          "faces",
          "Find every face in photos: box, score, 68 landmarks and 128-d descriptor. Exit 2 if "
          "any input could not be read (the others are still processed)");
      sub->add_option("images", args->inputs, "Photos (JPEG, PNG, ...)")->required();
      sub->add_option("--format", args->format,
                      "text (a readable summary) or json (one complete JSON object per input "
                      "and line: {input, width, height, faces: [{box: {x, y, width, height}, "
                      "score, landmarks: [[x, y] x 68], descriptor: [128]}]} or {input, error})")
          ->capture_default_str();
      sub->add_flag("--no-detect", args->no_detect,
                    "Treat each input as one face crop (resized to 150x150, no alignment) and "
                    "print its descriptor: the embedder alone");
      sub->add_option("--min-score", args->min_score, "Detector score threshold")
          ->capture_default_str();
      sub->callback(
          [args, &ctx] { ctx.exit_code = tw::cli::guarded("faces", [&] { return run(*args); }); });
    }};

}  // namespace
