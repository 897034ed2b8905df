//===- StandaloneMain.cpp - Run a fuzz target on files, without libFuzzer -===//
//
// Builds without clang's libFuzzer link each target with this driver, so
// that the seed corpora and every saved crash run as regression tests in
// the ordinary build: `ein-fuzz-X FILE|DIR...` calls the target once per
// file and exits non-zero if any check fails (the target aborts).
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdio>
#include <dirent.h>
#include <string>
#include <sys/stat.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc,
                                                          char ***argv);

namespace {

bool runFile(const std::string &path) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    std::fprintf(stderr, "cannot open %s\n", path.c_str());
    return false;
  }
  std::vector<uint8_t> bytes;
  uint8_t buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0)
    bytes.insert(bytes.end(), buffer, buffer + n);
  std::fclose(f);
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  int files = 0;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-')
      continue; // libFuzzer's flags (-runs=0, ...) mean nothing here
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      std::fprintf(stderr, "no such file or directory: %s\n", argv[i]);
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      files += runFile(argv[i]) ? 1 : 0;
      continue;
    }
    DIR *dir = opendir(argv[i]);
    if (!dir)
      return 1;
    while (dirent *entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..")
        continue;
      if (!runFile(std::string(argv[i]) + "/" + name))
        return 1;
      ++files;
    }
    closedir(dir);
  }
  std::printf("ran %d inputs\n", files);
  return files > 0 ? 0 : 1;
}
