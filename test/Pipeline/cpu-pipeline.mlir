// RUN: ein-opt %s --ein-cpu-pipeline | FileCheck %s
// The whole CPU pipeline ends in the LLVM dialect with an internal
// implementation and a C entry point taking bare pointers and one i64 per
// dynamic label.

// CHECK-LABEL: llvm.func internal @static_impl
// CHECK-NOT: ein.contract
// CHECK-NOT: linalg.
// CHECK-LABEL: llvm.func @static(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK: llvm.call @static_impl
func.func @static(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> attributes {ein.entry_sizes = [array<i64: 2, 3>, array<i64: 3, 4>, array<i64: 2, 4>]} {
  %0 = ein.contract "ij,jk->ik" %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// Intermediates of a chain are allocated and freed inside, through the
// runtime's guarded allocator (out of memory is an error of the call).
// CHECK-LABEL: llvm.func internal @dynamic_impl
// CHECK: llvm.call @_mlir_memref_to_llvm_{{(aligned_)?}}alloc
// CHECK: llvm.call @_mlir_memref_to_llvm_free
// CHECK-LABEL: llvm.func @dynamic(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64)
func.func @dynamic(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>, %c: tensor<?x?xf64>) -> tensor<?x?xf64> attributes {ein.entry_sizes = [array<i64: -1, -2>, array<i64: -2, -3>, array<i64: -3, -4>, array<i64: -1, -4>]} {
  %0 = ein.contract "ij,jk,kl->il" %a, %b, %c : (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?x?xf64>) -> tensor<?x?xf64>
  return %0 : tensor<?x?xf64>
}
