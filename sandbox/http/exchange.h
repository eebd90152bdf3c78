#pragma once
// One HTTP exchange as the platform handlers see it: the request (cpp-httplib's), the path
// captures of the matched route, and what the handler reports back besides its Reply
// (idempotency keys for the request log, whether a creation was recorded so a "drop after
// accept" fault may strike). Owned by the server for the duration of one request; not shared.
#include <httplib.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "util/json.h"

namespace dbtpy::sandbox {

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;

  static Reply json(int status, const Json& body);
  static Reply empty(int status);  // no body (204, 308, ...)
  Reply& header(std::string name, std::string value);
};

struct Exchange {
  const httplib::Request& req;
  std::vector<std::string> args;  // regex captures of the route pattern, decoded
  std::string base_url;           // scheme://127.0.0.1:port of this sandbox

  Json log_keys = Json::object();  // ids and idempotency keys for the request log
  bool creation_recorded = false;  // eligible for the drop-after-accept fault

  std::string query(const std::string& name) const;
  bool has_query(const std::string& name) const;
  std::string header(const std::string& name) const;  // "" when absent
  bool has_header(const std::string& name) const;
  std::string content_type() const;  // media type, lower-cased, without parameters
};

using Handler = std::function<Reply(Exchange&)>;

}  // namespace dbtpy::sandbox
