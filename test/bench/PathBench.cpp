//===- PathBench.cpp - Contraction-order search on standard networks ------===//
//
// Generates the network families the tensor-network literature compares
// path optimisers on, with fixed seeds, and prints for each algorithm the
// log10 of the FLOPs (opt_einsum's count), the log2 of the largest
// intermediate and the search time:
//   - random 3-regular graphs of 50-250 tensors, bond dimension 2;
//   - closed square lattices, bond dimension 2;
//   - random quantum circuits (qubit lines, two-qubit gates on neighbours,
//     product states at both ends).
//
//   ein-path-bench [--max-time SECONDS] [--seed N] [--dump DIR]
//
// --dump writes each network and the paths found as JSON, for
// compare_opt_einsum.py to run opt_einsum on the same networks and to check
// that it counts the same FLOPs for our paths.
//
//===----------------------------------------------------------------------===//

#include "compiler/path/Search.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>

using namespace ein;

namespace {

/// A network from a list of tensors given as index lists.
Network fromEdges(unsigned numIndices,
                  const std::vector<std::vector<unsigned>> &tensors,
                  double bond) {
  Network net;
  net.extents.assign(numIndices, bond);
  for (const auto &t : tensors) {
    IndexSet s(numIndices);
    for (unsigned i : t)
      s.insert(i);
    net.inputs.push_back(s);
  }
  net.output = IndexSet(numIndices);
  return net;
}

/// A random 3-regular graph (configuration model, retried until simple).
Network randomRegular(unsigned n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (;;) {
    std::vector<unsigned> halfEdges;
    for (unsigned v = 0; v < n; ++v)
      for (int k = 0; k < 3; ++k)
        halfEdges.push_back(v);
    std::shuffle(halfEdges.begin(), halfEdges.end(), rng);
    std::vector<std::vector<unsigned>> tensors(n);
    std::vector<std::pair<unsigned, unsigned>> edges;
    bool simple = true;
    for (size_t k = 0; k < halfEdges.size(); k += 2) {
      unsigned a = std::min(halfEdges[k], halfEdges[k + 1]);
      unsigned b = std::max(halfEdges[k], halfEdges[k + 1]);
      if (a == b || std::find(edges.begin(), edges.end(),
                              std::make_pair(a, b)) != edges.end()) {
        simple = false;
        break;
      }
      edges.push_back({a, b});
      tensors[a].push_back(edges.size() - 1);
      tensors[b].push_back(edges.size() - 1);
    }
    if (simple)
      return fromEdges(edges.size(), tensors, 2);
  }
}

/// A closed L x L square lattice.
Network lattice(unsigned side) {
  std::vector<std::vector<unsigned>> tensors(side * side);
  unsigned edge = 0;
  for (unsigned r = 0; r < side; ++r)
    for (unsigned c = 0; c < side; ++c) {
      if (c + 1 < side) {
        tensors[r * side + c].push_back(edge);
        tensors[r * side + c + 1].push_back(edge++);
      }
      if (r + 1 < side) {
        tensors[r * side + c].push_back(edge);
        tensors[(r + 1) * side + c].push_back(edge++);
      }
    }
  return fromEdges(edge, tensors, 2);
}

/// A random circuit: `qubits` lines, `depth` layers of two-qubit gates on
/// random neighbouring pairs, product states at both ends (an amplitude).
Network circuit(unsigned qubits, unsigned depth, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<unsigned>> tensors;
  std::vector<unsigned> wire(qubits);
  unsigned next = 0;
  for (unsigned q = 0; q < qubits; ++q) {
    wire[q] = next++;
    tensors.push_back({wire[q]});
  }
  std::uniform_int_distribution<unsigned> pick(0, qubits - 2);
  for (unsigned layer = 0; layer < depth; ++layer)
    for (unsigned g = 0; g < qubits / 2; ++g) {
      unsigned q = pick(rng);
      unsigned a = next++, b = next++;
      tensors.push_back({wire[q], wire[q + 1], a, b});
      wire[q] = a;
      wire[q + 1] = b;
    }
  for (unsigned q = 0; q < qubits; ++q)
    tensors.push_back({wire[q]});
  return fromEdges(next, tensors, 2);
}

std::string dumpDir;

/// The network and our results as JSON (indices as integers).
void dump(const std::string &name, const Network &net,
          const std::vector<std::pair<std::string, PathResult>> &results) {
  if (dumpDir.empty())
    return;
  std::string path = dumpDir + "/" + name + ".json";
  FILE *f = std::fopen(path.c_str(), "w");
  if (!f) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
  auto set = [&](const IndexSet &s) {
    std::string r = "[";
    bool first = true;
    s.forEach([&](unsigned i) {
      r += (first ? "" : ", ") + std::to_string(i);
      first = false;
    });
    return r + "]";
  };
  std::fprintf(f, "{\"name\": \"%s\", \"inputs\": [", name.c_str());
  for (size_t t = 0; t < net.numInputs(); ++t)
    std::fprintf(f, "%s%s", t ? ", " : "", set(net.inputs[t]).c_str());
  std::fprintf(f, "], \"output\": %s, \"sizes\": [", set(net.output).c_str());
  for (unsigned i = 0; i < net.numIndices(); ++i)
    std::fprintf(f, "%s%g", i ? ", " : "", net.extents[i]);
  std::fprintf(f, "], \"results\": {");
  for (size_t r = 0; r < results.size(); ++r) {
    const PathCost &c = results[r].second.cost;
    std::fprintf(f, "%s\"%s\": {\"flops\": %.17g, \"path\": [", r ? ", " : "",
                 results[r].first.c_str(), c.flops);
    for (size_t k = 0; k < c.optEinsumPath.size(); ++k)
      std::fprintf(f, "%s[%u, %u]", k ? ", " : "", c.optEinsumPath[k][0],
                   c.optEinsumPath[k].size() > 1 ? c.optEinsumPath[k][1] : 0);
    std::fprintf(f, "]}");
  }
  std::fprintf(f, "}}\n");
  std::fclose(f);
}

void run(const std::string &family, const Network &net, double maxTime,
         uint64_t seed) {
  std::vector<std::pair<std::string, PathResult>> results;
  for (PathAlgorithm a :
       {PathAlgorithm::Greedy, PathAlgorithm::Hyper, PathAlgorithm::Optimal}) {
    if (a == PathAlgorithm::Optimal && net.numInputs() > kMaxOptimalTensors)
      continue;
    PathOptions options;
    options.algorithm = a;
    options.maxTimeSeconds = maxTime;
    options.seed = seed;
    auto result = findPath(net, options);
    if (!result) {
      std::printf("%-24s %5zu  %-8s  error: %s\n", family.c_str(),
                  net.numInputs(), algorithmName(a),
                  llvm::toString(result.takeError()).c_str());
      continue;
    }
    std::printf("%-24s %5zu  %-8s %10.3f %10.1f %10.1f %8llu\n", family.c_str(),
                net.numInputs(), algorithmName(a),
                std::log10(result->cost.flops),
                std::log2(result->cost.largestIntermediate), result->searchMs,
                (unsigned long long)result->trials);
    std::fflush(stdout);
    results.push_back({algorithmName(a), std::move(*result)});
  }
  dump(family + "-" + std::to_string(net.numInputs()), net, results);
}

} // namespace

int main(int argc, char **argv) {
  double maxTime = 1.0;
  uint64_t seed = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--max-time") && i + 1 < argc)
      maxTime = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
      seed = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--dump") && i + 1 < argc)
      dumpDir = argv[++i];
    else {
      std::fprintf(
          stderr,
          "usage: ein-path-bench [--max-time S] [--seed N] [--dump DIR]\n");
      return 1;
    }
  }
  std::printf("%-24s %5s  %-8s %10s %10s %10s %8s\n", "network", "n", "algo",
              "log10FLOP", "log2size", "ms", "trials");
  for (unsigned n : {12u, 16u})
    run("random-3-regular", randomRegular(n, 100 + n), maxTime, seed);
  for (unsigned n : {50u, 100u, 150u, 250u})
    run("random-3-regular", randomRegular(n, 100 + n), maxTime, seed);
  for (unsigned side : {4u, 6u, 8u, 10u})
    run("lattice-" + std::to_string(side) + "x" + std::to_string(side),
        lattice(side), maxTime, seed);
  for (auto [q, d] : {std::pair<unsigned, unsigned>{10, 8}, {20, 12}, {30, 16}})
    run("circuit-q" + std::to_string(q) + "-d" + std::to_string(d),
        circuit(q, d, 7 * q + d), maxTime, seed);
  return 0;
}
