#include "server/demo_store.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <stdexcept>

#include "support/test_support.h"

namespace fs = std::filesystem;

namespace tw::test {

namespace {

VideoRef video_ref(std::string platform, std::string id, std::string url, std::string title,
                   std::string author, std::string posted_at, std::string source) {
  VideoRef v;
  v.platform = std::move(platform);
  v.id = std::move(id);
  v.url = std::move(url);
  v.title = std::move(title);
  v.author = std::move(author);
  v.posted_at = std::move(posted_at);
  v.source = std::move(source);
  return v;
}

constexpr store::Millis kNov20 = 1795165200000;  // 2026-11-20T09:00:00Z
constexpr store::Millis kMinute = 60 * 1000;

fs::path demo_dir() {
  return testdata_dir() / "usr/share/kphotoalbum/demo";
}

cv::Mat read_photo(const std::string& name) {
  cv::Mat image = cv::imread((demo_dir() / name).string());
  if (image.empty()) throw std::runtime_error("cannot read test photo " + name);
  return image;
}

cv::Mat movie_frame(double seconds) {
  cv::VideoCapture video((demo_dir() / "movie.avi").string());
  if (!video.isOpened()) throw std::runtime_error("cannot open movie.avi");
  const int wanted = static_cast<int>(seconds * video.get(cv::CAP_PROP_FPS));
  cv::Mat frame;
  for (int i = 0; i <= wanted; ++i)
    if (!video.read(frame)) throw std::runtime_error("movie.avi is shorter than expected");
  return frame;
}

// Writes the annotated frame and the crop the way a scan does; fills the
// appearance's evidence paths.
void write_evidence(const cv::Mat& frame, Appearance& a, const fs::path& folder,
                    const std::string& stem) {
  fs::create_directories(folder);
  const cv::Rect box(static_cast<int>(a.box.x), static_cast<int>(a.box.y),
                     static_cast<int>(a.box.width), static_cast<int>(a.box.height));
  cv::Mat annotated = frame.clone();
  cv::rectangle(annotated, box, cv::Scalar(40, 200, 60), std::max(2, frame.cols / 200));
  const fs::path frame_file = folder / (stem + "-frame.jpg");
  const fs::path crop_file = folder / (stem + "-crop.jpg");
  if (!cv::imwrite(frame_file.string(), annotated) ||
      !cv::imwrite(crop_file.string(), frame(box & cv::Rect(0, 0, frame.cols, frame.rows))))
    throw std::runtime_error("cannot write evidence under " + folder.string());
  a.evidence_frame = frame_file.string();
  a.evidence_crop = crop_file.string();
}

Appearance appearance(const std::string& target, double start, double end, double best_time,
                      float score, float distance, Box box, int frames) {
  Appearance a;
  a.target = target;
  a.start = start;
  a.end = end;
  a.best_time = best_time;
  a.best_score = score;
  a.best_distance = distance;
  a.box = box;
  a.frames = frames;
  return a;
}

}  // namespace

DemoStore make_demo_store(const fs::path& dir) {
  DemoStore demo;
  demo.dir = dir;
  demo.database = dir / "trendwatch.db";
  demo.evidence_root = dir / "evidence";
  fs::create_directories(demo.evidence_root);

  auto clock = std::make_shared<store::Millis>(kNov20);
  store::StoreOptions options;
  options.clock = [clock] { return *clock; };
  demo.store = store::open_store("sqlite://" + demo.database.string(), options);
  store::Store& db = *demo.store;

  db.upsert_source({"demo-folder", "folder", demo_dir().string()});
  db.upsert_source({"newsdesk", "ytdlp", "https://www.tiktok.com/@newsdesk"});
  db.upsert_source({"trending", "command", "python3 trending.py"});

  // The demo clip: Jesper talks to the camera.
  *clock = kNov20;
  db.record_poll_success("demo-folder", std::chrono::minutes(5));
  VideoRef movie = video_ref("file", "movie.avi", (demo_dir() / "movie.avi").string(),
                             "Sound card test: \"Hi, my name is Linus\"", "kphotoalbum demo",
                             "2006-10-29T19:53:58Z", "demo-folder");
  demo.movie_video = db.enqueue_video(movie).video_id;
  Appearance jesper_talks = appearance("jesper", 0.4, 2.8, 1.6, 0.82f, 0.31f, {52, 12, 70, 80}, 12);
  write_evidence(movie_frame(1.6), jesper_talks, demo.evidence_root / "movie", "jesper-0.4");
  *clock = kNov20 + 2 * kMinute;
  store::FinishedScan scan{demo.movie_video,
                         "worker-1",
                         "targets-v3",
                         kNov20 + kMinute,
                         0,
                         23,
                         4.53,
                         R"({"decode_ms": 41, "detect_ms": 1610})",
                         {jesper_talks},
                         {}};
  auto done = db.complete_scan(scan);
  demo.movie_appearance = done.appearance_ids.at(0);

  // A TikTok video of the three friends with the Qt tattoo (an image target).
  *clock = kNov20 + 30 * kMinute;
  db.record_poll_failure("newsdesk", "yt-dlp exited with 1: HTTP Error 429: Too Many Requests",
                         std::chrono::minutes(10));
  db.record_poll_success("newsdesk", std::chrono::minutes(5));
  VideoRef harbour = video_ref("tiktok", "7301234567890123456",
                               "https://www.tiktok.com/@newsdesk/video/7301234567890123456",
                               "Qt course reunion – the tattoo is real! Skål! #qt #kde",
                               "@newsdesk", "2026-11-19T18:02:11Z", "newsdesk");
  demo.harbour_video = db.enqueue_video(harbour).video_id;
  const cv::Mat friends = read_photo("qt-logo.jpg");
  std::vector<Appearance> found{
      appearance("jesper", 3.0, 5.0, 4.2, 0.74f, 0.44f, {342, 89, 148, 157}, 11),
      appearance("wayne", 3.2, 4.6, 3.8, 0.69f, 0.48f, {144, 78, 148, 152}, 8),
      appearance("qt-logo", 6.0, 9.4, 7.0, 0.91f, 0.f, {338, 322, 62, 52}, 18),
      appearance("jesper", 11.0, 12.4, 11.6, 0.57f, 0.56f, {558, 45, 137, 144}, 5)};
  for (auto& a : found)
    write_evidence(friends, a, demo.evidence_root / "tiktok-7301234567890123456",
                   a.target + "-" + std::to_string(static_cast<int>(a.start * 10)));
  *clock = kNov20 + 34 * kMinute;
  done = db.complete_scan({demo.harbour_video,
                           "worker-2",
                           "targets-v3",
                           kNov20 + 31 * kMinute,
                           0,
                           71,
                           14.2,
                           "{}",
                           found,
                           {"webhook-1"}});
  demo.dismissed_appearance = done.appearance_ids.at(3);
  db.set_verdict(done.appearance_ids.at(1), store::Verdict::confirmed);
  db.set_verdict(demo.dismissed_appearance, store::Verdict::dismissed);
  for (const auto& id : done.appearance_ids) demo.all_appearances.push_back(id);

  // Hostile text in every field a feed controls.
  *clock = kNov20 + 50 * kMinute;
  db.record_poll_failure("newsdesk", "yt-dlp exited with 1: <b>Unable to extract</b> data",
                         std::chrono::minutes(10));
  db.record_poll_failure("newsdesk", "yt-dlp timed out after 2m", std::chrono::minutes(20));
  VideoRef hostile = video_ref("tiktok", "7301234567890000001", "javascript:alert(3)",
                               DemoStore::hostile_title, DemoStore::hostile_author, "", "newsdesk");
  demo.hostile_video = db.enqueue_video(hostile).video_id;
  Appearance jesper_again =
      appearance("jesper", 1.0, 2.2, 1.4, 0.77f, 0.38f, {342, 89, 148, 157}, 6);
  write_evidence(friends, jesper_again, demo.evidence_root / "tiktok-7301234567890000001",
                 "jesper-1.0");
  *clock = kNov20 + 52 * kMinute;
  done = db.complete_scan({demo.hostile_video,
                           "worker-1",
                           "targets-v3",
                           kNov20 + 51 * kMinute,
                           0,
                           30,
                           6.0,
                           "{}",
                           {jesper_again},
                           {}});
  demo.hostile_appearance = done.appearance_ids.at(0);
  demo.all_appearances.insert(demo.all_appearances.begin(), demo.hostile_appearance);
  demo.all_appearances.push_back(demo.movie_appearance);

  // Listed but not scanned yet.
  db.enqueue_video(video_ref("tiktok", "7301234567890000002",
                             "https://www.tiktok.com/@newsdesk/video/2", "Morning market",
                             "@newsdesk", "", "newsdesk"));
  return demo;
}

}  // namespace tw::test
