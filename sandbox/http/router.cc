#include "sandbox/http/router.h"

namespace dbtpy::sandbox {

void Router::add(std::string method, const std::string& pattern, std::string endpoint,
                 Handler handler) {
  routes_.push_back(
      {std::move(method), std::regex(pattern), std::move(endpoint), std::move(handler)});
}

void Router::add_vendor(Vendor vendor) {
  vendors_.push_back(std::move(vendor));
}

Router::Match Router::find(const std::string& method, const std::string& path) const {
  Match out;
  for (const auto& r : routes_) {
    std::smatch m;
    if (!std::regex_match(path, m, r.pattern)) continue;
    if (r.method != method) {
      out.path_known = true;
      continue;
    }
    out.route = &r;
    for (size_t i = 1; i < m.size(); ++i)
      out.args.push_back(m[i].str());
    return out;
  }
  return out;
}

const Vendor* Router::vendor_for(const std::string& path) const {
  const Vendor* best = nullptr;
  size_t best_len = 0;
  for (const auto& v : vendors_) {
    for (const auto& p : v.prefixes) {
      if (path.compare(0, p.size(), p) == 0 && p.size() >= best_len) {
        best = &v;
        best_len = p.size();
      }
    }
  }
  return best;
}

}  // namespace dbtpy::sandbox
