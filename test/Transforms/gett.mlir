// RUN: ein-opt %s -split-input-file --ein-gett="vector-bits=256 l2-bytes=524288 min-parallel-work=1048576" --canonicalize --cse | FileCheck %s
// RUN: ein-opt %s -split-input-file --ein-gett="vector-bits=512 l2-bytes=524288" --canonicalize --cse | FileCheck %s --check-prefix=AVX512
// Contractions marked ein.gett become packed panels and a register-blocked
// micro-kernel.

#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
// Extents that no block divides: B packed into 144 columns (9 strips of
// 16) x 70 sums, A into 102 rows (17 strips of 6) x 70 plus a 6 x 16
// block for the partial blocks of C. Per sum: 2 vectors of B, 6
// broadcasts of A, 12 fused multiply-adds; whole blocks of C are
// prefetched and added as vectors, partial ones element by element.
// CHECK-LABEL: func.func @matmul
// CHECK: memref.reinterpret_cast {{.*}} to offset: [0], sizes: [7000], strides: [1]
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<10080xf32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: vector.load {{.*}} : memref<9100xf32>, vector<8xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<7236xf32>
// CHECK: memref.prefetch {{.*}} write, locality<3>, data
// CHECK: scf.for {{.*}} iter_args
// CHECK-COUNT-2: vector.load {{.*}} : memref<10080xf32>, vector<8xf32>
// CHECK-COUNT-12: vector.fma {{.*}} : vector<8xf32>
// CHECK: scf.if
// CHECK-COUNT-12: vector.store {{.*}} : memref<13000xf32>, vector<8xf32>
// CHECK: } else {
// CHECK: memref.store {{.*}} : memref<13000xf32>
// CHECK: memref.dealloc
// CHECK-NOT: linalg.generic
// CHECK-NOT: ein.parallel
// AVX512-LABEL: func.func @matmul
// AVX512-COUNT-24: vector.fma {{.*}} : vector<16xf32>
func.func @matmul(%a: memref<100x70xf32>, %b: memref<70x130xf32>, %c: memref<100x130xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<100x70xf32>, memref<70x130xf32>) outs(%c : memref<100x130xf32>) attrs = {ein.gett} {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
// Complex: panels of f32 with the real parts and then the imaginary parts
// of each strip row (B: 136 columns x 70 sums x 2, A: 102 rows x 70 x 2
// plus a 6 x 8 x 2 block). The block is one vector wide: per sum a real
// and an imaginary vector of B, 6 pairs of broadcasts of A, 24 real fused
// multiply-adds (6 of them with a negated imaginary part). C is updated
// element by element and never prefetched.
// CHECK-LABEL: func.func @complex_matmul
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<19040xf32>
// CHECK: complex.re
// CHECK: complex.im
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<14376xf32>
// CHECK-NOT: memref.prefetch
// CHECK: scf.for {{.*}} iter_args
// CHECK-COUNT-2: vector.load {{.*}} : memref<19040xf32>, vector<8xf32>
// CHECK: arith.negf {{.*}} : vector<8xf32>
// CHECK-COUNT-4: vector.fma {{.*}} : vector<8xf32>
// CHECK: arith.negf {{.*}} : vector<8xf32>
// CHECK-COUNT-20: vector.fma {{.*}} : vector<8xf32>
// CHECK-NOT: vector.fma
// CHECK-NOT: scf.if
// CHECK: complex.create
// CHECK: complex.add
// CHECK: memref.store {{.*}} : memref<13000xcomplex<f32>>
// CHECK-NOT: linalg.generic
// AVX512-LABEL: func.func @complex_matmul
// AVX512-COUNT-48: vector.fma {{.*}} : vector<16xf32>
func.func @complex_matmul(%a: memref<100x70xcomplex<f32>>, %b: memref<70x130xcomplex<f32>>, %c: memref<100x130xcomplex<f32>>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<100x70xcomplex<f32>>, memref<70x130xcomplex<f32>>) outs(%c : memref<100x130xcomplex<f32>>) attrs = {ein.gett} {
  ^bb0(%x: complex<f32>, %y: complex<f32>, %z: complex<f32>):
    %m = complex.mul %x, %y : complex<f32>
    %s = complex.add %z, %m : complex<f32>
    linalg.yield %s : complex<f32>
  }
  return
}

// -----

// TCCG's abcd-aebf-fdec: rows (a, b), columns (c, d), sums (e, f), all
// grouped, so their offsets come from i64 tables; the operand that holds
// C's last index (d) is B, whichever position it has. 2^30 multiply-adds
// and 1024 rows: the row panels run on threads, and the threads share the
// packing of each panel of B (its 128 strips) before them.
#A = affine_map<(a, b, c, d, e, f) -> (a, e, b, f)>
#B = affine_map<(a, b, c, d, e, f) -> (f, d, e, c)>
#C = affine_map<(a, b, c, d, e, f) -> (a, b, c, d)>
// CHECK-LABEL: func.func @tccg
// CHECK-DAG: memref.alloc() {alignment = 64 : i64} : memref<{{[0-9]+}}xi64>
// CHECK: scf.for {{.*}} {
// CHECK: arith.remui
// CHECK: scf.for %{{.*}} = %c0 to %c128 step %c1 {
// CHECK: memref.store {{.*}} : memref<262144xf64>
// CHECK: } {ein.parallel}
// CHECK-NEXT: scf.for
// CHECK-COUNT-12: vector.fma {{.*}} : vector<4xf64>
// CHECK: } {ein.parallel}
// CHECK-NOT: linalg.generic
func.func @tccg(%b: memref<32x32x32x32xf64>, %a: memref<32x32x32x32xf64>, %c: memref<32x32x32x32xf64>) {
  linalg.generic {indexing_maps = [#B, #A, #C], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%b, %a : memref<32x32x32x32xf64>, memref<32x32x32x32xf64>) outs(%c : memref<32x32x32x32xf64>) attrs = {ein.gett} {
  ^bb0(%x: f64, %y: f64, %z: f64):
    %m = arith.mulf %x, %y : f64
    %s = arith.addf %z, %m : f64
    linalg.yield %s : f64
  }
  return
}

// -----

// Many batch entries: the batch loop runs on threads and each thread packs
// its own panels (allocated inside it).
#a = affine_map<(b, i, j, k) -> (b, i, k)>
#b = affine_map<(b, i, j, k) -> (b, k, j)>
#c = affine_map<(b, i, j, k) -> (b, i, j)>
// CHECK-LABEL: func.func @batched
// CHECK: scf.for
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<{{[0-9]+}}xf32>
// CHECK: } {ein.parallel}
func.func @batched(%a: memref<32x128x50xf32>, %b: memref<32x50x768xf32>, %c: memref<32x128x768xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %b : memref<32x128x50xf32>, memref<32x50x768xf32>) outs(%c : memref<32x128x768xf32>) attrs = {ein.gett} {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Unmarked contractions, and marked ones on tensors, are left alone.
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
// CHECK-LABEL: func.func @unmarked
// CHECK: linalg.generic
// CHECK-LABEL: func.func @tensors
// CHECK: linalg.generic
func.func @unmarked(%a: memref<64x64xf32>, %b: memref<64x64xf32>, %c: memref<64x64xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<64x64xf32>, memref<64x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}
func.func @tensors(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<64x64xf32>, tensor<64x64xf32>) outs(%c : tensor<64x64xf32>) attrs = {ein.gett} {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  return %0 : tensor<64x64xf32>
}

// -----

#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#row = affine_map<(i, j) -> (i)>
// A marked epilogue (bias by column, scale by row, relu) runs on each block
// of C in the last panel of sums (pc + kc == 300): whole blocks in vectors
// (the bias loaded, the row's scale broadcast), partial ones element by
// element. C is an allocation nothing else reads, of D's type and read as
// D is written, so the sums accumulate in D itself (D's allocation moves
// before the fill, C's goes away) and the last panel updates D in place.
// The epilogue is erased.
// CHECK-LABEL: func.func @epilogue
// CHECK: %[[D:.*]] = memref.alloc() : memref<100x130xf32>
// CHECK-NEXT: linalg.fill {{.*}} outs(%[[D]] : memref<100x130xf32>)
// CHECK-NOT: memref.alloc() : memref<100x130xf32>
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %{{.*}}, %c300 : index
// CHECK: scf.if %[[LAST]] {
// CHECK: scf.if
// CHECK-NOT: vector.store {{.*}} : memref<13000xf32>
// CHECK: vector.load %arg2[%{{.*}}] : memref<130xf32>, vector<8xf32>
// CHECK: memref.load %arg3[%{{.*}}] : memref<100xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: vector.store {{.*}}, %[[D]][%{{.*}}, %{{.*}}] : memref<100x130xf32>, vector<8xf32>
// CHECK: } else {
// CHECK: arith.maximumf {{.*}} : f32
// CHECK: memref.store {{.*}}, %[[D]][%{{.*}}, %{{.*}}] : memref<100x130xf32>
// CHECK: } else {
// CHECK: vector.store {{.*}} : memref<13000xf32>, vector<8xf32>
// CHECK-NOT: linalg.generic
// CHECK: memref.copy %[[D]], %arg4
func.func @epilogue(%a: memref<100x300xf32>, %b: memref<300x130xf32>, %bias: memref<130xf32>, %s: memref<100xf32>, %out: memref<100x130xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<100x130xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<100x130xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<100x300xf32>, memref<300x130xf32>) outs(%c : memref<100x130xf32>) attrs = {ein.gett} {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s2 = arith.addf %z, %m : f32
    linalg.yield %s2 : f32
  }
  %d = memref.alloc() : memref<100x130xf32>
  linalg.generic {indexing_maps = [#id, #col, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%c, %bias, %s : memref<100x130xf32>, memref<130xf32>, memref<100xf32>) outs(%d : memref<100x130xf32>) attrs = {ein.gett_epilogue} {
  ^bb0(%x: f32, %y: f32, %w: f32, %o: f32):
    %t = arith.addf %x, %y : f32
    %u = arith.mulf %t, %w : f32
    %r = arith.maximumf %u, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<100x130xf32>
  memref.copy %d, %out : memref<100x130xf32> to memref<100x130xf32>
  memref.dealloc %d : memref<100x130xf32>
  return
}

// -----

#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
#id = affine_map<(i, j) -> (i, j)>
#t = affine_map<(i, j) -> (j, i)>
// An epilogue that writes C transposed cannot store vectors along C's
// columns: it runs element by element on every block. C is a function
// argument (the caller sees it), so it is stored too.
// CHECK-LABEL: func.func @transposed_epilogue
// CHECK: scf.if
// CHECK-NOT: vector.store {{.*}} : memref<130x100xf32>
// CHECK: memref.store {{.*}} : memref<13000xf32>
// CHECK-NEXT: math.tanh {{.*}} : f32
// CHECK-NEXT: memref.store {{.*}} : memref<130x100xf32>
// CHECK: } else {
// CHECK-NOT: linalg.generic
func.func @transposed_epilogue(%a: memref<100x300xf32>, %b: memref<300x130xf32>, %c: memref<100x130xf32>, %d: memref<130x100xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<100x300xf32>, memref<300x130xf32>) outs(%c : memref<100x130xf32>) attrs = {ein.gett} {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s2 = arith.addf %z, %m : f32
    linalg.yield %s2 : f32
  }
  linalg.generic {indexing_maps = [#id, #t], iterator_types = ["parallel", "parallel"]} ins(%c : memref<100x130xf32>) outs(%d : memref<130x100xf32>) attrs = {ein.gett_epilogue} {
  ^bb0(%x: f32, %o: f32):
    %r = math.tanh %x : f32
    linalg.yield %r : f32
  }
  return
}
