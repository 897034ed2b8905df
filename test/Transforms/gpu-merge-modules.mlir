// RUN: ein-opt %s -split-input-file --ein-gpu-merge-modules | FileCheck %s
// Every outlined kernel moves into one gpu.module, named after the module
// it came from; the launches follow.

// CHECK-LABEL: func.func @einsum
// CHECK: gpu.launch_func  @einsum_kernels::@einsum_kernel blocks
// CHECK: gpu.launch_func  @einsum_kernels::@einsum_kernel_0 blocks
// CHECK: gpu.module @einsum_kernels {
// CHECK: gpu.func @einsum_kernel(%{{.*}}: memref<8xf32>) kernel
// CHECK: gpu.func @einsum_kernel_0(%{{.*}}: memref<8xf32>) kernel
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @einsum(%a: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    gpu.launch_func @einsum_kernel::@einsum_kernel blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%a : memref<8xf32>)
    gpu.launch_func @einsum_kernel_0::@einsum_kernel blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%a : memref<8xf32>)
    return
  }
  gpu.module @einsum_kernel {
    gpu.func @einsum_kernel(%x: memref<8xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @einsum_kernel_0 {
    gpu.func @einsum_kernel(%x: memref<8xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// Nothing to launch (a zero-size result): the module is still made.
// CHECK-LABEL: func.func @empty
// CHECK: gpu.module @empty_kernels {
// CHECK-NEXT: }
module {
  func.func @empty(%a: memref<0xf32>) {
    return
  }
}
