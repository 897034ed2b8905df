//===- Threads.cpp - How many threads generated parallel loops use --------===//

#include "einrt/einrt.h"

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <thread>

namespace {

std::atomic<int32_t> chosen{0};

int32_t defaultCount() {
  static const int32_t count = [] {
    if (const char *env = std::getenv("EINC_NUM_THREADS"))
      if (int32_t n = einrt_parse_thread_count(env))
        return n;
    unsigned cpus = std::thread::hardware_concurrency();
    return int32_t(cpus == 0 ? 1 : cpus);
  }();
  return count;
}

} // namespace

int32_t einrt_parse_thread_count(const char *text) {
  if (!text || !std::isdigit(static_cast<unsigned char>(text[0])))
    return 0;
  char *end = nullptr;
  long n = std::strtol(text, &end, 10);
  return *end == '\0' && n > 0 && n <= 4096 ? int32_t(n) : 0;
}

void einrt_set_num_threads(int32_t n) { chosen.store(n > 0 ? n : 0); }

int32_t einrt_num_threads(void) {
  int32_t n = chosen.load(std::memory_order_relaxed);
  return n > 0 ? n : defaultCount();
}
