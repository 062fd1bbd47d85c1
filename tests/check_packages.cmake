cmake_minimum_required(VERSION 3.25)
# Checks that scripts/packages.txt covers every find_package() and find_dependency() of
# the project's CMake files, so the setup commands install all a fresh machine needs.
# Run by ctest with -DSOURCE_DIR.
file(STRINGS "${SOURCE_DIR}/scripts/packages.txt" lines)
set(covered tinygpt)  # the project's own package, used by tests/consumer
foreach(line IN LISTS lines)
  if(line MATCHES "^[ \t]*#" OR line MATCHES "^[ \t]*$")
    continue()
  endif()
  string(REGEX REPLACE "^[^ \t]+[ \t]+" "" cmake_names "${line}")
  string(REGEX REPLACE "[ \t]*#.*$" "" cmake_names "${cmake_names}")
  string(REPLACE "," ";" cmake_names "${cmake_names}")
  list(APPEND covered ${cmake_names})
endforeach()

file(GLOB_RECURSE cmake_files RELATIVE "${SOURCE_DIR}"
     "${SOURCE_DIR}/CMakeLists.txt" "${SOURCE_DIR}/*/CMakeLists.txt" "${SOURCE_DIR}/*.cmake"
     "${SOURCE_DIR}/*.cmake.in")
list(FILTER cmake_files EXCLUDE REGEX "^build/")
set(missing "")
foreach(cmake_file IN LISTS cmake_files)
  file(READ "${SOURCE_DIR}/${cmake_file}" text)
  string(REGEX MATCHALL "(find_package|find_dependency)\\([A-Za-z0-9_]+" calls "${text}")
  foreach(call IN LISTS calls)
    string(REGEX REPLACE ".*\\(" "" name "${call}")
    if(NOT name IN_LIST covered)
      list(APPEND missing "${name} (${cmake_file})")
    endif()
  endforeach()
endforeach()
if(missing)
  list(JOIN missing "\n  " missing_text)
  message(FATAL_ERROR "scripts/packages.txt covers no Debian package for:\n  ${missing_text}")
endif()
message(STATUS "every find_package is covered by scripts/packages.txt")
