// RUN: ein-opt %s --convert-ein-to-linalg | FileCheck %s
// Linear algebra becomes calls of the runtime on the operands' buffers,
// with the dtype code and the statement number.

// CHECK-DAG: func.func private @einrt_kernel_inv(i32, i64, i64, i64, i64) -> i32
// CHECK-DAG: func.func private @einrt_kernel_solve(i32, i64, i64, i64, i64, i64, i64) -> i32
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
