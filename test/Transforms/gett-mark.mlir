// RUN: ein-opt %s -split-input-file --convert-ein-to-linalg --ein-vectorize-contractions | FileCheck %s
// ein-vectorize-contractions marks the contractions that ein-gett lowers
// after bufferization (32768 multiply-adds or more) and leaves them alone.

// CHECK-LABEL: func.func @marked
// CHECK: linalg.generic {{.*}} attrs = {ein.gett}
// CHECK-NOT: vector.contract
// CHECK-NOT: vector.fma
func.func @marked(%a: tensor<100x70xf32>, %b: tensor<70x130xf32>) -> tensor<100x130xf32> {
  %0 = ein.contract "ik,kj->ij" %a, %b : (tensor<100x70xf32>, tensor<70x130xf32>) -> tensor<100x130xf32>
  return %0 : tensor<100x130xf32>
}

// -----

// Any layout: the operand with C's last index is B.
// CHECK-LABEL: func.func @transposed
// CHECK: linalg.generic {{.*}} attrs = {ein.gett}
func.func @transposed(%a: tensor<64x32x16xf64>, %b: tensor<16x64x64xf64>) -> tensor<64x32xf64> {
  %0 = ein.contract "ikl,lji->jk" %a, %b : (tensor<64x32x16xf64>, tensor<16x64x64xf64>) -> tensor<64x32xf64>
  return %0 : tensor<64x32xf64>
}

// -----

// Small ones keep the register blocks read in place.
// CHECK-LABEL: func.func @small
// CHECK-NOT: ein.gett
// CHECK: vector.fma
func.func @small(%a: tensor<8x64xf32>, %b: tensor<64x32xf32>) -> tensor<8x32xf32> {
  %0 = ein.contract "ik,kj->ij" %a, %b : (tensor<8x64xf32>, tensor<64x32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// Not a product of two operands' loops: C ends with a batch index, or an
// integer product.
// CHECK-LABEL: func.func @batch_last
// CHECK-NOT: ein.gett
// CHECK-LABEL: func.func @integers
// CHECK-NOT: ein.gett
func.func @batch_last(%a: tensor<64x64x32xf32>, %b: tensor<64x64x32xf32>) -> tensor<64x64x32xf32> {
  %0 = ein.contract "ikb,kjb->ijb" %a, %b : (tensor<64x64x32xf32>, tensor<64x64x32xf32>) -> tensor<64x64x32xf32>
  return %0 : tensor<64x64x32xf32>
}
func.func @integers(%a: tensor<64x64xi64>, %b: tensor<64x64xi64>) -> tensor<64x64xi64> {
  %0 = ein.contract "ik,kj->ij" %a, %b : (tensor<64x64xi64>, tensor<64x64xi64>) -> tensor<64x64xi64>
  return %0 : tensor<64x64xi64>
}

// -----

// Complex products are marked too: ein-gett multiplies them out in real
// vectors.
// CHECK-LABEL: func.func @complex
// CHECK: linalg.generic
// CHECK-SAME: ein.gett
// CHECK: complex.mul
func.func @complex(%a: tensor<64x48xcomplex<f64>>, %b: tensor<32x64xcomplex<f64>>) -> tensor<48x32xcomplex<f64>> {
  %0 = ein.contract "ki,jk->ij" %a, %b : (tensor<64x48xcomplex<f64>>, tensor<32x64xcomplex<f64>>) -> tensor<48x32xcomplex<f64>>
  return %0 : tensor<48x32xcomplex<f64>>
}
