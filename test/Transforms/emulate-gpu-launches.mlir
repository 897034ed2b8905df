// RUN: ein-opt %s -split-input-file -verify-diagnostics --ein-emulate-gpu-launches | FileCheck %s
// Launches as CPU code: loops over the blocks; a block's threads are an
// omp.parallel region of exactly that many threads when the kernel has
// barriers, loops otherwise.

// CHECK-LABEL: func.func @with_barrier
// CHECK: %[[SHARED:.*]] = memref.alloca() {alignment = 32 : i64} : memref<8xf32>
// CHECK: scf.for %[[BZ:.*]] = %c0 to %c1
// CHECK: scf.for %[[BY:.*]] = %c0 to %c1
// CHECK: scf.for %[[BX:.*]] = %c0 to %c2
// CHECK: omp.parallel num_threads(%{{.*}} : i32)
// CHECK: %[[T:.*]] = func.call @omp_get_thread_num() : () -> i32
// CHECK: %[[TI:.*]] = arith.index_cast %[[T]] : i32 to index
// CHECK: %[[TX:.*]] = arith.remui %[[TI]], %c8
// CHECK: memref.store %{{.*}}, %[[SHARED]][%[[TX]]]
// CHECK: omp.barrier
// CHECK: memref.load %[[SHARED]]
// CHECK: omp.terminator
// CHECK-NOT: gpu.
// CHECK: func.func private @omp_get_thread_num() -> i32
func.func @with_barrier(%out: memref<16xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %c7 = arith.constant 7 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c1, %sz = %c1)
             workgroup(%shared : memref<8xf32, #gpu.address_space<workgroup>>) {
    %i = arith.index_cast %tx : index to i32
    %v = arith.sitofp %i : i32 to f32
    memref.store %v, %shared[%tx] : memref<8xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %other = arith.subi %c7, %tx : index
    %w = memref.load %shared[%other] : memref<8xf32, #gpu.address_space<workgroup>>
    %base = arith.muli %bx, %c8 : index
    %at = arith.addi %base, %tx : index
    memref.store %w, %out[%at] : memref<16xf32>
    gpu.terminator
  }
  return
}

// -----

// CHECK-LABEL: func.func @no_barrier
// CHECK: scf.for %[[BX:.*]] = %c0 to %c4
// CHECK: scf.for %{{.*}} = %c0 to %c1
// CHECK: scf.for %{{.*}} = %c0 to %c1
// CHECK: scf.for %[[TX:.*]] = %c0 to %c32
// CHECK: memref.store
// CHECK-NOT: omp.parallel
func.func @no_barrier(%out: memref<128xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c32 : index
    %at = arith.addi %base, %tx : index
    memref.store %zero, %out[%at] : memref<128xf32>
    gpu.terminator
  }
  return
}

// -----

func.func @warp_level(%a: memref<16x16xf16>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{warp-level GPU operations have no CPU emulation}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %m = gpu.subgroup_mma_load_matrix %a[%c0, %c0] {leadDimension = 16 : index} : memref<16x16xf16> -> !gpu.mma_matrix<16x16xf16, "AOp">
    gpu.terminator
  }
  return
}
