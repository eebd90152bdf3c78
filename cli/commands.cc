#include "cli/commands.h"

namespace dbtpy::cli {

std::vector<CommandAdder> all_commands() {
  return {};
}

}  // namespace dbtpy::cli
