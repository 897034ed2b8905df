// RUN: ein-opt %s -split-input-file --convert-ein-to-linalg --ein-vectorize-contractions="lower=false min-parallel-work=4096 min-gett-work=0" | FileCheck %s
// The outermost loop over independent blocks of C of a large enough
// contraction is marked ein.parallel; k loops and small contractions never.

// Rows of C (step 4, 8 iterations) are the outermost loop.
// CHECK-LABEL: func.func @rows
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c4
// CHECK: vector.contract
// CHECK: } {ein.parallel}
// CHECK-NOT: ein.parallel
func.func @rows(%a: tensor<32x64xf32>, %b: tensor<64x32xf32>) -> tensor<32x32xf32> {
  %0 = ein.contract "ik,kj->ij" %a, %b : (tensor<32x64xf32>, tensor<64x32xf32>) -> tensor<32x32xf32>
  return %0 : tensor<32x32xf32>
}

// -----

// A batch loop goes outermost and is the one marked.
// CHECK-LABEL: func.func @batch
// CHECK: %[[R:.*]] = scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK-COUNT-3: scf.for
// CHECK: vector.contract
// CHECK: } {ein.parallel}
// CHECK-NEXT: return %[[R]]
func.func @batch(%a: tensor<4x8x32xf32>, %b: tensor<4x32x16xf32>) -> tensor<4x8x16xf32> {
  %0 = ein.contract "bik,bkj->bij" %a, %b : (tensor<4x8x32xf32>, tensor<4x32x16xf32>) -> tensor<4x8x16xf32>
  return %0 : tensor<4x8x16xf32>
}

// -----

// One block of rows: the columns (2 blocks) run in parallel instead, moved
// before the k loop so that there is one parallel region, not one per k.
// CHECK-LABEL: func.func @columns
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c4 step %c4
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c32 step %c16
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c512 step %c32
// CHECK: vector.contract
// CHECK: scf.yield
// CHECK: scf.yield
// CHECK-NEXT: } {ein.parallel}
func.func @columns(%a: tensor<4x512xf32>, %b: tensor<512x32xf32>) -> tensor<4x32xf32> {
  %0 = ein.contract "ik,kj->ij" %a, %b : (tensor<4x512xf32>, tensor<512x32xf32>) -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}

// -----

// Below min-parallel-work (8 x 8 x 16 = 1024 multiply-adds): no mark.
// CHECK-LABEL: func.func @small
// CHECK-NOT: ein.parallel
// CHECK: return
func.func @small(%a: tensor<8x8xf32>, %b: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %0 = ein.contract "ik,kj->ij" %a, %b : (tensor<8x8xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}
