//===- IndexSet.h - Sets of tensor-network indices --------------*- C++ -*-===//
//
// A small dynamic bitset: networks built from einsum strings have at most 52
// indices, but the path search also serves networks with hundreds (random
// regular graphs, lattices), so the width is not fixed.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_PATH_INDEXSET_H
#define EINC_PATH_INDEXSET_H

#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace ein {

class IndexSet {
public:
  IndexSet() = default;
  explicit IndexSet(unsigned numIndices) : words((numIndices + 63) / 64, 0) {}

  void insert(unsigned i) { words[i / 64] |= uint64_t(1) << (i % 64); }
  bool contains(unsigned i) const { return (words[i / 64] >> (i % 64)) & 1; }
  bool empty() const {
    for (uint64_t w : words)
      if (w)
        return false;
    return true;
  }
  unsigned count() const {
    unsigned n = 0;
    for (uint64_t w : words)
      n += __builtin_popcountll(w);
    return n;
  }
  bool intersects(const IndexSet &o) const {
    for (size_t i = 0; i < words.size(); ++i)
      if (words[i] & o.words[i])
        return true;
    return false;
  }
  bool isSubsetOf(const IndexSet &o) const {
    for (size_t i = 0; i < words.size(); ++i)
      if (words[i] & ~o.words[i])
        return false;
    return true;
  }
  IndexSet &operator|=(const IndexSet &o) {
    for (size_t i = 0; i < words.size(); ++i)
      words[i] |= o.words[i];
    return *this;
  }
  IndexSet &operator&=(const IndexSet &o) {
    for (size_t i = 0; i < words.size(); ++i)
      words[i] &= o.words[i];
    return *this;
  }
  /// Removes every index of `o`.
  IndexSet &subtract(const IndexSet &o) {
    for (size_t i = 0; i < words.size(); ++i)
      words[i] &= ~o.words[i];
    return *this;
  }
  friend IndexSet operator|(IndexSet a, const IndexSet &b) { return a |= b; }
  friend IndexSet operator&(IndexSet a, const IndexSet &b) { return a &= b; }
  friend IndexSet minus(IndexSet a, const IndexSet &b) { return a.subtract(b); }
  bool operator==(const IndexSet &o) const { return words == o.words; }
  bool operator!=(const IndexSet &o) const { return !(*this == o); }

  /// Calls `f(i)` for every index in the set, in increasing order.
  template <typename F> void forEach(F f) const {
    for (size_t w = 0; w < words.size(); ++w)
      for (uint64_t bits = words[w]; bits; bits &= bits - 1)
        f(unsigned(w * 64 + __builtin_ctzll(bits)));
  }

  llvm::hash_code hash() const {
    return llvm::hash_combine_range(words.begin(), words.end());
  }

private:
  llvm::SmallVector<uint64_t, 1> words;
};

} // namespace ein

#endif // EINC_PATH_INDEXSET_H
