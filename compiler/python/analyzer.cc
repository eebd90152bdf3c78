// analyze(): tokenize, parse, evaluate the arguments of recognized dbt.* calls, interpret them
// with dbt's rules and check dbt's structure rules. Every problem of the file becomes one
// Diagnostic; a syntax error stops the analysis (as CPython and dbt stop there).
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <unordered_set>

#include "compiler/python/analysis.h"
#include "compiler/python/literal.h"
#include "compiler/python/parser.h"
#include "compiler/python/source_position.h"
#include "compiler/python/tokenizer.h"

namespace dbtpy::compiler::python {
namespace {

const char* call_name(CallKind k) {
  switch (k) {
    case CallKind::kRef:
      return "dbt.ref";
    case CallKind::kSource:
      return "dbt.source";
    case CallKind::kConfig:
      return "dbt.config";
    case CallKind::kConfigGet:
      return "dbt.config.get";
    case CallKind::kMetaGet:
      return "dbt.config.meta_get";
  }
  return "dbt";
}

// A string token without prefix, escape or carriage return ('name', "name", '''name'''): its
// value is its body.
bool plain_string(std::string_view text, PyValue& out) {
  const char q = text[0];
  if (q != '\'' && q != '"') return false;  // a prefix: r, b, u...
  const size_t qlen = (text.size() >= 6 && text[1] == q && text[2] == q) ? 3 : 1;
  std::string_view body = text.substr(qlen, text.size() - 2 * qlen);
  for (char c : body) {
    if (c == '\\' || c == '\r') return false;
  }
  out.type = PyValue::Type::kStr;
  out.text.assign(body);
  return true;
}

// `[s, ...]` (`[]`, a trailing comma) of plain_string() tokens: the tags=[...] and
// packages=[...] of dbt.config(), a list of one-token strings (adjacent strings, which
// concatenate, are eval_literal's).
bool plain_string_list(std::string_view src, const TokenVector& toks, const CallArgSpan& arg,
                       PyValue& out) {
  const uint32_t last = arg.end - 1;  // the `]`
  if (toks[last].kind != Tok::kRSqb) return false;
  size_t n = 0;
  for (uint32_t i = arg.begin + 1; i < last; i += 2) {
    if (toks[i].kind != Tok::kString) return false;
    if (i + 1 < last && toks[i + 1].kind != Tok::kComma) return false;
    ++n;
  }
  std::vector<PyValue> items(n);
  for (size_t k = 0; k < n; ++k) {
    if (!plain_string(toks[arg.begin + 1 + 2 * k].text(src), items[k])) return false;
  }
  out.type = PyValue::Type::kList;
  out.items = std::move(items);
  return true;
}

// The dominant argument shapes, evaluated without the literal parser: one plain_string() token,
// a lone True / False / None, a short decimal integer and a plain_string_list(). Anything else
// (prefixes, implicit concatenation, escapes, f-strings, other numbers, other displays) goes
// through eval_literal. Same values as eval_literal gives.
bool simple_literal(std::string_view src, const TokenVector& toks, const CallArgSpan& arg,
                    PyValue& out) {
  if (arg.end != arg.begin + 1) {
    return arg.end >= arg.begin + 2 && toks[arg.begin].kind == Tok::kLSqb &&
           plain_string_list(src, toks, arg, out);
  }
  const Token& t = toks[arg.begin];
  switch (t.kind) {
    case Tok::kTrue:
    case Tok::kFalse:
      out.type = PyValue::Type::kBool;
      out.boolean = t.kind == Tok::kTrue;
      return true;
    case Tok::kNone:
      out.type = PyValue::Type::kNone;
      return true;
    case Tok::kString:
      break;
    case Tok::kNumber: {
      // Decimal digits only (no `_`, sign, base prefix, fraction, exponent or `j`), at most 18:
      // always an int64.
      std::string_view digits = t.text(src);
      if (digits.size() > 18) return false;
      int64_t v = 0;
      for (char c : digits) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
      }
      out.type = PyValue::Type::kInt;
      out.integer = v;
      return true;
    }
    default:
      return false;
  }
  return plain_string(t.text(src), out);
}

// What analyze() needs for a file and drops after it: kept per thread so that a loader worker
// reuses the same blocks file after file (the token vector alone is 16 bytes per source byte
// before it is trimmed) instead of allocating and freeing them for each file.
struct Scratch {
  TokenizeResult tokenized;
  ParseResult parsed;
  std::vector<PyValue> positional;                        // evaluate_call's
  std::vector<std::pair<std::string, PyValue>> keywords;  // evaluate_call's

  // Above this the blocks are freed after the file: one huge file must not pin its token
  // vector in every worker for the rest of the run. 1 MiB of tokens covers sources to 64 KiB.
  static constexpr size_t kMaxKeptTokens = (size_t{1} << 20) / sizeof(Token);
  static constexpr size_t kMaxKeptSource = size_t{1} << 20;  // the tokenizer's padded copy

  void release_if_large() {
    if (tokenized.tokens.capacity() > kMaxKeptTokens) TokenVector().swap(tokenized.tokens);
    if (tokenized.padded_capacity > kMaxKeptSource) {
      tokenized.padded.reset();
      tokenized.padded_capacity = 0;
    }
    tokenized.error = SyntaxErrorInfo{};
    if (positional.capacity() > 64) std::vector<PyValue>().swap(positional);
    if (keywords.capacity() > 64) std::vector<std::pair<std::string, PyValue>>().swap(keywords);
    if (parsed.calls.capacity() > 4096 || parsed.call_args.capacity() > 4096 ||
        parsed.arg_stack.capacity() > 4096) {
      parsed = ParseResult{};
    }
    positional.clear();
    keywords.clear();
  }
};

class Analyzer {
 public:
  Analyzer(std::string_view source, std::string_view path, PythonAnalysis& out, Scratch& scratch,
           bool keep_calls)
      : keep_calls_(keep_calls),
        src_(source),
        path_(path),
        out_(out),
        tr_(scratch.tokenized),
        tokens_(scratch.tokenized.tokens),
        parsed_(scratch.parsed),
        positional_(scratch.positional),
        keywords_(scratch.keywords) {}

  void run();

 private:
  SourceLocation loc(uint32_t offset, uint32_t line) const {
    return SourceLocation{static_cast<int>(line), column_of(src_, offset)};
  }
  SourceLocation tok_loc(uint32_t tok) const {
    const Token& t = tokens_[tok];
    return loc(t.begin, t.line);
  }
  void diag(std::string code, SourceLocation at, std::string message, std::string hint,
            Severity severity = Severity::kError) {
    Diagnostic d;
    d.severity = severity;
    d.code = std::move(code);
    d.file = std::string(path_);
    d.line = at.line;
    d.column = at.column;
    d.message = std::move(message);
    d.hint = std::move(hint);
    out_.diagnostics.push_back(std::move(d));
  }

  void syntax_error(const SyntaxErrorInfo& e);
  bool unclosed_bracket_follows(const SyntaxErrorInfo& p, uint32_t bracket_offset,
                                uint32_t bracket_line) const;
  bool hint_inside_unclosed_bracket(const SyntaxErrorInfo& p, uint32_t bracket_offset,
                                    uint32_t bracket_line) const;
  uint32_t statement_start(uint32_t tok) const;
  bool expression_statement(uint32_t tok) const;
  bool second_pass_reads_past(const SyntaxErrorInfo& p) const;
  void recover_calls(uint32_t limit, uint32_t skip_from, uint32_t skip_to);
  void sort_diagnostics();
  void collect_imports(const ParseResult& pr);
  void reserve_results(const ParseResult& pr);
  void evaluate_call(const CallSite& site, std::span<const CallArgSpan> args);
  void interpret(const CallSite& site, const RecognizedCall& call,
                 const std::vector<PyValue>& positional,
                 const std::vector<std::pair<std::string, PyValue>>& keywords);
  void interpret_ref(const RecognizedCall& call, const std::vector<PyValue>& positional,
                     const std::vector<std::pair<std::string, PyValue>>& keywords);
  void interpret_source(const RecognizedCall& call, const std::vector<PyValue>& positional,
                        const std::vector<std::pair<std::string, PyValue>>& keywords);
  void interpret_config(const RecognizedCall& call, const std::vector<PyValue>& positional,
                        const std::vector<std::pair<std::string, PyValue>>& keywords);
  void interpret_get(const RecognizedCall& call, const std::vector<PyValue>& positional,
                     const std::vector<std::pair<std::string, PyValue>>& keywords);
  void docstring(const ParseResult& pr);
  void structure(const ParseResult& pr);

  bool keep_calls_;  // fill PythonAnalysis::calls
  std::string_view src_;
  std::string_view path_;
  PythonAnalysis& out_;
  TokenizeResult& tr_;  // the scratch's; tokens_ is its vector
  TokenVector& tokens_;
  ParseResult& parsed_;  // the scratch's: its vectors keep their capacity from file to file
  std::vector<PyValue>& positional_;                        // evaluate_call's scratch
  std::vector<std::pair<std::string, PyValue>>& keywords_;  // evaluate_call's scratch
};

void Analyzer::syntax_error(const SyntaxErrorInfo& e) {
  SourceLocation at = loc(e.offset, e.line);
  if (e.before_line) at.column = 0;
  if (e.too_deep) {
    diag("DBTPY102", at, fmt::format("Failed to parse Python file: {}", e.message),
         "split the deeply nested expression into named intermediate variables");
  } else {
    diag("DBTPY101", at, fmt::format("Failed to parse Python file: {}", e.message),
         "fix the Python syntax at this position (the file must be valid Python 3.12)");
  }
}

// A plain "invalid syntax" (or a forgotten comma or '=') in an expression statement, at or
// before a bracket on the same logical line that is never closed: CPython's second pass reads
// an expression from that bracket and meets the end of the file inside it, where it reports
// the bracket. `tokens_` ends with the end marker put at the lexical error.
bool Analyzer::unclosed_bracket_follows(const SyntaxErrorInfo& p, uint32_t bracket_offset,
                                        uint32_t bracket_line) const {
  if (p.message.rfind("invalid syntax", 0) != 0) return false;
  if (!expression_statement(p.token)) return false;
  // The failing token is the bracket itself (`curren{y = ...`): CPython reads a display from
  // it, on to the end of the file, when an element can start there and an operand ends
  // before it (not `orders.{merge(`).
  if (tokens_[p.token].begin == bracket_offset) {
    if (p.token == 0 || !ends_operand(tokens_[p.token - 1].kind)) return false;
    if (p.token + 2 >= tokens_.size()) return true;  // only the end marker follows
    const Tok next = tokens_[p.token + 1].kind;
    return starts_expression(next) || next == Tok::kStar || next == Tok::kDoubleStar;
  }
  // A forgotten comma inside the bracket: CPython's rule reads the second expression and the
  // token after it; when that is the end of the file or on a later line than the bracket's
  // (`mix[method 0.0` + more lines), CPython reports the bracket.
  if (p.message.find("Perhaps you forgot a comma?") != std::string::npos) {
    const size_t reach = expression_reach(src_, tokens_, p.token);
    if (reach + 1 >= tokens_.size() || tokens_[reach].line > bracket_line) return true;
  }
  for (uint32_t i = p.token; i < tokens_.size(); ++i) {
    const Token& t = tokens_[i];
    if (t.begin >= bracket_offset) {
      // CPython's second pass reads an expression from the bracket (after an operand: a
      // forgotten comma's second expression): it meets the end of the file inside it, or
      // stops on a later line than the bracket's. Then, tokenizing on to the end, CPython
      // reports the bracket (its line is before the furthest token read).
      return t.begin == bracket_offset && i > 0 && ends_operand(tokens_[i - 1].kind) &&
             (expression_runs_to_end(src_, tokens_, i) ||
              tokens_[std::min(expression_reach(src_, tokens_, i), tokens_.size() - 1)].line >
                  t.line);
    }
    if (t.kind == Tok::kNewline || t.kind == Tok::kSemi) return false;
  }
  return false;
}

// The first token of the simple statement holding token `tok`.
uint32_t Analyzer::statement_start(uint32_t tok) const {
  while (tok > 0 && tokens_[tok - 1].kind != Tok::kNewline &&
         tokens_[tok - 1].kind != Tok::kIndent && tokens_[tok - 1].kind != Tok::kDedent &&
         tokens_[tok - 1].kind != Tok::kSemi)
    --tok;
  return tok;
}

// The '==' hints of CPython's invalid_named_expression rule inside a bracket that is never
// closed. The rule reads the value after the `=` and one token more: when that is the end of
// the file (`(a = 1`), or on a later line than the bracket (`{e = f(x)` + more lines, which
// CPython compares after tokenizing on), CPython reports the bracket; else the hint
// (`x = (a=1 b`).
bool Analyzer::hint_inside_unclosed_bracket(const SyntaxErrorInfo& p, uint32_t bracket_offset,
                                            uint32_t bracket_line) const {
  if (p.message.find("Maybe you meant '==' ") == std::string::npos ||
      bracket_offset > tokens_[p.token].begin) {
    return false;
  }
  size_t eq = 0;
  while (eq < tokens_.size() && tokens_[eq].begin < p.offset)
    ++eq;
  while (eq < tokens_.size() && tokens_[eq].kind != Tok::kEqual)
    ++eq;
  if (eq + 1 >= tokens_.size()) return true;
  const size_t reach = expression_reach(src_, tokens_, eq + 1);
  return reach + 1 >= tokens_.size() || tokens_[reach].line > bracket_line;
}

// Whether the simple statement holding token `tok` is not an import, def or class: their
// names and parameters are not read as expressions by CPython's second pass.
bool Analyzer::expression_statement(uint32_t tok) const {
  switch (tokens_[statement_start(tok)].kind) {
    case Tok::kFrom:
    case Tok::kImport:
    case Tok::kDef:
    case Tok::kClass:
      return false;
    default:
      return true;
  }
}

// CPython fetches tokens lazily. After a grammar error at the last token before an unclosed
// bracket's end of file, it meets that end of file (and reports the bracket) only when a rule
// of its second pass consumes the token and asks for the next: the rules that read a forgotten
// comma's expression (a token that starts one, in an expression statement), a keyword
// argument's `=` after a name (`f(a =`), and those behind the specific messages. Otherwise a
// plain "invalid syntax" stays at the token (`def f(:`, `f(a,,`, `x = (1 else`, `def f(a b`).
bool Analyzer::second_pass_reads_past(const SyntaxErrorInfo& p) const {
  // A forced token ("expected ':'") fails in the first pass, at once; another specific message
  // comes from a second-pass rule that matched the token and looked on.
  if (p.message.starts_with("expected '")) return false;
  if (p.message != "invalid syntax") return true;
  const uint32_t tok = p.token;
  const Tok first = tokens_[statement_start(tok)].kind;
  if (tokens_[tok].kind == Tok::kFor) {  // a generator expression's (class bases take one)
    return first != Tok::kDef && first != Tok::kFrom && first != Tok::kImport;
  }
  if (tokens_[tok].kind == Tok::kComma && first == Tok::kWith) {
    // `with (a,,`: a with statement's items read as comma-separated expressions
    return tok > 0 && tokens_[tok - 1].kind == Tok::kComma;
  }
  if (!expression_statement(tok)) return false;
  const Tok k = tokens_[tok].kind;
  if (k == Tok::kEqual) return tok > 0 && tokens_[tok - 1].kind == Tok::kName;
  return starts_expression(k) || k == Tok::kStar || k == Tok::kDoubleStar;
}

void Analyzer::run() {
  tokenize(src_, tr_);
  const TokenizeResult& tr = tr_;
  if (tr.error.present) {
    // CPython tokenizes lazily: a grammar error before the lexical one is found first (and
    // then loses to the lexical one only in the cases CPython lets it). Parse the tokens up to
    // the lexical error to find out.
    Token end{};
    end.begin = end.end = std::max(tr.error.offset, tr.error.detected_at);
    end.line = tr.error.line;
    end.kind = Tok::kEndMarker;
    const uint32_t sentinel = static_cast<uint32_t>(tokens_.size());
    tokens_.push_back(end);
    ParseResult partial = parse(src_, tokens_);
    const SyntaxErrorInfo& p = partial.error;
    // A parser error at the last token before an unclosed bracket's end of file, or at an
    // f-string whose text holds the lexical error (`df.to_pandas() f"`), loses to the lexical
    // error when CPython reads past that token (see second_pass_reads_past()).
    const bool reads_into_error =
        tr.error.unclosed_bracket ||
        (p.token < sentinel && tokens_[p.token].kind == Tok::kFStringStart);
    bool parser_first =
        p.present && (p.token + 1 < sentinel || (p.token + 1 == sentinel &&
                                                 !(reads_into_error && second_pass_reads_past(p))));
    bool lexical_wins = !p.indentation && !tr.error.in_fstring &&
                        (tr.error.overrides_parser_error ||
                         (tr.error.unclosed_bracket &&
                          (tr.error.line < tokens_[p.token].line ||
                           unclosed_bracket_follows(p, tr.error.offset, tr.error.line) ||
                           hint_inside_unclosed_bracket(p, tr.error.offset, tr.error.line))));
    const SyntaxErrorInfo& reported = parser_first && !lexical_wins ? p : tr.error;
    syntax_error(reported);
    // Everything after a bracket that is never closed belongs to the broken statement.
    bool unclosed = &reported == &tr.error && tr.error.unclosed_bracket;
    recover_calls(sentinel, reported.offset,
                  unclosed ? static_cast<uint32_t>(src_.size()) : reported.offset);
    sort_diagnostics();
    return;
  }
  ParseResult& pr = parsed_;
  parse(src_, tokens_, pr);
  if (pr.error.present) {
    syntax_error(pr.error);
    recover_calls(static_cast<uint32_t>(tokens_.size()), pr.error.offset, pr.error.offset);
    sort_diagnostics();
    return;
  }
  if (pr.empty_module) {
    // dbt skips validation and extraction for a file without statements.
    out_.empty_module = true;
    return;
  }
  collect_imports(pr);
  docstring(pr);
  reserve_results(pr);
  for (const CallSite& site : pr.calls)
    evaluate_call(site, pr.args(site));
  structure(pr);
  sort_diagnostics();
}

// After a syntax error CPython stops; we still look for dbt.* calls by their token pattern
// (`dbt . ref ( ... )`, brackets balanced) so that the user sees every bad dbt call of the file
// at once. A call that spans the syntax error is skipped: its problems are that error's.
void Analyzer::recover_calls(uint32_t limit, uint32_t skip_from, uint32_t skip_to) {
  auto is = [&](uint32_t i, Tok k) { return i < limit && tokens_[i].kind == k; };
  auto named = [&](uint32_t i, std::string_view w) {
    return is(i, Tok::kName) && name_equals(src_, tokens_[i], w);
  };
  for (uint32_t i = 0; i < limit; ++i) {
    if (!named(i, "dbt") || (i > 0 && tokens_[i - 1].kind == Tok::kDot)) continue;
    if (!is(i + 1, Tok::kDot)) continue;
    CallSite site;
    std::vector<CallArgSpan> args;
    uint32_t open = 0;
    if (named(i + 2, "ref") && is(i + 3, Tok::kLPar)) {
      site.kind = CallKind::kRef;
      open = i + 3;
    } else if (named(i + 2, "source") && is(i + 3, Tok::kLPar)) {
      site.kind = CallKind::kSource;
      open = i + 3;
    } else if (named(i + 2, "config") && is(i + 3, Tok::kLPar)) {
      site.kind = CallKind::kConfig;
      open = i + 3;
    } else if (named(i + 2, "config") && is(i + 3, Tok::kDot) &&
               (named(i + 4, "get") || named(i + 4, "meta_get")) && is(i + 5, Tok::kLPar)) {
      site.kind = named(i + 4, "get") ? CallKind::kConfigGet : CallKind::kMetaGet;
      open = i + 5;
    } else {
      continue;
    }
    // Split the arguments at top-level commas, up to the matching `)`.
    int depth = 0;
    uint32_t close = 0, arg_begin = open + 1;
    bool balanced = false;
    for (uint32_t j = open; j < limit; ++j) {
      Tok k = tokens_[j].kind;
      if (k == Tok::kLPar || k == Tok::kLSqb || k == Tok::kLBrace) ++depth;
      if (k == Tok::kRPar || k == Tok::kRSqb || k == Tok::kRBrace) --depth;
      bool end_of_arg = (depth == 1 && k == Tok::kComma) || (depth == 0 && k == Tok::kRPar);
      if (end_of_arg && j > arg_begin) {
        CallArgSpan arg;
        arg.begin = arg_begin;
        arg.end = j;
        if (tokens_[arg_begin].kind == Tok::kStar || tokens_[arg_begin].kind == Tok::kDoubleStar) {
          arg.kind = tokens_[arg_begin].kind == Tok::kStar ? CallArgSpan::Kind::kStar
                                                           : CallArgSpan::Kind::kDoubleStar;
          arg.begin = arg_begin + 1;
        } else if (tokens_[arg_begin].kind == Tok::kName &&
                   tokens_[arg_begin + 1].kind == Tok::kEqual && arg_begin + 2 < j) {
          arg.kind = CallArgSpan::Kind::kKeyword;
          arg.name_tok = arg_begin;
          arg.begin = arg_begin + 2;
        }
        args.push_back(arg);
      }
      if (end_of_arg) arg_begin = j + 1;
      if (depth == 0) {
        close = j;
        balanced = true;
        break;
      }
    }
    if (!balanced) continue;
    if (tokens_[i].begin <= skip_to && skip_from <= tokens_[close].end) continue;
    // The call must be a valid expression on its own, or its problems are syntax problems.
    TokenVector alone(tokens_.begin() + i, tokens_.begin() + close + 1);
    Token end = tokens_[close];
    end.kind = Tok::kNewline;
    alone.push_back(end);
    end.kind = Tok::kEndMarker;
    alone.push_back(end);
    if (parse(src_, alone).error.present) continue;
    site.callee_tok = i;
    site.args_count = static_cast<uint32_t>(args.size());
    evaluate_call(site, args);
  }
}

void Analyzer::sort_diagnostics() {
  std::stable_sort(out_.diagnostics.begin(), out_.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return a.line != b.line ? a.line < b.line : a.column < b.column;
                   });
}

void Analyzer::collect_imports(const ParseResult& pr) {
  // The vectors of the result move into the project's ModelIR and live as long as it: sized
  // once, to what they can hold at most, instead of by doubling.
  out_.imports.reserve(pr.import_toks.size());
  for (uint32_t tok : pr.import_toks) {
    std::string_view name = tokens_[tok].text(src_);
    if (std::find(out_.imports.begin(), out_.imports.end(), name) == out_.imports.end()) {
      out_.imports.emplace_back(name);
    }
  }
}

// Each call site yields at most one call and one ref/source/config/key use: one allocation per
// vector (docstring declarations are already in refs and sources).
void Analyzer::reserve_results(const ParseResult& pr) {
  size_t count[5] = {};
  for (const CallSite& site : pr.calls)
    ++count[static_cast<size_t>(site.kind)];
  if (keep_calls_) out_.calls.reserve(pr.calls.size());
  if (count[static_cast<size_t>(CallKind::kRef)] > 0)
    out_.refs.reserve(out_.refs.size() + count[static_cast<size_t>(CallKind::kRef)]);
  if (count[static_cast<size_t>(CallKind::kSource)] > 0)
    out_.sources.reserve(out_.sources.size() + count[static_cast<size_t>(CallKind::kSource)]);
  out_.config_calls.reserve(count[static_cast<size_t>(CallKind::kConfig)]);
  out_.config_keys_used.reserve(count[static_cast<size_t>(CallKind::kConfigGet)]);
  out_.meta_keys_used.reserve(count[static_cast<size_t>(CallKind::kMetaGet)]);
}

void Analyzer::evaluate_call(const CallSite& site, std::span<const CallArgSpan> args) {
  RecognizedCall call;
  call.kind = site.kind;
  call.where = tok_loc(site.callee_tok);
  // The evaluated arguments live only until the call is interpreted: their vectors are the
  // analyzer's, reused from call to call instead of allocated for each.
  std::vector<PyValue>& positional = positional_;
  std::vector<std::pair<std::string, PyValue>>& keywords = keywords_;
  positional.clear();
  keywords.clear();
  const size_t n_keywords =
      static_cast<size_t>(std::count_if(args.begin(), args.end(), [](const CallArgSpan& a) {
        return a.kind == CallArgSpan::Kind::kKeyword;
      }));
  positional.reserve(args.size() - n_keywords);
  keywords.reserve(n_keywords);
  // The JSON form of the arguments: for PythonAnalysis::calls, and for dbt.config(), whose
  // arguments are interpreted from it.
  const bool json_args = keep_calls_ || site.kind == CallKind::kConfig;
  if (json_args) {
    call.positional.reserve(args.size() - n_keywords);
    call.keywords.reserve(n_keywords);
  }
  for (const CallArgSpan& arg : args) {
    if (arg.kind == CallArgSpan::Kind::kStar || arg.kind == CallArgSpan::Kind::kDoubleStar) {
      bool star = arg.kind == CallArgSpan::Kind::kStar;
      diag("DBTPY122", tok_loc(arg.begin - 1),
           fmt::format("{} unpacking is not supported in {}()", star ? "*args" : "**kwargs",
                       call_name(site.kind)),
           "write the arguments out literally: dbt reads them without running Python");
      call.args_evaluated = false;
      continue;
    }
    PyValue value;
    LiteralError error;
    bool ok = simple_literal(src_, tokens_, arg, value) ||
              eval_literal(src_, tokens_, arg.begin, arg.end, value, error);
    if (!ok) {
      call.args_evaluated = false;
      if (error.non_literal) {
        diag("DBTPY120", tok_loc(error.tok),
             fmt::format("Error when trying to literal_eval an arg to dbt.ref(), dbt.source(), "
                         "dbt.config() or dbt.config.get(): {}",
                         error.message),
             fmt::format("pass a literal to {}(): dbt reads its arguments without running "
                         "Python, so names, calls and f-strings cannot be resolved",
                         call_name(site.kind)));
      } else {
        diag("DBTPY121", tok_loc(error.tok),
             fmt::format("Cannot evaluate an argument of {}(): {}", call_name(site.kind),
                         error.message),
             "use a plain string, a 64-bit integer or a float literal here");
      }
    }
    Json j = json_args && ok ? to_json(value) : Json(nullptr);
    if (arg.kind == CallArgSpan::Kind::kKeyword) {
      std::string name(tokens_[arg.name_tok].text(src_));
      if (json_args) call.keywords.emplace_back(name, std::move(j));
      keywords.emplace_back(std::move(name), std::move(value));
    } else {
      if (json_args) call.positional.push_back(std::move(j));
      positional.push_back(std::move(value));
    }
  }
  if (call.args_evaluated) interpret(site, call, positional, keywords);
  if (keep_calls_) out_.calls.push_back(std::move(call));
}

void Analyzer::interpret(const CallSite& site, const RecognizedCall& call,
                         const std::vector<PyValue>& positional,
                         const std::vector<std::pair<std::string, PyValue>>& keywords) {
  switch (site.kind) {
    case CallKind::kRef:
      interpret_ref(call, positional, keywords);
      break;
    case CallKind::kSource:
      interpret_source(call, positional, keywords);
      break;
    case CallKind::kConfig:
      interpret_config(call, positional, keywords);
      break;
    case CallKind::kConfigGet:
    case CallKind::kMetaGet:
      interpret_get(call, positional, keywords);
      break;
  }
}

// dbt.ref(name) / (package, name) / (package, name, version), version also as v= or version=.
// dbt-core 1.10 rejects a third positional argument; Fusion accepts it as the version: we follow
// Fusion. Fusion silently drops non-string names; dbt-core raises: we raise (clearer).
void Analyzer::interpret_ref(const RecognizedCall& call, const std::vector<PyValue>& positional,
                             const std::vector<std::pair<std::string, PyValue>>& keywords) {
  // Hints are built only when a diagnostic needs them (most calls are fine).
  const char* const hint =
      "call dbt.ref('model'), dbt.ref('package', 'model') or "
      "dbt.ref('model', v=2)";
  size_t n = positional.size();
  if (n == 0 || n > 3) {
    diag("DBTPY130", call.where, fmt::format("dbt.ref() expects 1-3 arguments, got {}", n), hint);
    return;
  }
  const PyValue* version = nullptr;
  for (const auto& [name, value] : keywords) {
    if (name == "v" || name == "version") {
      if (version != nullptr) {
        diag("DBTPY130", call.where,
             "dbt.ref() got the version more than once (v=, version= or a third argument)", hint);
        return;
      }
      version = &value;
    } else {
      diag("DBTPY135", call.where, fmt::format("dbt.ref() ignores the keyword argument '{}'", name),
           "dbt.ref() takes the package as its first positional argument and the version as "
           "v= or version=",
           Severity::kWarning);
    }
  }
  if (n == 3) {
    if (version != nullptr) {
      diag("DBTPY130", call.where,
           "dbt.ref() got the version more than once (v=, version= or a third argument)", hint);
      return;
    }
    version = &positional[2];
  }
  const PyValue& name = positional[n == 1 ? 0 : 1];
  if (name.type != PyValue::Type::kStr) {
    diag("DBTPY130", call.where,
         fmt::format("The name argument to ref() must be a string, got {}", python_type_name(name)),
         hint);
    return;
  }
  RefCall ref;
  ref.name = name.text;
  ref.where = call.where;
  if (n >= 2) {
    if (positional[0].type != PyValue::Type::kStr) {
      diag("DBTPY130", call.where,
           fmt::format("The package argument to ref() must be a string, got {}",
                       python_type_name(positional[0])),
           hint);
      return;
    }
    ref.package = positional[0].text;
  }
  if (version != nullptr && version->type != PyValue::Type::kNone) {
    if (version->type != PyValue::Type::kStr && version->type != PyValue::Type::kInt &&
        version->type != PyValue::Type::kFloat) {
      diag("DBTPY130", call.where,
           fmt::format("The version argument to ref() must be a string, int, float, or None - "
                       "got {}",
                       python_type_name(*version)),
           hint);
      return;
    }
    ref.version = python_str(*version);
  }
  out_.refs.push_back(std::move(ref));
}

void Analyzer::interpret_source(const RecognizedCall& call, const std::vector<PyValue>& positional,
                                const std::vector<std::pair<std::string, PyValue>>& keywords) {
  const char* const hint = "call dbt.source('source_name', 'table_name')";
  if (!keywords.empty()) {
    diag("DBTPY131", call.where,
         fmt::format("source() takes exactly two positional arguments; got the keyword "
                     "argument '{}'",
                     keywords.front().first),
         hint);
    return;
  }
  if (positional.size() != 2) {
    diag("DBTPY131", call.where,
         fmt::format("source() takes exactly two arguments ({} given)", positional.size()), hint);
    return;
  }
  if (positional[0].type != PyValue::Type::kStr) {
    diag("DBTPY131", call.where,
         fmt::format("The source name (first) argument to source() must be a string, got {}",
                     python_type_name(positional[0])),
         hint);
    return;
  }
  if (positional[1].type != PyValue::Type::kStr) {
    diag("DBTPY131", call.where,
         fmt::format("The table name (second) argument to source() must be a string, got {}",
                     python_type_name(positional[1])),
         hint);
    return;
  }
  SourceCall source;
  source.source_name = positional[0].text;
  source.table_name = positional[1].text;
  source.where = call.where;
  out_.sources.push_back(std::move(source));
}

// dbt.config(k=v, ...) or dbt.config({...}): dbt-core accepts both (not mixed); Fusion ignores
// the positional form. We follow dbt-core.
void Analyzer::interpret_config(const RecognizedCall& call, const std::vector<PyValue>& positional,
                                const std::vector<std::pair<std::string, PyValue>>& keywords) {
  // The call's arguments are already converted (call.keywords / call.positional hold
  // to_json() of the same values): copied, not converted again.
  Json config = Json::object();
  if (!keywords.empty() && positional.empty()) {
    for (const auto& [name, value] : call.keywords)
      config[name] = value;
  } else if (keywords.empty() && positional.size() == 1 &&
             positional[0].type == PyValue::Type::kDict) {
    config = call.positional[0];
  } else {
    diag("DBTPY132", call.where, "Invalid inline model config",
         "call dbt.config(key=value, ...) or dbt.config({'key': value}), not both and not "
         "without arguments");
    return;
  }
  static constexpr std::pair<const char*, const char*> kHookSpellings[] = {
      {"pre_hook", "pre-hook"}, {"post_hook", "post-hook"}};
  for (const auto& [underscore, dash] : kHookSpellings) {
    if (config.contains(underscore) && config.contains(dash)) {
      diag("DBTPY133", call.where,
           fmt::format("Invalid config, has conflicting keys \"{}\" and \"{}\"", underscore, dash),
           fmt::format("keep only one of {} and {}", underscore, dash));
      return;
    }
  }
  out_.config_calls.push_back(std::move(config));
}

// dbt.config.get(key[, default]) and dbt.config.meta_get(key[, default]); `default=` is
// accepted as Python's own signature would.
void Analyzer::interpret_get(const RecognizedCall& call, const std::vector<PyValue>& positional,
                             const std::vector<std::pair<std::string, PyValue>>& keywords) {
  const char* name = call_name(call.kind);
  auto hint = [name] { return fmt::format("call {}('key') or {}('key', default)", name, name); };
  const PyValue* def = positional.size() >= 2 ? &positional[1] : nullptr;
  size_t given = positional.size();
  for (const auto& [kw, value] : keywords) {
    if (kw != "default") {
      diag("DBTPY134", call.where,
           fmt::format("{}() got an unexpected keyword argument '{}'", name, kw), hint());
      return;
    }
    if (def != nullptr) {
      diag("DBTPY134", call.where,
           fmt::format("{}() got multiple values for argument 'default'", name), hint());
      return;
    }
    def = &value;
    ++given;
  }
  if (positional.empty()) {
    diag("DBTPY134", call.where, fmt::format("{}() requires at least one argument", name), hint());
    return;
  }
  if (given > 2) {
    diag("DBTPY134", call.where,
         fmt::format("{}() takes at most 2 arguments ({} given)", name, given), hint());
    return;
  }
  if (positional[0].type != PyValue::Type::kStr) {
    diag("DBTPY134", call.where,
         fmt::format("The key argument to {}() must be a string, got {}", name,
                     python_type_name(positional[0])),
         hint());
    return;
  }
  KeyUse use;
  use.key = positional[0].text;
  use.default_value = def ? to_json(*def) : Json(nullptr);
  use.where = call.where;
  (call.kind == CallKind::kConfigGet ? out_.config_keys_used : out_.meta_keys_used)
      .push_back(std::move(use));
}

// Module docstring declarations: lines `- ref('a')`, `- ref('pkg', 'a')`,
// `- source('s', 't')` (also with a `dbt.` prefix). Read from the raw text so that lines and
// columns are those of the file.
void Analyzer::docstring(const ParseResult& pr) {
  if (pr.docstring_begin < 0) return;
  // Docstring declarations come first (the docstring opens the module): they go straight into
  // the result, whose refs and sources are still empty here.
  std::vector<RefCall>& refs = out_.refs;
  std::vector<SourceCall>& sources = out_.sources;
  for (int32_t ti = pr.docstring_begin; ti < pr.docstring_end; ++ti) {
    const Token& t = tokens_[static_cast<size_t>(ti)];
    std::string_view text = t.text(src_);
    size_t k = 0;
    bool raw = false;
    while (k < text.size() && text[k] != '\'' && text[k] != '"') {
      if (text[k] == 'r' || text[k] == 'R') raw = true;
      ++k;
    }
    (void)raw;
    char q = text[k];
    size_t qlen = (text.size() >= k + 6 && text[k + 1] == q && text[k + 2] == q) ? 3 : 1;
    uint32_t body_begin = t.begin + static_cast<uint32_t>(k + qlen);
    uint32_t body_end = t.end - static_cast<uint32_t>(qlen);
    uint32_t line = t.line;
    uint32_t pos = body_begin;
    while (pos <= body_end) {
      uint32_t eol = pos;
      while (eol < body_end && src_[eol] != '\n' && src_[eol] != '\r')
        ++eol;
      std::string_view l = src_.substr(pos, eol - pos);
      // Parse `- [dbt.]ref(...)` / `- [dbt.]source(...)`.
      size_t i = 0;
      auto ws = [&]() {
        while (i < l.size() && (l[i] == ' ' || l[i] == '\t'))
          ++i;
      };
      ws();
      if (i < l.size() && l[i] == '-') {
        ++i;
        ws();
        size_t call_at = i;
        if (l.substr(i, 4) == "dbt.") i += 4;
        bool is_ref = l.substr(i, 3) == "ref";
        bool is_source = l.substr(i, 6) == "source";
        if (is_ref || is_source) {
          i += is_ref ? 3 : 6;
          ws();
          bool well_formed = false;
          std::vector<std::string> args;
          if (i < l.size() && l[i] == '(') {
            ++i;
            while (true) {
              ws();
              if (i < l.size() && l[i] == ')') {
                ++i;
                ws();
                well_formed = i == l.size();
                break;
              }
              if (i >= l.size() || (l[i] != '\'' && l[i] != '"')) break;
              char aq = l[i++];
              size_t close = l.find(aq, i);
              if (close == std::string_view::npos) break;
              std::string_view arg = l.substr(i, close - i);
              if (arg.find('\\') != std::string_view::npos) break;
              args.emplace_back(arg);
              i = close + 1;
              ws();
              if (i < l.size() && l[i] == ',') ++i;
            }
          }
          SourceLocation where = loc(pos + static_cast<uint32_t>(call_at), line);
          if (well_formed && is_ref && (args.size() == 1 || args.size() == 2)) {
            RefCall ref;
            ref.name = args.back();
            if (args.size() == 2) ref.package = args[0];
            ref.where = where;
            ref.from_docstring = true;
            refs.push_back(std::move(ref));
          } else if (well_formed && is_source && args.size() == 2) {
            SourceCall s;
            s.source_name = args[0];
            s.table_name = args[1];
            s.where = where;
            s.from_docstring = true;
            sources.push_back(std::move(s));
          } else if (l.substr(call_at).find('(') != std::string_view::npos) {
            diag("DBTPY140", where,
                 "this docstring line looks like a dependency declaration but is not one",
                 is_ref ? "write it as `- ref('model')` or `- ref('package', 'model')`"
                        : "write it as `- source('source_name', 'table_name')`",
                 Severity::kWarning);
          }
        }
      }
      if (eol >= body_end) break;
      pos = eol + ((src_[eol] == '\r' && eol + 1 < body_end && src_[eol + 1] == '\n') ? 2 : 1);
      ++line;
    }
  }
}

void Analyzer::structure(const ParseResult& pr) {
  std::vector<const ModelDefSite*> counted;
  for (const ModelDefSite& d : pr.model_defs) {
    if (d.counted) counted.push_back(&d);
  }
  if (counted.size() != 1) {
    SourceLocation at{1, 1};
    if (counted.size() > 1) at = tok_loc(counted[1]->def_tok);
    diag("DBTPY110", at,
         fmt::format("dbt allows exactly one model defined per python file, found {}",
                     counted.size()),
         counted.empty() ? "define the model as `def model(dbt, session):` returning a dataframe"
                         : "keep one `def model(dbt, session)` in this file; move others to "
                           "their own files or rename them");
    return;
  }
  const ModelDefSite& def = *counted[0];
  SourceLocation at = tok_loc(def.def_tok);
  out_.model_def_line = at.line;
  if (def.first_param_tok >= 0 &&
      !name_equals(src_, tokens_[static_cast<size_t>(def.first_param_tok)], "dbt")) {
    diag("DBTPY111", tok_loc(static_cast<uint32_t>(def.first_param_tok)),
         "'dbt' not provided for model as the first argument",
         "name the first parameter `dbt`: def model(dbt, session)");
  }
  if (def.params != 2) {
    diag("DBTPY112", tok_loc(def.name_tok),
         "model function should have two args, `dbt` and a session to current warehouse",
         "declare it as def model(dbt, session)");
  }
  if (!def.ends_with_return || def.returns_tuple) {
    // Point at the statement that should be the single `return`.
    diag("DBTPY113", tok_loc(def.last_stmt_tok),
         "In current version, model function should return only one dataframe object",
         "end the function with `return df` (one dataframe, not a tuple)");
  }
}

}  // namespace

namespace {

PythonAnalysis run_analysis(std::string_view source, std::string_view display_path,
                            bool keep_calls) {
  thread_local Scratch scratch;
  PythonAnalysis result;
  Analyzer analyzer(source, display_path, result, scratch, keep_calls);
  analyzer.run();
  scratch.release_if_large();
  return result;
}

}  // namespace

PythonAnalysis analyze(std::string_view source, std::string_view display_path) {
  return run_analysis(source, display_path, true);
}

PythonAnalysis analyze_without_calls(std::string_view source, std::string_view display_path) {
  return run_analysis(source, display_path, false);
}

}  // namespace dbtpy::compiler::python
