// RUN: ein-opt %s -split-input-file -verify-diagnostics
// Every verifier error of ein.map, ein.reduce, ein.softmax and ein.scan.

func.func @unknown_fn(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'ein.map' op unknown function 'cosh'}}
  %0 = ein.map "cosh" "i->i" %x : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @arity(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'add' takes 2 operands but has 1}}
  %0 = ein.map "add" "i->i" %x : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @sums(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{label 'j' is missing from the output: ein.map sums nothing}}
  %0 = ein.map "exp" "ij->i" %x : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @int_exp(%x: tensor<2xi32>) -> tensor<2xi32> {
  // expected-error @+1 {{'exp' is not defined on integers}}
  %0 = ein.map "exp" "i->i" %x : (tensor<2xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @complex_max(%x: tensor<2xcomplex<f32>>) -> tensor<2xcomplex<f32>> {
  // expected-error @+1 {{'max' is not defined on complex numbers}}
  %0 = ein.map "max" "i,i->i" %x, %x : (tensor<2xcomplex<f32>>, tensor<2xcomplex<f32>>) -> tensor<2xcomplex<f32>>
  return %0 : tensor<2xcomplex<f32>>
}

// -----

func.func @map_extent(%x: tensor<2xf32>, %y: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{label 'i' has extent 2 in operand 0 but 3 in operand 1 (dimension 0)}}
  %0 = ein.map "add" "i,i->i" %x, %y : (tensor<2xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @unknown_reduction(%x: tensor<2xf32>) -> tensor<f32> {
  // expected-error @+1 {{'ein.reduce' op unknown reduction 'median'}}
  %0 = ein.reduce "median" "i->" %x : (tensor<2xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @repeated(%x: tensor<2x2xf32>) -> tensor<f32> {
  // expected-error @+1 {{label 'i' repeats in the operand}}
  %0 = ein.reduce "sum" "ii->" %x : (tensor<2x2xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @int_mean(%x: tensor<2xi64>) -> tensor<i64> {
  // expected-error @+1 {{'mean' needs floating-point numbers}}
  %0 = ein.reduce "mean" "i->" %x : (tensor<2xi64>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

func.func @reduce_shape(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{result shape 3 does not match 2 implied by the operands}}
  %0 = ein.reduce "sum" "ij->i" %x : (tensor<2x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @softmax_dim(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'ein.softmax' op dimension 2 is out of range for rank 2}}
  %0 = ein.softmax %x along 2 : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @softmax_int(%x: tensor<2xi32>) -> tensor<2xi32> {
  // expected-error @+1 {{'ein.softmax' op operand #0 must be ranked tensor of 32-bit float or 64-bit float values}}
  %0 = ein.softmax %x along 0 : tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @scan_kind(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'ein.scan' op kind must be 'sum' or 'prod', not 'max'}}
  %0 = ein.scan "max" %x along 1 : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @scan_dim(%x: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error @+1 {{'ein.scan' op dimension -1 is out of range for rank 2}}
  %0 = ein.scan "sum" %x along -1 : tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
