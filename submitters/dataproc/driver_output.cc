#include "submitters/dataproc/driver_output.h"

#include <fmt/format.h>

#include "submitters/http/url.h"

namespace dbtpy::submitters::dataproc {
namespace {

constexpr int kMaxObjects = 1000;

}  // namespace

std::string gcs_media_url(const std::string& storage_origin, const std::string& uri) {
  if (!uri.starts_with("gs://")) return {};
  std::string rest = uri.substr(5);
  auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0) return {};
  return storage_origin + "/storage/v1/b/" + http::url_encode(rest.substr(0, slash)) + "/o/" +
         http::url_encode(rest.substr(slash + 1)) + "?alt=media";
}

bool DriverOutput::read_next(FollowIo& io) {
  if (done_ || uri_.empty()) return true;
  const std::string url =
      gcs_media_url(io.storage_origin(), fmt::format("{}.{:09d}", uri_, index_));
  if (url.empty()) {
    note_ = "the driver output URI " + uri_ + " is not a gs:// URI";
    return done_ = true;
  }
  try {
    http::HttpResponse r = io.get_google(url);
    if (r.status == 404) return done_ = true;
    if (!r.ok()) {
      note_ = fmt::format("reading the driver output stopped: HTTP {} for {}", r.status,
                          http::redact_url(url));
      return done_ = true;
    }
    text_ += r.body;
  } catch (const std::exception& e) {
    note_ = std::string("reading the driver output stopped: ") + e.what();
    return done_ = true;
  }
  const size_t limit = io.limits().output_tail_bytes;
  if (text_.size() > limit) {
    size_t cut = text_.size() - limit;
    auto nl = text_.find('\n', cut);
    text_.erase(0, nl == std::string::npos ? cut : nl + 1);
  }
  if (++index_ >= kMaxObjects) return done_ = true;
  return false;
}

}  // namespace dbtpy::submitters::dataproc
