#pragma once
// Values a run resolves once and every model's Execution shares, e.g. the Databricks user name
// behind ${USER_NAME} (GET /api/2.0/preview/scim/v2/Me): one call per run instead of one per
// model. Thread-safe: the first Execution that needs a key fetches it while the others wait
// for that one answer; a failed fetch is not remembered, so the next caller tries again.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace dbtpy::submitters {

class RunLookups {
 public:
  // The value of `key`, fetching it with `fetch` (which may throw) if no one has yet.
  std::string get_or_fetch(const std::string& key, const std::function<std::string()>& fetch);

 private:
  struct Slot {
    std::mutex fetching;  // held while one caller fetches; the others wait on it
    bool known = false;
    std::string value;
  };
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
};

}  // namespace dbtpy::submitters
