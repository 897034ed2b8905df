//===- EinOps.td - Ein dialect ops -------------------------*- tablegen -*-===//

#ifndef EIN_DIALECT_EINOPS_TD
#define EIN_DIALECT_EINOPS_TD

include "dialect/EinDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinTypes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Ein_ElementType
    : AnyTypeOf<[F32, F64, F16, BF16, Complex<F32>, Complex<F64>, I32, I64],
                "f32, f64, f16, bf16, complex<f32>, complex<f64>, i32 or i64">;
def Ein_Tensor : RankedTensorOf<[Ein_ElementType]>;

def Ein_ContractOp : Ein_Op<"contract", [Pure]> {
  let summary = "n-ary sum of products in einsum notation";
  let description = [{
    Computes the einsum `subscripts` of its operands. Subscripts are in the
    explicit, expanded form: one letter per dimension, no ellipsis, and an
    output after `->`. A letter repeated within one operand takes a diagonal;
    a letter absent from the output is summed over. A dimension of extent 1
    broadcasts against the same letter's extent elsewhere, as in NumPy.

    ```mlir
    %c = ein.contract "bij,bjk->bik" %a, %b
        : (tensor<4x8x16xf32>, tensor<4x16x32xf32>) -> tensor<4x8x32xf32>
    ```
  }];
  let arguments = (ins StrAttr:$subscripts, Variadic<Ein_Tensor>:$inputs);
  let results = (outs Ein_Tensor:$result);
  let assemblyFormat = [{
    $subscripts $inputs attr-dict `:` functional-type($inputs, $result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// The parsed subscripts; valid once the op has been verified.
    ::mlir::ein::Subscripts getParsedSubscripts();
  }];
}

def Ein_FloatTensor : RankedTensorOf<[F32, F64]>;

def Ein_MapOp : Ein_Op<"map", [Pure]> {
  let summary = "elementwise function with broadcasting by subscripts";
  let description = [{
    Applies `fn` element by element. The subscripts name each operand's
    dimensions; the output lists every label exactly once (nothing is
    summed), and an operand broadcasts over the labels it lacks or over
    dimensions of extent 1.

    Functions: `add`, `sub`, `mul`, `div`, `max`, `min`, `pow` (two
    operands); `neg`, `exp`, `log`, `sqrt`, `rsqrt`, `abs`, `tanh`,
    `sigmoid`, `relu` (one operand); `lt`, `le`, `gt`, `ge`, `eq`, `ne`
    (two operands, 1 where true and 0 elsewhere); `select` (three: a
    condition that is non-zero, then either value). Integers support
    add, sub, mul, max, min, neg, abs, relu and the comparisons; complex
    numbers add, sub, mul, div, neg, eq and ne.

    ```mlir
    %y = ein.map "add" "ij,j->ij" %x, %bias
        : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins StrAttr:$fn, StrAttr:$subscripts,
                       Variadic<Ein_Tensor>:$inputs);
  let results = (outs Ein_Tensor:$result);
  let assemblyFormat = [{
    $fn $subscripts $inputs attr-dict `:` functional-type($inputs, $result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::ein::Subscripts getParsedSubscripts();
    /// How many operands `fn` takes, or 0 for an unknown function.
    static unsigned arity(::llvm::StringRef fn);
    /// Why `fn` is not defined on `element`, or "" when it is.
    static std::string checkElementType(::llvm::StringRef fn,
                                        ::mlir::Type element);
  }];
}

def Ein_ReduceOp : Ein_Op<"reduce", [Pure]> {
  let summary = "reduction over the labels missing from the output";
  let description = [{
    Reduces its operand over every label absent from the output with
    `sum`, `prod`, `max`, `min`, `mean` or `logsumexp` (computed stably, as
    max + log(sum(exp(x - max)))). An empty reduction gives the identity:
    0, 1, -inf, +inf, NaN (mean) or -inf (logsumexp). A `sum` of an
    `ein.contract` that has no other use canonicalises into one contraction
    that sums those labels too, so the product is never materialised.

    ```mlir
    %m = ein.reduce "max" "ij->i" %x : (tensor<4x8xf32>) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins StrAttr:$kind, StrAttr:$subscripts, Ein_Tensor:$input);
  let results = (outs Ein_Tensor:$result);
  let assemblyFormat = [{
    $kind $subscripts $input attr-dict `:` functional-type($input, $result)
  }];
  let hasVerifier = 1;
  // A sum of a contraction used nowhere else becomes one contraction.
  let hasCanonicalizeMethod = 1;
  let extraClassDeclaration = [{
    ::mlir::ein::Subscripts getParsedSubscripts();
    /// Why `kind` is not defined on `element`, or "" when it is.
    static std::string checkElementType(::llvm::StringRef kind,
                                        ::mlir::Type element);
  }];
}

def Ein_SoftmaxOp : Ein_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax along one dimension";
  let description = [{
    exp(x - max) / sum(exp(x - max)) along dimension `dim`, so large
    logits do not overflow.

    ```mlir
    %p = ein.softmax %s along 2 : tensor<2x16x16xf32>
    ```
  }];
  let arguments = (ins Ein_FloatTensor:$input, I64Attr:$dim);
  let results = (outs Ein_FloatTensor:$result);
  let assemblyFormat = "$input `along` $dim attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Ein_ScanOp : Ein_Op<"scan", [Pure, SameOperandsAndResultType]> {
  let summary = "inclusive scan (cumulative sum or product) along one dimension";
  let description = [{
    result[..., k, ...] = x[..., 0, ...] op ... op x[..., k, ...] along
    dimension `dim`, with op `+` for `sum` (numpy.cumsum) or `*` for `prod`
    (numpy.cumprod), in index order. Integers wrap around.

    ```mlir
    %c = ein.scan "sum" %x along 1 : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins StrAttr:$kind, Ein_Tensor:$input, I64Attr:$dim);
  let results = (outs Ein_Tensor:$result);
  let assemblyFormat = "$kind $input `along` $dim attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Constructors: tensors made from nothing but their shape
//===----------------------------------------------------------------------===//

def Ein_BroadcastOp : Ein_Op<"broadcast", [Pure]> {
  let summary = "copy of a tensor along new dimensions";
  let description = [{
    The result repeats its operand along the labels that the output adds;
    their extents come from the result type. Each operand label appears
    once, in the output too. A 0-d operand fills the whole result
    (numpy.full).

    ```mlir
    %y = ein.broadcast "i->ij" %x : (tensor<3xf32>) -> tensor<3x4xf32>
    ```
  }];
  let arguments = (ins StrAttr:$subscripts, Ein_Tensor:$input);
  let results = (outs Ein_Tensor:$result);
  let assemblyFormat = [{
    $subscripts $input attr-dict `:` functional-type($input, $result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::ein::Subscripts getParsedSubscripts();
  }];
}

def Ein_IotaOp : Ein_Op<"iota", [Pure]> {
  let summary = "the integers 0, 1, ..., n-1 (numpy.arange)";
  let description = [{
    A vector whose element k is k, in the result's element type.

    ```mlir
    %r = ein.iota : tensor<5xf64>
    ```
  }];
  let results = (outs 1DTensorOf<[Ein_ElementType]>:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Ein_RandomOp : Ein_Op<"random", [Pure]> {
  let summary = "pseudo-random tensor from a seed";
  let description = [{
    `uniform` draws from [a, b), `normal` from the normal distribution of
    mean a and standard deviation b. Element k (in C order) depends only on
    the seed and k: a counter-based generator (SplitMix64 of seed and k; a
    normal sample is Box-Muller of counters 2k and 2k+1), so the values do
    not depend on how many threads fill the tensor or in what order.

    ```mlir
    %u = ein.random "uniform"(0.0, 1.0) seed 7 : tensor<3x4xf64>
    ```
  }];
  let arguments = (ins StrAttr:$distribution, I64Attr:$seed, F64Attr:$a,
                       F64Attr:$b);
  let results = (outs Ein_FloatTensor:$result);
  let assemblyFormat = [{
    $distribution `(` $a `,` $b `)` `seed` $seed attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Why these parameters are invalid, or "" when they are not.
    static std::string checkParameters(::llvm::StringRef distribution,
                                       int64_t seed, double a, double b);
  }];
}

//===----------------------------------------------------------------------===//
// Linear algebra, lowered to calls of the runtime (LAPACKE)
//===----------------------------------------------------------------------===//

def Ein_LinalgElementType
    : AnyTypeOf<[F32, F64, Complex<F32>, Complex<F64>],
                "f32, f64, complex<f32> or complex<f64>">;
def Ein_Matrix : 2DTensorOf<[Ein_LinalgElementType]>;

class Ein_MatrixOp<string mnemonic, list<Trait> traits = []>
    : Ein_Op<mnemonic, !listconcat([Pure], traits)> {
  let arguments = (ins Ein_Matrix:$input,
                       DefaultValuedAttr<I64Attr, "0">:$statement);
  let hasVerifier = 1;
}

def Ein_InvOp : Ein_MatrixOp<"inv", [AllTypesMatch<["input", "result"]>]> {
  let summary = "inverse of a square matrix";
  let description = [{
    `%b = ein.inv %a : tensor<4x4xf64>`. A singular matrix is a run-time
    error reported for `statement` (the program statement, counted from 1).
  }];
  let results = (outs Ein_Matrix:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Ein_CholeskyOp
    : Ein_MatrixOp<"cholesky", [AllTypesMatch<["input", "result"]>]> {
  let summary = "lower-triangular Cholesky factor of a Hermitian matrix";
  let description = [{
    `%l = ein.cholesky %a : tensor<4x4xf64>` with l l^H = a. A matrix that
    is not positive definite is a run-time error.
  }];
  let results = (outs Ein_Matrix:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Ein_DetOp : Ein_MatrixOp<"det"> {
  let summary = "determinant of a square matrix";
  let description = [{ `%d = ein.det %a : tensor<4x4xf64> -> tensor<f64>` }];
  let results = (outs 0DTensorOf<[Ein_LinalgElementType]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Ein_SolveOp : Ein_Op<"solve", [Pure, AllTypesMatch<["b", "result"]>]> {
  let summary = "solution x of a x = b";
  let description = [{
    `%x = ein.solve %a, %b : tensor<4x4xf64>, tensor<4x2xf64>`; `b` is a
    vector or a matrix of right-hand sides and `x` has its type. A singular
    `a` is a run-time error.
  }];
  let arguments = (ins Ein_Matrix:$a,
                       RankedTensorOf<[Ein_LinalgElementType]>:$b,
                       DefaultValuedAttr<I64Attr, "0">:$statement);
  let results = (outs RankedTensorOf<[Ein_LinalgElementType]>:$result);
  let assemblyFormat = "$a `,` $b attr-dict `:` type($a) `,` type($b)";
  let hasVerifier = 1;
}

def Ein_SvdOp : Ein_MatrixOp<"svd"> {
  let summary = "thin singular value decomposition";
  let description = [{
    `%u, %s, %vt = ein.svd %a : tensor<6x4xf64> -> tensor<6x4xf64>,
    tensor<4xf64>, tensor<4x4xf64>` with a = u diag(s) vt, k = min(m, n)
    singular values in decreasing order (stored in the operand's element
    type: complex values have a zero imaginary part). With `cutoff = c`,
    singular values below c times the largest, and their columns of u and
    rows of vt, are set to zero (the shapes stay those of the thin SVD).
  }];
  let arguments = (ins Ein_Matrix:$input,
                       DefaultValuedAttr<I64Attr, "0">:$statement,
                       DefaultValuedAttr<F64Attr, "0.0">:$cutoff);
  let results = (outs Ein_Matrix:$u, 1DTensorOf<[Ein_LinalgElementType]>:$s,
                      Ein_Matrix:$vt);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($u) `,` type($s) `,` type($vt)";
}

def Ein_QrOp : Ein_MatrixOp<"qr"> {
  let summary = "thin QR decomposition";
  let description = [{
    `%q, %r = ein.qr %a : tensor<6x4xf64> -> tensor<6x4xf64>,
    tensor<4x4xf64>`: q has orthonormal columns, r is upper triangular.
  }];
  let results = (outs Ein_Matrix:$q, Ein_Matrix:$r);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($q) `,` type($r)";
}

def Ein_EighOp : Ein_MatrixOp<"eigh"> {
  let summary = "eigen-decomposition of a Hermitian matrix";
  let description = [{
    `%w, %v = ein.eigh %a : tensor<4x4xf64> -> tensor<4xf64>,
    tensor<4x4xf64>`: ascending eigenvalues w (in the operand's element
    type) and eigenvectors in the columns of v; a v = v diag(w). Only the
    lower triangle of a is read.
  }];
  let results = (outs 1DTensorOf<[Ein_LinalgElementType]>:$w, Ein_Matrix:$v);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($w) `,` type($v)";
}

def Ein_SlogdetOp : Ein_MatrixOp<"slogdet"> {
  let summary = "sign and log of the absolute value of the determinant";
  let description = [{
    `%sign, %logabs = ein.slogdet %a : tensor<4x4xf64> -> tensor<f64>,
    tensor<f64>`: det(a) = sign * exp(logabs), without overflow. A singular
    matrix gives sign 0 and logabs -inf.
  }];
  let results = (outs 0DTensorOf<[Ein_LinalgElementType]>:$sign,
                      0DTensorOf<[Ein_LinalgElementType]>:$logabsdet);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($sign) `,` type($logabsdet)";
}

def Ein_EigOp : Ein_MatrixOp<"eig"> {
  let summary = "eigen-decomposition of a general square matrix";
  let description = [{
    `%w, %v = ein.eig %a : tensor<4x4xcomplex<f64>> -> tensor<4xcomplex<f64>>,
    tensor<4x4xcomplex<f64>>`: the eigenvalues w (in LAPACK's order) and the
    unit-norm right eigenvectors in the columns of v; a v = v diag(w). The
    results of a general matrix are complex, so the operand is too (a real
    matrix is converted first). Non-convergence is a run-time error.
  }];
  let results = (outs 1DTensorOf<[Complex<F32>, Complex<F64>]>:$w,
                      2DTensorOf<[Complex<F32>, Complex<F64>]>:$v);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($w) `,` type($v)";
}

def Ein_LstsqOp : Ein_Op<"lstsq", [Pure]> {
  let summary = "least-squares solution x minimising |a x - b|";
  let description = [{
    `%x = ein.lstsq %a, %b : tensor<6x4xf64>, tensor<6x2xf64> -> tensor<4x2xf64>`
    for an m x n matrix a and a vector or matrix b of m rows: the
    minimum-norm solution of least squares (LAPACK gelsd, singular values
    below eps * max(m, n) * s_max treated as zero, as numpy.linalg.lstsq),
    so rank-deficient, tall and wide matrices all work.
  }];
  let arguments = (ins Ein_Matrix:$a,
                       RankedTensorOf<[Ein_LinalgElementType]>:$b,
                       DefaultValuedAttr<I64Attr, "0">:$statement);
  let results = (outs RankedTensorOf<[Ein_LinalgElementType]>:$result);
  let assemblyFormat =
      "$a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($result)";
  let hasVerifier = 1;
}

#endif // EIN_DIALECT_EINOPS_TD
