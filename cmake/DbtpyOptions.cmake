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

# dbtpy_add_library(<name> SOURCES ... DEPS ...): one static library per layer folder.
function(dbtpy_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC dbtpy_options ${ARG_DEPS})
endfunction()

# libFuzzer targets (fuzz/): clang only. Every dbtpy target gets coverage instrumentation and
# ASan/UBSan, so a fuzzer sees into the parsers it drives.
option(DBTPY_BUILD_FUZZERS "Build the libFuzzer targets in fuzz/ (needs clang)" OFF)
if(DBTPY_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "DBTPY_BUILD_FUZZERS needs clang: -DCMAKE_CXX_COMPILER=clang++")
  endif()
  target_compile_options(dbtpy_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                         -fno-omit-frame-pointer -g)
  target_link_options(dbtpy_options INTERFACE -fsanitize=address,undefined)
endif()
