cmake_minimum_required(VERSION 3.25)
# `tinygpt eval back-translate` and `tinygpt eval translate` from the command line. Run by
# ctest with -DTINYGPT=<the program> -DWORK_DIR=<a scratch folder>:
#   - the whole experiment in miniature: the reverse model's world (the first 30 real pairs
#     turned around), a tiny reverse model trained 2 steps on it, the world with 20 synthetic
#     pairs it back-translated, a tiny forward model on each world, and `eval translate`
#     comparing the two on the test pairs (BLEU, chrF, the paired bootstrap, the report);
#   - the copies' translation.txt hold the training pairs alone (30, 30 reversed, 30 + the
#     synthetic ones), no half-written folder is left;
#   - bad input fails with status 1 and one line on stderr naming the problem.
set(work "${WORK_DIR}/eval-back-translation-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../common/cli_test.cmake)

# Lines of a file, counted by "\n" (file(STRINGS) would also split at bytes that are not
# printable ASCII, which an untrained model's English has).
function(line_count file out)
  file(READ "${file}" text)
  string(REGEX REPLACE "[^\n]" "" breaks "${text}")
  string(LENGTH "${breaks}" count)
  set(${out} ${count} PARENT_SCOPE)
endfunction()

run(0 data generate --seed 1 --out "${work}/world" --kinds translation --size 20000)
file(WRITE "${work}/tiny.json"
     "{\"family\": \"seq2seq\", \"vocab_size\": 300, \"context_length\": 24, \"width\": 16,"
     " \"layers\": 1, \"heads\": 2, \"dropout\": 0.0, \"bias\": true}\n")
set(train_options --config "${work}/tiny.json" --steps 2 --batch 2 --print-every 2
                  --eval-interval 2 --eval-batches 1)

# The reverse model: conlang -> English on the first 30 real pairs.
run(0 eval back-translate --data "${work}/world" --real 30 --reverse --out "${work}/reverse-world")
expect_output("30 real training pairs \\(conlang -> English\\), 0 synthetic, [0-9]+ dev and test")
line_count("${work}/reverse-world/translation.txt" count)
if(NOT count EQUAL 30)
  message(FATAL_ERROR "the reverse world's translation.txt has ${count} lines, not 30")
endif()
run(0 train ${train_options} --data "${work}/reverse-world" --out "${work}/reverse")

# The baseline and the back-translated world.
run(0 eval back-translate --data "${work}/world" --real 30 --out "${work}/real-world")
expect_output("30 real training pairs, 0 synthetic")
run(0 eval back-translate --data "${work}/world" --real 30 --reverse-model "${work}/reverse/model"
    --synthetic 20 --out "${work}/bt-world")
expect_output("30 real training pairs, ([0-9]+) synthetic")
string(REGEX MATCH "pairs, ([0-9]+) synthetic" _ "${output}")
set(synthetic ${CMAKE_MATCH_1})
math(EXPR expected "30 + ${synthetic}")
line_count("${work}/bt-world/translation.txt" count)
if(NOT count EQUAL expected OR synthetic LESS 1)
  message(FATAL_ERROR "bt-world/translation.txt has ${count} lines for 30 + ${synthetic} pairs")
endif()
file(GLOB partial "${work}/*.partial*")
if(partial)
  message(FATAL_ERROR "a half-written copy was left: ${partial}")
endif()

run(0 train ${train_options} --data "${work}/real-world" --out "${work}/forward-real")
run(0 train ${train_options} --data "${work}/bt-world" --out "${work}/forward-bt")
run(0 eval translate --model "${work}/forward-bt/model" --compare "${work}/forward-real/model"
    --data "${work}/world" --split test --samples 50 --hyps "${work}/hyps.txt"
    --report "${work}/report.json")
expect_output("on [0-9]+ test pairs:\n  BLEU\\|nrefs:1\\|.* = [0-9.]+ ")
expect_output("chrF2\\|nrefs:1\\|.* = [0-9.]+")
expect_output("paired bootstrap \\(50 resamples\\), this model minus the other:\n  BLEU  ")
file(READ "${work}/report.json" report)
string(JSON bleu GET "${report}" bleu)
string(JSON p GET "${report}" compare bleu_difference p_value)
string(JSON pairs GET "${report}" pairs)
line_count("${work}/hyps.txt" count)
if(NOT count EQUAL pairs)
  message(FATAL_ERROR "hyps.txt has ${count} lines for ${pairs} test pairs")
endif()

# Bad input: one line on stderr, status 1.
expect_refused("--real must be at least 1" eval back-translate --data "${work}/world" --real 0
               --out "${work}/x")
expect_refused("is not empty; give a new folder" eval back-translate --data "${work}/world"
               --real 30 --out "${work}/real-world")
expect_refused("give --reverse-model and --synthetic together" eval back-translate
               --data "${work}/world" --real 30 --synthetic 5 --out "${work}/x")
expect_refused("--synthetic 100000 is more than the [0-9]+ monolingual sentences" eval
               back-translate --data "${work}/world" --real 30 --reverse-model
               "${work}/reverse/model" --synthetic 100000 --out "${work}/x")
expect_refused("no translation.jsonl" eval back-translate --data "${work}/reverse" --real 30
               --out "${work}/x")
expect_refused("unknown split \"valid\"" eval translate --model "${work}/forward-bt/model"
               --data "${work}/world" --split valid)
if(EXISTS "${work}/x")
  message(FATAL_ERROR "a refused command left its --out folder behind")
endif()
file(REMOVE_RECURSE "${work}")
message(STATUS "back-translate: reverse, baseline and back-translated worlds; translate compared")
