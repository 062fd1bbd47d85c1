cmake_minimum_required(VERSION 3.25)
# `tinygpt eval robustness`, `eval attack` and `eval adversarial-training` from the command
# line. Run by ctest with -DTINYGPT=<the program> -DWORK_DIR=<a scratch folder>, on a small
# world and a tiny GPT (two steps of training: the test checks the commands, not the model):
#   - each prints its tables and writes its report folder (REPORT.md, report.json, and
#     robustness.svg, adversarial_examples.jsonl, or the world copy and the two runs);
#   - adversarial training leaves the world's reviews.jsonl and the model's weights as they
#     were;
#   - refusals, each one line on stderr: a report folder inside the model or the world, a
#     budget out of range, a model without a classification head, an output folder that is
#     not empty.
set(work "${WORK_DIR}/eval-robustness-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../common/cli_test.cmake)

run(0 data generate --seed 1 --size 20000 --kinds stories,reviews --out "${work}/world")
train_tiny_gpt("${work}/world")
run(0 finetune --model "${work}/gpt/model" --data "${work}/world" --task classify --steps 2
    --batch 4 --eval-interval 2 --eval-batches 1 --out "${work}/classify")
set(classifier "${work}/classify/model")

run(0 eval robustness --model "${classifier}" --data "${work}/world" --severities 0 0.5 1
    --out "${work}/severity")
expect_output("\\| suite \\| label \\| reviews \\| s = 0 \\| s = 0.5 \\| s = 1 \\|")
expect_output("\\| negation \\| flipped \\| [0-9]+ \\|")
foreach(name REPORT.md report.json robustness.svg)
  if(NOT EXISTS "${work}/severity/${name}")
    message(FATAL_ERROR "eval robustness --out wrote no ${name}")
  endif()
endforeach()
run(0 eval robustness --model "${classifier}" --data "${work}/world" --suites synonyms
    --severities 1)
expect_output("\\| synonyms \\| kept \\|")

run(0 eval attack --model "${classifier}" --data "${work}/world" --count 12 --budget 0.3
    --out "${work}/attack")
expect_output("\\| reviews \\| clean accuracy % \\| attacked \\| successes \\|")
expect_output("\\| 12 \\| ")
foreach(name REPORT.md report.json adversarial_examples.jsonl)
  if(NOT EXISTS "${work}/attack/${name}")
    message(FATAL_ERROR "eval attack --out wrote no ${name}")
  endif()
endforeach()

file(SHA256 "${work}/world/reviews.jsonl" reviews_before)
file(SHA256 "${classifier}/model.safetensors" weights_before)
run(0 eval adversarial-training --model "${classifier}" --data "${work}/world" --steps 1
    --train-reviews 12 --count 8 --batch 4 --out "${work}/adversarial")
expect_output("\\| adversarial - control \\|")
foreach(name REPORT.md report.json adversarial_examples.jsonl world/reviews.jsonl
        control/model/config.json adversarial/model/config.json)
  if(NOT EXISTS "${work}/adversarial/${name}")
    message(FATAL_ERROR "eval adversarial-training wrote no ${name}")
  endif()
endforeach()
file(SHA256 "${work}/world/reviews.jsonl" reviews_after)
file(SHA256 "${classifier}/model.safetensors" weights_after)
if(NOT reviews_before STREQUAL reviews_after OR NOT weights_before STREQUAL weights_after)
  message(FATAL_ERROR "eval adversarial-training changed the world's reviews or the model")
endif()

expect_refused("lies inside .*never writes into a model" eval robustness --model "${classifier}"
               --data "${work}/world" --out "${classifier}/report")
expect_refused("budget .* must be in \\(0, 1\\], got 1.5" eval attack --model "${classifier}"
               --data "${work}/world" --budget 1.5)
expect_refused("not a classifier" eval attack --model "${work}/gpt/model" --data "${work}/world")
expect_refused("is not empty" eval adversarial-training --model "${classifier}"
               --data "${work}/world" --steps 1 --out "${work}/adversarial")
expect_refused("lies inside" eval adversarial-training --model "${classifier}"
               --data "${work}/world" --steps 1 --out "${work}/world/adversarial")
