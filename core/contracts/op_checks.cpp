// The arguments of tensor ops that name no single shape rule: transpose's permutation, stack's
// count, matmul's operands.
#include "core/contracts/op_checks.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tenet::checks {

// reshape.axis for transpose: the count of axes given against the rank, or (the count right)
// which axes the permutation repeats, misses or names beyond the rank.
void check_permutation(const std::vector<int>& perm, int rank, const Site& where) {
  std::vector<int> sorted(perm);
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> ident(static_cast<std::size_t>(rank));
  std::iota(ident.begin(), ident.end(), 0);
  if (sorted == ident) return;
  std::string given = "{";
  for (std::size_t i = 0; i < perm.size(); ++i) given += (i ? ", " : "") + std::to_string(perm[i]);
  given += "}";
  const std::string r = std::to_string(rank),
                    all = rank > 0 ? "0.." + std::to_string(rank - 1) : "no axis (a scalar)";
  std::string cause, fix;
  if (perm.size() != static_cast<std::size_t>(rank)) {
    cause = "the tensor has " + r + " axes and " + given + " names " + std::to_string(perm.size()) +
            ": a permutation lists every axis once, none added or dropped";
    std::string swap = "{";  // the identity with the last two axes swapped
    for (int a = 0; a < rank; ++a)
      swap += (a ? ", " : "") + std::to_string(rank >= 2 && a >= rank - 2 ? 2 * rank - 3 - a : a);
    fix = "give " + r + " axes, each of " + all + " once (" + swap + "}" +
          (rank >= 2 ? " swaps the last two" : " keeps the axes as they are") +
          "); add or drop axes first with expand_dims, squeeze or reshape";
  } else {
    std::vector<std::string> twice, missing, beyond;
    for (int a = 0; a < rank; ++a) {
      const auto n = std::count(perm.begin(), perm.end(), a);
      if (n > 1) twice.push_back(std::to_string(a));
      if (n == 0) missing.push_back(std::to_string(a));
    }
    for (int a : perm)
      if (a < 0 || a >= rank) beyond.push_back(std::to_string(a));
    const auto list = [](const std::vector<std::string>& v) {
      std::string out;
      for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
      return out;
    };
    cause = given + " names " + r + " axes, as many as the tensor has, but" +
            (twice.empty() ? "" : " repeats axis " + list(twice)) +
            (beyond.empty() ? "" : std::string(twice.empty() ? "" : " and") + " names axis " + list(beyond) +
                                       " beyond " + all + " (transpose takes no negative axes)") +
            ", so axis " + list(missing) + " is missing";
    fix = "name each of " + all + " once, axis " + list(missing) + " included";
  }
  Violation("reshape.axis", Phase::run, where)
      .summary("transpose needs a permutation of the axes")
      .expected("a permutation of " + all)
      .actual(given)
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_stack_count(std::size_t count, const Site& where) {
  if (count > 0) return;
  Violation("batch.empty", Phase::run, where)
      .summary("stack needs at least one tensor")
      .expected("one or more tensors")
      .actual("none")
      .cause("stack joins tensors along a new axis and was given an empty list, so there is no "
             "shape or dtype to build the result from (a loop that collected nothing?)")
      .fix("check that the list holds tensors before stacking it (if (!xs.empty())), or find "
           "why the loop that fills it added none")
      .raise();
}

// matmul.shape: the cause and fix follow what is wrong: the ranks, the dtypes, the batch of
// (B, M, K) x (B, K, N), or the inner sizes (with a transposed second operand told apart).
void check_matmul(const Shape& sa, DType ta, const Shape& sb, DType tb, const Site& where) {
  const int r = sa.rank();
  if (!(r != sb.rank() || (r != 2 && r != 3) || !is_floating(ta) || ta != tb ||
        sa[r - 1] != sb[r - 2] || (r == 3 && sa[0] != sb[0])))
    return;
  std::vector<int> marks;
  if (r == sb.rank() && r >= 2 && sa[r - 1] != sb[r - 2]) marks.push_back(r - 2);
  const std::string a = sa.str() + " (" + dtype_name(ta) + ")", b = sb.str() + " (" + dtype_name(tb) + ")";
  std::string cause = "first operand " + a + ", second " + b + ": ", fix;
  if (r != sb.rank() || (r != 2 && r != 3)) {
    cause += "ranks " + std::to_string(r) + " and " + std::to_string(sb.rank()) + ", where matmul takes two "
             "matrices or two batches of matrices";
    fix = "bring both to rank 2 (reshape, or squeeze an axis of size 1) or both to rank 3 (expand_dims(x, 0))";
  } else if (!is_floating(ta) || ta != tb) {
    cause += "matmul computes in one float dtype, and these are " + std::string(dtype_name(ta)) + " and " +
             dtype_name(tb);
    fix = "cast both to float32 (x.astype(DType::f32))";
  } else if (r == 3 && sa[0] != sb[0]) {
    cause += "the batches hold " + std::to_string(sa[0]) + " and " + std::to_string(sb[0]) + " matrices";
    fix = "give both operands the same batch size on axis 0";
  } else if (sb[r - 1] == sa[r - 1]) {
    cause += "the first has K = " + std::to_string(sa[r - 1]) + " columns, the second has " +
             std::to_string(sb[r - 2]) + " rows but " + std::to_string(sb[r - 1]) + " columns: it looks transposed";
    fix = r == 2 ? "matmul(a, transpose(b, {1, 0}))" : "matmul(a, transpose(b, {0, 2, 1}))";
  } else {
    cause += "the first has K = " + std::to_string(sa[r - 1]) + " columns and the second " +
             std::to_string(sb[r - 2]) + " rows; they must be equal";
    fix = "reshape or slice one operand so that the second has " + std::to_string(sa[r - 1]) +
          " rows (or the first " + std::to_string(sb[r - 2]) + " columns)";
  }
  Violation("matmul.shape", Phase::run, where)
      .summary("matmul needs (M, K) x (K, N) or (B, M, K) x (B, K, N) of one float dtype")
      .expected(r >= 2 ? "second operand with K = " + std::to_string(sa[r - 1]) +
                             " rows, as in " + sa.str()
                       : std::string("rank 2 or 3"))
      .actual(b)
      .mark(marks)
      .operands({sa, sb})
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_counts(const Shape& s, const std::vector<double>& v, const std::string& what,
                  const Site& where) {
  if (s.rank() != 2 || s[0] != s[1])
    Violation("input.rank", Phase::run, where)
        .summary(what + " is not a square matrix of counts")
        .expected("(classes, classes)").actual(s)
        .cause(s.rank() == 2 ? "row i counts the samples of true class i by predicted class, so "
                               "there are as many columns as rows"
                             : "a confusion matrix has one row and one column per class")
        .fix("confusion_matrix(labels, predicted, classes) makes one")
        .raise();
  const auto n = static_cast<std::size_t>(s[0]);
  for (std::size_t i = 0; i < n; ++i) {
    double row = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const double c = v[i * n + j];
      row += c;
      if (c >= 0 && c == std::floor(c) && row < 0x1p62) continue;  // false for NaN
      invalid_option(what + "[" + std::to_string(i) + "][" + std::to_string(j) + "]",
                     option_value(c), "a whole count >= 0, with each row's total below 2^62",
                     where, Phase::run,
                     c >= 0 && c == std::floor(c)
                         ? "row " + std::to_string(i) + "'s counts add up past 2^62"
                         : "each cell counts samples, so it is a whole number of 0 or more",
                     "pass the counts confusion_matrix(labels, predicted, classes) returns");
    }
  }
}

}  // namespace tenet::checks
