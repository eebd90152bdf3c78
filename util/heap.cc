#include "util/heap.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace dbtpy {

void grow_heap_in_large_steps() {
#if defined(__GLIBC__)
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace dbtpy
