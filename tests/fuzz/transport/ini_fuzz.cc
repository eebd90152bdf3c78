// ~/.databrickscfg is user-written: malformed files raise IniError, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "profiles/auth/ini_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto ini = dbtpy::profiles::auth::IniFile::parse(
        std::string_view(reinterpret_cast<const char*>(data), size));
    for (const auto& s : ini.sections())
      (void)ini.get(s, "host");
  } catch (const dbtpy::profiles::auth::IniError&) {
  }
  return 0;
}
