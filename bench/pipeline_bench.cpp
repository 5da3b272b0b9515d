// Pipeline throughput over an in-memory input of 1M generated records, against
// the sequential core in the same run: the same framer, decoder, ledger and
// formatter called one batch at a time on one thread (what `process` did before
// the concurrent engine). Compare ratios within one run: the machine is shared.
//
//   build/pipeline_bench                              # every case
//   build/pipeline_bench --benchmark_filter=Ids       # orders that carry ids
//
// The input lives in a memfd (no disk), results go to /dev/null, and each
// iteration processes the whole 1M-record stream. items_per_second = records/s.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "data/codec/batch_builder.h"
#include "data/codec/decoder.h"
#include "data/codec/framer.h"
#include "data/gen/generator.h"
#include "data/ledger/ledger.h"
#include "data/codec/result_format.h"
#include "data/model/stats.h"
#include "engine/output_writer.h"
#include "engine/pipeline.h"

namespace orderflow {
namespace {

constexpr std::uint64_t kRecords = 1'000'000;

// The catalog: the built-in products with stock large enough that orders complete.
const Catalog& catalog() {
  static Catalog c = [] {
    std::string csv = "ID,ProductName,Stock,Variety,Price\n";
    const Catalog builtin = Catalog::builtin();
    for (const Product& p : builtin.products())
      csv += p.id + "," + p.product_name + ",1000000000000," + p.variety + "," + format_money(p.price) + "\n";
    return std::move(Catalog::parse(csv, "bench.csv")).value();
  }();
  return c;
}

// A generated stream (ids or not) held in a memfd, so every run reads the same bytes from memory.
int stream_fd(bool ids) {
  static int fds[2] = {-1, -1};
  int& fd = fds[ids ? 1 : 0];
  if (fd >= 0) return fd;
  GeneratorOptions o;
  o.count = kRecords;
  o.ids = ids;
  o.reversals = ids ? 0.02 : 0;
  Generator g = std::move(Generator::create(catalog(), o)).value();
  fd = ::memfd_create(ids ? "ids" : "noids", 0);
  std::vector<char> buf(kGenerateChunkBytes);
  while (!g.done()) {
    std::size_t n = g.fill(buf.data(), buf.size());
    if (::write(fd, buf.data(), n) != static_cast<ssize_t>(n)) std::abort();
  }
  return fd;
}

int dev_null() {
  static int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  return fd;
}

// The concurrent pipeline, as `process` runs it.
void BM_Pipeline(benchmark::State& state, bool ids, StoreKind store) {
  int fd = stream_fd(ids);
  PipelineOptions o;
  o.workers = static_cast<std::size_t>(state.range(0));
  o.batch_records = static_cast<std::size_t>(state.range(1));
  o.store = store;
  for (auto _ : state) {
    ::lseek(fd, 0, SEEK_SET);
    std::vector<InputSource> inputs{{"bench", fd}};
    PipelineReport r = run_pipeline(catalog(), inputs, dev_null(), o);
    if (!r.status.ok() || r.stats.records != kRecords) state.SkipWithError("the run failed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kRecords));
}

// The baseline: the same data-layer steps on one thread, batch after batch.
void BM_SequentialCore(benchmark::State& state, bool ids) {
  int fd = stream_fd(ids);
  for (auto _ : state) {
    ::lseek(fd, 0, SEEK_SET);
    std::vector<std::int64_t> initial;
    for (const Product& p : catalog().products()) initial.push_back(p.stock);
    auto store = make_store(StoreKind::kSharded, initial, 1);
    OrderIndex index;
    Decoder decoder(catalog());
    std::vector<std::string> names{"bench"};
    ResultFormatter formatter(catalog(), names);
    OutputWriter out(dev_null(), "/dev/null");
    Stats stats(catalog().size());
    std::string text;
    BatchBuilder builder(static_cast<std::size_t>(state.range(0)), 1 << 20, 1, [&](Batch& b) {
      decoder.decode(b);
      for (Record& r : b.records) {
        if (resolve(r, index)) apply(r, *store, index, catalog());
        stats.count(r);
      }
      text.clear();
      formatter.format(b, text);
      out.write(text);
      return true;
    });
    Framer framer(InputFormat::kAuto, kRecordBytesMaxDefault, "bench");
    std::vector<char> buf(1 << 20);
    for (;;) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n <= 0) break;
      (void)framer.feed(buf.data(), static_cast<std::size_t>(n), builder);
    }
    (void)framer.finish(builder);
    builder.flush();
    if (stats.records != kRecords) state.SkipWithError("the run lost records");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kRecords));
}

void PipelineArgs(benchmark::internal::Benchmark* b) {
  for (int workers : {1, 2, 4})
    for (int batch : {256, 2048, 8192}) b->Args({workers, batch});
  b->ArgNames({"workers", "batch"})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
}

BENCHMARK_CAPTURE(BM_SequentialCore, Ids, true)->Arg(2048)->ArgName("batch")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK_CAPTURE(BM_Pipeline, Ids_sharded, true, StoreKind::kSharded)->Apply(PipelineArgs);
BENCHMARK_CAPTURE(BM_Pipeline, Ids_mutex, true, StoreKind::kMutex)->Args({2, 2048})->ArgNames({"workers", "batch"})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK_CAPTURE(BM_SequentialCore, NoIds, false)->Arg(2048)->ArgName("batch")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK_CAPTURE(BM_Pipeline, NoIds_sharded, false, StoreKind::kSharded)->Args({1, 2048})->Args({2, 2048})->Args({2, 8192})->ArgNames({"workers", "batch"})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace orderflow

BENCHMARK_MAIN();
