//===- network_example.cpp - A tensor network from C++
//---------------------===//
//
// The norm <psi|psi> of a three-site matrix product state, contracted three
// ways: site by site by shared index names, with numpy.tensordot-style
// explicit axes, and all at once in the order the path optimiser picks.
//
//===----------------------------------------------------------------------===//

#include "einc/einc.h"

#include <cstdio>
#include <vector>

namespace {

bool failed(llvm::Error err) {
  if (!err)
    return false;
  std::fprintf(stderr, "error: %s\n", llvm::toString(std::move(err)).c_str());
  return true;
}

/// Sites A[p1,a], B[a,p2,b], C[b,p3] (physical dimension 2, bond 3) and
/// their conjugates (the same real numbers) on primed bond names.
bool addState(ein::TensorNetwork &net) {
  std::vector<double> a(6), b(18), c(6);
  for (int k = 0; k < 18; ++k) {
    b[k] = 0.1 * (k % 5) - 0.2;
    if (k < 6) {
      a[k] = 0.5 + 0.1 * k;
      c[k] = 1.0 - 0.15 * k;
    }
  }
  return !failed(net.add("A", {"p1", "a"}, {2, 3}, a.data())) &&
         !failed(net.add("B", {"a", "p2", "b"}, {3, 2, 3}, b.data())) &&
         !failed(net.add("C", {"b", "p3"}, {3, 2}, c.data())) &&
         !failed(net.add("A*", {"p1", "a'"}, {2, 3}, a.data())) &&
         !failed(net.add("B*", {"a'", "p2", "b'"}, {3, 2, 3}, b.data())) &&
         !failed(net.add("C*", {"b'", "p3"}, {3, 2}, c.data()));
}

} // namespace

int main() {
  ein::Jit jit; // shared by the three networks: kernels are compiled once
  // 1. Pairwise, by the names the tensors share.
  ein::TensorNetwork byNames(ein::f64, jit);
  if (!addState(byNames))
    return 1;
  for (auto [x, y, r] : {std::tuple{"A", "A*", "L"},
                         {"L", "B", "L"},
                         {"L", "B*", "L"},
                         {"L", "C", "L"},
                         {"L", "C*", "L"}})
    if (failed(byNames.contract(x, y, r)))
      return 1;
  std::printf("by names:  <psi|psi> = %.6f\n", *byNames.data<double>("L"));

  // 2. tensordot with explicit axes for the first step, names afterwards.
  ein::TensorNetwork byAxes(ein::f64, jit);
  if (!addState(byAxes) || failed(byAxes.tensordot("A", "A*", {0}, {0}, "L")))
    return 1;
  std::printf("tensordot: L has indices");
  for (const std::string &i : byAxes.indices("L"))
    std::printf(" %s", i.c_str());
  std::printf("\n");

  // 3. All at once: the optimiser picks the order.
  ein::TensorNetwork all(ein::f64, jit);
  if (!addState(all))
    return 1;
  auto expr = all.expression();
  auto path = all.contractAll("norm");
  if (!expr || !path)
    return failed(llvm::joinErrors(expr.takeError(), path.takeError()));
  std::printf("all at once (%s, %zu steps, %.0f FLOPs): <psi|psi> = %.6f\n",
              expr->c_str(), path->steps.size(), path->flops,
              *all.data<double>("norm"));

  // Mistakes are errors that name the tensor or index.
  std::printf("error: %s\n",
              llvm::toString(all.contract("norm", "D", "X")).c_str());
  return 0;
}
