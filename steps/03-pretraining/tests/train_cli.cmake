cmake_minimum_required(VERSION 3.25)
# `tinygpt train` from the command line, on a tiny GPT and a small generated world. Run by
# ctest with -DTINYGPT=<the program> -DWORK_DIR=<a scratch folder> -DMODE=<what to check>:
#   run     trains, writes every output file, refuses a second fresh run into the same
#           folder and resumes with --resume; trains with SGD and draws both runs with
#           `tinygpt plot`;
#   families  the encoder and the encoder-decoder train from the command line too;
#   signal  SIGINT to a running trainer saves a checkpoint and exits with status 0;
#   errors  a bad model config, missing data and an unwritable output folder each fail with
#           status 1 and one line on stderr naming the problem, before any training;
#   mpi     under `${MPIEXEC} ${MPIEXEC_NUMPROC_FLAG} 2 --oversubscribe` (-DMPIEXEC=...):
#           rank 0 tokenises the world and prints the progress once, the checkpoint is
#           written, and a batch the two ranks cannot share is one error line, status 1.
set(work "${WORK_DIR}/train-cli-${MODE}")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")
include(${CMAKE_CURRENT_LIST_DIR}/../../../tests/tiny_gpt_and_world.cmake)
tiny_gpt_and_world("${TINYGPT}" "${work}")
set(common --config "${work}/model.json" --data "${work}/world" --batch 4 --context 16)

# The trainer's command line: under mpirun with 2 ranks in mode mpi.
set(launch "${TINYGPT}")
if(MODE STREQUAL "mpi")
  set(launch "${MPIEXEC}" ${MPIEXEC_NUMPROC_FLAG} 2 --oversubscribe "${TINYGPT}")
endif()

# Runs the trainer and expects `expected_status`; leaves its output in `output`, `errors`.
function(run_train expected_status)
  execute_process(COMMAND ${launch} train ${ARGN}
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL expected_status)
    message(FATAL_ERROR "tinygpt train ${ARGN}: expected status ${expected_status}, got "
                        "${status}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(output "${out}" PARENT_SCOPE)
  set(errors "${err}" PARENT_SCOPE)
endfunction()

# Expects status 1 and one line on stderr matching `pattern`.
function(expect_refused pattern)
  run_train(1 ${ARGN})
  string(STRIP "${errors}" message)
  if(MODE STREQUAL "mpi")
    string(REGEX MATCHALL "error:" printed "${message}")
    list(LENGTH printed count)
    if(count EQUAL 1 AND NOT message MATCHES "MPI_ABORT")
      string(REGEX REPLACE "\n.*" "" message "${message}")  # our line, then mpirun's note
    endif()
  endif()
  if(message MATCHES "\n" OR NOT message MATCHES "^tinygpt: error: .*${pattern}")
    message(FATAL_ERROR "expected one line matching '${pattern}' on stderr, got:\n${errors}")
  endif()
  message(STATUS "refused as expected: ${message}")
endfunction()

if(MODE STREQUAL "run")
  run_train(0 ${common} --out "${work}/run" --steps 6 --eval-interval 3 --sample-interval 6
            --sample-tokens 8 --print-every 2)
  # Not a terminal: plain lines every 2 steps, no carriage returns.
  if(NOT output MATCHES "step 2/6  loss" OR NOT output MATCHES "step 6/6  loss.*val"
     OR output MATCHES "\r")
    message(FATAL_ERROR "unexpected progress output:\n${output}")
  endif()
  foreach(file checkpoint-00000006.safetensors metrics.jsonl loss.svg samples.txt
               train_config.json model/model.safetensors data/tokenizer.bpe data/train.tokens)
    if(NOT EXISTS "${work}/run/${file}")
      message(FATAL_ERROR "tinygpt train did not write ${file}:\n${output}")
    endif()
  endforeach()
  expect_refused("--resume" ${common} --out "${work}/run" --steps 6)
  run_train(0 ${common} --out "${work}/run" --steps 6 --resume)
  if(NOT output MATCHES "resuming from .*checkpoint-00000006")
    message(FATAL_ERROR "--resume did not resume:\n${output}")
  endif()
  expect_refused("batch 4, this run has batch 2" --config "${work}/model.json"
                 --data "${work}/world" --context 16 --out "${work}/run" --steps 6 --resume
                 --batch 2)
  # Another optimizer, then both runs in one chart by `tinygpt plot`.
  run_train(0 ${common} --out "${work}/sgd" --steps 6 --eval-interval 3 --optimizer sgd
            --momentum 0.5 --lr 0.1)
  file(READ "${work}/sgd/train_config.json" sgd_config)
  if(NOT sgd_config MATCHES "\"optimizer\":\"sgd\",\"momentum\":0.5")
    message(FATAL_ERROR "the SGD run's config does not say so:\n${sgd_config}")
  endif()
  execute_process(COMMAND "${TINYGPT}" plot --run "AdamW=${work}/run" --run "SGD=${work}/sgd"
                          --x tokens --y val_loss --out "${work}/optimizers.svg"
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  file(READ "${work}/optimizers.svg" chart)
  if(NOT status EQUAL 0 OR NOT chart MATCHES ">AdamW<" OR NOT chart MATCHES ">SGD<")
    message(FATAL_ERROR "tinygpt plot: status ${status}\n${out}${err}")
  endif()
  # One run's training loss (smoothed) and validation loss together.
  execute_process(COMMAND "${TINYGPT}" plot --run "${work}/sgd" --y loss --y val_loss --smooth 2
                          --out "${work}/sgd.svg"
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  file(READ "${work}/sgd.svg" chart)
  if(NOT status EQUAL 0 OR NOT chart MATCHES ">sgd: loss<" OR NOT chart MATCHES ">sgd: val_loss<"
     OR NOT out MATCHES "sgd: val_loss: [0-9.]+ \\(6\\)")
    message(FATAL_ERROR "tinygpt plot of two fields: status ${status}\n${out}${err}")
  endif()
  execute_process(COMMAND "${TINYGPT}" plot --run "${work}/nowhere" --out "${work}/x.svg"
                  RESULT_VARIABLE status ERROR_VARIABLE err)
  if(NOT status EQUAL 1 OR NOT err MATCHES "nowhere': no such folder"
     OR EXISTS "${work}/x.svg")
    message(FATAL_ERROR "tinygpt plot of a missing run: status ${status}\n${err}")
  endif()
  execute_process(COMMAND "${TINYGPT}" plot --run "${work}/sgd" --y accuracy --out "${work}/x.svg"
                  RESULT_VARIABLE status ERROR_VARIABLE err)
  if(NOT status EQUAL 1 OR NOT err MATCHES "no line has both 'step' and 'accuracy'")
    message(FATAL_ERROR "tinygpt plot of a missing field: status ${status}\n${err}")
  endif()
elseif(MODE STREQUAL "families")
  # The encoder (MLM + NSP on the stories) and the encoder-decoder (on the translation pairs).
  execute_process(COMMAND "${TINYGPT}" data generate --out "${work}/world" --size 20000
                          --kinds stories,facts,translation
                  RESULT_VARIABLE status OUTPUT_QUIET ERROR_VARIABLE errors)
  foreach(family encoder seq2seq)
    file(WRITE "${work}/${family}.json"
         "{\"family\": \"${family}\", \"vocab_size\": 300, \"context_length\": 32, "
         "\"width\": 16, \"layers\": 1, \"heads\": 2, \"dropout\": 0.0, \"bias\": true}\n")
    run_train(0 --config "${work}/${family}.json" --data "${work}/world" --out "${work}/${family}"
              --steps 4 --batch 4 --context 32 --eval-interval 2)
    if(NOT output MATCHES "step 4/4  loss.*val" OR NOT EXISTS "${work}/${family}/loss.svg"
       OR NOT EXISTS "${work}/${family}/checkpoint-00000004.safetensors")
      message(FATAL_ERROR "${family}: unexpected output:\n${output}")
    endif()
  endforeach()
elseif(MODE STREQUAL "signal")
  # Start a long run in the background, wait until it has taken a step, send SIGINT, and
  # collect its status.
  set(script "${work}/signal.sh")
  file(WRITE "${script}" "
\"$1\" train --config \"$2/model.json\" --data \"$2/world\" --out \"$2/run\" --batch 4 \\
  --context 16 --steps 10000000 --eval-interval 1000000 > \"$2/log.txt\" 2>&1 &
pid=$!
i=0
while [ ! -s \"$2/run/metrics.jsonl\" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $pid
wait $pid
echo \"status=$?\"
")
  execute_process(COMMAND sh "${script}" "${TINYGPT}" "${work}"
                  OUTPUT_VARIABLE result TIMEOUT 120)
  file(READ "${work}/log.txt" log)
  if(NOT result MATCHES "status=0")
    message(FATAL_ERROR "expected status 0 after SIGINT, got ${result}\n${log}")
  endif()
  if(NOT log MATCHES "stopped at step [0-9]+; saved .*checkpoint-[0-9]+\\.safetensors")
    message(FATAL_ERROR "no checkpoint reported after SIGINT:\n${log}")
  endif()
  file(GLOB checkpoints "${work}/run/checkpoint-*.safetensors")
  list(LENGTH checkpoints count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "expected one checkpoint after SIGINT, found ${count}")
  endif()
  message(STATUS "stopped cleanly: ${checkpoints}\n${log}")
elseif(MODE STREQUAL "errors")
  file(WRITE "${work}/bad.json" "{\"family\": \"gpt\", \"vocab_size\": 300, \"width\": 30}\n")
  expect_refused("context_length" --config "${work}/bad.json" --data "${work}/world"
                 --out "${work}/run")
  expect_refused("--config .*no such file" --config "${work}/missing.json" --data "${work}/world"
                 --out "${work}/run")
  expect_refused("--data .*nowhere.*no such file" --config "${work}/model.json"
                 --data "${work}/nowhere" --out "${work}/run")
  expect_refused("--out .*choose a folder you can write to" --config "${work}/model.json"
                 --data "${work}/world" --out "/proc/tinygpt-train-cli")
  expect_refused("--micro-batches" ${common} --out "${work}/run" --micro-batches 3)
  expect_refused("--steps 6 and --epochs 1 were both given" ${common} --out "${work}/run"
                 --steps 6 --epochs 1)
  if(EXISTS "${work}/run/metrics.jsonl")
    message(FATAL_ERROR "a refused run must not start training")
  endif()
elseif(MODE STREQUAL "mpi")
  run_train(0 ${common} --out "${work}/run" --steps 6 --eval-interval 3 --print-every 2)
  string(REGEX MATCHALL "done: 6 steps" done "${output}")
  list(LENGTH done count)
  if(NOT count EQUAL 1 OR NOT output MATCHES "on 2 processes \\(2 sequences each per step\\)"
     OR NOT errors STREQUAL "")
    message(FATAL_ERROR "expected rank 0's progress alone:\n${output}\nstderr:\n${errors}")
  endif()
  file(READ "${work}/run/metrics.jsonl" metrics)
  if(NOT EXISTS "${work}/run/checkpoint-00000006.safetensors" OR NOT metrics MATCHES "allreduce_s")
    message(FATAL_ERROR "the 2-rank run did not write its checkpoint and metrics:\n${output}")
  endif()
  # Every rank refuses the batch alike: the error is printed once, without MPI_Abort (mpirun
  # adds its own note on the failed job below it).
  expect_refused("--batch 6 must be divisible by the processes \\(2\\) x --micro-batches \\(2\\)"
                 --config "${work}/model.json" --data "${work}/world" --context 16
                 --out "${work}/uneven" --steps 6 --batch 6 --micro-batches 2)
else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
file(REMOVE_RECURSE "${work}")
