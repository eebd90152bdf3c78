#pragma once
// Static analysis of one dbt Python model file, without Python: tokenize (CPython 3.12 lexical
// rules), parse, validate the dbt structure rules and extract dbt.ref / dbt.source /
// dbt.config / dbt.config.get / dbt.config.meta_get calls with literal arguments.
// Pure function of the source text: thread-safe, no I/O.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/model_ir.h"
#include "util/diagnostic.h"
#include "util/json.h"

namespace dbtpy::compiler::python {

enum class CallKind { kRef, kSource, kConfig, kConfigGet, kMetaGet };

// One recognized call with its arguments literal-evaluated. Python values map to JSON:
// str/bytes -> string, int -> integer, float -> float, bool, None -> null,
// list/tuple/set -> array, dict -> object (non-str keys as Python str() of the key).
struct RecognizedCall {
  CallKind kind = CallKind::kRef;
  std::vector<Json> positional;
  std::vector<std::pair<std::string, Json>> keywords;  // in source order
  SourceLocation where;                                // start of the callee (`dbt`)
  // False when an argument is not a literal (or not representable): its value is null and a
  // diagnostic says why. Such a call is not interpreted (no ref/source/config recorded).
  bool args_evaluated = true;
};

struct PythonAnalysis {
  std::vector<RecognizedCall> calls;  // every recognized call, in source order
  // The calls interpreted with dbt's rules:
  std::vector<RefCall> refs;  // incl. docstring declarations (from_docstring = true)
  std::vector<SourceCall> sources;
  std::vector<Json> config_calls;  // each dbt.config(...) call as an object, in order
  std::vector<KeyUse> config_keys_used;
  std::vector<KeyUse> meta_keys_used;
  std::vector<std::string> imports;     // top-level package names, first-seen order, unique
  int model_def_line = 0;               // 0 when there is no (single) `def model`
  bool empty_module = false;            // no statements at all: dbt accepts such a file
  std::vector<Diagnostic> diagnostics;  // all problems of the file (errors and warnings)
};

// `display_path` is used in diagnostics (e.g. "models/orders.py"). After a syntax error (one
// DBTPY101/102 diagnostic, as CPython reports one), dbt.* calls found by their token pattern
// outside the broken statement are still evaluated and reported; structure rules are not.
PythonAnalysis analyze(std::string_view source, std::string_view display_path);

// The same analysis without `calls` (each recognized call with its arguments as JSON), which the
// project loader does not read: the interpreted refs, sources, configs and keys are identical.
PythonAnalysis analyze_without_calls(std::string_view source, std::string_view display_path);

}  // namespace dbtpy::compiler::python
