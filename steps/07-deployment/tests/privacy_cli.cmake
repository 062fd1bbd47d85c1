cmake_minimum_required(VERSION 3.25)
# `tinygpt privacy` from the command line. Run by ctest with -DTINYGPT=<the program>
# -DWORK_DIR=<a scratch folder>:
#   - `privacy redact --in FILE` prints the file with placeholders, line by line, keeping
#     lines without personal data and a last line without a newline as they were;
#   - `privacy redact` reads standard input the same way;
#   - `privacy evaluate` prints the table of precision, recall and F1 per kind and writes the
#     labelled set as JSONL with --out (one object per example, its labels with offsets);
#   - a missing file and a bad --examples are refused.
set(work "${WORK_DIR}/privacy-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../common/cli_test.cmake)

file(WRITE "${work}/log.txt"
     "user anna.smith@example.com logged in from 192.168.0.12\n"
     "nothing here: 2024-05-17 v1.2.3 order 1234\n"
     "card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, tel +44 20 7946 0958\n"
     "ipv6 2001:db8::1 at the end")
set(expected
    "user [EMAIL] logged in from [IP]\n"
    "nothing here: 2024-05-17 v1.2.3 order 1234\n"
    "card [CARD], IBAN [IBAN], tel [PHONE]\n"
    "ipv6 [IP] at the end")
string(JOIN "" expected ${expected})

run(0 privacy redact --in "${work}/log.txt")
if(NOT output STREQUAL expected)
  message(FATAL_ERROR "privacy redact --in printed\n${output}\ninstead of\n${expected}")
endif()

execute_process(COMMAND "${TINYGPT}" privacy redact INPUT_FILE "${work}/log.txt"
                RESULT_VARIABLE status OUTPUT_VARIABLE piped ERROR_VARIABLE errors)
if(NOT status EQUAL 0 OR NOT piped STREQUAL expected)
  message(FATAL_ERROR "privacy redact on standard input (status ${status}) printed\n${piped}\n"
                      "stderr:\n${errors}")
endif()

run(0 privacy evaluate --examples 300 --seed 3 --out "${work}/pii.jsonl" --show-errors 2)
expect_output("wrote 300 labelled examples to ")
expect_output("kind +labelled +found +TP +FP +FN +precision +recall +F1\n")
foreach(kind EMAIL PHONE CARD IBAN IP all)
  expect_output("\n${kind} +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+\n")
endforeach()
expect_output("missed, by format:")
expect_output("false alarms, by what they hit:")
file(STRINGS "${work}/pii.jsonl" jsonl)
list(LENGTH jsonl lines)
if(NOT lines EQUAL 300)
  message(FATAL_ERROR "pii.jsonl has ${lines} lines, expected 300")
endif()
list(GET jsonl 0 first)
string(JSON text GET "${first}" text)
string(JSON labels LENGTH "${first}" labels)
if(labels GREATER 0)
  string(JSON begin GET "${first}" labels 0 begin)
  string(JSON end GET "${first}" labels 0 end)
  string(JSON kind GET "${first}" labels 0 kind)
  if(NOT kind MATCHES "^(EMAIL|PHONE|CARD|IBAN|IP)$" OR NOT end GREATER begin)
    message(FATAL_ERROR "a bad label in the first line of pii.jsonl: ${first}")
  endif()
endif()

# The same seed gives the same table.
run(0 privacy evaluate --examples 300 --seed 3)
string(REGEX MATCH "kind .*\nall[^\n]*" table_a "${output}")
run(0 privacy evaluate --examples 300 --seed 3 --show-errors 0)
string(REGEX MATCH "kind .*\nall[^\n]*" table_b "${output}")
if(NOT table_a STREQUAL table_b)
  message(FATAL_ERROR "two runs of seed 3 differ:\n${table_a}\n---\n${table_b}")
endif()

# Refusals: a missing file and an out-of-range count (usage errors, status not 0).
execute_process(COMMAND "${TINYGPT}" privacy redact --in "${work}/missing.txt"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(status EQUAL 0 OR NOT err MATCHES "missing.txt")
  message(FATAL_ERROR "a missing file was not refused (status ${status}):\n${err}")
endif()
execute_process(COMMAND "${TINYGPT}" privacy evaluate --examples 0
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(status EQUAL 0 OR NOT err MATCHES "examples")
  message(FATAL_ERROR "--examples 0 was not refused (status ${status}):\n${err}")
endif()
