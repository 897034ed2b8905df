//===- Path.cpp - Contraction orders --------------------------------------===//

#include "compiler/path/Path.h"

using mlir::ein::Subscripts;

std::vector<Subscripts> ein::leftToRightSteps(const Subscripts &s) {
  size_t n = s.inputs.size();
  if (n < 3)
    return {s};
  std::vector<Subscripts> steps;
  std::string acc = s.inputs[0];
  for (size_t k = 1; k < n; ++k) {
    Subscripts step;
    step.inputs = {acc, s.inputs[k]};
    if (k + 1 == n) {
      step.output = s.output;
    } else {
      // Keep the labels that a later operand or the output still needs.
      std::array<bool, 128> needed{};
      for (size_t j = k + 1; j < n; ++j)
        for (char c : s.inputs[j])
          needed[c] = true;
      for (char c : s.output)
        needed[c] = true;
      for (char c : acc + s.inputs[k])
        if (needed[c] && step.output.find(c) == std::string::npos)
          step.output.push_back(c);
    }
    acc = step.output;
    steps.push_back(std::move(step));
  }
  return steps;
}
