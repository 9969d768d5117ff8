// The arguments of tensor ops that name no single shape rule: transpose's permutation, stack's
// count, matmul's operands.
#include "core/contracts/op_checks.hpp"

#include <algorithm>
#include <numeric>

namespace tenet::checks {

void check_permutation(const std::vector<int>& perm, int rank, const Site& where) {
  std::vector<int> sorted(perm);
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> ident(static_cast<std::size_t>(rank));
  std::iota(ident.begin(), ident.end(), 0);
  if (sorted == ident) return;
  Violation("reshape.axis", Phase::run, where)
      .summary("transpose needs a permutation of the axes")
      .expected("a permutation of 0.." + std::to_string(rank - 1))
      .actual(std::to_string(perm.size()) + " axes given")
      .raise();
}

void check_stack_count(std::size_t count, const Site& where) {
  if (count > 0) return;
  Violation("batch.empty", Phase::run, where)
      .summary("stack needs at least one tensor")
      .expected("one or more tensors")
      .actual("none")
      .raise();
}

void check_matmul(const Shape& sa, DType ta, const Shape& sb, DType tb, const Site& where) {
  const int r = sa.rank();
  if (!(r != sb.rank() || (r != 2 && r != 3) || !is_floating(ta) || ta != tb ||
        sa[r - 1] != sb[r - 2] || (r == 3 && sa[0] != sb[0])))
    return;
  std::vector<int> marks;
  if (r == sb.rank() && r >= 2 && sa[r - 1] != sb[r - 2]) marks.push_back(r - 2);
  Violation("matmul.shape", Phase::run, where)
      .summary("matmul needs (M, K) x (K, N) or (B, M, K) x (B, K, N) of one float dtype")
      .expected(r >= 2 ? "second operand with K = " + std::to_string(sa[r - 1]) +
                             " rows, as in " + sa.str()
                       : std::string("rank 2 or 3"))
      .actual(sb.str() + std::string(" (") + dtype_name(tb) + ")")
      .mark(marks)
      .operands({sa, sb})
      .cause("first operand " + sa.str() + " (" + dtype_name(ta) + "), second " + sb.str() +
             " (" + dtype_name(tb) + ")")
      .fix("transpose or reshape one operand so the inner dimensions agree, and cast both to "
           "float32")
      .raise();
}

}  // namespace tenet::checks
