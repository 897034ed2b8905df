// RUN: ein-opt %s | ein-opt | FileCheck %s
// RUN: ein-opt %s --mlir-print-op-generic | ein-opt | FileCheck %s
// ein.map, ein.reduce, ein.softmax and ein.scan print and parse back
// unchanged.

// CHECK-LABEL: func.func @ops
// CHECK: %[[Y:.*]] = ein.map "add" "ij,j->ij" %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
// CHECK: %[[P:.*]] = ein.softmax %[[Y]] along 1 : tensor<4x8xf32>
// CHECK: ein.reduce "logsumexp" "ij->i" %[[P]] : (tensor<4x8xf32>) -> tensor<4xf32>
// CHECK: ein.map "select" "ij,ij,->ij"
func.func @ops(%x: tensor<4x8xf32>, %b: tensor<8xf32>, %z: tensor<f32>) -> (tensor<4xf32>, tensor<4x8xf32>) {
  %y = ein.map "add" "ij,j->ij" %x, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %p = ein.softmax %y along 1 : tensor<4x8xf32>
  %l = ein.reduce "logsumexp" "ij->i" %p : (tensor<4x8xf32>) -> tensor<4xf32>
  %s = ein.map "select" "ij,ij,->ij" %p, %x, %z : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %l, %s : tensor<4xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @scans
// CHECK: %[[C:.*]] = ein.scan "sum" %{{.*}} along 1 : tensor<4x8xf32>
// CHECK: ein.scan "prod" %[[C]] along 0 : tensor<4x8xf32>
// CHECK: ein.scan "sum" %{{.*}} along 0 : tensor<?xi64>
func.func @scans(%x: tensor<4x8xf32>, %n: tensor<?xi64>) -> (tensor<4x8xf32>, tensor<?xi64>) {
  %c = ein.scan "sum" %x along 1 : tensor<4x8xf32>
  %p = ein.scan "prod" %c along 0 : tensor<4x8xf32>
  %s = ein.scan "sum" %n along 0 : tensor<?xi64>
  return %p, %s : tensor<4x8xf32>, tensor<?xi64>
}
