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

// A sum of a contraction used nowhere else is one contraction: the
// Hadamard product of ij,ij->i is never materialised.
// CHECK-LABEL: func.func @sum_of_product
// CHECK-NEXT: %[[R:.*]] = ein.contract "ij,ij->i" %arg0, %arg1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2xf32>
// CHECK-NEXT: return %[[R]]
func.func @sum_of_product(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2xf32> {
  %0 = ein.contract "ij,ij->ij" %a, %b : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = ein.reduce "sum" "ab->a" %0 : (tensor<2x3xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// The reduction's labels name the contraction's dimensions by position.
// CHECK-LABEL: func.func @sum_relabelled
// CHECK-NEXT: ein.contract "ij,jk->k"
func.func @sum_relabelled(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<4xf32> {
  %0 = ein.contract "ij,jk->ki" %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<4x2xf32>
  %1 = ein.reduce "sum" "xy->x" %0 : (tensor<4x2xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// Other reductions, and products used twice, stay.
// CHECK-LABEL: func.func @kept
// CHECK: ein.contract "ij,ij->ij"
// CHECK: ein.reduce "max"
// CHECK: ein.reduce "sum"
func.func @kept(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %0 = ein.contract "ij,ij->ij" %a, %b : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = ein.reduce "max" "ab->a" %0 : (tensor<2x3xf32>) -> tensor<2xf32>
  %2 = ein.reduce "sum" "ab->a" %0 : (tensor<2x3xf32>) -> tensor<2xf32>
  return %1, %2 : tensor<2xf32>, tensor<2xf32>
}
