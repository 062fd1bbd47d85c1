cmake_minimum_required(VERSION 3.25)
# `tinygpt eval drift` from the command line. Run by ctest with -DTINYGPT=<the program>
# -DWORK_DIR=<a scratch folder>, on a world, its version 2 and a tiny GPT (two steps of
# training: the test checks the command, not the model):
#   - a stream from version 1 to version 2 with a classifier: the table, REPORT.md,
#     drift.json (two tracks, the switch where the parts say) and drift.svg;
#   - a stream of version 1 alone: no switch, a given threshold;
#   - refusals, each one line on stderr: a report folder inside the model, a stream world
#     that does not exist, a window longer than the parts, a classifier that is not one.
set(work "${WORK_DIR}/eval-drift-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../common/cli_test.cmake)

run(0 data generate --seed 1 --size 200000 --kinds stories,reviews --out "${work}/v1")
run(0 data generate --seed 1 --size 200000 --kinds stories,reviews --world-version 2
    --changed 0.2 --new-entities 12 --out "${work}/v2")
train_tiny_gpt("${work}/v1")
run(0 finetune --model "${work}/gpt/model" --data "${work}/v1" --task classify --steps 2
    --batch 4 --eval-interval 2 --eval-batches 1 --out "${work}/classify")
set(model "${work}/gpt/model")

run(0 eval drift --model "${model}" --classifier "${work}/classify/model" --reference "${work}/v1"
    --stream "${work}/v1" "${work}/v2" --texts 10 --window 4 --out "${work}/drift")
expect_output("10 stories per part: reference, calibration, then the stream of 20 texts \\(switch at text 10\\)")
expect_output("\\| statistic \\| reference mean \\(sd\\) \\| before the switch \\| after \\| threshold on z \\|")
expect_output("\\| loss \\| [0-9.]+ \\([0-9.]+\\) \\|")
expect_output("\\| confidence \\| ")
foreach(name REPORT.md drift.json drift.svg)
  if(NOT EXISTS "${work}/drift/${name}")
    message(FATAL_ERROR "eval drift wrote no ${name}")
  endif()
endforeach()
file(READ "${work}/drift/drift.json" json)
string(JSON tracks LENGTH "${json}" tracks)
string(JSON switch_at GET "${json}" switch_at)
string(JSON values LENGTH "${json}" tracks 0 values)
string(JSON windows LENGTH "${json}" tracks 0 z)
if(NOT tracks EQUAL 2 OR NOT switch_at EQUAL 10 OR NOT values EQUAL 20 OR NOT windows EQUAL 17)
  message(FATAL_ERROR "drift.json: ${tracks} tracks, switch at ${switch_at}, ${values} values, "
                      "${windows} windows; expected 2, 10, 20, 17")
endif()
file(READ "${work}/drift/drift.svg" svg)
if(NOT svg MATCHES "<svg" OR NOT svg MATCHES "the switch to the new world")
  message(FATAL_ERROR "drift.svg has no chart with the switch")
endif()

# Version 1 alone: no switch, so any crossing is a false alarm; a threshold given.
run(0 eval drift --model "${model}" --reference "${work}/v1" --stream "${work}/v1" --texts 10
    --window 4 --threshold 50 --out "${work}/quiet")
expect_output("switch at text 10\\)")
expect_output("loss: never crossed the threshold")

expect_refused("lies inside .*never writes into a model" eval drift --model "${model}"
               --reference "${work}/v1" --stream "${work}/v1" "${work}/v2" --out "${model}/drift")
expect_refused("the world .*missing is not a folder" eval drift --model "${model}"
               --reference "${work}/v1" --stream "${work}/v1" "${work}/missing"
               --out "${work}/refused")
expect_refused("fewer than --window 500" eval drift --model "${model}" --reference "${work}/v1"
               --stream "${work}/v1" "${work}/v2" --window 500 --out "${work}/refused")
expect_refused("not a classifier" eval drift --model "${model}" --classifier "${model}"
               --reference "${work}/v1" --stream "${work}/v1" "${work}/v2" --texts 10 --window 4
               --out "${work}/refused")
