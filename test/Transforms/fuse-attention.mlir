// RUN: ein-opt %s -split-input-file --ein-fuse-attention | FileCheck %s
// softmax(scale Q K^T) V becomes one online-softmax loop nest: per batch
// entry and block of 64 queries, blocks of 128 keys with a running
// maximum, sum and output; no full score matrix.

// CHECK-LABEL: func.func @attention
// CHECK-NOT: ein.
// CHECK: %[[OUT:.*]] = tensor.empty() : tensor<2x64x32xf32>
// CHECK: scf.for %[[B:.*]] = %{{.*}} to %c2 step %c1 iter_args(%{{.*}} = %[[OUT]])
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %c64 step %c64
// CHECK: %[[Q:.*]] = tensor.extract_slice %arg0[%[[B]], %[[I]], 0] [1, 64, 64] [1, 1, 1] : tensor<2x64x64xf32> to tensor<64x64xf32>
// CHECK: arith.constant 1.250000e-01 : f32
// CHECK: linalg.generic {{.*}} ins(%[[Q]] : tensor<64x64xf32>)
// CHECK: arith.mulf
// CHECK: %[[KEYS:.*]]:3 = scf.for %[[J:.*]] = %{{.*}} to %c256 step %c128 iter_args(%[[M:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}}, %[[ACC:.*]] = %{{.*}}) -> (tensor<64xf32>, tensor<64xf32>, tensor<64x32xf32>)
// CHECK: tensor.extract_slice %arg1[%[[B]], %[[J]], 0] [1, 128, 64]
// CHECK: tensor.extract_slice %arg2[%[[B]], %[[J]], 0] [1, 128, 32]
// CHECK: linalg.transpose {{.*}} outs(%{{.*}} : tensor<64x128xf32>) permutation = [1, 0]
// The block of scores, its row maxima and the rescaling factor.
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<64x128xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<64xf32>)
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}} ins(%[[M]], %{{.*}} : tensor<64xf32>, tensor<64xf32>)
// CHECK: math.exp
// CHECK: outs(%[[L]] : tensor<64xf32>)
// CHECK: outs(%[[ACC]] : tensor<64x32xf32>)
// CHECK: outs(%[[M]] : tensor<64xf32>)
// CHECK: math.exp
// CHECK: scf.yield
// The output divided by the sums, written into its place.
// CHECK: linalg.generic {{.*}} ins(%[[KEYS]]#2, %[[KEYS]]#1 : tensor<64x32xf32>, tensor<64xf32>)
// CHECK: arith.divf
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%[[B]], %[[I]], 0] [1, 64, 32] [1, 1, 1]
func.func @attention(%q: tensor<2x64x64xf32>, %k: tensor<2x256x64xf32>, %v: tensor<2x256x32xf32>) -> tensor<2x64x32xf32> {
  %cst = arith.constant dense<1.250000e-01> : tensor<f32>
  %0 = ein.contract "abd,aed,->abe" %q, %k, %cst : (tensor<2x64x64xf32>, tensor<2x256x64xf32>, tensor<f32>) -> tensor<2x64x256xf32>
  %1 = ein.softmax %0 along 2 : tensor<2x64x256xf32>
  %2 = ein.contract "abe,aef->abf" %1, %v : (tensor<2x64x256xf32>, tensor<2x256x32xf32>) -> tensor<2x64x32xf32>
  return %2 : tensor<2x64x32xf32>
}

// -----

// Large enough to run on threads: the batch loop is marked.
// CHECK-LABEL: func.func @large
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: } {ein.parallel}
// CHECK-NEXT: return
func.func @large(%q: tensor<8x256x64xf32>, %k: tensor<8x256x64xf32>, %v: tensor<8x256x64xf32>) -> tensor<8x256x64xf32> {
  %0 = ein.contract "bid,bjd->bij" %q, %k : (tensor<8x256x64xf32>, tensor<8x256x64xf32>) -> tensor<8x256x256xf32>
  %1 = ein.softmax %0 along 2 : tensor<8x256x256xf32>
  %2 = ein.contract "bij,bjd->bid" %1, %v : (tensor<8x256x256xf32>, tensor<8x256x64xf32>) -> tensor<8x256x64xf32>
  return %2 : tensor<8x256x64xf32>
}

// -----

// Heads after the sequence index (Q[b,i,h,d], as PyTorch lays attention
// out) and K with its head dimension before the keys: each operand is
// copied into the fused loops' layout (O(n d)), the loops run as above,
// and the result is copied back into O's layout. No score matrix.
// CHECK-LABEL: func.func @other_layouts
// CHECK-NOT: ein.
// CHECK: %[[Q:.*]] = linalg.transpose ins(%arg0 : tensor<2x64x4x32xf32>) outs(%{{.*}} : tensor<2x4x64x32xf32>) permutation = [0, 2, 1, 3]
// CHECK: %[[K:.*]] = linalg.transpose ins(%arg1 : tensor<2x4x32x128xf32>) outs(%{{.*}} : tensor<2x4x128x32xf32>) permutation = [0, 1, 3, 2]
// CHECK: %[[V:.*]] = linalg.transpose ins(%arg2 : tensor<2x128x4x16xf32>) outs(%{{.*}} : tensor<2x4x128x16xf32>) permutation = [0, 2, 1, 3]
// CHECK: %[[O:.*]] = scf.for
// CHECK: tensor.extract_slice %[[Q]]
// CHECK: scf.for {{.*}} -> (tensor<64xf32>, tensor<64xf32>, tensor<64x16xf32>)
// CHECK: tensor.extract_slice %[[K]]
// CHECK: tensor.extract_slice %[[V]]
// CHECK-NOT: tensor<2x4x64x128xf32>
// CHECK: linalg.transpose ins(%[[O]] : tensor<2x4x64x16xf32>) outs(%{{.*}} : tensor<2x64x4x16xf32>) permutation = [0, 2, 1, 3]
func.func @other_layouts(%q: tensor<2x64x4x32xf32>, %k: tensor<2x4x32x128xf32>, %v: tensor<2x128x4x16xf32>) -> tensor<2x64x4x16xf32> {
  %0 = ein.contract "bihd,bhdj->bhij" %q, %k : (tensor<2x64x4x32xf32>, tensor<2x4x32x128xf32>) -> tensor<2x4x64x128xf32>
  %1 = ein.softmax %0 along 3 : tensor<2x4x64x128xf32>
  %2 = ein.contract "xyzw,xwyv->xzyv" %1, %v : (tensor<2x4x64x128xf32>, tensor<2x128x4x16xf32>) -> tensor<2x64x4x16xf32>
  return %2 : tensor<2x64x4x16xf32>
}

// -----

// A program's scores S[b,h,i,j] = Q[b,i,h,d] K[b,j,h,d] are the product in
// its own index order and then a permutation: both are replaced.
// CHECK-LABEL: func.func @permuted_scores
// CHECK-NOT: ein.
// CHECK: linalg.transpose ins(%arg0 : tensor<1x64x2x8xf32>) outs(%{{.*}} : tensor<1x2x64x8xf32>) permutation = [0, 2, 1, 3]
// CHECK: scf.for
// CHECK-NOT: ein.contract
// CHECK-NOT: ein.softmax
// CHECK: return
func.func @permuted_scores(%q: tensor<1x64x2x8xf32>, %k: tensor<1x128x2x8xf32>, %v: tensor<1x128x2x8xf32>) -> tensor<1x64x2x8xf32> {
  %0 = ein.contract "bihd,bjhd->bihj" %q, %k : (tensor<1x64x2x8xf32>, tensor<1x128x2x8xf32>) -> tensor<1x64x2x128xf32>
  %1 = ein.contract "bihj->bhij" %0 : (tensor<1x64x2x128xf32>) -> tensor<1x2x64x128xf32>
  %2 = ein.softmax %1 along 3 : tensor<1x2x64x128xf32>
  %3 = ein.contract "bhij,bjhd->bihd" %2, %v : (tensor<1x2x64x128xf32>, tensor<1x128x2x8xf32>) -> tensor<1x64x2x8xf32>
  return %3 : tensor<1x64x2x8xf32>
}

// -----

// Extents no block divides (5 queries, 20 keys): Q is padded with zeros to
// 8 rows and K and V to 32 keys; a mask adds -inf to the scores of the
// padded keys, and the padded queries' rows are dropped at the end.
// CHECK-LABEL: func.func @padded
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 0] [5, 16] [1, 1] : tensor<5x16xf32> into tensor<8x16xf32>
// CHECK: tensor.insert_slice %arg1 into %{{.*}}[0, 0] [20, 16] [1, 1] : tensor<20x16xf32> into tensor<32x16xf32>
// CHECK: tensor.insert_slice %arg2 into %{{.*}}[0, 0] [20, 8] [1, 1] : tensor<20x8xf32> into tensor<32x8xf32>
// CHECK: %[[MASK:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<32xf32>)
// CHECK: linalg.index 0
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: arith.select
// CHECK: scf.for
// CHECK: tensor.extract_slice %[[MASK]][%{{.*}}] [32] [1]
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [5, 8] [1, 1] : tensor<8x8xf32> to tensor<5x8xf32>
// CHECK-NOT: ein.softmax
func.func @padded(%q: tensor<5x16xf32>, %k: tensor<20x16xf32>, %v: tensor<20x8xf32>) -> tensor<5x8xf32> {
  %s = ein.contract "id,jd->ij" %q, %k : (tensor<5x16xf32>, tensor<20x16xf32>) -> tensor<5x20xf32>
  %p = ein.softmax %s along 1 : tensor<5x20xf32>
  %o = ein.contract "ij,je->ie" %p, %v : (tensor<5x20xf32>, tensor<20x8xf32>) -> tensor<5x8xf32>
  return %o : tensor<5x8xf32>
}

// -----

// Not fused: softmax along the queries, a score matrix used twice.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-2: ein.softmax
// CHECK-NOT: scf.for
func.func @kept(%q: tensor<4x64xf32>, %k: tensor<16x64xf32>, %v: tensor<16x8xf32>) -> (tensor<4x8xf32>, tensor<4x16xf32>, tensor<4x8xf32>) {
  %s = ein.contract "id,jd->ij" %q, %k : (tensor<4x64xf32>, tensor<16x64xf32>) -> tensor<4x16xf32>
  %p = ein.softmax %s along 0 : tensor<4x16xf32>
  %o = ein.contract "ij,je->ie" %p, %v : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %t = ein.contract "id,jd->ij" %q, %k : (tensor<4x64xf32>, tensor<16x64xf32>) -> tensor<4x16xf32>
  %pt = ein.softmax %t along 1 : tensor<4x16xf32>
  %ot = ein.contract "ij,je->ie" %pt, %v : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return %o, %pt, %ot : tensor<4x8xf32>, tensor<4x16xf32>, tensor<4x8xf32>
}
