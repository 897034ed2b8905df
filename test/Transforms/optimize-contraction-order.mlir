// RUN: ein-opt %s -split-input-file --ein-optimize-contraction-order="algorithm=left-to-right" | FileCheck %s --check-prefix=L2R
// RUN: ein-opt %s -split-input-file --ein-optimize-contraction-order | FileCheck %s --check-prefix=AUTO
// RUN: ein-opt %s -split-input-file --ein-optimize-contraction-order="tree=1:2,0:3" | FileCheck %s --check-prefix=TREE
// n-ary contractions become binary ones along the chosen tree, and each
// intermediate keeps only the labels a later operand or the output needs.

// L2R-LABEL: func.func @chain
// L2R-SAME: (%[[A:.*]]: tensor<2x30xf32>, %[[B:.*]]: tensor<30x40xf32>, %[[C:.*]]: tensor<40x5xf32>)
// L2R: %[[T:.*]] = ein.contract "ij,jk->ik" %[[A]], %[[B]] : (tensor<2x30xf32>, tensor<30x40xf32>) -> tensor<2x40xf32>
// L2R: %[[R:.*]] = ein.contract "ik,kl->il" %[[T]], %[[C]] : (tensor<2x40xf32>, tensor<40x5xf32>) -> tensor<2x5xf32>
// L2R: return %[[R]]
// The exact search keeps (A*B)*C: 2*(2*30*40 + 2*40*5) = 5600 flops,
// against 2*(30*40*5 + 2*30*5) = 12600 for A*(B*C).
// AUTO-LABEL: func.func @chain
// AUTO: ein.contract "ij,jk->ik"
// AUTO: ein.contract "ik,kl->il"
// TREE-LABEL: func.func @chain
// TREE-SAME: (%[[A:.*]]: tensor<2x30xf32>, %[[B:.*]]: tensor<30x40xf32>, %[[C:.*]]: tensor<40x5xf32>)
// TREE: %[[T:.*]] = ein.contract "jk,kl->jl" %[[B]], %[[C]] : (tensor<30x40xf32>, tensor<40x5xf32>) -> tensor<30x5xf32>
// TREE: ein.contract "ij,jl->il" %[[A]], %[[T]]
func.func @chain(%a: tensor<2x30xf32>, %b: tensor<30x40xf32>, %c: tensor<40x5xf32>) -> tensor<2x5xf32> {
  %0 = ein.contract "ij,jk,kl->il" %a, %b, %c : (tensor<2x30xf32>, tensor<30x40xf32>, tensor<40x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// With a wide first operand, the exact search contracts the right pair
// first.
// AUTO-LABEL: func.func @right_first
// AUTO-SAME: (%[[A:.*]]: tensor<50x40xf64>, %[[B:.*]]: tensor<40x30xf64>, %[[C:.*]]: tensor<30x2xf64>)
// AUTO: %[[T:.*]] = ein.contract "jk,kl->jl" %[[B]], %[[C]] : (tensor<40x30xf64>, tensor<30x2xf64>) -> tensor<40x2xf64>
// AUTO: ein.contract "ij,jl->il" %[[A]], %[[T]] : (tensor<50x40xf64>, tensor<40x2xf64>) -> tensor<50x2xf64>
func.func @right_first(%a: tensor<50x40xf64>, %b: tensor<40x30xf64>, %c: tensor<30x2xf64>) -> tensor<50x2xf64> {
  %0 = ein.contract "ij,jk,kl->il" %a, %b, %c : (tensor<50x40xf64>, tensor<40x30xf64>, tensor<30x2xf64>) -> tensor<50x2xf64>
  return %0 : tensor<50x2xf64>
}

// -----

// A label shared by three operands is kept until its last use.
// L2R-LABEL: func.func @shared_by_three
// L2R: ein.contract "i,i->i" {{.*}} -> tensor<7xf64>
// L2R: ein.contract "i,i->" {{.*}} -> tensor<f64>
func.func @shared_by_three(%a: tensor<7xf64>, %b: tensor<7xf64>, %c: tensor<7xf64>) -> tensor<f64> {
  %0 = ein.contract "i,i,i->" %a, %b, %c : (tensor<7xf64>, tensor<7xf64>, tensor<7xf64>) -> tensor<f64>
  return %0 : tensor<f64>
}

// -----

// Dynamic extents and size-1 broadcasting survive the split.
// L2R-LABEL: func.func @dynamic_broadcast
// L2R: ein.contract "ab,bc->ac" {{.*}} : (tensor<?x1xf32>, tensor<3x?xf32>) -> tensor<?x?xf32>
// L2R: ein.contract "ac,cd->ad" {{.*}} -> tensor<?x2xf32>
func.func @dynamic_broadcast(%a: tensor<?x1xf32>, %b: tensor<3x?xf32>, %c: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = ein.contract "ab,bc,cd->ad" %a, %b, %c : (tensor<?x1xf32>, tensor<3x?xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// Binary and unary contractions are left alone.
// L2R-LABEL: func.func @binary
// L2R: ein.contract "ij,jk->ik"
// L2R-NOT: ein.contract
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = ein.contract "ij,jk->ik" %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
