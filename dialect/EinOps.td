//===- EinOps.td - Ein dialect ops -------------------------*- tablegen -*-===//

#ifndef EIN_DIALECT_EINOPS_TD
#define EIN_DIALECT_EINOPS_TD

include "dialect/EinDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinTypes.td"

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

#endif // EIN_DIALECT_EINOPS_TD
