// connections.toml is user-written: malformed files raise TomlError, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "profiles/auth/toml_subset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)dbtpy::profiles::auth::parse_toml(
        std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const dbtpy::profiles::auth::TomlError&) {
  }
  return 0;
}
