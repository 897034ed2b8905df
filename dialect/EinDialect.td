//===- EinDialect.td - The ein dialect ---------------------*- tablegen -*-===//
//
// The `ein` dialect holds tensor-contraction programs at the level the user
// wrote them: einsum subscripts on builtin ranked tensors.
//
//===----------------------------------------------------------------------===//

#ifndef EIN_DIALECT_EINDIALECT_TD
#define EIN_DIALECT_EINDIALECT_TD

include "mlir/IR/OpBase.td"

def Ein_Dialect : Dialect {
  let name = "ein";
  let summary = "Tensor contractions in einsum notation";
  let description = [{
    Ops of this dialect carry their subscripts in einsum notation (for example
    `"bij,bjk->bik"`), so that IR stays readable in tests. Values are builtin
    ranked tensors of f32, f64, complex<f32>, complex<f64>, i32 or i64.
  }];
  let cppNamespace = "::mlir::ein";
}

class Ein_Op<string mnemonic, list<Trait> traits = []>
    : Op<Ein_Dialect, mnemonic, traits>;

#endif // EIN_DIALECT_EINDIALECT_TD
