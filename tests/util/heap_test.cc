#include "util/heap.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <vector>

namespace dbtpy {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizedHeap = true;  // ASan's allocator: glibc's knobs do not apply
#else
constexpr bool kSanitizedHeap = false;
#endif

// After the call, the main arena grows by at least the 64 MB pad at once (by default it grows
// by what is needed plus 128 KB), so a parse's thousands of small growth steps become one.
TEST(Heap, GrowsInLargeSteps) {
  if (kSanitizedHeap) GTEST_SKIP() << "not glibc's allocator";
  grow_heap_in_large_steps();
  const size_t before = mallinfo2().arena;
  std::vector<void*> blocks;
  size_t grown = 0;
  // 64 KB blocks (below the mmap threshold) until the heap has to grow.
  for (int i = 0; i < 4096 && grown == 0; ++i) {
    blocks.push_back(std::malloc(64 * 1024));
    const size_t now = mallinfo2().arena;
    if (now != before) grown = now > before ? now - before : 0;
  }
  for (void* b : blocks)
    std::free(b);
  EXPECT_GE(grown, size_t{32} << 20);
}

}  // namespace
}  // namespace dbtpy
