#pragma once
// Literal evaluation of the arguments of recognized dbt.* calls, as dbt does with
// ast.literal_eval (restricted as dbt Fusion does: no complex numbers, no arithmetic, ints must
// fit in 64 bits). Works on the token span the parser recorded. Also decodes Python string
// literals exactly (escapes, raw strings, newline normalization). Pure functions, thread-safe.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/python/token.h"
#include "util/json.h"

namespace dbtpy::compiler::python {

// A Python literal value. Only built for the few arguments of recognized calls.
struct PyValue {
  enum class Type : uint8_t {
    kNone,
    kBool,
    kInt,
    kFloat,
    kStr,
    kBytes,
    kList,
    kTuple,
    kSet,
    kDict
  };
  Type type = Type::kNone;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;            // kStr: UTF-8; kBytes: the raw bytes
  std::vector<PyValue> items;  // list/tuple/set elements; dict: key0, value0, key1, value1...
};

struct LiteralError {
  std::string message;
  uint32_t tok = 0;         // token where the problem is
  bool non_literal = true;  // false: a literal we cannot represent (big int, complex, \N{})
};

// Evaluates tokens [begin, end) as one literal. Returns false and fills `error` otherwise.
bool eval_literal(std::string_view source, const TokenVector& tokens, uint32_t begin, uint32_t end,
                  PyValue& out, LiteralError& error);

// Decodes one string token (prefix and quotes included). Bytes literals decode to their bytes.
// Returns false with a message for an invalid escape.
bool decode_string_token(std::string_view token_text, std::string& out, bool& is_bytes,
                         std::string& error);

// Python's type name of a value: "str", "int", "NoneType"...
const char* python_type_name(const PyValue& v);

// Python's str() / repr() of a value (str() differs from repr() only for str and bytes).
std::string python_str(const PyValue& v);
std::string python_repr(const PyValue& v);

// JSON mapping (see RecognizedCall): bytes become a string — their UTF-8 text when they are
// valid UTF-8, else each byte as the code point of the same value (Latin-1), so no byte is lost.
Json to_json(const PyValue& v);

}  // namespace dbtpy::compiler::python
