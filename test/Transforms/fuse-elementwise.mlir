// RUN: ein-opt %s --convert-ein-to-linalg --ein-fuse-elementwise | FileCheck %s
// Elementwise chains after a contraction become one generic, and that
// epilogue joins the contraction's loop nest: a loop over the rows
// computes four rows of the product at a time (one where four do not
// divide them), with its zero fill, and applies the epilogue to them. The elementwise producer of the contraction stays
// separate (fusing it would recompute exp for every summed index), and so
// does the broadcast bias (it is sliced, not recomputed).

// CHECK-LABEL: func.func @mlp_layer
// CHECK: %[[E:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: math.exp
// CHECK-NOT: linalg.generic
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<4x16xf32>)
// CHECK: %[[ROW:.*]] = tensor.extract_slice %[[E]][%[[I]], 0] [4, 8] [1, 1]
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<4x16xf32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK-SAME: ins(%[[ROW]], %{{.*}} : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[ZERO]] : tensor<4x16xf32>)
// CHECK: %[[Z:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[Y]], %{{.*}} : tensor<4x16xf32>, tensor<16xf32>)
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: tensor.insert_slice %[[Z]] into %[[ACC]][%[[I]], 0] [4, 16] [1, 1]
// CHECK-NOT: linalg.generic
func.func @mlp_layer(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %e = ein.map "exp" "ij->ij" %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = ein.contract "ij,jk->ik" %e, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %z = ein.map "add" "ik,k->ik" %y, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %r = ein.map "relu" "ik->ik" %z : (tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// A contraction whose result has other uses, or a one-dimensional
// epilogue, is left alone.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT: scf.for
func.func @not_fused(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %v: tensor<8xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4xf32>) {
  %y = ein.contract "ij,jk->ik" %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %r = ein.map "relu" "ik->ik" %y : (tensor<4x16xf32>) -> tensor<4x16xf32>
  %m = ein.contract "ij,j->i" %x, %v : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4xf32>
  %t = ein.map "tanh" "i->i" %m : (tensor<4xf32>) -> tensor<4xf32>
  return %y, %r, %t : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4xf32>
}

// A large elementwise op on its own (2^21 elements) runs on threads: its
// outermost dimension in 256 blocks of 8 rows (random values depend on the
// element's position only, so the blocks can go in any order). A small one
// stays a plain generic.
// CHECK-LABEL: func.func @large_elementwise
// CHECK: scf.for %{{.*}} = %c0 to %c2048 step %c8
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<8x1024xf32>)
// CHECK: linalg.index 0
// CHECK: } {ein.parallel}
// CHECK-NOT: scf.for
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<16xf32>)
func.func @large_elementwise() -> (tensor<2048x1024xf32>, tensor<16xf32>) {
  %u = ein.random "uniform"(0.0, 1.0) seed 3 : tensor<2048x1024xf32>
  %s = ein.random "uniform"(0.0, 1.0) seed 3 : tensor<16xf32>
  return %u, %s : tensor<2048x1024xf32>, tensor<16xf32>
}

// A contraction that ein-gett will pack (2^15 multiply-adds or more, at the
// top of the function) stays whole: its epilogue is marked for ein-gett to
// compute on each finished block of C, and no loop is made.
// CHECK-LABEL: func.func @packed_epilogue
// CHECK-NOT: scf.for
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<64x80xf32>, tensor<80xf32>)
// CHECK-SAME: attrs = {ein.gett_epilogue}
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: scf.for
func.func @packed_epilogue(%x: tensor<64x48xf32>, %w: tensor<48x80xf32>, %b: tensor<80xf32>) -> tensor<64x80xf32> {
  %y = ein.contract "ij,jk->ik" %x, %w : (tensor<64x48xf32>, tensor<48x80xf32>) -> tensor<64x80xf32>
  %z = ein.map "add" "ik,k->ik" %y, %b : (tensor<64x80xf32>, tensor<80xf32>) -> tensor<64x80xf32>
  %r = ein.map "relu" "ik->ik" %z : (tensor<64x80xf32>) -> tensor<64x80xf32>
  return %r : tensor<64x80xf32>
}

// An epilogue ein-gett cannot compute (random noise: its body reads loop
// indices) is not marked; the packed contraction still stays whole, and
// the epilogue, 2^20 elements, runs on threads on its own.
// CHECK-LABEL: func.func @packed_unmarked_epilogue
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK-NOT: ein.gett_epilogue
// CHECK: scf.for
// CHECK: linalg.index
// CHECK: } {ein.parallel}
func.func @packed_unmarked_epilogue(%x: tensor<1024x48xf32>, %w: tensor<48x1024xf32>) -> tensor<1024x1024xf32> {
  %y = ein.contract "ij,jk->ik" %x, %w : (tensor<1024x48xf32>, tensor<48x1024xf32>) -> tensor<1024x1024xf32>
  %u = ein.random "uniform"(0.0, 1.0) seed 3 : tensor<1024x1024xf32>
  %z = ein.map "add" "ik,ik->ik" %y, %u : (tensor<1024x1024xf32>, tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  return %z : tensor<1024x1024xf32>
}
