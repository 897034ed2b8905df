// RUN: ein-opt %s -split-input-file -verify-diagnostics
// Every verifier error of ein.contract.

func.func @no_arrow(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'ein.contract' op invalid subscripts "ij": expected '->' followed by the output subscripts at column 2}}
  %0 = ein.contract "ij" %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @bad_char(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{invalid character '1' in subscripts (expected a letter or ',') at column 1}}
  %0 = ein.contract "i1->i1" %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @ellipsis_not_expanded(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{invalid character '.' in subscripts}}
  %0 = ein.contract "...->..." %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @bad_output_char(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{invalid character ',' in output subscripts (expected a letter) at column 5}}
  %0 = ein.contract "ij->i," %a : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @repeated_output(%a: tensor<2x3xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{output label 'i' appears more than once at column 5}}
  %0 = ein.contract "ij->ii" %a : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @unknown_output(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{output label 'k' does not appear in any input at column 4}}
  %0 = ein.contract "ij->k" %a : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @operand_count(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{subscripts name 2 operands but the op has 1}}
  %0 = ein.contract "ij,j->i" %a : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @element_type(%a: tensor<2x3xf32>, %b: tensor<3xf64>) -> tensor<2xf32> {
  // expected-error @+1 {{operand 1 has element type 'f64' but the result has 'f32'}}
  %0 = ein.contract "ij,j->i" %a, %b : (tensor<2x3xf32>, tensor<3xf64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @rank(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{operand 0 has rank 2 but its subscripts "ijk" name 3 dimensions}}
  %0 = ein.contract "ijk->i" %a : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @extent(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{label 'j' has extent 3 in operand 0 but 4 in operand 1 (dimension 0)}}
  %0 = ein.contract "ij,jk->ik" %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @diagonal_extent(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{operand 0 repeats label 'i' over dimensions of different extents (2 != 3)}}
  %0 = ein.contract "ii->i" %a : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @result_rank(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{result has rank 2 but the output subscripts "i" name 1 dimensions}}
  %0 = ein.contract "ij->i" %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @result_shape(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{result shape 3x2 does not match 2x3 implied by the operands}}
  %0 = ein.contract "ij->ij" %a : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @result_dynamic(%a: tensor<?x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{result shape 2x3 does not match ?x3 implied by the operands}}
  %0 = ein.contract "ij->ij" %a : (tensor<?x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @element_kind(%a: tensor<2xi8>) -> tensor<i8> {
  // expected-error @+1 {{operand #0 must be variadic of ranked tensor of f32, f64, f16, bf16, complex<f32>, complex<f64>, i32 or i64 values}}
  %0 = ein.contract "i->" %a : (tensor<2xi8>) -> tensor<i8>
  return %0 : tensor<i8>
}
