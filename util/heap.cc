#include "util/heap.h"

#if __has_include(<malloc.h>)
#include <malloc.h>
#endif

namespace dbtpy {

void grow_heap_in_large_steps() {
#if defined(M_TOP_PAD)  // glibc's mallopt
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace dbtpy
