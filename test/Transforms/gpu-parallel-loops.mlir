// RUN: ein-opt %s -split-input-file --ein-gpu-parallel-loops | FileCheck %s
// Each linalg op becomes one scf.parallel over all of its parallel loops,
// with the reductions inside as scf.for loops that carry the output
// element: one load and one store of it per thread.

#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
// The reduction k sits between the parallel loops i and j; both of them
// still go in the scf.parallel. Products and sums may fuse into FMAs.
// CHECK-LABEL: func.func @matmul
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = ({{.*}}) to (%c16, %c24)
// CHECK: %[[C:.*]] = memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<16x24xf32>
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %{{.*}} to %c8 {{.*}} iter_args(%[[ACC:.*]] = %[[C]]) -> (f32)
// CHECK: arith.mulf {{.*}} fastmath<contract>
// CHECK: arith.addf %[[ACC]], {{.*}} fastmath<contract>
// CHECK: memref.store %[[SUM]]
// CHECK-NOT: linalg.generic
func.func @matmul(%a: memref<16x8xf32>, %b: memref<8x24xf32>, %c: memref<16x24xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]} ins(%a, %b : memref<16x8xf32>, memref<8x24xf32>) outs(%c : memref<16x24xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#v = affine_map<(i) -> (i)>
#s = affine_map<(i) -> ()>
// A sum to a scalar has no parallel loop: it gets one of extent 1 over a
// unit dimension of its output. The fill (a named op) becomes a generic
// first, and does not read the element it overwrites.
// CHECK-LABEL: func.func @dot
// CHECK: %[[UNIT:.*]] = memref.expand_shape %{{.*}} [] output_shape [1] : memref<f64> into memref<1xf64>
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c1
// CHECK-NOT: memref.load
// CHECK: memref.store %cst, %[[UNIT]]
// CHECK: memref.dim
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c1
// CHECK: scf.for {{.*}} iter_args
// CHECK-NOT: linalg.
func.func @dot(%a: memref<?xf64>, %b: memref<?xf64>, %c: memref<f64>) {
  %zero = arith.constant 0.0 : f64
  linalg.fill ins(%zero : f64) outs(%c : memref<f64>)
  linalg.generic {indexing_maps = [#v, #v, #s], iterator_types = ["reduction"]} ins(%a, %b : memref<?xf64>, memref<?xf64>) outs(%c : memref<f64>) {
  ^bb0(%x: f64, %y: f64, %z: f64):
    %m = arith.mulf %x, %y : f64
    %s = arith.addf %z, %m : f64
    linalg.yield %s : f64
  }
  return
}

// -----

// A copy (an identity einsum's) is a kernel too.
// CHECK-LABEL: func.func @copy
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = ({{.*}}) to (%c4, %c5)
// CHECK: %[[X:.*]] = memref.load %arg0
// CHECK: memref.store %[[X]], %arg1
// CHECK-NOT: memref.copy
func.func @copy(%a: memref<4x5xi32>, %b: memref<4x5xi32>) {
  memref.copy %a, %b : memref<4x5xi32> to memref<4x5xi32>
  return
}
