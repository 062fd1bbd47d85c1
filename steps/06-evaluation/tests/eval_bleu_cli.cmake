cmake_minimum_required(VERSION 3.25)
# `tinygpt eval bleu` and `tinygpt eval chrf` from the command line. Run by ctest with
# -DTINYGPT=<the program> -DWORK_DIR=<a scratch folder>:
#   - the README example of sacreBLEU's test_bleu.py (two reference files) prints what
#     sacreBLEU 2.6.0's command line prints for it (`sacrebleu ref1 ref2 -i hyp -f text`,
#     and its default JSON), with `tinygpt` as the version; chrF, chrF++, the score alone,
#     one line per sentence, lowercasing and CRLF line ends;
#   - bad input fails with status 1 and one line on stderr naming the problem: files of
#     different line counts (both files and counts), an empty file, invalid UTF-8 (file,
#     line and byte), a missing file; an unknown tokeniser is a usage error (status 2).
set(work "${WORK_DIR}/eval-bleu-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../common/cli_test.cmake)

file(WRITE "${work}/ref1.txt" "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n")
file(WRITE "${work}/ref2.txt"
     "The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n")
file(WRITE "${work}/hyp.txt" "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n")
set(refs --refs "${work}/ref1.txt" "${work}/ref2.txt")

run(0 eval bleu ${refs} --hyps "${work}/hyp.txt")
string(STRIP "${output}" line)
set(expected "BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:tinygpt = 48.5 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)")
if(NOT line STREQUAL expected)
  message(FATAL_ERROR "tinygpt eval bleu printed\n${line}\ninstead of\n${expected}")
endif()

run(0 eval bleu ${refs} --hyps "${work}/hyp.txt" --format json)
expect_output("\n \"score\": 48.5,\n")
expect_output("\"verbose_score\": \"82.4/50.0/45.5/37.5 \\(BP = 0.943")
expect_output("\"tok\": \"13a\",\n \"smooth\": \"exp\",\n \"version\": \"tinygpt\"\n}")

run(0 eval bleu ${refs} --hyps "${work}/hyp.txt" --tokenize none --score-only -w 4)
string(STRIP "${output}" score)
if(NOT score STREQUAL "49.1920")  # test_bleu.py: 49.1919566
  message(FATAL_ERROR "--tokenize none --score-only printed '${score}', expected 49.1920")
endif()

run(0 eval chrf ${refs} --hyps "${work}/hyp.txt")
expect_output("^chrF2\\|nrefs:2\\|case:mixed\\|eff:yes\\|nc:6\\|nw:0\\|space:no\\|version:tinygpt = 59.7\n$")
run(0 eval chrf ${refs} --hyps "${work}/hyp.txt" --word-order 2 --width 2)
expect_output("^chrF2\\+\\+\\|nrefs:2\\|.*\\|nw:2\\|.* = 59.15\n$")

# One line per sentence, with the effective order as sacreBLEU's --sentence-level.
run(0 eval bleu --refs "${work}/ref1.txt" --hyps "${work}/hyp.txt" --sentence-level
    --tokenize none --smooth floor)
string(REGEX MATCHALL "BLEU\\|nrefs:1\\|case:mixed\\|eff:yes\\|tok:none\\|smooth:floor\\[0.10\\]" lines "${output}")
list(LENGTH lines count)
if(NOT count EQUAL 3 OR NOT output MATCHES "= 100.0 100.0/100.0/100.0/100.0")
  message(FATAL_ERROR "expected three sentence scores, the first 100:\n${output}")
endif()

# Lowercasing and Windows line ends: the same sentences in capitals with CRLF score 100.
file(WRITE "${work}/upper.txt" "THE DOG BIT THE MAN.\r\nIT WAS NOT UNEXPECTED.\r\nTHE MAN BIT HIM FIRST.")
run(0 eval bleu --refs "${work}/ref1.txt" --hyps "${work}/upper.txt" --lowercase)
expect_output("\\|case:lc\\|.* = 100.0 ")

# Bad input: one line on stderr, status 1.
file(WRITE "${work}/two.txt" "a\nb\n")
expect_refused("'.*two.txt' has 2 lines but '.*ref1.txt' has 3" eval bleu --refs "${work}/ref1.txt"
               --hyps "${work}/two.txt")
expect_refused("'.*hyp.txt' has 3 lines but '.*two.txt' has 2" eval chrf --refs "${work}/ref1.txt"
               "${work}/two.txt" --hyps "${work}/hyp.txt")
file(WRITE "${work}/empty.txt" "")
expect_refused("reference file '.*empty.txt' has no lines" eval bleu --refs "${work}/empty.txt"
               --hyps "${work}/hyp.txt")
string(ASCII 255 bad_byte)
file(WRITE "${work}/bad.txt" "fine\nbad ${bad_byte} byte\nfine\n")
expect_refused("hypothesis file '.*bad.txt' line 2: invalid UTF-8 at byte 5" eval bleu
               --refs "${work}/ref1.txt" --hyps "${work}/bad.txt")
expect_refused("reference file '.*missing.txt' does not exist" eval chrf
               --refs "${work}/missing.txt" --hyps "${work}/hyp.txt")
run(2 eval bleu ${refs} --hyps "${work}/hyp.txt" --tokenize intl)
