cmake_minimum_required(VERSION 3.25)
# `tinygpt eval continual` from the command line. Run by ctest with -DTINYGPT=<the program>
# -DWORK_DIR=<a scratch folder>, on two versions of a small world and a tiny GPT (two steps
# of every training: the test checks the command, not the model):
#   - it teaches the GPT version 1 (--old-steps), updates it three ways, prints the table and
#     writes its folder (REPORT.md, continual.json, each update's world copy and run), and
#     the worlds and the GPT's weights stay as they were;
#   - refusals, each one line on stderr: a missing world, version 1 given as the new world,
#     a replay share out of range, an unknown method, a model without chat markers and no
#     --old-steps.
set(work "${WORK_DIR}/eval-continual-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../common/cli_test.cmake)

run(0 data generate --seed 1 --size 20000 --kinds stories,qa,instructions --out "${work}/v1")
run(0 data generate --seed 1 --size 20000 --kinds qa,instructions --world-version 2
    --changed 0.2 --new-entities 12 --out "${work}/v2")
train_tiny_gpt("${work}/v1")
set(model "${work}/gpt/model")
set(small --old-steps 2 --steps 2 --batch 2 --skill-questions 1)

file(SHA256 "${work}/v1/qa.jsonl" qa_before)
file(SHA256 "${work}/v2/qa.jsonl" qa2_before)
file(SHA256 "${model}/model.safetensors" weights_before)
run(0 eval continual --model "${model}" --old "${work}/v1" --new "${work}/v2" ${small}
    --out "${work}/report")
expect_output("\\| method \\| new-fact accuracy % \\[95% CI\\] \\| old-fact retention")
foreach(method before naive replay lora)
  expect_output("\\| ${method} \\| [0-9.]+ \\[[0-9.]+, [0-9.]+\\] \\|")
endforeach()
expect_output("LoRA's base bit-identical after training: yes")
foreach(name REPORT.md continual.json old/world/instructions.jsonl old/run/model/config.json
        naive/world/instructions.jsonl naive/run/model/config.json
        replay/world/instructions.jsonl lora/run/adapter/adapter_config.json
        lora/merged/config.json)
  if(NOT EXISTS "${work}/report/${name}")
    message(FATAL_ERROR "eval continual wrote no ${name}")
  endif()
endforeach()
file(READ "${work}/report/continual.json" figures)
string(JSON rows LENGTH "${figures}" rows)
string(JSON untouched GET "${figures}" base_untouched)
if(NOT rows EQUAL 4 OR NOT untouched STREQUAL "ON")
  message(FATAL_ERROR "continual.json: ${rows} rows (not 4), base_untouched ${untouched}")
endif()
file(SHA256 "${work}/v1/qa.jsonl" qa_after)
file(SHA256 "${work}/v2/qa.jsonl" qa2_after)
file(SHA256 "${model}/model.safetensors" weights_after)
if(NOT qa_before STREQUAL qa_after OR NOT qa2_before STREQUAL qa2_after
   OR NOT weights_before STREQUAL weights_after)
  message(FATAL_ERROR "eval continual changed a world's questions or the model")
endif()

set(worlds --old "${work}/v1" --new "${work}/v2")
expect_refused("--old ${work}/missing: no such world folder" eval continual --model "${model}"
               --old "${work}/missing" --new "${work}/v2" ${small} --out "${work}/r1")
expect_refused("--new ${work}/v1 holds version 1 of its world" eval continual
               --model "${model}" --old "${work}/v1" --new "${work}/v1" ${small} --out "${work}/r2")
expect_refused("--replay-share must be above 0 and at most 0.9, got 1.5" eval continual
               --model "${model}" ${worlds} ${small} --replay-share 1.5 --out "${work}/r3")
expect_refused("--methods: 'ewc' is not one of naive, replay, lora" eval continual
               --model "${model}" ${worlds} ${small} --methods naive,ewc --out "${work}/r4")
expect_refused("has no chat markers" eval continual --model "${model}" ${worlds}
               --out "${work}/r5")
expect_refused("lies inside" eval continual --model "${model}" ${worlds} ${small}
               --out "${work}/v2/report")
