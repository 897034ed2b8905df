//===- EinsumPaths.cpp - Contraction trees of einsum expressions ----------===//

#include "compiler/path/EinsumPaths.h"
#include "compiler/parser/Einsum.h"

using namespace ein;
using mlir::ein::Subscripts;

std::vector<Subscripts> ein::treeSubscripts(const Subscripts &s,
                                            const Network &net,
                                            const ContractionTree &tree) {
  if (s.inputs.size() < 2)
    return {s};
  PathCost cost = evaluate(net, tree);
  std::vector<std::string> labels(s.inputs.begin(), s.inputs.end());
  std::vector<Subscripts> steps;
  for (size_t k = 0; k < cost.steps.size(); ++k) {
    const PathStep &step = cost.steps[k];
    Subscripts sub;
    sub.inputs = {labels[step.lhs], labels[step.rhs]};
    if (k + 1 == cost.steps.size()) {
      sub.output = s.output;
    } else {
      for (char c : labels[step.lhs] + labels[step.rhs]) {
        unsigned index = net.labels.find(c);
        if (step.result.contains(index) &&
            sub.output.find(c) == std::string::npos)
          sub.output.push_back(c);
      }
    }
    labels.push_back(sub.output);
    steps.push_back(std::move(sub));
  }
  return steps;
}

llvm::Expected<PathResult>
ein::findEinsumPath(const Subscripts &s, const mlir::ein::LabelExtents &extents,
                    const PathOptions &options, Network *networkOut) {
  Network net = Network::fromSubscripts(s, extents);
  auto result = findPath(net, options);
  if (networkOut)
    *networkOut = std::move(net);
  return result;
}

std::vector<std::vector<unsigned>> Path::optEinsumPath() const {
  std::vector<std::vector<unsigned>> path;
  for (const PathStepInfo &step : steps)
    path.push_back(step.operands);
  return path;
}

llvm::Expected<Path>
ein::findContractionPath(llvm::StringRef expr,
                         const std::vector<std::vector<int64_t>> &shapes,
                         const PathOptions &options) {
  std::vector<llvm::SmallVector<int64_t>> operandShapes;
  for (const auto &shape : shapes)
    operandShapes.emplace_back(shape.begin(), shape.end());
  auto problem = resolveEinsum(expr, operandShapes, f32);
  if (!problem)
    return problem.takeError();
  Network net;
  auto found =
      findEinsumPath(problem->subscripts, problem->extents, options, &net);
  if (!found)
    return found.takeError();
  return describePath(problem->subscripts, net, *found);
}

Path ein::describePath(const Subscripts &s, const Network &net,
                       const PathResult &result) {
  Path path;
  path.subscripts = s.str();
  path.flops = result.cost.flops;
  path.naiveFlops = result.cost.naiveFlops;
  path.largestIntermediate = result.cost.largestIntermediate;
  path.slicedIndices = net.str(result.sliced);
  path.slices = result.slices;
  path.slicedFlops = result.slicedFlops;
  path.slicedLargest = result.slicedLargest;
  path.searchMs = result.searchMs;
  path.algorithm = algorithmName(result.algorithm);
  path.trials = result.trials;
  std::vector<Subscripts> steps = treeSubscripts(s, net, result.tree);
  for (size_t k = 0; k < result.cost.steps.size(); ++k) {
    PathStepInfo info;
    info.contraction = steps[k].str();
    info.operands = result.cost.optEinsumPath[k];
    info.flops = result.cost.steps[k].flops;
    info.size = result.cost.steps[k].size;
    info.scaling = result.cost.steps[k].scaling;
    path.steps.push_back(std::move(info));
  }
  return path;
}
