//===- TensorNetwork.h - Named tensors contracted by shared indices -*- C++
//-*-===//
//
// A tensor network: named tensors whose dimensions carry index names. Two
// tensors contract over the indices they share (or over explicit axes, as
// numpy.tensordot); the whole network contracts in the order the path
// optimiser picks, into one tensor over its open indices.
//
//   ein::TensorNetwork net(ein::f64);
//   net.add("A", {"i", "j"}, {64, 32}, a.data());
//   net.add("B", {"j", "k"}, {32, 16}, b.data());
//   net.add("C", {"k", "l"}, {16, 8}, c.data());
//   auto out = net.contractAll("ABC");  // over i and l, the open indices
//   const double *abc = net.data<double>("ABC");
//
// Every contraction compiles through a Jit (its kernels are cached, so a
// network contracted again with the same shapes does not recompile).
// Errors are llvm::Error values naming the tensor or index at fault.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_TENSORNETWORK_H
#define EINC_TENSORNETWORK_H

#include "einc/Jit.h"
#include "einc/Path.h"

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ein {

class TensorNetwork {
public:
  /// A network of tensors of one dtype, compiling with its own Jit.
  explicit TensorNetwork(DType dtype = f64);
  /// The same, compiling with `jit` (which must outlive the network).
  TensorNetwork(DType dtype, Jit &jit);
  ~TensorNetwork();
  TensorNetwork(const TensorNetwork &) = delete;
  TensorNetwork &operator=(const TensorNetwork &) = delete;

  DType dtype() const { return type; }

  /// Adds a copy of `data` (C order, the network's dtype) as tensor `name`
  /// with one index name per dimension. Fails if the name is taken, an
  /// index repeats, or an index's extent differs from another tensor's.
  llvm::Error add(const std::string &name,
                  const std::vector<std::string> &indices, const Shape &shape,
                  const void *data);
  /// Removes a tensor.
  llvm::Error remove(const std::string &name);

  /// Names of the tensors, in the order they were added (results of
  /// contractions take the place of their first operand).
  std::vector<std::string> names() const;
  bool contains(const std::string &name) const;
  const std::vector<std::string> &indices(const std::string &name) const;
  const Shape &shape(const std::string &name) const;
  /// The tensor's elements, C order; null for an unknown name.
  const void *data(const std::string &name) const;
  template <typename T> const T *data(const std::string &name) const {
    return static_cast<const T *>(data(name));
  }
  /// Indices held by exactly one tensor, in order of first appearance.
  std::vector<std::string> openIndices() const;

  /// Replaces tensors `a` and `b` by `result`, their contraction over
  /// every index they share (indices that a third tensor also holds are
  /// kept, so that it can still contract with them). The result's indices
  /// are a's kept ones, then b's.
  llvm::Error contract(const std::string &a, const std::string &b,
                       const std::string &result);

  /// numpy.tensordot(a, b, axes=(axesA, axesB)): sums over the pairs of
  /// dimensions (axesA[k] of a, axesB[k] of b) whatever their names, and
  /// replaces a and b by `result` with a's other indices, then b's. An
  /// index name shared by both but not paired must be renamed first (the
  /// result would hold it twice).
  llvm::Error tensordot(const std::string &a, const std::string &b,
                        const std::vector<unsigned> &axesA,
                        const std::vector<unsigned> &axesB,
                        const std::string &result);

  /// Contracts every tensor into one, named `result`, in the order the
  /// path optimiser finds (options.path). Its indices are `output` (any
  /// indices of the network), or every open index in order of first
  /// appearance. An index held by three or more tensors is summed once, as
  /// in einsum.
  /// Returns the path followed.
  llvm::Expected<Path> contractAll(const std::string &result,
                                   const std::vector<std::string> &output = {},
                                   const CompileOptions &options = {});

  /// The einsum expression contractAll would compile ("ij,jk,kl->il"),
  /// with the letters it gives each index.
  llvm::Expected<std::string>
  expression(const std::vector<std::string> &output = {}) const;

private:
  struct Tensor {
    std::string name;
    std::vector<std::string> indices;
    Shape shape;
    std::vector<std::byte> data;
  };
  Tensor *find(const std::string &name);
  const Tensor *find(const std::string &name) const;
  /// Both operands exist and differ; `result` is free or one of them.
  llvm::Error checkPair(const std::string &a, const std::string &b,
                        const std::string &result) const;
  /// Compiles and runs `expr` on `operands`, storing the result as
  /// `result` with `indices` in the place of the first operand.
  llvm::Expected<Path> run(const std::string &expr,
                           const std::vector<const Tensor *> &operands,
                           const std::string &result,
                           const std::vector<std::string> &indices,
                           const CompileOptions &options);

  DType type;
  std::unique_ptr<Jit> ownJit;
  Jit *jit;
  std::vector<Tensor> tensors;
};

} // namespace ein

#endif // EINC_TENSORNETWORK_H
