#pragma once
// The order of a project's nodes by unique_id (Project::nodes is kept in it), computed without
// reading the ids' common "type.package." prefixes again at every comparison: 11,000 ids
// sorted as strings spent most of the time in memcmp over "model.<package>." and in cache
// misses on ids scattered through the heap. Pure; thread-safe.
#include <cstddef>
#include <string_view>
#include <vector>

namespace dbtpy::compiler {

// order[i] is the index in `ids` of the i-th smallest id; equal ids keep their input order.
// The same order as sorting (id, index) pairs.
std::vector<size_t> unique_id_order(const std::vector<std::string_view>& ids);

}  // namespace dbtpy::compiler
