// core/checks, sizes and handles: every element and byte count of a user-given shape is
// multiplied here with overflow checks, every allocation of user-sized storage is checked
// against what the machine can hold, and empty handles are refused as the user's mistake.
#include <unistd.h>

#include <cstdio>
#include <limits>

#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

namespace {

constexpr std::int64_t kMaxBytes = std::numeric_limits<std::ptrdiff_t>::max();

// The dimensions as given, negative ones included (Shape::str prints every negative as None).
std::string raw_dims(const Shape& s) {
  std::string out = "(";
  for (int i = 0; i < s.rank(); ++i)
    out += (i ? ", " : "") + (s[i] == kUnknown ? std::string("None") : std::to_string(s[i]));
  return out + (s.rank() == 1 ? ",)" : ")");
}

std::string bytes_text(long double bytes) {
  static const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  long double v = bytes;
  while (v >= 1024 && u < 6) v /= 1024, ++u;
  char buf[64];
  if (u == 0) std::snprintf(buf, sizeof buf, "%.0Lf bytes", bytes);
  else if (v >= 1024) std::snprintf(buf, sizeof buf, "%.3Le bytes", bytes);
  else std::snprintf(buf, sizeof buf, "%.0Lf bytes (%.1Lf %s)", bytes, v, units[u]);
  return buf;
}

// The exact product of the known dimensions, as a long double (never overflows).
long double known_product(const Shape& s) {
  long double p = 1;
  for (auto d : s)
    if (d >= 0) p *= static_cast<long double>(d);
  return p;
}

std::string count_text(long double n) {
  char buf[64];
  if (n < 1e18L) std::snprintf(buf, sizeof buf, "%.0Lf", n);
  else std::snprintf(buf, sizeof buf, "about %.3Le", n);
  return buf;
}

[[noreturn]] void raise_unaddressable(const Shape& s, DType dtype, const Site& where,
                                      Phase phase) {
  const long double n = known_product(s);
  const std::string what = std::string("the shape of a ") + dtype_name(dtype) + " tensor";
  invalid_option(what, s.str(),
                 "sizes whose product fits a 64-bit element count and whose " +
                     std::string(dtype_name(dtype)) + " data is at most " +
                     std::to_string(kMaxBytes) + " bytes (the largest object a 64-bit "
                     "process can address)",
                 where, phase,
                 s.str() + " holds " + count_text(n) + " elements" +
                     (s.fully_known() ? "" : " per None") + ", which need " +
                     bytes_text(n * static_cast<long double>(dtype_size(dtype))) +
                     ": its element/byte count exceeds what can be addressed",
                 "check the sizes: a dimension this large is usually an uninitialised or "
                 "overflowed variable; give the real sizes of the data");
}

std::int64_t product(const Shape& s, DType dtype, const Site& where, Phase phase) {
  for (auto d : s)  // any 0 makes it empty, however large the other sizes (no overflow)
    if (d == 0) return 0;
  std::int64_t n = 1;
  for (auto d : s)
    if (d >= 0 && __builtin_mul_overflow(n, d, &n)) raise_unaddressable(s, dtype, where, phase);
  std::int64_t bytes = 0;
  if (__builtin_mul_overflow(n, static_cast<std::int64_t>(dtype_size(dtype)), &bytes) ||
      bytes > kMaxBytes)
    raise_unaddressable(s, dtype, where, phase);
  return n;
}

std::size_t physical_memory() {
  static const std::size_t bytes = [] {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return std::numeric_limits<std::size_t>::max();
    return static_cast<std::size_t>(pages) * static_cast<std::size_t>(page);
  }();
  return bytes;
}

}  // namespace

std::string ordinal(std::size_t i) {
  const std::size_t n = i + 1;
  const char* suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suffix = "st";
    else if (n % 10 == 2) suffix = "nd";
    else if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

void check_concrete(const Shape& s, const Site& where, Phase phase) {
  for (int i = 0; i < s.rank(); ++i) {
    if (s[i] >= 0) continue;
    const bool none = s[i] == kUnknown;
    Violation("tensor.shape", phase, where)
        .summary(none ? "a concrete tensor needs every dimension known"
                      : "a tensor's sizes cannot be negative")
        .expected("every dimension >= 0")
        .actual(raw_dims(s))
        .mark({i})
        .cause(none ? "axis " + std::to_string(i) + " is None (unknown) or negative"
                    : "axis " + std::to_string(i) + " is " + std::to_string(s[i]) +
                          ", a negative size (only Input shapes accept None, written kUnknown)")
        .fix(none ? "give axis " + std::to_string(i) + " its size; None (kUnknown) is only for "
                    "Input shapes, where the batch or image size is not known yet"
                  : "sizes count elements: give axis " + std::to_string(i) + " a size >= 0 "
                    "(0 for an empty tensor)")
        .raise();
  }
}

std::int64_t checked_numel(const Shape& s, const Site& where, Phase phase, DType dtype) {
  check_concrete(s, where, phase);
  return product(s, dtype, where, phase);
}

std::int64_t checked_known_numel(const Shape& s, const Site& where, Phase phase, DType dtype) {
  return product(s, dtype, where, phase);
}

std::int64_t checked_size_sum(std::int64_t a, std::int64_t b, const Shape& s, const Site& where,
                              Phase phase) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  invalid_option("the joined size", std::to_string(a) + " + " + std::to_string(b),
                 "a sum that fits a 64-bit count", where, phase,
                 "joining sizes " + std::to_string(a) + " and " + std::to_string(b) + " of " +
                     s.str() + " overflows a 64-bit count: its element count exceeds what can "
                     "be addressed",
                 "check the sizes of the joined inputs");
}

std::size_t checked_bytes(const Shape& s, DType dtype, const Site& where, Phase phase) {
  const std::int64_t n = checked_numel(s, where, phase, dtype);
  const std::size_t bytes = static_cast<std::size_t>(n) * dtype_size(dtype);
  const std::size_t memory = physical_memory();
  if (bytes <= memory) return bytes;
  invalid_option(std::string("the shape of a ") + dtype_name(dtype) + " tensor", s.str(),
                 "a shape whose data fits in this machine's memory (" + bytes_text(memory) + ")",
                 where, phase,
                 s.str() + " holds " + std::to_string(n) + " elements of " +
                     std::to_string(dtype_size(dtype)) + " bytes: " + bytes_text(bytes) +
                     ", more than this machine's memory (" + bytes_text(memory) +
                     "), so it can never be allocated",
                 "use smaller sizes (fewer units or filters, a smaller batch, smaller images); "
                 "a size this large is often a typo or an overflowed variable");
}

bool fits_in_memory(const Shape& s, DType dtype) {
  std::int64_t n = 1;
  for (auto d : s)
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) return false;
  std::int64_t bytes = 0;
  return !__builtin_mul_overflow(n, static_cast<std::int64_t>(dtype_size(dtype)), &bytes) &&
         static_cast<std::size_t>(bytes) <= physical_memory();
}

void out_of_memory(const Shape& s, DType dtype, std::size_t bytes, const Site& where) {
  throw Error("tenet: out of memory: could not allocate " + bytes_text(bytes) + " for a " +
              dtype_name(dtype) + " tensor of shape " + s.str() + " in " + where.str() +
              "; free memory (smaller batches, fewer live tensors) or use smaller sizes");
}

const char* handle_type(const Tensor&) { return "Tensor"; }
const char* handle_type(const SymbolicTensor&) { return "SymbolicTensor"; }

std::int64_t batch_count(std::int64_t n, std::int64_t batch) {
  return n / batch + (n % batch != 0 ? 1 : 0);
}

}  // namespace tenet::checks
