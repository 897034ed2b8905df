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

// CSE merges the initial values of two reductions of one kind; each use
// gets its own tensor.empty and fill again, so that empty-tensor
// elimination cannot compute both results in one output buffer.
// CHECK-LABEL: func.func @shared_init
// CHECK-COUNT-2: tensor.empty() : tensor<f64>
// CHECK-COUNT-2: linalg.fill
// CHECK: linalg.generic {{.*}} outs(%[[INIT:[0-9]+]] : tensor<f64>)
// CHECK-NOT: outs(%[[INIT]] : tensor<f64>)
// CHECK: linalg.generic
#id = affine_map<(d0) -> (d0)>
#all = affine_map<(d0) -> ()>
func.func @shared_init(%a: tensor<4xf64>, %b: tensor<4xf64>) -> (tensor<f64>, tensor<f64>) attributes {ein.entry_sizes = [array<i64: 4>, array<i64: 4>, array<i64>, array<i64>]} {
  %cst = arith.constant 0xFFF0000000000000 : f64
  %e = tensor.empty() : tensor<f64>
  %init = linalg.fill ins(%cst : f64) outs(%e : tensor<f64>) -> tensor<f64>
  %0 = linalg.generic {indexing_maps = [#id, #all], iterator_types = ["reduction"]} ins(%a : tensor<4xf64>) outs(%init : tensor<f64>) {
  ^bb0(%in: f64, %out: f64):
    %m = arith.maximumf %out, %in : f64
    linalg.yield %m : f64
  } -> tensor<f64>
  %1 = linalg.generic {indexing_maps = [#id, #all], iterator_types = ["reduction"]} ins(%b : tensor<4xf64>) outs(%init : tensor<f64>) {
  ^bb0(%in: f64, %out: f64):
    %m = arith.maximumf %out, %in : f64
    linalg.yield %m : f64
  } -> tensor<f64>
  return %0, %1 : tensor<f64>, tensor<f64>
}
