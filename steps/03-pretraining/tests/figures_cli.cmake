cmake_minimum_required(VERSION 3.25)
# `tinygpt figures` makes the lessons' pictures from the library: run with -DTINYGPT=<the
# program> -DWORK_DIR=<a scratch folder> -DMODEL=<a GPT folder with learned positions>. It
# writes the schedule and both position tables as SVG into a copy of the steps/ layout, and
# refuses a folder that is not a repository's root.
set(root "${WORK_DIR}/figures-cli")
file(REMOVE_RECURSE "${root}")
file(MAKE_DIRECTORY "${root}/steps/02-transformer/images" "${root}/steps/03-pretraining/images")
execute_process(COMMAND "${TINYGPT}" figures --root "${root}" --model "${MODEL}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "tinygpt figures failed (${status}):\n${out}\n${err}")
endif()
foreach(file steps/03-pretraining/images/schedule.svg
             steps/02-transformer/images/positions-sinusoidal.svg
             steps/02-transformer/images/positions-learned.svg)
  file(READ "${root}/${file}" svg LIMIT 200)
  if(NOT svg MATCHES "<svg")
    message(FATAL_ERROR "${file} is not an SVG picture:\n${svg}")
  endif()
endforeach()
execute_process(COMMAND "${TINYGPT}" figures --root "${WORK_DIR}/nowhere"
                RESULT_VARIABLE status ERROR_VARIABLE err)
if(status EQUAL 0 OR NOT err MATCHES "not the repository's root")
  message(FATAL_ERROR "a folder without steps/ was not refused (${status}):\n${err}")
endif()
