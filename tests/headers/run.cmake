# The public headers as a user gets them: tenet is installed into a scratch prefix and then
#  1. every installed header compiles alone (twice in one file: include guards), with only the
#     prefix on the include path;
#  2. every installed header includes only tenet's public headers (<tenet/...>, installed) and
#     standard C++ headers (<vector>: no directory, no extension): no "core/..." quotes, no
#     oneDNN, HDF5 or other library header;
#  3. the engine's internals are out of reach: each use in `internal_uses` below, which compiled
#     when tenet.hpp exposed them, must fail to compile, while `public_uses` compiles.
# Variables: CXX, SOURCE_DIR, BINARY_DIR.
set(work ${BINARY_DIR}/public-headers)
file(REMOVE_RECURSE ${work})
set(prefix ${work}/prefix)
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed:\n${err}")
endif()
set(include_dir ${prefix}/include)
file(GLOB_RECURSE headers RELATIVE ${include_dir} ${include_dir}/*)
list(LENGTH headers count)
if(count LESS 30)
  message(FATAL_ERROR "only ${count} headers installed under ${include_dir}: ${headers}")
endif()

set(failures "")
# Compiles `code` with only the installed prefix as include path; sets `ok` and `err`.
# "@S@" stands for ";" (a CMake list separator) in the uses below.
function(try_compile_code name code)
  string(REPLACE "@S@" ";" code "${code}")
  file(WRITE ${work}/${name}.cpp "${code}")
  execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -Wall -Wextra -I${include_dir}
                          ${work}/${name}.cpp
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE e)
  if(rc EQUAL 0)
    set(ok TRUE PARENT_SCOPE)
  else()
    set(ok FALSE PARENT_SCOPE)
  endif()
  set(err "${e}" PARENT_SCOPE)
endfunction()

# 1 and 2: each header alone, and what it includes.
set(n 0)
foreach(header ${headers})
  math(EXPR n "${n} + 1")
  try_compile_code(alone_${n} "#include <${header}>\n#include <${header}>\n")
  if(NOT ok)
    string(APPEND failures "\n--- <${header}> does not compile alone ---\n${err}")
  endif()
  file(STRINGS ${include_dir}/${header} includes REGEX "^[ \t]*#[ \t]*include")
  foreach(line ${includes})
    if(line MATCHES "<tenet/([^>]+)>")
      if(NOT EXISTS ${include_dir}/tenet/${CMAKE_MATCH_1})
        string(APPEND failures "\n--- <${header}> includes <tenet/${CMAKE_MATCH_1}>, which is "
                               "not installed: ${line}")
      endif()
    elseif(NOT line MATCHES "<[a-z_0-9]+>")
      string(APPEND failures "\n--- <${header}> includes something other than a public tenet "
                             "header or a standard C++ header: ${line}")
    endif()
  endforeach()
endforeach()

# 3: internals out of reach. Each body runs where t is a Tensor, m a Model, s a SymbolicTensor.
set(wrapper_head "#include <tenet/tenet.hpp>\nusing namespace tenet;\n")
set(wrapper_args "[[maybe_unused]] void use(Tensor& t, Model& m, SymbolicTensor& s) {\n")
set(public_uses
  "(void)t.shape()@S@ (void)t.grad_fn()@S@ (void)t.same_as(t)@S@ (void)s.shape()@S@ (void)s.node()@S@"
  "(void)m.name()@S@ NoGradGuard g@S@ NumericsScope on@S@ (void)version()@S@"
  "(void)attach_grad(t, \"op\", {t}, [](const Tensor& d) { return std::vector<Tensor>{d}@S@ })@S@")
set(internal_uses
  "(void)t.impl()@S@"                           # the tensor's state
  "TensorImpl* p = nullptr@S@ (void)p->shape@S@"
  "(void)stored_bytes(t)@S@"                    # storage without its layout
  "(void)exclusively_owned(t)@S@"
  "(void)make_tensor(nullptr)@S@"
  "(void)empty_in_layout(Shape{1}, nullptr)@S@"
  "StorageLayout* l = nullptr@S@ (void)l->bytes()@S@"
  "(void)t.grad_fn()->inputs@S@"                # the autograd graph's nodes
  "CurrentLayerScope scope(nullptr)@S@"         # the thread's current layer
  "(void)current_layer_site()@S@"
  "(void)m.state()@S@"                          # the model's state
  "(void)s.node()->shape@S@"                    # the symbolic graph's nodes
  "(void)next_node_id()@S@"
  "profiling::start()@S@"                       # the profiler's table
)
string(JOIN "\n" body ${public_uses})
try_compile_code(public_uses "${wrapper_head}${wrapper_args}${body}\n}\n")
if(NOT ok)
  string(APPEND failures "\n--- the public uses do not compile ---\n${err}")
endif()
set(n 0)
foreach(use ${internal_uses})
  math(EXPR n "${n} + 1")
  try_compile_code(internal_${n} "${wrapper_head}${wrapper_args}${use}\n}\n")
  if(ok)
    string(APPEND failures "\n--- an internal is reachable from <tenet/tenet.hpp>: ${use}")
  endif()
endforeach()

if(failures)
  message(FATAL_ERROR "public headers:${failures}")
endif()
message(STATUS "${count} installed headers compile alone and include only public headers; "
               "${n} internal uses are refused")
