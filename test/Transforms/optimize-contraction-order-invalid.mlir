// RUN: not ein-opt %s --ein-optimize-contraction-order="algorithm=fastest" 2>&1 | FileCheck %s
// An unknown algorithm is an error naming it.

// CHECK: error: invalid option: algorithm 'fastest' or minimize 'flops'
func.func @f(%a: tensor<2xf32>, %b: tensor<2xf32>, %c: tensor<2xf32>) -> tensor<f32> {
  %0 = ein.contract "i,i,i->" %a, %b, %c : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}
