// RUN: ein-opt %s --ein-emit-c-entry-point | FileCheck %s
// The C entry point builds contiguous memref descriptors: static extents
// become constants, dynamic ones come from the size arguments, and strides
// are running products from the innermost dimension.

// CHECK-LABEL: llvm.func internal @k_impl
// CHECK-LABEL: llvm.func @k(
// CHECK-SAME: %[[IN:.*]]: !llvm.ptr, %[[OUT:.*]]: !llvm.ptr, %[[N:.*]]: i64)
// CHECK-DAG: %[[ONE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-DAG: %[[FOUR:.*]] = llvm.mlir.constant(4 : i64) : i64
// CHECK: %[[S0:.*]] = llvm.mul %[[ONE]], %[[FOUR]] : i64
// CHECK: %[[ZERO:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: llvm.call @k_impl(%[[IN]], %[[IN]], %[[ZERO]], %[[N]], %[[FOUR]], %[[S0]], %[[ONE]], %[[OUT]], %[[OUT]], %[[ZERO]], %[[N]], %[[ONE]])
llvm.func @k(%0: !llvm.ptr, %1: !llvm.ptr, %2: i64, %3: i64, %4: i64, %5: i64, %6: i64, %7: !llvm.ptr, %8: !llvm.ptr, %9: i64, %10: i64, %11: i64) attributes {ein.entry_sizes = [array<i64: -1, 4>, array<i64: -1>]} {
  llvm.return
}
