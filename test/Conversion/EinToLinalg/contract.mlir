// RUN: ein-opt %s -split-input-file --convert-ein-to-linalg | FileCheck %s
// ein.contract becomes one linalg.generic whose maps come from the
// subscripts: summed labels iterate innermost but one, diagonals repeat a
// dim, and broadcast size-1 dims read index 0.

// CHECK-DAG: #[[MA:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[MB:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[MC:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @matmul
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[EMPTY:.*]] = tensor.empty() : tensor<4x16xf32>
// CHECK: %[[FILL:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<4x16xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[MA]], #[[MB]], #[[MC]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: outs(%[[FILL]] : tensor<4x16xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @matmul(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %0 = ein.contract "ij,jk->ik" %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// A diagonal: no reduction, so no fill and the body yields the element.
// CHECK-DAG: #[[DIAG:.*]] = affine_map<(d0) -> (d0, d0)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @diagonal
// CHECK-NOT: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[DIAG]], #[[ID]]], iterator_types = ["parallel"]}
// CHECK: ^bb0(%[[IN:.*]]: i32, %{{.*}}: i32):
// CHECK-NEXT: linalg.yield %[[IN]] : i32
func.func @diagonal(%a: tensor<5x5xi32>) -> tensor<5xi32> {
  %0 = ein.contract "ii->i" %a : (tensor<5x5xi32>) -> tensor<5xi32>
  return %0 : tensor<5xi32>
}

// -----

// Size-1 broadcasting reads index 0 of the operand that has extent 1.
// CHECK-DAG: #[[BA:.*]] = affine_map<(d0, d1, d2) -> (d0, 0)>
// CHECK-DAG: #[[BB:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @broadcast
// CHECK: linalg.generic {indexing_maps = [#[[BA]], #[[BB]], {{.*}}], iterator_types = ["parallel", "reduction", "parallel"]}
func.func @broadcast(%a: tensor<2x1xf64>, %b: tensor<3x4xf64>) -> tensor<2x4xf64> {
  %0 = ein.contract "ij,jk->ik" %a, %b : (tensor<2x1xf64>, tensor<3x4xf64>) -> tensor<2x4xf64>
  return %0 : tensor<2x4xf64>
}

// -----

// Complex numbers multiply and add with the complex dialect.
// CHECK-LABEL: func.func @complex_dot
// CHECK: complex.constant [0.000000e+00 : f32, 0.000000e+00 : f32]
// CHECK: complex.mul
// CHECK: complex.add
func.func @complex_dot(%a: tensor<3xcomplex<f32>>, %b: tensor<3xcomplex<f32>>) -> tensor<complex<f32>> {
  %0 = ein.contract "i,i->" %a, %b : (tensor<3xcomplex<f32>>, tensor<3xcomplex<f32>>) -> tensor<complex<f32>>
  return %0 : tensor<complex<f32>>
}

// -----

// Dynamic output extents are read from an operand with the same label.
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<?x?xi64>, %[[B:.*]]: tensor<?x?xi64>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[I:.*]] = tensor.dim %[[A]], %[[C0]]
// CHECK-DAG: %[[K:.*]] = tensor.dim %[[B]], %[[C1]]
// CHECK: tensor.empty(%[[I]], %[[K]]) : tensor<?x?xi64>
// CHECK: arith.muli
// CHECK: arith.addi
func.func @dynamic(%a: tensor<?x?xi64>, %b: tensor<?x?xi64>) -> tensor<?x?xi64> {
  %0 = ein.contract "ij,jk->ik" %a, %b : (tensor<?x?xi64>, tensor<?x?xi64>) -> tensor<?x?xi64>
  return %0 : tensor<?x?xi64>
}

// -----

// Three operands lower directly to one loop nest (without decomposition).
// CHECK-LABEL: func.func @ternary
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @ternary(%a: tensor<7xf32>, %b: tensor<7xf32>, %c: tensor<7xf32>) -> tensor<f32> {
  %0 = ein.contract "i,i,i->" %a, %b, %c : (tensor<7xf32>, tensor<7xf32>, tensor<7xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}
