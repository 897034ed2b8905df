//===- RandomEpilogueTest.cpp - Fused epilogues of packed contractions ----===//
//
// A randomized property test of the epilogues ein-gett computes on each
// finished block of C (bias, scale, activation). Programs of one packed
// contraction (random batch, row, column and summed label groups in random
// orders, edge extents) followed by an elementwise epilogue that reads a
// vector or matrix of random labels of the result, sometimes with the
// result transposed, are compiled and run on 1 and 2 threads and compared
// with the reference loop nest and the epilogue written out here. Every
// case must also have been fused: marked ein.gett_epilogue after the
// tensor pipeline and gone after ein-gett.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/codegen/Compile.h"
#include "compiler/codegen/ProgramBuilder.h"
#include "compiler/parser/Program.h"
#include "compiler/pipeline/Pipeline.h"
#include "einc/einc.h"
#include "test/support/RandomEinsum.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace ein::oracle;

/// The epilogues: what the program says, and what it computes.
enum Form { Relu, TanhScaled, Sigmoid, Transposed, Forms };

std::string commaList(const std::string &labels) {
  std::string s;
  for (char l : labels)
    s += std::string(s.empty() ? "" : ",") + l;
  return s;
}

std::string indexed(const char *name, const std::string &labels) {
  return std::string(name) + "[" + commaList(labels) + "]";
}

/// The module's text after the tensor pipeline and after ein-gett.
struct Stages {
  std::string linalg, gett;
};

Stages lowerProgram(const std::string &source,
                    const std::vector<ein::Shape> &shapes, ein::DType dtype) {
  Stages stages;
  llvm::Expected<ein::Program> program = ein::parseProgram(source);
  if (!program) {
    llvm::consumeError(program.takeError());
    return stages;
  }
  auto ctx = ein::createContext();
  std::vector<ein::Shape> outputs;
  auto module =
      ein::buildProgramModule(*ctx, *program, shapes, dtype, "prog", outputs);
  if (!module) {
    llvm::consumeError(module.takeError());
    return stages;
  }
  auto print = [&] {
    std::string text;
    llvm::raw_string_ostream os(text);
    (*module)->print(os);
    return text;
  };
  mlir::PassManager toLinalg(ctx.get());
  ein::buildEinToLinalgPipeline(toLinalg);
  if (mlir::failed(toLinalg.run(**module)))
    return stages;
  stages.linalg = print();
  mlir::PassManager gett(ctx.get());
  ein::buildBufferizationPipeline(gett);
  gett.addPass(mlir::ein::createEinGett());
  if (mlir::failed(gett.run(**module)))
    return stages;
  stages.gett = print();
  return stages;
}

TEST(RandomEpilogue, FusedEpiloguesMatchReference) {
  std::mt19937_64 rng(909);
  std::mt19937_64 values(31);
  auto pick = [&](std::vector<int64_t> options) {
    return options[std::uniform_int_distribution<size_t>(0, options.size() -
                                                                1)(rng)];
  };
  auto shuffled = [&](std::string s) {
    std::shuffle(s.begin(), s.end(), rng);
    return s;
  };
  ein::Jit jit;
  int cases = 0, failures = 0, transposedCases = 0;
  int perForm[Forms] = {};
  for (int n = 0; cases < 32 && n < 4000 && failures < 5; ++n) {
    std::string pool = "abcdefghijkl";
    auto take = [&](int64_t count) {
      std::string labels = pool.substr(0, count);
      pool.erase(0, count);
      return labels;
    };
    std::string batch = take(pick({0, 0, 1})), m = take(pick({1, 1, 2})),
                cols = take(pick({1, 1, 2})), k = take(pick({1, 1, 2}));
    std::map<char, int64_t> extent;
    for (char l : batch + m + cols + k)
      extent[l] = pick({1, 2, 3, 5, 17});
    extent[m.back()] = pick({3, 17, 65, 127});
    extent[cols.back()] = pick({5, 17, 33, 100, 129});
    extent[k.back()] = pick({7, 31, 130, 300});
    auto form = Form(pick({Relu, TanhScaled, Sigmoid, Transposed}));
    auto dtype = ein::DType(
        form == Transposed ? pick({ein::f32, ein::f64, ein::c64, ein::c128})
                           : pick({ein::f32, ein::f64}));
    std::string a = shuffled(batch + m + k), b = shuffled(batch + k + cols);
    if (pick({0, 1}))
      std::swap(a, b);
    // C ends with a column, as ein-gett wants; Y may be C transposed.
    std::string c = shuffled(batch + m + cols.substr(1)) + cols[0];
    std::string y = form == Transposed ? shuffled(c) : c;
    // The epilogue's operand: one or two labels of the result, any order.
    std::string s = shuffled(c).substr(0, pick({1, 1, 2}));
    auto shapeOf = [&](const std::string &labels) {
      ein::Shape shape;
      for (char l : labels)
        shape.push_back(extent[l]);
      return shape;
    };
    Case contraction;
    contraction.expr = a + "," + b + "->" + c;
    contraction.shapes = {shapeOf(a), shapeOf(b)};
    contraction.dtype = dtype;
    Einsum e = interpret(contraction.expr, contraction.shapes);
    int64_t work = iterations(e, contraction.shapes);
    if (work < (int64_t(1) << 15) || work > (int64_t(3) << 19))
      continue;

    std::string ab = indexed("A", a) + " * " + indexed("B", b);
    std::string source = "in " + indexed("A", a) + ", " + indexed("B", b) +
                         ", " + indexed("v", s) + " : " +
                         ein::dtypeName(dtype) + "\n";
    switch (form) {
    case Relu:
      source +=
          indexed("Y", y) + " = relu(" + ab + " + " + indexed("v", s) + ")\n";
      break;
    case TanhScaled:
      source +=
          indexed("Y", y) + " = tanh(" + ab + ") * " + indexed("v", s) + "\n";
      break;
    case Sigmoid:
      source += indexed("Y", y) + " = sigmoid(" + ab + " - " + indexed("v", s) +
                ")\n";
      break;
    default:
      source += indexed("C", c) + " = " + ab + "\n" + indexed("Y", y) + " = " +
                indexed("C", c) + " * 0.5 + " + indexed("v", s) + "\n";
      break;
    }
    source += "out Y\n";
    ++cases;
    ++perForm[form];
    transposedCases += y != c;
    std::string describe = "program\n" + source + "extents";
    for (auto [l, x] : extent)
      describe += std::string(" ") + l + "=" + std::to_string(x);

    std::vector<ein::Shape> shapes = {shapeOf(a), shapeOf(b), shapeOf(s)};
    Stages stages = lowerProgram(source, shapes, dtype);
    if (stages.linalg.find("ein.gett_epilogue") == std::string::npos ||
        stages.gett.empty() ||
        stages.gett.find("ein.gett_epilogue") != std::string::npos) {
      ++failures;
      ADD_FAILURE() << describe << "\nis not fused into ein-gett";
      continue;
    }

    Case all;
    all.shapes = shapes;
    all.dtype = dtype;
    Inputs in = makeInputs(all, values);
    Expected want =
        reference(e, contraction.shapes, {in.values[0], in.values[1]});
    auto offsetIn = [&](const std::string &labels,
                        const std::map<char, int64_t> &at) {
      int64_t offset = 0;
      for (char l : labels)
        offset = offset * extent[l] + at.at(l);
      return offset;
    };
    auto compiled = jit.compileProgram(
        source, {{"A", shapes[0]}, {"B", shapes[1]}, {"v", shapes[2]}});
    if (!compiled) {
      ++failures;
      ADD_FAILURE() << describe << "\ncompile failed: "
                    << llvm::toString(compiled.takeError());
      continue;
    }
    int64_t count = product(shapeOf(y));
    size_t size = ein::dtypeSize(dtype);
    double tol = dtype == ein::f32 || dtype == ein::c64 ? 1e-5 : 1e-12;
    for (int threads : {1, 2}) {
      ein::setNumThreads(threads);
      GuardedBytes out(count * size, 0x5a);
      if (llvm::Error err = (*compiled)(
              {in.bytes[0].data(), in.bytes[1].data(), in.bytes[2].data()},
              {out.data()})) {
        ++failures;
        ADD_FAILURE() << describe
                      << "\nrun failed: " << llvm::toString(std::move(err));
        break;
      }
      // Walk Y's elements in order, with the label values they stand for.
      std::map<char, int64_t> at;
      for (char l : y)
        at[l] = 0;
      std::string problem;
      for (int64_t i = 0; i < count && problem.empty(); ++i) {
        int64_t ci = offsetIn(c, at);
        Complex p = want.values[ci], v = in.values[2][offsetIn(s, at)];
        Complex expect;
        switch (form) {
        case Relu:
          expect = std::max((p + v).real(), 0.0);
          break;
        case TanhScaled:
          expect = std::tanh(p.real()) * v.real();
          break;
        case Sigmoid:
          expect = 1 / (1 + std::exp(-(p - v).real()));
          break;
        default:
          expect = p * 0.5 + v;
          break;
        }
        Complex got = load(dtype, out.data() + i * size);
        double err = std::abs(got - expect);
        if (err > tol * (want.magnitude[ci] + std::abs(v) + 1)) {
          char buf[160];
          std::snprintf(buf, sizeof(buf),
                        "element %lld: got (%.9g, %.9g), want (%.9g, %.9g)",
                        (long long)i, got.real(), got.imag(), expect.real(),
                        expect.imag());
          problem = buf;
        }
        for (size_t d = y.size(); d-- > 0;) {
          if (++at[y[d]] < extent[y[d]])
            break;
          at[y[d]] = 0;
        }
      }
      if (!problem.empty()) {
        ++failures;
        ADD_FAILURE() << describe << "\non " << threads
                      << " threads: " << problem;
        break;
      }
    }
  }
  ein::setNumThreads(0);
  std::printf("fused epilogues: %d cases (relu %d, tanh %d, sigmoid %d, "
              "transposed result %d of %d)\n",
              cases, perForm[Relu], perForm[TanhScaled], perForm[Sigmoid],
              transposedCases, perForm[Transposed]);
  EXPECT_EQ(cases, 32);
  EXPECT_GT(transposedCases, 3);
}

} // namespace
