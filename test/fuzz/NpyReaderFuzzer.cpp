//===- NpyReaderFuzzer.cpp - Fuzz the .npy reader -------------------------===//
//
// Any bytes as a .npy file (an in-memory file, so no disk is touched): the
// reader either returns an array whose rank, dtype and size agree with each
// other and whose every byte can be read, or fails with a one-line message
// of printable characters. Successful reads are written back and read again
// to the same bytes.
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"
#include "einrt/einrt.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

/// An in-memory file holding the input, reachable by path.
struct MemoryFile {
  int fd = memfd_create("einc-fuzz.npy", 0);
  std::string path = "/proc/self/fd/" + std::to_string(fd);

  bool fill(const uint8_t *data, size_t size) const {
    if (fd < 0 || ftruncate(fd, 0) != 0)
      return false;
    size_t done = 0;
    while (done < size) {
      ssize_t w = pwrite(fd, data + done, size - done, off_t(done));
      if (w <= 0)
        return false;
      done += size_t(w);
    }
    return true;
  }
};

void expectPrintable(const char *message) {
  EIN_FUZZ_CHECK(message[0] != 0, "an error without a message");
  for (const char *p = message; *p; ++p)
    EIN_FUZZ_CHECK(*p >= 0x20 && *p < 0x7f, "raw bytes in an error message");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static MemoryFile file;
  if (!file.fill(data, size))
    return 0;
  einrt_array a{};
  char err[1024] = "";
  if (einrt_npy_read(file.path.c_str(), &a, err, sizeof(err))) {
    EIN_FUZZ_CHECK(a.data == nullptr, "a failed read returned data");
    expectPrintable(err);
    return 0;
  }
  EIN_FUZZ_CHECK(a.rank >= 0 && a.rank <= EINRT_MAX_RANK, "a bad rank");
  int64_t count = 0;
  EIN_FUZZ_CHECK(einrt_element_count(a.rank, a.shape, &count) == 0,
                 "an array whose size overflows");
  uint64_t bytes = uint64_t(count) * einrt_dtype_size(a.dtype);
  EIN_FUZZ_CHECK(bytes <= size, "more data than the file holds");
  // Touch every byte: ASan reports a buffer shorter than its shape.
  unsigned char sum = 0;
  for (uint64_t k = 0; k < bytes; ++k)
    sum ^= static_cast<const unsigned char *>(a.data)[k];
  (void)sum;

  // The round trip: write (atomically, in the temp directory) and reread.
  std::string copy = (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
  copy += "/einc-npy-fuzz-" + std::to_string(getpid()) + ".npy";
  EIN_FUZZ_CHECK(einrt_npy_write(copy.c_str(), &a, err, sizeof(err)) == 0, err);
  einrt_array b{};
  EIN_FUZZ_CHECK(einrt_npy_read(copy.c_str(), &b, err, sizeof(err)) == 0, err);
  unlink(copy.c_str());
  EIN_FUZZ_CHECK(b.dtype == a.dtype && b.rank == a.rank &&
                     std::memcmp(b.shape, a.shape, sizeof(int64_t) * a.rank) ==
                         0 &&
                     (bytes == 0 || std::memcmp(a.data, b.data, bytes) == 0),
                 "the round trip changed the array");
  einrt_array_free(&a);
  einrt_array_free(&b);
  return 0;
}
