// RUN: ein-opt %s -split-input-file -verify-diagnostics
// Every verifier error of ein.broadcast, ein.iota and ein.random.

func.func @broadcast_drops(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'ein.broadcast' op label 'j' is missing from the output: ein.broadcast sums nothing}}
  %0 = ein.broadcast "ij->i" %x : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @broadcast_extent(%x: tensor<3xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'ein.broadcast' op label 'i' has extent 3 in the operand but 4 in the result}}
  %0 = ein.broadcast "i->ij" %x : (tensor<3xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @broadcast_repeat(%x: tensor<3x3xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{'ein.broadcast' op label 'i' repeats in the operand}}
  %0 = ein.broadcast "ii->ij" %x : (tensor<3x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @broadcast_rank(%x: tensor<3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'ein.broadcast' op result has rank 2 but the output subscripts "ijk" name 3 dimensions}}
  %0 = ein.broadcast "i->ijk" %x : (tensor<3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @broadcast_dynamic(%x: tensor<3xf32>) -> tensor<3x?xf32> {
  // expected-error @+1 {{'ein.broadcast' op new label 'j' needs a static extent}}
  %0 = ein.broadcast "i->ij" %x : (tensor<3xf32>) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

func.func @broadcast_type(%x: tensor<3xf32>) -> tensor<3x2xf64> {
  // expected-error @+1 {{'ein.broadcast' op operand has element type 'f32' but the result has 'f64'}}
  %0 = ein.broadcast "i->ij" %x : (tensor<3xf32>) -> tensor<3x2xf64>
  return %0 : tensor<3x2xf64>
}

// -----

func.func @iota_dynamic() -> tensor<?xf32> {
  // expected-error @+1 {{'ein.iota' op needs a static result shape}}
  %0 = ein.iota : tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @random_distribution() -> tensor<3xf32> {
  // expected-error @+1 {{'ein.random' op unknown distribution 'poisson' (uniform or normal)}}
  %0 = ein.random "poisson"(0.0, 1.0) seed 1 : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @random_std() -> tensor<3xf32> {
  // expected-error @+1 {{'ein.random' op normal needs std >= 0, but it is -1}}
  %0 = ein.random "normal"(0.0, -1.0) seed 1 : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @random_bounds() -> tensor<3xf64> {
  // expected-error @+1 {{'ein.random' op uniform needs low <= high, but low is 2 and high 1}}
  %0 = ein.random "uniform"(2.0, 1.0) seed 1 : tensor<3xf64>
  return %0 : tensor<3xf64>
}

// -----

func.func @random_seed() -> tensor<3xf64> {
  // expected-error @+1 {{'ein.random' op the seed must be a non-negative integer}}
  %0 = ein.random "uniform"(0.0, 1.0) seed -1 : tensor<3xf64>
  return %0 : tensor<3xf64>
}

// -----

func.func @random_int() -> tensor<3xi32> {
  // expected-error @+1 {{'ein.random' op result #0 must be ranked tensor of 32-bit float or 64-bit float values}}
  %0 = ein.random "uniform"(0.0, 1.0) seed 1 : tensor<3xi32>
  return %0 : tensor<3xi32>
}
