# One place for compile settings shared by every Lathe target.
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

find_program(LATHE_CCACHE ccache)
if(LATHE_CCACHE)
  # Sloppiness lets ccache reuse objects built with core's precompiled libtorch header.
  set(_lathe_launcher "${CMAKE_COMMAND}" -E env
      "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime" "${LATHE_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER ${_lathe_launcher})
  set(CMAKE_C_COMPILER_LAUNCHER ${_lathe_launcher})
endif()

add_library(lathe_settings INTERFACE)
target_compile_features(lathe_settings INTERFACE cxx_std_20)
target_compile_options(lathe_settings INTERFACE -Wall -Wextra)
if(LATHE_WARNINGS_AS_ERRORS)
  target_compile_options(lathe_settings INTERFACE -Werror)
endif()

# Sanitized builds (scripts/sanitize.sh): every target, the sentencepiece module included, so that ASan sees every
# allocation of Lathe's own code. Any UBSan finding aborts: a report that scrolls past is not a finding.
if(LATHE_SANITIZE)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # libtorch 1.13's headers do not compile with clang in C++20 mode against libstdc++ 12: its std::vector is
    # constexpr, so clang instantiates std::vector<c10::IValue> members where ATen has IValue still incomplete.
    # libstdc++ 11's headers predate that; the programs link and run with the system's (backward compatible)
    # libstdc++ 12 runtime, the one libtorch itself was built against.
    set(LATHE_LIBSTDCXX_HEADERS "/usr/include/c++/11" CACHE PATH "libstdc++ headers for the clang sanitized build")
    cmake_path(GET LATHE_LIBSTDCXX_HEADERS FILENAME _lathe_stdcxx_version)
    add_compile_options(
      "$<$<COMPILE_LANGUAGE:CXX>:-nostdinc++>"
      "$<$<COMPILE_LANGUAGE:CXX>:SHELL:-isystem ${LATHE_LIBSTDCXX_HEADERS}>"
      "$<$<COMPILE_LANGUAGE:CXX>:SHELL:-isystem /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/c++/${_lathe_stdcxx_version}>"
      "$<$<COMPILE_LANGUAGE:CXX>:SHELL:-isystem ${LATHE_LIBSTDCXX_HEADERS}/backward>")
  endif()
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(LATHE_SANITIZED=1)
endif()
if(LATHE_BUILD_FUZZ)
  if(NOT LATHE_SANITIZE OR NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LATHE_BUILD_FUZZ needs clang and LATHE_SANITIZE=ON (see scripts/sanitize.sh)")
  endif()
  # Coverage feedback for libFuzzer in every object; the fuzz targets alone link its driver.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# Test fixtures are read in place from the shared data folder next to the checkout, or from where the
# LATHE_SHARED_DATA environment variable points (a clone made elsewhere, as the README says).
if(DEFINED ENV{LATHE_SHARED_DATA})
  # FORCE: the variable wins over a value cached when the build folder was configured without it.
  set(LATHE_SHARED_DATA "$ENV{LATHE_SHARED_DATA}" CACHE PATH "Shared test data folder" FORCE)
else()
  set(LATHE_SHARED_DATA "${CMAKE_SOURCE_DIR}/../shared/data" CACHE PATH "Shared test data folder")
endif()
