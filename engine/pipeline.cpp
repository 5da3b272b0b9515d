#include "engine/pipeline.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>

#include "data/batch_builder.h"
#include "data/decoder.h"
#include "data/file_io.h"
#include "data/ledger.h"
#include "data/order_index.h"
#include "data/result_format.h"
#include "engine/output_writer.h"

namespace orderflow {

namespace {

constexpr std::size_t kReadBytes = 1 << 20;      // one read() from an input
constexpr std::size_t kBatchBytes = 1 << 20;     // a batch holds about this much record text
constexpr std::size_t kWriteBytes = 1 << 20;     // results are written in chunks this large

}  // namespace

PipelineReport run_pipeline(const Catalog& catalog, const std::vector<InputSource>& inputs, int out_fd,
                            const PipelineOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  PipelineReport rep;
  rep.stats = Stats(catalog.size());
  rep.facts.store = options.store;
  rep.facts.workers = options.workers;

  std::vector<std::int64_t> initial;
  initial.reserve(catalog.size());
  for (const Product& p : catalog.products()) initial.push_back(p.stock);
  std::unique_ptr<ProductStore> store = make_store(options.store, initial, 1);
  if (!store) {
    rep.status = Status::InvalidArgument("store " + std::string(to_string(options.store)) + " is not available");
    return rep;
  }
  OrderIndex index;
  Decoder decoder(catalog);
  std::vector<std::string> names;
  for (const InputSource& in : inputs) names.push_back(in.name);
  ResultFormatter formatter(catalog, names);
  OutputWriter out(out_fd, options.output_name);
  std::string pending;

  auto process = [&](Batch&& batch) -> bool {
    decoder.decode(batch);
    bool go_on = true;
    for (std::size_t i = 0; i < batch.records.size(); ++i) {
      Record& r = batch.records[i];
      if (options.strict && r.reason == Reason::kInvalidRecord) {
        rep.strict_failed = true;
        rep.status = Status::InvalidArgument(formatter.error_text(batch, r) + " (--strict)");
        batch.records.resize(i);
        go_on = false;
        break;
      }
      if (resolve(r, index)) apply(r, *store, catalog);
      rep.stats.count(r);
    }
    if (out_fd >= 0) {
      formatter.format(batch, pending);
      if (pending.size() >= kWriteBytes) {
        out.write(pending);
        pending.clear();
      }
    }
    return go_on && !out.closed() && out.status().ok();
  };

  BatchBuilder builder(options.batch_records, kBatchBytes, options.first_seq, process);
  std::unique_ptr<char[]> buf(new char[kReadBytes]);
  for (std::uint32_t f = 0; f < inputs.size() && !builder.stopped() && rep.status.ok(); ++f) {
    builder.start_file(f);
    Framer framer(options.format, options.record_bytes_max, inputs[f].name);
    for (;;) {
      ssize_t n = ::read(inputs[f].fd, buf.get(), kReadBytes);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        rep.status = Status::IOError("cannot read " + inputs[f].name + ": " + errno_text(errno));
        break;
      }
      Status s = n == 0 ? framer.finish(builder) : framer.feed(buf.get(), static_cast<std::size_t>(n), builder);
      if (!s.ok()) {
        rep.status = s;
        break;
      }
      if (n == 0 || builder.stopped()) break;
    }
    builder.flush();
  }
  if (!builder.stopped()) builder.flush();
  if (!pending.empty()) out.write(pending);
  if (out.closed()) rep.output_closed = true;
  if (!out.status().ok() && rep.status.ok()) rep.status = out.status();

  rep.final_stock = store->snapshot();
  rep.facts.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace orderflow
