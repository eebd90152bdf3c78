// Throughput of the Python model analyzer on realistic synthetic dbt Python models (imports,
// docstrings, helper functions, pandas/pyspark-style code, dbt calls, f-strings, comments).
// Prints MB/s and ns/line; never fails on timing.
//
// Reproduce:
//   cmake --build build -j2 --target analyzer_bench
//   ./build/bench/analyzer_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "compiler/python/analysis.h"
#include "compiler/python/tokenizer.h"

namespace {

namespace py = dbtpy::compiler::python;

// One synthetic model of about `lines` lines, deterministic in `seed`.
std::string synthetic_model(uint32_t seed, int lines) {
  std::mt19937 rng(seed);
  auto pick = [&](std::initializer_list<const char*> xs) {
    return *(xs.begin() + static_cast<long>(rng() % xs.size()));
  };
  auto name = [&](const char* stem) { return fmt::format("{}_{}", stem, rng() % 500); };
  std::string out;
  int n = 0;
  auto line = [&](const std::string& s) {
    out += s;
    out += '\n';
    ++n;
  };
  line("\"\"\"" + name("Model") + ": daily aggregates for the finance team.");
  line("");
  line("Dependencies not visible in code:");
  line("  - ref('" + name("stg_orders") + "')");
  line("  - source('raw', '" + name("payments") + "')");
  line("\"\"\"");
  line("import datetime as dt");
  line("import json");
  line("from typing import Dict, List, Optional");
  line(pick({"import pandas as pd", "import pyspark.sql.functions as F",
             "import snowflake.snowpark.functions as F"}));
  line("from pyspark.sql import DataFrame, Window  # noqa: F401");
  line("");
  line(fmt::format("THRESHOLD = {}", rng() % 1000));
  line(fmt::format("COLUMNS = ['id', 'amount', 'status', '{}', \"created_at\"]", name("col")));
  line("");
  int helpers = 0;
  while (n < lines - 25) {
    ++helpers;
    line("");
    line(
        fmt::format("def {}(df: DataFrame, column: str = 'amount', *, scale: float = {}.5) "
                    "-> DataFrame:",
                    name("helper"), rng() % 10));
    line("    \"\"\"Normalize the column and drop rows below the threshold.\"\"\"");
    line("    # Keep the filter before the aggregation: it prunes partitions early.");
    line("    window = Window.partitionBy('customer_id').orderBy(F.col('created_at').desc())");
    line("    result = (");
    line("        df.filter(F.col(column) > THRESHOLD)");
    line("        .withColumn('rank', F.row_number().over(window))");
    line(fmt::format("        .withColumn('label', F.lit(f\"{{column}}_{{scale:.2f}}_{}\"))",
                     rng() % 100));
    line("        .select(*COLUMNS, 'rank', 'label')");
    line("    )");
    line("    if scale > 1.0 and column not in ('id', 'status'):");
    line("        result = result.withColumn(column, F.col(column) * scale)");
    line("    elif column == 'status':");
    line("        mapping: Dict[str, int] = {'open': 1, 'closed': 2, 'unknown': -1}");
    line("        result = result.replace(mapping, subset=[column])");
    line("    return result");
    line("");
    line(fmt::format("class {}:", name("Transformer")));
    line("    def __init__(self, days: int = 7, names: Optional[List[str]] = None) -> None:");
    line("        self.days = days");
    line("        self.names = names or [c.upper() for c in COLUMNS if c != 'id']");
    line("");
    line("    def window_start(self) -> dt.date:");
    line("        return dt.date.today() - dt.timedelta(days=self.days)");
  }
  line("");
  line("");
  line("def model(dbt, session):");
  line(fmt::format("    dbt.config(materialized='{}', unique_key='id', tags=['finance', 'daily'],",
                   pick({"table", "incremental"})));
  line(fmt::format("               packages=['pandas==2.1.0', 'numpy'], alias='{}')",
                   name("alias")));
  line(fmt::format("    orders = dbt.ref('{}')", name("stg_orders")));
  line(fmt::format("    customers = dbt.ref('{}', '{}', v={})", name("pkg"), name("customers"),
                   rng() % 3 + 1));
  line(fmt::format("    payments = dbt.source('raw', '{}')", name("payments")));
  line("    days = dbt.config.get('lookback_days', 7)");
  line("    owner = dbt.config.meta_get('owner', None)");
  line("    t = Transformer(days=days)");
  line("    joined = orders.join(customers, on='customer_id', how='left')");
  line("    if dbt.is_incremental:");
  line("        # Only new rows since the last run.");
  line("        max_ts = session.sql(f\"select max(created_at) from {dbt.this}\").collect()[0][0]");
  line("        joined = joined.filter(F.col('created_at') > F.lit(max_ts))");
  line("    joined = joined.join(payments, 'order_id')");
  line("    print(f\"owner={owner!r} start={t.window_start():%Y-%m-%d} rows={joined.count()}\")");
  line("    summary = json.dumps({'days': days, 'helpers': " + std::to_string(helpers) + "})");
  while (n < lines - 2) {
    line(fmt::format("    joined = joined.withColumn('c{}', F.col('amount') * {} + {})  # c{}", n,
                     rng() % 7, rng() % 13, n));
  }
  line("    del summary");
  line("    return joined");
  return out;
}

std::vector<std::string> corpus(int files, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(files));
  for (int i = 0; i < files; ++i) {
    out.push_back(synthetic_model(rng(), 50 + static_cast<int>(rng() % 251)));
  }
  return out;
}

size_t count_lines(const std::string& s) {
  size_t n = 0;
  for (char c : s)
    n += c == '\n';
  return n;
}

long max_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// One file at a time, single thread: the analyzer's raw speed.
void BM_AnalyzeFile(benchmark::State& state) {
  const std::string src = synthetic_model(42, static_cast<int>(state.range(0)));
  const size_t lines = count_lines(src);
  for (auto _ : state) {
    py::PythonAnalysis a = py::analyze(src, "models/m.py");
    benchmark::DoNotOptimize(a);
    if (!a.diagnostics.empty()) state.SkipWithError("unexpected diagnostics");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * src.size()));
  state.counters["ns_per_line"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(lines),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_AnalyzeFile)->Arg(50)->Arg(175)->Arg(300)->Unit(benchmark::kMicrosecond);

// The project loader's case: N files (50-300 lines) analyzed on T threads, as one batch.
void BM_AnalyzeProject(benchmark::State& state) {
  const int files = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const std::vector<std::string> sources = corpus(files, 7);
  size_t bytes = 0, lines = 0;
  for (const auto& s : sources) {
    bytes += s.size();
    lines += count_lines(s);
  }
  const long rss_before = max_rss_kb();
  std::atomic<int> errors{0};
  for (auto _ : state) {
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (size_t i = next++; i < sources.size(); i = next++) {
          py::PythonAnalysis a = py::analyze(sources[i], "models/m.py");
          if (!a.diagnostics.empty()) ++errors;
          benchmark::DoNotOptimize(a);
        }
      });
    }
    for (auto& th : pool)
      th.join();
  }
  if (errors > 0) state.SkipWithError("unexpected diagnostics");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["files"] = files;
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["ns_per_line"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(lines),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  // Peak RSS growth while analyzing (the sources themselves were already resident).
  state.counters["rss_growth_MB"] = static_cast<double>(max_rss_kb() - rss_before) / 1024.0;
}
BENCHMARK(BM_AnalyzeProject)
    ->Args({1000, 2})
    ->Args({10000, 1})
    ->Args({10000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// `--once FILES`: analyze the BM_AnalyzeProject corpus of FILES files once, single thread, and
// print its size. Fixed work for instruction counts, e.g.
//   valgrind --tool=callgrind --toggle-collect='dbtpy::compiler::python::analyze*'
//     build/bench/analyzer_bench --once 1000   (one command line)
// (instructions per line = the collected Ir / the printed line count).
int run_once(int files) {
  const std::vector<std::string> sources = corpus(files, 7);
  size_t bytes = 0, lines = 0, diagnostics = 0;
  for (const auto& s : sources) {
    bytes += s.size();
    lines += count_lines(s);
  }
  for (const auto& s : sources) {
    py::PythonAnalysis a = py::analyze(s, "models/m.py");
    diagnostics += a.diagnostics.size();
    benchmark::DoNotOptimize(a);
  }
  fmt::print("analyzed {} files, {} lines, {} bytes, {} diagnostics\n", files, lines, bytes,
             diagnostics);
  return diagnostics == 0 ? 0 : 1;
}

// `--tokenize DIR`: tokenize every .py file under DIR once (files read first), single thread,
// e.g. the synthetic projects of parse_bench; for the tokenizer's instruction count alone:
//   valgrind --tool=callgrind --toggle-collect='dbtpy::compiler::python::tokenize*'
//     build/bench/analyzer_bench --tokenize /tmp/perf-bench/synthetic_1000/models
int run_tokenize(const char* dir) {
  std::vector<std::string> sources;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".py") continue;
    std::ifstream in(e.path(), std::ios::binary);
    sources.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  size_t bytes = 0, lines = 0, tokens = 0, errors = 0;
  for (const auto& s : sources) {
    bytes += s.size();
    lines += count_lines(s);
  }
  for (const auto& s : sources) {
    py::TokenizeResult r = py::tokenize(s);
    tokens += r.tokens.size();
    errors += r.error.present;
    benchmark::DoNotOptimize(r);
  }
  fmt::print("tokenized {} files, {} lines, {} bytes, {} tokens, {} errors\n", sources.size(),
             lines, bytes, tokens, errors);
  return errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--once") return run_once(std::atoi(argv[2]));
  if (argc == 3 && std::string_view(argv[1]) == "--tokenize") return run_tokenize(argv[2]);
  benchmark::Initialize(&argc, argv);
  fmt::print(
      "Python model analyzer benchmark. Reproduce: cmake --build build -j2 --target "
      "analyzer_bench && ./build/bench/analyzer_bench --benchmark_counters_tabular=true\n");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
