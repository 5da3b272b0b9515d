// End-to-end drills for `submit`, `serve --partition K/N` and `results` on a
// 3-node NATS JetStream cluster that each test starts on free 127.0.0.1 ports
// (tests/nats_cluster.h) and stops on every path. Every drill ends the same
// way: the results equal, byte for byte, one `process` over the same input.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/nats_cluster.h"
#include "tests/sanitizers.h"
#include "tests/test_util.h"
#include "tests/watchdog.h"

namespace orderflow::testing {
namespace {

using namespace std::chrono_literals;

// Records the adversarial stream is made of, against a generated catalog of
// products P000001..P000012 (stock 40): every rule, across partitions.
const char* kAdversarial =
    "{\"id\":\"a1\",\"productId\":\"P000001\",\"amount\":3}\n"
    "{\"id\":\"a1\",\"productId\":\"P000002\",\"amount\":1}\n"       // duplicate_id, other product
    "{\"id\":\"a2\",\"productId\":\"P000002\",\"amount\":41}\n"      // insufficient_stock
    "{\"id\":\"a2\",\"op\":\"reverse\"}\n"                          // not_reversible (rejected)
    "{\"id\":\"a1\",\"op\":\"reverse\"}\n"                          // Reversed
    "{\"id\":\"a1\",\"op\":\"reverse\"}\n"                          // not_reversible (already)
    "{\"id\":\"zz\",\"op\":\"reverse\"}\n"                          // unknown_order
    "{\"op\":\"reverse\"}\n"                                        // invalid_record (no id)
    "{\"id\":\"a3\",\"productId\":\"NOPE\",\"amount\":1}\n"          // unknown_product, takes the id
    "{\"id\":\"a3\",\"op\":\"reverse\"}\n"                          // not_reversible (rejected at decode)
    "{\"id\":\"a3\",\"productId\":\"P000001\",\"amount\":1}\n"       // duplicate_id
    "{\"id\":\"a4\",\"productId\":\"P000003\",\"amount\":0}\n"       // invalid_amount, takes the id
    "{\"id\":\"a4\",\"productId\":\"P000003\",\"amount\":2}\n"       // duplicate_id outranks
    "{\"productId\":\"P000003\",\"amount\":41}\n"
    "{\"productId\":\"P000003\",\"amount\":40}\n"                   // the last units
    "not json at all\n"
    "{\"id\":\"a5\",\"productId\":\"P000003\",\"amount\":1}\n"       // insufficient_stock
    "{\"id\":\"a5\",\"op\":\"reverse\"}\n"
    "{\"id\":\"\xc3\xa9\",\"productId\":\"P000004\",\"amount\":2}\n"  // a UTF-8 id
    "{\"id\":\"\xc3\xa9\",\"op\":\"reverse\"}\n"
    "{\"id\":\"a6\",\"productId\":\"P000005\",\"amount\":40}\n"
    "{\"id\":\"a7\",\"productId\":\"P000005\",\"amount\":1}\n"       // nothing left
    "{\"id\":\"a6\",\"op\":\"reverse\"}\n"                          // gives the 40 back
    "{\"id\":\"a8\",\"productId\":\"P000005\",\"amount\":40}\n"      // and they sell again
    "[1,2]\n"
    "{\"productId\":\"P000001\",\"amount\":1.5}\n"
    "{\"id\":\"\",\"productId\":\"P000001\",\"amount\":1}\n"
    "{\"id\":\"a9\",\"productId\":\"P000006\",\"amount\":1,\"amount\":2}\n"
    "{\"id\":\"a9\",\"op\":\"reverse\"}\n"
    // Baskets: P000007..P000009 belong to partitions 1, 2 and 3 of 3.
    "{\"id\":\"k1\",\"items\":[{\"productId\":\"P000007\",\"amount\":2},{\"productId\":\"P000008\",\"amount\":1},"
    "{\"productId\":\"P000009\",\"amount\":3}]}\n"                                           // Completed over 3
    "{\"id\":\"k1\",\"items\":[{\"productId\":\"P000010\",\"amount\":1}]}\n"                 // duplicate_id
    "{\"id\":\"k2\",\"items\":[{\"productId\":\"P000010\",\"amount\":30},{\"productId\":\"P000011\",\"amount\":1},"
    "{\"productId\":\"P000010\",\"amount\":20}]}\n"                                          // item 3: a repeated product
    "{\"id\":\"k3\",\"items\":[{\"productId\":\"P000010\",\"amount\":1},{\"productId\":\"NOPE\",\"amount\":1}]}\n"  // unknown_product, item 2
    "{\"id\":\"k4\",\"items\":[{\"productId\":\"P000010\",\"amount\":1},{\"productId\":\"P000011\",\"amount\":0}]}\n"  // invalid_amount, item 2
    "{\"items\":[{\"productId\":\"P000011\",\"amount\":41},{\"productId\":\"P000012\",\"amount\":1}]}\n"  // item 1 lacks
    "{\"id\":\"k1\",\"op\":\"reverse\"}\n"                                                 // Reversed: every part back
    "{\"id\":\"k1\",\"op\":\"reverse\"}\n"                                                 // not_reversible
    "{\"id\":\"k2\",\"op\":\"reverse\"}\n"                                                 // not_reversible (rejected)
    "{\"id\":\"k3\",\"op\":\"reverse\"}\n"                                                 // not_reversible (at decode)
    "{\"id\":\"k5\",\"items\":[{\"productId\":\"P000009\",\"amount\":37},{\"productId\":\"P000007\",\"amount\":38}]}\n"
    "{\"id\":\"k5\",\"op\":\"reverse\"}\n"
    "{\"id\":\"k6\",\"items\":[{\"productId\":\"P000009\",\"amount\":40},{\"productId\":\"P000008\",\"amount\":1}]}\n";

// A basket of `count` items over every product (1 unit each): 64 is the
// most a basket may have, 65 is invalid_record.
std::string wide_basket(const std::string& id, int count) {
  std::string s = "{\"id\":\"" + id + "\",\"items\":[";
  for (int i = 0; i < count; ++i) {
    char product[16];
    std::snprintf(product, sizeof product, "P%06d", i % 12 + 1);
    if (i) s += ',';
    s += "{\"productId\":\"";
    s += product;
    s += "\",\"amount\":1}";
  }
  return s + "]}\n";
}

const char* kCsv =
    "id,op,productId,amount\n"
    "c1,place,P000007,2\n"
    "c1,reverse,,\n"
    "a8,place,P000008,1\n"  // an id taken in the other file
    "a8,reverse,,\n"        // reverses the first a8 (P000005)
    "c2,place,P000009,x\n";

// The part of a summary JSON that must agree (not its timings or store).
std::string summary_core(const std::string& json) {
  std::size_t stopped = json.find("\"stopped\"");
  std::size_t products = json.find("\"products\"");
  if (stopped == std::string::npos || products == std::string::npos) return "no summary: " + json;
  return json.substr(0, stopped) + json.substr(products);
}

class NatsDrill : public ::testing::Test {
 protected:
  // A generated stream and its catalog, and the reference results of one `process`.
  // The generated stream has baskets (10% of the place records, up to 5
  // items, over the partitions) among its orders and reversals.
  void make_input(int records, double reversals = 0.2) {
    RunResult g = run({"generate", "-n", std::to_string(records), "--products", "12", "--stock", "40",
                       "--catalog-out", dir_.file("catalog.csv"), "--reversals", std::to_string(reversals),
                       "--invalid", "0.02", "--max-amount", "3", "--baskets", "0.1", "--max-items", "5",
                       "--seed", "11"});
    ASSERT_EQ(g.exit_code, 0) << g.err;
    write_file(dir_.file("generated.ndjson"), g.out);
    write_file(dir_.file("adversarial.ndjson"), std::string(kAdversarial) + wide_basket("w64", 64) +
                                                    wide_basket("w65", 65) + "{\"id\":\"w64\",\"op\":\"reverse\"}\n");
    write_file(dir_.file("small.csv"), kCsv);
    files_ = {dir_.file("adversarial.ndjson"), dir_.file("small.csv"), dir_.file("generated.ndjson")};
    std::vector<std::string> args{"process", "-c", dir_.file("catalog.csv"), "-o", dir_.file("reference.ndjson"),
                                  "--summary", dir_.file("reference.json"), "-q"};
    args.insert(args.end(), files_.begin(), files_.end());
    RunResult p = run(args);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    expected_records_ = lines(read_file(dir_.file("reference.ndjson"))).size();
  }

  RunResult submit(const std::string& stream, const std::vector<std::string>& files, int per_message = 64) {
    std::vector<std::string> args{"submit", "--nats", cluster_.urls(), "--stream", stream, "-c",
                                  dir_.file("catalog.csv"), "--records-per-message", std::to_string(per_message)};
    args.insert(args.end(), files.begin(), files.end());
    RunOptions o;
    o.timeout_seconds = 90;
    return run(args, o);
  }

  Background serve(const std::string& stream, int k, int n = 3, const std::string& extra_env = "",
              const std::string& urls = "", const std::vector<std::string>& extra_args = {}) {
    std::vector<std::string> args{"serve", "--nats", urls.empty() ? cluster_.urls() : urls, "--stream", stream,
                                  "--partition", std::to_string(k) + "/" + std::to_string(n), "--ledger",
                                  dir_.file(stream + "_p" + std::to_string(k) + ".state")};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    if (!extra_env.empty()) {
      args.insert(args.begin(), binary());
      args.insert(args.begin(), extra_env);
      return Background("env", args, "", err_file(stream, k));
    }
    return Background(binary(), args, "", err_file(stream, k));
  }
  std::string err_file(const std::string& stream, int k) const {
    return dir_.file(stream + "_serve" + std::to_string(k) + ".err");
  }

  RunResult results(const std::string& stream) {
    RunOptions o;
    o.timeout_seconds = 120;
    return run({"results", "--nats", cluster_.urls(), "--stream", stream, "-o", dir_.file(stream + ".ndjson"),
                "--summary", dir_.file(stream + ".json"), "-q"},
               o);
  }

  void expect_equal_to_process(const std::string& stream) {
    const std::string got = read_file(dir_.file(stream + ".ndjson"));
    const std::string want = read_file(dir_.file("reference.ndjson"));
    EXPECT_EQ(lines(got).size(), expected_records_);
    EXPECT_TRUE(got == want) << "results differ from process; first lines:\n" << got.substr(0, 600);
    EXPECT_EQ(summary_core(read_file(dir_.file(stream + ".json"))), summary_core(read_file(dir_.file("reference.json"))));
  }

  static int records_for(int plain) { return kSanitized ? plain / 4 : plain; }

  TempDir dir_;
  NatsCluster cluster_;
  std::vector<std::string> files_;
  std::size_t expected_records_ = 0;
};

TEST_F(NatsDrill, AdversarialAndGeneratedStreamsEqualProcess) {
  Watchdog dog(120s);
  ASSERT_TRUE(cluster_.ok());
  make_input(records_for(3000));
  RunResult s = submit("EQ", files_);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.err.find("(R3)"), std::string::npos) << s.err;  // replicated over the three nodes
  // Partition 2 commits at most 2 orders messages at once, and starts before
  // its partners: it resolves far ahead of their votes, then gets them in a
  // lump, and its groups must stay at most 2 messages all the same (once, a
  // lump of votes made one group of everything resolved).
  Background p2 = serve("EQ", 2, 3, "", "", {"--fetch", "2", "-v"});
  std::this_thread::sleep_for(1500ms);
  Background p1 = serve("EQ", 1), p3 = serve("EQ", 3);
  RunResult r = results("EQ");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_equal_to_process("EQ");
  // Every partition decided some records and stops gracefully on SIGINT.
  for (Background* p : {&p1, &p2, &p3}) p->signal(SIGINT);
  for (int k = 1; k <= 3; ++k) {
    Background& p = k == 1 ? p1 : k == 2 ? p2 : p3;
    EXPECT_EQ(p.wait(20s), 130) << read_file(err_file("EQ", k));
    const std::string err = read_file(err_file("EQ", k));
    EXPECT_NE(err.find("partition " + std::to_string(k) + "/3"), std::string::npos) << err;
    EXPECT_EQ(err.find(" 0 results published"), std::string::npos) << err;
  }
  const std::string err2 = read_file(err_file("EQ", 2));
  std::smatch m, c;
  ASSERT_TRUE(std::regex_search(err2, m, std::regex(" in ([0-9]+) messages,"))) << err2;
  ASSERT_TRUE(std::regex_search(err2, c, std::regex(": ([0-9]+) commits;"))) << err2;
  EXPECT_GE(2 * std::stoul(c[1].str()), std::stoul(m[1].str())) << err2;
}

TEST_F(NatsDrill, KilledPartitionsRestartAndContinueExactly) {
  Watchdog dog(150s);
  ASSERT_TRUE(cluster_.ok());
  make_input(records_for(12000));
  ASSERT_EQ(submit("KILL", files_, 50).exit_code, 0);
  // Partition 2 kills itself (SIGKILL) after 3 commits, between publishing
  // a group's votes and results and committing it (groups of at most 2
  // orders messages, so the stream holds many more than 3). It starts a
  // second before its partners, so it resolves far ahead of their votes and
  // then gets them in a lump: its groups must still be at most 2 messages
  // (once, a lump of votes made it commit everything in 3 groups, and it
  // never crashed).
  Background p2 = serve("KILL", 2, 3, "ORDERFLOW_TEST_CRASH_BEFORE_COMMIT=3", "", {"--fetch", "2"});
  std::this_thread::sleep_for(1s);
  Background p1 = serve("KILL", 1), p3 = serve("KILL", 3);
  EXPECT_EQ(p2.wait(60s), 128 + SIGKILL) << read_file(err_file("KILL", 2));
  // Partition 1 is killed from outside, mid-run: the others wait on its votes.
  std::this_thread::sleep_for(200ms);
  p1.kill_now();
  p2 = serve("KILL", 2);  // restarted with their state files
  std::this_thread::sleep_for(300ms);
  p1 = serve("KILL", 1);
  RunResult r = results("KILL");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_equal_to_process("KILL");
  p2.signal(SIGINT);
  EXPECT_EQ(p2.wait(20s), 130);
  EXPECT_NE(read_file(err_file("KILL", 2)).find("(resumed)"), std::string::npos) << read_file(err_file("KILL", 2));
}

TEST_F(NatsDrill, ANodeKilledMidRunLosesNothing) {
  Watchdog dog(150s);
  ASSERT_TRUE(cluster_.ok());
  make_input(records_for(6000));
  // The first two files now, the generated one after the node is gone.
  auto t0 = std::chrono::steady_clock::now();
  auto stamp = [&](const char* what) {
    if (std::getenv("NATS_DEBUG"))
      std::fprintf(stderr, "%s at %.2f s\n", what, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  };
  ASSERT_EQ(submit("NODE", {files_[0], files_[1]}).exit_code, 0);
  stamp("submitted");
  Background p1 = serve("NODE", 1), p2 = serve("NODE", 2), p3 = serve("NODE", 3);
  std::this_thread::sleep_for(300ms);
  cluster_.kill_node(0);
  stamp("killed");
  RunResult s = submit("NODE", files_);  // a re-run with one more file: only that one is added
  ASSERT_EQ(s.exit_code, 0) << s.err;
  stamp("submitted again");
  RunResult r = results("NODE");
  stamp("results");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  if (std::getenv("NATS_DEBUG")) std::fprintf(stderr, "submit: %s\nresults: %s\n1: %s\n2: %s\n3: %s\n", s.err.c_str(), r.err.c_str(), read_file(err_file("NODE", 1)).c_str(), read_file(err_file("NODE", 2)).c_str(), read_file(err_file("NODE", 3)).c_str());
  expect_equal_to_process("NODE");
}

TEST_F(NatsDrill, ASecondSubmitOfTheSameInputAddsNothing) {
  Watchdog dog(120s);
  ASSERT_TRUE(cluster_.ok());
  make_input(records_for(2000));
  RunResult first = submit("TWICE", files_, 10);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  RunResult second = submit("TWICE", files_, 10);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const std::string n = std::to_string(expected_records_);
  EXPECT_NE(first.err.find(n + " added"), std::string::npos) << first.err;
  EXPECT_NE(second.err.find(" 0 added in 0 messages, " + n + " already there; the stream ends at seq " + n),
            std::string::npos)
      << second.err;
  // A submit cut short (here: after its first two files) and run again adds only the rest.
  ASSERT_EQ(submit("CUT", {files_[0], files_[1]}, 10).exit_code, 0);
  RunResult rerun = submit("CUT", files_, 10);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("the stream ends at seq " + n), std::string::npos) << rerun.err;
  Background p1 = serve("CUT", 1), p2 = serve("CUT", 2), p3 = serve("CUT", 3);
  RunResult r = results("CUT");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_equal_to_process("CUT");
}

TEST_F(NatsDrill, ServeStopsGracefullyOnSigintAndSigterm) {
  Watchdog dog(90s);
  ASSERT_TRUE(cluster_.ok());
  make_input(200);
  ASSERT_EQ(submit("SIG", files_).exit_code, 0);
  // Alone as partition 1/1 it does the whole stream, then idles until SIGINT.
  {
    Background only = serve("SIG", 1, 1);
    RunResult r = results("SIG");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_equal_to_process("SIG");
    only.signal(SIGINT);
    EXPECT_EQ(only.wait(15s), 130);
    EXPECT_NE(read_file(err_file("SIG", 1)).find("committed through seq " + std::to_string(expected_records_)),
              std::string::npos)
        << read_file(err_file("SIG", 1));
  }
  // As partition 2/3 with no partners it waits for their votes; SIGTERM still stops it.
  Background waiting = serve("SIG", 2, 3);
  std::this_thread::sleep_for(1500ms);
  waiting.signal(SIGTERM);
  EXPECT_EQ(waiting.wait(20s), 143) << read_file(err_file("SIG", 2));
}

TEST_F(NatsDrill, UnreachableNatsIsRetriedWithBackoffAndSaidSo) {
  Watchdog dog(60s);
  const std::string nowhere = "nats://127.0.0.1:" + std::to_string(free_port());
  Background lost = serve("LOST", 1, 1, "", nowhere);
  std::string err;
  for (int i = 0; i < 100 && err.find("retrying in 0.2 s") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    err = read_file(err_file("LOST", 1));
  }
  EXPECT_NE(err.find("cannot reach NATS at " + nowhere), std::string::npos) << err;
  EXPECT_NE(err.find("retrying in 0.1 s"), std::string::npos) << err;
  EXPECT_NE(err.find("retrying in 0.2 s"), std::string::npos) << err;  // the wait grows
  lost.signal(SIGTERM);
  EXPECT_EQ(lost.wait(10s), 143) << err;
}

}  // namespace
}  // namespace orderflow::testing
