cmake_minimum_required(VERSION 3.25)
# `tinygpt rag index`, `rag search` and `rag evaluate` from the command line. Run by ctest
# with -DTINYGPT=<the program> -DWORK_DIR=<a scratch folder>:
#   - a generated world (facts and qa) indexed into one file, which starts with the index's
#     magic line; a question answered with its passage first, numbered, with its score;
#     --k limits the lines; a question that shares no word finds nothing;
#   - recall@1, 5 and 10 and MRR printed for all, seen and held-out questions;
#   - refusals, one line each: a folder without facts.jsonl, a foreign and a damaged index
#     file, a missing index, k1 < 0 or b > 1 (usage errors, status 2);
#   - RAG with a tiny chat model (two steps of training: the test checks the commands, not
#     the model): `rag training-data` writes a world copy with RAG conversations, `rag ask`
#     prints the passages and an answer (or "I don't know." below --threshold, without
#     asking), `rag hallucination` writes its report; a model without chat markers, a copy
#     into a folder that is not empty and a world without facts are refused.
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

# RAG: a world a chat model can be made from, a tiny GPT and two steps of instruction tuning.
run(0 data generate --seed 1 --size 20000 --kinds stories,facts,qa,instructions,dialogues
    --out "${work}/chat-world")
file(WRITE "${work}/gpt.json" "{\"family\": \"gpt\", \"vocab_size\": 300, \"context_length\": 192,
  \"width\": 16, \"layers\": 1, \"heads\": 2, \"dropout\": 0.0, \"bias\": true}")
run(0 train --config "${work}/gpt.json" --data "${work}/chat-world" --steps 2 --batch 2
    --eval-interval 2 --eval-batches 1 --out "${work}/gpt")
run(0 finetune --model "${work}/gpt/model" --data "${work}/chat-world" --task instruct --steps 2
    --batch 2 --eval-interval 2 --eval-batches 1 --test-per-skill 1 --out "${work}/chat")
run(0 rag training-data --data "${work}/chat-world" --counterfactual 0.5 --out "${work}/rag-world")
expect_output("rag-world: [0-9]+ RAG conversations about seen facts, [1-9][0-9]* of them counterfactual \\([0-9]+ training questions left out")
file(STRINGS "${work}/rag-world/instructions.jsonl" rag_records REGEX "\"skill\":\"rag\"")
list(LENGTH rag_records rag_count)
if(rag_count LESS 100)
  message(FATAL_ERROR "rag training-data wrote ${rag_count} RAG records")
endif()
run(0 rag index --data "${work}/chat-world" --out "${work}/chat.bm25")
run(0 rag ask --model "${work}/chat/model" --index "${work}/chat.bm25" --max-new-tokens 4
    "Which river is Carenton on?")
expect_output("^passages \\(BM25 score\\):\n\\[1\\] \\([0-9.]+\\) Carenton is a town on the river Rulet.\n\\[2\\] [^\n]*\n\\[3\\] [^\n]*\nanswer: ")
run(0 rag ask --model "${work}/chat/model" --index "${work}/chat.bm25" --threshold 1000
    "Which river is Carenton on?")
expect_output("\nanswer \\(best score below the threshold 1000[.0-9]*, the model is not asked\\): I don't know.\n$")
run(0 rag hallucination --chat "${work}/chat/model" --data "${work}/chat-world" --questions 3
    --dev-questions 2 --max-new-tokens 4 --out "${work}/hallucination")
expect_output("\\| held out \\(3\\) \\| closed book")
foreach(file REPORT.md figures.json answers.jsonl hallucination.svg)
  if(NOT EXISTS "${work}/hallucination/${file}")
    message(FATAL_ERROR "rag hallucination wrote no ${file}")
  endif()
endforeach()
expect_refused("has no chat markers" rag ask --model "${work}/gpt/model" --index "${work}/chat.bm25"
               "Which river is Carenton on?")
expect_refused("is not empty" rag training-data --data "${work}/chat-world" --out "${work}/rag-world")
run(2 rag training-data --data "${work}/chat-world" --counterfactual 2 --out "${work}/rag-world-2")
expect_refused("no file .*facts.jsonl" rag hallucination --chat "${work}/chat/model"
               --data "${work}/empty" --out "${work}/h2")
