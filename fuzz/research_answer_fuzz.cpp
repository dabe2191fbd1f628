// The TikTok Research API's answers (sources/research_answer.h) as a server
// might send them: the first byte picks the HTTP status, the rest is the
// body.  read_research_answer and read_research_token never throw;
// read_research_page throws only InputError.  A secret echoed by the server
// must not survive in the texts a message quotes.
#include "core/errors.h"
#include "fuzz/fuzz_support.h"
#include "sources/research_answer.h"

namespace {

constexpr long kStatuses[] = {200, 200, 200, 400, 401, 403, 429, 500, 503, 204};
const std::string kSecret = "client-secret-Zq81";

bool quotes_secret(const tw::sources::ResearchAnswer& answer) {
  for (const std::string* part : {&answer.code, &answer.message, &answer.log_id, &answer.not_json})
    if (part->find(kSecret) != std::string::npos) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const long status = kStatuses[data[0] % std::size(kStatuses)];
  const std::string body = tw::fuzz::text_of(data + 1, size - 1);
  const auto answer = tw::sources::read_research_answer(status, body, {kSecret});
  if (quotes_secret(answer)) tw::fuzz::fail("the client secret survived in an answer's text");
  if (auto token = tw::sources::read_research_token(answer)) {
    if (token->token.empty()) tw::fuzz::fail("an empty token was taken");
    if (token->lifetime.count() < 0) tw::fuzz::fail("a negative token lifetime");
    // What the client does with it: a deadline on the system clock.
    (void)(std::chrono::system_clock::now() + token->lifetime);
  }
  try {
    auto page = tw::sources::read_research_page(answer, "fuzz", 1714600000000);
    for (const auto& video : page.videos) {
      if (video.id.empty() || video.platform != "tiktok") tw::fuzz::fail("a video without an id");
      if (video.stats && video.stats->source != "fuzz") tw::fuzz::fail("figures without a source");
    }
  } catch (const tw::InputError&) {
  }
  return 0;
}
