// RUN: ein-opt %s -split-input-file --ein-gpu-map-loops | FileCheck %s
// RUN: ein-opt %s -split-input-file --ein-gpu-map-loops --canonicalize | FileCheck %s --check-prefix=TILES
// RUN: not ein-opt %s -split-input-file --ein-gpu-map-loops="block-threads=100" 2>&1 | FileCheck %s --check-prefix=BAD
// Outermost scf.parallel loops become a grid loop and a block loop, the
// innermost dimension on x.

// Three dimensions: 32 x 8 threads on the last two (x, y), the batch one
// sequential within a block; the grid's dimensions on block z, y, x.
// CHECK-LABEL: func.func @three
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = sequential{{.*}}>, #gpu.loop_dim_map<processor = thread_y{{.*}}>, #gpu.loop_dim_map<processor = thread_x{{.*}}>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_z{{.*}}>, #gpu.loop_dim_map<processor = block_y{{.*}}>, #gpu.loop_dim_map<processor = block_x{{.*}}>]}
// TILES-LABEL: func.func @three
// TILES: scf.parallel {{.*}} to (%c4, %c64, %c48, %c8, %c32) step (%c1, %c8, %c32, %c1, %c1)
// BAD: error: block-threads must be a power of two from 1 to 1024, not 100
func.func @three(%a: memref<4x64x48xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %c48 = arith.constant 48 : index
  %cst = arith.constant 1.0 : f32
  scf.parallel (%b, %i, %j) = (%c0, %c0, %c0) to (%c4, %c64, %c48) step (%c1, %c1, %c1) {
    memref.store %cst, %a[%b, %i, %j] : memref<4x64x48xf32>
    scf.reduce
  }
  return
}

// -----

// A narrow last dimension (3) gets 4 threads, the other one 64.
// TILES-LABEL: func.func @narrow
// TILES: scf.parallel {{.*}} to (%c1000, %c64, %c4) step (%c64, %c1, %c1)
func.func @narrow(%a: memref<1000x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c1000 = arith.constant 1000 : index
  %cst = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c1000, %c3) step (%c1, %c1) {
    memref.store %cst, %a[%i, %j] : memref<1000x3xf32>
    scf.reduce
  }
  return
}

// -----

// One dynamic dimension: all 256 threads of a block on it, threads past
// the end masked.
// CHECK-LABEL: func.func @dynamic
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = thread_x{{.*}}>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x{{.*}}>]}
// TILES-LABEL: func.func @dynamic
// TILES: scf.parallel {{.*}} to (%dim, %c256) step (%c256, %c1)
func.func @dynamic(%a: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xf32>
  %cst = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %cst, %a[%i] : memref<?xf32>
    scf.reduce
  }
  return
}
