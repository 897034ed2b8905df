// RUN: ein-opt %s --convert-ein-to-linalg | FileCheck %s
// Linear algebra becomes calls of the runtime on the operands' buffers,
// with the dtype code and the statement number.

// CHECK-DAG: func.func private @einrt_kernel_inv(i32, i64, i64, i64, i64) -> i32
// CHECK-DAG: func.func private @einrt_kernel_solve(i32, i64, i64, i64, i64, i64, i64) -> i32
// CHECK-DAG: func.func private @einrt_kernel_eig(i32, i64, i64, i64, i64, i64) -> i32
// CHECK-DAG: func.func private @einrt_kernel_lstsq(i32, i64, i64, i64, i64, i64, i64, i64) -> i32
// CHECK-DAG: func.func private @einrt_kernel_svd(i32, i64, i64, i64, i64, i64, i64, i64) -> i32
// CHECK-DAG: func.func private @einrt_kernel_svd_cutoff(i32, i64, i64, i64, i64, i64, i64, f64, i64) -> i32
// CHECK-LABEL: func.func @f
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<3x3xcomplex<f64>>
// CHECK: %[[CODE:.*]] = arith.constant 3 : i32
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %{{.*}} read_only
// CHECK: memref.extract_aligned_pointer_as_index %[[BUF]]
// CHECK: memref.extract_aligned_pointer_as_index %[[OUT]]
// CHECK: %[[STMT:.*]] = arith.constant 7 : i64
// CHECK: call @einrt_kernel_inv(%[[CODE]], %{{.*}}, %{{.*}}, %{{.*}}, %[[STMT]])
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: call @einrt_kernel_solve
func.func @f(%a: tensor<3x3xcomplex<f64>>, %b: tensor<3xcomplex<f64>>) -> (tensor<3x3xcomplex<f64>>, tensor<3xcomplex<f64>>) {
  %0 = ein.inv %a {statement = 7 : i64} : tensor<3x3xcomplex<f64>>
  %1 = ein.solve %a, %b : tensor<3x3xcomplex<f64>>, tensor<3xcomplex<f64>>
  return %0, %1 : tensor<3x3xcomplex<f64>>, tensor<3xcomplex<f64>>
}

// eig (square: one size), lstsq (m, n and the right-hand sides' count),
// and svd with and without a cutoff, which travels as an f64.
// CHECK-LABEL: func.func @g
// CHECK: call @einrt_kernel_eig
// CHECK: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: call @einrt_kernel_lstsq(%{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]],
// CHECK: call @einrt_kernel_svd(
// CHECK: %[[CUT:.*]] = arith.constant 1.000000e-03 : f64
// CHECK: call @einrt_kernel_svd_cutoff(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[CUT]], %{{.*}})
func.func @g(%c: tensor<3x3xcomplex<f64>>, %a: tensor<6x4xf64>, %v: tensor<6xf64>) -> (tensor<3xcomplex<f64>>, tensor<4xf64>, tensor<4xf64>, tensor<4xf64>) {
  %w, %vecs = ein.eig %c : tensor<3x3xcomplex<f64>> -> tensor<3xcomplex<f64>>, tensor<3x3xcomplex<f64>>
  %x = ein.lstsq %a, %v : tensor<6x4xf64>, tensor<6xf64> -> tensor<4xf64>
  %u, %s, %vt = ein.svd %a : tensor<6x4xf64> -> tensor<6x4xf64>, tensor<4xf64>, tensor<4x4xf64>
  %u2, %s2, %vt2 = ein.svd %a {cutoff = 1.0e-3 : f64} : tensor<6x4xf64> -> tensor<6x4xf64>, tensor<4xf64>, tensor<4x4xf64>
  return %w, %x, %s, %s2 : tensor<3xcomplex<f64>>, tensor<4xf64>, tensor<4xf64>, tensor<4xf64>
}
