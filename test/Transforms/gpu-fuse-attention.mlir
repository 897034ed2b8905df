// RUN: ein-opt %s -split-input-file --ein-gpu-fuse-attention | FileCheck %s
// RUN: ein-opt %s -split-input-file --ein-gpu-fuse-attention --ein-gpu-attention-kernels | FileCheck %s --check-prefix=KERNEL
// softmax(scale Q K^T) V on the GPU: a call standing for the kernel on the
// operands' buffers until bufferization, then one launch of online
// softmax, one query row per thread, K and V staged in workgroup memory.

// CHECK-LABEL: func.func @attention
// CHECK-NOT: ein.softmax
// CHECK-DAG: %[[Q:.*]] = bufferization.to_buffer %arg0 read_only : tensor<2x100x64xf32> to memref<2x100x64xf32>
// CHECK-DAG: %[[K:.*]] = bufferization.to_buffer %arg1 read_only
// CHECK-DAG: %[[V:.*]] = bufferization.to_buffer %arg2 read_only
// CHECK-DAG: %[[O:.*]] = memref.alloc() : memref<2x100x32xf32>
// CHECK: call @ein_gpu_attention_0(%[[Q]], %[[K]], %[[V]], %[[O]])
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[O]] restrict writable
// CHECK: return %[[T]]
// CHECK: func.func private @ein_gpu_attention_0(memref<2x100x64xf32>, memref<2x70x64xf32>, memref<2x70x32xf32>, memref<2x100x32xf32>) attributes {ein.gpu_attention = 1.250000e-01 : f64}
// KERNEL-LABEL: func.func @attention
// KERNEL: gpu.launch blocks
// KERNEL-SAME: threads({{.*}}) in ({{.*}} = %c64,
// KERNEL-SAME: workgroup(%[[SK:[a-z0-9]+]] : memref<32x64xf32, #gpu.address_space<workgroup>>, %[[SV:[a-z0-9]+]] : memref<32x32xf32, #gpu.address_space<workgroup>>)
// KERNEL: arith.constant 1.250000e-01 : f32
// KERNEL: scf.for %{{.*}} = %{{.*}} to %c70 step %c32{{.*}} iter_args(
// KERNEL: memref.store %{{.*}}, %[[SK]]
// KERNEL: memref.store %{{.*}}, %[[SV]]
// KERNEL: gpu.barrier
// KERNEL: arith.maximumf
// KERNEL: math.exp
// KERNEL: math.exp
// KERNEL: gpu.barrier
// KERNEL: arith.divf
// KERNEL-NOT: ein_gpu_attention
func.func @attention(%q: tensor<2x100x64xf32>, %k: tensor<2x70x64xf32>, %v: tensor<2x70x32xf32>) -> tensor<2x100x32xf32> {
  %cst = arith.constant dense<1.250000e-01> : tensor<f32>
  %0 = ein.contract "abd,aed,->abe" %q, %k, %cst : (tensor<2x100x64xf32>, tensor<2x70x64xf32>, tensor<f32>) -> tensor<2x100x70xf32>
  %1 = ein.softmax %0 along 2 : tensor<2x100x70xf32>
  %2 = ein.contract "abe,aef->abf" %1, %v : (tensor<2x100x70xf32>, tensor<2x70x32xf32>) -> tensor<2x100x32xf32>
  return %2 : tensor<2x100x32xf32>
}

// -----

// Rows too wide for registers (d + e > 192) stay unfused.
// CHECK-LABEL: func.func @wide
// CHECK: ein.softmax
// CHECK-NOT: call
func.func @wide(%q: tensor<8x160xf32>, %k: tensor<8x160xf32>, %v: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %0 = ein.contract "id,jd->ij" %q, %k : (tensor<8x160xf32>, tensor<8x160xf32>) -> tensor<8x8xf32>
  %1 = ein.softmax %0 along 1 : tensor<8x8xf32>
  %2 = ein.contract "ij,je->ie" %1, %v : (tensor<8x8xf32>, tensor<8x64xf32>) -> tensor<8x64xf32>
  return %2 : tensor<8x64xf32>
}
