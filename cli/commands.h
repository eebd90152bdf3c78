#pragma once
// The list of subcommands. Each lives in its own cmd_<name>.cc and exposes one adder.
#include <vector>

#include "cli/invocation.h"

namespace dbtpy::cli {

std::vector<CommandAdder> all_commands();

}  // namespace dbtpy::cli
