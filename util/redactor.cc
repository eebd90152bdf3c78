#include "util/redactor.h"

#include <algorithm>
#include <mutex>

#include "util/json.h"
#include "util/strings.h"

namespace dbtpy {

void Redactor::add_secret(std::string_view secret) {
  if (secret.size() < 4) return;
  std::vector<std::string> forms{std::string(secret)};
  std::string json = Json(std::string(secret)).dump();
  forms.push_back(json.substr(1, json.size() - 2));
  forms.push_back(percent_encode(secret));
  // Multi-line secrets (PEM keys) also appear line by line in some tools' output.
  if (secret.find('\n') != std::string_view::npos) {
    size_t start = 0;
    while (start < secret.size()) {
      size_t end = secret.find('\n', start);
      if (end == std::string_view::npos) end = secret.size();
      std::string_view line = secret.substr(start, end - start);
      if (line.size() >= 16 && line.find("-----") == std::string_view::npos) {
        forms.emplace_back(line);
      }
      start = end + 1;
    }
  }
  std::unique_lock lock(mu_);
  for (auto& f : forms) {
    if (f.size() >= 4 && std::find(secrets_.begin(), secrets_.end(), f) == secrets_.end()) {
      secrets_.push_back(std::move(f));
    }
  }
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Redactor::redact(std::string_view text) const {
  std::string out(text);
  std::shared_lock lock(mu_);
  for (const auto& s : secrets_) {
    size_t pos = 0;
    while ((pos = out.find(s, pos)) != std::string::npos) {
      out.replace(pos, s.size(), kMask);
      pos += kMask.size();
    }
  }
  return out;
}

bool Redactor::empty() const {
  std::shared_lock lock(mu_);
  return secrets_.empty();
}

}  // namespace dbtpy
