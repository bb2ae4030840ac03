# cmake -DCOMMAND="valgrind;...;program" -P expect_leaks.cmake
# ct_selftest leaks on purpose: a branch and a table index on a secret byte.
# Passing needs exactly that: the program ran to its end, memcheck exited with
# its error code (42) and reported both kinds of leak. A crash, a missing
# valgrind or a harness that no longer marks secrets all fail.
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
message("${all}")
if(NOT rc STREQUAL "42")
  message(FATAL_ERROR "ct_selftest: expected memcheck's error exit code 42, got '${rc}'")
endif()
foreach(expected "selftest ran" "Conditional jump or move depends on uninitialised value" "Use of uninitialised value")
  string(FIND "${all}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "ct_selftest: memcheck's output lacks \"${expected}\"")
  endif()
endforeach()
message(STATUS "ct_selftest: both leaks were reported")
