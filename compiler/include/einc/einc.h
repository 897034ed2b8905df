//===- einc.h - The Einc C++ API --------------------------------*- C++ -*-===//
//
// One include for users of the library:
//
//   ein::Jit jit;
//   auto bmm = jit.compile("bij,bjk->bik", {{32, 128, 50}, {32, 50, 768}},
//                          ein::f32);
//   if (!bmm) ...                       // llvm::Error with a clear message
//   (*bmm)({A.data(), B.data()}, C.data());
//
//===----------------------------------------------------------------------===//

#ifndef EINC_EINC_H
#define EINC_EINC_H

#include "einc/DType.h"
#include "einc/Error.h"
#include "einc/Jit.h"
#include "einc/TensorNetwork.h"

#endif // EINC_EINC_H
