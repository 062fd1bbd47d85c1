cmake_minimum_required(VERSION 3.25)
# Checks that no Catch2 test name holds ';' or '[': catch_discover_tests reads the names
# as a CMake list and a test spec, so either character silently merges or drops tests
# (ctest would then run fewer tests than the step has). Run by ctest with -DSOURCE_DIR.
file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/steps/*.cpp"
     "${SOURCE_DIR}/apps/*.cpp")
set(bad "")
foreach(source IN LISTS sources)
  file(STRINGS "${SOURCE_DIR}/${source}" lines REGEX "TEST_CASE\\(\"")
  foreach(line IN LISTS lines)
    if(line MATCHES "TEST_CASE\\(\"[^\"]*[[]")
      string(APPEND bad "\n  ${source}: ${line}")
    endif()
  endforeach()
endforeach()
# A ';' inside a name splits the line into list elements; look for it on the raw text.
foreach(source IN LISTS sources)
  file(READ "${SOURCE_DIR}/${source}" text)
  string(REGEX MATCHALL "TEST_CASE\\(\"[^\"\n]*;[^\"\n]*\"" names "${text}")
  if(names)
    string(APPEND bad "\n  ${source}: a test name with ';'")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "test names with ';' or '[' (rename them):${bad}")
endif()
message(STATUS "every test name is safe for catch_discover_tests")
