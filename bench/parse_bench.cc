// End-to-end benchmark of `dbtpy parse` on synthetic projects of 1,000 and 10,000 Python
// models: load dbt_project.yml and profiles.yml, analyze every file, resolve configs, refs and
// relations, build the DAG and write target/dbtpy/manifest.json. Each measurement runs in a
// forked child so its peak RSS (getrusage/wait4) is its own. Two rows per size: a full parse
// (partial parsing off: every file analyzed, as on a first run; the stored analyses are still
// written, as then) and a partial parse of the unchanged project (every analysis reused, as on
// the next run). Prints the numbers and the command to reproduce them; never fails on timing.
//
//   parse_bench [--models N]... [--runs R] [--threads T] [--dir PATH] [--reuse] [--profile]
//
// --reuse keeps a synthetic project already written by an earlier run (same N, same seed).
// --profile parses once in this process, with the loader's phase timings, for profilers:
//   valgrind --tool=callgrind build/bench/parse_bench --models 10000 --reuse --profile
//   perf record -g build/bench/parse_bench --models 10000 --reuse --profile
//   heaptrack build/bench/parse_bench --models 10000 --reuse --profile
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/synthetic_project.h"
#include "compiler/dbtpy_manifest.h"
#include "compiler/project_loader.h"
#include "profiles/profile_loader.h"

namespace fs = std::filesystem;
using namespace dbtpy;

namespace {

struct Measurement {
  double seconds = 0;
  double cpu_seconds = 0;  // user + sys of the child
  long peak_rss_kb = 0;
  int errors = 0;
  size_t models = 0;
};

// One parse, as `dbtpy parse` does it. Returns the number of error diagnostics.
int parse_once(const fs::path& project_dir, int threads, bool partial, size_t* models) {
  compiler::LoadOptions o;
  o.env = profiles::process_env();
  o.threads = threads;
  o.partial_parse = partial;
  compiler::DbtProjectFile header = compiler::read_project_header(project_dir, o);
  profiles::ProfileRequest r;
  r.project_dir = header.root;
  r.project_profile = header.profile;
  r.env = o.env;
  r.redactor = o.redactor;
  profiles::LoadedProfile profile = profiles::load_profile(r);
  compiler::Project p = compiler::load_project(std::move(header), profile.target, o);
  int errors = 0;
  for (const auto& d : p.diagnostics)
    if (d.severity == Severity::kError) ++errors;
  if (errors == 0) compiler::write_dbtpy_manifest(p);
  *models = p.python_models.size();
  return errors;
}

Measurement measure(const fs::path& project_dir, int threads, bool partial) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    auto start = std::chrono::steady_clock::now();
    size_t models = 0;
    int errors = 0;
    try {
      errors = parse_once(project_dir, threads, partial, &models);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "parse failed: %s\n", e.what());
      errors = -1;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char buf[128];
    int n = std::snprintf(buf, sizeof buf, "%.6f %d %zu", secs, errors, models);
    if (::write(fds[1], buf, static_cast<size_t>(n)) < 0) std::_Exit(3);
    std::_Exit(0);
  }
  ::close(fds[1]);
  char buf[128] = {};
  ssize_t got = ::read(fds[0], buf, sizeof buf - 1);
  ::close(fds[0]);
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  Measurement m;
  if (got > 0) std::sscanf(buf, "%lf %d %zu", &m.seconds, &m.errors, &m.models);
  m.peak_rss_kb = ru.ru_maxrss;
  m.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  return m;
}

// One parse in this process (for profilers): phase timings from the loader's debug log, then
// the totals.
void profile_once(const fs::path& project_dir, int threads) {
  spdlog::set_level(spdlog::level::debug);
  auto cpu_now = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  auto start = std::chrono::steady_clock::now();
  double cpu0 = cpu_now();
  size_t models = 0;
  int errors = parse_once(project_dir, threads, /*partial=*/false, &models);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  std::printf("  profile: %zu models, %d errors, wall %.3f s, CPU %.3f s, peak RSS %.1f MB\n",
              models, errors, secs, cpu_now() - cpu0, static_cast<double>(ru.ru_maxrss) / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  int runs = 5;
  int threads = 0;
  bool reuse = false;
  bool profile = false;
  fs::path dir = fs::temp_directory_path() / "dbtpy-parse-bench";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--models") {
      sizes.push_back(std::stoi(value()));
    } else if (a == "--runs") {
      runs = std::max(1, std::stoi(value()));
    } else if (a == "--threads") {
      threads = std::stoi(value());
    } else if (a == "--dir") {
      dir = value();
    } else if (a == "--reuse") {
      reuse = true;
    } else if (a == "--profile") {
      profile = true;
    } else {
      std::fprintf(stderr,
                   "usage: parse_bench [--models N]... [--runs R] [--threads T] [--dir PATH] "
                   "[--reuse] [--profile]\n");
      return 2;
    }
  }
  if (sizes.empty()) sizes = {1000, 10000};

  std::printf("dbtpy parse benchmark (end to end: load + analyze + resolve + manifest)\n");
  std::printf("reproduce: %s", argv[0]);
  for (int s : sizes)
    std::printf(" --models %d", s);
  std::printf(" --runs %d%s%s%s\n", runs,
              threads ? (" --threads " + std::to_string(threads)).c_str() : "",
              reuse ? " --reuse" : "", profile ? " --profile" : "");
  std::printf("machine: %u hardware threads\n\n", std::thread::hardware_concurrency());
  for (int n : sizes) {
    fs::path project = dir / ("synthetic_" + std::to_string(n));
    std::error_code ec;
    if (reuse && fs::is_regular_file(project / "dbt_project.yml", ec)) {
      std::printf("%d Python models (reusing %s)\n", n, project.c_str());
    } else {
      bench::SyntheticStats st = bench::write_synthetic_project(project, n);
      std::printf(
          "%d Python models (%.1f MB, %llu lines, avg %llu lines), %d SQL models, %d "
          "properties files\n",
          st.python_models, static_cast<double>(st.python_bytes) / 1e6,
          static_cast<unsigned long long>(st.python_lines),
          static_cast<unsigned long long>(st.python_lines / std::max(1, st.python_models)),
          st.sql_models, st.yaml_files);
    }
    if (profile) {
      profile_once(project, threads);
      continue;
    }
    for (bool partial : {false, true}) {
      std::vector<Measurement> ms;
      measure(project, threads, partial);  // warm-up: page cache, manifest and stored analyses
      for (int r = 0; r < runs; ++r)
        ms.push_back(measure(project, threads, partial));
      std::vector<double> secs, cpu;
      long rss = 0;
      for (const auto& m : ms) {
        secs.push_back(m.seconds);
        cpu.push_back(m.cpu_seconds);
        rss = std::max(rss, m.peak_rss_kb);
        if (m.errors != 0) std::printf("  WARNING: %d errors while parsing\n", m.errors);
      }
      std::sort(secs.begin(), secs.end());
      std::sort(cpu.begin(), cpu.end());
      double load = 0;
      if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &load) != 1) load = 0;
        std::fclose(f);
      }
      std::printf(
          "  %s: wall min %.3f s, median %.3f s, max %.3f s over %d runs; CPU (user+sys) "
          "median %.3f s; peak RSS %.1f MB; %zu models; load average %.1f\n",
          partial ? "partial parse, no file changed" : "full parse (--no-partial-parse)",
          secs.front(), secs[secs.size() / 2], secs.back(), runs, cpu[cpu.size() / 2],
          static_cast<double>(rss) / 1024.0, ms.front().models, load);
    }
    std::printf("\n");
  }
  return 0;
}
