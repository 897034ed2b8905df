// RUN: ein-opt %s -split-input-file --ein-decompose-contractions | FileCheck %s
// n-ary contractions become binary ones, left to right, and each
// intermediate keeps only the labels a later operand or the output needs.

// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3x4xf32>, %[[C:.*]]: tensor<4x5xf32>)
// CHECK: %[[T:.*]] = ein.contract "ij,jk->ik" %[[A]], %[[B]] : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK: %[[R:.*]] = ein.contract "ik,kl->il" %[[T]], %[[C]] : (tensor<2x4xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
// CHECK: return %[[R]]
func.func @chain(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<4x5xf32>) -> tensor<2x5xf32> {
  %0 = ein.contract "ij,jk,kl->il" %a, %b, %c : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// A label shared by three operands is kept until its last use.
// CHECK-LABEL: func.func @shared_by_three
// CHECK: ein.contract "i,i->i" {{.*}} -> tensor<7xf64>
// CHECK: ein.contract "i,i->" {{.*}} -> tensor<f64>
func.func @shared_by_three(%a: tensor<7xf64>, %b: tensor<7xf64>, %c: tensor<7xf64>) -> tensor<f64> {
  %0 = ein.contract "i,i,i->" %a, %b, %c : (tensor<7xf64>, tensor<7xf64>, tensor<7xf64>) -> tensor<f64>
  return %0 : tensor<f64>
}

// -----

// Dynamic extents and size-1 broadcasting survive the split.
// CHECK-LABEL: func.func @dynamic_broadcast
// CHECK: ein.contract "ab,bc->ac" {{.*}} : (tensor<?x1xf32>, tensor<3x?xf32>) -> tensor<?x?xf32>
// CHECK: ein.contract "ac,cd->ad" {{.*}} -> tensor<?x2xf32>
func.func @dynamic_broadcast(%a: tensor<?x1xf32>, %b: tensor<3x?xf32>, %c: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = ein.contract "ab,bc,cd->ad" %a, %b, %c : (tensor<?x1xf32>, tensor<3x?xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// Binary and unary contractions are left alone.
// CHECK-LABEL: func.func @binary
// CHECK: ein.contract "ij,jk->ik"
// CHECK-NOT: ein.contract
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = ein.contract "ij,jk->ik" %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
