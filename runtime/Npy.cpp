//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
//
// Reads versions 1.0-3.0 of the .npy format for the dtypes Einc computes in
// (either byte order, C or Fortran order) and writes version 1.0 files as
// numpy.save does, atomically: an unnamed file in the target's directory,
// named and renamed over the target only once everything was written, so a
// failed or killed write never leaves a partial file behind.
//
// The reader treats its input as hostile: every length and offset in the
// file is checked against the file's size before it is used, and no
// message ever contains raw bytes from the file.
//
//===----------------------------------------------------------------------===//

#include "einrt/einrt.h"

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr bool hostBigEndian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
/// A header longer than this is garbage: 64 dimensions need under 2 KiB.
constexpr uint64_t maxHeaderLen = uint64_t(1) << 24;
/// NumPy pads headers so that the data starts at a multiple of this.
constexpr size_t arrayAlign = 64;
/// NumPy leaves room in the header for the first dimension to grow to this
/// many digits (numpy.lib.format.GROWTH_AXIS_MAX_DIGITS).
constexpr size_t growthAxisMaxDigits = 21;

void setError(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void setError(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0)
    return;
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(err, errlen, fmt, args);
  va_end(args);
}

/// `text` with anything but printable ASCII shown as \xNN, cut to
/// `limit` characters, so that a corrupt header cannot put raw bytes or
/// pages of text into an error message.
std::string printable(const std::string &text, size_t limit = 64) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
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

/// Reads up to `n` bytes at `offset`; returns how many were read (fewer
/// only at the end of the file) or -1 with errno set on a read error.
int64_t preadFully(int fd, void *buffer, uint64_t n, uint64_t offset) {
  uint64_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, static_cast<char *>(buffer) + done, n - done,
                        static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r == 0)
      break;
    done += static_cast<uint64_t>(r);
  }
  return static_cast<int64_t>(done);
}

/// Writes all `n` bytes; false with errno set otherwise.
bool writeFully(int fd, const void *buffer, uint64_t n) {
  uint64_t done = 0;
  while (done < n) {
    ssize_t w = ::write(fd, static_cast<const char *>(buffer) + done, n - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      if (w == 0)
        errno = ENOSPC;
      return false;
    }
    done += static_cast<uint64_t>(w);
  }
  return true;
}

struct FileCloser {
  int fd;
  ~FileCloser() { ::close(fd); }
};

/// A buffer from einrt_aligned_alloc, freed on scope exit.
struct AlignedBuffer {
  void *data = nullptr;
  ~AlignedBuffer() { einrt_aligned_free(data); }
};

//===----------------------------------------------------------------------===//
// Header parsing
//===----------------------------------------------------------------------===//

struct Header {
  std::string descr;
  bool structured = false;
  bool fortran = false;
  std::vector<int64_t> shape;
};

/// A cursor over the header text, which is the repr of a Python dict such
/// as "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }".
class HeaderParser {
public:
  explicit HeaderParser(const std::string &text) : text(text) {}

  /// Fills `h`; on failure returns the rest of a message that starts with
  /// the file's name, e.g. "has a malformed .npy header: ...".
  std::string parse(Header &h);

private:
  const std::string &text;
  size_t pos = 0;

  static std::string malformed(const std::string &why) {
    return "has a malformed .npy header: " + why;
  }
  bool atEnd() const { return pos >= text.size(); }
  char peek() const { return atEnd() ? '\0' : text[pos]; }
  void skipSpace() {
    while (!atEnd() && (text[pos] == ' ' || text[pos] == '\t' ||
                        text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }
  bool consume(char c) {
    skipSpace();
    if (atEnd() || text[pos] != c)
      return false;
    ++pos;
    return true;
  }
  bool consumeWord(const char *word) {
    size_t n = std::strlen(word);
    if (text.compare(pos, n, word) != 0)
      return false;
    pos += n;
    return true;
  }
  /// A string in single or double quotes (NumPy never writes escapes).
  bool parseString(std::string &out) {
    skipSpace();
    if (atEnd() || (text[pos] != '\'' && text[pos] != '"'))
      return false;
    char quote = text[pos++];
    size_t end = text.find(quote, pos);
    if (end == std::string::npos)
      return false;
    out = text.substr(pos, end - pos);
    pos = end + 1;
    return true;
  }
  /// The text of a bracketed list (a structured dtype's descr), skipping
  /// brackets inside quoted field names.
  bool skipBalanced(std::string &out) {
    size_t start = pos;
    int depth = 0;
    char quote = 0;
    for (; !atEnd(); ++pos) {
      char c = text[pos];
      if (quote) {
        quote = c == quote ? 0 : quote;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '[' || c == '(') {
        ++depth;
      } else if ((c == ']' || c == ')') && --depth == 0) {
        ++pos;
        out = text.substr(start, pos - start);
        return true;
      }
    }
    return false;
  }
  std::string parseDescr(Header &h);
  std::string parseShape(Header &h);
};

std::string HeaderParser::parse(Header &h) {
  if (!consume('{'))
    return malformed("it is not a dictionary");
  bool haveDescr = false, haveOrder = false, haveShape = false;
  while (!consume('}')) {
    std::string key;
    if (!parseString(key) || !consume(':'))
      return malformed("expected a quoted key and ':'");
    std::string problem;
    if (key == "descr") {
      problem = parseDescr(h);
      haveDescr = true;
    } else if (key == "fortran_order") {
      skipSpace();
      if (consumeWord("True"))
        h.fortran = true;
      else if (consumeWord("False"))
        h.fortran = false;
      else
        problem = malformed("'fortran_order' is not True or False");
      haveOrder = true;
    } else if (key == "shape") {
      problem = parseShape(h);
      haveShape = true;
    } else {
      problem = malformed("unknown key '" + printable(key) + "'");
    }
    if (!problem.empty())
      return problem;
    // Entries are separated by commas; one may follow the last entry.
    if (!consume(',') && (skipSpace(), peek() != '}'))
      return malformed("expected ',' or '}' after '" + printable(key) + "'");
  }
  skipSpace();
  if (!atEnd())
    return malformed("unexpected text after the dictionary");
  if (!haveDescr || !haveOrder || !haveShape)
    return malformed("it lacks 'descr', 'fortran_order' or 'shape'");
  return "";
}

std::string HeaderParser::parseDescr(Header &h) {
  skipSpace();
  h.structured = peek() == '[';
  bool ok = h.structured ? skipBalanced(h.descr) : parseString(h.descr);
  return ok ? "" : malformed("'descr' is not a string or a list");
}

std::string HeaderParser::parseShape(Header &h) {
  h.shape.clear();
  if (!consume('('))
    return malformed("'shape' is not a tuple");
  while (!consume(')')) {
    skipSpace();
    bool negative = peek() == '-';
    if (negative || peek() == '+')
      ++pos;
    size_t start = pos;
    uint64_t value = 0;
    bool overflow = false;
    for (; !atEnd() && text[pos] >= '0' && text[pos] <= '9'; ++pos)
      overflow |=
          __builtin_mul_overflow(value, 10, &value) ||
          __builtin_add_overflow(value, uint64_t(text[pos] - '0'), &value);
    if (pos == start)
      return malformed("'shape' is not a tuple of integers");
    // Python 2 wrote longs with an 'L' suffix.
    if (peek() == 'L')
      ++pos;
    std::string digits = text.substr(start, std::min<size_t>(pos - start, 24));
    if (negative && value != 0)
      return "has a negative dimension (-" + digits + ") in its shape";
    if (overflow || value > uint64_t(INT64_MAX))
      return "has a dimension (" + digits + ") that overflows 64 bits";
    if (h.shape.size() == EINRT_MAX_RANK)
      return "has more than " + std::to_string(EINRT_MAX_RANK) +
             " dimensions; einc supports at most " +
             std::to_string(EINRT_MAX_RANK);
    h.shape.push_back(static_cast<int64_t>(value));
    if (!consume(',') && (skipSpace(), peek() != ')'))
      return malformed("'shape' is not a tuple of integers");
  }
  return "";
}

//===----------------------------------------------------------------------===//
// Dtypes
//===----------------------------------------------------------------------===//

bool isOrderChar(char c) {
  return c == '<' || c == '>' || c == '=' || c == '|';
}

/// Maps a descr to our dtype; sets `swap` when its byte order is not the
/// host's. Accepts NumPy's type strings ('<f8') and the spellings without
/// a byte order ('f8', 'd'), which mean native order.
bool parseDescr(const std::string &d, einrt_dtype &t, bool &swap) {
  char order = '=';
  std::string body = d;
  if (!d.empty() && isOrderChar(d[0])) {
    order = d[0];
    body = d.substr(1);
  }
  static const struct {
    const char *name;
    einrt_dtype type;
  } known[] = {{"f4", EINRT_F32},   {"f8", EINRT_F64}, {"c8", EINRT_C64},
               {"c16", EINRT_C128}, {"i4", EINRT_I32}, {"i8", EINRT_I64},
               {"f2", EINRT_F16},   {"f", EINRT_F32},  {"d", EINRT_F64},
               {"F", EINRT_C64},    {"D", EINRT_C128}, {"i", EINRT_I32},
               {"q", EINRT_I64},    {"e", EINRT_F16}};
  for (const auto &k : known) {
    if (body != k.name)
      continue;
    t = k.type;
    swap = (order == '<' && hostBigEndian) || (order == '>' && !hostBigEndian);
    return true;
  }
  return false;
}

/// A friendly name for a descr we refuse: "bool", "float16", "string"...
std::string describeDescr(const std::string &d, bool structured) {
  if (structured)
    return "structured";
  std::string body = d;
  if (!body.empty() && isOrderChar(body[0]))
    body = body.substr(1);
  if (body.empty())
    return "unknown";
  char kind = body[0];
  std::string digits = body.substr(1);
  bool numeric = !digits.empty() && digits.size() <= 2 &&
                 digits.find_first_not_of("0123456789") == std::string::npos;
  int bytes = numeric ? std::atoi(digits.c_str()) : 0;
  bool power = bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
  std::string bits = std::to_string(8 * bytes);
  switch (kind) {
  case 'O':
    return "object";
  case '?':
    return "bool";
  case 'U':
  case 'S':
  case 'a':
    return "string";
  case 'V':
    return "void";
  case 'M':
    return "datetime64";
  case 'm':
    return "timedelta64";
  case 'e':
    return "float16";
  case 'g':
    return "longdouble";
  case 'G':
    return "clongdouble";
  case 'b':
    return body == "b1" ? "bool" : body == "b" ? "int8" : "unknown";
  case 'B':
    return body == "B" ? "uint8" : "unknown";
  case 'h':
    return body == "h" ? "int16" : "unknown";
  case 'H':
    return body == "H" ? "uint16" : "unknown";
  case 'i':
    return power ? "int" + bits : "unknown";
  case 'u':
    return power ? "uint" + bits : "unknown";
  case 'f':
    if (bytes == 2)
      return "float16";
    if (bytes == 12 || bytes == 16)
      return "longdouble";
    return "unknown";
  case 'c':
    return bytes == 24 || bytes == 32 ? "clongdouble" : "unknown";
  default:
    return "unknown";
  }
}

const char *descrBody(einrt_dtype t) {
  switch (t) {
  case EINRT_F32:
    return "f4";
  case EINRT_F64:
    return "f8";
  case EINRT_C64:
    return "c8";
  case EINRT_C128:
    return "c16";
  case EINRT_I32:
    return "i4";
  case EINRT_I64:
    return "i8";
  case EINRT_F16:
    return "f2";
  case EINRT_BF16:
    return nullptr; // NumPy has no bfloat16
  }
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Data conversion
//===----------------------------------------------------------------------===//

/// Reverses the bytes of each of `count` words of `size` bytes.
void byteswap(unsigned char *data, uint64_t count, size_t size) {
  for (uint64_t i = 0; i < count; ++i, data += size)
    std::reverse(data, data + size);
}

/// Copies `count` elements of `Size` bytes stored in Fortran order (first
/// index fastest) from `src` to `dst` in C order (last index fastest).
template <size_t Size>
void fortranToC(int32_t rank, const int64_t *shape, int64_t count,
                const unsigned char *src, unsigned char *dst) {
  int64_t index[EINRT_MAX_RANK] = {};
  int64_t stride[EINRT_MAX_RANK];
  int64_t step = 1;
  for (int32_t d = 0; d < rank; ++d) {
    stride[d] = step;
    step *= shape[d];
  }
  int64_t from = 0;
  for (int64_t c = 0; c < count; ++c) {
    std::memcpy(dst + c * Size, src + from * Size, Size);
    for (int32_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < shape[d]) {
        from += stride[d];
        break;
      }
      from -= (shape[d] - 1) * stride[d];
      index[d] = 0;
    }
  }
}

void fortranToC(const einrt_array &a, int64_t count, const void *src,
                void *dst) {
  auto *from = static_cast<const unsigned char *>(src);
  auto *to = static_cast<unsigned char *>(dst);
  switch (einrt_dtype_size(a.dtype)) {
  case 2:
    return fortranToC<2>(a.rank, a.shape, count, from, to);
  case 4:
    return fortranToC<4>(a.rank, a.shape, count, from, to);
  case 8:
    return fortranToC<8>(a.rank, a.shape, count, from, to);
  case 16:
    return fortranToC<16>(a.rank, a.shape, count, from, to);
  }
}

/// Fortran order and C order coincide when at most one dimension exceeds 1.
bool needsTranspose(const einrt_array &a) {
  int big = 0;
  for (int32_t d = 0; d < a.rank; ++d)
    big += a.shape[d] > 1;
  return big > 1;
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

/// The header numpy.save (NumPy >= 1.24) writes for a C-order array: the
/// dict with its keys sorted, room for the first dimension to grow, then
/// spaces and a newline up to a multiple of 64 bytes (a full 64 bytes of
/// padding when the text already ends on one, as NumPy does). Version 2.0
/// only when the header does not fit in 1.0's 16-bit length.
std::string npyHeader(const einrt_array &a) {
  std::string dict = "{'descr': '";
  dict += hostBigEndian ? '>' : '<';
  dict += descrBody(a.dtype);
  dict += "', 'fortran_order': False, 'shape': (";
  for (int32_t d = 0; d < a.rank; ++d)
    dict += (d ? ", " : "") + std::to_string(a.shape[d]);
  dict += a.rank == 1 ? ",), }" : "), }";
  if (a.rank > 0)
    dict.append(growthAxisMaxDigits - std::to_string(a.shape[0]).size(), ' ');
  for (unsigned char major : {1, 2}) {
    size_t lenSize = major == 1 ? 2 : 4;
    size_t hlen = dict.size() + 1;
    size_t padlen = arrayAlign - (8 + lenSize + hlen) % arrayAlign;
    uint64_t total = hlen + padlen;
    if (major == 1 && total > 0xffff)
      continue;
    std::string out = "\x93NUMPY";
    out.push_back(char(major));
    out.push_back('\0');
    for (size_t i = 0; i < lenSize; ++i)
      out.push_back(char((total >> (8 * i)) & 0xff));
    out += dict;
    out.append(padlen, ' ');
    out.push_back('\n');
    return out;
  }
  return "";
}

} // namespace

//===----------------------------------------------------------------------===//
// C ABI
//===----------------------------------------------------------------------===//

extern "C" einrt_status einrt_npy_read(const char *path, einrt_array *out,
                                       char *err, size_t errlen) {
  if (!path || !out) {
    setError(err, errlen, "einrt_npy_read: null argument");
    return 1;
  }
  *out = einrt_array{};
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  int fd = ::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    setError(err, errlen, "cannot read '%s': %s", path, std::strerror(errno));
    return 1;
  }
  FileCloser closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    setError(err, errlen, "cannot read '%s': %s", path, std::strerror(errno));
    return 1;
  }
  if (!S_ISREG(st.st_mode)) {
    setError(err, errlen, "cannot read '%s': %s", path,
             S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
    return 1;
  }
  uint64_t fileSize = static_cast<uint64_t>(st.st_size);

  // Magic, version and header length.
  unsigned char prefix[12];
  int64_t got = preadFully(fd, prefix, sizeof(prefix), 0);
  if (got < 0) {
    setError(err, errlen, "cannot read '%s': %s", path, std::strerror(errno));
    return 1;
  }
  if (got == 0) {
    setError(err, errlen, "'%s' is not a .npy file: it is empty", path);
    return 1;
  }
  if (std::memcmp(prefix, "\x93NUMPY", std::min<int64_t>(got, 6)) != 0) {
    setError(err, errlen,
             "'%s' is not a .npy file (it does not start with \\x93NUMPY)",
             path);
    return 1;
  }
  if (got < 8) {
    setError(err, errlen, "'%s' is truncated inside its header", path);
    return 1;
  }
  unsigned major = prefix[6], minor = prefix[7];
  if (major < 1 || major > 3 || minor != 0) {
    setError(err, errlen,
             "'%s' has .npy format version %u.%u, which einc does not read "
             "(1.0, 2.0 and 3.0)",
             path, major, minor);
    return 1;
  }
  uint64_t lenSize = major == 1 ? 2 : 4, headerStart = 8 + lenSize;
  if (uint64_t(got) < headerStart) {
    setError(err, errlen, "'%s' is truncated inside its header", path);
    return 1;
  }
  uint64_t headerLen = 0;
  for (uint64_t i = 0; i < lenSize; ++i)
    headerLen |= uint64_t(prefix[8 + i]) << (8 * i);
  if (headerLen > fileSize - headerStart) {
    setError(err, errlen,
             "'%s' is truncated inside its header: it declares %llu bytes of "
             "header, the file has %llu",
             path, static_cast<unsigned long long>(headerLen),
             static_cast<unsigned long long>(fileSize - headerStart));
    return 1;
  }
  if (headerLen > maxHeaderLen) {
    setError(err, errlen,
             "'%s' has a malformed .npy header: it declares %llu bytes of "
             "header",
             path, static_cast<unsigned long long>(headerLen));
    return 1;
  }

  // The header dictionary.
  std::string text(headerLen, '\0');
  got = preadFully(fd, &text[0], headerLen, headerStart);
  if (got < 0 || uint64_t(got) != headerLen) {
    setError(err, errlen, "cannot read '%s': %s", path,
             got < 0 ? std::strerror(errno) : "the file shrank while read");
    return 1;
  }
  Header h;
  std::string problem = HeaderParser(text).parse(h);
  if (!problem.empty()) {
    setError(err, errlen, "'%s' %s", path, problem.c_str());
    return 1;
  }
  einrt_dtype dtype = EINRT_F64;
  bool swap = false;
  if (h.structured || !parseDescr(h.descr, dtype, swap)) {
    setError(err, errlen,
             "unsupported dtype '%s' (%s) in '%s': einc supports float32, "
             "float64, complex64, complex128, int32, int64",
             printable(h.descr).c_str(),
             describeDescr(h.descr, h.structured).c_str(), path);
    return 1;
  }

  // The data: check its size against the file before allocating anything.
  einrt_array a{};
  a.dtype = dtype;
  a.rank = static_cast<int32_t>(h.shape.size());
  std::copy(h.shape.begin(), h.shape.end(), a.shape);
  int64_t count = 0;
  uint64_t bytes = 0;
  size_t size = einrt_dtype_size(dtype);
  if (einrt_element_count(a.rank, a.shape, &count) ||
      __builtin_mul_overflow(uint64_t(count), size, &bytes)) {
    setError(err, errlen, "'%s' has a shape whose size overflows 64 bits",
             path);
    return 1;
  }
  uint64_t dataStart = headerStart + headerLen;
  uint64_t available = fileSize - dataStart;
  if (bytes > available) {
    setError(err, errlen,
             "'%s' is truncated: expected %llu bytes of data, found %llu", path,
             static_cast<unsigned long long>(bytes),
             static_cast<unsigned long long>(available));
    return 1;
  }
  char allocErr[256] = "";
  if (einrt_array_alloc(&a, allocErr, sizeof(allocErr))) {
    setError(err, errlen, "cannot read '%s': %s", path, allocErr);
    return 1;
  }
  bool transpose = h.fortran && needsTranspose(a);
  AlignedBuffer staging;
  void *target = a.data;
  if (transpose) {
    staging.data = einrt_aligned_alloc(bytes);
    if (!staging.data) {
      einrt_array_free(&a);
      setError(err, errlen,
               "cannot read '%s': cannot allocate %llu bytes to reorder its "
               "Fortran-order data",
               path, static_cast<unsigned long long>(bytes));
      return 1;
    }
    target = staging.data;
  }
  got = preadFully(fd, target, bytes, dataStart);
  if (got < 0 || uint64_t(got) != bytes) {
    einrt_array_free(&a);
    if (got < 0)
      setError(err, errlen, "cannot read '%s': %s", path, std::strerror(errno));
    else
      setError(err, errlen,
               "'%s' is truncated: expected %llu bytes of data, found %llu",
               path, static_cast<unsigned long long>(bytes),
               static_cast<unsigned long long>(got));
    return 1;
  }
  bool isComplex = dtype == EINRT_C64 || dtype == EINRT_C128;
  if (swap)
    byteswap(static_cast<unsigned char *>(target),
             isComplex ? 2 * uint64_t(count) : uint64_t(count),
             isComplex ? size / 2 : size);
  if (transpose)
    fortranToC(a, count, staging.data, a.data);
  *out = a;
  return 0;
}

namespace {

/// Writes header + data to `fd`; "" or the reason it failed.
std::string writeContents(int fd, const std::string &header, const void *data,
                          uint64_t bytes) {
  if (!writeFully(fd, header.data(), header.size()) ||
      !writeFully(fd, data, bytes))
    return std::strerror(errno ? errno : EIO);
  return "";
}

std::string closeChecked(int fd, std::string failure) {
  if (::close(fd) != 0 && failure.empty())
    return std::strerror(errno);
  return failure;
}

/// The directory part of `path` ("." when it has none).
std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// Creates `path`.tmpPID-N for the first N that `create` (which fails with
/// EEXIST when the name is taken) accepts, and returns it in `name`; false
/// with errno set otherwise.
template <typename Create>
bool nameTemporary(const char *path, std::string &name, Create create) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    name = std::string(path) + ".tmp" + std::to_string(::getpid()) + "-" +
           std::to_string(attempt);
    if (create(name))
      return true;
    if (errno != EEXIST)
      return false;
  }
  return false;
}

/// Writes the file so that `path` is either untouched or complete, even if
/// the process is killed half-way: the data goes to an unnamed file in the
/// target's directory (O_TMPFILE) that only gets a name once it is whole;
/// where the file system has no unnamed files, to a named temporary that is
/// removed on failure. Existing non-regular targets (/dev/stdout, a pipe, a
/// device) are written in place. Returns "" or the reason it failed.
std::string writeAtomically(const char *path, const std::string &header,
                            const void *data, uint64_t bytes) {
  struct stat st;
  if (::stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode))
      return "it is a directory";
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      return std::strerror(errno);
    return closeChecked(fd, writeContents(fd, header, data, bytes));
  }
  std::string tmp;
#ifdef O_TMPFILE
  int fd =
      ::open(directoryOf(path).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  if (fd >= 0) {
    std::string failure = writeContents(fd, header, data, bytes);
    // Give the finished file a temporary name, then rename it over the
    // target (link() cannot replace an existing file).
    if (failure.empty()) {
      std::string self = "/proc/self/fd/" + std::to_string(fd);
      if (!nameTemporary(path, tmp, [&](const std::string &name) {
            return ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name.c_str(),
                            AT_SYMLINK_FOLLOW) == 0;
          }))
        failure = std::strerror(errno);
    }
    failure = closeChecked(fd, failure);
    if (failure.empty() && std::rename(tmp.c_str(), path) != 0) {
      failure = std::strerror(errno);
      ::unlink(tmp.c_str());
    }
    return failure;
  }
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
    return std::strerror(errno);
#endif
  // No unnamed files here: a named temporary (mode 0666 less the umask,
  // as creat() gives), removed on failure.
  int named = -1;
  if (!nameTemporary(path, tmp, [&](const std::string &name) {
        named =
            ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        return named >= 0;
      }))
    return std::strerror(errno);
  std::string failure =
      closeChecked(named, writeContents(named, header, data, bytes));
  if (failure.empty() && std::rename(tmp.c_str(), path) != 0)
    failure = std::strerror(errno);
  if (!failure.empty())
    ::unlink(tmp.c_str());
  return failure;
}

} // namespace

extern "C" einrt_status einrt_npy_write(const char *path, const einrt_array *a,
                                        char *err, size_t errlen) {
  if (!path || !a) {
    setError(err, errlen, "einrt_npy_write: null argument");
    return 1;
  }
  if (a->dtype == EINRT_BF16) {
    setError(err, errlen,
             "cannot write '%s': .npy has no bfloat16 type (NumPy has none)",
             path);
    return 1;
  }
  int64_t count = 0;
  uint64_t bytes = 0;
  if (a->rank < 0 || a->rank > EINRT_MAX_RANK || !descrBody(a->dtype) ||
      einrt_element_count(a->rank, a->shape, &count) ||
      __builtin_mul_overflow(uint64_t(count), einrt_dtype_size(a->dtype),
                             &bytes) ||
      (bytes > 0 && !a->data)) {
    setError(err, errlen,
             "cannot write '%s': invalid array (rank, dtype, shape or data)",
             path);
    return 1;
  }
  std::string header = npyHeader(*a);
  std::string saved = writeAtomically(path, header, a->data, bytes);
  if (!saved.empty()) {
    setError(err, errlen, "cannot write '%s': %s", path, saved.c_str());
    return 1;
  }
  return 0;
}
