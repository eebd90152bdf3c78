#include "submitters/http/request.h"

#include <algorithm>

#include "util/strings.h"

namespace dbtpy::submitters::http {

std::optional<std::string> find_header(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  return find_header(headers, name);
}

void HttpRequest::set_header(std::string name, std::string value) {
  remove_header(name);
  headers.push_back({std::move(name), std::move(value)});
}

void HttpRequest::remove_header(std::string_view name) {
  std::erase_if(headers, [&](const Header& h) { return iequals(h.name, name); });
}

}  // namespace dbtpy::submitters::http
