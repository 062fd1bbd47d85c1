# What the command-line tests of steps 04 to 06 share (cmake -P scripts with -DTINYGPT set):
#   run(status args...)            runs `tinygpt args...`, fails unless it exits with `status`;
#                                  sets `output` and `errors` (its stdout and stderr);
#   expect_refused(pattern args...) expects status 1 and one line on stderr,
#                                  "tinygpt: error: ..." matching `pattern`;
#   expect_output(pattern)         fails unless the last run's stdout matches `pattern`;
#   train_tiny_gpt(world)          trains a tiny GPT (V 300, P 64, C 16, one layer) for two
#                                  steps on `world` into ${work}/gpt (its model folder:
#                                  ${work}/gpt/model); the commands are tested, not the model.
function(run expected_status)
  execute_process(COMMAND "${TINYGPT}" ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT status EQUAL expected_status)
    message(FATAL_ERROR "tinygpt ${ARGN}: expected status ${expected_status}, got ${status}\n"
                        "stdout:\n${out}\nstderr:\n${err}")
  endif()
  set(output "${out}" PARENT_SCOPE)
  set(errors "${err}" PARENT_SCOPE)
endfunction()

function(expect_refused pattern)
  run(1 ${ARGN})
  string(STRIP "${errors}" message)
  if(message MATCHES "\n" OR NOT message MATCHES "^tinygpt: error: .*${pattern}")
    message(FATAL_ERROR "expected one line matching '${pattern}' on stderr, got:\n${errors}")
  endif()
  message(STATUS "refused as expected: ${message}")
endfunction()

function(expect_output pattern)
  if(NOT output MATCHES "${pattern}")
    message(FATAL_ERROR "expected output matching '${pattern}', got:\n${output}")
  endif()
endfunction()

function(train_tiny_gpt world)
  file(WRITE "${work}/gpt.json" "{\"family\": \"gpt\", \"vocab_size\": 300, \"context_length\": 64,
  \"width\": 16, \"layers\": 1, \"heads\": 2, \"dropout\": 0.0, \"bias\": true}")
  run(0 train --config "${work}/gpt.json" --data "${world}" --steps 2 --batch 2
      --eval-interval 2 --eval-batches 1 --out "${work}/gpt")
endfunction()
