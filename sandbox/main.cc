// dbtpy-sandbox: a local stand-in for the Snowflake SQL API, Databricks REST and Google Cloud
// (OAuth, Storage, Dataproc, BigQuery) endpoints that dbtpy uses. Prints the bound base URL as
// the first line of stdout, serves until SIGTERM/SIGINT, then stops cleanly.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "sandbox/config.h"
#include "sandbox/sandbox.h"
#include "util/version.h"

int main(int argc, char** argv) {
  CLI::App app{"dbtpy-sandbox: local Snowflake / Databricks / Google Cloud endpoints for dbtpy"};
  int port = 0;
  std::string config_path;
  std::string state_dir;
  std::string log_file;
  std::string tls_cert;
  std::string tls_key;
  bool verbose = false;
  app.add_option("--port", port, "Port on 127.0.0.1 (0 = any free port)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--config", config_path, "sandbox.yml (credentials, resources, rules, faults)");
  app.add_option("--state-dir", state_dir,
                 "Folder for state that survives restarts (relations, objects, notebooks)");
  app.add_option("--log", log_file, "JSONL request log (appended)");
  app.add_option("--tls-cert", tls_cert, "PEM certificate: serve HTTPS");
  app.add_option("--tls-key", tls_key, "PEM private key for --tls-cert");
  app.add_flag("--verbose", verbose, "Log each request to stderr");
  app.set_version_flag("--version", std::string("dbtpy-sandbox ") + dbtpy::kVersion);
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("dbtpy-sandbox");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);

  if (tls_cert.empty() != tls_key.empty()) {
    std::cerr << "error: --tls-cert and --tls-key go together\n"
              << "  = help: pass both PEM files to serve HTTPS, or neither for HTTP\n";
    return 2;
  }
  dbtpy::sandbox::SandboxConfig config;
  if (!config_path.empty()) {
    try {
      config = dbtpy::sandbox::load_config(config_path);
    } catch (const dbtpy::sandbox::ConfigError& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
  } else {
    spdlog::warn("no --config: no credentials are registered, so every API call is refused");
  }

  // Block the stop signals before any thread starts, so they all inherit the mask and the
  // main thread alone receives them through sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  dbtpy::sandbox::SandboxOptions options;
  options.state_dir = state_dir;
  options.log_file = log_file;
  options.server.tls_cert = tls_cert;
  options.server.tls_key = tls_key;
  std::unique_ptr<dbtpy::sandbox::Sandbox> sandbox;
  std::string url;
  try {
    sandbox = std::make_unique<dbtpy::sandbox::Sandbox>(std::move(config), options);
    url = sandbox->start(port);
  } catch (const std::exception& e) {
    std::cerr << "error: cannot start the sandbox: " << e.what() << "\n";
    return 1;
  }
  std::printf("%s\n", url.c_str());
  std::fflush(stdout);
  spdlog::info("serving Snowflake, Databricks and Google Cloud endpoints at {}", url);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received signal {}, stopping", sig);
  sandbox->stop();
  sandbox.reset();
  spdlog::info("stopped");
  return 0;
}
