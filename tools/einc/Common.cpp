//===- Common.cpp - Shared pieces of the einc subcommands -----------------===//

#include "Common.h"
#include "einc/Error.h"

#include "dialect/Subscripts.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

using namespace einc;

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
                                text +
                                "' (expected e.g. 32x128x50,32x50x768)");
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
