// RUN: ein-opt %s -split-input-file --ein-gpu-fuse-elementwise | FileCheck %s
// Maps fuse into one generic; splat constants become scalars in bodies;
// contractions and reductions are never consumers.

#id = affine_map<(i, j) -> (i, j)>
#scalar = affine_map<(i, j) -> ()>
// log(abs(x) + 1): one generic, the constant a scalar in its body.
// CHECK-LABEL: func.func @chain
// CHECK-NOT: dense
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}} : tensor<4x8xf32>)
// CHECK: math.absf
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: math.log
// CHECK-NOT: linalg.generic
func.func @chain(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %one = arith.constant dense<1.0> : tensor<f32>
  %e = tensor.empty() : tensor<4x8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.absf %in : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %b = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel", "parallel"]} ins(%a, %one : tensor<4x8xf32>, tensor<f32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %c: f32, %out: f32):
    %r = arith.addf %in, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %l = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.log %in : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  return %l : tensor<4x8xf32>
}

// -----

#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
// An elementwise producer of a contraction's operand stays a kernel of
// its own: the contraction's body stays out + a * b.
// CHECK-LABEL: func.func @into_contraction
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-NOT: math.exp
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @into_contraction(%x: tensor<16x16xf32>, %y: tensor<16x16xf32>, %init: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %e = tensor.empty() : tensor<16x16xf32>
  %ex = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<16x16xf32>) outs(%e : tensor<16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<16x16xf32>
  %p = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex, %y : tensor<16x16xf32>, tensor<16x16xf32>) outs(%init : tensor<16x16xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %m = arith.mulf %u, %v : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<16x16xf32>
  return %p : tensor<16x16xf32>
}
