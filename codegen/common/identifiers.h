#pragma once
// Names we derive for remote objects, made valid for each service's rules: Dataproc batch
// ids (4-63 of [a-z0-9-], starting with a letter), Google label values ([a-z0-9_-], <= 63),
// BigQuery job ids ([A-Za-z0-9_-]), and short content hashes that keep distinct models
// distinct after sanitizing. Pure; thread-safe.
#include <string>
#include <string_view>

namespace dbtpy::codegen {

// Lowercase, runs of other characters collapsed to '-', trimmed of '-', cut to `max_len`
// (never ending with '-'); "m" when nothing is left. Starts with a letter (prefixes "m-").
std::string dns_label(std::string_view text, size_t max_len);

// [A-Za-z0-9_] kept, anything else becomes '_', cut to `max_len`.
std::string word_chars(std::string_view text, size_t max_len);

// First `n` hex digits of SHA-256 of `text`.
std::string short_hash(std::string_view text, size_t n = 8);

}  // namespace dbtpy::codegen
