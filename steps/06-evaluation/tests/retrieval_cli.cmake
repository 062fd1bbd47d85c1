cmake_minimum_required(VERSION 3.25)
# `tinygpt rag index`, `rag search` and `rag evaluate` from the command line. Run by ctest
# with -DTINYGPT=<the program> -DWORK_DIR=<a scratch folder>:
#   - a generated world (facts and qa) indexed into one file, which starts with the index's
#     magic line; a question answered with its passage first, numbered, with its score;
#     --k limits the lines; a question that shares no word finds nothing;
#   - recall@1, 5 and 10 and MRR printed for all, seen and held-out questions;
#   - refusals, one line each: a folder without facts.jsonl, a foreign and a damaged index
#     file, a missing index, k1 < 0 or b > 1 (usage errors, status 2).
set(work "${WORK_DIR}/retrieval-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../common/cli_test.cmake)

run(0 data generate --seed 1 --size 20000 --kinds facts,qa --out "${work}/world")
run(0 rag index --data "${work}/world" --out "${work}/facts.bm25")
expect_output("^indexed 474 passages of .*facts.jsonl \\(273 terms, 5.59 terms per passage")
file(READ "${work}/facts.bm25" head LIMIT 19)
if(NOT head STREQUAL "tinygpt bm25 index\n")
  message(FATAL_ERROR "the index file starts with '${head}'")
endif()

run(0 rag search --index "${work}/facts.bm25" "Which river is Carenton on?")
expect_output("^ 1 +9.7527  town:0/river  Carenton is a town on the river Rulet.\n 2 ")
string(REGEX MATCHALL "\n" lines "${output}")
list(LENGTH lines count)
if(NOT count EQUAL 5)
  message(FATAL_ERROR "rag search printed ${count} lines instead of 5:\n${output}")
endif()
run(0 rag search --index "${work}/facts.bm25" "What pet does Dungar have?" --k 2 --k1 0.9 --b 0.4)
expect_output("^ 1 +[0-9.]+  person:0/pet  Dungar has a hen as a pet.\n 2 [^\n]*\n$")
run(0 rag search --index "${work}/facts.bm25" "xyzzy?")
expect_output("^no passage shares a word with the question\n$")

run(0 rag evaluate --index "${work}/facts.bm25" --data "${work}/world")
expect_output("questions +n +recall@1 +recall@5 +recall@10 +MRR\n")
expect_output("\nall +474 +0.525 +1.000 +1.000 +0.747\n")
expect_output("\nseen +[0-9]+ ")
expect_output("\nheld-out +[0-9]+ ")

file(MAKE_DIRECTORY "${work}/empty")
expect_refused("no file .*facts.jsonl" rag index --data "${work}/empty" --out "${work}/x.bm25")
file(WRITE "${work}/foreign.bm25" "hello\n")
expect_refused("foreign.bm25' is not a tinygpt BM25 index"
               rag search --index "${work}/foreign.bm25" "river")
# The first 100 bytes of the index (its binary content cannot pass through a CMake string).
execute_process(COMMAND head -c 100 "${work}/facts.bm25" OUTPUT_FILE "${work}/cut.bm25"
                RESULT_VARIABLE head_status)
if(NOT head_status EQUAL 0)
  message(FATAL_ERROR "head -c 100 failed: ${head_status}")
endif()
expect_refused("cut.bm25' is cut short" rag search --index "${work}/cut.bm25" "river")
expect_refused("no file .*missing.bm25" rag search --index "${work}/missing.bm25" "river")
run(2 rag search --index "${work}/facts.bm25" "river" --b 1.5)
run(2 rag search --index "${work}/facts.bm25" "river" --k1 -1)
