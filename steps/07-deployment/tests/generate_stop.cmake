cmake_minimum_required(VERSION 3.25)
# `tinygpt generate --stop`: greedy on the tiny Hugging Face GPT-2 folder once without a
# stop string, then with three characters from the middle of that continuation as one:
# the second output must be the first cut just before the stop string's first occurrence.
# Then --stats: one line on stderr with the time to the first token and the speed.
# Run by ctest with -DTINYGPT=<the program> -DMODEL=<the folder>.
set(prompt "The cat's toy")
function(run_generate out_var)
  execute_process(
    COMMAND "${TINYGPT}" generate --model "${MODEL}" --prompt "${prompt}" --greedy
            --max-tokens 12 ${ARGN}
    RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "tinygpt generate ${ARGN} exited with ${status}:\n${errors}")
  endif()
  set(${out_var} "${output}" PARENT_SCOPE)
endfunction()

run_generate(full)
string(LENGTH "${prompt}" prompt_length)
string(SUBSTRING "${full}" ${prompt_length} -1 continuation)
string(REGEX REPLACE "\n$" "" continuation "${continuation}")
string(LENGTH "${continuation}" length)
if(length LESS 8)
  message(FATAL_ERROR "the continuation is too short to cut: '${continuation}'")
endif()
math(EXPR middle "${length} / 2")
string(SUBSTRING "${continuation}" ${middle} 3 stop)
string(FIND "${continuation}" "${stop}" first)
string(SUBSTRING "${continuation}" 0 ${first} expected)

run_generate(cut --stop "${stop}")
if(NOT cut STREQUAL "${prompt}${expected}\n")
  message(FATAL_ERROR "with --stop '${stop}' expected\n  '${prompt}${expected}'\ngot\n  '${cut}'")
endif()
message(STATUS "stopped before '${stop}': '${cut}'")

execute_process(
  COMMAND "${TINYGPT}" generate --model "${MODEL}" --prompt "${prompt}" --greedy --max-tokens 12
          --stats
  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
if(NOT status EQUAL 0 OR NOT errors MATCHES
   "^6 prompt tokens, 12 new \\(length\\); time to first token [0-9.]+ ms, then [0-9]+ tokens/s\n$")
  message(FATAL_ERROR "expected one --stats line on stderr, got (status ${status}):\n${errors}")
endif()
message(STATUS "${errors}")
