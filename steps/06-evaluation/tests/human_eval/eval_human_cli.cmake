cmake_minimum_required(VERSION 3.25)
# `tinygpt eval human` from the command line, the commands that need no browser (the page
# has tests/browser/rating_page.test.mjs). Run by ctest with -DTINYGPT=<the program>
# -DWORK_DIR=<a scratch folder>:
#   - items from a generated world, a simulated panel, its report (agreement and ranking),
#     the exports (CSV and JSONL, --out written whole), simulate again: nothing new;
#   - refusals with status 1 and one line naming the file: an items file with a bad line
#     (file, line, field), a text file as --db, other items than the database holds, a
#     missing database, items without the truth simulate needs.
set(work "${WORK_DIR}/eval-human-cli")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

include(${CMAKE_CURRENT_LIST_DIR}/../../../common/cli_test.cmake)

run(0 data generate --out "${work}/world" --kinds preferences --size 20000)
run(0 eval human items --data "${work}/world" --out "${work}/items.jsonl" --count 12)
expect_output("^wrote 12 items \\(systems preferred and rejected\\)")
set(study --db "${work}/ratings.sqlite" --items "${work}/items.jsonl")
run(0 eval human simulate ${study} --raters 3 --accuracy 0.9 --seed 2)
expect_output("^simulated 3 raters \\(accuracy 0.9, seed 2\\): 36 new ratings")
run(0 eval human simulate ${study} --raters 3 --accuracy 0.9 --seed 2)
expect_output(": 0 new ratings")

run(0 eval human report --db "${work}/ratings.sqlite" --resamples 200)
expect_output("12 items, 3 raters, 36 ratings\n")
expect_output("items by number of ratings: 3: 12\n")
expect_output("Cohen's kappa +- +needs exactly 2 raters \\(there are 3\\)")
expect_output("Fleiss' kappa +[0-9.-]+ +3 ratings per unit \\(Landis & Koch: [a-z ]+\\)")
expect_output("Krippendorff's alpha +[0-9.-]+ +nominal")
expect_output("\n  preferred +[0-9.]+ +\\[")
expect_output("intervals, ([0-9]+ of )?200 resamples")

run(0 eval human export --db "${work}/ratings.sqlite" --format csv)
expect_output("^rater,item,sequence,left_system,right_system,choice,winner,shown_at,rated_at")
string(REGEX MATCHALL "\nsimulated-[123]," rows "${output}")
list(LENGTH rows count)
if(NOT count EQUAL 36)
  message(FATAL_ERROR "the CSV has ${count} rating rows, expected 36:\n${output}")
endif()
run(0 eval human export --db "${work}/ratings.sqlite" --format jsonl --out "${work}/out/r.jsonl")
file(STRINGS "${work}/out/r.jsonl" lines)
list(LENGTH lines count)
if(NOT count EQUAL 36)
  message(FATAL_ERROR "--out wrote ${count} lines, expected 36")
endif()
list(GET lines 0 first)
if(NOT first MATCHES "^{\"rater\":\"simulated-1\",.*\"shown\":\\[\"(preferred|rejected)\",\"(preferred|rejected)\"\\],\"left\":")
  message(FATAL_ERROR "unexpected JSONL line: ${first}")
endif()

file(WRITE "${work}/bad.jsonl"
     "{\"id\": \"a\", \"prompt\": \"p\", \"answers\": [{\"system\": \"x\", \"text\": \"1\"}, {\"system\": \"y\", \"text\": \"2\"}]}\n"
     "{\"id\": \"b\", \"prompt\": \"p\", \"answers\": [{\"system\": \"x\", \"text\": \"1\"}]}\n")
expect_refused("items file '.*bad.jsonl' line 2, field 'answers': has 1 answers; mode pairwise"
               eval human simulate --db "${work}/bad.sqlite" --items "${work}/bad.jsonl")
expect_refused("'.*items.jsonl' is not a SQLite database"
               eval human serve --db "${work}/items.jsonl" --items "${work}/items.jsonl")
file(WRITE "${work}/other.jsonl"
     "{\"id\": \"a\", \"prompt\": \"p\", \"answers\": [{\"system\": \"x\", \"text\": \"1\"}, {\"system\": \"y\", \"text\": \"2\"}], \"better\": \"x\"}\n")
expect_refused("the items file '.*other.jsonl' is not the one the ratings database '.*ratings.sqlite' was made with"
               eval human simulate --db "${work}/ratings.sqlite" --items "${work}/other.jsonl")
expect_refused("no ratings database '.*missing.sqlite'"
               eval human report --db "${work}/missing.sqlite")
file(WRITE "${work}/untrue.jsonl"
     "{\"id\": \"a\", \"prompt\": \"p\", \"answers\": [{\"system\": \"x\", \"text\": \"1\"}, {\"system\": \"y\", \"text\": \"2\"}]}\n")
expect_refused("item 'a' has no truth"
               eval human simulate --db "${work}/untrue.sqlite" --items "${work}/untrue.jsonl")
file(REMOVE_RECURSE "${work}")
