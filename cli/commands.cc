#include "cli/commands.h"

namespace dbtpy::cli {

// One adder per cmd_<name>.cc.
void add_cancel_command(CLI::App& app, Invocation& inv);
void add_compile_command(CLI::App& app, Invocation& inv);
void add_debug_command(CLI::App& app, Invocation& inv);
void add_ls_command(CLI::App& app, Invocation& inv);
void add_parse_command(CLI::App& app, Invocation& inv);
void add_submit_command(CLI::App& app, Invocation& inv);

std::vector<CommandAdder> all_commands() {
  return {add_cancel_command, add_compile_command, add_debug_command,
          add_ls_command,     add_parse_command,   add_submit_command};
}

}  // namespace dbtpy::cli
