#include "cli/commands.h"

namespace dbtpy::cli {

// One adder per cmd_<name>.cc.
void add_compile_command(CLI::App& app, Invocation& inv);
void add_ls_command(CLI::App& app, Invocation& inv);
void add_parse_command(CLI::App& app, Invocation& inv);

std::vector<CommandAdder> all_commands() {
  return {add_compile_command, add_ls_command, add_parse_command};
}

}  // namespace dbtpy::cli
