#pragma once
// Remote Python tracebacks made readable: ANSI colour codes stripped (Databricks sends them),
// and every frame of the code dbtpy generated mapped back to the line of the user's model file
// through Payload::source_map, so an error points at `models/orders.py:12` instead of "line
// 140 of a procedure body" (dbt-databricks even tells users its line numbers are wrong).
//
// Frames recognized: CPython's `File "<name>", line N, in f`, IPython's `File <name>:N, in f`
// and `Cell In[3], line N`, with the numbered source lines IPython prints under them. A frame
// belongs to the generated code when its file is how the platform names the code it ran:
// Snowflake `_udf_code.py`, Databricks `<command-…>` / `command-…`, or the base name of the
// uploaded main file or notebook (`code_names`). Other frames (pandas, pyspark) stay as they
// are. Pure functions; thread-safe.
#include <string>
#include <string_view>
#include <vector>

#include "codegen/payload.h"

namespace dbtpy::submitters {

// Removes ANSI escape sequences (CSI colours, OSC, lone ESC pairs) and C1 controls.
std::string strip_ansi(std::string_view text);

// Removes HTML tags and decodes the few entities platforms use (Databricks `summary`).
std::string strip_html(std::string_view text);

struct TracebackContext {
  // The source map entries that apply (those of the generated files the run sent); empty:
  // every entry of the payload.
  std::vector<codegen::SourceMapEntry> entries;
  // Base names the platform may give the generated code in frames, besides the built-in
  // ones: "orders.py" (a Dataproc main file), "orders-<run id>" (a notebook), "model.py".
  std::vector<std::string> code_names;
};

struct MappedTraceback {
  std::string text;       // the traceback, ANSI-free, frames mapped; "" when there was none
  std::string exception;  // the final exception line, e.g. "ValueError: boom" ("" if none)
  std::string location;   // innermost model frame, "models/orders.py:12" ("" if none)
};

// Maps `raw` (a traceback, or text that contains one, e.g. a driver log) frame by frame.
MappedTraceback map_traceback(std::string_view raw, const TracebackContext& context);

// The last traceback inside a longer text (a driver log): from the last line "Traceback (most
// recent call last):" to the exception line that ends it. "" when there is none.
std::string last_traceback(std::string_view text);

// The source map context of a payload: the entries of the generated files its steps send
// (all entries when none of them is sent as such, e.g. Snowflake's model.py inside
// procedure.sql), and the names under which the platform runs them.
TracebackContext traceback_context(const codegen::Payload& payload,
                                   const std::vector<std::string>& code_names);

}  // namespace dbtpy::submitters
