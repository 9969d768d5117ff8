#pragma once
// Force-included (-include) in the fuzz build only. Debian's clang 14 compiles against
// libstdc++ 12, whose <source_location> needs __builtin_source_location (clang >= 15), so
// std::source_location is missing there. This supplies the same interface from the older
// builtins (__builtin_FILE/LINE/...), which clang evaluates at the call site when used as
// default arguments. With a compiler that has the real one, this header adds nothing.
#include <source_location>
#if !defined(__cpp_lib_source_location)
namespace std {
struct source_location {
  static constexpr source_location current(const char* file = __builtin_FILE(),
                                           const char* func = __builtin_FUNCTION(),
                                           unsigned line = __builtin_LINE(),
                                           unsigned column = __builtin_COLUMN()) noexcept {
    source_location s;
    s.file_ = file;
    s.func_ = func;
    s.line_ = line;
    s.column_ = column;
    return s;
  }
  constexpr source_location() noexcept = default;
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return func_; }
  constexpr unsigned line() const noexcept { return line_; }
  constexpr unsigned column() const noexcept { return column_; }

 private:
  const char* file_ = "";
  const char* func_ = "";
  unsigned line_ = 0;
  unsigned column_ = 0;
};
}  // namespace std
#endif
