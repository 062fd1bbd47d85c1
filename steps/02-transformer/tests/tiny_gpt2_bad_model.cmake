cmake_minimum_required(VERSION 3.25)
# `tinygpt generate` on a model folder without config.json must fail with status 1 and one
# line on stderr that names the missing file. Run by ctest with -DTINYGPT=<the program>
# -DWORK_DIR=<a scratch folder>.
set(folder "${WORK_DIR}/no-config")
file(REMOVE_RECURSE "${folder}")
file(MAKE_DIRECTORY "${folder}")
execute_process(
  COMMAND "${TINYGPT}" generate --model "${folder}" --prompt "hello"
  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
file(REMOVE_RECURSE "${folder}")
if(NOT status EQUAL 1)
  message(FATAL_ERROR "expected status 1, got ${status}; stderr:\n${errors}")
endif()
string(STRIP "${errors}" message)
if(message MATCHES "\n" OR NOT message MATCHES "^tinygpt: error: .*no config\\.json")
  message(FATAL_ERROR "expected one line naming config.json on stderr, got:\n${errors}")
endif()
message(STATUS "refused as expected: ${message}")
