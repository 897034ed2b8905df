//===- NpyTest.cpp - .npy reading and writing -----------------------------===//

#include "einrt/einrt.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

/// A fresh directory per test, removed afterwards.
class Npy : public ::testing::Test {
protected:
  void SetUp() override {
    char pattern[] = "/tmp/einc-npy-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir = pattern;
  }
  void TearDown() override {
    for (const std::string &f : files()) {
      std::string p = path(f);
      if (rmdir(p.c_str()) != 0)
        std::remove(p.c_str());
    }
    rmdir(dir.c_str());
  }
  std::string path(const std::string &name) const { return dir + "/" + name; }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    if (DIR *d = opendir(dir.c_str())) {
      while (dirent *e = readdir(d))
        if (std::strcmp(e->d_name, ".") != 0 &&
            std::strcmp(e->d_name, "..") != 0)
          names.push_back(e->d_name);
      closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  void writeRaw(const std::string &name, const std::string &bytes) {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  std::string readRaw(const std::string &name) {
    std::ifstream in(path(name), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  /// A .npy file with the given header dictionary and data bytes.
  static std::string npy(const std::string &dict, const std::string &data,
                         char major = 1) {
    std::string header = dict;
    size_t prefix = major == 1 ? 10 : 12;
    while ((prefix + header.size() + 1) % 64)
      header.push_back(' ');
    header.push_back('\n');
    std::string out = "\x93NUMPY";
    out.push_back(major);
    out.push_back(0);
    out.push_back(char(header.size() & 0xff));
    out.push_back(char(header.size() >> 8));
    if (major != 1) {
      out.push_back(0);
      out.push_back(0);
    }
    return out + header + data;
  }
  /// Reads `name`, which must fail; returns the message after checking
  /// that it names the file and that nothing was allocated.
  std::string readError(const std::string &name) {
    einrt_array a{};
    a.data = &a; // Must be reset even on failure.
    char err[512] = "";
    EXPECT_NE(einrt_npy_read(path(name).c_str(), &a, err, sizeof(err)), 0);
    EXPECT_EQ(a.data, nullptr);
    EXPECT_NE(std::string(err).find(path(name)), std::string::npos) << err;
    EXPECT_EQ(std::strchr(err, '\n'), nullptr) << err;
    return err;
  }
  /// Reads `name`, which must succeed.
  einrt_array read(const std::string &name) {
    einrt_array a{};
    char err[512] = "";
    EXPECT_EQ(einrt_npy_read(path(name).c_str(), &a, err, sizeof(err)), 0)
        << err;
    return a;
  }

  std::string dir;
};

template <typename T> std::string bytesOf(const std::vector<T> &v) {
  return std::string(reinterpret_cast<const char *>(v.data()),
                     v.size() * sizeof(T));
}

einrt_array makeArray(einrt_dtype t, const std::vector<int64_t> &shape) {
  einrt_array a{};
  a.dtype = t;
  a.rank = static_cast<int32_t>(shape.size());
  std::copy(shape.begin(), shape.end(), a.shape);
  char err[256];
  EXPECT_EQ(einrt_array_alloc(&a, err, sizeof(err)), 0) << err;
  return a;
}

uint64_t byteSize(const einrt_array &a) {
  int64_t n = 0;
  EXPECT_EQ(einrt_element_count(a.rank, a.shape, &n), 0);
  return uint64_t(n) * einrt_dtype_size(a.dtype);
}

TEST_F(Npy, RoundTripsEveryDtypeAndRank) {
  std::vector<std::vector<int64_t>> shapes = {
      {}, {5}, {0}, {2, 3}, {2, 0, 3}, {3, 1, 4}, {1, 2, 3, 2}, {2, 2, 0, 1}};
  uint64_t state = 0x9e3779b97f4a7c15u;
  for (int t = EINRT_F32; t <= EINRT_F16; ++t)
    for (const auto &shape : shapes) {
      SCOPED_TRACE(std::string(einrt_dtype_name(einrt_dtype(t))) + " rank " +
                   std::to_string(shape.size()));
      einrt_array a = makeArray(einrt_dtype(t), shape);
      ASSERT_NE(a.data, nullptr);
      uint64_t bytes = byteSize(a);
      auto *data = static_cast<unsigned char *>(a.data);
      for (uint64_t k = 0; k < bytes; ++k) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        data[k] = static_cast<unsigned char>(state >> 56);
      }
      char err[512];
      ASSERT_EQ(einrt_npy_write(path("x.npy").c_str(), &a, err, sizeof(err)), 0)
          << err;
      std::string file = readRaw("x.npy");
      ASSERT_GE(file.size(), 10u);
      uint64_t headerEnd = 10 + (uint8_t(file[8]) | uint8_t(file[9]) << 8);
      EXPECT_EQ(headerEnd % 64, 0u);
      EXPECT_EQ(file[headerEnd - 1], '\n');
      EXPECT_EQ(file.size(), headerEnd + bytes);
      einrt_array b = read("x.npy");
      EXPECT_EQ(b.dtype, a.dtype);
      ASSERT_EQ(b.rank, a.rank);
      for (int d = 0; d < a.rank; ++d)
        EXPECT_EQ(b.shape[d], a.shape[d]);
      ASSERT_NE(b.data, nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data) % 64, 0u);
      EXPECT_EQ(std::memcmp(a.data, b.data, bytes), 0);
      einrt_array_free(&a);
      einrt_array_free(&b);
      EXPECT_EQ(b.data, nullptr);
    }
}

TEST_F(Npy, WritesNumPysHeader) {
  einrt_array a = makeArray(EINRT_F64, {2, 3});
  for (int k = 0; k < 6; ++k)
    static_cast<double *>(a.data)[k] = k + 0.5;
  char err[256];
  ASSERT_EQ(einrt_npy_write(path("h.npy").c_str(), &a, err, sizeof(err)), 0);
  einrt_array_free(&a);
  std::string file = readRaw("h.npy");
  // 10 + 59 + 1 bytes of header pad to 128, as NumPy writes them.
  ASSERT_EQ(file.size(), 128u + 48u);
  EXPECT_EQ(file.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  EXPECT_EQ(file.substr(10, 59),
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }");
  EXPECT_EQ(file.substr(69, 58), std::string(58, ' '));
  EXPECT_EQ(file[127], '\n');
  EXPECT_EQ(file.substr(128, 8), std::string("\0\0\0\0\0\0\xe0\x3f", 8));

  // One-dimensional shapes keep NumPy's trailing comma; 0-d is ().
  a = makeArray(EINRT_I32, {4});
  ASSERT_EQ(einrt_npy_write(path("v.npy").c_str(), &a, err, sizeof(err)), 0);
  einrt_array_free(&a);
  EXPECT_EQ(readRaw("v.npy").substr(10, 59),
            "{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }  ");
  a = makeArray(EINRT_C128, {});
  ASSERT_EQ(einrt_npy_write(path("s.npy").c_str(), &a, err, sizeof(err)), 0);
  einrt_array_free(&a);
  std::string scalar = readRaw("s.npy");
  EXPECT_EQ(scalar.size(), 128u + 16u);
  EXPECT_EQ(scalar.substr(10, 56),
            "{'descr': '<c16', 'fortran_order': False, 'shape': (), }");
  // Every dtype gets its little-endian type string.
  const char *descrs[] = {"<f4", "<f8", "<c8", "<c16", "<i4", "<i8"};
  for (int t = EINRT_F32; t <= EINRT_I64; ++t) {
    a = makeArray(einrt_dtype(t), {1});
    ASSERT_EQ(einrt_npy_write(path("d.npy").c_str(), &a, err, sizeof(err)), 0);
    einrt_array_free(&a);
    EXPECT_NE(
        readRaw("d.npy").find(std::string("'descr': '") + descrs[t] + "'"),
        std::string::npos);
  }
}

TEST_F(Npy, ReadsBigEndian) {
  // 1.5 and -2.0 as big-endian doubles.
  std::string data("\x3f\xf8\0\0\0\0\0\0\xc0\0\0\0\0\0\0\0", 16);
  writeRaw("be.npy", npy("{'descr': '>f8', 'fortran_order': False, "
                         "'shape': (2,), }",
                         data));
  einrt_array a = read("be.npy");
  ASSERT_NE(a.data, nullptr);
  EXPECT_EQ(a.dtype, EINRT_F64);
  EXPECT_EQ(static_cast<double *>(a.data)[0], 1.5);
  EXPECT_EQ(static_cast<double *>(a.data)[1], -2.0);
  einrt_array_free(&a);
  // Big-endian complex64: each half swapped on its own.
  std::string c("\x3f\x80\0\0\x40\0\0\0", 8); // 1 + 2i
  writeRaw("bec.npy", npy("{'descr': '>c8', 'fortran_order': False, "
                          "'shape': (), }",
                          c));
  a = read("bec.npy");
  ASSERT_NE(a.data, nullptr);
  EXPECT_EQ(a.dtype, EINRT_C64);
  EXPECT_EQ(a.rank, 0);
  EXPECT_EQ(static_cast<std::complex<float> *>(a.data)[0],
            std::complex<float>(1, 2));
  einrt_array_free(&a);
  // Big-endian int32: 1, -2, 0x01020304.
  std::string i("\0\0\0\x01\xff\xff\xff\xfe\x01\x02\x03\x04", 12);
  writeRaw("bei.npy", npy("{'descr': '>i4', 'fortran_order': False, "
                          "'shape': (3,), }",
                          i));
  a = read("bei.npy");
  ASSERT_NE(a.data, nullptr);
  EXPECT_EQ(a.dtype, EINRT_I32);
  EXPECT_EQ(static_cast<int32_t *>(a.data)[0], 1);
  EXPECT_EQ(static_cast<int32_t *>(a.data)[1], -2);
  EXPECT_EQ(static_cast<int32_t *>(a.data)[2], 0x01020304);
  einrt_array_free(&a);
  // Big-endian float16: 1.5 (0x3e00) and -2 (0xc000), and NumPy's 'e'.
  std::string h("\x3e\x00\xc0\x00", 4);
  writeRaw("beh.npy", npy("{'descr': '>f2', 'fortran_order': False, "
                          "'shape': (2,), }",
                          h));
  a = read("beh.npy");
  ASSERT_NE(a.data, nullptr);
  EXPECT_EQ(a.dtype, EINRT_F16);
  EXPECT_EQ(einrt_f16_to_f32(static_cast<uint16_t *>(a.data)[0]), 1.5f);
  EXPECT_EQ(einrt_f16_to_f32(static_cast<uint16_t *>(a.data)[1]), -2.0f);
  einrt_array_free(&a);
}

TEST_F(Npy, ReadsOtherSpellingsOfNativeOrder) {
  std::vector<double> d = {2.5};
  for (const char *descr : {"'=f8'", "'|f8'", "'f8'", "\"<f8\"", "'d'"}) {
    SCOPED_TRACE(descr);
    writeRaw("n.npy", npy(std::string("{\"descr\":") + descr +
                              ",'shape':(1,),'fortran_order':False}",
                          bytesOf(d)));
    einrt_array a = read("n.npy");
    ASSERT_NE(a.data, nullptr);
    EXPECT_EQ(a.dtype, EINRT_F64);
    EXPECT_EQ(static_cast<double *>(a.data)[0], 2.5);
    einrt_array_free(&a);
  }
}

TEST_F(Npy, ReadsFortranOrder) {
  // [[0, 1, 2], [3, 4, 5]] stored column by column.
  std::vector<int64_t> fortran = {0, 3, 1, 4, 2, 5};
  writeRaw("f.npy", npy("{'descr': '<i8', 'fortran_order': True, "
                        "'shape': (2, 3), }",
                        bytesOf(fortran)));
  einrt_array a = read("f.npy");
  ASSERT_NE(a.data, nullptr);
  auto *v = static_cast<int64_t *>(a.data);
  for (int k = 0; k < 6; ++k)
    EXPECT_EQ(v[k], k);
  einrt_array_free(&a);
  // Rank 3: element (i, j, k) is 100i + 10j + k.
  std::vector<int32_t> f3;
  for (int k = 0; k < 4; ++k)
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 2; ++i)
        f3.push_back(100 * i + 10 * j + k);
  writeRaw("f3.npy", npy("{'descr': '<i4', 'fortran_order': True, "
                         "'shape': (2, 3, 4), }",
                         bytesOf(f3)));
  a = read("f3.npy");
  ASSERT_NE(a.data, nullptr);
  ASSERT_EQ(a.rank, 3);
  auto *w = static_cast<int32_t *>(a.data);
  for (int i = 0, n = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k, ++n)
        EXPECT_EQ(w[n], 100 * i + 10 * j + k);
  einrt_array_free(&a);
  // Big-endian complex128 in Fortran order: (i, j) = i + 10j + (i - j)i.
  std::string be;
  auto putBE = [&](double x) {
    unsigned char b[8];
    std::memcpy(b, &x, 8);
    for (int k = 7; k >= 0; --k)
      be.push_back(char(b[k]));
  };
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 2; ++i) {
      putBE(i + 10 * j);
      putBE(i - j);
    }
  writeRaw("fc.npy", npy("{'descr': '>c16', 'fortran_order': True, "
                         "'shape': (2, 3), }",
                         be));
  a = read("fc.npy");
  ASSERT_NE(a.data, nullptr);
  auto *z = static_cast<std::complex<double> *>(a.data);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(z[3 * i + j], std::complex<double>(i + 10 * j, i - j));
  einrt_array_free(&a);
  // Zero-size and 0-d Fortran arrays.
  writeRaw("fe.npy", npy("{'descr': '<f4', 'fortran_order': True, "
                         "'shape': (3, 0, 2), }",
                         ""));
  a = read("fe.npy");
  EXPECT_NE(a.data, nullptr);
  EXPECT_EQ(a.shape[1], 0);
  einrt_array_free(&a);
  writeRaw("f0.npy", npy("{'descr': '<f4', 'fortran_order': True, "
                         "'shape': (), }",
                         std::string("\0\0\x80\x3f", 4)));
  a = read("f0.npy");
  ASSERT_NE(a.data, nullptr);
  EXPECT_EQ(static_cast<float *>(a.data)[0], 1.0f);
  einrt_array_free(&a);
}

TEST_F(Npy, ReadsVersionTwoAndThreeHeaders) {
  std::vector<float> data = {1, 2, 3};
  for (char major : {2, 3}) {
    writeRaw("v.npy", npy("{'shape': (3,), 'fortran_order': False, "
                          "'descr': '<f4'}",
                          bytesOf(data), major));
    einrt_array a = read("v.npy");
    ASSERT_NE(a.data, nullptr);
    EXPECT_EQ(a.rank, 1);
    EXPECT_EQ(static_cast<float *>(a.data)[2], 3.0f);
    einrt_array_free(&a);
  }
}

TEST_F(Npy, RefusesWhatItCannotRead) {
  EXPECT_NE(readError("missing.npy").find("No such file or directory"),
            std::string::npos);
  ASSERT_EQ(mkdir(path("sub").c_str(), 0755), 0);
  EXPECT_NE(readError("sub").find("directory"), std::string::npos);
  ASSERT_EQ(mkfifo(path("fifo").c_str(), 0644), 0); // Must not block.
  EXPECT_NE(readError("fifo").find("not a regular file"), std::string::npos);
  writeRaw("magic.npy", "not a numpy file at all");
  EXPECT_NE(readError("magic.npy").find("not a .npy file"), std::string::npos);
  writeRaw("empty.npy", "");
  EXPECT_NE(readError("empty.npy").find("not a .npy file"), std::string::npos);
  std::string good = npy("{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (2, 2), }",
                         std::string(32, '\0'));
  writeRaw("header.npy", good.substr(0, 30));
  EXPECT_NE(readError("header.npy").find("truncated inside its header"),
            std::string::npos);
  writeRaw("short.npy", good.substr(0, 9));
  EXPECT_NE(readError("short.npy").find("truncated inside its header"),
            std::string::npos);
  writeRaw("data.npy", good.substr(0, good.size() - 8));
  EXPECT_NE(readError("data.npy")
                .find("truncated: expected 32 bytes of data, found 24"),
            std::string::npos);
  // A garbage header length is checked against the file's size.
  std::string huge = good;
  huge[8] = huge[9] = '\xff';
  writeRaw("hlen.npy", huge);
  EXPECT_NE(readError("hlen.npy").find("truncated inside its header"),
            std::string::npos);
  for (std::string version : {"\x04\x00", "\x01\x01", "\x00\x00"}) {
    std::string v = good;
    v.replace(6, 2, version);
    writeRaw("version.npy", v);
    EXPECT_NE(readError("version.npy").find("format version"),
              std::string::npos);
  }
}

TEST_F(Npy, RefusesUnsupportedDtypes) {
  struct Refused {
    const char *descr, *name;
  };
  for (Refused r :
       {Refused{"'|O'", "object"}, Refused{"'<U5'", "string"},
        Refused{"'|S3'", "string"}, Refused{"'|b1'", "bool"},
        Refused{"'<u2'", "uint16"}, Refused{"'|u1'", "uint8"},
        Refused{"'|i1'", "int8"}, Refused{"'<i2'", "int16"},
        Refused{"'<u8'", "uint64"}, Refused{"'<f16'", "longdouble"},
        Refused{"'<M8[ns]'", "datetime64"}, Refused{"'zz'", "unknown"},
        Refused{"[('a', '<f4')]", "structured"}}) {
    SCOPED_TRACE(r.descr);
    writeRaw("t.npy", npy(std::string("{'descr': ") + r.descr +
                              ", 'fortran_order': False, 'shape': (1,), }",
                          std::string(16, '\0')));
    std::string e = readError("t.npy");
    EXPECT_NE(e.find(std::string("unsupported dtype '")), std::string::npos)
        << e;
    EXPECT_NE(e.find(std::string("(") + r.name + ")"), std::string::npos) << e;
    EXPECT_NE(e.find("einc supports float32, float64, complex64, complex128, "
                     "int32, int64"),
              std::string::npos)
        << e;
  }
  // Raw bytes in the descr never reach the message.
  writeRaw("g.npy", npy("{'descr': '\x99\x98', 'fortran_order': False, "
                        "'shape': (1,), }",
                        std::string(8, '\0')));
  EXPECT_NE(readError("g.npy").find("'\\x99\\x98' (unknown)"),
            std::string::npos);
}

TEST_F(Npy, RefusesBadShapesAndHeaders) {
  writeRaw("o.npy", npy("{'descr': '<f8', 'fortran_order': False, "
                        "'shape': (4611686018427387904, 4), }",
                        ""));
  EXPECT_NE(readError("o.npy").find("overflows"), std::string::npos);
  writeRaw("o2.npy", npy("{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (99999999999999999999999,), }",
                         ""));
  EXPECT_NE(readError("o2.npy").find("overflows"), std::string::npos);
  writeRaw("n.npy", npy("{'descr': '<f8', 'fortran_order': False, "
                        "'shape': (3, -1), }",
                        ""));
  EXPECT_NE(readError("n.npy").find("negative"), std::string::npos);
  // A shape that fits in 64 bits but not in the file is truncated data,
  // refused before anything is allocated.
  writeRaw("big.npy", npy("{'descr': '<f8', 'fortran_order': False, "
                          "'shape': (1000000000000,), }",
                          std::string(8, '\0')));
  EXPECT_NE(readError("big.npy").find("expected 8000000000000 bytes"),
            std::string::npos);
  std::string rank65 = "(";
  for (int d = 0; d < 65; ++d)
    rank65 += "1, ";
  rank65 += ")";
  writeRaw("r.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': " +
                            rank65 + ", }",
                        std::string(8, '\0')));
  EXPECT_NE(readError("r.npy").find("more than 64 dimensions"),
            std::string::npos);
  for (const char *dict :
       {"{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': 1, }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}",
        "{'descr': '<f8', 'fortran_order': False}",
        "{'descr': '<f8' 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} extra",
        "{'descr': '<f8, 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1,,)}",
        "['descr', '<f8']", "{", ""}) {
    SCOPED_TRACE(dict);
    writeRaw("m.npy", npy(dict, std::string(8, '\0')));
    EXPECT_NE(readError("m.npy").find("malformed .npy header"),
              std::string::npos);
  }
}

TEST_F(Npy, RefusesDataLargerThanMemory) {
  // A sparse file twice the size of memory: refused before allocating.
  uint64_t memory = uint64_t(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  uint64_t elements = memory / 4;
  if (memory == 0 || memory > (uint64_t(1) << 42))
    GTEST_SKIP() << "memory size unknown or too large for a sparse file";
  std::string header =
      npy("{'descr': '<f8', 'fortran_order': False, 'shape': (" +
              std::to_string(elements) + ",), }",
          "");
  writeRaw("huge.npy", header);
  if (truncate(path("huge.npy").c_str(), off_t(header.size() + 8 * elements)))
    GTEST_SKIP() << "no sparse files here";
  EXPECT_NE(
      readError("huge.npy")
          .find("cannot allocate " + std::to_string(8 * elements) + " bytes"),
      std::string::npos);
}

TEST_F(Npy, ParsesHeadersLoosely) {
  std::vector<int32_t> data = {7, 8};
  for (const char *dict :
       {"{'descr':'<i4','fortran_order':False,'shape':(2,)}",
        "{ 'shape' : ( 2 , ) ,\t'descr' : '<i4' , 'fortran_order' : False , }",
        "{\"fortran_order\": False, \"shape\": (2L,), \"descr\": \"<i4\"}"}) {
    SCOPED_TRACE(dict);
    writeRaw("l.npy", npy(dict, bytesOf(data)));
    einrt_array a = read("l.npy");
    ASSERT_NE(a.data, nullptr);
    EXPECT_EQ(a.rank, 1);
    EXPECT_EQ(a.shape[0], 2);
    EXPECT_EQ(static_cast<int32_t *>(a.data)[1], 8);
    einrt_array_free(&a);
  }
}

/// Every prefix of a valid file, and the file with each byte replaced by
/// a few troublesome values, reads or fails cleanly (run under valgrind or
/// a sanitizer for the full check).
TEST_F(Npy, SurvivesCorruptFiles) {
  std::vector<double> values = {1, 2, 3, 4, 5, 6};
  for (bool fortran : {false, true}) {
    std::string good =
        npy(std::string("{'descr': '>f8', 'fortran_order': ") +
                (fortran ? "True" : "False") + ", 'shape': (2, 3), }",
            bytesOf(values));
    writeRaw("c.npy", good);
    int fd = open(path("c.npy").c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    auto check = [&](uint64_t fileSize) {
      einrt_array a{};
      char err[128];
      if (einrt_npy_read(path("c.npy").c_str(), &a, err, sizeof(err)) == 0) {
        ASSERT_NE(a.data, nullptr);
        ASSERT_LE(byteSize(a), fileSize);
        einrt_array_free(&a);
      } else {
        ASSERT_EQ(a.data, nullptr);
        ASSERT_NE(std::string(err).find("c.npy"), std::string::npos) << err;
      }
    };
    // Each header byte replaced in place, then restored.
    for (size_t k = 0; k < 128; ++k)
      for (char c : {'\0', '\xff', '\x7f', '(', ')', ',', '\'', '9', '-'}) {
        ASSERT_EQ(pwrite(fd, &c, 1, off_t(k)), 1);
        check(good.size());
        ASSERT_EQ(pwrite(fd, &good[k], 1, off_t(k)), 1);
      }
    // Every prefix, longest first.
    for (size_t n = good.size(); n-- > 0;) {
      ASSERT_EQ(ftruncate(fd, off_t(n)), 0);
      check(n);
    }
    close(fd);
  }
}

TEST_F(Npy, FailedWritesLeaveNothing) {
  einrt_array a = makeArray(EINRT_F32, {3});
  char err[256];
  EXPECT_NE(
      einrt_npy_write(path("no/such/dir/x.npy").c_str(), &a, err, sizeof(err)),
      0);
  EXPECT_NE(std::string(err).find("cannot write '" + path("no/such/dir/x.npy") +
                                  "': No such file or directory"),
            std::string::npos)
      << err;
  EXPECT_TRUE(files().empty());
  // A rename that fails (onto a directory) removes the temporary.
  ASSERT_EQ(mkdir(path("d").c_str(), 0755), 0);
  EXPECT_NE(einrt_npy_write(path("d").c_str(), &a, err, sizeof(err)), 0);
  EXPECT_NE(std::string(err).find("cannot write '" + path("d") + "'"),
            std::string::npos)
      << err;
  EXPECT_EQ(files(), std::vector<std::string>{"d"});
  // So does a short write (file size limit, as when the disk is full), and
  // the file that was there survives.
  writeRaw("x.npy", "old");
  struct rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  void (*oldHandler)(int) = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 100;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  int rc = einrt_npy_write(path("x.npy").c_str(), &a, err, sizeof(err));
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, oldHandler);
  EXPECT_NE(rc, 0);
  EXPECT_NE(std::string(err).find("cannot write '" + path("x.npy") + "'"),
            std::string::npos)
      << err;
  EXPECT_EQ(files(), (std::vector<std::string>{"d", "x.npy"}));
  EXPECT_EQ(readRaw("x.npy"), "old");
  einrt_array_free(&a);
}

TEST_F(Npy, ReplacesFilesAtomically) {
  einrt_array a = makeArray(EINRT_I64, {2});
  static_cast<int64_t *>(a.data)[1] = 42;
  char err[256];
  writeRaw("x.npy", std::string(1000, 'x'));
  mode_t oldMask = umask(022);
  ASSERT_EQ(einrt_npy_write(path("x.npy").c_str(), &a, err, sizeof(err)), 0)
      << err;
  EXPECT_EQ(files(), std::vector<std::string>{"x.npy"});
  struct stat st;
  ASSERT_EQ(stat(path("x.npy").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(st.st_size, 128 + 16);
  umask(077);
  ASSERT_EQ(einrt_npy_write(path("y.npy").c_str(), &a, err, sizeof(err)), 0);
  umask(oldMask);
  ASSERT_EQ(stat(path("y.npy").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  einrt_array b = read("x.npy");
  ASSERT_NE(b.data, nullptr);
  EXPECT_EQ(static_cast<int64_t *>(b.data)[1], 42);
  einrt_array_free(&b);
  einrt_array_free(&a);
}

TEST_F(Npy, RefusesToWriteInvalidArrays) {
  einrt_array a{};
  a.dtype = EINRT_F64;
  a.rank = 1;
  a.shape[0] = -3;
  char err[256];
  EXPECT_NE(einrt_npy_write(path("x.npy").c_str(), &a, err, sizeof(err)), 0);
  a.shape[0] = 3; // No data.
  EXPECT_NE(einrt_npy_write(path("x.npy").c_str(), &a, err, sizeof(err)), 0);
  a.rank = EINRT_MAX_RANK + 1;
  EXPECT_NE(einrt_npy_write(path("x.npy").c_str(), &a, err, sizeof(err)), 0);
  // NumPy has no bfloat16.
  einrt_array b = makeArray(EINRT_BF16, {2});
  EXPECT_NE(einrt_npy_write(path("x.npy").c_str(), &b, err, sizeof(err)), 0);
  EXPECT_NE(std::string(err).find(".npy has no bfloat16 type"),
            std::string::npos)
      << err;
  einrt_array_free(&b);
  EXPECT_TRUE(files().empty());
}

TEST(Array, DtypeNamesAndSizes) {
  const char *names[] = {"float32", "float64", "complex64", "complex128",
                         "int32",   "int64",   "float16",   "bfloat16"};
  size_t sizes[] = {4, 8, 8, 16, 4, 8, 2, 2};
  for (int t = EINRT_F32; t <= EINRT_BF16; ++t) {
    EXPECT_STREQ(einrt_dtype_name(einrt_dtype(t)), names[t]);
    EXPECT_EQ(einrt_dtype_size(einrt_dtype(t)), sizes[t]);
  }
}

TEST(Array, HalfConversions) {
  // Every half and bfloat16 value survives the trip through float; NaNs
  // stay NaNs.
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    uint16_t h = uint16_t(bits);
    float f = einrt_f16_to_f32(h), g = einrt_bf16_to_f32(h);
    if (std::isnan(f))
      EXPECT_TRUE(std::isnan(einrt_f16_to_f32(einrt_f32_to_f16(f))));
    else
      EXPECT_EQ(einrt_f32_to_f16(f), h) << bits;
    if (std::isnan(g))
      EXPECT_TRUE(std::isnan(einrt_bf16_to_f32(einrt_f32_to_bf16(g))));
    else
      EXPECT_EQ(einrt_f32_to_bf16(g), h) << bits;
  }
  // Known values, and rounding to nearest even halfway between two.
  EXPECT_EQ(einrt_f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(einrt_f32_to_f16(65504.0f), 0x7bff);   // the largest
  EXPECT_EQ(einrt_f32_to_f16(65520.0f), 0x7c00);   // rounds to infinity
  EXPECT_EQ(einrt_f32_to_f16(0x1p-24f), 0x0001);   // the smallest subnormal
  EXPECT_EQ(einrt_f32_to_f16(0x1p-25f), 0x0000);   // a tie: to even (0)
  EXPECT_EQ(einrt_f32_to_f16(0x1.8p-24f), 0x0002); // a tie: to even (2)
  EXPECT_EQ(einrt_f32_to_f16(1.0f + 0x1p-11f), 0x3c00);
  EXPECT_EQ(einrt_f32_to_f16(1.0f + 0x1.8p-10f), 0x3c02);
  EXPECT_EQ(einrt_f16_to_f32(0x0001), 0x1p-24f);
  EXPECT_EQ(einrt_f32_to_bf16(1.0f + 0x1p-8f), 0x3f80);
  EXPECT_EQ(einrt_f32_to_bf16(1.0f + 0x1.8p-7f), 0x3f82);
  EXPECT_EQ(einrt_f32_to_bf16(-2.0f), 0xc000);
}

TEST(Array, CountsElements) {
  int64_t n = -1;
  EXPECT_EQ(einrt_element_count(0, nullptr, &n), 0);
  EXPECT_EQ(n, 1);
  int64_t shape[3] = {3, 4, 5};
  EXPECT_EQ(einrt_element_count(3, shape, &n), 0);
  EXPECT_EQ(n, 60);
  shape[1] = 0;
  EXPECT_EQ(einrt_element_count(3, shape, &n), 0);
  EXPECT_EQ(n, 0);
  shape[1] = -1;
  EXPECT_NE(einrt_element_count(3, shape, &n), 0);
  int64_t big[2] = {int64_t(1) << 40, int64_t(1) << 40};
  EXPECT_NE(einrt_element_count(2, big, &n), 0);
  int64_t edge[2] = {int64_t(1) << 31, int64_t(1) << 31};
  EXPECT_EQ(einrt_element_count(2, edge, &n), 0);
  EXPECT_EQ(n, int64_t(1) << 62);
  EXPECT_NE(einrt_element_count(-1, shape, &n), 0);
}

TEST(Array, AllocatesAlignedZeroedMemory) {
  void *p = einrt_aligned_alloc(0);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  einrt_aligned_free(p);
  einrt_aligned_free(nullptr);
  einrt_array a{};
  a.dtype = EINRT_C128;
  a.rank = 2;
  a.shape[0] = 3;
  a.shape[1] = 5;
  char err[256];
  ASSERT_EQ(einrt_array_alloc(&a, err, sizeof(err)), 0) << err;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data) % 64, 0u);
  auto *bytes = static_cast<unsigned char *>(a.data);
  for (int k = 0; k < 3 * 5 * 16; ++k)
    ASSERT_EQ(bytes[k], 0);
  einrt_array_free(&a);
  EXPECT_EQ(a.data, nullptr);
  einrt_array_free(&a); // Twice is harmless.
  einrt_array zeroed{};
  einrt_array_free(&zeroed);
}

TEST(Array, RefusesImpossibleSizes) {
  einrt_array a{};
  a.dtype = EINRT_F64;
  a.rank = 1;
  a.shape[0] = int64_t(1) << 50; // 8 PiB
  char err[256];
  EXPECT_NE(einrt_array_alloc(&a, err, sizeof(err)), 0);
  EXPECT_NE(std::string(err).find("cannot allocate 9007199254740992 bytes "
                                  "(shape 1125899906842624, float64): more "
                                  "than this machine's"),
            std::string::npos)
      << err;
  EXPECT_EQ(a.data, nullptr);
  a.rank = 3;
  a.dtype = EINRT_F32;
  a.shape[0] = int64_t(1) << 40;
  a.shape[1] = 4;
  a.shape[2] = int64_t(1) << 30;
  EXPECT_NE(einrt_array_alloc(&a, err, sizeof(err)), 0);
  EXPECT_NE(std::string(err).find("shape 1099511627776x4x1073741824 (float32)"),
            std::string::npos)
      << err;
  EXPECT_NE(std::string(err).find("overflows"), std::string::npos) << err;
  EXPECT_EQ(a.data, nullptr);
  a.rank = EINRT_MAX_RANK + 1;
  EXPECT_NE(einrt_array_alloc(&a, err, sizeof(err)), 0);
  EXPECT_EQ(a.data, nullptr);
}

} // namespace
