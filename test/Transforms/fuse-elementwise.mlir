// RUN: ein-opt %s --convert-ein-to-linalg --ein-fuse-elementwise | FileCheck %s
// Elementwise chains after a contraction become one loop nest; the
// elementwise producer of the contraction stays separate (fusing it would
// recompute exp for every summed index).

// CHECK-LABEL: func.func @mlp_layer
// CHECK: %[[E:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: math.exp
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK-SAME: ins(%[[E]], %{{.*}} :
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[Y]], %{{.*}} :
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
func.func @mlp_layer(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %e = ein.map "exp" "ij->ij" %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = ein.contract "ij,jk->ik" %e, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %z = ein.map "add" "ik,k->ik" %y, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %r = ein.map "relu" "ik->ik" %z : (tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}
