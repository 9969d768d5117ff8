// tensor.item, tensor.index and the value count of a tensor made from a vector (reshape.size):
// the contracts of reading and making single tensors.
#include <tenet/core/contracts/checks.hpp>

namespace tenet::checks {

namespace {
std::string num(std::int64_t v) { return std::to_string(v); }
}  // namespace

void check_item(const Shape& shape) {
  const std::int64_t n = shape.numel();
  if (n == 1) return;
  Violation("tensor.item", Phase::run, Site("item", "op"))
      .summary("item() needs a tensor with exactly one element")
      .expected("1 element")
      .actual(shape)
      .cause(n == 0 ? "the tensor " + shape.str() + " is empty (an axis of size 0): there is no "
                      "value to read, e.g. a reduction over an empty batch"
                    : "the tensor " + shape.str() + " holds " + num(n) + " values and item() "
                      "returns one")
      .fix(n == 0 ? "check where the empty axis comes from (an empty slice or batch) before "
                    "reading a value"
                  : "reduce first, e.g. t.sum().item() or t.mean().item(), or read one element "
                    "with t.at({...})")
      .raise();
}

void check_index(const Shape& s, const std::vector<std::int64_t>& index) {
  const auto k = static_cast<std::int64_t>(index.size());
  if (k != s.rank())
    Violation("tensor.index", Phase::run, Site("at", "op"))
        .summary("an index needs one coordinate per axis")
        .expected(num(s.rank()) + " coordinates for " + s.str())
        .actual(num(k) + " coordinates")
        .cause(k == s.rank() - 1 ? "one coordinate is missing; the batch axis (axis 0) counts too"
                                 : "the tensor has " + num(s.rank()) + " axes and " + num(k) +
                                       " coordinates were given")
        .fix("give one coordinate per axis, e.g. t.at({" + [&] {
               std::string z;
               for (int i = 0; i < s.rank(); ++i) z += i ? ", 0" : "0";
               return z;
             }() + "})")
        .raise();
  for (int i = 0; i < s.rank(); ++i) {
    if (index[i] >= 0 && index[i] < s[i]) continue;
    Violation("tensor.index", Phase::run, Site("at", "op"))
        .summary("index out of range on axis " + num(i))
        .expected("0 <= index < " + num(s[i]))
        .actual(num(index[i]))
        .cause(index[i] < 0 ? "at() takes no negative indices (they do not count from the end)"
                            : "axis " + num(i) + " of " + s.str() + " has " + num(s[i]) +
                                  " entries, so its last index is " + num(s[i] - 1) +
                                  " (indices count from 0)")
        .fix(index[i] < 0 ? "write the index from the start: " + num(s[i] + index[i]) +
                                " for " + num(index[i])
                          : "use an index from 0 to " + num(s[i] - 1))
        .raise();
  }
}

void check_value_count(std::size_t count, const Shape& shape) {
  const std::int64_t n = shape.numel();
  if (static_cast<std::int64_t>(count) == n) return;
  Violation("reshape.size", Phase::run, Site("from_vector", "factory"))
      .summary("the number of values does not fill the requested shape")
      .expected(num(n) + " values for shape " + shape.str())
      .actual(num(static_cast<std::int64_t>(count)) + " values")
      .cause("the vector holds " + num(static_cast<std::int64_t>(count)) + " values but " +
             shape.str() + " has " + num(n) + " elements")
      .fix("pass a shape whose dimensions multiply to " + num(static_cast<std::int64_t>(count)))
      .raise();
}

void reshape_target(const Shape& from, const Shape& target, int bad, int infer,
                    std::int64_t known) {
  const std::int64_t n = from.numel();
  Violation("reshape.size", Phase::run, Site("reshape", "op"))
      .summary("cannot reshape " + from.str() + " to " + target.str())
      .expected("sizes >= 0, with at most one -1 beside sizes whose product is not 0")
      .actual(target)
      .mark({bad})
      .cause(infer != bad ? "axis " + num(bad) + " has size " + num(target[bad]) +
                                ", and only one -1 (\"the rest\") can be inferred"
                          : "-1 cannot be inferred: the other sizes multiply to " + num(known) +
                                " and " + from.str() + " holds " + num(n) + " elements")
      .fix(infer != bad ? "keep one -1 and give the other sizes, e.g. reshape(x, " +
                              Shape{from.rank() > 0 ? from[0] : 1, -1}.str() + ")"
                        : "give sizes whose product divides " + num(n) +
                              ", e.g. reshape(x, " + from.str() + ")")
      .raise();
}

void check_squeeze(const Shape& shape, int axis) {
  if (shape[axis] == 1) return;
  std::vector<int> ones;
  for (int i = 0; i < shape.rank(); ++i)
    if (shape[i] == 1) ones.push_back(i);
  Violation("reshape.size", Phase::run, Site("squeeze", "op"))
      .summary("squeeze removes an axis of size 1 only")
      .expected(shape.with(axis, 1))
      .actual(shape)
      .mark({axis})
      .cause("axis " + num(axis) + " of " + shape.str() + " has size " + num(shape[axis]) +
             ", so removing it would drop values")
      .fix(ones.empty() ? "use reshape to change the axes; " + shape.str() + " has no axis of size 1"
                        : "squeeze axis " + num(ones[0]) + ", which has size 1, or use reshape")
      .raise();
}

void check_rows(const Shape& shape, const std::vector<std::int64_t>& rows, const Site& where) {
  const std::int64_t n = shape[0];
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] >= 0 && rows[i] < n) continue;
    Violation("tensor.index", Phase::run, where)
        .summary("row index " + num(rows[i]) + " (the " + ordinal(i) + " of the rows) is out of "
                 "range for " + shape.str())
        .expected("0 <= row < " + num(n))
        .actual(num(rows[i]))
        .cause(rows[i] < 0 ? "row indices count from 0 and cannot be negative"
                           : shape.str() + " has " + num(n) + " rows, so the last is " + num(n - 1))
        .fix("pick rows from 0 to " + num(n - 1))
        .raise();
  }
}

void check_floating(DType got, const std::string& what, const Site& where) {
  if (is_floating(got)) return;
  Violation("input.dtype", Phase::run, where)
      .summary(where.name + " needs floating-point input, got " + dtype_name(got))
      .expected("float32 or float64")
      .actual(dtype_name(got))
      .cause(what + ", and the tensor holds " + dtype_name(got) + " values")
      .fix("convert first: x.astype(DType::f32)")
      .raise();
}

}  // namespace tenet::checks
