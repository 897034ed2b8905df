// RUN: ein-opt %s | ein-opt | FileCheck %s
// RUN: ein-opt %s --mlir-print-op-generic | ein-opt | FileCheck %s
// ein.broadcast, ein.iota and ein.random print and parse back unchanged.

// CHECK-LABEL: func.func @constructors
// CHECK: ein.broadcast "i->ji" %{{.*}} : (tensor<3xf32>) -> tensor<4x3xf32>
// CHECK: ein.broadcast "->ab" %{{.*}} : (tensor<f32>) -> tensor<2x5xf32>
// CHECK: ein.iota : tensor<5xi64>
// CHECK: ein.random "uniform"(-1.000000e+00, 1.000000e+00) seed 7 : tensor<3x4xf64>
// CHECK: ein.random "normal"(0.000000e+00, 2.500000e+00) seed 0 : tensor<8xf32>
func.func @constructors(%x: tensor<3xf32>, %s: tensor<f32>)
    -> (tensor<4x3xf32>, tensor<2x5xf32>, tensor<5xi64>, tensor<3x4xf64>, tensor<8xf32>) {
  %b = ein.broadcast "i->ji" %x : (tensor<3xf32>) -> tensor<4x3xf32>
  %f = ein.broadcast "->ab" %s : (tensor<f32>) -> tensor<2x5xf32>
  %r = ein.iota : tensor<5xi64>
  %u = ein.random "uniform"(-1.0, 1.0) seed 7 : tensor<3x4xf64>
  %n = ein.random "normal"(0.0, 2.5) seed 0 : tensor<8xf32>
  return %b, %f, %r, %u, %n : tensor<4x3xf32>, tensor<2x5xf32>, tensor<5xi64>, tensor<3x4xf64>, tensor<8xf32>
}
