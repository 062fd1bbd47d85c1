cmake_minimum_required(VERSION 3.25)
# `tinygpt figures` makes the lessons' pictures from the library: run with -DTINYGPT=<the
# program> -DWORK_DIR=<a scratch folder> -DMODEL=<a GPT folder with learned positions>. It
# writes step 01's four pictures (with a 20-step bigram, to stay fast), the schedule and both
# position tables as SVG into a copy of the steps/ layout, and refuses a folder that is not a
# repository's root.
set(root "${WORK_DIR}/figures-cli")
file(REMOVE_RECURSE "${root}")
file(MAKE_DIRECTORY "${root}/steps/01-basics/images" "${root}/steps/02-transformer/images"
                    "${root}/steps/03-pretraining/images")
execute_process(COMMAND "${TINYGPT}" figures --root "${root}" --model "${MODEL}" --bigram-steps 20
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
# Step 01's pictures: whole documents, with the marks that show they hold what they should.
foreach(check "spiral-regions.svg|training points" "spiral-regions.svg|step 1500"
              "bpe-pair-counts.svg|second symbol" "tape-order.svg|matmul backward"
              "bigram-next-token.svg|next token")
  string(REPLACE "|" ";" check "${check}")
  list(GET check 0 file)
  list(GET check 1 mark)
  file(READ "${root}/steps/01-basics/images/${file}" svg)
  if(NOT svg MATCHES "^<\\?xml[^\n]*\n<svg .*</svg>\n$" OR NOT svg MATCHES "${mark}")
    string(SUBSTRING "${svg}" 0 300 start)
    message(FATAL_ERROR "steps/01-basics/images/${file} is not a whole SVG picture with "
                        "\"${mark}\" in it:\n${start}")
  endif()
endforeach()
foreach(line "after 1500 steps: train accuracy" "merge 1: \"a\" \\+ \"t\" \\(count 4\\)"
             "node 3: sum" "the top 15 next tokens")
  if(NOT out MATCHES "${line}")
    message(FATAL_ERROR "tinygpt figures did not print \"${line}\":\n${out}")
  endif()
endforeach()
execute_process(COMMAND "${TINYGPT}" figures --root "${WORK_DIR}/nowhere"
                RESULT_VARIABLE status ERROR_VARIABLE err)
if(status EQUAL 0 OR NOT err MATCHES "not the repository's root")
  message(FATAL_ERROR "a folder without steps/ was not refused (${status}):\n${err}")
endif()
