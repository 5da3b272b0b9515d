#include "engine/pipeline.h"

#include <time.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "data/model/batch.h"
#include "data/codec/decoder.h"
#include "data/ledger/commit_group.h"
#include "data/ledger/ledger.h"
#include "data/ledger/ledger_db.h"
#include "data/ledger/order_index.h"
#include "data/codec/result_format.h"
#include "engine/basket_vote.h"
#include "engine/channel.h"
#include "engine/input_reader.h"
#include "engine/output_writer.h"
#include "engine/worker_pool.h"

namespace orderflow {

namespace {

constexpr std::size_t kWriteBytes = 1 << 20;  // results are written in chunks about this large
constexpr std::uint32_t kSeveralOwners = UINT32_MAX - 1;  // router: a basket over several owners
// Enough jobs to fill each channel halfway and keep every thread busy, with
// room for batches that finish out of order.
std::size_t jobs_max_for(const PipelineOptions& o) {
  std::size_t n = 2 * o.buffer_batches + 2 * std::max<std::size_t>(o.workers, 1) + 6;
  // With a ledger the commit stage holds a whole group, and its input channel fills while it commits.
  if (o.ledger)
    n += o.ledger->group_batches_max + o.ledger->group_records_max / std::max<std::size_t>(o.batch_records, 1) + 2;
  return n;
}

// A batch on its way through the stages, with what the router adds.
struct Job {
  Batch batch;
  std::vector<std::uint32_t> route;       // indices of records to apply, grouped by owner
  std::atomic<std::uint32_t> pending{0};  // slices not yet applied
  // The baskets that span several owners (sharded store), by record index
  // ascending: engine/basket_vote.h. Kept allocated across recycling.
  std::unique_ptr<BasketVote[]> votes;
  std::uint32_t vote_count = 0;
  std::uint32_t vote_capacity = 0;

  BasketVote& add_vote(std::uint32_t record, std::uint32_t owners) {
    if (vote_count == vote_capacity) {
      const std::uint32_t bigger = std::max<std::uint32_t>(16, vote_capacity * 2);
      std::unique_ptr<BasketVote[]> grown(new BasketVote[bigger]);
      for (std::uint32_t i = 0; i < vote_count; ++i)
        grown[i].reset(votes[i].record, votes[i].votes_left.load(std::memory_order_relaxed));
      votes = std::move(grown);
      vote_capacity = bigger;
    }
    BasketVote& v = votes[vote_count++];
    v.reset(record, owners);
    return v;
  }
};
using JobPtr = std::shared_ptr<Job>;

// route[begin, end) of a job: records one applier applies, in order.
struct Slice {
  JobPtr job;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

// CPU time of the calling thread so far, in nanoseconds.
std::uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Adds the CPU time a stage's thread spent to that stage's total.
struct CpuMeter {
  std::atomic<std::uint64_t>& total;
  explicit CpuMeter(std::atomic<std::uint64_t>& t) : total(t) {}
  ~CpuMeter() { total.fetch_add(thread_cpu_ns(), std::memory_order_relaxed); }
};

// One applier's partial statistics. Locked once per batch, so snapshot() can read it.
struct alignas(64) Partial {
  mutable std::mutex mu;
  Stats stats;  // GUARDED_BY(mu)
};

}  // namespace

struct Pipeline::State {
  const Catalog& catalog;
  const std::vector<InputSource>& inputs;
  const int out_fd;
  const PipelineOptions& options;
  const std::size_t workers;
  const bool sharded;
  std::vector<std::string> names;
  std::unique_ptr<ProductStore> store;
  std::unique_ptr<Partial[]> partials;
  std::atomic<std::uint64_t> bytes_read{0};
  std::atomic<std::uint64_t> cpu_read{0}, cpu_decode{0}, cpu_route{0}, cpu_apply{0}, cpu_write{0};
  // Run by the router; appliers keep pointers to its entries until they are joined.
  OrderIndex index;
  PriorOrders* prior = nullptr;  // with a ledger that has orders: ids the index does not know

  // Channels between the stages.
  Channel<JobPtr> raw;
  Channel<JobPtr> decoded;
  std::vector<std::unique_ptr<Channel<Slice>>> slices;  // one per worker (sharded) or one shared
  Channel<JobPtr> done;
  Channel<JobPtr> committed;  // with a ledger: commit stage -> writer
  std::atomic<std::uint64_t> results_written{0};  // bytes the writer wrote (the commit stage drops pending results)
  // Written jobs go back to the reader to be filled again: their buffers keep
  // their capacity, so a long run stops allocating (and faulting in) memory.
  // At most jobs_max jobs ever exist: once they do, the reader waits for one
  // to come back, so peak memory is the same for a short run and a long one.
  Channel<JobPtr> recycled;
  const std::size_t jobs_max;
  std::size_t jobs_made = 0;  // by the reader

  // Stopping.
  Context hard;             // ends on the caller's hard stop or deadline, or on a failure here
  CancelFunc cancel_hard;
  Context intake;           // ends when hard ends, the caller closes intake, or --strict fails
  CancelFunc cancel_intake;

  // Outcomes, each written by one stage before it is joined.
  std::mutex failure_mu;
  Status failure;           // the first failure of any stage
  std::atomic<bool> failed{false};  // a stage failed: appliers stop applying too
  // The cut of a hard stop or deadline, decided by the router (the one stage
  // that sees batches in order): the first batch it met after `hard` ended.
  // Every batch before it is applied whole, every one from it on cancelled.
  std::optional<ResumePoint> cut;  // written by the router only
  bool output_closed = false;
  bool output_abandoned = false;
  bool strict_failed = false;
  Status strict_status;
  ReaderOutcome reader;

  State(const Catalog& c, const std::vector<InputSource>& in, int fd, const PipelineOptions& o)
      : catalog(c),
        inputs(in),
        out_fd(fd),
        options(o),
        workers(o.workers == 0 ? 1 : o.workers),
        sharded(o.store == StoreKind::kSharded),
        partials(new Partial[o.workers == 0 ? 1 : o.workers]),
        raw(o.buffer_batches),
        decoded(o.buffer_batches),
        done(o.ledger ? std::max(o.buffer_batches, o.ledger->group_batches_max) : o.buffer_batches),
        committed(o.buffer_batches),
        recycled(jobs_max_for(o)),
        jobs_max(jobs_max_for(o)) {
    if (o.ledger) prior = o.ledger->prior;
    for (const InputSource& s : in) names.push_back(s.name);
    std::vector<std::int64_t> initial;
    initial.reserve(c.size());
    for (const Product& p : c.products()) initial.push_back(p.stock);
    store = make_store(o.store, initial, workers);
    for (std::size_t k = 0; k < (sharded ? workers : 1); ++k)
      slices.push_back(std::make_unique<Channel<Slice>>(o.buffer_batches));
    for (std::size_t k = 0; k < workers; ++k) partials[k].stats = Stats(c.size());
  }

  Reason cancel_reason() const {
    return hard.err() == ContextError::kDeadlineExceeded ? Reason::kDeadline : Reason::kInterrupted;
  }

  // Records the first failure and stops everything: no stage may wait for one
  // that has died, so every channel is closed too.
  void fail(Status s) {
    {
      std::lock_guard<std::mutex> lock(failure_mu);
      if (failure.ok()) failure = std::move(s);
    }
    failed.store(true);
    cancel_hard();
    raw.close();
    decoded.close();
    for (auto& ch : slices) ch->close();
    done.close();
    committed.close();
  }

  // Runs a stage body; an exception becomes a reported failure, not a crash.
  template <class F>
  void guarded(F&& body) {
    try {
      body();
    } catch (const std::exception& e) {
      fail(Status::Corruption(std::string("internal error: ") + e.what()));
    } catch (...) {
      fail(Status::Corruption("internal error"));
    }
  }

  void read_stage();
  void decode_stage(std::atomic<std::size_t>& left);
  void route_stage();
  void apply_stage(std::size_t k, std::atomic<std::size_t>& left);
  void write_stage();
  void commit_stage();

  bool route(Job& job, OrderIndex& index, std::vector<std::uint32_t>& owner, std::vector<std::uint32_t>& count);
  std::uint32_t basket_owners(const Batch& b, const Record& r, std::uint32_t i);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;  // router scratch: (record, owner) of multi-owner baskets
  void finish(JobPtr job, ResultFormatter& formatter, Partial& partial);
};

void Pipeline::State::read_stage() {
  InputReader reader(inputs, options, intake, &bytes_read);
  ReaderOutcome outcome = reader.run([&](Batch& b) {
    JobPtr job;
    if (recycled.try_recv(job) != ChannelStatus::kOk) {
      if (jobs_made < jobs_max) {
        job = std::make_shared<Job>();
        ++jobs_made;
      } else if (recycled.recv(job, intake) != ChannelStatus::kOk) {
        return false;  // intake ended while waiting for a job to come back
      }
    }
    std::swap(job->batch, b);  // b gets the recycled (cleared) buffers, if any
    if (raw.send(std::move(job), intake) == ChannelStatus::kOk) return true;
    std::swap(job->batch, b);  // refused: the batch stays with the reader, not accepted
    return false;
  });
  this->reader = std::move(outcome);
  raw.close();
}

void Pipeline::State::decode_stage(std::atomic<std::size_t>& left) {
  Decoder decoder(catalog);
  JobPtr job;
  while (raw.recv(job) == ChannelStatus::kOk) {
    if (!hard.done()) decoder.decode(job->batch);  // after a hard stop, records are only cancelled
    if (decoded.send(std::move(job)) != ChannelStatus::kOk) break;
  }
  if (left.fetch_sub(1) == 1) decoded.close();
}

// Resolves a job's records against the order index, in seq order, and lays out
// job.route grouped by owner. Returns false when --strict stops the run here.
bool Pipeline::State::route(Job& job, OrderIndex& index, std::vector<std::uint32_t>& owner,
                            std::vector<std::uint32_t>& count) {
  Batch& b = job.batch;
  const std::size_t shards = slices.size();
  const bool cancelled = hard.done();
  const Reason why = cancelled ? cancel_reason() : Reason::kNone;
  bool go_on = true;
  owner.assign(b.records.size(), UINT32_MAX);
  count.assign(shards, 0);
  job.vote_count = 0;
  spans.clear();
  // The order index is the run's largest table: fetch the batch's slots into
  // cache all at once, so their misses overlap instead of coming one by one.
  if (!cancelled) {
    for (const Record& r : b.records)
      if (!r.id.empty()) index.prefetch(r.id_hash);
  }
  if (cancelled && !cut && !b.records.empty()) {
    const Record& first = b.records.front();
    cut = ResumePoint{names[b.file], first.line, first.seq, b.first_offset};
  }
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    Record& r = b.records[i];
    if (cancelled) {
      cancel(r, why);
      continue;
    }
    if (options.strict && r.reason == Reason::kInvalidRecord) {
      ResultFormatter formatter(catalog, names);
      strict_failed = true;
      strict_status = Status::InvalidArgument(formatter.error_text(b, r) + " (--strict)");
      b.records.resize(i);
      go_on = false;
      break;
    }
    if (resolve(r, index, b.items, prior)) {
      std::uint32_t k = 0;
      if (sharded && r.is_basket()) k = basket_owners(b, r, static_cast<std::uint32_t>(i));
      else if (sharded) k = static_cast<std::uint32_t>(owner_of(r.product, shards));
      if (k == kSeveralOwners) {
        job.add_vote(static_cast<std::uint32_t>(i), 0);
        std::uint32_t n = 0;
        for (std::size_t j = spans.size(); j-- > 0 && spans[j].first == i;) {
          ++count[spans[j].second];
          ++n;
        }
        job.votes[job.vote_count - 1].reset(static_cast<std::uint32_t>(i), n);
      } else {
        ++count[k];
      }
      owner[i] = k;
    }
  }
  // Counting sort of the routed records by owner, keeping seq order within
  // each; a basket over several owners goes to each of them.
  std::vector<std::uint32_t> start(shards + 1, 0);
  for (std::size_t k = 0; k < shards; ++k) start[k + 1] = start[k] + count[k];
  job.route.resize(start[shards]);
  std::vector<std::uint32_t> at(start.begin(), start.end() - 1);
  std::size_t next_span = 0;
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    if (owner[i] == kSeveralOwners) {
      for (; next_span < spans.size() && spans[next_span].first == i; ++next_span)
        job.route[at[spans[next_span].second]++] = static_cast<std::uint32_t>(i);
    } else if (owner[i] != UINT32_MAX) {
      job.route[at[owner[i]]++] = static_cast<std::uint32_t>(i);
    }
  }
  count.assign(start.begin(), start.end());  // hand the offsets back to the caller
  return go_on;
}

// The owner of every item of basket r (record i): one owner, or
// kSeveralOwners with (i, owner) for each distinct owner appended to `spans`.
std::uint32_t Pipeline::State::basket_owners(const Batch& b, const Record& r, std::uint32_t i) {
  const std::size_t shards = slices.size();
  const Item* items = b.items_of(r);
  const auto first = static_cast<std::uint32_t>(owner_of(items[0].product, shards));
  std::size_t from = spans.size();
  for (std::uint16_t k = 1; k < r.items.count; ++k) {
    const auto o = static_cast<std::uint32_t>(owner_of(items[k].product, shards));
    if (o == first) continue;
    if (spans.size() == from) spans.emplace_back(i, first);
    bool known = false;
    for (std::size_t j = from; j < spans.size(); ++j) known |= spans[j].second == o;
    if (!known) spans.emplace_back(i, o);
  }
  return spans.size() == from ? first : kSeveralOwners;
}

void Pipeline::State::route_stage() {
  std::map<std::uint64_t, JobPtr> held;  // decoded out of order, waiting for their turn
  std::uint64_t next = 0;
  bool stopped = false;
  std::vector<std::uint32_t> owner, offsets;
  JobPtr job;
  while (decoded.recv(job) == ChannelStatus::kOk) {
    std::uint64_t index_of_job = job->batch.index;
    held.emplace(index_of_job, std::move(job));
    for (auto it = held.find(next); it != held.end(); it = held.find(next)) {
      JobPtr j = std::move(it->second);
      held.erase(it);
      ++next;
      if (stopped) continue;  // after a --strict failure nothing more is applied or written
      if (!route(*j, index, owner, offsets)) {
        stopped = true;
        cancel_intake();
      }
      if (prior && !prior->status().ok()) {
        fail(prior->status());  // a look-up failed: this batch's decisions cannot be trusted
        return;
      }
      const std::size_t shards = slices.size();
      std::uint32_t n = 0;
      for (std::size_t k = 0; k < shards; ++k) n += offsets[k + 1] > offsets[k] ? 1 : 0;
      if (n == 0) {
        // Nothing to apply: one empty slice lets an applier format the batch.
        j->pending.store(1, std::memory_order_relaxed);
        std::size_t k = j->batch.index % shards;
        if (slices[k]->send(Slice{std::move(j), 0, 0}) != ChannelStatus::kOk) return;
        continue;
      }
      j->pending.store(n, std::memory_order_relaxed);
      for (std::size_t k = 0; k < shards; ++k) {
        if (offsets[k + 1] == offsets[k]) continue;
        if (slices[k]->send(Slice{j, offsets[k], offsets[k + 1]}) != ChannelStatus::kOk) return;
      }
    }
  }
}

void Pipeline::State::finish(JobPtr job, ResultFormatter& formatter, Partial& partial) {
  Batch& b = job->batch;
  const Reason why = cancel_reason();
  for (Record& r : b.records)
    if (!r.decided) cancel(r, why);  // only after a hard stop
  {
    std::lock_guard<std::mutex> lock(partial.mu);
    for (const Record& r : b.records) partial.stats.count(r, b.items);
  }
  if (out_fd >= 0) formatter.format(b, b.out);
  done.send(std::move(job));
}

void Pipeline::State::apply_stage(std::size_t k, std::atomic<std::size_t>& left) {
  Channel<Slice>& in = *slices[sharded ? k : 0];
  ResultFormatter formatter(catalog, names, options.result_format);
  Slice s;
  while (in.recv(s) == ChannelStatus::kOk) {
    Batch& b = s.job->batch;
    // The router routes only batches before the cut: they are applied whole,
    // even after a hard stop, so that the cancelled records are a contiguous
    // tail. Only a failure stops applying (nothing is exact then).
    bool cancelled = failed.load();
    Job& routed = *s.job;
    std::uint32_t next_vote = 0;  // job.votes are by record index, as the slice is
    for (std::uint32_t i = s.begin; i < s.end; ++i) {
      const std::uint32_t index_in_batch = routed.route[i];
      Record& r = b.records[index_in_batch];
      if (r.is_basket() && routed.vote_count > 0) {
        while (next_vote < routed.vote_count && routed.votes[next_vote].record < index_in_batch) ++next_vote;
        if (next_vote < routed.vote_count && routed.votes[next_vote].record == index_in_batch) {
          // A basket over several owners: this owner's part of the vote.
          VotePhase outcome = vote(routed.votes[next_vote], r, b.items_of(r), *store, catalog, k, slices.size(),
                                   cancelled, cancel_reason(), failed);
          if (outcome == VotePhase::kCancelled) cancelled = true;  // the run is being cut: so is the rest
          continue;
        }
      }
      if (cancelled) {
        cancel(r, cancel_reason());
        continue;
      }
      // A reverse whose order another worker has not applied yet (shared
      // stores only); that order is before this one, so it is routed too.
      while (apply(r, b.items, *store, catalog) == ApplyResult::kRetry) {
        if (failed.load()) {
          cancel(r, cancel_reason());
          break;
        }
        std::this_thread::yield();
      }
    }
    JobPtr job = std::move(s.job);
    if (job->pending.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(std::move(job), formatter, partials[k]);
  }
  if (left.fetch_sub(1) == 1) done.close();
}

void Pipeline::State::write_stage() {
  OutputWriter out(out_fd, options.output_name, "results", options.output_give_up);
  std::map<std::uint64_t, JobPtr> held;  // finished out of order, waiting for their turn
  std::uint64_t next = 0;
  // Batches ready to go out, in order; written together with writev() once
  // they add up to kWriteBytes (or the stage goes idle), then released.
  std::vector<JobPtr> ready;
  std::vector<std::string_view> parts;
  std::size_t ready_bytes = 0;
  bool failed = false;
  auto fail_once = [&] {
    // Nobody can see further results: stop everything, but keep draining so
    // that no stage blocks on a full channel.
    failed = true;
    output_closed = out.closed();
    output_abandoned = out.abandoned();
    if (!out.status().ok()) {
      std::lock_guard<std::mutex> lock(failure_mu);
      if (failure.ok()) failure = out.status();
    }
    cancel_hard();
  };
  auto recycle = [&](JobPtr& j) {
    // An applier that finished an earlier slice of it may not have dropped its
    // reference yet; it no longer reads the job, so the job can be reused.
    j->batch.clear();
    j->route.clear();
    (void)recycled.try_send(std::move(j));  // room for every job that exists
  };
  auto flush = [&] {
    if (!failed && !ready.empty()) {
      parts.clear();
      std::uint64_t bytes = 0;
      for (const JobPtr& j : ready) {
        parts.emplace_back(j->batch.out);
        bytes += j->batch.out.size();
      }
      if (!out.write_parts(parts)) fail_once();
      else results_written.fetch_add(bytes, std::memory_order_release);
    }
    for (JobPtr& j : ready) recycle(j);
    ready.clear();
    ready_bytes = 0;
  };
  auto emit = [&](JobPtr job) {
    if (failed || out_fd < 0) {
      recycle(job);
      return;
    }
    ready_bytes += job->batch.out.size();
    ready.push_back(std::move(job));
    if (ready_bytes >= kWriteBytes) flush();
  };
  JobPtr job;
  for (;;) {
    Channel<JobPtr>& in = options.ledger ? committed : done;
    ChannelStatus st = in.try_recv(job);
    if (st == ChannelStatus::kEmpty) {
      flush();  // idle: let what is ready reach the reader of the results
      st = in.recv(job);
    }
    if (st != ChannelStatus::kOk) break;
    if (options.unordered) {
      emit(std::move(job));
      continue;
    }
    std::uint64_t i = job->batch.index;
    held.emplace(i, std::move(job));
    for (auto it = held.find(next); it != held.end(); it = held.find(next)) {
      emit(std::move(it->second));
      held.erase(it);
      ++next;
    }
  }
  flush();
}

// With a ledger, between the appliers and the writer: takes finished jobs back
// into input order, gathers them into groups and commits each group in one
// transaction (CommitGroupBuilder, LedgerDb::commit), then hands its jobs to
// the writer, so that a result reaches -o only after its group committed.
// While it commits, the appliers go on filling `done` (sized for a group):
// the next group is what arrived meanwhile. It commits when `done` runs dry or
// a group reaches group_records_max. A failed commit fails the run; the jobs
// of that group never reach the writer.
void Pipeline::State::commit_stage() {
  const PipelineLedger& ledger = *options.ledger;
  CommitGroupBuilder& builder = *ledger.builder;
  std::map<std::uint64_t, JobPtr> held;  // finished out of order, waiting for their turn
  std::uint64_t next = 0;
  std::vector<JobPtr> group;
  bool failed = false;
  auto commit = [&] {
    if (group.empty()) return;
    if (!failed && !builder.empty()) {
      builder.results_written = ledger.results_base + results_written.load(std::memory_order_acquire);
      if (Status st = ledger.db->commit(builder.group()); !st.ok()) {
        failed = true;
        fail(std::move(st));
      }
      builder.clear();
    }
    for (JobPtr& j : group) {
      if (failed || committed.send(std::move(j)) != ChannelStatus::kOk) failed = true;
    }
    group.clear();
  };
  JobPtr job;
  for (;;) {
    ChannelStatus st = done.try_recv(job);
    if (st == ChannelStatus::kEmpty) {
      commit();  // idle: commit what there is, so that its results can go out
      st = done.recv(job);
    }
    if (st != ChannelStatus::kOk) break;
    std::uint64_t i = job->batch.index;
    held.emplace(i, std::move(job));
    for (auto it = held.find(next); it != held.end(); it = held.find(next)) {
      JobPtr j = std::move(it->second);
      held.erase(it);
      ++next;
      (void)builder.add(j->batch);  // after a Cancelled record nothing more is taken
      group.push_back(std::move(j));
      if (builder.records() >= ledger.group_records_max) commit();
    }
  }
  commit();
  committed.close();
}

Pipeline::Pipeline(const Catalog& catalog, const std::vector<InputSource>& inputs, int out_fd,
                   const PipelineOptions& options)
    : state_(std::make_unique<State>(catalog, inputs, out_fd, options)) {}

Pipeline::~Pipeline() = default;

std::uint64_t Pipeline::bytes_read() const { return state_->bytes_read.load(std::memory_order_relaxed); }

std::uint64_t Pipeline::records_done() const {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k < state_->workers; ++k) {
    std::lock_guard<std::mutex> lock(state_->partials[k].mu);
    n += state_->partials[k].stats.records;
  }
  return n;
}

Stats Pipeline::snapshot() const {
  Stats total(state_->catalog.size());
  for (std::size_t k = 0; k < state_->workers; ++k) {
    std::lock_guard<std::mutex> lock(state_->partials[k].mu);
    total.merge(state_->partials[k].stats);
  }
  return total;
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

  auto [hard, cancel_hard] = with_cancel(run_ctx);
  auto [intake, cancel_intake] = with_cancel(intake_ctx);
  s.hard = hard;
  s.cancel_hard = cancel_hard;
  s.intake = intake;
  s.cancel_intake = cancel_intake;
  // A failure here (hard) must also close intake, which is not its child.
  DoneRegistration hard_closes_intake = hard.on_done([cancel_intake = cancel_intake] { cancel_intake(); });

  {
    std::atomic<std::size_t> decoders_left{s.workers};
    std::atomic<std::size_t> appliers_left{s.workers};
    // Started downstream first, so that every channel has its consumer.
    WorkerPool writer(1, {}, [&](std::size_t) {
      CpuMeter m(s.cpu_write);
      s.guarded([&] { s.write_stage(); });
    });
    WorkerPool committer(s.options.ledger ? 1 : 0, {}, [&](std::size_t) {
      s.guarded([&] { s.commit_stage(); });
    });
    WorkerPool appliers(s.workers, {}, [&](std::size_t k) {
      CpuMeter m(s.cpu_apply);
      s.guarded([&] { s.apply_stage(k, appliers_left); });
    });
    WorkerPool router(1, {}, [&](std::size_t) {
      CpuMeter m(s.cpu_route);
      s.guarded([&] { s.route_stage(); });
      for (auto& ch : s.slices) ch->close();
    });
    WorkerPool decoders(s.workers, {}, [&](std::size_t) {
      CpuMeter m(s.cpu_decode);
      s.guarded([&] { s.decode_stage(decoders_left); });
    });
    WorkerPool reader(1, {}, [&](std::size_t) {
      CpuMeter m(s.cpu_read);
      s.guarded([&] { s.read_stage(); });
    });
    (void)reader.join();
    (void)decoders.join();
    (void)router.join();
    (void)appliers.join();
    (void)committer.join();
    (void)writer.join();
  }
  hard_closes_intake.reset();

  rep.stats = snapshot();
  rep.final_stock = s.store->snapshot();
  rep.output_closed = s.output_closed;
  rep.output_abandoned = s.output_abandoned;
  rep.strict_failed = s.strict_failed;
  rep.cancelled = rep.stats.cancelled > 0;
  // The first failure wins; an input problem is reported before a --strict stop.
  if (!s.reader.status.ok()) rep.status = s.reader.status;
  else if (!s.failure.ok()) rep.status = s.failure;
  else if (s.strict_failed) rep.status = s.strict_status;
  // The first record not applied: the cut's, else the first one not accepted.
  if (s.cut && s.failure.ok()) rep.facts.resume = s.cut;
  else if (s.reader.stopped_early && !s.strict_failed) rep.facts.resume = s.reader.resume;
  rep.facts.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto sec = [](const std::atomic<std::uint64_t>& ns) { return static_cast<double>(ns.load()) / 1e9; };
  rep.facts.cpu = StageTimes{sec(s.cpu_read), sec(s.cpu_decode), sec(s.cpu_route), sec(s.cpu_apply), sec(s.cpu_write)};
  cancel_intake();
  cancel_hard();
  return rep;
}

PipelineReport run_pipeline(const Catalog& catalog, const std::vector<InputSource>& inputs, int out_fd,
                            const PipelineOptions& options) {
  Pipeline p(catalog, inputs, out_fd, options);
  Context background = Context::background();
  return p.run(background, background);
}

}  // namespace orderflow
