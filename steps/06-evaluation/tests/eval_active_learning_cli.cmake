cmake_minimum_required(VERSION 3.25)
# `tinygpt eval active-learning` from the command line. Run by ctest with -DTINYGPT=<the
# program> -DWORK_DIR=<a scratch folder>, on a small world and a tiny GPT (two steps of
# training: the test checks the command, not the model):
#   - with the ground-truth oracle it prints the table and writes its folder (REPORT.md,
#     curves.json, curves.md, active_learning.svg, oracle.jsonl), and the world's reviews and
#     the model's weights stay as they were;
#   - with --oracle prompt it asks on standard input, for real: answers piped into the
#     command (a wrong one first) become the labels oracle.jsonl logs, in order; input that
#     ends too early is refused;
#   - refusals, each one line on stderr: a budget below the start, an unknown strategy, an
#     output folder inside the model.
set(work "${WORK_DIR}/eval-active-learning-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../common/cli_test.cmake)

run(0 data generate --seed 1 --size 20000 --kinds stories,reviews --out "${work}/world")
train_tiny_gpt("${work}/world")
set(model "${work}/gpt/model")
set(small --start 6 --batch 3 --budget 9 --steps 2 --finetune-batch 4 --seeds 1)

file(SHA256 "${work}/world/reviews.jsonl" reviews_before)
file(SHA256 "${model}/model.safetensors" weights_before)
run(0 eval active-learning --model "${model}" --data "${work}/world" --strategy all ${small}
    --out "${work}/truth")
expect_output("\\| labelled reviews \\| random \\| least_confidence \\| margin \\| entropy \\|")
expect_output("\\| 9 \\| [0-9.]+ \\([0-9.]+ to [0-9.]+\\) \\|")
expect_output("the ground-truth oracle answered [0-9]+ questions")
foreach(name REPORT.md curves.json curves.md active_learning.svg oracle.jsonl
        seed1/start/world/reviews.jsonl seed1/entropy/round-1/finetune/model/config.json)
  if(NOT EXISTS "${work}/truth/${name}")
    message(FATAL_ERROR "eval active-learning wrote no ${name}")
  endif()
endforeach()
file(SHA256 "${work}/world/reviews.jsonl" reviews_after)
file(SHA256 "${model}/model.safetensors" weights_after)
if(NOT reviews_before STREQUAL reviews_after OR NOT weights_before STREQUAL weights_after)
  message(FATAL_ERROR "eval active-learning changed the world's reviews or the model")
endif()

# A person at the prompt: "maybe" is refused and asked again, then the answers cycle
# through the three labels by name and by number (the seed set then has every label).
set(answers "maybe\n")
set(expected "")
foreach(i RANGE 1 3)
  string(APPEND answers "negative\n2\npositive\n")
  list(APPEND expected negative neutral positive)
endforeach()
file(WRITE "${work}/answers.txt" "${answers}")
execute_process(COMMAND "${TINYGPT}" eval active-learning --model "${model}" --data "${work}/world"
                        --strategy margin ${small} --oracle prompt --out "${work}/prompt"
                INPUT_FILE "${work}/answers.txt" RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "eval active-learning --oracle prompt: status ${status}\n${out}\n${err}")
endif()
foreach(pattern "label\\? \\(1 negative, 2 neutral, 3 positive\\): " "\"maybe\" is not a label"
        "the prompt oracle answered 9 questions")
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "expected '${pattern}' in the output, got:\n${out}")
  endif()
endforeach()
file(STRINGS "${work}/prompt/oracle.jsonl" lines)
list(LENGTH lines count)
if(NOT count EQUAL 9)
  message(FATAL_ERROR "oracle.jsonl has ${count} lines, not the 9 questions asked")
endif()
set(given "")
foreach(line IN LISTS lines)
  string(JSON label GET "${line}" label)
  string(JSON oracle GET "${line}" oracle)
  if(NOT oracle STREQUAL "prompt")
    message(FATAL_ERROR "oracle.jsonl names the oracle ${oracle}: ${line}")
  endif()
  list(APPEND given ${label})
endforeach()
if(NOT given STREQUAL expected)
  message(FATAL_ERROR "oracle.jsonl logged the labels ${given}, not the answers ${expected}")
endif()
file(WRITE "${work}/few.txt" "negative\nneutral\n")
execute_process(COMMAND "${TINYGPT}" eval active-learning --model "${model}" --data "${work}/world"
                        --strategy margin ${small} --oracle prompt --out "${work}/few"
                INPUT_FILE "${work}/few.txt" RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT status EQUAL 1 OR NOT err MATCHES "input ended before an answer")
  message(FATAL_ERROR "too few answers: expected a refusal, got status ${status}\n${err}")
endif()

expect_refused("--budget 4 is below --start 6" eval active-learning --model "${model}"
               --data "${work}/world" --start 6 --budget 4 --out "${work}/low")
expect_refused("unknown strategy \"confidence\"" eval active-learning --model "${model}"
               --data "${work}/world" --strategy confidence --out "${work}/unknown")
expect_refused("lies inside" eval active-learning --model "${model}" --data "${work}/world"
               --out "${model}/al")
