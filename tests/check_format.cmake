cmake_minimum_required(VERSION 3.25)
# Checks that every C++ file of the project follows .clang-format. Run by ctest with
# -DSOURCE_DIR and -DCLANG_FORMAT (and -DGIT, else git is looked up on the PATH).
# To fix: clang-format -i <the files it names>.
#
# The files are the ones git tracks, so a build folder inside the checkout (`cmake -B out`,
# an IDE's cmake-build-release/) is never checked: CMake's generated sources there
# (CMakeFiles/.../CMakeCXXCompilerId.cpp) follow no style of ours. A copy that is not a git
# checkout (a downloaded archive) is searched instead, leaving out build/, .tinygpt/ and
# every CMake build folder: one holding a CMakeCache.txt, or named CMakeFiles.
if(NOT DEFINED GIT)
  find_program(GIT NAMES git)
endif()

set(sources "")
set(tracked FALSE)
if(GIT)
  execute_process(COMMAND "${GIT}" -c core.quotePath=false ls-files -- "*.cpp" "*.h" "*.hpp"
                  WORKING_DIRECTORY "${SOURCE_DIR}" RESULT_VARIABLE status
                  OUTPUT_VARIABLE listed ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  # Outside a checkout git fails; a folder that a parent repository does not track lists
  # nothing. Either way the search below takes over.
  if(status EQUAL 0 AND NOT listed STREQUAL "")
    set(tracked TRUE)
    string(REPLACE "\n" ";" listed "${listed}")
    foreach(source IN LISTS listed)
      # A file deleted but not yet committed is still listed.
      if(EXISTS "${SOURCE_DIR}/${source}")
        list(APPEND sources "${source}")
      endif()
    endforeach()
  endif()
endif()

if(NOT tracked)
  file(GLOB_RECURSE found RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*.cpp" "${SOURCE_DIR}/*.h"
       "${SOURCE_DIR}/*.hpp")
  file(GLOB_RECURSE caches RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*/CMakeCache.txt")
  set(skipped build .tinygpt)
  foreach(cache IN LISTS caches)
    get_filename_component(folder "${cache}" DIRECTORY)
    list(APPEND skipped "${folder}")
  endforeach()
  foreach(source IN LISTS found)
    set(keep TRUE)
    if(source MATCHES "(^|/)CMakeFiles/")
      set(keep FALSE)
    endif()
    foreach(folder IN LISTS skipped)
      string(FIND "${source}" "${folder}/" position)
      if(position EQUAL 0)
        set(keep FALSE)
        break()
      endif()
    endforeach()
    if(keep)
      list(APPEND sources "${source}")
    endif()
  endforeach()
endif()

list(LENGTH sources count)
if(count EQUAL 0)
  message(FATAL_ERROR "no C++ files found under ${SOURCE_DIR}")
endif()
execute_process(COMMAND "${CLANG_FORMAT}" --dry-run -Werror ${sources}
                WORKING_DIRECTORY "${SOURCE_DIR}" RESULT_VARIABLE status ERROR_VARIABLE report)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "not formatted with .clang-format:\n${report}")
endif()
if(tracked)
  message(STATUS "${count} files tracked by git follow .clang-format")
else()
  message(STATUS "${count} files follow .clang-format (not a git checkout: searched the folder)")
endif()
