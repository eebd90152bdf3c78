#include "sandbox/google/gcs_store.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <array>

#include "sandbox/http/params.h"
#include "util/base64.h"
#include "util/fs.h"

namespace dbtpy::sandbox::google {
namespace {

// Table-driven CRC32C (reflected polynomial 0x82F63B78). No Debian library in our set offers
// CRC32C (zlib has CRC32 only, OpenSSL neither), so this is the one hand-written checksum.
std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}

}  // namespace

uint32_t crc32c(std::string_view data) {
  static const std::array<uint32_t, 256> table = make_table();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data)
    c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string crc32c_base64(std::string_view data) {
  uint32_t c = crc32c(data);
  std::string be = {static_cast<char>(c >> 24), static_cast<char>(c >> 16),
                    static_cast<char>(c >> 8), static_cast<char>(c)};
  return base64_encode(be);
}

std::string md5_base64(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  return base64_encode(std::string_view(reinterpret_cast<char*>(digest), len));
}

GcsStore::GcsStore(const GoogleConfig& config, std::filesystem::path state_dir, const Clock& clock)
    : clock_(clock) {
  for (const auto& b : config.buckets)
    buckets_[b.name] = b.location;
  if (!state_dir.empty()) dir_ = state_dir / "gcs";
  load();
}

bool GcsStore::has_bucket(const std::string& bucket) const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.count(bucket) > 0;
}

void GcsStore::ensure_bucket(const std::string& bucket, const std::string& location) {
  std::lock_guard<std::mutex> lock(mu_);
  buckets_.emplace(bucket, location);
}

std::optional<Json> GcsStore::bucket_json(const std::string& bucket,
                                          const std::string& base_url) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(bucket);
  if (it == buckets_.end()) return std::nullopt;
  return Json{{"kind", "storage#bucket"},
              {"selfLink", base_url + "/storage/v1/b/" + bucket},
              {"id", bucket},
              {"name", bucket},
              {"projectNumber", "123456789012"},
              {"metageneration", "1"},
              {"location", it->second},
              {"locationType", "multi-region"},
              {"storageClass", "STANDARD"},
              {"etag", "CAE="},
              {"timeCreated", "2024-01-01T00:00:00.000Z"},
              {"updated", "2024-01-01T00:00:00.000Z"},
              {"iamConfiguration",
               {{"uniformBucketLevelAccess", {{"enabled", true}}},
                {"publicAccessPrevention", "enforced"}}}};
}

std::optional<GcsObject> GcsStore::put(const std::string& bucket, const std::string& name,
                                       std::string content, const std::string& content_type,
                                       const Json& metadata,
                                       std::optional<long long> if_generation_match) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = objects_[bucket];
  auto it = objects.find(name);
  if (if_generation_match) {
    long long current = it == objects.end() ? 0 : it->second.generation;
    if (current != *if_generation_match) return std::nullopt;
  }
  GcsObject o;
  o.bucket = bucket;
  o.name = name;
  o.content_type = content_type.empty() ? "application/octet-stream" : content_type;
  o.md5 = md5_base64(content);
  o.crc32c = crc32c_base64(content);
  o.content = std::move(content);
  // Generations are microsecond timestamps, strictly increasing as in GCS.
  long long gen =
      std::chrono::duration_cast<std::chrono::microseconds>(clock_.now().time_since_epoch())
          .count();
  last_generation_ = std::max(last_generation_ + 1, gen);
  o.generation = last_generation_;
  o.updated = format_rfc3339(clock_.now());
  o.created = o.updated;
  if (metadata.is_object()) o.metadata = metadata;
  save(o);
  objects[name] = o;
  return o;
}

std::optional<GcsObject> GcsStore::get(const std::string& bucket, const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = objects_.find(bucket);
  if (b == objects_.end()) return std::nullopt;
  auto it = b->second.find(name);
  if (it == b->second.end()) return std::nullopt;
  return it->second;
}

bool GcsStore::remove(const std::string& bucket, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = objects_.find(bucket);
  if (b == objects_.end() || !b->second.erase(name)) return false;
  if (!dir_.empty()) {
    std::error_code ec;
    auto base = dir_ / bucket / url_encode(name);
    std::filesystem::remove(base.string() + ".data", ec);
    std::filesystem::remove(base.string() + ".json", ec);
  }
  return true;
}

std::vector<GcsObject> GcsStore::list(const std::string& bucket, const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GcsObject> out;
  auto b = objects_.find(bucket);
  if (b == objects_.end()) return out;
  for (auto it = b->second.lower_bound(prefix);
       it != b->second.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.push_back(it->second);
  }
  return out;
}

Json GcsStore::object_json(const GcsObject& o, const std::string& base_url) {
  const std::string enc = url_encode(o.name);
  const std::string gen = std::to_string(o.generation);
  Json j = {{"kind", "storage#object"},
            {"id", o.bucket + "/" + o.name + "/" + gen},
            {"selfLink", base_url + "/storage/v1/b/" + o.bucket + "/o/" + enc},
            {"mediaLink", base_url + "/download/storage/v1/b/" + o.bucket + "/o/" + enc +
                              "?generation=" + gen + "&alt=media"},
            {"name", o.name},
            {"bucket", o.bucket},
            {"generation", gen},
            {"metageneration", std::to_string(o.metageneration)},
            {"contentType", o.content_type},
            {"storageClass", "STANDARD"},
            {"size", std::to_string(o.content.size())},
            {"md5Hash", o.md5},
            {"crc32c", o.crc32c},
            {"etag", base64_encode(gen.substr(gen.size() > 8 ? gen.size() - 8 : 0))},
            {"timeCreated", o.created},
            {"updated", o.updated},
            {"timeStorageClassUpdated", o.created}};
  if (!o.metadata.empty()) j["metadata"] = o.metadata;
  return j;
}

void GcsStore::save(const GcsObject& o) const {
  if (dir_.empty()) return;
  try {
    auto base = dir_ / o.bucket / url_encode(o.name);
    write_file_atomic(base.string() + ".data", o.content);
    Json meta = {{"name", o.name},
                 {"contentType", o.content_type},
                 {"generation", o.generation},
                 {"created", o.created},
                 {"metadata", o.metadata}};
    write_file_atomic(base.string() + ".json", meta.dump());
  } catch (const std::exception& e) {
    spdlog::error("cannot mirror gs://{}/{}: {}", o.bucket, o.name, e.what());
  }
}

void GcsStore::load() {
  if (dir_.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec)) return;
  for (const auto& bdir : std::filesystem::directory_iterator(dir_, ec)) {
    if (!bdir.is_directory()) continue;
    std::string bucket = bdir.path().filename().string();
    buckets_.emplace(bucket, "US");
    for (const auto& f : std::filesystem::directory_iterator(bdir.path(), ec)) {
      if (f.path().extension() != ".json") continue;
      try {
        Json meta = Json::parse(read_file(f.path()));
        auto data = f.path();
        data.replace_extension(".data");
        GcsObject o;
        o.bucket = bucket;
        o.name = meta.at("name");
        o.content = read_file(data);
        o.content_type = meta.value("contentType", "application/octet-stream");
        o.generation = meta.value("generation", 1LL);
        o.created = o.updated = meta.value("created", "");
        o.metadata = meta.value("metadata", Json::object());
        o.md5 = md5_base64(o.content);
        o.crc32c = crc32c_base64(o.content);
        last_generation_ = std::max(last_generation_, o.generation);
        objects_[bucket][o.name] = std::move(o);
      } catch (const std::exception& e) {
        spdlog::warn("ignoring {}: {}", f.path().string(), e.what());
      }
    }
  }
}

}  // namespace dbtpy::sandbox::google
