cmake_minimum_required(VERSION 3.25)
# `tinygpt perplexity`: a tiny GPT trained for a few steps on a small generated world
# (tests/tiny_gpt_and_world.cmake), then its validation perplexity with float32, bf16 and
# int8 weights: three lines, bf16's and int8's within 1% of float32's; a missing token file
# and an unknown format are refused with one line naming them. Run by ctest with -DTINYGPT=<the program> -DWORK_DIR=<a scratch folder>.
set(work "${WORK_DIR}/perplexity-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")
include(${CMAKE_CURRENT_LIST_DIR}/../../../tests/tiny_gpt_and_world.cmake)
tiny_gpt_and_world("${TINYGPT}" "${work}")
execute_process(COMMAND "${TINYGPT}" train --config "${work}/model.json" --data "${work}/world"
                        --batch 4 --context 16 --out "${work}/run" --steps 30
                RESULT_VARIABLE status OUTPUT_QUIET ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "train failed (${status}):\n${errors}")
endif()

execute_process(COMMAND "${TINYGPT}" perplexity --model "${work}/run/model"
                        --tokens "${work}/run/data/validation.tokens"
                RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "perplexity failed (${status}):\n${errors}")
endif()
if(NOT output MATCHES "float32 +loss ([0-9.]+) nats/token, perplexity ([0-9.]+)\n")
  message(FATAL_ERROR "no float32 line:\n${output}")
endif()
set(float_perplexity "${CMAKE_MATCH_2}")
foreach(format bf16 int8)
  if(NOT output MATCHES "${format} +loss ([0-9.]+) nats/token, perplexity ([0-9.]+) \\(([-+0-9.e]+)% against float32\\)")
    message(FATAL_ERROR "no ${format} line:\n${output}")
  endif()
  set(change "${CMAKE_MATCH_3}")
  string(REGEX REPLACE "^\\+" "" change "${change}")
  if(float_perplexity LESS_EQUAL 1.0 OR change GREATER 1.0 OR change LESS -1.0)
    message(FATAL_ERROR "implausible perplexities (${format} off by ${change}%):\n${output}")
  endif()
endforeach()
message(STATUS "${output}")

foreach(case "--tokens;${work}/missing.tokens;missing.tokens"
             "--weights;int4;int4")
  list(GET case 0 flag)
  list(GET case 1 value)
  list(GET case 2 named)
  set(arguments --model "${work}/run/model" --tokens "${work}/run/data/validation.tokens")
  if(flag STREQUAL "--tokens")
    set(arguments --model "${work}/run/model" --tokens "${value}")
  else()
    list(APPEND arguments ${flag} ${value})
  endif()
  execute_process(COMMAND "${TINYGPT}" perplexity ${arguments}
                  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  if(status EQUAL 0 OR NOT errors MATCHES "${named}")
    message(FATAL_ERROR "${flag} ${value}: expected a refusal naming '${named}', got status "
                        "${status}:\n${output}${errors}")
  endif()
endforeach()
