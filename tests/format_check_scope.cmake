cmake_minimum_required(VERSION 3.25)
# Proves that check_format.cmake reads the files a checkout tracks, not CMake's generated
# sources in a build folder inside it. In a scratch folder: one well-formatted tracked file
# and an untracked build folder out/ (it holds a CMakeCache.txt) with badly formatted code.
# Run by ctest (see tests/CMakeLists.txt) with -DSOURCE_DIR, -DCLANG_FORMAT, -DWORK_DIR.
file(REMOVE_RECURSE "${WORK_DIR}")
find_program(GIT NAMES git REQUIRED)
# The scratch folder may sit inside the tinygpt checkout (build/...): git must not climb
# out of it to find that repository.
set(ENV{GIT_CEILING_DIRECTORIES} "${WORK_DIR}")

# Runs check_format.cmake on ${folder}; expect is "pass", or "fail" naming src/bad.cpp.
# Either way the generated sources in out/ must not be read.
function(check_format folder expect)
  execute_process(COMMAND ${CMAKE_COMMAND} "-DSOURCE_DIR=${folder}" "-DCLANG_FORMAT=${CLANG_FORMAT}"
                          "-DGIT=${GIT}" -P "${SOURCE_DIR}/tests/check_format.cmake"
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(report "${out}${err}")
  if(report MATCHES "CMakeCXXCompilerId|generated_by_cmake")
    message(FATAL_ERROR "check_format read the build folder of ${folder}:\n${report}")
  elseif(expect STREQUAL "pass" AND NOT status EQUAL 0)
    message(FATAL_ERROR "check_format failed on ${folder}, expected to pass:\n${report}")
  elseif(expect STREQUAL "fail" AND (status EQUAL 0 OR NOT report MATCHES "src/bad.cpp"))
    message(FATAL_ERROR "check_format did not fail on src/bad.cpp in ${folder}:\n${report}")
  endif()
  message(STATUS "${folder}: ${expect}ed as expected")
endfunction()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

# A checkout's files and, inside it, the build folder of `cmake -B out`.
function(make_checkout folder)
  file(COPY "${SOURCE_DIR}/.clang-format" DESTINATION "${folder}")
  file(WRITE "${folder}/src/good.cpp" "int twice(int x) {\n  return 2 * x;\n}\n")
  file(WRITE "${folder}/out/CMakeCache.txt" "# a CMake build folder\n")
  file(WRITE "${folder}/out/CMakeFiles/x/CMakeCXXCompilerId.cpp" "int   main( ){return 0 ;}\n")
  file(WRITE "${folder}/out/generated_by_cmake.cpp" "int   answer( ){return 42 ;}\n")
endfunction()

# 1. A git checkout: the untracked build folder is not checked.
set(repo "${WORK_DIR}/repo")
make_checkout("${repo}")
run("${GIT}" init --quiet "${repo}")
run("${GIT}" -C "${repo}" add .clang-format src/good.cpp)
check_format("${repo}" pass)

# 2. The negative control: a tracked badly formatted file fails the check.
file(WRITE "${repo}/src/bad.cpp" "int   thrice( int x ){return 3*x ;}\n")
run("${GIT}" -C "${repo}" add src/bad.cpp)
check_format("${repo}" fail)

# 3. No git checkout (a downloaded archive): the folder is searched, out/ left out.
set(copy "${WORK_DIR}/copy")
make_checkout("${copy}")
check_format("${copy}" pass)

# 4. The same search still finds a badly formatted source outside a build folder.
file(WRITE "${copy}/src/bad.cpp" "int   thrice( int x ){return 3*x ;}\n")
check_format("${copy}" fail)
