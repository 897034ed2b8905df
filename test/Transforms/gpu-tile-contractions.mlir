// RUN: ein-opt %s -split-input-file --ein-gpu-tile-contractions | FileCheck %s
// RUN: ein-opt %s -split-input-file --ein-gpu-tile-contractions="sm=80" | FileCheck %s --check-prefix=SM80
// RUN: ein-opt %s -split-input-file --ein-gpu-tile-contractions="sm=80 tf32=true" | FileCheck %s --check-prefix=TF32
// RUN: ein-opt %s -split-input-file --ein-gpu-tile-contractions="sm=80 emulated=true" | FileCheck %s --check-prefix=EMU
// Contractions become launches of one block per 64x64 tile of C, tiles of A
// and B double-buffered in workgroup memory (the next ones fetched into
// registers while the current ones are used, one barrier a step); tensor
// cores where the target has them.

#a = affine_map<(b, i, k, j) -> (b, i, k)>
#b = affine_map<(b, i, k, j) -> (b, k, j)>
#c = affine_map<(b, i, k, j) -> (b, i, j)>
// A batched product of M 100, N 90, K 70: grid (2, 2, 3) of 16x16 threads;
// C's elements are loaded as the initial sums, and stored once. The first
// tiles are stored before the loop; each step fetches the next ones (at
// most the last, 64), computes, and stores them in the other half.
// CHECK-LABEL: func.func @bmm
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c3) threads({{.*}}) in ({{.*}} = %c16{{.*}}, {{.*}} = %c16{{.*}}, {{.*}} = %c1)
// CHECK-SAME: workgroup(%[[SA:.*]] : memref<32x65xf32, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<32x65xf32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-16: memref.load %{{.*}} : memref<3x100x90xf32>
// CHECK: memref.load %{{.*}} : memref<3x100x70xf32>
// CHECK: memref.load %{{.*}} : memref<3x70x90xf32>
// CHECK: memref.store %{{.*}}, %[[SA]]
// CHECK: memref.store %{{.*}}, %[[SB]]
// CHECK: gpu.barrier
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c70{{.*}} step %c16{{.*}} iter_args(
// CHECK: arith.minui %{{.*}}, %c64
// CHECK: memref.load %{{.*}} : memref<3x100x70xf32>
// CHECK: memref.load %{{.*}} : memref<3x70x90xf32>
// CHECK: memref.load %[[SA]]
// CHECK: arith.mulf {{.*}} fastmath<contract>
// CHECK: arith.addf {{.*}} fastmath<contract>
// CHECK: memref.store %{{.*}}, %[[SA]]
// CHECK: memref.store %{{.*}}, %[[SB]]
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK-COUNT-16: memref.store %{{.*}} : memref<3x100x90xf32>
// CHECK: gpu.terminator
// CHECK-NOT: linalg.generic
// SM80-LABEL: func.func @bmm
// SM80-NOT: gpu.subgroup_mma
// TF32-LABEL: func.func @bmm
// TF32: threads({{.*}}) in ({{.*}} = %c128, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}})
// TF32: gpu.subgroup_mma_compute {{.*}} : !gpu.mma_matrix<16x8xf32, "AOp">, !gpu.mma_matrix<8x16xf32, "BOp"> -> !gpu.mma_matrix<16x16xf32, "COp">
func.func @bmm(%a: memref<3x100x70xf32>, %b: memref<3x70x90xf32>, %c: memref<3x100x90xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : memref<3x100x70xf32>, memref<3x70x90xf32>) outs(%c : memref<3x100x90xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (j, k)>
#c = affine_map<(i, j, k) -> (i, j)>
// f16 operands summed in f32: the 16x16-thread kernel keeps them as i16 in
// workgroup memory; with sm 80, WMMA fragments in f16 through NVVM's
// intrinsics (two tiles of A's rows of 32 + 8 padding, of B's of 64 + 8;
// 8 x <2 x f16> fragments of A and B), 4 warps, each fragment of sums
// through the warp's 16x16 f32 and added to C. Emulated, fragments are
// 16x16 buffers of each thread, which lane 0 of each warp fills,
// multiplies and stores.
// CHECK-LABEL: func.func @half
// CHECK: workgroup(%{{.*}} : memref<32x65xi16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x65xi16, #gpu.address_space<workgroup>>)
// CHECK: arith.bitcast %{{.*}} : f16 to i16
// CHECK: arith.bitcast %{{.*}} : i16 to f16
// CHECK: arith.extf
// SM80-LABEL: func.func @half
// SM80: threads({{.*}}) in ({{.*}} = %c128, {{[^)]*}})
// SM80-SAME: workgroup(%[[SA:.*]] : memref<128x40xf16, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<64x72xf16, #gpu.address_space<workgroup>>, %[[SC:.*]] : memref<64x16xf32, #gpu.address_space<workgroup>>)
// SM80: gpu.barrier
// SM80: scf.for
// SM80: llvm.call_intrinsic "llvm.nvvm.wmma.m16n16k16.load.a.row.stride.f16"({{.*}}) : (!llvm.ptr<3>, i32) -> !llvm.struct<(vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>)>
// SM80: llvm.call_intrinsic "llvm.nvvm.wmma.m16n16k16.load.b.row.stride.f16"
// SM80-COUNT-4: llvm.call_intrinsic "llvm.nvvm.wmma.m16n16k16.mma.row.row.f32.f32"
// SM80: gpu.barrier
// SM80-NEXT: scf.yield
// SM80: llvm.call_intrinsic "llvm.nvvm.wmma.m16n16k16.store.d.row.stride.f32"
// SM80: gpu.barrier
// SM80: memref.load %[[SC]]
// SM80: arith.addf
// SM80: gpu.barrier
// EMU-LABEL: func.func @half
// EMU: gpu.launch
// EMU-COUNT-12: memref.alloca() : memref<16x16xf32>
// EMU-NOT: gpu.subgroup_mma
// EMU: scf.for
// EMU: scf.if
// EMU: memref.load %{{.*}} : memref<128x40xf16, #gpu.address_space<workgroup>>
// EMU: arith.extf
// EMU: math.fma
// EMU: gpu.barrier
// EMU-NEXT: scf.yield
// EMU: memref.store %{{.*}} : memref<64x16xf32, #gpu.address_space<workgroup>>
// EMU-NOT: gpu.subgroup_mma
func.func @half(%a: memref<40x48xf16>, %b: memref<33x48xf16>, %c: memref<40x33xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<40x48xf16>, memref<33x48xf16>) outs(%c : memref<40x33xf32>) {
  ^bb0(%x: f16, %y: f16, %z: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %m = arith.mulf %xe, %ye : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
// bf16 from sm 80: NVVM's WMMA intrinsics on addresses in workgroup memory
// (4 x i32 fragments of A and B, 8 x f32 accumulators), which keeps bf16 as
// i16.
// SM80-LABEL: func.func @bf16
// SM80: workgroup(%{{.*}} : memref<128x40xi16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x72xi16, #gpu.address_space<workgroup>>
// SM80: llvm.call_intrinsic "llvm.nvvm.wmma.m16n16k16.load.a.row.stride.bf16"({{.*}}) : (!llvm.ptr<3>, i32) -> !llvm.struct<(i32, i32, i32, i32)>
// SM80: llvm.call_intrinsic "llvm.nvvm.wmma.m16n16k16.load.b.row.stride.bf16"
// SM80: llvm.call_intrinsic "llvm.nvvm.wmma.m16n16k16.mma.row.row.bf16"
// SM80: llvm.call_intrinsic "llvm.nvvm.wmma.m16n16k16.store.d.row.stride.f32"
func.func @bf16(%a: memref<40x48xbf16>, %b: memref<48x33xbf16>, %c: memref<40x33xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<40x48xbf16>, memref<48x33xbf16>) outs(%c : memref<40x33xf32>) {
  ^bb0(%x: bf16, %y: bf16, %z: f32):
    %xe = arith.extf %x : bf16 to f32
    %ye = arith.extf %y : bf16 to f32
    %m = arith.mulf %xe, %ye : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
// Left to ein-gpu-parallel-loops: K below min-extent, a body that is not
// out + a * b, a one-sided sum.
// CHECK-LABEL: func.func @small
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @small(%a: memref<64x8xf32>, %b: memref<8x64xf32>, %c: memref<64x64xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<64x8xf32>, memref<8x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

// CHECK-LABEL: func.func @max_plus
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @max_plus(%a: memref<64x64xf32>, %b: memref<64x64xf32>, %c: memref<64x64xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<64x64xf32>, memref<64x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.addf %x, %y : f32
    %s = arith.maximumf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

#a2 = affine_map<(i, j, k, l) -> (i, k, l)>
#b2 = affine_map<(i, j, k, l) -> (k, j)>
#c2 = affine_map<(i, j, k, l) -> (i, j)>
// CHECK-LABEL: func.func @one_sided
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @one_sided(%a: memref<64x64x16xf32>, %b: memref<64x64xf32>, %c: memref<64x64xf32>) {
  linalg.generic {indexing_maps = [#a2, #b2, #c2], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%a, %b : memref<64x64x16xf32>, memref<64x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
// A zero fill just before the product is folded in: the sums start from
// the fill's scalar, C is not read, and the fill is gone. The tiles divide
// M, N and K: no bounds are checked. With tensor cores, A and B are fetched
// in vectors of 16 bytes through global pointers when both start on 16
// bytes, else element by element.
// CHECK-LABEL: func.func @fill_folded
// CHECK-SAME: %[[C:[a-z0-9]+]]: memref<64x64xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch
// CHECK-NOT: scf.if
// CHECK-NOT: memref.load %[[C]]
// CHECK: scf.for {{.*}} iter_args({{.*}} = %[[ZERO]], {{.*}} = %[[ZERO]]
// CHECK-NOT: memref.load %[[C]]
// CHECK: memref.store %{{.*}}, %[[C]]
// CHECK-NOT: linalg.fill
// TF32-LABEL: func.func @fill_folded
// TF32-NOT: linalg.fill
// TF32: %[[A:.*]] = memref.extract_aligned_pointer_as_index %arg0
// TF32: %[[B:.*]] = memref.extract_aligned_pointer_as_index %arg1
// TF32: %[[ALIGNED:.*]] = arith.andi
// TF32: scf.if %[[ALIGNED]] -> (vector<4xf32>)
// TF32: llvm.inttoptr %{{.*}} : i64 to !llvm.ptr
// TF32: llvm.addrspacecast %{{.*}} : !llvm.ptr to !llvm.ptr<1>
// TF32: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xf32>
// TF32: } else {
// TF32-COUNT-4: memref.load %{{.*}} : memref<64x32xf32>
// TF32: vector.from_elements
// TF32: vector.store %{{.*}} {alignment = 16 : i64} : memref<128x36xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// TF32: gpu.subgroup_mma_compute
// TF32: arith.addf %cst, %{{.*}} : f32
func.func @fill_folded(%a: memref<64x32xf32>, %b: memref<32x64xf32>, %c: memref<64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x64xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]} ins(%a, %b : memref<64x32xf32>, memref<32x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
// A fill whose buffer is used in between, or has a view, stays, and the
// sums start from C.
// CHECK-LABEL: func.func @fill_kept
// CHECK: linalg.fill
// CHECK: memref.copy
// CHECK: gpu.launch
// CHECK: memref.load %{{.*}} : memref<64x64xf32>
// CHECK-LABEL: func.func @fill_kept_view
// CHECK: linalg.fill
// CHECK: gpu.launch
func.func @fill_kept(%a: memref<64x32xf32>, %b: memref<32x64xf32>, %c: memref<64x64xf32>, %d: memref<64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x64xf32>)
  memref.copy %d, %c : memref<64x64xf32> to memref<64x64xf32>
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]} ins(%a, %b : memref<64x32xf32>, memref<32x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}
func.func @fill_kept_view(%a: memref<64x32xf32>, %b: memref<32x64xf32>, %c: memref<64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %v = memref.subview %c[0, 0] [1, 64] [1, 1] : memref<64x64xf32> to memref<1x64xf32, strided<[64, 1]>>
  linalg.fill ins(%zero : f32) outs(%c : memref<64x64xf32>)
  linalg.fill ins(%one : f32) outs(%v : memref<1x64xf32, strided<[64, 1]>>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]} ins(%a, %b : memref<64x32xf32>, memref<32x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %z, %m : f32
    linalg.yield %s : f32
  }
  return
}
