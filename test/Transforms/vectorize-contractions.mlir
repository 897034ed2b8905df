// RUN: ein-opt %s -split-input-file --convert-ein-to-linalg --ein-vectorize-contractions="lower=false l2-bytes=524288 min-gett-work=0" | FileCheck %s
// RUN: ein-opt %s -split-input-file --convert-ein-to-linalg --ein-vectorize-contractions="l2-bytes=524288 min-gett-work=0" | FileCheck %s --check-prefix=FMA
// Matrix-like contractions become 4 x (2 vectors) register blocks of C
// times a slice of k, each one vector.contract; lowered, outer products
// of fused multiply-adds.

// CHECK-LABEL: func.func @matmul
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c4
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[A:.*]] = vector.transfer_read {{.*}} : tensor<4x32xf32>, vector<4x32xf32>
// CHECK: %[[B:.*]] = vector.transfer_read {{.*}} : tensor<32x16xf32>, vector<32x16xf32>
// CHECK: %[[C:.*]] = vector.transfer_read {{.*}} : tensor<4x16xf32>, vector<4x16xf32>
// CHECK: vector.contract {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} %[[A]], %[[B]], %[[C]] : vector<4x32xf32>, vector<32x16xf32> into vector<4x16xf32>
// CHECK-NOT: linalg.generic
// FMA-LABEL: func.func @matmul
// FMA-NOT: vector.contract
// FMA: vector.fma {{.*}} : vector<16xf32>
func.func @matmul(%a: tensor<8x64xf32>, %b: tensor<64x32xf32>) -> tensor<8x32xf32> {
  %0 = ein.contract "ik,kj->ij" %a, %b : (tensor<8x64xf32>, tensor<64x32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// A transposed A, a batch and f64 (4 lanes: blocks of 4 x 8); k = 6 is
// sliced 2 deep.
// CHECK-LABEL: func.func @batched_transposed
// CHECK: vector.transfer_read {{.*}}permutation_map = {{.*}} : tensor<1x2x4xf64>, vector<4x2xf64>
// CHECK: vector.contract {{.*}} : vector<4x2xf64>, vector<2x8xf64> into vector<4x8xf64>
func.func @batched_transposed(%a: tensor<3x6x8xf64>, %b: tensor<3x6x16xf64>) -> tensor<3x8x16xf64> {
  %0 = ein.contract "bki,bkj->bij" %a, %b : (tensor<3x6x8xf64>, tensor<3x6x16xf64>) -> tensor<3x8x16xf64>
  return %0 : tensor<3x8x16xf64>
}

// -----

// Not taken: rows the block does not divide, integers.
// CHECK-LABEL: func.func @kept
// CHECK-NOT: vector.
// CHECK-NOT: linalg.transpose
// CHECK-COUNT-2: linalg.generic
func.func @kept(%a: tensor<6x8xf32>, %b: tensor<8x16xf32>, %i: tensor<8x8xi32>) -> (tensor<6x16xf32>, tensor<8x8xi32>) {
  %0 = ein.contract "ik,kj->ij" %a, %b : (tensor<6x8xf32>, tensor<8x16xf32>) -> tensor<6x16xf32>
  %2 = ein.contract "ik,kj->ij" %i, %i : (tensor<8x8xi32>, tensor<8x8xi32>) -> tensor<8x8xi32>
  return %0, %2 : tensor<6x16xf32>, tensor<8x8xi32>
}

// -----

// C = A B^T: no operand ends with a column of C, so B is packed
// transposed (once) and the copy is blocked like a plain B.
// CHECK-LABEL: func.func @transposed_b
// CHECK: %[[T:.*]] = linalg.transpose ins(%arg1 : tensor<16x32xf32>) outs(%{{.*}} : tensor<32x16xf32>) permutation = [1, 0]
// CHECK: tensor.extract_slice %[[T]]
// CHECK: vector.contract {{.*}} : vector<4x32xf32>, vector<32x16xf32> into vector<4x16xf32>
// CHECK-NOT: linalg.generic
func.func @transposed_b(%a: tensor<8x32xf32>, %b: tensor<16x32xf32>) -> tensor<8x16xf32> {
  %0 = ein.contract "ik,jk->ij" %a, %b : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

// A B of more than 256 KiB is first cut into panels that stay in cache:
// 256 columns, then 256-deep slices of k, then 64 rows, and the register
// blocks inside each.
// CHECK-LABEL: func.func @cache_blocked
// CHECK: scf.for {{.*}} step %c256
// CHECK: scf.for {{.*}} step %c256
// CHECK: scf.for {{.*}} step %c64
// CHECK: scf.for {{.*}} step %c4
// CHECK: vector.contract {{.*}} : vector<4x32xf32>, vector<32x16xf32> into vector<4x16xf32>
func.func @cache_blocked(%a: tensor<64x2048xf32>, %b: tensor<2048x1024xf32>) -> tensor<64x1024xf32> {
  %0 = ein.contract "ik,kj->ij" %a, %b : (tensor<64x2048xf32>, tensor<2048x1024xf32>) -> tensor<64x1024xf32>
  return %0 : tensor<64x1024xf32>
}

// -----

// No operand ends with C's last dimension (a TCCG-style transposition):
// B's last dimension c is the block's columns, and C's block is read and
// written with a permutation, once per slice of k. The columns (8 f32)
// take a narrower block of one vector.
// CHECK-LABEL: func.func @strided_c
// CHECK: vector.transfer_read {{.*}}permutation_map = {{.*}} : tensor<1x4x8x1xf32>, vector<4x8xf32>
// CHECK: vector.contract {{.*}} : vector<4x4xf32>, vector<4x8xf32> into vector<4x8xf32>
// CHECK: vector.transfer_write {{.*}}permutation_map = {{.*}} : vector<4x8xf32>, tensor<1x4x8x1xf32>
func.func @strided_c(%a: tensor<2x3x4x4xf32>, %b: tensor<4x3x3x8xf32>) -> tensor<2x4x8x3xf32> {
  %0 = ein.contract "aebf,fdec->abcd" %a, %b : (tensor<2x3x4x4xf32>, tensor<4x3x3x8xf32>) -> tensor<2x4x8x3xf32>
  return %0 : tensor<2x4x8x3xf32>
}

// -----

// B over 256 KiB: 64 x 256 blocks of C times 256-deep slices of k, columns
// outermost, and each 256 x 256 panel of B copied to a buffer of its own
// before the loop over row panels that reuses it.
// CHECK-LABEL: func.func @panels
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c512{{.*}} step %c256
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c512{{.*}} step %c256
// CHECK: %[[SLICE:.*]] = tensor.extract_slice %arg1{{.*}} [256, 256] [1, 1] : tensor<512x512xf32> to tensor<256x256xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<256x256xf32>
// CHECK: %[[PANEL:.*]] = linalg.copy ins(%[[SLICE]] : tensor<256x256xf32>) outs(%[[EMPTY]] : tensor<256x256xf32>)
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c128{{.*}} step %c64
// CHECK: tensor.extract_slice %[[PANEL]]
// CHECK: vector.contract
func.func @panels(%a: tensor<128x512xf32>, %b: tensor<512x512xf32>) -> tensor<128x512xf32> {
  %0 = ein.contract "ik,kj->ij" %a, %b : (tensor<128x512xf32>, tensor<512x512xf32>) -> tensor<128x512xf32>
  return %0 : tensor<128x512xf32>
}
