#pragma once
// Cloud Storage JSON API endpoints: uploads (uploadType=media, multipart/related, resumable
// sessions with Content-Range PUTs answered 308 "Resume Incomplete" until the last byte),
// bucket get, object get (metadata or alt=media), list and delete. Thread-safe: objects live
// in the GcsStore, upload sessions under this class's mutex.
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "sandbox/google/gcs_store.h"
#include "sandbox/google/oauth.h"
#include "sandbox/http/router.h"
#include "sandbox/random.h"

namespace dbtpy::sandbox::google {

class StorageApi {
 public:
  StorageApi(GcsStore& store, OAuth& oauth, Random& random);
  void register_routes(Router& router);

 private:
  struct Session {
    std::string bucket;
    std::string name;
    std::string content_type;
    Json metadata = Json::object();
    std::string data;
    std::optional<long long> total;
    std::optional<long long> if_generation_match;
    std::optional<GcsObject> done;
  };

  Reply upload(Exchange& ex);
  Reply resumable_put(Exchange& ex);
  Reply get_bucket(Exchange& ex);
  Reply get_object(Exchange& ex, bool download);
  Reply list_objects(Exchange& ex);
  Reply delete_object(Exchange& ex);
  Reply finish(Exchange& ex, const std::string& bucket, const std::string& name,
               std::string content, const std::string& content_type, const Json& metadata,
               std::optional<long long> if_generation_match);

  GcsStore& store_;
  OAuth& oauth_;
  Random& random_;
  std::mutex mu_;
  std::map<std::string, Session> sessions_;
};

}  // namespace dbtpy::sandbox::google
