//===- ProgramExamples.h - Programs run on two targets and compared -------===//
//
// Index-notation programs without decompositions (softmax's reductions
// and maps, contractions with epilogues, unfused attention, norms, scalar
// constants, constructors and random tensors), and a
// check that runs one compiled with given options against the CPU's code
// on the same random inputs. Used by the GPU's emulated and on-device
// tests.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_TEST_SUPPORT_PROGRAMEXAMPLES_H
#define EINC_TEST_SUPPORT_PROGRAMEXAMPLES_H

#include "einc/einc.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace ein::oracle {

struct ProgramExample {
  const char *source;
  std::map<std::string, ein::Shape> shapes;
};

inline std::vector<ProgramExample> programExamples() {
  return {
      {"in Q[b,i,d], K[b,j,d], V[b,j,d] : f32\n"
       "S[b,i,j] = Q[b,i,d] * K[b,j,d] * 0.125\n"
       "P[b,i,j] = softmax[j](S[b,i,j])\n"
       "O[b,i,d] = P[b,i,j] * V[b,j,d]\nout O",
       {{"Q", {2, 70, 32}}, {"K", {2, 50, 32}}, {"V", {2, 50, 32}}}},
      {"in X[n,i], W1[i,h], b1[h], W2[h,o], b2[o] : f32\n"
       "H[n,h] = relu(X[n,i] * W1[i,h] + b1[h])\n"
       "Y[n,o] = H[n,h] * W2[h,o] + b2[o]\nout Y",
       {{"X", {40, 33}},
        {"W1", {33, 65}},
        {"b1", {65}},
        {"W2", {65, 17}},
        {"b2", {17}}}},
      {"in E[a,k], F[b,k] : f64\n"
       "C[a,b] = sum[k](E[a,k] * F[b,k]) / sqrt(sum[k](E[a,k] * E[a,k]) * "
       "sum[k](F[b,k] * F[b,k]))\n"
       "best[a] = max[b](C[a,b])\nout C, best",
       {{"E", {20, 24}}, {"F", {30, 24}}}},
      {"in X[n,f] : f32\n"
       "mu[n] = mean[f](X[n,f])\n"
       "D[n,f] = X[n,f] - mu[n]\n"
       "Y[n,f] = D[n,f] / sqrt(mean[f](D[n,f] * D[n,f]) + 0.00001)\n"
       "out Y, mu",
       {{"X", {9, 40}}}},
      // Two attention layers, the second on the first's output.
      {"in Q[i,d], K[j,d], V[j,d], K2[k,d], V2[k,d] : f32\n"
       "S[i,j] = Q[i,d] * K[j,d] * 0.25\n"
       "O[i,d] = softmax[j](S[i,j]) * V[j,d]\n"
       "T[i,k] = O[i,d] * K2[k,d]\n"
       "O2[i,d] = softmax[k](T[i,k]) * V2[k,d]\nout O2",
       {{"Q", {70, 16}},
        {"K", {40, 16}},
        {"V", {40, 16}},
        {"K2", {33, 16}},
        {"V2", {33, 16}}}},
      {"in v[i], A[i,j] : f64\n"
       "D[i,j] = v[i] * eye(i, j) + A[i,j]\n"
       "r[k:5] = 0.5 + 0.25 * arange(k)\n"
       "No[m:3, c:4] = normal(m, c, seed=7, mean=1, std=2)\n"
       "out D, r, No",
       {{"v", {5}}, {"A", {5, 5}}}},
  };
}

/// Runs `kernel` (f32 or f64) on random inputs in [-1, 1] from `seed`;
/// the outputs as doubles, or empty with `error` set.
inline std::vector<std::vector<double>>
runOnRandomInputs(const ein::ProgramKernel &kernel, uint64_t seed,
                  std::string &error) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(-1, 1);
  bool f64 = kernel.dtype() == ein::f64;
  size_t size = f64 ? 8 : 4;
  auto count = [](const ein::Shape &s) {
    int64_t n = 1;
    for (int64_t d : s)
      n *= d;
    return size_t(n);
  };
  std::vector<std::vector<char>> in, out;
  std::vector<const void *> inputs;
  std::vector<void *> outputs;
  for (const ein::Shape &s : kernel.inputShapes()) {
    in.emplace_back(count(s) * size);
    for (size_t k = 0; k < count(s); ++k) {
      double v = unit(rng);
      float f = float(v);
      if (f64)
        std::memcpy(in.back().data() + k * 8, &v, 8);
      else
        std::memcpy(in.back().data() + k * 4, &f, 4);
    }
    inputs.push_back(in.back().data());
  }
  for (const ein::Shape &s : kernel.outputShapes()) {
    out.emplace_back(count(s) * size + 1);
    outputs.push_back(out.back().data());
  }
  if (llvm::Error err = kernel(inputs, outputs)) {
    error = llvm::toString(std::move(err));
    return {};
  }
  std::vector<std::vector<double>> values;
  for (size_t o = 0; o < out.size(); ++o) {
    values.emplace_back();
    for (size_t k = 0; k < count(kernel.outputShapes()[o]); ++k) {
      double v = 0;
      float f = 0;
      if (f64) {
        std::memcpy(&v, out[o].data() + k * 8, 8);
      } else {
        std::memcpy(&f, out[o].data() + k * 4, 4);
        v = f;
      }
      values.back().push_back(v);
    }
  }
  return values;
}

/// Compiles `e` for the CPU and with `options`, runs both on the same
/// inputs and compares them (relative 2e-5 in f32, 1e-12 in f64); "" when
/// they agree, else what differs.
inline std::string compareWithCPU(ein::Jit &jit, const ProgramExample &e,
                                  const ein::CompileOptions &options) {
  auto cpu = jit.compileProgram(e.source, e.shapes);
  if (!cpu)
    return "CPU compile failed: " + llvm::toString(cpu.takeError());
  auto other = jit.compileProgram(e.source, e.shapes, ein::f32, options);
  if (!other)
    return "compile failed: " + llvm::toString(other.takeError());
  std::string error;
  auto want = runOnRandomInputs(*cpu, 100, error);
  if (!error.empty())
    return "CPU run failed: " + error;
  auto got = runOnRandomInputs(*other, 100, error);
  if (!error.empty())
    return "run failed: " + error;
  if (got.size() != want.size())
    return std::to_string(got.size()) + " outputs, want " +
           std::to_string(want.size());
  double tol = cpu->dtype() == ein::f64 ? 1e-12 : 2e-5;
  for (size_t o = 0; o < want.size(); ++o)
    for (size_t k = 0; k < want[o].size(); ++k)
      if (!(std::abs(got[o][k] - want[o][k]) <=
            tol * (1 + std::abs(want[o][k]))))
        return "output " + std::to_string(o) + " element " + std::to_string(k) +
               ": got " + std::to_string(got[o][k]) + ", want " +
               std::to_string(want[o][k]);
  return "";
}

} // namespace ein::oracle

#endif // EINC_TEST_SUPPORT_PROGRAMEXAMPLES_H
