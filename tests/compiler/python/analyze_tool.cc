// Test tool for the differential test: analyzes every file named on stdin (one path a line)
// and prints one JSON object per file: the recognized calls (kind, line, column, literal
// arguments), the diagnostics, imports and the interpreted refs/sources/config keys.
// Usage: analyze_tool < list-of-paths
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "compiler/python/analysis.h"
#include "util/json.h"

namespace py = dbtpy::compiler::python;

namespace {

const char* kind_name(py::CallKind k) {
  switch (k) {
    case py::CallKind::kRef:
      return "ref";
    case py::CallKind::kSource:
      return "source";
    case py::CallKind::kConfig:
      return "config";
    case py::CallKind::kConfigGet:
      return "config.get";
    case py::CallKind::kMetaGet:
      return "config.meta_get";
  }
  return "?";
}

dbtpy::Json to_json(const py::PythonAnalysis& a) {
  dbtpy::Json out;
  dbtpy::Json calls = dbtpy::Json::array();
  for (const auto& c : a.calls) {
    dbtpy::Json kw = dbtpy::Json::array();
    for (const auto& [k, v] : c.keywords)
      kw.push_back({k, v});
    calls.push_back({{"kind", kind_name(c.kind)},
                     {"line", c.where.line},
                     {"col", c.where.column},
                     {"args", c.positional},
                     {"kwargs", kw},
                     {"ok", c.args_evaluated}});
  }
  out["calls"] = calls;
  dbtpy::Json diags = dbtpy::Json::array();
  for (const auto& d : a.diagnostics) {
    diags.push_back({{"code", d.code},
                     {"line", d.line},
                     {"col", d.column},
                     {"message", d.message},
                     {"severity", d.severity == dbtpy::Severity::kError ? "error" : "warning"}});
  }
  out["diagnostics"] = diags;
  out["imports"] = a.imports;
  dbtpy::Json refs = dbtpy::Json::array();
  for (const auto& r : a.refs) {
    refs.push_back({{"name", r.name},
                    {"package", r.package ? dbtpy::Json(*r.package) : dbtpy::Json(nullptr)},
                    {"version", r.version ? dbtpy::Json(*r.version) : dbtpy::Json(nullptr)},
                    {"line", r.where.line},
                    {"docstring", r.from_docstring}});
  }
  out["refs"] = refs;
  dbtpy::Json sources = dbtpy::Json::array();
  for (const auto& s : a.sources)
    sources.push_back({s.source_name, s.table_name});
  out["sources"] = sources;
  out["config_calls"] = a.config_calls;
  dbtpy::Json keys = dbtpy::Json::array();
  for (const auto& k : a.config_keys_used)
    keys.push_back({k.key, k.default_value});
  out["config_keys_used"] = keys;
  dbtpy::Json meta = dbtpy::Json::array();
  for (const auto& k : a.meta_keys_used)
    meta.push_back({k.key, k.default_value});
  out["meta_keys_used"] = meta;
  out["model_def_line"] = a.model_def_line;
  out["empty_module"] = a.empty_module;
  return out;
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::string path;
  while (std::getline(std::cin, path)) {
    if (path.empty()) continue;
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string source = buffer.str();
    py::PythonAnalysis a = py::analyze(source, path);
    dbtpy::Json j = to_json(a);
    j["file"] = path;
    std::cout << j.dump(-1, ' ', false, dbtpy::Json::error_handler_t::replace) << '\n';
  }
  return 0;
}
