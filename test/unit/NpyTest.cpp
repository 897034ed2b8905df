//===- NpyTest.cpp - .npy reading and writing -----------------------------===//

#include "einrt/einrt.h"

#include <gtest/gtest.h>

#include <complex>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
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
    for (const std::string &f : files())
      std::remove((dir + "/" + f).c_str());
    rmdir(dir.c_str());
  }
  std::string path(const std::string &name) const { return dir + "/" + name; }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    if (DIR *d = opendir(dir.c_str())) {
      while (dirent *e = readdir(d))
        if (e->d_name[0] != '.')
          names.push_back(e->d_name);
      closedir(d);
    }
    return names;
  }
  void writeRaw(const std::string &name, const std::string &bytes) {
    std::ofstream(path(name), std::ios::binary) << bytes;
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
  std::string readError(const std::string &name) {
    einrt_array a{};
    char err[512] = "";
    EXPECT_NE(einrt_npy_read(path(name).c_str(), &a, err, sizeof(err)), 0);
    EXPECT_EQ(a.data, nullptr);
    return err;
  }

  std::string dir;
};

template <typename T> std::string bytesOf(const std::vector<T> &v) {
  return std::string(reinterpret_cast<const char *>(v.data()),
                     v.size() * sizeof(T));
}

TEST_F(Npy, RoundTripsEveryDtypeAndRank) {
  std::vector<std::vector<int64_t>> shapes = {
      {}, {5}, {2, 3}, {2, 0, 3}, {1, 2, 3, 2}};
  for (int t = 0; t <= EINRT_I64; ++t)
    for (const auto &shape : shapes) {
      einrt_array a{};
      a.dtype = einrt_dtype(t);
      a.rank = shape.size();
      std::copy(shape.begin(), shape.end(), a.shape);
      char err[512];
      ASSERT_EQ(einrt_array_alloc(&a, err, sizeof(err)), 0) << err;
      int64_t n;
      ASSERT_EQ(einrt_element_count(a.rank, a.shape, &n), 0);
      auto *bytes = static_cast<unsigned char *>(a.data);
      for (size_t k = 0; k < n * einrt_dtype_size(a.dtype); ++k)
        bytes[k] = static_cast<unsigned char>(k * 7 + t);
      ASSERT_EQ(einrt_npy_write(path("x.npy").c_str(), &a, err, sizeof(err)), 0)
          << err;
      einrt_array b{};
      ASSERT_EQ(einrt_npy_read(path("x.npy").c_str(), &b, err, sizeof(err)), 0)
          << err;
      EXPECT_EQ(b.dtype, a.dtype);
      ASSERT_EQ(b.rank, a.rank);
      for (int d = 0; d < a.rank; ++d)
        EXPECT_EQ(b.shape[d], a.shape[d]);
      EXPECT_EQ(std::memcmp(a.data, b.data, n * einrt_dtype_size(a.dtype)), 0);
      einrt_array_free(&a);
      einrt_array_free(&b);
    }
}

TEST_F(Npy, WritesNumPysHeader) {
  einrt_array a{};
  a.dtype = EINRT_F64;
  a.rank = 2;
  a.shape[0] = 2;
  a.shape[1] = 3;
  char err[256];
  ASSERT_EQ(einrt_array_alloc(&a, err, sizeof(err)), 0);
  ASSERT_EQ(einrt_npy_write(path("h.npy").c_str(), &a, err, sizeof(err)), 0);
  einrt_array_free(&a);
  std::ifstream in(path("h.npy"), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string file = ss.str();
  // 10 + 59 + 1 bytes of header pad to 128, as NumPy writes them.
  ASSERT_EQ(file.size(), 128u + 48u);
  EXPECT_EQ(file.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  EXPECT_EQ(file.substr(10, 59),
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }");
  EXPECT_EQ(file.substr(69, 58), std::string(58, ' '));
  EXPECT_EQ(file[127], '\n');
  // One-dimensional shapes keep NumPy's trailing comma; 0-d is ().
  a = einrt_array{};
  a.dtype = EINRT_I32;
  a.rank = 1;
  a.shape[0] = 4;
  ASSERT_EQ(einrt_array_alloc(&a, err, sizeof(err)), 0);
  ASSERT_EQ(einrt_npy_write(path("v.npy").c_str(), &a, err, sizeof(err)), 0);
  einrt_array_free(&a);
  std::ifstream v(path("v.npy"), std::ios::binary);
  std::stringstream vs;
  vs << v.rdbuf();
  EXPECT_NE(vs.str().find("'shape': (4,), }"), std::string::npos);
}

TEST_F(Npy, ReadsBigEndian) {
  // 1.5 and -2.0 as big-endian doubles.
  std::string data("\x3f\xf8\0\0\0\0\0\0\xc0\0\0\0\0\0\0\0", 16);
  writeRaw("be.npy", npy("{'descr': '>f8', 'fortran_order': False, "
                         "'shape': (2,), }",
                         data));
  einrt_array a{};
  char err[256];
  ASSERT_EQ(einrt_npy_read(path("be.npy").c_str(), &a, err, sizeof(err)), 0)
      << err;
  EXPECT_EQ(static_cast<double *>(a.data)[0], 1.5);
  EXPECT_EQ(static_cast<double *>(a.data)[1], -2.0);
  einrt_array_free(&a);
  // Big-endian complex64: each half swapped on its own.
  std::string c("\x3f\x80\0\0\x40\0\0\0", 8); // 1 + 2i
  writeRaw("bec.npy", npy("{'descr': '>c8', 'fortran_order': False, "
                          "'shape': (), }",
                          c));
  ASSERT_EQ(einrt_npy_read(path("bec.npy").c_str(), &a, err, sizeof(err)), 0);
  EXPECT_EQ(static_cast<std::complex<float> *>(a.data)[0],
            std::complex<float>(1, 2));
  einrt_array_free(&a);
}

TEST_F(Npy, ReadsFortranOrder) {
  // [[0, 1, 2], [3, 4, 5]] stored column by column.
  std::vector<int64_t> fortran = {0, 3, 1, 4, 2, 5};
  writeRaw("f.npy", npy("{'descr': '<i8', 'fortran_order': True, "
                        "'shape': (2, 3), }",
                        bytesOf(fortran)));
  einrt_array a{};
  char err[256];
  ASSERT_EQ(einrt_npy_read(path("f.npy").c_str(), &a, err, sizeof(err)), 0)
      << err;
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
  ASSERT_EQ(einrt_npy_read(path("f3.npy").c_str(), &a, err, sizeof(err)), 0);
  auto *w = static_cast<int32_t *>(a.data);
  for (int i = 0, n = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k, ++n)
        EXPECT_EQ(w[n], 100 * i + 10 * j + k);
  einrt_array_free(&a);
}

TEST_F(Npy, ReadsVersionTwoHeaders) {
  std::vector<float> data = {1, 2, 3};
  writeRaw("v2.npy", npy("{'shape': (3,), 'fortran_order': False, "
                         "'descr': '<f4'}",
                         bytesOf(data), 2));
  einrt_array a{};
  char err[256];
  ASSERT_EQ(einrt_npy_read(path("v2.npy").c_str(), &a, err, sizeof(err)), 0)
      << err;
  EXPECT_EQ(static_cast<float *>(a.data)[2], 3.0f);
  einrt_array_free(&a);
}

TEST_F(Npy, RefusesWhatItCannotRead) {
  EXPECT_NE(readError("missing.npy").find("No such file or directory"),
            std::string::npos);
  mkdir(path("sub").c_str(), 0755);
  EXPECT_NE(readError("sub").find("directory"), std::string::npos);
  rmdir(path("sub").c_str());
  writeRaw("magic.npy", "not a numpy file at all");
  EXPECT_NE(readError("magic.npy").find("not a .npy file"), std::string::npos);
  std::string good = npy("{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (2, 2), }",
                         std::string(32, '\0'));
  writeRaw("header.npy", good.substr(0, 30));
  EXPECT_NE(readError("header.npy").find("truncated inside its header"),
            std::string::npos);
  writeRaw("data.npy", good.substr(0, good.size() - 8));
  EXPECT_NE(readError("data.npy")
                .find("truncated: expected 32 bytes of data, found 24"),
            std::string::npos);
  struct Refused {
    const char *descr, *name;
  };
  for (Refused r : {Refused{"'|O'", "object"}, Refused{"'<U5'", "string"},
                    Refused{"'|b1'", "bool"}, Refused{"'<f2'", "float16"},
                    Refused{"'|u1'", "uint8"}, Refused{"'<i2'", "int16"}}) {
    writeRaw("t.npy", npy(std::string("{'descr': ") + r.descr +
                              ", 'fortran_order': False, 'shape': (1,), }",
                          std::string(8, '\0')));
    std::string e = readError("t.npy");
    EXPECT_NE(e.find(std::string("(") + r.name + ")"), std::string::npos) << e;
    EXPECT_NE(e.find("einc supports float32"), std::string::npos);
  }
  writeRaw("s.npy", npy("{'descr': [('a', '<f4')], 'fortran_order': False, "
                        "'shape': (1,), }",
                        std::string(4, '\0')));
  EXPECT_NE(readError("s.npy").find("structured"), std::string::npos);
  writeRaw("o.npy", npy("{'descr': '<f8', 'fortran_order': False, "
                        "'shape': (4611686018427387904, 4), }",
                        ""));
  EXPECT_NE(readError("o.npy").find("overflows"), std::string::npos);
  writeRaw("n.npy", npy("{'descr': '<f8', 'fortran_order': False, "
                        "'shape': (-1,), }",
                        ""));
  EXPECT_NE(readError("n.npy").find("negative"), std::string::npos);
  writeRaw("g.npy", npy("{'descr': '<f8', 'fortran_order': Maybe, "
                        "'shape': (1,), }",
                        std::string(8, '\0')));
  EXPECT_NE(readError("g.npy").find("malformed"), std::string::npos);
}

TEST_F(Npy, FailedWritesLeaveNothing) {
  einrt_array a{};
  a.dtype = EINRT_F32;
  a.rank = 1;
  a.shape[0] = 3;
  char err[256];
  ASSERT_EQ(einrt_array_alloc(&a, err, sizeof(err)), 0);
  EXPECT_NE(
      einrt_npy_write(path("no/such/dir/x.npy").c_str(), &a, err, sizeof(err)),
      0);
  EXPECT_NE(std::string(err).find("No such file or directory"),
            std::string::npos);
  // Replacing an existing file leaves no temporary behind.
  writeRaw("x.npy", "old");
  ASSERT_EQ(einrt_npy_write(path("x.npy").c_str(), &a, err, sizeof(err)), 0);
  EXPECT_EQ(files(), std::vector<std::string>{"x.npy"});
  einrt_array_free(&a);
}

TEST(Array, RefusesImpossibleSizes) {
  int64_t shape[2] = {int64_t(1) << 40, int64_t(1) << 40};
  int64_t n;
  EXPECT_NE(einrt_element_count(2, shape, &n), 0);
  einrt_array a{};
  a.dtype = EINRT_F64;
  a.rank = 1;
  a.shape[0] = int64_t(1) << 50; // 8 PiB
  char err[256];
  EXPECT_NE(einrt_array_alloc(&a, err, sizeof(err)), 0);
  EXPECT_NE(std::string(err).find("9007199254740992 bytes"), std::string::npos)
      << err;
  EXPECT_EQ(a.data, nullptr);
}

} // namespace
