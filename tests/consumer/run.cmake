# Installs tenet into a scratch prefix, then builds and runs tests/consumer against it (its HDF5
# read runs through the installed tenet-h5-reader, which must find the installed library):
#   MODE=package      configures tests/consumer (LANGUAGES CXX) with find_package(tenet);
#   MODE=pkgconfig    compiles tests/consumer/main.cpp with `pkg-config --cflags --libs tenet`;
#   MODE=subdirectory only configures tests/consumer with add_subdirectory (building would
#                     compile tenet a second time).
set(work ${BINARY_DIR}/consumer-${MODE})
file(REMOVE_RECURSE ${work})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()
set(prefix ${work}/prefix)
if(MODE STREQUAL "package")
  run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})
  # HDF5 links through its imported target and stays private: the installed package names none
  # of HDF5's own dependencies (curl, crypto, static pthread/dl) by an absolute path.
  file(GLOB exported ${prefix}/lib*/cmake/tenet/*.cmake)
  foreach(f ${exported})
    file(READ ${f} text)
    if(text MATCHES "libcurl|libcrypto|libpthread[.]a|libdl[.]a|libhdf5[^ \";]*[.]a")
      message(FATAL_ERROR "${f} hard-codes a dependency of HDF5: ${CMAKE_MATCH_0}")
    endif()
  endforeach()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${work}/build -DCMAKE_BUILD_TYPE=Release
      -DTENET_MODE=package -DCMAKE_PREFIX_PATH=${prefix})
  run(${CMAKE_COMMAND} --build ${work}/build)
  run(${work}/build/consumer ${work}/arrays.h5)
  message(STATUS "find_package(tenet) in a CXX-only project: the consumer built and ran")
elseif(MODE STREQUAL "pkgconfig")
  run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})
  file(GLOB_RECURSE pc ${prefix}/*/tenet.pc)
  if(NOT pc)
    message(FATAL_ERROR "no tenet.pc installed under ${prefix}")
  endif()
  get_filename_component(pc_dir ${pc} DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} ${pc_dir})
  # A static libtenet.a needs its private dependencies too: pkg-config's --static lists them.
  set(static "")
  if(NOT EXISTS ${pc_dir}/../libtenet.so)
    set(static --static)
  endif()
  run(pkg-config --cflags --libs ${static} tenet)
  string(STRIP "${out}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  list(FILTER flags INCLUDE REGEX "^-L")  # the library directory, for the run-time path
  string(REPLACE "-L" "-Wl,-rpath," rpath "${flags}")
  run(sh -c "${CXX} -std=c++20 ${SOURCE_DIR}/tests/consumer/main.cpp -o ${work}/consumer \
$(pkg-config --cflags --libs ${static} tenet) ${rpath}")
  run(${work}/consumer ${work}/arrays.h5)
  message(STATUS "pkg-config --cflags --libs tenet: the consumer built and ran")
else()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${work}/build -DTENET_MODE=subdirectory
      -DTENET_SOURCE=${SOURCE_DIR})
  message(STATUS "add_subdirectory(tenet): the consumer configured with target tenet::tenet")
endif()
