# Installs tenet into a scratch prefix, then configures, builds and runs tests/consumer with
# find_package(tenet) (MODE=package); or only configures it with add_subdirectory
# (MODE=subdirectory: building would compile tenet a second time).
set(work ${BINARY_DIR}/consumer-${MODE})
file(REMOVE_RECURSE ${work})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
  endif()
endfunction()
if(MODE STREQUAL "package")
  run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${work}/prefix)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${work}/build -DCMAKE_BUILD_TYPE=Release
      -DTENET_MODE=package -DCMAKE_PREFIX_PATH=${work}/prefix)
  run(${CMAKE_COMMAND} --build ${work}/build)
  run(${work}/build/consumer)
  message(STATUS "find_package(tenet): the consumer built and ran")
else()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${work}/build -DTENET_MODE=subdirectory
      -DTENET_SOURCE=${SOURCE_DIR})
  message(STATUS "add_subdirectory(tenet): the consumer configured with target tenet::tenet")
endif()
