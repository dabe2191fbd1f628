// `trendwatch target learn NAME`: turns the appearances a reviewer dismissed
// on the dashboard into the target's negatives, so that the same false match
// does not come back.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/home.h"
#include "scan/evidence.h"
#include "store/store.h"
#include "targets/target_store.h"
#include "vision/face_embedder.h"

namespace {

namespace fs = std::filesystem;

struct LearnArgs {
  std::string name;
  std::optional<std::string> config;
  std::string db;
};

// Faces closer than this to a known negative add nothing (near-identical
// frames of one shot).
constexpr float kSameNegative = 0.1f;

// The faces of the dismissed appearance (every matched frame's), which the
// scan wrote beside the evidence crop (scan/evidence.h).
std::vector<tw::Descriptor> dismissed_faces(const tw::Appearance& a, std::string& why) {
  if (a.evidence_crop.empty()) {
    why = "it has no evidence crop (scanned without evidence)";
    return {};
  }
  fs::path file = tw::scan::face_descriptor_path(a.evidence_crop);
  std::ifstream in(file);
  if (!in) {
    why = file.string() + " is missing";
    return {};
  }
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  std::vector<tw::Descriptor> out;
  if (!doc.is_discarded() && doc.is_object()) {
    for (const auto& d : doc.value("descriptors", nlohmann::json::array()))
      if (d.is_array() && d.size() == 128) out.push_back(d.get<tw::Descriptor>());
    if (out.empty() && doc.contains("descriptor") && doc["descriptor"].size() == 128)
      out.push_back(doc["descriptor"].get<tw::Descriptor>());
  }
  if (out.empty()) why = file.string() + " is not a face descriptor file";
  return out;
}

int run_learn(const LearnArgs& args) {
  tw::Home home = tw::Home::resolve();
  tw::Config config = tw::find_config(args.config, home);
  if (!args.db.empty()) config.store.url = args.db;
  tw::targets::TargetStore folder(home.targets());
  tw::targets::Target target = folder.load(args.name);
  if (target.kind != tw::targets::TargetKind::face)
    throw tw::InputError(args.name, "only face targets learn from dismissed appearances");

  auto store = tw::store::open_store(config.store.url);
  int added = 0, known = 0, skipped = 0, seen = 0;
  tw::store::AppearanceFilter filter;
  filter.target = args.name;
  filter.verdict = tw::store::Verdict::dismissed;
  filter.limit = 200;
  for (filter.offset = 0;; filter.offset += filter.limit) {
    auto page = store->appearances(filter);
    for (const auto& record : page) {
      ++seen;
      std::string why;
      auto faces = dismissed_faces(record.appearance, why);
      if (faces.empty()) {
        ++skipped;
        std::cerr << "trendwatch target learn: warning: appearance " << record.id << ": " << why
                  << "\n";
        continue;
      }
      for (const auto& face : faces) {
        bool already = std::any_of(target.negatives.begin(), target.negatives.end(), [&](auto& n) {
          return tw::vision::descriptor_distance(n, face) < kSameNegative;
        });
        if (already) {
          ++known;
          continue;
        }
        target.negatives.push_back(face);
        ++added;
      }
    }
    if (static_cast<int>(page.size()) < filter.limit) break;
  }
  if (added > 0) folder.save(target, /*overwrite=*/true);
  std::printf(
      "%s: %d dismissed appearance(s), %d new negative(s), %d already known, %d skipped; "
      "%zu negative(s) in all\n",
      args.name.c_str(), seen, added, known, skipped, target.negatives.size());
  return tw::exit_code::ok;
}

// Registered after `target` (order 20) so that it can attach to it.
const tw::cli::CommandRegistration registration{
    21, [](CLI::App& root, tw::cli::Context& ctx) {
      CLI::App* target = root.get_subcommand("target");
      auto args = std::make_shared<LearnArgs>();
      auto* learn = target->add_subcommand(
          "learn",
          "Add the faces of appearances dismissed on the dashboard to the target's negatives, so "
          "the same false matches are not reported again (rescan with `watch --rescan`)");
      learn->add_option("NAME", args->name, "The target")->required();
      learn->add_option("--config", args->config,
                        "trendwatch.toml (default: $TRENDWATCH_HOME/trendwatch.toml if present)");
      learn->add_option("--db", args->db, "Store URL, overriding the config's [store] url");
      learn->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("target learn", [&] { return run_learn(*args); });
      });
    }};

}  // namespace
