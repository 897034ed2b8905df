//===- Explain.cpp - `einc explain EXPR --shapes ...` ---------------------===//
//
// The chosen contraction path as a table, like opt_einsum's path report, or
// as JSON (the contract: path, flops, naive_flops, largest_intermediate,
// sliced_indices, search_ms).
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "compiler/parser/Einsum.h"
#include "einc/Error.h"
#include "einc/Path.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace llvm;
using namespace einc;

cl::SubCommand
    explainCommand("explain",
                   "Show the contraction path chosen for an expression");
cl::OptionCategory einc::explainCategory(
    "einc explain EXPR (--shapes ...|--sizes ...) [options]");

namespace {
cl::OptionCategory &category = explainCategory;
cl::opt<std::string> expression(cl::Positional, cl::desc("EXPR"),
                                cl::sub(explainCommand), cl::cat(category));
cl::opt<std::string> shapesOpt("shapes", cl::sub(explainCommand),
                               cl::cat(category),
                               cl::desc("Operand shapes, e.g. 8x8,8x8"));
cl::opt<std::string> sizesOpt("sizes", cl::sub(explainCommand),
                              cl::cat(category),
                              cl::desc("Extents by label, e.g. i=8,j=16"));
cl::opt<std::string> dtypeOpt("dtype", cl::init("f32"), cl::sub(explainCommand),
                              cl::cat(category),
                              cl::desc("Element type (sizes --memory-limit)"));
cl::opt<bool> jsonOpt("json", cl::sub(explainCommand), cl::cat(category),
                      cl::desc("Print JSON instead of a table"));
PathFlags pathFlags(explainCommand, category);

/// An exact integer when it is one, else scientific notation.
std::string jsonNumber(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.007e15)
    return std::to_string(static_cast<int64_t>(v));
  std::string s;
  raw_string_ostream(s) << format("%.6e", v);
  return s;
}

std::string sci(double v) {
  std::string s;
  raw_string_ostream(s) << format("%.3e", v);
  return s;
}

void printTable(const ein::Path &p) {
  raw_ostream &os = outs();
  unsigned naiveScaling = 0, scaling = 0;
  std::string labels;
  for (char c : p.subscripts)
    if (mlir::ein::isLabel(c) && labels.find(c) == std::string::npos)
      labels.push_back(c);
  naiveScaling = labels.size();
  for (const ein::PathStepInfo &s : p.steps)
    scaling = std::max(scaling, s.scaling);
  auto row = [&](StringRef name, const Twine &value) {
    os << format("%22s", name.str().c_str()) << ":  " << value << "\n";
  };
  row("Complete contraction", p.subscripts);
  row("Algorithm", p.algorithm + (p.trials ? " (" + Twine(p.trials) + " trials)"
                                           : Twine("")));
  row("Search time", Twine(formatv("{0:f3}", p.searchMs).str()) + " ms");
  row("Naive scaling", Twine(naiveScaling));
  row("Optimized scaling", Twine(scaling));
  row("Naive FLOP count", sci(p.naiveFlops));
  row("Optimized FLOP count", sci(p.flops));
  row("Theoretical speedup",
      formatv("{0:f3}", p.flops > 0 ? p.naiveFlops / p.flops : 1.0).str());
  row("Largest intermediate", sci(p.largestIntermediate) + " elements");
  if (!p.slicedIndices.empty()) {
    row("Sliced indices", p.slicedIndices + " (" + sci(p.slices) + " slices)");
    row("Sliced FLOP count",
        sci(p.slicedFlops) + " (overhead " +
            formatv("{0:f3}", p.slicedFlops / p.flops).str() + "x)");
    row("Largest per slice", sci(p.slicedLargest) + " elements");
  }
  std::string rule(80, '-');
  os << rule << "\n"
     << format("%4s %7s %11s %11s  %-26s %s\n", "step", "scaling", "FLOPs",
               "size", "contraction", "operands")
     << rule << "\n";
  for (size_t k = 0; k < p.steps.size(); ++k) {
    const ein::PathStepInfo &s = p.steps[k];
    std::string ops = "(";
    for (size_t i = 0; i < s.operands.size(); ++i)
      ops += (i ? ", " : "") + std::to_string(s.operands[i]);
    ops += ")";
    os << format("%4zu %7u %11s %11s  %-26s %s\n", k + 1, s.scaling,
                 sci(s.flops).c_str(), sci(s.size).c_str(),
                 s.contraction.c_str(), ops.c_str());
  }
}

void printJson(const ein::Path &p) {
  raw_ostream &os = outs();
  os << "{\"path\": [";
  for (size_t k = 0; k < p.steps.size(); ++k) {
    os << (k ? ", " : "") << "[";
    for (size_t i = 0; i < p.steps[k].operands.size(); ++i)
      os << (i ? ", " : "") << p.steps[k].operands[i];
    os << "]";
  }
  os << "], \"flops\": " << jsonNumber(p.flops)
     << ", \"naive_flops\": " << jsonNumber(p.naiveFlops)
     << ", \"largest_intermediate\": " << jsonNumber(p.largestIntermediate)
     << ", \"sliced_indices\": [";
  for (size_t i = 0; i < p.slicedIndices.size(); ++i)
    os << (i ? ", " : "") << "\"" << p.slicedIndices[i] << "\"";
  os << "], \"sliced_flops\": " << jsonNumber(p.slicedFlops)
     << ", \"slices\": " << jsonNumber(p.slices)
     << ", \"search_ms\": " << formatv("{0:f3}", p.searchMs).str()
     << ", \"algorithm\": \"" << p.algorithm << "\""
     << ", \"subscripts\": \"" << p.subscripts << "\", \"steps\": [";
  for (size_t k = 0; k < p.steps.size(); ++k)
    os << (k ? ", " : "") << "{\"contraction\": \"" << p.steps[k].contraction
       << "\", \"flops\": " << jsonNumber(p.steps[k].flops)
       << ", \"size\": " << jsonNumber(p.steps[k].size)
       << ", \"scaling\": " << p.steps[k].scaling << "}";
  os << "]}\n";
}
} // namespace

int einc::runExplain(int argc, char **argv) {
  if (expression.empty())
    return reportError("missing EXPR (usage: einc explain EXPR --shapes "
                       "...)");
  std::optional<ein::DType> dtype = ein::parseDType(dtypeOpt);
  if (!dtype)
    return reportError("unsupported --dtype '" + dtypeOpt + "'");
  if (auto parsed = ein::parseEinsum(expression); !parsed)
    return reportError(parsed.takeError());
  auto shapes = staticShapes(expression, shapesOpt, sizesOpt, "explain");
  if (!shapes)
    return reportError(shapes.takeError());
  auto options = pathFlags.get(*dtype, /*deterministic=*/false);
  if (!options)
    return reportError(options.takeError());
  auto path = ein::findContractionPath(expression, *shapes, *options);
  if (!path)
    return reportError(path.takeError());
  if (jsonOpt)
    printJson(*path);
  else
    printTable(*path);
  return Success;
}
