#pragma once
// The sandbox's Cloud Storage: buckets and objects with Google's metadata (generation,
// metageneration, md5Hash, crc32c, etag; numbers as strings in JSON, as the JSON API returns
// them). Shared by the Storage endpoints and Dataproc (which reads main files and writes
// driver output). Objects are mirrored under <state-dir>/gcs so they survive restarts.
// Thread-safe (one mutex).
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/config.h"
#include "util/clock.h"
#include "util/json.h"

namespace dbtpy::sandbox::google {

// CRC32C (Castagnoli), as GCS checksums objects.
uint32_t crc32c(std::string_view data);
// base64 of the big-endian CRC32C / of the MD5 digest: the `crc32c` and `md5Hash` fields.
std::string crc32c_base64(std::string_view data);
std::string md5_base64(std::string_view data);

struct GcsObject {
  std::string bucket;
  std::string name;
  std::string content;
  std::string content_type = "application/octet-stream";
  long long generation = 0;
  long long metageneration = 1;
  std::string md5;
  std::string crc32c;
  std::string created;  // RFC 3339
  std::string updated;
  Json metadata = Json::object();  // custom metadata
};

class GcsStore {
 public:
  GcsStore(const GoogleConfig& config, std::filesystem::path state_dir, const Clock& clock);

  bool has_bucket(const std::string& bucket) const;
  void ensure_bucket(const std::string& bucket, const std::string& location = "US");
  std::optional<Json> bucket_json(const std::string& bucket, const std::string& base_url) const;

  // Writes an object. `if_generation_match` (0 = must not exist) fails with 412 -> nullopt.
  std::optional<GcsObject> put(const std::string& bucket, const std::string& name,
                               std::string content, const std::string& content_type,
                               const Json& metadata, std::optional<long long> if_generation_match);
  std::optional<GcsObject> get(const std::string& bucket, const std::string& name) const;
  bool remove(const std::string& bucket, const std::string& name);
  std::vector<GcsObject> list(const std::string& bucket, const std::string& prefix) const;

  static Json object_json(const GcsObject& o, const std::string& base_url);

 private:
  void save(const GcsObject& o) const;
  void load();

  const Clock& clock_;
  std::filesystem::path dir_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> buckets_;  // name -> location
  std::map<std::string, std::map<std::string, GcsObject>> objects_;
  long long last_generation_ = 0;
};

}  // namespace dbtpy::sandbox::google
