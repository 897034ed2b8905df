//===- DType.h - Element types Einc computes in -----------------*- C++ -*-===//

#ifndef EINC_DTYPE_H
#define EINC_DTYPE_H

#include <cstddef>
#include <optional>
#include <string_view>

namespace ein {

/// The element types Einc computes in. Unscoped so that `ein::f32` reads as
/// in NumPy. f16 (IEEE half) and bf16 (bfloat16) are storage types:
/// contractions multiply and sum them in f32 and round the result once.
/// The values match einrt_dtype's.
enum DType { f32, f64, c64, c128, i32, i64, f16, bf16 };

/// NumPy's names: "float32", "float64", "complex64", "complex128", "int32",
/// "int64", "float16", and "bfloat16" (ml_dtypes' name; NumPy has none).
const char *dtypeName(DType type);
/// Bytes per element.
size_t dtypeSize(DType type);
/// Whether `type` is f16 or bf16.
bool isHalf(DType type);
/// Accepts NumPy's names and the short ones ("f32", "c64", "i64", "f16",
/// "bf16", ...).
std::optional<DType> parseDType(std::string_view name);
/// The type NumPy's einsum computes in when given operands of `a` and `b`
/// (for example i32 with f32 gives f64, f64 with c64 gives c128, f16 with
/// f32 gives f32, an integer with f16 gives f64); bf16 follows ml_dtypes
/// (bf16 with f16 gives f32).
DType promoteTypes(DType a, DType b);

} // namespace ein

#endif // EINC_DTYPE_H
