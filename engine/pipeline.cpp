#include "engine/pipeline.h"

#include <chrono>

#include "data/ledger/order_index.h"
#include "engine/channel.h"
#include "engine/stages/apply_stage.h"
#include "engine/stages/commit_stage.h"
#include "engine/stages/cpu_meter.h"
#include "engine/stages/decode_stage.h"
#include "engine/stages/job_pool.h"
#include "engine/stages/read_stage.h"
#include "engine/stages/route_stage.h"
#include "engine/stages/run_control.h"
#include "engine/stages/write_stage.h"
#include "engine/thread_priority.h"
#include "engine/worker_pool.h"

namespace orderflow {

namespace {

// Enough jobs to fill each channel halfway and keep every thread busy, with
// room for batches that finish out of order.
std::size_t jobs_max_for(const PipelineOptions& o) {
  std::size_t n = 2 * o.buffer_batches + 2 * std::max<std::size_t>(o.workers, 1) + 6;
  // With a ledger the commit stage holds a whole group, and its input channel fills while it commits.
  // It holds up to four: the one it prepares, the one it commits and the ones waiting for their fsync.
  if (o.ledger)
    n += o.ledger->group_batches_max + 4 * (o.ledger->group_records_max / std::max<std::size_t>(o.batch_records, 1) + 2);
  return n;
}

std::vector<std::int64_t> initial_stock(const Catalog& c) {
  std::vector<std::int64_t> initial;
  initial.reserve(c.size());
  for (const Product& p : c.products()) initial.push_back(p.stock);
  return initial;
}

}  // namespace

// The run's state and its stages, wired together by channels:
//   read ─raw─▶ decode ─decoded─▶ route ─slices[k]─▶ apply ─done─▶ write ─▶ jobs ─▶ read
// and with a durable ledger:              ... apply ─done─▶ commit ─committed─▶ write ...
struct Pipeline::State {
  const Catalog& catalog;
  const PipelineOptions& options;
  const std::size_t workers;
  std::vector<std::string> names;
  std::unique_ptr<ProductStore> store;
  OrderIndex index;  // run by the router; appliers keep pointers to its entries until they are joined
  std::atomic<std::uint64_t> bytes_read{0};
  std::atomic<std::uint64_t> results_written{0};  // by the writer; the commit stage records it
  std::atomic<std::uint64_t> cpu_read{0}, cpu_decode{0}, cpu_route{0}, cpu_apply{0}, cpu_write{0};

  RunControl control;
  JobPool jobs;
  Channel<JobPtr> raw;
  Channel<JobPtr> decoded;
  std::vector<std::unique_ptr<Channel<Slice>>> slices;  // one per worker (sharded) or one shared
  Channel<JobPtr> done;
  Channel<JobPtr> committed;  // with a ledger: commit stage -> writer

  ReadStage reader;
  DecodeStage decoders;
  RouteStage router;
  std::unique_ptr<ApplyStage> appliers;  // needs the store
  std::unique_ptr<CommitStage> committer;  // with a ledger
  WriteStage writer;

  State(const Catalog& c, const std::vector<InputSource>& in, int out_fd, const PipelineOptions& o)
      : catalog(c),
        options(o),
        workers(o.workers == 0 ? 1 : o.workers),
        names(names_of(in)),
        store(make_store(o.store, initial_stock(c), workers)),
        jobs(jobs_max_for(o)),
        raw(o.buffer_batches),
        decoded(o.buffer_batches),
        slices(make_slices(o.store == StoreKind::kSharded ? workers : 1, o.buffer_batches)),
        done(o.ledger ? std::max(o.buffer_batches, o.ledger->group_batches_max) : o.buffer_batches),
        committed(o.buffer_batches),
        reader(in, o.reader(), control, jobs, raw, bytes_read),
        decoders(c, workers, control, raw, decoded),
        router(c, names, o.strict, o.ledger ? o.ledger->prior : nullptr, index, control, decoded, slices),
        writer(out_fd, o.output_name, o.output_give_up, o.unordered, control, jobs, o.ledger ? committed : done,
               results_written) {
    if (store)
      appliers = std::make_unique<ApplyStage>(c, names, out_fd >= 0, o.result_format, workers, *store, index, control,
                                                slices, done);
    if (o.ledger) committer = std::make_unique<CommitStage>(*o.ledger, results_written, control, done, committed);
    // A failing stage stops the others promptly: none may wait for one that has died.
    control.on_fail([this] { raw.close(); });
    control.on_fail([this] { decoded.close(); });
    control.on_fail([this] { close_slices(); });
    if (appliers) control.on_fail([this] { appliers->wake(); });  // after close: failed() is already true
    control.on_fail([this] { done.close(); });
    control.on_fail([this] { committed.close(); });
    if (committer) control.on_fail([this] { committer->close(); });
  }

  static std::vector<std::string> names_of(const std::vector<InputSource>& in) {
    std::vector<std::string> names;
    for (const InputSource& s : in) names.push_back(s.name);
    return names;
  }
  static std::vector<std::unique_ptr<Channel<Slice>>> make_slices(std::size_t n, std::size_t capacity) {
    std::vector<std::unique_ptr<Channel<Slice>>> v;
    for (std::size_t k = 0; k < n; ++k) v.push_back(std::make_unique<Channel<Slice>>(capacity));
    return v;
  }
  void close_slices() {
    for (auto& ch : slices) ch->close();
  }
};

Pipeline::Pipeline(const Catalog& catalog, const std::vector<InputSource>& inputs, int out_fd,
                   const PipelineOptions& options)
    : state_(std::make_unique<State>(catalog, inputs, out_fd, options)) {}

Pipeline::~Pipeline() = default;

std::uint64_t Pipeline::bytes_read() const { return state_->bytes_read.load(std::memory_order_relaxed); }

std::uint64_t Pipeline::records_done() const {
  return state_->appliers ? state_->appliers->records_done() : 0;
}

Stats Pipeline::snapshot() const {
  return state_->appliers ? state_->appliers->snapshot() : Stats(state_->catalog.size());
}

PipelineReport Pipeline::run(const Context& run_ctx, const Context& intake_ctx) {
  State& s = *state_;
  const auto t0 = std::chrono::steady_clock::now();
  PipelineReport rep;
  rep.facts.store = s.options.store;
  rep.facts.workers = s.workers;
  if (!s.store) {
    rep.status = Status::InvalidArgument("store " + std::string(to_string(s.options.store)) + " is not available");
    rep.stats = Stats(s.catalog.size());
    return rep;
  }

  s.control.begin(run_ctx, intake_ctx);
  // With a ledger every thread but the committing one yields to it (engine/thread_priority.h).
  const int yield_to_commit = s.committer ? s.options.ledger->other_threads_nice : 0;
  auto yield = [&] { lower_this_thread_priority(yield_to_commit); };
  {
    // Started downstream first, so that every channel has its consumer.
    WorkerPool writer(1, {}, [&](std::size_t) {
      CpuMeter m(s.cpu_write);
      yield();
      s.control.guarded([&] { s.writer.run(); });
    });
    WorkerPool commit_syncer(s.committer ? 1 : 0, {}, [&](std::size_t) {
      yield();
      s.control.guarded([&] { s.committer->sync(); });
    });
    WorkerPool commit_writer(s.committer ? 1 : 0, {}, [&](std::size_t) {
      s.control.guarded([&] { s.committer->commit(); });
    });
    WorkerPool checkpointer(s.committer ? 1 : 0, {}, [&](std::size_t) {
      yield();
      s.control.guarded([&] { s.committer->checkpoint(); });
    });
    WorkerPool committer(s.committer ? 1 : 0, {}, [&](std::size_t) {
      yield();
      s.control.guarded([&] { s.committer->prepare(); });
    });
    WorkerPool appliers(s.workers, {}, [&](std::size_t k) {
      CpuMeter m(s.cpu_apply);
      yield();
      s.control.guarded([&] { s.appliers->run(k); });
    });
    WorkerPool router(1, {}, [&](std::size_t) {
      CpuMeter m(s.cpu_route);
      yield();
      s.control.guarded([&] { s.router.run(); });
      s.close_slices();
    });
    WorkerPool decoders(s.workers, {}, [&](std::size_t) {
      CpuMeter m(s.cpu_decode);
      yield();
      s.control.guarded([&] { s.decoders.run(); });
    });
    WorkerPool reader(1, {}, [&](std::size_t) {
      CpuMeter m(s.cpu_read);
      yield();
      s.control.guarded([&] { s.reader.run(); });
    });
    (void)reader.join();
    (void)decoders.join();
    (void)router.join();
    (void)appliers.join();
    (void)committer.join();
    (void)commit_writer.join();
    (void)checkpointer.join();
    (void)commit_syncer.join();
    (void)writer.join();
  }

  rep.stats = snapshot();
  rep.final_stock = s.store->snapshot();
  rep.output_closed = s.writer.output_closed();
  rep.output_abandoned = s.writer.output_abandoned();
  rep.strict_failed = s.router.strict_failed();
  rep.cancelled = rep.stats.cancelled > 0;
  // The first failure wins; an input problem is reported before a --strict stop.
  const ReaderOutcome& read = s.reader.outcome();
  const Status failure = s.control.failure();
  if (!read.status.ok()) rep.status = read.status;
  else if (!failure.ok()) rep.status = failure;
  else if (rep.strict_failed) rep.status = s.router.strict_status();
  // The first record not applied: the cut's, else the first one not accepted.
  if (s.router.cut() && failure.ok()) rep.facts.resume = s.router.cut();
  else if (read.stopped_early && !rep.strict_failed) rep.facts.resume = read.resume;
  rep.facts.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto sec = [](const std::atomic<std::uint64_t>& ns) { return static_cast<double>(ns.load()) / 1e9; };
  rep.facts.cpu = StageTimes{sec(s.cpu_read), sec(s.cpu_decode), sec(s.cpu_route), sec(s.cpu_apply), sec(s.cpu_write)};
  s.control.end();
  return rep;
}

PipelineReport run_pipeline(const Catalog& catalog, const std::vector<InputSource>& inputs, int out_fd,
                            const PipelineOptions& options) {
  Pipeline p(catalog, inputs, out_fd, options);
  Context background = Context::background();
  return p.run(background, background);
}

}  // namespace orderflow
