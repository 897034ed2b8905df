// RUN: ein-opt %s -split-input-file --convert-ein-to-linalg | FileCheck %s
// ein.map is one parallel generic with broadcasting maps; ein.reduce fills
// with its identity; softmax and logsumexp subtract the maximum first.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @bias_relu
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: arith.maximumf
func.func @bias_relu(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %y = ein.map "add" "ij,j->ij" %x, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %r = ein.map "relu" "ij->ij" %y : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @max_rows
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NEGINF]] : f32)
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK: arith.maximumf
func.func @max_rows(%x: tensor<4x8xf32>) -> tensor<8xf32> {
  %0 = ein.reduce "max" "ij->j" %x : (tensor<4x8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @mean
// CHECK: arith.addf
// CHECK: arith.sitofp
// CHECK: arith.divf
func.func @mean(%x: tensor<4x8xf64>) -> tensor<4xf64> {
  %0 = ein.reduce "mean" "ij->i" %x : (tensor<4x8xf64>) -> tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

// CHECK-LABEL: func.func @softmax
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK-NOT: ein.softmax
func.func @softmax(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %0 = ein.softmax %x along 1 : tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}

// -----

// CHECK-LABEL: func.func @compare_int
// CHECK: arith.cmpi slt
// CHECK: arith.select
func.func @compare_int(%x: tensor<3xi32>, %y: tensor<3xi32>) -> tensor<3xi32> {
  %0 = ein.map "lt" "i,i->i" %x, %y : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}
