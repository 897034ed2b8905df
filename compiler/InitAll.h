//===- InitAll.h - Register what Einc's tools use ---------------*- C++ -*-===//

#ifndef EINC_INITALL_H
#define EINC_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace ein {

/// Registers the ein dialect, every upstream dialect our pipelines produce,
/// their interface models, and the LLVM IR translations.
void registerEinDialects(mlir::DialectRegistry &registry);

/// Registers our passes and pipelines (and upstream passes) for the
/// command line of ein-opt and einc.
void registerAllEinPasses();

} // namespace ein

#endif // EINC_INITALL_H
