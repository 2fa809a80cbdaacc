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

# Test fixtures are read in place from the shared data folder next to the checkout, or from where the
# LATHE_SHARED_DATA environment variable points (a clone made elsewhere, as the README says).
if(DEFINED ENV{LATHE_SHARED_DATA})
  # FORCE: the variable wins over a value cached when the build folder was configured without it.
  set(LATHE_SHARED_DATA "$ENV{LATHE_SHARED_DATA}" CACHE PATH "Shared test data folder" FORCE)
else()
  set(LATHE_SHARED_DATA "${CMAKE_SOURCE_DIR}/../shared/data" CACHE PATH "Shared test data folder")
endif()
