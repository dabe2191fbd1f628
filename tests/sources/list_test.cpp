// Listing urls, folder and command sources with real files, a real HTTP
// server and real child processes.
#include "sources/sources.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "core/errors.h"
#include "core/hash.h"
#include "support/test_support.h"
#include "test_server.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using tw::test::entries;
using tw::test::input_error_of;
using tw::test::read_file;

tw::SourceConfig source_of(tw::SourceKind kind, const std::string& name,
                           const std::string& location) {
  tw::SourceConfig source;
  source.name = name;
  source.kind = kind;
  source.location = location;
  source.timeout = 20s;
  source.max_videos = 50;
  return source;
}

using tw::test::contains;

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// True when the process is gone (or a zombie waiting for its reaper).
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z';
}

pid_t read_pid(const fs::path& file) {
  pid_t pid = 0;
  std::ifstream(file) >> pid;
  return pid;
}

using Listing = tw::test::WithTestServer;

// --- urls -------------------------------------------------------------------

TEST_F(Listing, UrlsFromAnHttpListing) {
  auto result =
      tw::sources::list_source(source_of(tw::SourceKind::urls, "demo", server_->url("/list.txt")));
  ASSERT_EQ(result.videos.size(), 2u);  // the repeated line counts once
  EXPECT_EQ(result.videos[0].url, server_->url("/videos/a.mp4"));
  EXPECT_EQ(result.videos[1].url, server_->url("/videos/b.mp4"));
  for (const auto& v : result.videos) {
    EXPECT_EQ(v.platform, "url");
    EXPECT_EQ(v.source, "demo");
    EXPECT_EQ(v.id, tw::sha256_hex(v.url).substr(0, 16));  // stable across runs and hosts' order
  }
  EXPECT_EQ(result.videos[0].title, "a.mp4");
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_EQ(result.warnings[0], "line 5: not an http(s) URL, skipped");
}

TEST_F(Listing, UrlsFromALocalFileKeepTheNewestLines) {
  fs::path dir = tw::test::fresh_dir("urls-file");
  std::ofstream(dir / "list.txt")
      << "# old first\nhttp://h/1.mp4\nhttp://h/2.mp4?x=1\nhttps://h/3.mp4\n";
  auto source = source_of(tw::SourceKind::urls, "file", (dir / "list.txt").string());
  source.max_videos = 2;
  auto result = tw::sources::list_source(source);
  ASSERT_EQ(result.videos.size(), 2u);
  EXPECT_EQ(result.videos[0].url, "http://h/2.mp4?x=1");
  EXPECT_EQ(result.videos[0].title, "2.mp4");
  EXPECT_EQ(result.videos[1].url, "https://h/3.mp4");
}

TEST_F(Listing, UrlsListingFailuresNameTheSourceAndReason) {
  auto e = input_error_of([&] {
    tw::sources::list_source(source_of(tw::SourceKind::urls, "gone", server_->url("/nothing.txt")));
  });
  EXPECT_EQ(e.input(), "source gone");
  EXPECT_TRUE(contains(e.reason(), "404")) << e.what();
  e = input_error_of([&] {
    tw::sources::list_source(source_of(tw::SourceKind::urls, "broken", server_->url("/error.mp4")));
  });
  EXPECT_TRUE(contains(e.reason(), "500")) << e.what();
  e = input_error_of([&] {
    tw::sources::list_source(source_of(tw::SourceKind::urls, "nofile", "/nonexistent/list.txt"));
  });
  EXPECT_TRUE(contains(e.reason(), "cannot read")) << e.what();
  auto slow = source_of(tw::SourceKind::urls, "slow", server_->url("/hang.mp4"));
  slow.timeout = 1s;
  auto start = std::chrono::steady_clock::now();
  e = input_error_of([&] { tw::sources::list_source(slow); });
  EXPECT_TRUE(contains(e.reason(), "timed out")) << e.what();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

// --- folder -----------------------------------------------------------------

void write_file(const fs::path& path, const std::string& bytes, std::chrono::seconds age) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
  fs::last_write_time(path, fs::file_time_type::clock::now() - age);
}

TEST_F(Listing, FolderPicksUpNewAndReplacedFilesAndSkipsFilesBeingWritten) {
  fs::path dir = tw::test::fresh_dir("folder");
  write_file(dir / "a.mp4", tw::test::tiny_mp4(1), 60s);
  write_file(dir / "notes.txt", "not a video", 60s);
  write_file(dir / ".partial.mp4", "hidden", 60s);
  write_file(dir / "sub" / "c.MOV", "nested", 60s);
  auto source = source_of(tw::SourceKind::folder, "inbox", dir.string());

  auto first = tw::sources::list_source(source);
  ASSERT_EQ(first.videos.size(), 1u);
  const tw::VideoRef a = first.videos[0];
  EXPECT_EQ(a.platform, "file");
  EXPECT_EQ(a.title, "a.mp4");
  EXPECT_EQ(a.url, (dir / "a.mp4").string());
  EXPECT_EQ(a.source, "inbox");
  EXPECT_EQ(a.posted_at.size(), 20u);  // 2026-01-01T00:00:00Z

  // A new file appears; one still being written (modified just now) waits.
  write_file(dir / "b.mp4", tw::test::tiny_mp4(2), 30s);
  write_file(dir / "c.mp4", "still copying", 0s);
  auto second = tw::sources::list_source(source);
  ASSERT_EQ(second.videos.size(), 2u);
  EXPECT_EQ(second.videos[0].title, "b.mp4");  // newest first
  EXPECT_EQ(second.videos[1].id, a.id);        // unchanged file, same id

  fs::last_write_time(dir / "c.mp4", fs::file_time_type::clock::now() - 10s);
  EXPECT_EQ(tw::sources::list_source(source).videos.size(), 3u);

  // The same name with other content is a new video.
  write_file(dir / "a.mp4", tw::test::tiny_mp4(2), 20s);
  auto third = tw::sources::list_source(source);
  std::set<std::string> ids;
  for (const auto& v : third.videos) ids.insert(v.id);
  EXPECT_EQ(ids.count(a.id), 0u);
  EXPECT_EQ(ids.size(), 3u);

  source.recursive = true;
  auto deep = tw::sources::list_source(source);
  EXPECT_EQ(deep.videos.size(), 4u);
  bool nested = false;
  for (const auto& v : deep.videos)
    nested = nested || v.title == (fs::path("sub") / "c.MOV").string();
  EXPECT_TRUE(nested);

  auto missing = source_of(tw::SourceKind::folder, "nowhere", (dir / "missing").string());
  auto e = input_error_of([&] { tw::sources::list_source(missing); });
  EXPECT_TRUE(contains(e.reason(), "no such folder")) << e.what();
}

// --- command ----------------------------------------------------------------

TEST_F(Listing, CommandLinesAreParsedAndGarbageIsSkippedWithItsLineNumber) {
  fs::path dir = tw::test::fresh_dir("command-good");
  fs::path script = tw::test::write_script(dir, "feed.sh", R"(cat <<'EOF'
{"id":"v1","url":"https://example.org/v1.mp4","title":"first","author":"ann","posted_at":"2024-05-01T10:00:00Z"}
this is not json
{"id": 2, "url": "https://example.org/v2.mp4", "posted_at": 1714557600, "platform": "tiktok"}

[1, 2]
{"id":"v3"}
EOF
)");
  auto source = source_of(tw::SourceKind::command, "trending", "");
  source.command = {script.string()};
  auto result = tw::sources::list_source(source);
  ASSERT_EQ(result.videos.size(), 2u);
  EXPECT_EQ(result.videos[0].id, "v1");
  EXPECT_EQ(result.videos[0].platform, "command");
  EXPECT_EQ(result.videos[0].title, "first");
  EXPECT_EQ(result.videos[0].author, "ann");
  EXPECT_EQ(result.videos[0].posted_at, "2024-05-01T10:00:00Z");
  EXPECT_EQ(result.videos[0].source, "trending");
  EXPECT_EQ(result.videos[1].id, "2");
  EXPECT_EQ(result.videos[1].platform, "tiktok");
  EXPECT_EQ(result.videos[1].posted_at, "2024-05-01T10:00:00Z");
  EXPECT_EQ(result.warnings, (std::vector<std::string>{"line 2: not JSON, skipped",
                                                       "line 5: not a JSON object, skipped",
                                                       "line 6: no \"url\", skipped"}));
}

TEST_F(Listing, CommandRunsInTheConfigFolderWithArgumentsAsGiven) {
  fs::path dir = tw::test::fresh_dir("command-args");
  // printf's format comes from argv: a shell would have expanded $HOME and *.
  auto source = source_of(tw::SourceKind::command, "args", "");
  source.command = {"printf", "{\"id\":\"%s\",\"url\":\"%s\"}\\n", "$HOME *", "u"};
  source.base_dir = dir;
  auto result = tw::sources::list_source(source);
  ASSERT_EQ(result.videos.size(), 1u) << joined(result.warnings);
  EXPECT_EQ(result.videos[0].id, "$HOME *");

  source.command = {"sh", "-c", "printf '{\"id\":\"%s\",\"url\":\"x\"}\\n' \"$(pwd)\""};
  result = tw::sources::list_source(source);
  ASSERT_EQ(result.videos.size(), 1u);
  EXPECT_EQ(fs::path(result.videos[0].id), fs::canonical(dir));
}

TEST_F(Listing, UntrustedTextIsKeptVerbatimAndNeverExecuted) {
  fs::path dir = tw::test::fresh_dir("command-untrusted");
  const std::string pwned = (dir / "pwned").string();
  // As JSON in the script's output: quotes escaped, a \n escape for the newline.
  const std::string title_json =
      "He said \\\"hi\\\"\\nline two $(touch " + pwned + ") `touch " + pwned + "` ${IFS}; rm -rf /";
  fs::path script = tw::test::write_script(
      dir, "feed.sh",
      "cat <<'EOF'\n{\"id\":\"x$(touch " + pwned +
          ")\",\"url\":\"https://example.org/x.mp4\",\"title\":\"" + title_json +
          "\",\"author\":\"o'hara; $(touch " + pwned + ")\"}\nEOF\n");
  auto source = source_of(tw::SourceKind::command, "evil", "");
  source.command = {script.string()};
  auto result = tw::sources::list_source(source);
  ASSERT_EQ(result.videos.size(), 1u) << joined(result.warnings);
  EXPECT_EQ(result.videos[0].title, "He said \"hi\"\nline two $(touch " + pwned + ") `touch " +
                                        pwned + "` ${IFS}; rm -rf /");
  EXPECT_EQ(result.videos[0].author, "o'hara; $(touch " + pwned + ")");
  EXPECT_EQ(result.videos[0].id, "x$(touch " + pwned + ")");
  EXPECT_FALSE(fs::exists(pwned));
}

TEST_F(Listing, CommandFailures) {
  fs::path dir = tw::test::fresh_dir("command-fail");
  auto source = source_of(tw::SourceKind::command, "flaky", "");

  // Exit 1 without a valid line: the listing failed, with the program's words.
  source.command = {
      tw::test::write_script(dir, "down.sh", "echo 'feed is down' >&2\nexit 1\n").string()};
  auto e = input_error_of([&] { tw::sources::list_source(source); });
  EXPECT_EQ(e.input(), "source flaky");
  EXPECT_EQ(e.reason(), "exited with status 1: feed is down");

  // Exit 1 after valid lines: keep them, warn.
  source.command = {
      tw::test::write_script(dir, "partial.sh",
                             "echo '{\"id\":\"a\",\"url\":\"u\"}'\necho oops >&2\nexit 1\n")
          .string()};
  auto partial = tw::sources::list_source(source);
  EXPECT_EQ(partial.videos.size(), 1u);
  EXPECT_EQ(partial.warnings, std::vector<std::string>{"exited with status 1: oops"});

  // Only garbage: a failure even with exit 0.
  source.command = {
      tw::test::write_script(dir, "garbage.sh", "echo '<html>'\necho '{oops'\n").string()};
  e = input_error_of([&] { tw::sources::list_source(source); });
  EXPECT_EQ(e.reason(), "printed no valid line (line 1: not JSON, skipped)");

  // Nothing at all with exit 0: an empty feed.
  source.command = {"true"};
  EXPECT_TRUE(tw::sources::list_source(source).videos.empty());

  source.command = {(dir / "missing-program").string()};
  e = input_error_of([&] { tw::sources::list_source(source); });
  EXPECT_TRUE(contains(e.reason(), "cannot run")) << e.what();
}

TEST_F(Listing, AHangingCommandIsKilledWithEverythingItStarted) {
  fs::path dir = tw::test::fresh_dir("command-hang");
  fs::path script = tw::test::write_script(dir, "hang.sh",
                                           "echo '{\"id\":\"a\",\"url\":\"u\"}'\n"
                                           "sleep 60 &\necho $! > '" +
                                               (dir / "child.pid").string() + "'\necho $$ > '" +
                                               (dir / "shell.pid").string() + "'\nsleep 60\n");
  auto source = source_of(tw::SourceKind::command, "stuck", "");
  source.command = {script.string()};
  source.timeout = 1s;
  auto start = std::chrono::steady_clock::now();
  auto e = input_error_of([&] { tw::sources::list_source(source); });
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.reason(), "timed out after 1s and was killed");
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 5s);
  pid_t shell = read_pid(dir / "shell.pid"), child = read_pid(dir / "child.pid");
  ASSERT_GT(shell, 0);
  ASSERT_GT(child, 0);
  // The background sleep was in the same process group: killed too.
  for (int i = 0; i < 100 && !(process_gone(shell) && process_gone(child)); ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(process_gone(shell));
  EXPECT_TRUE(process_gone(child));
}

// The peak resident memory of this process since the last reset_peak_memory
// (VmHWM), in bytes; 0 when /proc does not say.
std::size_t peak_memory() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}
// Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
bool reset_peak_memory() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

// Fault injection (issue 19): a command source and a yt-dlp listing program
// that each print 1 GiB.  Each is killed once it passes the 64 MiB output
// limit, long before its timeout; the reason names the limit; the pipeline
// it started dies with it; this process never holds the gigabyte.
TEST_F(Listing, ASourceThatPrintsAGigabyteIsKilledAtTheOutputLimit) {
  fs::path dir = tw::test::fresh_dir("command-flood");
  const std::string gigabyte = " | head -c 1073741824\n";
  auto command = source_of(tw::SourceKind::command, "flood", "");
  command.command = {tw::test::write_script(dir, "flood.sh",
                                            "echo $$ > '" + (dir / "flood.pid").string() +
                                                "'\nyes '{\"id\":\"x\",\"url\":\"u\"}'" + gigabyte)
                         .string()};
  auto ytdlp = source_of(tw::SourceKind::ytdlp, "ytflood", "https://www.tiktok.com/@someone");
  ytdlp.ytdlp = tw::test::write_script(dir, "yt-dlp",
                                       "echo $$ > '" + (dir / "ytdlp.pid").string() +
                                           "'\nprintf '{\"_type\":\"playlist\",\"entries\":['\n"
                                           "yes '{\"id\":\"1\",\"url\":\"u\"},'" +
                                           gigabyte)
                    .string();
  for (auto* source : {&command, &ytdlp}) {
    source->timeout = 120s;
    const bool measured = reset_peak_memory();
    auto start = std::chrono::steady_clock::now();
    auto e = input_error_of([&] { tw::sources::list_source(*source); });
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(e.input(), "source " + source->name);
    EXPECT_TRUE(contains(e.reason(),
                         "printed more than 64 MiB on standard output (its limit) and was killed"))
        << e.what();
    EXPECT_LT(elapsed, 30s) << source->name << ": not stopped at the limit";
    if (measured) {
      EXPECT_LT(peak_memory(), 400u * 1024 * 1024) << source->name;
    }
    pid_t shell = read_pid(dir / (source == &command ? "flood.pid" : "ytdlp.pid"));
    ASSERT_GT(shell, 0);
    for (int i = 0; i < 100 && !process_gone(shell); ++i) std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(process_gone(shell)) << source->name;
  }
}

TEST_F(Listing, ACancelledListingStopsAtOnceAndKillsTheProgram) {
  fs::path dir = tw::test::fresh_dir("command-cancel");
  fs::path script = tw::test::write_script(
      dir, "hang.sh", "echo $$ > '" + (dir / "shell.pid").string() + "'\nsleep 60\n");
  auto source = source_of(tw::SourceKind::command, "stuck", "");
  source.command = {script.string()};
  source.timeout = 30s;
  tw::sources::CancelFlag cancel{false};
  tw::sources::ListOptions options;
  options.cancel = &cancel;
  std::thread raiser([&] {
    std::this_thread::sleep_for(300ms);
    cancel = true;
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(tw::sources::list_source(source, options), tw::sources::Cancelled);
  raiser.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  pid_t shell = read_pid(dir / "shell.pid");
  ASSERT_GT(shell, 0);
  for (int i = 0; i < 100 && !process_gone(shell); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(process_gone(shell));
}

}  // namespace
