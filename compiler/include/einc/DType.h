//===- DType.h - Element types Einc computes in -----------------*- C++ -*-===//

#ifndef EINC_DTYPE_H
#define EINC_DTYPE_H

#include <cstddef>
#include <optional>
#include <string_view>

namespace ein {

/// The element types Einc computes in. Unscoped so that `ein::f32` reads as
/// in NumPy.
enum DType { f32, f64, c64, c128, i32, i64 };

/// NumPy's names: "float32", "float64", "complex64", "complex128", "int32",
/// "int64".
const char *dtypeName(DType type);
/// Bytes per element.
size_t dtypeSize(DType type);
/// Accepts NumPy's names and the short ones ("f32", "c64", "i64", ...).
std::optional<DType> parseDType(std::string_view name);
/// The type NumPy's einsum computes in when given operands of `a` and `b`
/// (for example i32 with f32 gives f64, f64 with c64 gives c128).
DType promoteTypes(DType a, DType b);

} // namespace ein

#endif // EINC_DTYPE_H
