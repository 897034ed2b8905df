//===- TensorNetwork.cpp - Named tensors contracted by shared indices -----===//
//
// Each operation writes an einsum expression (one letter per index name)
// and compiles it through the Jit, so pairwise steps and whole-network
// contractions go through the same path search and code generation as
// `einc run`.
//
//===----------------------------------------------------------------------===//

#include "einc/TensorNetwork.h"
#include "einc/Error.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <cstring>
#include <set>

using namespace ein;

namespace {

int64_t elements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// One letter per index name, in the order they are asked for.
class Letters {
public:
  llvm::Expected<char> of(const std::string &index) {
    auto it = letters.find(index);
    if (it != letters.end())
      return it->second;
    static const char *alphabet =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if (letters.size() == 52)
      return userError("the contraction involves more than 52 distinct "
                       "indices, the most one einsum expression can name");
    char c = alphabet[letters.size()];
    letters[index] = c;
    return c;
  }
  llvm::Expected<std::string> of(const std::vector<std::string> &indices) {
    std::string s;
    for (const std::string &i : indices) {
      auto c = of(i);
      if (!c)
        return c.takeError();
      s.push_back(*c);
    }
    return s;
  }

private:
  std::map<std::string, char> letters;
};

} // namespace

TensorNetwork::TensorNetwork(DType dtype)
    : type(dtype), ownJit(std::make_unique<Jit>()), jit(ownJit.get()) {}

TensorNetwork::TensorNetwork(DType dtype, Jit &jit) : type(dtype), jit(&jit) {}

TensorNetwork::~TensorNetwork() = default;

TensorNetwork::Tensor *TensorNetwork::find(const std::string &name) {
  for (Tensor &t : tensors)
    if (t.name == name)
      return &t;
  return nullptr;
}

const TensorNetwork::Tensor *
TensorNetwork::find(const std::string &name) const {
  return const_cast<TensorNetwork *>(this)->find(name);
}

llvm::Error TensorNetwork::add(const std::string &name,
                               const std::vector<std::string> &indices,
                               const Shape &shape, const void *data) {
  if (name.empty())
    return userError("a tensor needs a name");
  if (find(name))
    return userError("the network already has a tensor named '" + name + "'");
  if (indices.size() != shape.size())
    return userError("tensor '" + name + "' has " + llvm::Twine(shape.size()) +
                     " dimensions but " + llvm::Twine(indices.size()) +
                     " index names");
  std::set<std::string> seen;
  for (size_t k = 0; k < indices.size(); ++k) {
    if (indices[k].empty())
      return userError("tensor '" + name + "': index " + llvm::Twine(k) +
                       " has an empty name");
    if (!seen.insert(indices[k]).second)
      return userError("tensor '" + name + "': index '" + indices[k] +
                       "' repeats (take a trace by contracting instead)");
    if (shape[k] < 0)
      return userError("tensor '" + name + "': dimension " + llvm::Twine(k) +
                       " has a negative extent");
    for (const Tensor &t : tensors)
      for (size_t d = 0; d < t.indices.size(); ++d)
        if (t.indices[d] == indices[k] && t.shape[d] != shape[k])
          return userError("index '" + indices[k] + "' has extent " +
                           llvm::Twine(shape[k]) + " in '" + name + "' but " +
                           llvm::Twine(t.shape[d]) + " in '" + t.name + "'");
  }
  size_t bytes = size_t(elements(shape)) * dtypeSize(type);
  if (bytes && !data)
    return userError("tensor '" + name + "' has no data");
  Tensor t{name, indices, shape, std::vector<std::byte>(bytes)};
  if (bytes)
    std::memcpy(t.data.data(), data, bytes);
  tensors.push_back(std::move(t));
  return llvm::Error::success();
}

llvm::Error TensorNetwork::remove(const std::string &name) {
  Tensor *t = find(name);
  if (!t)
    return userError("the network has no tensor named '" + name + "'");
  tensors.erase(tensors.begin() + (t - tensors.data()));
  return llvm::Error::success();
}

std::vector<std::string> TensorNetwork::names() const {
  std::vector<std::string> out;
  for (const Tensor &t : tensors)
    out.push_back(t.name);
  return out;
}

bool TensorNetwork::contains(const std::string &name) const {
  return find(name) != nullptr;
}

const std::vector<std::string> &
TensorNetwork::indices(const std::string &name) const {
  static const std::vector<std::string> none;
  const Tensor *t = find(name);
  return t ? t->indices : none;
}

const Shape &TensorNetwork::shape(const std::string &name) const {
  static const Shape none;
  const Tensor *t = find(name);
  return t ? t->shape : none;
}

const void *TensorNetwork::data(const std::string &name) const {
  const Tensor *t = find(name);
  return t ? t->data.data() : nullptr;
}

std::vector<std::string> TensorNetwork::openIndices() const {
  std::map<std::string, int> holders;
  std::vector<std::string> order;
  for (const Tensor &t : tensors)
    for (const std::string &i : t.indices)
      if (holders[i]++ == 0)
        order.push_back(i);
  std::vector<std::string> open;
  for (const std::string &i : order)
    if (holders[i] == 1)
      open.push_back(i);
  return open;
}

llvm::Expected<Path> TensorNetwork::run(
    const std::string &expr, const std::vector<const Tensor *> &operands,
    const std::string &result, const std::vector<std::string> &indices,
    const CompileOptions &options) {
  std::vector<Shape> shapes;
  std::vector<const void *> inputs;
  for (const Tensor *t : operands) {
    shapes.push_back(t->shape);
    inputs.push_back(t->data.data());
  }
  auto kernel = jit->compile(expr, shapes, type, options);
  if (!kernel)
    return kernel.takeError();
  Tensor out{result, indices, kernel->outputShape(),
             std::vector<std::byte>(size_t(kernel->outputElements()) *
                                    dtypeSize(type))};
  if (llvm::Error err = (*kernel)(inputs, out.data.data()))
    return std::move(err);
  // The result takes the first operand's place; the others go.
  std::set<std::string> used;
  for (const Tensor *t : operands)
    used.insert(t->name);
  std::vector<Tensor> next;
  bool placed = false;
  for (Tensor &t : tensors) {
    if (!used.count(t.name)) {
      next.push_back(std::move(t));
    } else if (!placed) {
      next.push_back(std::move(out));
      placed = true;
    }
  }
  tensors = std::move(next);
  return kernel->path();
}

llvm::Error TensorNetwork::checkPair(const std::string &a, const std::string &b,
                                     const std::string &result) const {
  for (const std::string *name : {&a, &b})
    if (!find(*name))
      return userError("the network has no tensor named '" + *name + "'");
  if (a == b)
    return userError("cannot contract '" + a + "' with itself");
  if (result != a && result != b && find(result))
    return userError("the network already has a tensor named '" + result + "'");
  return llvm::Error::success();
}

llvm::Error TensorNetwork::contract(const std::string &a, const std::string &b,
                                    const std::string &result) {
  const Tensor *x = find(a), *y = find(b);
  if (llvm::Error err = checkPair(a, b, result))
    return err;
  // An index is summed when a and b are its only holders.
  auto heldElsewhere = [&](const std::string &index) {
    return llvm::any_of(tensors, [&](const Tensor &t) {
      return t.name != a && t.name != b && llvm::is_contained(t.indices, index);
    });
  };
  std::vector<std::string> kept;
  for (const Tensor *t : {x, y})
    for (const std::string &i : t->indices) {
      bool shared = llvm::is_contained(x->indices, i) &&
                    llvm::is_contained(y->indices, i);
      if ((!shared || heldElsewhere(i)) && !llvm::is_contained(kept, i))
        kept.push_back(i);
    }
  Letters letters;
  auto lx = letters.of(x->indices), ly = letters.of(y->indices),
       lo = letters.of(kept);
  if (!lx || !ly || !lo)
    return llvm::joinErrors(llvm::joinErrors(lx.takeError(), ly.takeError()),
                            lo.takeError());
  auto path = run(*lx + "," + *ly + "->" + *lo, {x, y}, result, kept, {});
  return path.takeError();
}

llvm::Error TensorNetwork::tensordot(const std::string &a, const std::string &b,
                                     const std::vector<unsigned> &axesA,
                                     const std::vector<unsigned> &axesB,
                                     const std::string &result) {
  const Tensor *x = find(a), *y = find(b);
  if (llvm::Error err = checkPair(a, b, result))
    return err;
  if (axesA.size() != axesB.size())
    return userError("tensordot pairs " + llvm::Twine(axesA.size()) +
                     " axes of '" + a + "' with " + llvm::Twine(axesB.size()) +
                     " of '" + b + "'");
  std::vector<bool> pairedA(x->indices.size()), pairedB(y->indices.size());
  // Letters: a's dimensions first; b's paired ones take their partner's.
  std::string la, lb(y->indices.size(), 0);
  static const char *alphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  if (x->indices.size() + y->indices.size() > 52)
    return userError("tensordot of tensors with more than 52 dimensions in "
                     "all is not supported");
  for (size_t d = 0; d < x->indices.size(); ++d)
    la.push_back(alphabet[d]);
  size_t next = x->indices.size();
  for (size_t k = 0; k < axesA.size(); ++k) {
    unsigned p = axesA[k], q = axesB[k];
    if (p >= x->indices.size() || q >= y->indices.size())
      return userError("tensordot axis " +
                       llvm::Twine(p >= x->indices.size() ? p : q) +
                       " is out of range for '" +
                       (p >= x->indices.size() ? a : b) + "' (rank " +
                       llvm::Twine(p >= x->indices.size() ? x->indices.size()
                                                          : y->indices.size()) +
                       ")");
    if (pairedA[p] || pairedB[q])
      return userError("tensordot axis " + llvm::Twine(pairedA[p] ? p : q) +
                       " of '" + (pairedA[p] ? a : b) + "' is paired twice");
    if (x->shape[p] != y->shape[q])
      return userError("tensordot pairs axis " + llvm::Twine(p) + " of '" + a +
                       "' (" + llvm::Twine(x->shape[p]) + ") with axis " +
                       llvm::Twine(q) + " of '" + b + "' (" +
                       llvm::Twine(y->shape[q]) + ")");
    pairedA[p] = pairedB[q] = true;
    lb[q] = la[p];
  }
  std::vector<std::string> kept;
  std::string out;
  for (size_t d = 0; d < x->indices.size(); ++d)
    if (!pairedA[d]) {
      kept.push_back(x->indices[d]);
      out.push_back(la[d]);
    }
  for (size_t d = 0; d < y->indices.size(); ++d) {
    if (pairedB[d])
      continue;
    if (llvm::is_contained(kept, y->indices[d]))
      return userError("index '" + y->indices[d] + "' of '" + b +
                       "' is also an unpaired index of '" + a +
                       "': the result would hold it twice (pair it or "
                       "rename it)");
    lb[d] = alphabet[next++];
    kept.push_back(y->indices[d]);
    out.push_back(lb[d]);
  }
  auto path = run(la + "," + lb + "->" + out, {x, y}, result, kept, {});
  return path.takeError();
}

llvm::Expected<std::string>
TensorNetwork::expression(const std::vector<std::string> &output) const {
  if (tensors.empty())
    return userError("the network has no tensors");
  std::vector<std::string> out = output.empty() ? openIndices() : output;
  std::set<std::string> seen;
  for (const std::string &i : out) {
    if (!seen.insert(i).second)
      return userError("output index '" + i + "' is given twice");
    if (llvm::none_of(tensors, [&](const Tensor &t) {
          return llvm::is_contained(t.indices, i);
        }))
      return userError("output index '" + i + "' is held by no tensor");
  }
  Letters letters;
  std::vector<std::string> terms;
  for (const Tensor &t : tensors) {
    auto term = letters.of(t.indices);
    if (!term)
      return term.takeError();
    terms.push_back(*term);
  }
  auto lo = letters.of(out);
  if (!lo)
    return lo.takeError();
  return llvm::join(terms, ",") + "->" + *lo;
}

llvm::Expected<Path>
TensorNetwork::contractAll(const std::string &result,
                           const std::vector<std::string> &output,
                           const CompileOptions &options) {
  auto expr = expression(output);
  if (!expr)
    return expr.takeError();
  // Every tensor is an operand, so any name may be reused for the result.
  std::vector<std::string> out = output.empty() ? openIndices() : output;
  std::vector<const Tensor *> operands;
  for (const Tensor &t : tensors)
    operands.push_back(&t);
  return run(*expr, operands, result, out, options);
}
