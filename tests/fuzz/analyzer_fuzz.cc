// libFuzzer target for the Python model analyzer: any bytes must give diagnostics, never a
// crash, a hang or a sanitizer report. Built only with -DDBTPY_FUZZ=ON and clang:
//   CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DDBTPY_FUZZ=ON -DDBTPY_BUILD_TESTS=OFF \
//       -DDBTPY_BUILD_BENCH=OFF
//   cmake --build build-fuzz --target analyzer_fuzz
//   ./build-fuzz/tests/fuzz/analyzer_fuzz -dict=tests/fuzz/python.dict -max_total_time=300 \
//       /tmp/fuzz-corpus tests/compiler/python/corpus
// Every crash found becomes a regression case in tests/compiler/python (fuzz_regression_test).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "compiler/python/analysis.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  dbtpy::compiler::python::PythonAnalysis a =
      dbtpy::compiler::python::analyze(source, "models/fuzz.py");
  // Touch the results so that nothing is optimized away.
  volatile size_t n = a.diagnostics.size() + a.calls.size() + a.refs.size();
  (void)n;
  return 0;
}
