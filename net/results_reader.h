#pragma once
// ResultsReader: `orderflow results` — reads the results stream, puts the
// partitions' result lines back into seq order and writes them, counting the
// summary of the whole stream as it goes.
//
// It writes every record submitted so far (the orders stream's last record
// when it starts) and returns once it has all of them; with `follow` it keeps
// waiting for more until a stop request. Lines published twice (a partition
// restarted) are written once. Blocking; one thread.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/base/status.h"
#include "data/catalog/catalog.h"
#include "data/model/stats.h"
#include "net/net_common.h"

namespace orderflow {

struct ResultsOptions {
  std::string urls;
  std::string stream;
  bool follow = false;
  int out_fd = -1;                 // < 0: no lines (summary only)
  std::string output_name = "standard output";
};

struct ResultsReport {
  Status status;
  bool output_closed = false;      // EPIPE on out_fd
  bool stopped = false;            // a stop request ended it before the last record
  std::unique_ptr<Catalog> catalog;
  Stats stats;                     // of the records written
  std::uint64_t expected = 0;      // records submitted when it started
  double elapsed_seconds = 0;
};

ResultsReport run_results(const ResultsOptions& options, const NetHooks& hooks);

}  // namespace orderflow
