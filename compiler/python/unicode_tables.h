#pragma once
// Unicode character classes the Python tokenizer needs (PEP 3131): XID_Start / XID_Continue for
// non-ASCII code points, and the NFKC fold of identifier characters onto ASCII (so that
// `ｄｂｔ.ref` is recognized as `dbt.ref`, as CPython normalizes identifiers). Tables are
// generated (gen_unicode_tables.py) and immutable: thread-safe.
#include <cstddef>
#include <cstdint>

namespace dbtpy::compiler::python {

struct CodeRange {
  char32_t first;
  char32_t last;
};
struct AsciiFold {
  char32_t code_point;
  char ascii;
};

extern const CodeRange kXidStart[];
extern const CodeRange kXidContinue[];
extern const AsciiFold kAsciiFolds[];
extern const size_t kXidStartSize;
extern const size_t kXidContinueSize;
extern const size_t kAsciiFoldsSize;

// For code points >= 0x80 (ASCII is handled by the tokenizer's own tables).
bool is_xid_start(char32_t cp);
bool is_xid_continue(char32_t cp);

// The single ASCII character NFKC maps `cp` to, or 0 when there is none.
char ascii_fold(char32_t cp);

}  // namespace dbtpy::compiler::python
