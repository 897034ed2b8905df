// RUN: ein-opt %s -canonicalize | FileCheck %s
// A one-operand contraction that returns its input unchanged folds away;
// permutations and reductions stay.

// CHECK-LABEL: func.func @identity
// CHECK-NOT: ein.contract
// CHECK: return %arg0
func.func @identity(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = ein.contract "ij->ij" %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @transpose
// CHECK: ein.contract "ij->ji"
func.func @transpose(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = ein.contract "ij->ji" %a : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// CHECK-LABEL: func.func @unused_is_dead
// CHECK-NOT: ein.contract
func.func @unused_is_dead(%a: tensor<2x3xf32>) {
  %0 = ein.contract "ij->i" %a : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}
