// RUN: ein-opt %s -split-input-file --convert-ein-to-linalg | FileCheck %s
// ein.map is one parallel generic with broadcasting maps; ein.reduce fills
// with its identity; softmax and logsumexp subtract the maximum first;
// ein.scan loops over its dimension, one slice at a time.

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

// -----

// Slice k of the result is slice k of the input plus slice k-1 of the
// result, except slice 0, which is the input's.
// CHECK-LABEL: func.func @cumsum
// CHECK: %[[N:.*]] = tensor.dim %{{.*}}, %c1
// CHECK: scf.for %[[K:.*]] = %c0 to %[[N]] step %c1 iter_args(%[[R:.*]] = %{{.*}}) -> (tensor<3x5xf64>)
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[K]], %c0
// CHECK: %[[X:.*]] = tensor.extract_slice %{{.*}}[0, %[[K]]] [3, 1] [1, 1]
// CHECK: %[[PREV:.*]] = tensor.extract_slice %[[R]][0, %{{.*}}] [3, 1] [1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[PREV]]
// CHECK: arith.addf
// CHECK: arith.select %[[FIRST]]
// CHECK: tensor.insert_slice %{{.*}} into %[[R]][0, %[[K]]] [3, 1] [1, 1]
// CHECK-NOT: ein.scan
func.func @cumsum(%x: tensor<3x5xf64>) -> tensor<3x5xf64> {
  %0 = ein.scan "sum" %x along 1 : tensor<3x5xf64>
  return %0 : tensor<3x5xf64>
}

// -----

// CHECK-LABEL: func.func @cumprod_int
// CHECK: scf.for
// CHECK: arith.muli
// CHECK-NOT: ein.scan
func.func @cumprod_int(%x: tensor<?xi32>) -> tensor<?xi32> {
  %0 = ein.scan "prod" %x along 0 : tensor<?xi32>
  return %0 : tensor<?xi32>
}
