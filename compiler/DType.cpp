//===- DType.cpp - Element types Einc computes in -------------------------===//

#include "einc/DType.h"

#include <string>

namespace ein {

const char *dtypeName(DType type) {
  switch (type) {
  case f32:
    return "float32";
  case f64:
    return "float64";
  case c64:
    return "complex64";
  case c128:
    return "complex128";
  case i32:
    return "int32";
  case i64:
    return "int64";
  case f16:
    return "float16";
  case bf16:
    return "bfloat16";
  }
  return "?";
}

size_t dtypeSize(DType type) {
  switch (type) {
  case f16:
  case bf16:
    return 2;
  case f32:
  case i32:
    return 4;
  case f64:
  case i64:
  case c64:
    return 8;
  case c128:
    return 16;
  }
  return 0;
}

std::optional<DType> parseDType(std::string_view name) {
  std::string n(name);
  if (n == "f32" || n == "float32" || n == "float")
    return f32;
  if (n == "f64" || n == "float64" || n == "double")
    return f64;
  if (n == "c64" || n == "complex64" || n == "complex<f32>")
    return c64;
  if (n == "c128" || n == "complex128" || n == "complex<f64>" || n == "complex")
    return c128;
  if (n == "i32" || n == "int32")
    return i32;
  if (n == "i64" || n == "int64")
    return i64;
  if (n == "f16" || n == "float16" || n == "half")
    return f16;
  if (n == "bf16" || n == "bfloat16")
    return bf16;
  return std::nullopt;
}

bool isHalf(DType t) { return t == f16 || t == bf16; }

namespace {
/// NumPy's promotion as (kind, bits): ints < floats < complex; an integer
/// meeting a 32-bit float needs 64-bit floats to hold it.
bool isComplex(DType t) { return t == c64 || t == c128; }
bool isFloat(DType t) { return t == f32 || t == f64 || isHalf(t); }
} // namespace

DType promoteTypes(DType a, DType b) {
  if (a == b)
    return a;
  // Half types meet each other in f32, and anything wider in it.
  if (isHalf(a) && isHalf(b))
    return f32;
  bool anyInt = !isComplex(a) && !isFloat(a);
  anyInt = anyInt || (!isComplex(b) && !isFloat(b));
  if (isComplex(a) || isComplex(b)) {
    // complex64 stays only with f32 or complex64; anything wider or any
    // integer needs complex128.
    if (a == c128 || b == c128 || a == f64 || b == f64 || anyInt)
      return c128;
    return c64;
  }
  if (isFloat(a) || isFloat(b)) {
    if (a == f64 || b == f64 || anyInt)
      return f64;
    return f32;
  }
  return (a == i64 || b == i64) ? i64 : i32;
}

} // namespace ein
