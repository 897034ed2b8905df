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

// Several results get one out-parameter each, in order.
// CHECK-LABEL: func.func @two
// CHECK-SAME: (%[[A:.*]]: memref<4xf32>, %[[O0:.*]]: memref<f32>, %[[O1:.*]]: memref<4xf32>)
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[O0]]
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[O1]]
func.func @two(%a: tensor<4xf32>) -> (tensor<f32>, tensor<4xf32>) attributes {ein.entry_sizes = [array<i64: 4>, array<i64>, array<i64: 4>]} {
  %0 = ein.contract "i->" %a : (tensor<4xf32>) -> tensor<f32>
  return %0, %a : tensor<f32>, tensor<4xf32>
}
