// NatsClient against a real 3-node JetStream cluster (tests/nats_cluster.h,
// free 127.0.0.1 ports, stopped on every path): publishing without waiting
// for each ack, and a reader that hands out the first message to come
// rather than sitting out its timeout for a full batch.
#include "net/nats_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "net/net_common.h"
#include "net/submitter.h"
#include "tests/nats_cluster.h"
#include "tests/watchdog.h"

namespace orderflow::testing {
namespace {

using namespace std::chrono_literals;

// prefix + number, by appending (GCC 12's -Wrestrict misfires on literal + std::string&&).
std::string numbered(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

std::unique_ptr<NatsClient> connect(const NatsCluster& cluster) {
  NetHooks hooks;
  Status error;
  std::unique_ptr<NatsClient> c = connect_with_retry(cluster.urls(), "nats_client_test", hooks, error, 30000);
  EXPECT_TRUE(c) << error.message();
  return c;
}

// A stream of its own, replicated like submit makes them.
void make_stream(NatsClient& c, const std::string& name) {
  StreamSpec spec{name, {name + ".in"}, 3};
  const NetHooks hooks;  // Backoff keeps a reference: it must outlive it
  Backoff backoff(hooks);
  for (int i = 0; i < 100; ++i) {  // the cluster may still be electing its meta leader
    if (c.ensure_stream(spec).ok()) return;
    backoff.wait();
  }
  FAIL() << "cannot create stream " << name;
}

TEST(NatsClientTest, AsyncPublishesAreAckedInOrderDeduplicatedAndChecked) {
  Watchdog dog(120s);
  NatsCluster cluster;
  ASSERT_TRUE(cluster.ok());
  std::unique_ptr<NatsClient> c = connect(cluster);
  ASSERT_TRUE(c);
  make_stream(*c, "ASYNC");
  const int n = 3 * NatsClient::kAsyncWindow + 5;  // more than the window: publish_async waits for room
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(c->publish_async("ASYNC.in", numbered("payload ", i), numbered("m", i)).ok()) << i;
  std::vector<NatsResult<PublishAck>> acks = c->wait_published();
  ASSERT_EQ(acks.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(acks[i].ok()) << i << ": " << acks[i].error.message;
    EXPECT_EQ(acks[i].value->seq, static_cast<std::uint64_t>(i + 1));
    EXPECT_FALSE(acks[i].value->duplicate);
  }
  // The same ids again: JetStream keeps one of each.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c->publish_async("ASYNC.in", "again", numbered("m", i)).ok());
  acks = c->wait_published();
  ASSERT_EQ(acks.size(), 3u);
  for (const auto& a : acks) {
    ASSERT_TRUE(a.ok()) << a.error.message;
    EXPECT_TRUE(a.value->duplicate);
  }
  // An expected last sequence that is not the stream's: refused as such, and nothing is added.
  ASSERT_TRUE(c->publish_async("ASYNC.in", "late", "late", std::uint64_t{1}).ok());
  acks = c->wait_published();
  ASSERT_EQ(acks.size(), 1u);
  ASSERT_FALSE(acks[0].ok());
  EXPECT_EQ(acks[0].error.kind, NatsError::Kind::kWrongLastSequence) << acks[0].error.message;
  auto last = c->last_seq("ASYNC");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last.value, static_cast<std::uint64_t>(n));
  EXPECT_TRUE(c->wait_published().empty());  // nothing left over
}

TEST(NatsClientTest, AFetchHandsOutTheFirstMessageToComeAndWhatFollowsIt) {
  Watchdog dog(120s);
  NatsCluster cluster;
  ASSERT_TRUE(cluster.ok());
  std::unique_ptr<NatsClient> c = connect(cluster);
  ASSERT_TRUE(c);
  make_stream(*c, "PULL");
  auto reader = c->reader("PULL", "PULL.in", "pull_test", 1);
  ASSERT_TRUE(reader.ok()) << reader.error.message;
  StreamReader& r = **reader.value;

  // One message published while the reader waits with a long timeout: it
  // comes back with that message, long before the timeout (libnats' own
  // Fetch waited for all 64 or the whole timeout).
  constexpr int kTimeoutMs = 20000;
  std::thread later([&] {
    std::this_thread::sleep_for(300ms);
    std::unique_ptr<NatsClient> p = connect(cluster);
    if (p) {
      EXPECT_TRUE(p->publish("PULL.in", "one", "one").ok());
    }
  });
  const auto started = std::chrono::steady_clock::now();
  auto got = r.fetch(64, kTimeoutMs);
  const auto waited = std::chrono::steady_clock::now() - started;
  later.join();
  ASSERT_TRUE(got.ok()) << got.error.message;
  ASSERT_EQ(got.value->size(), 1u) << "after " << std::chrono::duration<double>(waited).count() << " s";
  EXPECT_EQ((*got.value)[0].data, "one");
  EXPECT_EQ((*got.value)[0].seq, 1u);
  EXPECT_LT(waited, std::chrono::milliseconds(kTimeoutMs / 2));

  // What is there is handed out at once, in order, up to the batch.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c->publish("PULL.in", numbered("m", i), numbered("id", i)).ok());
  std::vector<std::string> seen;
  while (seen.size() < 10) {
    auto more = r.fetch(4, kTimeoutMs);
    ASSERT_TRUE(more.ok()) << more.error.message;
    ASSERT_FALSE(more.value->empty());
    EXPECT_LE(more.value->size(), 4u);
    for (const StreamMessage& m : *more.value) seen.push_back(m.data);
  }
  for (int i = 0; i < 10; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], numbered("m", i));
  EXPECT_EQ(r.next_seq(), 12u);
  // Nothing more: a fetch without a timeout comes back empty, at once.
  auto none = r.fetch(64, 0);
  ASSERT_TRUE(none.ok()) << none.error.message;
  EXPECT_TRUE(none.value->empty());
}

// Payloads are compressed on the wire and read back as they were sent.
TEST(NatsClientTest, LargePayloadsReadBackAsSent) {
  Watchdog dog(120s);
  NatsCluster cluster;
  ASSERT_TRUE(cluster.ok());
  std::unique_ptr<NatsClient> c = connect(cluster);
  ASSERT_TRUE(c);
  make_stream(*c, "BIG");
  std::string big;
  for (int i = 0; i < 20000; ++i) {
    big += "{\"seq\":";
    big += std::to_string(i);
    big += ",\"status\":\"Completed\"}\n";
  }
  ASSERT_TRUE(c->publish("BIG.in", big, "big").ok());
  auto last = c->last_message("BIG", "BIG.in");
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(last.value->has_value());
  EXPECT_TRUE((*last.value)->data == big);
}

}  // namespace
}  // namespace orderflow::testing
