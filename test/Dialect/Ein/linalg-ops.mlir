// RUN: ein-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// ein.inv, ein.det, ein.solve and ein.cholesky: round trip and every
// verifier error.

// CHECK-LABEL: func.func @ops
// CHECK: ein.inv %{{.*}} {statement = 3 : i64} : tensor<4x4xf64>
// CHECK: ein.det %{{.*}} : tensor<4x4xf64> -> tensor<f64>
// CHECK: ein.solve %{{.*}}, %{{.*}} : tensor<4x4xf64>, tensor<4x2xf64>
// CHECK: ein.cholesky %{{.*}} : tensor<4x4xcomplex<f32>>
func.func @ops(%a: tensor<4x4xf64>, %b: tensor<4x2xf64>, %c: tensor<4x4xcomplex<f32>>) -> (tensor<4x4xf64>, tensor<f64>, tensor<4x2xf64>, tensor<4x4xcomplex<f32>>) {
  %0 = ein.inv %a {statement = 3 : i64} : tensor<4x4xf64>
  %1 = ein.det %a : tensor<4x4xf64> -> tensor<f64>
  %2 = ein.solve %a, %b : tensor<4x4xf64>, tensor<4x2xf64>
  %3 = ein.cholesky %c : tensor<4x4xcomplex<f32>>
  return %0, %1, %2, %3 : tensor<4x4xf64>, tensor<f64>, tensor<4x2xf64>, tensor<4x4xcomplex<f32>>
}

// -----

func.func @not_square(%a: tensor<4x3xf64>) -> tensor<4x3xf64> {
  // expected-error @+1 {{'ein.inv' op needs a square matrix, not 4x3}}
  %0 = ein.inv %a : tensor<4x3xf64>
  return %0 : tensor<4x3xf64>
}

// -----

func.func @integers(%a: tensor<4x4xi32>) -> tensor<i32> {
  // expected-error @+1 {{'ein.det' op operand #0 must be 2D tensor of f32, f64, complex<f32> or complex<f64> values}}
  %0 = ein.det %a : tensor<4x4xi32> -> tensor<i32>
  return %0 : tensor<i32>
}

// -----

func.func @rows(%a: tensor<4x4xf64>, %b: tensor<3xf64>) -> tensor<3xf64> {
  // expected-error @+1 {{the right-hand side has 3 rows but the matrix has 4}}
  %0 = ein.solve %a, %b : tensor<4x4xf64>, tensor<3xf64>
  return %0 : tensor<3xf64>
}

// -----

func.func @rank3(%a: tensor<4x4xf64>, %b: tensor<4x2x2xf64>) -> tensor<4x2x2xf64> {
  // expected-error @+1 {{needs a vector or matrix right-hand side}}
  %0 = ein.solve %a, %b : tensor<4x4xf64>, tensor<4x2x2xf64>
  return %0 : tensor<4x2x2xf64>
}

// -----

func.func @det_type(%a: tensor<4x4xf64>) -> tensor<f32> {
  // expected-error @+1 {{result element type must equal the operand's}}
  %0 = ein.det %a : tensor<4x4xf64> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @factors
// CHECK: ein.svd %{{.*}} : tensor<6x4xf32> -> tensor<6x4xf32>, tensor<4xf32>, tensor<4x4xf32>
// CHECK: ein.qr %{{.*}} : tensor<6x4xf32> -> tensor<6x4xf32>, tensor<4x4xf32>
// CHECK: ein.eigh %{{.*}} : tensor<4x4xf32> -> tensor<4xf32>, tensor<4x4xf32>
func.func @factors(%a: tensor<6x4xf32>, %h: tensor<4x4xf32>) -> tensor<4xf32> {
  %u, %s, %vt = ein.svd %a : tensor<6x4xf32> -> tensor<6x4xf32>, tensor<4xf32>, tensor<4x4xf32>
  %q, %r = ein.qr %a : tensor<6x4xf32> -> tensor<6x4xf32>, tensor<4x4xf32>
  %w, %v = ein.eigh %h : tensor<4x4xf32> -> tensor<4xf32>, tensor<4x4xf32>
  return %w : tensor<4xf32>
}

// -----

func.func @svd_shape(%a: tensor<6x4xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'ein.svd' op result 1 has extent 5 in dimension 0 but 4 was expected}}
  %u, %s, %vt = ein.svd %a : tensor<6x4xf32> -> tensor<6x4xf32>, tensor<5xf32>, tensor<4x4xf32>
  return %s : tensor<5xf32>
}

// -----

func.func @eigh_square(%a: tensor<6x4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ein.eigh' op needs a square matrix, not 6x4}}
  %w, %v = ein.eigh %a : tensor<6x4xf32> -> tensor<4xf32>, tensor<4x4xf32>
  return %w : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @slogdet
// CHECK: ein.slogdet %{{.*}} : tensor<3x3xf64> -> tensor<f64>, tensor<f64>
func.func @slogdet(%a: tensor<3x3xf64>) -> tensor<f64> {
  %s, %l = ein.slogdet %a : tensor<3x3xf64> -> tensor<f64>, tensor<f64>
  return %l : tensor<f64>
}

// -----

// CHECK-LABEL: func.func @eig_lstsq_cutoff
// CHECK: ein.eig %{{.*}} : tensor<3x3xcomplex<f64>> -> tensor<3xcomplex<f64>>, tensor<3x3xcomplex<f64>>
// CHECK: ein.lstsq %{{.*}}, %{{.*}} : tensor<6x4xf64>, tensor<6x2xf64> -> tensor<4x2xf64>
// CHECK: ein.lstsq %{{.*}}, %{{.*}} : tensor<6x4xf64>, tensor<6xf64> -> tensor<4xf64>
// CHECK: ein.svd %{{.*}} {cutoff = 1.000000e-03 : f64} : tensor<6x4xf64>
func.func @eig_lstsq_cutoff(%c: tensor<3x3xcomplex<f64>>, %a: tensor<6x4xf64>, %b: tensor<6x2xf64>, %v: tensor<6xf64>) -> (tensor<3xcomplex<f64>>, tensor<4x2xf64>, tensor<4xf64>, tensor<4xf64>) {
  %w, %vecs = ein.eig %c : tensor<3x3xcomplex<f64>> -> tensor<3xcomplex<f64>>, tensor<3x3xcomplex<f64>>
  %x = ein.lstsq %a, %b : tensor<6x4xf64>, tensor<6x2xf64> -> tensor<4x2xf64>
  %y = ein.lstsq %a, %v : tensor<6x4xf64>, tensor<6xf64> -> tensor<4xf64>
  %u, %s, %vt = ein.svd %a {cutoff = 1.0e-3 : f64} : tensor<6x4xf64> -> tensor<6x4xf64>, tensor<4xf64>, tensor<4x4xf64>
  return %w, %x, %y, %s : tensor<3xcomplex<f64>>, tensor<4x2xf64>, tensor<4xf64>, tensor<4xf64>
}

// -----

func.func @eig_real(%a: tensor<3x3xf64>) -> tensor<3xcomplex<f64>> {
  // expected-error @+1 {{'ein.eig' op needs a complex matrix (its eigenvalues are complex)}}
  %w, %v = ein.eig %a : tensor<3x3xf64> -> tensor<3xcomplex<f64>>, tensor<3x3xcomplex<f64>>
  return %w : tensor<3xcomplex<f64>>
}

// -----

func.func @eig_square(%a: tensor<3x2xcomplex<f32>>) -> tensor<3xcomplex<f32>> {
  // expected-error @+1 {{'ein.eig' op needs a square matrix, not 3x2}}
  %w, %v = ein.eig %a : tensor<3x2xcomplex<f32>> -> tensor<3xcomplex<f32>>, tensor<3x3xcomplex<f32>>
  return %w : tensor<3xcomplex<f32>>
}

// -----

func.func @lstsq_rows(%a: tensor<6x4xf64>, %b: tensor<5xf64>) -> tensor<4xf64> {
  // expected-error @+1 {{'ein.lstsq' op the right-hand side has 5 rows but the matrix has 6}}
  %x = ein.lstsq %a, %b : tensor<6x4xf64>, tensor<5xf64> -> tensor<4xf64>
  return %x : tensor<4xf64>
}

// -----

func.func @lstsq_result(%a: tensor<6x4xf64>, %b: tensor<6x2xf64>) -> tensor<6x2xf64> {
  // expected-error @+1 {{'ein.lstsq' op the result has extent 6 in dimension 0 but 4 was expected}}
  %x = ein.lstsq %a, %b : tensor<6x4xf64>, tensor<6x2xf64> -> tensor<6x2xf64>
  return %x : tensor<6x2xf64>
}

// -----

func.func @lstsq_types(%a: tensor<6x4xf64>, %b: tensor<6xf32>) -> tensor<4xf64> {
  // expected-error @+1 {{'ein.lstsq' op operands and result have different element types}}
  %x = ein.lstsq %a, %b : tensor<6x4xf64>, tensor<6xf32> -> tensor<4xf64>
  return %x : tensor<4xf64>
}
