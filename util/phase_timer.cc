#include "util/phase_timer.h"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <ctime>

namespace dbtpy {
namespace {

// Peak resident memory so far (VmHWM), in MB; 0 where /proc is unavailable.
long peak_resident_mb() {
  long kb = 0;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    std::fclose(f);
  }
  return kb / 1024;
}

double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

PhaseTimer::PhaseTimer(const char* scope)
    : scope_(scope), last_(std::chrono::steady_clock::now()), last_cpu_(process_cpu_seconds()) {}

void PhaseTimer::lap(const char* phase) {
  if (!spdlog::should_log(spdlog::level::debug)) return;
  auto now = std::chrono::steady_clock::now();
  double cpu = process_cpu_seconds();
  struct mallinfo2 mi = ::mallinfo2();
  spdlog::debug("{}: {} took {:.3f}s ({:.3f}s CPU, peak {} MB resident, {} MB allocated)", scope_,
                phase, std::chrono::duration<double>(now - last_).count(), cpu - last_cpu_,
                peak_resident_mb(), (mi.uordblks + mi.hblkhd) / (1024 * 1024));
  last_ = now;
  last_cpu_ = cpu;
}

}  // namespace dbtpy
