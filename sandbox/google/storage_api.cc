#include "sandbox/google/storage_api.h"

#include <regex>

#include "sandbox/google/errors.h"
#include "sandbox/http/params.h"
#include "util/strings.h"

namespace dbtpy::sandbox::google {
namespace {

Reply bucket_missing() {
  return google_error(404, "The specified bucket does not exist.", "notFound");
}

Reply object_missing(const std::string& bucket, const std::string& name) {
  return google_error(404, "No such object: " + bucket + "/" + name, "notFound");
}

Reply invalid(const std::string& message, const std::string& reason = "invalid") {
  return google_error(400, message, reason);
}

std::optional<std::string> check_object_name(const std::string& name) {
  if (name.empty()) return "Required parameter: name";
  if (name.size() > 1024) return "The object name is longer than 1024 bytes.";
  if (name == "." || name == "..") return "The object name cannot be '.' or '..'.";
  if (name.find('\n') != std::string::npos || name.find('\r') != std::string::npos) {
    return "The object name cannot contain carriage return or line feed characters.";
  }
  return std::nullopt;
}

// "bytes 0-99/200", "bytes 0-99/*", "bytes */200", "bytes */*".
struct ContentRange {
  std::optional<long long> first;
  std::optional<long long> last;
  std::optional<long long> total;
};

std::optional<ContentRange> parse_content_range(const std::string& header) {
  static const std::regex re(R"(^\s*bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)\s*$)");
  std::smatch m;
  if (!std::regex_match(header, m, re)) return std::nullopt;
  ContentRange r;
  if (m[1].matched) {
    r.first = std::stoll(m[1].str());
    r.last = std::stoll(m[2].str());
    if (*r.last < *r.first) return std::nullopt;
  }
  if (m[3].str() != "*") r.total = std::stoll(m[3].str());
  return r;
}

struct Part {
  std::string content_type;
  std::string body;
};

// multipart/related: the parts between "--boundary" lines, each with headers and a body.
std::optional<std::vector<Part>> parse_multipart(const std::string& body,
                                                 const std::string& boundary) {
  const std::string delim = "--" + boundary;
  std::vector<Part> parts;
  size_t pos = body.find(delim);
  if (pos == std::string::npos) return std::nullopt;
  for (;;) {
    pos += delim.size();
    if (body.compare(pos, 2, "--") == 0) break;  // closing delimiter
    if (body.compare(pos, 2, "\r\n") == 0) {
      pos += 2;
    } else if (body.compare(pos, 1, "\n") == 0) {
      pos += 1;
    }
    size_t header_end = body.find("\r\n\r\n", pos);
    size_t sep = 4;
    if (header_end == std::string::npos) {
      header_end = body.find("\n\n", pos);
      sep = 2;
    }
    if (header_end == std::string::npos) return std::nullopt;
    Part part;
    for (const auto& line : split(body.substr(pos, header_end - pos), '\n')) {
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      if (iequals(trim(line.substr(0, colon)), "Content-Type")) {
        part.content_type = std::string(trim(line.substr(colon + 1)));
      }
    }
    size_t content_start = header_end + sep;
    size_t next = body.find(delim, content_start);
    if (next == std::string::npos) return std::nullopt;
    size_t content_end = next;
    if (content_end >= 2 && body.compare(content_end - 2, 2, "\r\n") == 0) {
      content_end -= 2;
    } else if (content_end >= 1 && body[content_end - 1] == '\n') {
      content_end -= 1;
    }
    part.body = body.substr(content_start, content_end - content_start);
    parts.push_back(std::move(part));
    pos = next;
  }
  return parts;
}

std::string boundary_of(const std::string& content_type) {
  static const std::regex re(R"re(boundary\s*=\s*"?([^";]+)"?)re", std::regex::icase);
  std::smatch m;
  if (std::regex_search(content_type, m, re)) return m[1].str();
  return {};
}

std::optional<long long> generation_precondition(const Exchange& ex, std::optional<Reply>& err) {
  if (!ex.has_query("ifGenerationMatch")) return std::nullopt;
  auto v = parse_int(ex.query("ifGenerationMatch"));
  if (!v || *v < 0) {
    err = invalid("Invalid argument: ifGenerationMatch must be a non-negative integer.");
    return std::nullopt;
  }
  return v;
}

}  // namespace

StorageApi::StorageApi(GcsStore& store, OAuth& oauth, Random& random)
    : store_(store), oauth_(oauth), random_(random) {}

void StorageApi::register_routes(Router& r) {
  r.add("POST", "/upload/storage/v1/b/([^/]+)/o", "gcs.objects.upload",
        [this](Exchange& ex) { return upload(ex); });
  r.add("PUT", "/upload/storage/v1/b/([^/]+)/o", "gcs.objects.upload_session",
        [this](Exchange& ex) { return resumable_put(ex); });
  r.add("GET", "/storage/v1/b/([^/]+)", "gcs.buckets.get",
        [this](Exchange& ex) { return get_bucket(ex); });
  r.add("GET", "/storage/v1/b/([^/]+)/o", "gcs.objects.list",
        [this](Exchange& ex) { return list_objects(ex); });
  r.add("GET", "/storage/v1/b/([^/]+)/o/(.+)", "gcs.objects.get",
        [this](Exchange& ex) { return get_object(ex, false); });
  r.add("GET", "/download/storage/v1/b/([^/]+)/o/(.+)", "gcs.objects.download",
        [this](Exchange& ex) { return get_object(ex, true); });
  r.add("DELETE", "/storage/v1/b/([^/]+)/o/(.+)", "gcs.objects.delete",
        [this](Exchange& ex) { return delete_object(ex); });
}

Reply StorageApi::finish(Exchange& ex, const std::string& bucket, const std::string& name,
                         std::string content, const std::string& content_type, const Json& metadata,
                         std::optional<long long> if_generation_match) {
  auto o =
      store_.put(bucket, name, std::move(content), content_type, metadata, if_generation_match);
  if (!o) {
    return google_error(412, "At least one of the pre-conditions you specified did not hold.",
                        "conditionNotMet");
  }
  ex.log_keys["generation"] = std::to_string(o->generation);
  ex.creation_recorded = true;
  return Reply::json(200, GcsStore::object_json(*o, ex.base_url));
}

Reply StorageApi::upload(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kStorage)) return *r;
  const std::string bucket = ex.args[0];
  if (!store_.has_bucket(bucket)) return bucket_missing();
  std::optional<Reply> err;
  auto precondition = generation_precondition(ex, err);
  if (err) return *err;
  const std::string type = ex.query("uploadType");
  ex.log_keys["uploadType"] = type;
  std::string name = ex.query("name");
  if (type == "media") {
    if (auto bad = check_object_name(name)) return invalid(*bad, "required");
    ex.log_keys["name"] = name;
    std::string ct = ex.header("Content-Type");
    return finish(ex, bucket, name, ex.req.body, ct, Json::object(), precondition);
  }
  if (type == "multipart") {
    if (ex.content_type() != "multipart/related") {
      return invalid("Content-Type must be multipart/related for uploadType=multipart.");
    }
    std::string boundary = boundary_of(ex.header("Content-Type"));
    if (boundary.empty()) return invalid("The multipart/related Content-Type has no boundary.");
    auto parts = parse_multipart(ex.req.body, boundary);
    if (!parts || parts->size() != 2) {
      return invalid("A multipart upload needs exactly two parts: JSON metadata, then the media.");
    }
    Json meta = Json::parse((*parts)[0].body, nullptr, false);
    if (!meta.is_object())
      return invalid("The first part of a multipart upload must be JSON metadata.", "parseError");
    if (name.empty()) name = meta.value("name", "");
    if (auto bad = check_object_name(name)) return invalid(*bad, "required");
    ex.log_keys["name"] = name;
    std::string ct = meta.value("contentType", (*parts)[1].content_type);
    return finish(ex, bucket, name, (*parts)[1].body, ct, meta.value("metadata", Json::object()),
                  precondition);
  }
  if (type == "resumable") {
    Json meta = Json::object();
    if (!ex.req.body.empty()) {
      meta = Json::parse(ex.req.body, nullptr, false);
      if (!meta.is_object())
        return invalid("The resumable upload metadata must be a JSON object.", "parseError");
    }
    if (name.empty()) name = meta.value("name", "");
    if (auto bad = check_object_name(name)) return invalid(*bad, "required");
    Session s;
    s.bucket = bucket;
    s.name = name;
    s.content_type = meta.value("contentType", ex.header("X-Upload-Content-Type"));
    s.metadata = meta.value("metadata", Json::object());
    s.if_generation_match = precondition;
    if (ex.has_header("X-Upload-Content-Length")) {
      auto n = parse_int(ex.header("X-Upload-Content-Length"));
      if (!n || *n < 0) return invalid("X-Upload-Content-Length must be a non-negative integer.");
      s.total = n;
    }
    std::string id = random_.alnum(64);
    {
      std::lock_guard<std::mutex> lock(mu_);
      sessions_[id] = std::move(s);
    }
    ex.log_keys["name"] = name;
    ex.log_keys["upload_id"] = id;
    Reply r = Reply::empty(200);
    r.header("Location", ex.base_url + "/upload/storage/v1/b/" + bucket +
                             "/o?uploadType=resumable&name=" + url_encode(name) +
                             "&upload_id=" + id);
    r.header("X-GUploader-UploadID", id);
    return r;
  }
  return invalid(type.empty()
                     ? "Upload requests must include an uploadType URL parameter."
                     : "Invalid upload type: " + type + " (use media, multipart or resumable).");
}

Reply StorageApi::resumable_put(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kStorage)) return *r;
  const std::string id = ex.query("upload_id");
  ex.log_keys["upload_id"] = id;
  std::unique_lock<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (id.empty() || it == sessions_.end()) {
    return google_error(404, "No such upload session.", "notFound");
  }
  Session& s = it->second;
  if (s.done) return Reply::json(200, GcsStore::object_json(*s.done, ex.base_url));
  ContentRange range;
  if (ex.has_header("Content-Range")) {
    auto parsed = parse_content_range(ex.header("Content-Range"));
    if (!parsed) {
      return invalid("Failed to parse Content-Range header: " + ex.header("Content-Range"));
    }
    range = *parsed;
  } else {
    // No Content-Range: the body is the whole object.
    range.first = 0;
    range.total = static_cast<long long>(ex.req.body.size());
    range.last = *range.total - 1;
    if (*range.total == 0) range.first.reset();
  }
  const long long have = static_cast<long long>(s.data.size());
  if (range.first) {
    long long len = *range.last - *range.first + 1;
    if (len != static_cast<long long>(ex.req.body.size())) {
      return invalid("Invalid request. There were " + std::to_string(ex.req.body.size()) +
                     " byte(s) in the body, but the Content-Range header says " +
                     std::to_string(len) + ".");
    }
    if (*range.first > have) {
      return invalid(
          "Invalid request. According to the Content-Range header, the upload offset "
          "is " +
          std::to_string(*range.first) + " byte(s), which exceeds already uploaded size of " +
          std::to_string(have) + " byte(s).");
    }
    // Bytes before `have` were already persisted (a resent chunk): keep only the new ones.
    size_t skip = static_cast<size_t>(have - *range.first);
    if (skip < ex.req.body.size()) s.data.append(ex.req.body.substr(skip));
  }
  if (range.total) {
    if (s.total && *s.total != *range.total) {
      return invalid("The total size in Content-Range differs from X-Upload-Content-Length.");
    }
    s.total = range.total;
  }
  const long long now_have = static_cast<long long>(s.data.size());
  if (s.total && now_have > *s.total) {
    return invalid("Invalid request. The upload holds more bytes than its declared size.");
  }
  if (s.total && now_have == *s.total) {
    Session done = s;
    lock.unlock();
    Reply r = finish(ex, done.bucket, done.name, done.data, done.content_type, done.metadata,
                     done.if_generation_match);
    lock.lock();
    auto again = sessions_.find(id);
    if (r.status == 200 && again != sessions_.end()) {
      again->second.done = store_.get(done.bucket, done.name);
      again->second.data.clear();
    }
    return r;
  }
  // Google's "308 Resume Incomplete": how many bytes are persisted, no Location header.
  Reply r = Reply::empty(308);
  if (now_have > 0) r.header("Range", "bytes=0-" + std::to_string(now_have - 1));
  return r;
}

Reply StorageApi::get_bucket(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kStorage, true)) return *r;
  auto j = store_.bucket_json(ex.args[0], ex.base_url);
  if (!j) return bucket_missing();
  return Reply::json(200, *j);
}

Reply StorageApi::get_object(Exchange& ex, bool download) {
  if (auto r = oauth_.check(ex, Api::kStorage, true)) return *r;
  const std::string bucket = ex.args[0];
  const std::string name = ex.args[1];
  if (!store_.has_bucket(bucket)) return bucket_missing();
  auto o = store_.get(bucket, name);
  if (!o) return object_missing(bucket, name);
  std::string alt = ex.query("alt");
  if (!alt.empty() && alt != "json" && alt != "media") {
    return invalid("Invalid value for alt: " + alt + " (use json or media).");
  }
  if (download || alt == "media") {
    Reply r;
    r.status = 200;
    r.body = o->content;
    r.content_type = o->content_type;
    r.header("x-goog-generation", std::to_string(o->generation));
    r.header("x-goog-metageneration", std::to_string(o->metageneration));
    r.header("x-goog-hash", "crc32c=" + o->crc32c + ",md5=" + o->md5);
    r.header("x-goog-stored-content-length", std::to_string(o->content.size()));
    return r;
  }
  return Reply::json(200, GcsStore::object_json(*o, ex.base_url));
}

Reply StorageApi::list_objects(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kStorage, true)) return *r;
  const std::string bucket = ex.args[0];
  if (!store_.has_bucket(bucket)) return bucket_missing();
  Json items = Json::array();
  for (const auto& o : store_.list(bucket, ex.query("prefix"))) {
    items.push_back(GcsStore::object_json(o, ex.base_url));
  }
  Json out = {{"kind", "storage#objects"}};
  if (!items.empty()) out["items"] = items;
  return Reply::json(200, out);
}

Reply StorageApi::delete_object(Exchange& ex) {
  if (auto r = oauth_.check(ex, Api::kStorage)) return *r;
  const std::string bucket = ex.args[0];
  const std::string name = ex.args[1];
  if (!store_.has_bucket(bucket)) return bucket_missing();
  if (!store_.remove(bucket, name)) return object_missing(bucket, name);
  return Reply::empty(204);
}

}  // namespace dbtpy::sandbox::google
