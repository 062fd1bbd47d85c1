cmake_minimum_required(VERSION 3.25)
# `tinygpt generate` on a model folder without config.json must fail with status 1 and one
# line on stderr that names the missing file, without the failed check's source location
# (that is for developers: `tinygpt --verbose` adds it, and so does every debug build). Run
# by ctest with -DTINYGPT=<the program> -DWORK_DIR=<a scratch folder> -DBUILD_TYPE=<config>
# -DMODEL=<the tiny GPT-2 folder of tests/data>.
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
# An empty model.safetensors beside a good config and tokenizer fails a check in the
# safetensors reader: the user sees what is wrong, --verbose also shows the check.
set(folder "${WORK_DIR}/empty-weights")
file(REMOVE_RECURSE "${folder}")
file(MAKE_DIRECTORY "${folder}")
foreach(name config.json vocab.json merges.txt)
  file(COPY "${MODEL}/${name}" DESTINATION "${folder}")
endforeach()
file(WRITE "${folder}/model.safetensors" "")
foreach(flag "" "--verbose")
  execute_process(
    COMMAND "${TINYGPT}" ${flag} generate --model "${folder}" --prompt "hello"
    RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  if(NOT status EQUAL 1 OR NOT errors MATCHES "model\\.safetensors: the file is empty")
    message(FATAL_ERROR "expected status 1 naming the empty file, got ${status}:\n${errors}")
  endif()
  set(shows_check FALSE)
  if(errors MATCHES " \\[check failed: .* at [a-z_]+\\.cpp:[0-9]+\\]")
    set(shows_check TRUE)
  endif()
  if(flag STREQUAL "--verbose" AND NOT shows_check)
    message(FATAL_ERROR "--verbose should add the failed check and its place:\n${errors}")
  elseif(flag STREQUAL "" AND shows_check AND NOT BUILD_TYPE STREQUAL "Debug")
    message(FATAL_ERROR "a user's error message shows the internal check:\n${errors}")
  endif()
endforeach()
file(REMOVE_RECURSE "${folder}")
message(STATUS "refused as expected: ${message}")
