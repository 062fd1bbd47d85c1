cmake_minimum_required(VERSION 3.25)
# The ctest fixture step07_chat_model: a tiny instruction-tuned GPT that `tinygpt serve`
# answers chat and completion requests with, in ${WORK_DIR}/serve-fixture/sft/model, and a
# larger, slower one in ${WORK_DIR}/serve-fixture/slow/model. Run by ctest with
# -DTINYGPT=<the program> -DWORK_DIR=<the step's build folder>; a few seconds:
#   - a small generated world (stories, instructions, dialogues);
#   - 4 training steps of a GPT with a context of 96 tokens (width 16: it answers in
#     milliseconds), then 4 steps of instruction tuning, which gives it its chat template;
#   - 1 step each of a GPT with a context of 512 tokens (width 128, 4 layers), for the
#     graceful-shutdown test, whose streams must still be running when SIGTERM comes
#     (490 greedy tokens take about a second).
# The server tests (serve_curl.sh, tests/browser/*.test.mjs) only need models that load and
# answer; what they say does not matter.
set(work "${WORK_DIR}/serve-fixture")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../../common/cli_test.cmake)

file(WRITE "${work}/model.json"
     "{\"family\": \"gpt\", \"vocab_size\": 320, \"context_length\": 96, \"width\": 16, "
     "\"layers\": 2, \"heads\": 2, \"dropout\": 0.0, \"bias\": true}\n")
run(0 data generate --out "${work}/world" --size 20000 --kinds stories,instructions,dialogues)
run(0 train --config "${work}/model.json" --data "${work}/world" --out "${work}/pretrained"
    --steps 4 --batch 4)
run(0 finetune --model "${work}/pretrained/model" --data "${work}/world" --task instruct
    --steps 4 --batch 4 --eval-interval 2 --test-per-skill 1 --out "${work}/sft")
foreach(file config.json model.safetensors tokenizer.bpe)
  if(NOT EXISTS "${work}/sft/model/${file}")
    message(FATAL_ERROR "tinygpt finetune did not write sft/model/${file}:\n${output}")
  endif()
endforeach()
file(READ "${work}/sft/model/config.json" config)
if(NOT config MATCHES "\"context_length\": 96")
  message(FATAL_ERROR "the chat model's context is not 96 tokens:\n${config}")
endif()

file(WRITE "${work}/slow.json"
     "{\"family\": \"gpt\", \"vocab_size\": 320, \"context_length\": 512, \"width\": 128, "
     "\"layers\": 4, \"heads\": 4, \"dropout\": 0.0, \"bias\": true}\n")
run(0 train --config "${work}/slow.json" --data "${work}/world" --out "${work}/slow-pretrained"
    --steps 1 --batch 1 --eval-batches 1)
run(0 finetune --model "${work}/slow-pretrained/model" --data "${work}/world" --task instruct
    --steps 1 --batch 1 --eval-batches 1 --test-per-skill 1 --out "${work}/slow-sft")
file(MAKE_DIRECTORY "${work}/slow")
file(RENAME "${work}/slow-sft/model" "${work}/slow/model")
message(STATUS "the chat models: ${work}/sft/model and ${work}/slow/model")
