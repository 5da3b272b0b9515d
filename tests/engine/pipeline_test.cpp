// The concurrent pipeline against the sequential reference, in process (so the
// ThreadSanitizer build watches every stage): with the sharded store the
// results are byte-identical for every workers x batch x buffer, and with the
// shared stores every record still gets exactly one result and stock adds up.
#include "engine/pipeline.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <random>
#include <thread>
#include <string>
#include <vector>

#include "data/codec/batch_builder.h"
#include "data/codec/decoder.h"
#include "data/ledger/ledger.h"
#include "data/codec/result_format.h"
#include "tests/sanitizers.h"
#include "tests/test_util.h"
#include "tests/watchdog.h"

namespace orderflow {
namespace {

const char kCatalog[] =
    "ID,ProductName,Stock,Variety,Price\n"
    "A,Apple,300,Red,1.25\nB,Banana,500,Yellow,0.40\nC,Cherry,40,Dark,9.99\nD,Date,0,Brown,3.00\n";

constexpr int kRecords = testing::kUnderTsan ? 1500 : 6000;

// A mixed stream: orders with and without ids, ids reused (duplicates),
// reversals of earlier, unknown, rejected and already reversed orders, unknown
// products, bad amounts and malformed lines.
std::string mixed_stream(unsigned seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  const char* products[] = {"A", "B", "C", "D", "NOPE"};
  std::string out;
  for (int i = 0; i < kRecords; ++i) {
    int kind = pick(100);
    std::string id = std::to_string(pick(kRecords / 2));
    id.insert(id.begin(), 'o');  // (GCC 12 warns, wrongly, about "o" + std::string)
    if (kind < 15) {
      out += R"({"id":")" + id + R"(","op":"reverse"})";
    } else if (kind < 20) {
      out += R"({"id":")" + id + R"(","productId":"A","amount":2,})";  // malformed
    } else if (kind < 23) {
      out += R"({"productId":"B","amount":)" + std::to_string(pick(3) - 1) + "}";  // -1, 0, 1
    } else if (kind < 40) {
      out += R"({"productId":")" + std::string(products[pick(5)]) + R"(","amount":)" + std::to_string(1 + pick(9)) + "}";
    } else {
      out += R"({"id":")" + id + R"(","productId":")" + products[pick(5)] + R"(","amount":)" +
             std::to_string(1 + pick(12)) + "}";
    }
    out += '\n';
  }
  return out;
}

int memfd_with(const std::string& bytes) {
  int fd = ::memfd_create("pipeline-test", 0);
  if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) std::abort();
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

std::string contents(int fd) {
  std::string out;
  ::lseek(fd, 0, SEEK_SET);
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

// The sequential reference: the data layer's steps, one record after another, on one thread.
std::string sequential(const Catalog& catalog, const std::string& input, std::vector<std::int64_t>* final_stock) {
  std::vector<std::int64_t> initial;
  for (const Product& p : catalog.products()) initial.push_back(p.stock);
  auto store = make_store(StoreKind::kSharded, initial, 1);
  OrderIndex index;
  Decoder decoder(catalog);
  std::vector<std::string> names{"in"};
  ResultFormatter formatter(catalog, names);
  std::string out;
  BatchBuilder builder(100, 1 << 20, 1, [&](Batch& b) {
    decoder.decode(b);
    for (Record& r : b.records)
      if (resolve(r, index)) apply(r, *store, index, catalog);
    formatter.format(b, out);
    return true;
  });
  Framer framer(InputFormat::kAuto, kRecordBytesMaxDefault, "in");
  EXPECT_TRUE(framer.feed(input.data(), input.size(), builder).ok());
  EXPECT_TRUE(framer.finish(builder).ok());
  builder.flush();
  *final_stock = store->snapshot();
  return out;
}

struct Outcome {
  PipelineReport report;
  std::string out;
};

Outcome run(const Catalog& catalog, const std::string& input, const PipelineOptions& o) {
  int in = memfd_with(input);
  int out = ::memfd_create("pipeline-out", 0);
  std::vector<InputSource> inputs{{"in", in}};
  Outcome r{run_pipeline(catalog, inputs, out, o), contents(out)};
  ::close(in);
  ::close(out);
  return r;
}

class PipelineTest : public ::testing::Test {
 protected:
  Catalog catalog = testing::value_of(Catalog::parse(kCatalog, "cat.csv"));
};

TEST_F(PipelineTest, ShardedResultsAreByteIdenticalToTheSequentialReferenceForEverySetting) {
  const std::string input = mixed_stream(42);
  std::vector<std::int64_t> reference_stock;
  const std::string reference = sequential(catalog, input, &reference_stock);
  ASSERT_EQ(std::count(reference.begin(), reference.end(), '\n'), kRecords);
  for (std::size_t workers : {1, 2, 3, 8}) {
    for (std::size_t batch : {1, 7, 1024}) {
      for (std::size_t buffer : {1, 64}) {
        PipelineOptions o;
        o.workers = workers;
        o.batch_records = batch;
        o.buffer_batches = buffer;
        Outcome r = run(catalog, input, o);
        std::string label = std::to_string(workers) + " workers, batch " + std::to_string(batch) + ", buffer " +
                            std::to_string(buffer);
        ASSERT_TRUE(r.report.status.ok()) << label << ": " << r.report.status.message();
        EXPECT_TRUE(testing::same_text(r.out, reference)) << label << ": results differ from the sequential reference";
        EXPECT_EQ(r.report.final_stock, reference_stock) << label;
        EXPECT_EQ(r.report.stats.records, static_cast<std::uint64_t>(kRecords)) << label;
      }
    }
  }
}

TEST_F(PipelineTest, RendezvousChannelsWorkToo) {
  const std::string input = mixed_stream(7);
  std::vector<std::int64_t> stock;
  const std::string reference = sequential(catalog, input, &stock);
  PipelineOptions o;
  o.workers = 2;
  o.batch_records = 16;
  o.buffer_batches = 0;
  Outcome r = run(catalog, input, o);
  EXPECT_TRUE(testing::same_text(r.out, reference));
}

// Shared stores apply concurrently: which racing order gets the last unit may
// differ, but every record has one result, nothing is lost, stock never goes
// below zero, and units sold + stock left = initial stock.
TEST_F(PipelineTest, SharedStoresGiveEveryRecordOneResultAndConserveStock) {
  const std::string input = mixed_stream(9);
  for (StoreKind kind : {StoreKind::kMutex, StoreKind::kStriped, StoreKind::kAtomic}) {
    PipelineOptions o;
    o.workers = 8;
    o.batch_records = 50;
    o.store = kind;
    Outcome r = run(catalog, input, o);
    std::string label(to_string(kind));
    ASSERT_TRUE(r.report.status.ok()) << label;
    // Exactly one line per seq, in order.
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < r.out.size()) {
      std::size_t nl = r.out.find('\n', pos);
      lines.push_back(r.out.substr(pos, nl - pos));
      pos = nl + 1;
    }
    ASSERT_EQ(lines.size(), static_cast<std::size_t>(kRecords)) << label;
    for (std::size_t i = 0; i < lines.size(); ++i)
      ASSERT_EQ(lines[i].rfind("{\"seq\":" + std::to_string(i + 1) + ",", 0), 0u) << label << ": " << lines[i];
    const Stats& s = r.report.stats;
    EXPECT_EQ(s.records, static_cast<std::uint64_t>(kRecords)) << label;
    EXPECT_EQ(s.records, s.completed + s.rejected + s.reversed + s.cancelled) << label;
    for (std::uint32_t p = 0; p < catalog.size(); ++p) {
      EXPECT_GE(r.report.final_stock[p], 0) << label;
      EXPECT_EQ(r.report.final_stock[p] + s.products[p].sold, catalog.product(p).stock) << label << " product " << p;
    }
  }
}

TEST_F(PipelineTest, UnorderedResultsAreTheSameLinesInSomeOrder) {
  const std::string input = mixed_stream(5);
  std::vector<std::int64_t> stock;
  std::string reference = sequential(catalog, input, &stock);
  PipelineOptions o;
  o.workers = 3;
  o.batch_records = 13;
  o.unordered = true;
  Outcome r = run(catalog, input, o);
  auto sorted_lines = [](const std::string& text) {
    std::vector<std::string> v = testing::lines(text);
    std::sort(v.begin(), v.end());
    std::string sorted;
    for (const std::string& line : v) sorted += line + "\n";
    return sorted;
  };
  EXPECT_TRUE(testing::same_text(sorted_lines(r.out), sorted_lines(reference)));
}

TEST_F(PipelineTest, StrictStopsAtTheFirstInvalidRecordAfterApplyingTheOnesBefore) {
  std::string input;
  for (int i = 0; i < 500; ++i) input += R"({"productId":"B","amount":1})" "\n";
  input += "{broken\n";
  for (int i = 0; i < 500; ++i) input += R"({"productId":"B","amount":1})" "\n";
  PipelineOptions o;
  o.workers = 2;
  o.batch_records = 64;
  o.strict = true;
  Outcome r = run(catalog, input, o);
  EXPECT_TRUE(r.report.strict_failed);
  EXPECT_NE(r.report.status.message().find("in:501:"), std::string::npos) << r.report.status.message();
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 500);
  EXPECT_EQ(r.report.stats.records, 500u);
  EXPECT_EQ(r.report.final_stock[1], 0);  // all 500 units of B went to the records before it
}

}  // namespace
}  // namespace orderflow

namespace orderflow {
namespace {

// Input read into blocks: records wholly inside a block are parsed where they
// were read, the ones cut by a block's end are copied. Feed a stream several
// blocks long through a pipe in odd-sized writes, so cuts fall everywhere.
TEST_F(PipelineTest, RecordsCutByBlockBoundariesAndOddReadsAreDecodedAlike) {
  std::string input;
  while (input.size() < (5u << 20)) input += mixed_stream(static_cast<unsigned>(input.size()));
  std::vector<std::int64_t> reference_stock;
  const std::string reference = sequential(catalog, input, &reference_stock);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread feeder([&] {
    std::size_t at = 0, step = 1;
    while (at < input.size()) {
      step = step * 7 % 65521 + 1;  // 1 .. 65521 bytes, in no particular order
      std::size_t n = std::min(step, input.size() - at);
      ssize_t w = ::write(fds[1], input.data() + at, n);
      if (w <= 0) break;
      at += static_cast<std::size_t>(w);
    }
    ::close(fds[1]);
  });
  int out = ::memfd_create("pipeline-out", 0);
  PipelineOptions o;
  o.workers = 2;
  o.batch_records = 333;
  std::vector<InputSource> inputs{{"in", fds[0]}};
  PipelineReport r = run_pipeline(catalog, inputs, out, o);
  feeder.join();
  ::close(fds[0]);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(testing::same_text(contents(out), reference)) << "results differ from the sequential reference";
  EXPECT_EQ(r.final_stock, reference_stock);
  ::close(out);
}

// Shared stores hand whole batches to appliers, so a reverse in one batch may
// wait for its order, placed in the batch another applier holds. That applier
// decides its places when its queue fills (every 1024) or at the slice's end,
// and must tell the waiter either way: here the place is decided by the
// queue's own flush at the 1024th record, and nothing is left to flush at the
// slice's end (a lost wake-up hung this run before). Repeated: the reverse
// must reach its applier before the place is decided, which is a race.
TEST_F(PipelineTest, ReversalsWaitingForAPlaceOnAnotherApplierAreWokenWhenItIsDecided) {
  testing::Watchdog dog(std::chrono::seconds(120));
  std::string input;  // 1024 places (B has 500 units: the rest are rejected, decided by the store too)
  for (int i = 0; i < 1024; ++i) input += R"({"id":"p)" + std::to_string(i) + R"(","productId":"B","amount":1})" "\n";
  input += R"({"id":"p0","op":"reverse"})" "\n";
  std::vector<std::int64_t> reference_stock;
  const std::string reference = sequential(catalog, input, &reference_stock);
  ASSERT_NE(reference.find(R"("status":"Reversed")"), std::string::npos);
  for (StoreKind kind : {StoreKind::kMutex, StoreKind::kStriped, StoreKind::kAtomic}) {
    for (int round = 0; round < (testing::kUnderTsan ? 10 : 40); ++round) {
      PipelineOptions o;
      o.workers = 2;
      o.batch_records = 1024;
      o.store = kind;
      Outcome r = run(catalog, input, o);
      ASSERT_TRUE(r.report.status.ok()) << to_string(kind) << ": " << r.report.status.message();
      ASSERT_TRUE(testing::same_text(r.out, reference)) << to_string(kind) << ", round " << round;
      ASSERT_EQ(r.report.final_stock, reference_stock) << to_string(kind) << ", round " << round;
    }
  }
}

}  // namespace
}  // namespace orderflow
