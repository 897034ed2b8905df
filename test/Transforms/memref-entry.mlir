// RUN: ein-opt %s --ein-memref-entry | FileCheck %s
// Entry functions take memrefs and write the result into the last one.

// CHECK-LABEL: func.func @einsum
// CHECK-SAME: (%[[A:.*]]: memref<2x3xf32>, %[[OUT:.*]]: memref<3x2xf32>)
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[A]] restrict : memref<2x3xf32> to tensor<2x3xf32>
// CHECK: %[[R:.*]] = ein.contract "ij->ji" %[[T]]
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[OUT]]
// CHECK: return
// CHECK-NOT: tensor<3x2xf32> {
func.func @einsum(%a: tensor<2x3xf32>) -> tensor<3x2xf32> attributes {ein.entry_sizes = [array<i64: 2, 3>, array<i64: 3, 2>]} {
  %0 = ein.contract "ij->ji" %a : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// Functions without ein.entry_sizes are not entries.
// CHECK-LABEL: func.func @helper(%{{.*}}: tensor<2xf32>) -> tensor<2xf32>
func.func @helper(%a: tensor<2xf32>) -> tensor<2xf32> {
  return %a : tensor<2xf32>
}
