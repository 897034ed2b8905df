//===- Common.cpp - Shared pieces of the einc subcommands -----------------===//

#include "Common.h"
#include "compiler/parser/Einsum.h"
#include "einc/Error.h"

#include "dialect/Subscripts.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <unistd.h>

using namespace einc;
using namespace llvm;

int einc::reportError(const llvm::Twine &message, ExitCode code) {
  llvm::errs() << "einc: error: " << message << "\n";
  return code;
}

int einc::reportError(llvm::Error error, ExitCode code) {
  std::string carets;
  std::string message;
  llvm::handleAllErrors(
      std::move(error),
      [&](const ein::ExprError &e) {
        message = e.reason();
        carets = e.caretLines();
      },
      [&](const llvm::ErrorInfoBase &e) { message = e.message(); });
  llvm::errs() << "einc: error: " << message << "\n";
  if (!carets.empty())
    llvm::errs() << carets << "\n";
  return code;
}

llvm::Expected<std::vector<llvm::SmallVector<int64_t>>>
einc::parseShapeList(llvm::StringRef text) {
  std::vector<llvm::SmallVector<int64_t>> shapes;
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, ',');
  for (llvm::StringRef part : parts) {
    part = part.trim();
    llvm::SmallVector<int64_t> shape;
    if (!part.empty() && part != "()") {
      llvm::SmallVector<llvm::StringRef> dims;
      part.split(dims, 'x');
      for (llvm::StringRef d : dims) {
        d = d.trim();
        uint64_t v;
        if (d == "?") {
          shape.push_back(mlir::ein::kDynamicExtent);
          continue;
        }
        if (d.getAsInteger(10, v) || v > (uint64_t(1) << 62))
          return ein::userError("invalid extent '" + d + "' in --shapes '" +
                                text + "' (expected e.g. 32x128x50,32x50x768)");
        shape.push_back(static_cast<int64_t>(v));
      }
    }
    shapes.push_back(std::move(shape));
  }
  return shapes;
}

llvm::Expected<std::array<int64_t, 128>>
einc::parseSizes(llvm::StringRef text) {
  std::array<int64_t, 128> sizes;
  sizes.fill(-1);
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef part : parts) {
    auto [label, value] = part.trim().split('=');
    label = label.trim();
    value = value.trim();
    uint64_t v;
    if (label.size() != 1 || !mlir::ein::isLabel(label[0]))
      return ein::userError("invalid label '" + label + "' in --sizes '" +
                            text + "' (expected e.g. b=32,i=128)");
    if (value.getAsInteger(10, v) || v > (uint64_t(1) << 62))
      return ein::userError("invalid extent '" + value + "' for '" + label +
                            "' in --sizes '" + text + "'");
    sizes[label[0]] = static_cast<int64_t>(v);
  }
  return sizes;
}

std::string einc::formatBytes(double bytes) {
  const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) {
    bytes /= 1024;
    ++u;
  }
  std::string s;
  llvm::raw_string_ostream os(s);
  if (u == 0)
    os << static_cast<uint64_t>(bytes) << " bytes";
  else
    os << llvm::format("%.1f %s", bytes, units[u]);
  return s;
}

uint64_t einc::physicalMemory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0)
    return UINT64_MAX;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
}

PathFlags::PathFlags(llvm::cl::SubCommand &sub,
                     llvm::cl::OptionCategory &category)
    : optimize("optimize", llvm::cl::init("auto"), llvm::cl::sub(sub),
               llvm::cl::cat(category),
               llvm::cl::desc("Contraction order: auto|optimal|greedy|hyper|"
                              "left-to-right")),
      minimize("minimize", llvm::cl::init("flops"), llvm::cl::sub(sub),
               llvm::cl::cat(category),
               llvm::cl::desc("What the order minimises: "
                              "flops|size|write|combo")),
      memoryLimit("memory-limit", llvm::cl::sub(sub), llvm::cl::cat(category),
                  llvm::cl::desc("e.g. 512MiB. run: everything held at "
                                 "once (sliced to fit, else refused); "
                                 "explain/codegen: the largest "
                                 "intermediate")),
      maxTime("max-time", llvm::cl::init(1.0), llvm::cl::sub(sub),
              llvm::cl::cat(category),
              llvm::cl::desc("Time budget of the hyper search in seconds")),
      seed("seed", llvm::cl::init(0), llvm::cl::sub(sub),
           llvm::cl::cat(category),
           llvm::cl::desc("Seed of the randomised searches")) {}

llvm::Expected<ein::PathOptions> PathFlags::get(ein::DType dtype,
                                                bool deterministic) const {
  ein::PathOptions options;
  std::optional<ein::PathAlgorithm> algorithm;
  for (ein::PathAlgorithm a :
       {ein::PathAlgorithm::Auto, ein::PathAlgorithm::Optimal,
        ein::PathAlgorithm::Greedy, ein::PathAlgorithm::Hyper,
        ein::PathAlgorithm::LeftToRight})
    if (optimize == ein::algorithmName(a))
      algorithm = a;
  if (!algorithm)
    return ein::userError("unknown --optimize '" + optimize +
                          "' (use auto, optimal, greedy, hyper or "
                          "left-to-right)");
  std::optional<ein::PathObjective> objective;
  for (ein::PathObjective o :
       {ein::PathObjective::Flops, ein::PathObjective::Size,
        ein::PathObjective::Write, ein::PathObjective::Combo})
    if (minimize == ein::objectiveName(o))
      objective = o;
  if (!objective)
    return ein::userError("unknown --minimize '" + minimize +
                          "' (use flops, size, write or combo)");
  if (!(maxTime > 0) || maxTime > 3600)
    return ein::userError("--max-time must be between 0 and 3600 seconds");
  options.algorithm = *algorithm;
  options.minimize = *objective;
  options.maxTimeSeconds = maxTime;
  options.seed = seed;
  // Reproducible by default: hyper stops after a fixed number of trials,
  // unless the user asked for a time budget.
  if (deterministic && maxTime.getNumOccurrences() == 0)
    options.maxTrials = 256;
  if (!memoryLimit.empty()) {
    auto bytes = parseBytes(memoryLimit);
    if (!bytes)
      return bytes.takeError();
    options.memoryLimit = std::floor(*bytes / double(ein::dtypeSize(dtype)));
    if (options.memoryLimit < 1)
      return ein::userError("--memory-limit " + memoryLimit +
                            " is smaller than one element");
  }
  return options;
}

llvm::Expected<double> einc::parseBytes(llvm::StringRef text) {
  llvm::StringRef t = text.trim();
  size_t split = t.find_first_not_of("0123456789.eE+");
  llvm::StringRef number = t.substr(0, split),
                  unit = t.substr(std::min(split, t.size())).trim();
  double value;
  if (number.empty() || number.getAsDouble(value) || value < 0)
    return ein::userError("invalid size '" + text +
                          "' (expected e.g. 512MiB, 2GB or 1e9)");
  double scale;
  std::string u = unit.lower();
  if (u.empty() || u == "b")
    scale = 1;
  else if (u == "kb")
    scale = 1e3;
  else if (u == "mb")
    scale = 1e6;
  else if (u == "gb")
    scale = 1e9;
  else if (u == "tb")
    scale = 1e12;
  else if (u == "kib" || u == "k")
    scale = 1024.0;
  else if (u == "mib" || u == "m")
    scale = 1024.0 * 1024;
  else if (u == "gib" || u == "g")
    scale = 1024.0 * 1024 * 1024;
  else if (u == "tib" || u == "t")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else
    return ein::userError("unknown unit '" + unit + "' in '" + text +
                          "' (use B, KB, MB, GB, KiB, MiB, GiB)");
  return value * scale;
}

Expected<std::vector<std::vector<int64_t>>>
einc::staticShapes(StringRef expression, StringRef shapesText,
                   StringRef sizesText, StringRef command) {
  if (!shapesText.empty() && !sizesText.empty())
    return ein::userError("give either --shapes or --sizes, not both");
  if (shapesText.empty() && sizesText.empty())
    return ein::userError("einc " + command + " needs --shapes or --sizes");
  std::vector<std::vector<int64_t>> shapes;
  if (!shapesText.empty()) {
    auto parsed = parseShapeList(shapesText);
    if (!parsed)
      return parsed.takeError();
    for (const auto &s : *parsed) {
      for (int64_t d : s)
        if (d < 0)
          return ein::userError("einc " + command +
                                " needs static shapes ('?' is not allowed)");
      shapes.emplace_back(s.begin(), s.end());
    }
    return shapes;
  }
  auto sizes = parseSizes(sizesText);
  if (!sizes)
    return sizes.takeError();
  auto dynamic = ein::resolveEinsumDynamic(expression, ein::f32);
  if (!dynamic)
    return dynamic.takeError();
  std::string labels = dynamic->subscripts.labels();
  for (char c : labels)
    if ((*sizes)[c] < 0)
      return ein::userError("--sizes gives no extent for '" + Twine(c) + "'");
  for (int c = 0; c < 128; ++c)
    if ((*sizes)[c] >= 0 && labels.find(char(c)) == std::string::npos)
      return ein::userError("--sizes gives an extent for '" + Twine(char(c)) +
                            "', which the expression does not use");
  for (const std::string &in : dynamic->subscripts.inputs) {
    std::vector<int64_t> shape;
    for (char c : in)
      shape.push_back((*sizes)[c]);
    shapes.push_back(shape);
  }
  return shapes;
}
