cmake_minimum_required(VERSION 3.25)
# Checks that every C++ file of the project follows .clang-format. Run by ctest with
# -DSOURCE_DIR and -DCLANG_FORMAT. To fix: clang-format -i <the files it names>.
file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*.cpp" "${SOURCE_DIR}/*.h"
     "${SOURCE_DIR}/*.hpp")
list(FILTER sources EXCLUDE REGEX "^(build|\\.tinygpt)/")
execute_process(COMMAND "${CLANG_FORMAT}" --dry-run -Werror ${sources}
                WORKING_DIRECTORY "${SOURCE_DIR}" RESULT_VARIABLE status ERROR_VARIABLE report)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "not formatted with .clang-format:\n${report}")
endif()
list(LENGTH sources count)
message(STATUS "${count} files follow .clang-format")
