#include "sandbox/http/exchange.h"

#include "util/strings.h"

namespace dbtpy::sandbox {

Reply Reply::json(int status, const Json& body) {
  Reply r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Reply Reply::empty(int status) {
  Reply r;
  r.status = status;
  r.content_type.clear();
  return r;
}

Reply& Reply::header(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::string Exchange::query(const std::string& name) const {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

bool Exchange::has_query(const std::string& name) const {
  return req.has_param(name);
}

std::string Exchange::header(const std::string& name) const {
  return req.has_header(name) ? req.get_header_value(name) : std::string();
}

bool Exchange::has_header(const std::string& name) const {
  return req.has_header(name);
}

std::string Exchange::content_type() const {
  std::string ct = header("Content-Type");
  auto semi = ct.find(';');
  if (semi != std::string::npos) ct = ct.substr(0, semi);
  return to_lower(trim(ct));
}

}  // namespace dbtpy::sandbox
