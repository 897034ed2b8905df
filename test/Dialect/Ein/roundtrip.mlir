// RUN: ein-opt %s | ein-opt | FileCheck %s
// RUN: ein-opt %s --mlir-print-op-generic | ein-opt | FileCheck %s
// The custom assembly of ein.contract prints and parses back unchanged.

// CHECK-LABEL: func.func @matmul
// CHECK: %[[R:.*]] = ein.contract "ij,jk->ik" %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK: return %[[R]]
func.func @matmul(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %0 = ein.contract "ij,jk->ik" %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// CHECK-LABEL: func.func @dynamic_batch
// CHECK: ein.contract "bij,bjk->bik" {{.*}} -> tensor<?x?x?xf64>
func.func @dynamic_batch(%a: tensor<?x?x?xf64>, %b: tensor<?x?x?xf64>) -> tensor<?x?x?xf64> {
  %0 = ein.contract "bij,bjk->bik" %a, %b : (tensor<?x?x?xf64>, tensor<?x?x?xf64>) -> tensor<?x?x?xf64>
  return %0 : tensor<?x?x?xf64>
}

// CHECK-LABEL: func.func @trace_complex
// CHECK: ein.contract "ii->" {{.*}} : (tensor<3x3xcomplex<f32>>) -> tensor<complex<f32>>
func.func @trace_complex(%a: tensor<3x3xcomplex<f32>>) -> tensor<complex<f32>> {
  %0 = ein.contract "ii->" %a : (tensor<3x3xcomplex<f32>>) -> tensor<complex<f32>>
  return %0 : tensor<complex<f32>>
}

// CHECK-LABEL: func.func @broadcast_and_scalar
// CHECK: ein.contract ",ij,Aj->iAj"
func.func @broadcast_and_scalar(%s: tensor<i64>, %a: tensor<2x1xi64>, %b: tensor<5x3xi64>) -> tensor<2x5x3xi64> {
  %0 = ein.contract ",ij,Aj->iAj" %s, %a, %b : (tensor<i64>, tensor<2x1xi64>, tensor<5x3xi64>) -> tensor<2x5x3xi64>
  return %0 : tensor<2x5x3xi64>
}
