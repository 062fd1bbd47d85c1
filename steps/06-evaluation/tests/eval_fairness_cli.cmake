cmake_minimum_required(VERSION 3.25)
# `tinygpt eval fairness` and `tinygpt data augment` from the command line. Run by ctest
# with -DTINYGPT=<the program> -DWORK_DIR=<a scratch folder>, on a small world and a tiny GPT
# (two steps of training: the test checks the command, not the model):
#   - `data augment` writes a world folder with the counterfactual copies, and refuses to
#     write over its input;
#   - the classifier suite prints its tables and writes REPORT.md, fairness.json and
#     fairness.svg; the language-model suite (--lm) prints its own;
#   - refusals, each one line on stderr: a report folder inside the model folder, a model
#     without a classification head, a folder that is no world.
set(work "${WORK_DIR}/eval-fairness-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../common/cli_test.cmake)

run(0 data generate --seed 1 --size 20000 --kinds stories,facts,reviews,fairness
    --out "${work}/world")
run(0 data augment --world "${work}/world" --out "${work}/augmented")
expect_output("records \\+ [0-9]+ counterfactual copies")
if(NOT EXISTS "${work}/augmented/stories.txt" OR NOT EXISTS "${work}/augmented/catalogue.json")
  message(FATAL_ERROR "data augment wrote no stories.txt and catalogue.json")
endif()
expect_refused("--out must not be the --world folder" data augment --world "${work}/world"
               --out "${work}/world")

train_tiny_gpt("${work}/world")
run(0 finetune --model "${work}/gpt/model" --data "${work}/world" --task classify --steps 2
    --batch 4 --eval-interval 2 --eval-batches 1 --out "${work}/classify")

run(0 eval fairness --model "${work}/classify/model" --data "${work}/world" --resamples 20
    --out "${work}/report")
expect_output("\\| slice \\| axis \\| sets \\| DP difference \\| flip rate")
expect_output("\\| reviews \\| pronoun \\| she \\| [0-9]+ \\|")
foreach(name REPORT.md fairness.json fairness.svg)
  if(NOT EXISTS "${work}/report/${name}")
    message(FATAL_ERROR "eval fairness --out wrote no ${name}")
  endif()
endforeach()

run(0 eval fairness --model "${work}/gpt/model" --data "${work}/world" --lm --resamples 20
    --sentiment-sets 2 --new-names 2)
expect_output("\\| pronoun \\| they \\| 6 \\|")
expect_output("\\*\\*New names\\*\\* \\(4 sets\\)")

expect_refused("lies inside the model folder" eval fairness --model "${work}/classify/model"
               --data "${work}/world" --out "${work}/classify/model/report")
expect_refused("not a classifier" eval fairness --model "${work}/gpt/model" --data "${work}/world")
expect_refused("is not a generated world" eval fairness --model "${work}/classify/model"
               --data "${work}/gpt")
