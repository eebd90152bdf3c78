// `dbtpy debug`: like `dbt debug`, shows where profiles.yml is and the resolved target with its
// secrets redacted, then checks that the credentials load, a token can be obtained and one
// cheap authenticated call succeeds (cli/debug_checks.h). Exit 0 only when every check passes.
#include <CLI/CLI.hpp>

#include "cli/debug_checks.h"
#include "cli/invocation.h"
#include "cli/project_context.h"
#include "profiles/auth/credentials.h"
#include "submitters/http/curl_http_client.h"
#include "util/error.h"

namespace dbtpy::cli {
namespace {

namespace http = submitters::http;

int run_debug(Invocation& inv) {
  profiles::LoadedProfile loaded;
  try {
    loaded = load_profile_for(inv);
  } catch (const Error& e) {
    // As dbt debug does: a profile that cannot be loaded is a failed check (exit 1), reported
    // with the loader's own diagnostics.
    inv.reporter->event("debug", "  profiles.yml " + std::string(21, '.') + " [ERROR]",
                        Json{{"check", "profiles.yml"}, {"status", "error"}}, Tone::kPlain, true);
    for (const auto& d : e.diagnostics())
      inv.reporter->diagnostic(d);
    inv.reporter->event("debug", "1 check failed.", Json{{"status", "error"}, {"failures", 1}},
                        Tone::kBad, true);
    return kExitFailure;
  }
  profiles::EnvLookup env = profiles::process_env();
  http::ClientOptions options = profiles::auth::client_options_for(loaded.target, env);
  for (const auto& s : http::proxy_secrets(options))
    inv.redactor->add_secret(s);
  http::CurlHttpClient client(options);
  SystemClock clock;
  http::RealSleeper sleeper;
  http::DefaultRandomSource random;
  RandomIdSource ids;

  DebugInputs in;
  in.target = &loaded.target;
  in.secrets = &loaded.secrets;
  in.profiles_file = loaded.profiles_file.string();
  in.sources.env = env;
  in.sources.redactor = inv.redactor;
  DebugDeps deps{&client, &clock, &sleeper, &random, &ids};
  return run_debug_checks(in, deps, *inv.reporter) == 0 ? kExitOk : kExitFailure;
}

}  // namespace

void add_debug_command(CLI::App& app, Invocation& inv) {
  CLI::App* debug = app.add_subcommand(
      "debug", "Show the resolved profile and check that dbtpy can authenticate (as `dbt debug`)");
  debug->callback([&inv] { inv.action = run_debug; });
}

}  // namespace dbtpy::cli
