# Compiles SRC and passes only if compilation fails with tenet's explanation of `==`.
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -I${INC} -I${GEN} -I/usr/include ${SRC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SRC} compiled, but comparing tensors with == must not compile")
endif()
foreach(word "\\[compare\\.shape\\]" "equal\\(a, b\\)" "allclose\\(a, b, rtol, atol\\)" "a.shape\\(\\) == b.shape\\(\\)")
  if(NOT err MATCHES "${word}")
    message(FATAL_ERROR "the compiler's message does not name ${word}:\n${err}")
  endif()
endforeach()
message(STATUS "== on tensors is refused with the expected message")
