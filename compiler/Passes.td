//===- Passes.td - Einc passes -----------------------------*- tablegen -*-===//
//
// Every pass of the compiler, alphabetical within each section. Each one has
// a lit folder under test/ named after it.
//
//===----------------------------------------------------------------------===//

#ifndef EINC_PASSES_TD
#define EINC_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Transforms on the ein dialect
//===----------------------------------------------------------------------===//

def EinOptimizeContractionOrder : Pass<"ein-optimize-contraction-order"> {
  let summary = "Split n-ary ein.contract into the cheapest tree of binary ones";
  let description = [{
    Searches a contraction order for every `ein.contract` with three or more
    operands (see compiler/path: exact dynamic programming, greedy, or
    hyper-optimised randomised search) and rewrites it into binary
    contractions. Each intermediate keeps exactly the labels that a later
    operand or the output still needs:

    ```mlir
    %r = ein.contract "ij,jk,kl->il" %a, %b, %c
    // with algorithm=left-to-right becomes
    %t = ein.contract "ij,jk->ik" %a, %b
    %r = ein.contract "ik,kl->il" %t, %c
    ```

    Dynamic extents count as 128 for the search.
  }];
  let options = [
    Option<"algorithm", "algorithm", "std::string", /*default=*/"\"auto\"",
           "auto, optimal, greedy, hyper or left-to-right">,
    Option<"minimize", "minimize", "std::string", /*default=*/"\"flops\"",
           "flops, size, write or combo">,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "Seed of the randomised searches">,
    Option<"maxTrials", "max-trials", "uint64_t", /*default=*/"256",
           "Trials of hyper (0: until max-time); a trial limit keeps the "
           "result independent of the machine's speed">,
    Option<"maxTime", "max-time", "double", /*default=*/"1.0",
           "Time budget of hyper in seconds">,
    Option<"tree", "tree", "std::string", /*default=*/"\"\"",
           "A tree to use instead of searching: 'a:b,c:d,...' pairs of node "
           "ids (operands are 0..n-1, step k makes node n+k)">,
  ];
  let dependentDialects = ["::mlir::ein::EinDialect"];
}

def EinFuseAttention : Pass<"ein-fuse-attention"> {
  let summary = "Compute contract, softmax, contract chains as online softmax";
  let description = [{
    Finds O = softmax_j(scale * Q K^T) V written as an `ein.contract`
    Q[B..., i, d] x K[B..., j, d] (times scalar constants) -> S[B..., i, j],
    an `ein.softmax` along j and an `ein.contract` of the result with
    V[B..., j, e] -> O[B..., i, e] (each result used once, static f32/f64
    shapes), and replaces it with one loop nest (FlashAttention's online
    softmax): per batch entry and block of Bi queries (64, 32, 16, 8 or 4,
    the largest that divides i), blocks of Bj keys (128, 64, 32 or 16) are
    visited in turn, keeping per query the running maximum, the running
    sum of exponentials and the unnormalised output, rescaled when the
    maximum grows; the output is divided by the sum at the end. Only one
    Bi x Bj block of scores exists at a time. The scale is applied to Q's
    block, K's block is transposed so that both block products are plain
    matrix products (register-blocked by ein-vectorize-contractions), and
    the outermost loop with several iterations is marked `ein.parallel`
    when the attention is large. Other layouts and extents no block
    divides stay as they are.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def EinFuseElementwise : Pass<"ein-fuse-elementwise"> {
  let summary = "Fuse elementwise linalg.generic chains and contraction epilogues";
  let description = [{
    Fuses an elementwise producer into its consumer when the consumer is
    elementwise too (all loops parallel), so epilogues such as
    `relu(x + bias)` run as one loop nest that reads and writes memory
    once. Then an elementwise epilogue (of two or more dimensions) of a
    contraction used nowhere else is fused with it. When the contraction
    is one that ein-gett will lower (GettPlan.h: `min-gett-work`
    multiply-adds or more, at the top of the function), the epilogue is
    marked `ein.gett_epilogue` when ein-gett can compute it on each
    finished element of C, and is otherwise left for the last step; the
    contraction stays whole either way. Any other such epilogue is tiled
    over every dimension but the last, and the contraction and its zero
    fill are fused into that loop: each row of the product is computed and
    finished while it is in cache. When the contraction has at least 2^20
    multiply-adds, the
    outermost of those loops with two or more iterations is marked
    `ein.parallel` (see ein-parallelize-loops). Producers of contractions
    are not fused into them: that would recompute the producer once per
    summed index. Finally an elementwise generic of at least 2^20 elements
    still at the top of the function (a map, a broadcast, a random tensor)
    is tiled along its outermost dimension into about 256 blocks and that
    loop is marked `ein.parallel` (not a marked epilogue: ein-gett finds it
    next to its contraction).
  }];
  let options = [
    Option<"minGettWork", "min-gett-work", "int64_t", /*default=*/"32768",
           "The threshold of ein-vectorize-contractions' option of the same "
           "name: contractions ein-gett will lower keep their epilogues "
           "separate; 0: none does">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def EinVectorizeContractions : Pass<"ein-vectorize-contractions"> {
  let summary = "Register-blocked vector code for matrix-like contractions";
  let description = [{
    Tiles each `linalg.generic` contraction C[..., m, n] += A[..., m, k] *
    B[..., k, n] (f32 or f64, static shapes, n the last dimension of B and
    one of C's, preferably C's last; either operand may be B) into `rows` x
    (`column-vectors` x lanes, or one vector where that does not divide n)
    blocks of C times a
    slice of k (32, 16, 8, 4, 2 or 1 deep, the largest that divides it),
    every other loop into steps of one, and vectorises each tile into a
    `vector.contract` lowered to outer products: per k, rows x
    column-vectors fused multiply-adds into accumulators held in vector
    registers. When B is larger than half of L2 (`l2-bytes`, else the
    host's) and the sizes divide, the contraction is first cut into cache
    panels (256-deep k slices, 64 rows, and as many columns, a power of two
    from 64 to 1024, as fit a panel of B in half of L2: 256 f32 or 128 f64
    with 512 KiB; columns outermost), and each panel of B is copied into a
    contiguous buffer (`linalg.copy` into `tensor.empty`) before the loop
    over row panels that reuses it. Contractions whose m or n extent
    the block does not divide keep the plain loop nest.
  }];
  let options = [
    Option<"rows", "rows", "unsigned", /*default=*/"4",
           "Rows of C in one register block (mr)">,
    Option<"columnVectors", "column-vectors", "unsigned", /*default=*/"2",
           "Vectors of C's columns in one register block (nr / lanes)">,
    Option<"lower", "lower", "bool", /*default=*/"true",
           "Lower vector.contract to fused multiply-adds (false keeps it, "
           "for tests)">,
    Option<"l2Bytes", "l2-bytes", "int64_t", /*default=*/"0",
           "L2 cache size that sizes the cache panels (0: the host's)">,
    Option<"minGettWork", "min-gett-work", "int64_t", /*default=*/"32768",
           "Mark contractions that ein-gett can lower (GettPlan.h) and that "
           "have at least this many multiply-adds `ein.gett` and leave them "
           "to it, unless nested in a loop; 0: never">,
    Option<"minParallelWork", "min-parallel-work", "int64_t",
           /*default=*/"1048576",
           "Mark the outermost loop over independent blocks `ein.parallel` "
           "(see ein-parallelize-loops) when the contraction has at least "
           "this many multiply-adds; 0: never">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::tensor::TensorDialect"];
}

//===----------------------------------------------------------------------===//
// Transforms after bufferization
//===----------------------------------------------------------------------===//

def EinGett : Pass<"ein-gett"> {
  let summary = "Packed, register-blocked loop nests for marked contractions";
  let description = [{
    Runs on memrefs, after bufferization. Each `linalg.generic` marked
    `ein.gett` by ein-vectorize-contractions (a two-operand f32, f64,
    complex<f32> or complex<f64> contraction with static extents whose loops are batch loops, rows,
    columns and sums, C ending with a column; see GettPlan.h) becomes BLIS's
    loop nest: panels of B (kc sums x nc columns) and of A (mc rows x kc
    sums) are copied into contiguous buffers in micro-kernel order, padded
    with zeros, reading each operand through its flat buffer in whatever
    index order it has; a micro-kernel holds an mr x nr block of C in
    vector registers (6 x 16 f32 / 6 x 8 f64 with 256-bit vectors, 12 x 32
    / 12 x 16 with AVX-512) and per sum issues mr x nr / lanes fused
    multiply-adds. Complex panels hold the real parts and then the
    imaginary parts of each row of a strip, the block of C is one vector
    wide with a real and an imaginary accumulator per vector (6 x 8
    complex<f32>), four real fused multiply-adds per complex one, and C is
    updated element by element. kc is 256, mc fills about 30% of L2
    (`l2-bytes`, else the host's), nc is up to 4096 columns; panels are
    64-byte aligned. With at least `min-parallel-work` multiply-adds, loops
    are marked `ein.parallel`: the batch loop when its entries split evenly
    (an even count, or 8 or more) or the rows are few, else the row panels
    when there are 8 register blocks of rows or more (an even number of
    equal panels, at least two, and the strips of each panel of B packed
    before them), else the column panels (each thread then packs B for
    itself).

    An all-parallel generic marked `ein.gett_epilogue` (by
    ein-fuse-elementwise) that reads the contraction's C, next after it
    (only allocations and reads between them), is computed in the last
    panel of sums on each block of C as it is finished, in vectors where
    the block is whole and its operands are contiguous along C's last
    column, and then erased; C itself is then no longer stored when it is
    an allocation nothing else reads.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"0",
           "Bits in a vector register (0: 512 with AVX-512, else 256)">,
    Option<"l2Bytes", "l2-bytes", "int64_t", /*default=*/"0",
           "L2 cache size that sizes the panels of A (0: the host's)">,
    Option<"minParallelWork", "min-parallel-work", "int64_t",
           /*default=*/"1048576",
           "Mark a loop ein.parallel when the contraction has at least this "
           "many multiply-adds; 0: never">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::complex::ComplexDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def EinParallelizeLoops : Pass<"ein-parallelize-loops", "::mlir::ModuleOp"> {
  let summary = "Run the loops marked ein.parallel on several threads";
  let description = [{
    Runs on memrefs, after bufferization. Every `scf.for` that carries the
    unit attribute `ein.parallel` (set by ein-vectorize-contractions on the
    outermost loop over independent blocks of a large contraction) and
    returns no values becomes an `scf.parallel`, and then an OpenMP
    `omp.parallel` + `omp.wsloop` with static scheduling. With
    `runtime-threads`, each region asks the runtime for its thread count
    (`einrt_num_threads()`: einrt_set_num_threads, EINC_NUM_THREADS, or the
    CPU count); without it OpenMP's own default applies (OMP_NUM_THREADS).
    Iterations write disjoint blocks and every element keeps its own
    summation order, so results do not depend on the thread count.
    Scratch buffers inside a region (a statically shaped `memref.alloc`
    whose one `memref.dealloc` follows it in the same block, such as a
    packed panel; up to 1 MiB per region) become one `memref.alloca` at the
    start of the region that each thread reuses: worker threads never call
    malloc.
  }];
  let options = [
    Option<"runtimeThreads", "runtime-threads", "bool", /*default=*/"true",
           "Take each region's thread count from einrt_num_threads()">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::omp::OpenMPDialect"];
}

//===----------------------------------------------------------------------===//
// Function boundaries
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// GPU (NVPTX) code generation
//===----------------------------------------------------------------------===//

def EinGpuParallelLoops : Pass<"ein-gpu-parallel-loops"> {
  let summary = "Lower linalg ops to one scf.parallel each, sums in registers";
  let description = [{
    Runs on memrefs. Each linalg op (named ones generalised first, and
    `memref.copy` as a linalg copy) becomes
    one `scf.parallel` over all of its parallel loops, whatever their
    order among the reductions: one GPU thread per output element. Inside,
    `scf.for` loops over the reductions carry the output elements as
    iteration arguments, so that a thread loads and stores each of its
    outputs once and sums in index order (as the CPU code does). A generic
    with no parallel loop at all (a sum to a scalar) first gets a leading
    loop of extent 1 over a unit dimension added to its outputs, so that it
    too becomes a kernel rather than host code.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::ub::UBDialect"];
}

def EinGpuFuseAttention
    : Pass<"ein-gpu-fuse-attention", "::mlir::ModuleOp"> {
  let summary = "Compute contract, softmax, contract chains as one GPU "
                "kernel of online softmax";
  let description = [{
    The NVPTX pipeline's counterpart of `ein-fuse-attention`, on the same
    matched chains (any index order, static f32/f64 shapes), when the
    query's and the output's rows fit in registers (d + e at most 192).
    Q, K and V are permuted into Q[B, i, d], K[B, j, d] and V[B, j, e]
    and the chain becomes a `gpu.launch` on their buffers
    (`bufferization.to_buffer`; O is a `memref.alloc` returned through
    `bufferization.to_tensor`): blocks of 64 threads, one query row each,
    over a grid of query blocks (x) and batch entries (y). Each thread
    keeps its scaled query row, the running maximum, the running sum of
    exponentials and the unnormalised output row in registers; the keys
    are visited in tiles of 32 rows of K and V that the block stages in
    workgroup memory between barriers. The scores never reach memory.
    Until bufferization is done the kernel is a `func.call` of a private
    declaration marked `ein.gpu_attention` (the scale) on those buffers;
    `ein-gpu-attention-kernels` builds the launch in its place.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::tensor::TensorDialect"];
}

def EinGpuAttentionKernels
    : Pass<"ein-gpu-attention-kernels", "::mlir::ModuleOp"> {
  let summary = "Build the kernels ein-gpu-fuse-attention stands calls for";
  let description = [{
    After bufferization: each call of a declaration marked
    `ein.gpu_attention` becomes the online-softmax `gpu.launch` on its four
    memrefs (Q, K, V, O), and the declarations are erased.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def EinGpuFuseElementwise : Pass<"ein-gpu-fuse-elementwise"> {
  let summary = "Fuse elementwise linalg ops for the GPU; inline splat "
                "constants";
  let description = [{
    Runs on linalg on tensors in the NVPTX pipeline (the CPU has
    `ein-fuse-elementwise`). Upstream's elementwise fusion patterns fuse a
    producer with one use into a consumer whose loops are all parallel,
    so that chains of maps are one kernel; contractions and reductions are
    never consumers, so their bodies stay plain sums. The same patterns
    fold scalar and splat constant operands into the bodies: constant
    tensors would be globals in host memory, which kernels cannot read.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def EinGpuTileContractions : Pass<"ein-gpu-tile-contractions"> {
  let summary = "Contractions as GPU kernels tiled through shared memory";
  let description = [{
    Runs on memrefs, before `ein-gpu-parallel-loops`. Each linalg.generic
    that sums `out + a * b` (a and b possibly extended) over batch, M, N
    and K loops of static extent, M, N and K each at least `min-extent`,
    becomes a `gpu.launch` of its own: one block per tile of C, tiles of A
    and B double-buffered in workgroup (shared) memory (the next ones
    fetched into registers while the current ones are used), zero-padded
    at the edges. Real types other than the cases below use 64x64 tiles of
    16x16 threads holding 4x4 elements of C each in registers (128x128
    tiles and 8x8 elements for problems of at least 128 such tiles). f16
    inputs summed in f32 use tensor cores (WMMA) when `sm` is at least 70,
    bf16 ones from `sm` 80, both through NVVM's WMMA intrinsics
    (`llvm.call_intrinsic`: `!gpu.mma_matrix` has no bf16, and for f16 they
    take fewer registers); f32 contractions through `gpu.subgroup_mma_*`
    (TF32) when `tf32` is set and `sm` is at least 80.
    Tensor-core kernels use 64x64 tiles of 4 warps, or 128x128 tiles of 8
    warps for problems of at least 128 such tiles. Other linalg ops are
    left as they are.
  }];
  let options = [
    Option<"sm", "sm", "unsigned", /*default=*/"0",
           "The target's compute capability as a number (80 for sm_80); "
           "0 uses no tensor cores">,
    Option<"tf32", "tf32", "bool", /*default=*/"false",
           "Let f32 contractions use TF32 tensor cores (10-bit mantissas)">,
    Option<"minExtent", "min-extent", "int64_t", /*default=*/"16",
           "Smallest M, N and K that get a tiled kernel">,
    Option<"emulated", "emulated", "bool", /*default=*/"false",
           "Tensor-core fragments for ein-emulate-gpu-launches: whole "
           "fragments in each thread's buffers, which lane 0 of each warp "
           "loads, multiplies and stores">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def EinEmulateGpuLaunches
    : Pass<"ein-emulate-gpu-launches", "::mlir::ModuleOp"> {
  let summary = "Run gpu.launch kernels on the CPU (to test them)";
  let description = [{
    A testing aid: checks the GPU kernels' logic numerically without a GPU.
    Each `gpu.launch` (before outlining) becomes `scf.for` loops over its
    blocks, run one after another. When the kernel has a `gpu.barrier`, a
    block's threads are the threads of an `omp.parallel` region of exactly
    the block's size (thread ids from `omp_get_thread_num`), each barrier
    an `omp.barrier`, and its workgroup buffers are `memref.alloca`s shared
    by the region; otherwise the threads are loops too. Warp-level
    operations (`gpu.subgroup_mma_*`, shuffles, NVVM intrinsics) are
    refused. Each region checks that OpenMP gave it the whole team
    (`omp_get_num_threads`) and asserts otherwise.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::cf::ControlFlowDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::omp::OpenMPDialect",
                           "::mlir::scf::SCFDialect"];
}

def EinGpuMapLoops : Pass<"ein-gpu-map-loops"> {
  let summary = "Tile outermost scf.parallel loops into blocks of threads";
  let description = [{
    Each `scf.parallel` not nested in another is tiled into a grid loop
    and a block loop of up to `block-threads` threads: the innermost
    dimension (the output's contiguous one, so that a warp's accesses
    coalesce) gets up to 32 of them, or fewer when its static extent is
    smaller, the next one the rest. The grid loop's innermost three
    dimensions map to block x, y and z, the block loop's two to thread x
    and y; other dimensions are sequential. Threads outside the
    iteration space are masked by a condition (`no-min-max-bounds`), so
    blocks have a static size. `convert-parallel-loops-to-gpu` then makes
    the launches.
  }];
  let options = [
    Option<"blockThreads", "block-threads", "int64_t", /*default=*/"256",
           "Threads per block (a power of two, at most 1024)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect"];
}

def EinGpuMergeModules : Pass<"ein-gpu-merge-modules", "::mlir::ModuleOp"> {
  let summary = "Put every outlined kernel into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` makes one `gpu.module` per kernel. This pass
    moves every kernel into the first module (named `<function>_kernels`),
    each kernel named after its original module, and retargets the
    `gpu.launch_func` ops, so that one PTX file holds the whole program.
    Every kernel's workgroup buffers get `llvm.align = 32`: tensor-core
    fragment loads and stores need 32-byte aligned addresses.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def EinGpuHostMemory : Pass<"ein-gpu-host-memory", "::mlir::ModuleOp"> {
  let summary = "Allocate the host code's buffers on the GPU";
  let description = [{
    After kernel outlining, the host functions only allocate buffers,
    reshape views of them and launch kernels, which read and write those
    buffers. This pass makes the buffers device memory, as a GPU run
    needs: `memref.alloc` becomes `gpu.alloc` and `memref.dealloc`
    `gpu.dealloc`, each in the asynchronous form that `gpu-to-llvm` lowers,
    on a stream waited for at once (`gpu.wait`). Kernels in
    `gpu.module`s are left alone. `einc --emit gpu` and PTX output do not
    run it; the GPU run pipeline does, before `gpu-to-llvm`.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def EinExpandBF16 : Pass<"ein-expand-bf16"> {
  let summary = "Convert bf16 to and from f32 with integer arithmetic";
  let description = [{
    `arith.extf` from bf16 and `arith.truncf` to bf16 (rounding to nearest
    even) become shifts and adds on the bits, so that CPU code needs no
    compiler-rt conversion routine (`__truncsfbf2`, which the system's
    libgcc may lack). Only MLIR's bf16 expansion patterns run: other arith
    ops are left as they are.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def EinEmitCEntryPoint : Pass<"ein-emit-c-entry-point", "::mlir::ModuleOp"> {
  let summary = "Give each entry function a plain C signature";
  let description = [{
    Runs on the LLVM dialect. For every `llvm.func` carrying `ein.entry_sizes`
    (one array per argument: a static extent, or `-(k+1)` for the k-th size
    parameter), renames the function to `<name>_impl`, makes it internal and
    adds a function `<name>(T *in0, ..., T *out, int64_t size0, ...)` that
    builds the contiguous memref descriptors and calls it. This is the
    signature the generated C header declares.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def EinMemrefEntry : Pass<"ein-memref-entry", "::mlir::ModuleOp"> {
  let summary = "Turn tensor entry functions into destination-passing style";
  let description = [{
    Rewrites every `func.func` carrying `ein.entry_sizes` from
    `(tensor...) -> (tensor...)` to `(memref..., memref...) -> ()`: the
    inputs are read through `bufferization.to_tensor restrict` and each
    result is written into its own trailing argument with
    `bufferization.materialize_in_destination`,
    so that one-shot bufferization computes the result in place in the
    caller's buffer. Each use of a `tensor.empty` (or of a `linalg.fill` of
    one) gets its own copy first, so that two results never share the
    destination that empty-tensor elimination gives them.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect"];
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

def ConvertEinToLinalg : Pass<"convert-ein-to-linalg"> {
  let summary = "Lower ein ops to linalg.generic";
  let description = [{
    Each `ein.contract` becomes `tensor.empty`, a zero `linalg.fill` when
    some label is summed, and one `linalg.generic` whose indexing maps are
    read off the subscripts: a repeated label gives a diagonal map such as
    `(d0) -> (d0, d0)`, and a dimension of extent 1 that broadcasts gives the
    constant 0. Loops are ordered output labels (all but the last), summed
    labels, then the last output label, so the innermost loop walks memory
    contiguously.

    `ein.map` becomes one parallel generic, `ein.reduce` a fill with the
    reduction's identity and a generic (logsumexp and mean add a step),
    `ein.softmax` the numerically stable max, exp(x - max), sum, divide,
    and `ein.scan` an `scf.for` along its dimension that combines slice k
    of the input with slice k-1 of the result (one elementwise generic per
    slice, inserted into the result).

    The constructors are generics without inputs: `ein.broadcast` reads its
    operand through a projection of the output's loops, `ein.iota` converts
    its loop index, and `ein.random` hashes the element's C-order position
    (SplitMix64), so its values do not depend on the order of the loops.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::complex::ComplexDialect"];
}

#endif // EINC_PASSES_TD
