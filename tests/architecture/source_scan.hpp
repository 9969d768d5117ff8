#pragma once
// Reading C++ sources for the architecture check (check_architecture.cpp): one file's code with
// comments, string and character literals and preprocessor lines blanked out (line breaks
// kept, so positions still name the right line), its #include directives, and its function
// bodies found by brace matching.
#include <string>
#include <vector>

namespace arch {

struct Include {
  int line = 0;
  std::string target;  // as written: "core/kernels/context.hpp", "tenet/core/base/shape.hpp"
  bool angled = false;
};

struct FunctionBody {
  int first_line = 0;  // the first line of the declaration that opens the body
  int last_line = 0;   // the line of the closing brace
};

// The code of `text` with comments, literals and preprocessor lines replaced by spaces.
std::string code_only(const std::string& text);

std::vector<Include> includes_of(const std::string& text);

// The heuristic (see check_architecture.cpp for what it cannot see): outside any function, a
// `{` opens
//  - a namespace, class, struct, union, enum or extern block when its head (the text since the
//    previous `;` or closed block at that level) starts with one of those words (after an
//    optional template <...>): the functions inside it are searched too;
//  - a function body when its head holds a `(` and only qualifiers follow the last `)`
//    (const, noexcept, override, final, mutable, a trailing return type, or nothing): the
//    constructor's initializer list, a TEST_CASE("...") and a lambda at namespace scope count;
//  - anything else (an initializer, a `name{value}` member) is skipped and stays part of the
//    head of the next block.
// Everything between a function body's braces (lambdas, local classes) belongs to it.
std::vector<FunctionBody> function_bodies(const std::string& code);

}  // namespace arch
