//===- EinOps.td - Ein dialect ops -------------------------*- tablegen -*-===//

#ifndef EIN_DIALECT_EINOPS_TD
#define EIN_DIALECT_EINOPS_TD

include "dialect/EinDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinTypes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Ein_ElementType : AnyTypeOf<[F32, F64, Complex<F32>, Complex<F64>, I32, I64],
    "f32, f64, complex<f32>, complex<f64>, i32 or i64">;
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
    numbers add, sub, mul, div and neg.

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
    0, 1, -inf, +inf, NaN (mean) or -inf (logsumexp).

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

#endif // EIN_DIALECT_EINOPS_TD
