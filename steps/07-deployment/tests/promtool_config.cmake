cmake_minimum_required(VERSION 3.25)
# The monitoring configuration of deploy/prometheus, checked by Prometheus' own promtool.
# Run by ctest with -DWORK_DIR=<a scratch folder> (and -DTINYGPT, unused: the files are
# read, no server runs):
#   - `promtool check config prometheus.yml`: the scrape config, and the rule file it loads;
#   - `promtool check rules alerts.yml`: the alert rules parse and their PromQL is valid;
#   - `promtool test rules alerts_test.yml`: each alert fires on synthetic series that should
#     trigger it, after its `for:`, and not on those that should not;
#   - a copy of the rules with broken PromQL is refused, so the checks above can fail.
# promtool comes with Debian's prometheus package (scripts/packages.txt); without it the
# test fails, naming scripts/setup.sh, rather than passing unchecked.
set(config_dir "${CMAKE_CURRENT_LIST_DIR}/../../../deploy/prometheus")
cmake_path(NORMAL_PATH config_dir)
set(work "${WORK_DIR}/promtool-config")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

find_program(PROMTOOL promtool)
if(NOT PROMTOOL)
  message(FATAL_ERROR "promtool is not installed: run scripts/setup.sh (it installs Debian's "
                      "prometheus package, which has /usr/bin/promtool)")
endif()

# promtool(expected_status args...): runs promtool in config_dir, fails unless it exits with
# expected_status ("ok" for 0, "fail" for anything else); sets `output` (stdout and stderr).
function(promtool expected)
  string(JOIN " " command ${ARGN})
  execute_process(COMMAND "${PROMTOOL}" ${ARGN} WORKING_DIRECTORY "${config_dir}"
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if((expected STREQUAL "ok" AND NOT status EQUAL 0)
     OR (expected STREQUAL "fail" AND status EQUAL 0))
    message(FATAL_ERROR "promtool ${command}: expected ${expected}, got status ${status}:\n${out}")
  endif()
  message(STATUS "promtool ${command}: ${expected} as expected")
  set(output "${out}" PARENT_SCOPE)
endfunction()

promtool(ok check config prometheus.yml)
if(NOT output MATCHES "SUCCESS: 1 rule files found")
  message(FATAL_ERROR "prometheus.yml should load the one rule file alerts.yml:\n${output}")
endif()
promtool(ok check rules alerts.yml)
if(NOT output MATCHES "SUCCESS: 3 rules found")
  message(FATAL_ERROR "alerts.yml should hold the three alerts (errors, latency, queue):\n"
                      "${output}")
endif()
promtool(ok test rules alerts_test.yml)

# The same rules with one expression broken must be refused.
file(READ "${config_dir}/alerts.yml" rules)
string(REPLACE "tinygpt_queue_depth > 8" "tinygpt_queue_depth >" broken "${rules}")
if(broken STREQUAL rules)
  message(FATAL_ERROR "alerts.yml no longer holds 'tinygpt_queue_depth > 8'; update this test")
endif()
file(WRITE "${work}/broken_alerts.yml" "${broken}")
promtool(fail check rules "${work}/broken_alerts.yml")
