# Compiler settings shared by every dbtpy target: warnings as the design card asks, and the
# sanitizer build that CI runs as a second pass.

add_library(dbtpy_options INTERFACE)
target_compile_options(dbtpy_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wno-missing-field-initializers)
target_include_directories(dbtpy_options INTERFACE ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/generated)

if(DBTPY_SANITIZE)
  target_compile_options(dbtpy_options INTERFACE -fsanitize=address,undefined
                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(dbtpy_options INTERFACE -fsanitize=address,undefined)
endif()

if(DBTPY_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "DBTPY_FUZZ needs clang: configure with CXX=clang++")
  endif()
  target_compile_options(dbtpy_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                         -fno-omit-frame-pointer)
  target_link_options(dbtpy_options INTERFACE -fsanitize=address,undefined)
endif()

# dbtpy_add_library(<name> SOURCES ... DEPS ... [PRECOMPILE header...]): one static library
# per layer folder. The standard and JSON headers most files include are precompiled once per
# library (CI builds everything twice on 2 cores; parsing them was a fifth of the build);
# PRECOMPILE adds a library's own heavy ones.
function(dbtpy_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRECOMPILE" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC dbtpy_options ${ARG_DEPS})
  target_precompile_headers(${name} PRIVATE <nlohmann/json.hpp> <filesystem> <functional> <map>
                            <memory> <optional> <string> <string_view> <vector> ${ARG_PRECOMPILE})
endfunction()
