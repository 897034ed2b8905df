//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
//
// Reads versions 1.0-3.0 of the .npy format for the dtypes Einc computes in
// (either byte order, C or Fortran order) and writes version 1.0 files
// atomically: a temporary file in the target's directory, renamed over the
// target only once everything was written.
//
//===----------------------------------------------------------------------===//

#include "einrt/einrt.h"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

void setError(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0)
    return;
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(err, errlen, fmt, args);
  va_end(args);
}

/// `text` with anything but printable ASCII shown as \xNN, so that a
/// corrupt header cannot put raw bytes into an error message.
std::string printable(const std::string &text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(char(c));
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof(buf), "\\x%02x", c);
    out += buf;
  }
  return out;
}

/// Reads exactly `n` bytes; returns how many were read before EOF/error.
size_t readFully(int fd, void *buffer, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::read(fd, static_cast<char *>(buffer) + done, n - done);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    done += static_cast<size_t>(r);
  }
  return done;
}

bool writeFully(int fd, const void *buffer, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::write(fd, static_cast<const char *>(buffer) + done, n - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      if (w == 0)
        errno = ENOSPC;
      return false;
    }
    done += static_cast<size_t>(w);
  }
  return true;
}

/// A tiny cursor over the header dictionary text.
struct HeaderParser {
  const std::string &text;
  size_t pos = 0;

  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }
  bool consume(char c) {
    skipSpace();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool parseString(std::string &out) {
    skipSpace();
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      return false;
    char quote = text[pos++];
    size_t end = text.find(quote, pos);
    if (end == std::string::npos)
      return false;
    out = text.substr(pos, end - pos);
    pos = end + 1;
    return true;
  }
  /// Everything up to the matching close of a list (structured dtypes).
  bool skipBalanced(std::string &out) {
    skipSpace();
    size_t start = pos;
    int depth = 0;
    for (; pos < text.size(); ++pos) {
      char c = text[pos];
      if (c == '[' || c == '(')
        ++depth;
      else if (c == ']' || c == ')') {
        if (--depth == 0) {
          ++pos;
          out = text.substr(start, pos - start);
          return true;
        }
      }
    }
    return false;
  }
};

struct Header {
  std::string descr;
  bool structured = false;
  bool fortran = false;
  std::vector<int64_t> shape;
};

/// Parses "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }".
bool parseHeader(const std::string &text, Header &h, std::string &why) {
  HeaderParser p{text};
  if (!p.consume('{')) {
    why = "the header is not a dictionary";
    return false;
  }
  bool haveDescr = false, haveOrder = false, haveShape = false;
  while (!p.consume('}')) {
    std::string key;
    if (!p.parseString(key) || !p.consume(':')) {
      why = "malformed header dictionary";
      return false;
    }
    if (key == "descr") {
      p.skipSpace();
      if (p.pos < text.size() && text[p.pos] == '[') {
        h.structured = p.skipBalanced(h.descr);
        if (!h.structured) {
          why = "malformed 'descr'";
          return false;
        }
      } else if (!p.parseString(h.descr)) {
        why = "malformed 'descr'";
        return false;
      }
      haveDescr = true;
    } else if (key == "fortran_order") {
      p.skipSpace();
      if (text.compare(p.pos, 4, "True") == 0) {
        h.fortran = true;
        p.pos += 4;
      } else if (text.compare(p.pos, 5, "False") == 0) {
        h.fortran = false;
        p.pos += 5;
      } else {
        why = "malformed 'fortran_order'";
        return false;
      }
      haveOrder = true;
    } else if (key == "shape") {
      if (!p.consume('(')) {
        why = "malformed 'shape'";
        return false;
      }
      while (!p.consume(')')) {
        p.skipSpace();
        bool negative = p.pos < text.size() && text[p.pos] == '-';
        if (negative)
          ++p.pos;
        size_t start = p.pos;
        uint64_t v = 0;
        bool overflow = false;
        while (p.pos < text.size() && text[p.pos] >= '0' &&
               text[p.pos] <= '9') {
          overflow |=
              __builtin_mul_overflow(v, 10, &v) ||
              __builtin_add_overflow(v, uint64_t(text[p.pos] - '0'), &v);
          ++p.pos;
        }
        if (p.pos == start) {
          why = "malformed 'shape'";
          return false;
        }
        if (negative || overflow || v > uint64_t(INT64_MAX)) {
          why = "the shape has a negative or too large dimension";
          return false;
        }
        h.shape.push_back(static_cast<int64_t>(v));
        if (h.shape.size() > EINRT_MAX_RANK) {
          why = "the array has more than 64 dimensions";
          return false;
        }
        if (!p.consume(',') &&
            !(p.skipSpace(), p.pos < text.size() && text[p.pos] == ')')) {
          why = "malformed 'shape'";
          return false;
        }
      }
      haveShape = true;
    } else {
      why = "unknown header key '" + printable(key) + "'";
      return false;
    }
    if (!p.consume(',')) {
      p.skipSpace();
      if (p.pos >= text.size() || text[p.pos] != '}') {
        why = "malformed header dictionary";
        return false;
      }
    }
  }
  if (!haveDescr || !haveOrder || !haveShape) {
    why = "the header lacks 'descr', 'fortran_order' or 'shape'";
    return false;
  }
  return true;
}

/// A friendly name for dtypes we refuse.
std::string describeDescr(const std::string &d, bool structured) {
  if (structured)
    return "structured";
  std::string body = d;
  if (!body.empty() &&
      (body[0] == '<' || body[0] == '>' || body[0] == '|' || body[0] == '='))
    body = body.substr(1);
  if (body == "O")
    return "object";
  if (body == "b1" || body == "?")
    return "bool";
  if (!body.empty() && (body[0] == 'U' || body[0] == 'S' || body[0] == 'a'))
    return "string";
  if (body == "f2" || body == "e")
    return "float16";
  if (body == "f16" || body == "g")
    return "longdouble";
  if (body == "c32" || body == "G")
    return "clongdouble";
  if (!body.empty() && body[0] == 'i')
    return "int" + std::to_string(8 * std::atoi(body.c_str() + 1));
  if (!body.empty() && body[0] == 'u')
    return "uint" + std::to_string(8 * std::atoi(body.c_str() + 1));
  if (!body.empty() && (body[0] == 'M' || body[0] == 'm'))
    return "datetime";
  if (!body.empty() && body[0] == 'V')
    return "void";
  return "unknown";
}

/// Maps a descr to our dtype; sets `swap` for big-endian data.
bool parseDescr(const std::string &d, einrt_dtype &t, bool &swap) {
  if (d.size() < 2)
    return false;
  char order = d[0];
  std::string body = d.substr(1);
  if (order != '<' && order != '>' && order != '=' && order != '|')
    return false;
  swap = order == '>';
  if (body == "f4")
    t = EINRT_F32;
  else if (body == "f8")
    t = EINRT_F64;
  else if (body == "c8")
    t = EINRT_C64;
  else if (body == "c16")
    t = EINRT_C128;
  else if (body == "i4")
    t = EINRT_I32;
  else if (body == "i8")
    t = EINRT_I64;
  else
    return false;
  return true;
}

void byteswap(void *data, int64_t count, size_t size) {
  auto *bytes = static_cast<unsigned char *>(data);
  for (int64_t i = 0; i < count; ++i)
    for (size_t a = 0, b = size - 1; a < b; ++a, --b)
      std::swap(bytes[i * size + a], bytes[i * size + b]);
}

/// Fortran order (first index fastest) to C order.
void fortranToC(const einrt_array &a, const unsigned char *src,
                unsigned char *dst, size_t size) {
  int64_t n = 1;
  for (int d = 0; d < a.rank; ++d)
    n *= a.shape[d];
  std::vector<int64_t> index(a.rank, 0);
  std::vector<int64_t> fstride(a.rank, 1);
  for (int d = 1; d < a.rank; ++d)
    fstride[d] = fstride[d - 1] * a.shape[d - 1];
  for (int64_t c = 0; c < n; ++c) {
    int64_t f = 0;
    for (int d = 0; d < a.rank; ++d)
      f += index[d] * fstride[d];
    std::memcpy(dst + c * size, src + f * size, size);
    for (int d = a.rank - 1; d >= 0; --d) {
      if (++index[d] < a.shape[d])
        break;
      index[d] = 0;
    }
  }
}

struct FileCloser {
  int fd;
  ~FileCloser() {
    if (fd >= 0)
      ::close(fd);
  }
};

} // namespace

extern "C" einrt_status einrt_npy_read(const char *path, einrt_array *out,
                                       char *err, size_t errlen) {
  *out = einrt_array{};
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    setError(err, errlen, "cannot read '%s': %s", path, std::strerror(errno));
    return 1;
  }
  FileCloser closer{fd};
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    setError(err, errlen, "cannot read '%s': %s", path,
             S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
    return 1;
  }
  unsigned char preamble[10];
  size_t got = readFully(fd, preamble, sizeof(preamble));
  if (got < 8 || std::memcmp(preamble, "\x93NUMPY", 6) != 0) {
    setError(err, errlen,
             "'%s' is not a .npy file (it does not start with \\x93NUMPY)",
             path);
    return 1;
  }
  unsigned major = preamble[6];
  uint64_t headerLen;
  size_t prefix;
  if (major == 1) {
    if (got < 10) {
      setError(err, errlen, "'%s' is truncated inside its header", path);
      return 1;
    }
    headerLen = preamble[8] | (preamble[9] << 8);
    prefix = 10;
  } else if (major == 2 || major == 3) {
    unsigned char more[2];
    if (got < 10 || readFully(fd, more, 2) != 2) {
      setError(err, errlen, "'%s' is truncated inside its header", path);
      return 1;
    }
    headerLen = uint64_t(preamble[8]) | uint64_t(preamble[9]) << 8 |
                uint64_t(more[0]) << 16 | uint64_t(more[1]) << 24;
    prefix = 12;
  } else {
    setError(err, errlen,
             "'%s' has .npy format version %u.%u, which einc "
             "does not read (1.0-3.0)",
             path, major, preamble[7]);
    return 1;
  }
  if (headerLen > uint64_t(st.st_size) || headerLen > (1u << 24)) {
    setError(err, errlen, "'%s' is truncated inside its header", path);
    return 1;
  }
  std::string text(headerLen, '\0');
  if (readFully(fd, text.data(), headerLen) != headerLen) {
    setError(err, errlen, "'%s' is truncated inside its header", path);
    return 1;
  }
  Header h;
  std::string why;
  if (!parseHeader(text, h, why)) {
    setError(err, errlen, "'%s' has a malformed .npy header: %s", path,
             why.c_str());
    return 1;
  }
  einrt_dtype dtype;
  bool swap = false;
  if (h.structured || !parseDescr(h.descr, dtype, swap)) {
    setError(err, errlen,
             "unsupported dtype '%s' (%s) in '%s': einc supports float32, "
             "float64, complex64, complex128, int32, int64",
             printable(h.descr).c_str(),
             describeDescr(h.descr, h.structured).c_str(), path);
    return 1;
  }
  einrt_array a{};
  a.dtype = dtype;
  a.rank = static_cast<int32_t>(h.shape.size());
  for (size_t d = 0; d < h.shape.size(); ++d)
    a.shape[d] = h.shape[d];
  int64_t count = 0;
  uint64_t bytes = 0;
  size_t size = einrt_dtype_size(dtype);
  if (einrt_element_count(a.rank, a.shape, &count) ||
      __builtin_mul_overflow(uint64_t(count), size, &bytes)) {
    setError(err, errlen, "'%s' has a shape whose size overflows 64 bits",
             path);
    return 1;
  }
  uint64_t available = uint64_t(st.st_size) - prefix - headerLen;
  if (bytes > available) {
    setError(err, errlen,
             "'%s' is truncated: expected %llu bytes of data, found %llu", path,
             static_cast<unsigned long long>(bytes),
             static_cast<unsigned long long>(available));
    return 1;
  }
  if (einrt_array_alloc(&a, err, errlen))
    return 1;
  std::vector<unsigned char> staging;
  unsigned char *target = static_cast<unsigned char *>(a.data);
  if (h.fortran && a.rank > 1) {
    staging.resize(bytes);
    target = staging.data();
  }
  if (readFully(fd, target, bytes) != bytes) {
    einrt_array_free(&a);
    setError(err, errlen, "cannot read '%s': %s", path,
             errno ? std::strerror(errno) : "short read");
    return 1;
  }
  bool isComplex = dtype == EINRT_C64 || dtype == EINRT_C128;
  if (swap)
    byteswap(target, isComplex ? 2 * count : count,
             isComplex ? size / 2 : size);
  if (h.fortran && a.rank > 1)
    fortranToC(a, staging.data(), static_cast<unsigned char *>(a.data), size);
  *out = a;
  return 0;
}

static const char *descrFor(einrt_dtype t) {
  switch (t) {
  case EINRT_F32:
    return "<f4";
  case EINRT_F64:
    return "<f8";
  case EINRT_C64:
    return "<c8";
  case EINRT_C128:
    return "<c16";
  case EINRT_I32:
    return "<i4";
  case EINRT_I64:
    return "<i8";
  }
  return "?";
}

extern "C" einrt_status einrt_npy_write(const char *path, const einrt_array *a,
                                        char *err, size_t errlen) {
  std::string dict = std::string("{'descr': '") + descrFor(a->dtype) +
                     "', 'fortran_order': False, 'shape': (";
  for (int32_t d = 0; d < a->rank; ++d)
    dict += (d ? ", " : "") + std::to_string(a->shape[d]);
  dict += a->rank == 1 ? ",), }" : "), }";
  size_t unpadded = 10 + dict.size() + 1;
  size_t total = (unpadded + 63) / 64 * 64;
  dict.append(total - unpadded, ' ');
  dict.push_back('\n');
  std::string header = "\x93NUMPY";
  header.push_back('\x01');
  header.push_back('\x00');
  header.push_back(static_cast<char>(dict.size() & 0xff));
  header.push_back(static_cast<char>((dict.size() >> 8) & 0xff));
  header += dict;

  int64_t count = 0;
  einrt_element_count(a->rank, a->shape, &count);
  size_t bytes = static_cast<size_t>(count) * einrt_dtype_size(a->dtype);

  std::string tmp = std::string(path) + ".tmpXXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) {
    setError(err, errlen, "cannot write '%s': %s", path, std::strerror(errno));
    return 1;
  }
  mode_t mask = umask(0);
  umask(mask);
  bool ok = fchmod(fd, 0666 & ~mask) == 0 &&
            writeFully(fd, header.data(), header.size()) &&
            writeFully(fd, a->data, bytes);
  int saved = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path) != 0) {
    if (ok)
      saved = errno;
    ::unlink(tmp.c_str());
    setError(err, errlen, "cannot write '%s': %s", path,
             std::strerror(saved ? saved : EIO));
    return 1;
  }
  return 0;
}
