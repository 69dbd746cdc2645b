// aotd_loadgen: cache-hit and miss-then-hit latency and throughput of a
// running aotd at several numbers of concurrent clients. Flags only; see
// tools/loadgen.h.
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/time/time.h"
#include "tools/loadgen.h"

int main(int argc, char** argv) {
  aotd::tools::LoadgenOptions options;
  options.graph_file = "tests/testdata/workloads/d_pointwise/small/forward.json";
  double seconds = 5;
  CLI::App app{"aotd_loadgen: cache-hit latency and requests per second of an aotd server"};
  app.add_option("--server", options.server, "HOST:PORT of the aotd server")
      ->envname("AOTD_SERVER")
      ->capture_default_str();
  app.add_option("--tls_ca_file", options.tls.ca_file,
                 "PEM CA certificates the server's certificate must chain to (TLS)");
  app.add_option("--tls_cert_file", options.tls.cert_file,
                 "PEM client certificate, for a server that requires one (mTLS)");
  app.add_option("--tls_key_file", options.tls.key_file, "PEM private key of --tls_cert_file");
  app.add_option("--graph", options.graph_file,
                 "Graph to warm the cache with (aten-fx-json or graph proto; it needs a float "
                 "constant for the miss-then-hit mix)")
      ->capture_default_str();
  app.add_option("--seconds", seconds, "Duration of each phase at each concurrency")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--concurrency", options.concurrency, "Numbers of concurrent clients")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--distinct", options.distinct,
                 "New graphs per concurrency in the miss-then-hit mix (0: skip it)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.duration = absl::Seconds(seconds);

  absl::Status status = aotd::tools::RunLoadgen(options, std::cout);
  if (!status.ok()) {
    std::cerr << "aotd_loadgen: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
