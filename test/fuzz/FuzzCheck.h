//===- FuzzCheck.h - A check that a fuzz target reports --------*- C++ -*-===//

#ifndef EINC_TEST_FUZZ_FUZZCHECK_H
#define EINC_TEST_FUZZ_FUZZCHECK_H

#include <cstdio>
#include <cstdlib>

/// A broken promise: say which and abort, which libFuzzer reports as a
/// crash and saves the input for.
#define EIN_FUZZ_CHECK(cond, what)                                             \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, __FILE__,  \
                   __LINE__);                                                  \
      std::abort();                                                            \
    }                                                                          \
  } while (false)

#endif // EINC_TEST_FUZZ_FUZZCHECK_H
