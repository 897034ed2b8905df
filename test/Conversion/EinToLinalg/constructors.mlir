// RUN: ein-opt %s -split-input-file --convert-ein-to-linalg | FileCheck %s
// Constructors are parallel generics: broadcast reads its operand through a
// projection; iota and random compute each element from linalg.index.

// CHECK-DAG: #[[PROJ:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @broadcast
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[PROJ]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}} : tensor<3xf32>) outs(%[[E]] : tensor<4x3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK-NOT: ein.broadcast
func.func @broadcast(%x: tensor<3xf32>) -> tensor<4x3xf32> {
  %0 = ein.broadcast "i->ji" %x : (tensor<3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func.func @iota
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<5xi32>)
// CHECK: %[[K:.*]] = linalg.index 0 : index
// CHECK: %[[W:.*]] = arith.index_cast %[[K]] : index to i64
// CHECK: arith.trunci %[[W]] : i64 to i32
// CHECK-NOT: ein.iota
func.func @iota() -> tensor<5xi32> {
  %0 = ein.iota : tensor<5xi32>
  return %0 : tensor<5xi32>
}

// -----

// The C-order position k = i * 4 + j, hashed; normal samples take the cosine
// branch of Box-Muller and are rounded to f32 at the end.
// CHECK-LABEL: func.func @random
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x4xf32>)
// CHECK-DAG: linalg.index 0
// CHECK-DAG: linalg.index 1
// CHECK: arith.xori
// CHECK: arith.uitofp
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.cos
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK-NOT: ein.random
func.func @random() -> tensor<3x4xf32> {
  %0 = ein.random "normal"(0.0, 1.0) seed 5 : tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}
