// RUN: ein-opt %s -split-input-file --ein-gpu-host-memory | FileCheck %s
// The host code's buffers become device memory; kernels are left alone.

// CHECK-LABEL: func.func @einsum
// CHECK-SAME: (%[[A:.*]]: memref<8x?xf32>, %[[N:.*]]: index)
// CHECK: %[[S0:.*]] = gpu.wait async
// CHECK: %[[T:.*]], %[[D0:.*]] = gpu.alloc async [%[[S0]]] (%[[N]]) : memref<8x?xf32>
// CHECK: gpu.wait [%[[D0]]]
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch_func @einsum_kernels::@einsum_kernel {{.*}} args(%[[A]] : memref<8x?xf32>, %[[T]] : memref<8x?xf32>)
// CHECK: %[[V:.*]] = memref.collapse_shape %[[T]]
// CHECK: gpu.launch_func @einsum_kernels::@einsum_kernel_0 {{.*}} args(%[[V]] : memref<?xf32>)
// CHECK: %[[S1:.*]] = gpu.wait async
// CHECK: %[[D1:.*]] = gpu.dealloc async [%[[S1]]] %[[T]] : memref<8x?xf32>
// CHECK: gpu.wait [%[[D1]]]
// CHECK-NOT: memref.dealloc
// CHECK: gpu.module @einsum_kernels
// CHECK: gpu.func @einsum_kernel
// CHECK: memref.alloca
module attributes {gpu.container_module} {
  func.func @einsum(%a: memref<8x?xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %t = memref.alloc(%n) : memref<8x?xf32>
    gpu.launch_func @einsum_kernels::@einsum_kernel blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%a : memref<8x?xf32>, %t : memref<8x?xf32>)
    %v = memref.collapse_shape %t [[0, 1]] : memref<8x?xf32> into memref<?xf32>
    gpu.launch_func @einsum_kernels::@einsum_kernel_0 blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%v : memref<?xf32>)
    memref.dealloc %t : memref<8x?xf32>
    return
  }
  gpu.module @einsum_kernels {
    gpu.func @einsum_kernel(%x: memref<8x?xf32>, %y: memref<8x?xf32>) kernel {
      %s = memref.alloca() : memref<4xf32>
      gpu.return
    }
    gpu.func @einsum_kernel_0(%x: memref<?xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// A function with nothing to allocate is unchanged.
// CHECK-LABEL: func.func @copyless
// CHECK-NEXT: return
module attributes {gpu.container_module} {
  func.func @copyless(%a: memref<8xf32>) {
    return
  }
}
