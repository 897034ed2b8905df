// RUN: ein-opt %s -split-input-file --ein-parallelize-loops | FileCheck %s
// RUN: ein-opt %s -split-input-file --ein-parallelize-loops=runtime-threads=false | FileCheck %s --check-prefix=DEFAULT
// Loops marked ein.parallel become OpenMP work-sharing loops whose thread
// count comes from the runtime.

// CHECK-LABEL: func.func @rows
// CHECK: %[[N:.*]] = call @einrt_num_threads() : () -> i32
// CHECK: omp.parallel num_threads(%[[N]] : i32) {
// CHECK: omp.wsloop {
// CHECK: omp.loop_nest (%[[I:.*]]) : index = (%c0) to (%c32) step (%c4) {
// CHECK-NOT: memref.alloca_scope
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[I]], %{{.*}}]
// CHECK: omp.yield
// CHECK: omp.terminator
// CHECK: func.func private @einrt_num_threads() -> i32
// DEFAULT-LABEL: func.func @rows
// DEFAULT-NOT: einrt_num_threads
// DEFAULT: omp.parallel {
func.func @rows(%c: memref<32x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c32 step %c4 {
    scf.for %j = %c0 to %c16 step %c1 {
      memref.store %one, %c[%i, %j] : memref<32x16xf32>
    }
  } {ein.parallel}
  return
}

// -----

// Unmarked loops and loops that still carry values stay sequential; the
// mark is dropped either way.
// CHECK-LABEL: func.func @kept
// CHECK-NOT: omp.
// CHECK-NOT: ein.parallel
// CHECK: scf.for
// CHECK: scf.for {{.*}} iter_args
// CHECK-NOT: einrt_num_threads
func.func @kept(%c: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %zero, %c[%i] : memref<8xf32>
  }
  %s = scf.for %i = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> f32 {
    %x = memref.load %c[%i] : memref<8xf32>
    %y = arith.addf %acc, %x : f32
    scf.yield %y : f32
  } {ein.parallel}
  return %s : f32
}

// -----

// A scratch buffer allocated and freed in each iteration comes from the
// stack of the thread, once per region; one that outlives its block, has a
// dynamic size or exceeds the 1 MiB budget stays on the heap.
// CHECK-LABEL: func.func @scratch
// CHECK: omp.parallel
// CHECK-NEXT: %[[PANEL:.*]] = memref.alloca() {alignment = 64 : i64} : memref<256x64xf32>
// CHECK: omp.wsloop
// CHECK-NOT: memref.alloc()
// CHECK: memref.copy %{{.*}}, %[[PANEL]]
// CHECK-NOT: memref.dealloc %[[PANEL]]
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: memref.alloc() : memref<1024x512xf32>
// CHECK: memref.dealloc
// CHECK: omp.yield
func.func @scratch(%src: memref<256x64xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    %panel = memref.alloc() {alignment = 64 : i64} : memref<256x64xf32>
    memref.copy %src, %panel : memref<256x64xf32> to memref<256x64xf32>
    memref.dealloc %panel : memref<256x64xf32>
    %dynamic = memref.alloc(%n) : memref<?xf32>
    memref.dealloc %dynamic : memref<?xf32>
    %big = memref.alloc() : memref<1024x512xf32>
    memref.dealloc %big : memref<1024x512xf32>
  } {ein.parallel}
  return
}
