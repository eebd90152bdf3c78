#pragma once
// The sandbox's route table: (method, path regex) -> named endpoint + handler, and the
// "vendors" that own path prefixes and know their platform's generic error body (unknown
// path, wrong method, throttling, server errors). Endpoint names ("snowflake.statements.submit")
// key the stats, the request log and fault rules. Built at start-up, then read-only.
#include <regex>
#include <string>
#include <vector>

#include "sandbox/http/exchange.h"

namespace dbtpy::sandbox {

struct Route {
  std::string method;
  std::regex pattern;
  std::string endpoint;
  Handler handler;
};

// A platform's generic error reply: (status, message, exchange) -> body in its own shape.
using ErrorRenderer = std::function<Reply(int status, const std::string& message, Exchange&)>;

struct Vendor {
  std::string name;  // snowflake | databricks | google | sandbox
  std::vector<std::string> prefixes;
  ErrorRenderer error;
};

class Router {
 public:
  void add(std::string method, const std::string& pattern, std::string endpoint, Handler handler);
  void add_vendor(Vendor vendor);

  struct Match {
    const Route* route = nullptr;
    std::vector<std::string> args;
    bool path_known = false;  // some route has this path (with another method)
  };
  Match find(const std::string& method, const std::string& path) const;
  const Vendor* vendor_for(const std::string& path) const;

 private:
  std::vector<Route> routes_;
  std::vector<Vendor> vendors_;
};

}  // namespace dbtpy::sandbox
