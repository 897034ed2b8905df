//===- MockCuda.h - What the mock CUDA driver shares with its libraries ---===//
//
// The mock driver (MockCudaDriver.cpp) and the mock cuSOLVER and cuBLAS
// (MockCudaLibraries.cpp) are one shared library, so the libraries can
// refuse host addresses as the driver's launches do.
//
//===----------------------------------------------------------------------===//

#ifndef EIN_TEST_MOCKCUDA_H
#define EIN_TEST_MOCKCUDA_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace mockcuda {
/// True for addresses of the mock's device memory.
bool isDeviceAddress(const void *p);
/// The bytes from `p` to the end of the live allocation that holds it; 0
/// when no allocation holds it.
size_t deviceBytesFrom(const void *p);
/// Appends `line` to $MOCK_CUDA_LOG, if set.
void logLine(const std::string &line);
} // namespace mockcuda

#endif // EIN_TEST_MOCKCUDA_H
