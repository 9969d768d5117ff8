# Runs distributed_worker (tests/distributed/worker.cpp) on 2 ranks; rank 1 vanishes at its
# third step (MODE killed: SIGKILL; MODE stopped: SIGSTOP). Passes when mpirun ends within
# 60 s with a non-zero status and a clear message:
#   killed:  mpirun ends the job and names the rank and the signal;
#   stopped: rank 0 raises distribution.peer after MpiDataParallel::timeout_seconds (5 s).
string(TIMESTAMP start "%s")
execute_process(COMMAND ${MPIRUN} ${WORKER} ${MODE} TIMEOUT 60
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
set(all "${out}\n${err}")
message(STATUS "mpirun ended after ${seconds} s with status '${status}':\n${all}")
if(status MATCHES "^0$" OR status MATCHES "timeout")
  message(FATAL_ERROR "expected a non-zero exit within 60 s, got '${status}'")
endif()
if(all MATCHES "fit ended without error")
  message(FATAL_ERROR "rank 0 finished its fit without rank 1")
endif()
if(MODE STREQUAL "killed")
  if(NOT all MATCHES "rank 1 with PID [0-9]+ on node [^ ]+ exited on signal 9")
    message(FATAL_ERROR "mpirun did not name the killed rank")
  endif()
else()
  if(NOT all MATCHES "rank 0: .*distribution\\.peer.*rank 0 of 2 waited 5 s for the other ranks")
    message(FATAL_ERROR "rank 0 did not raise distribution.peer")
  endif()
endif()
