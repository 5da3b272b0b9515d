// `orderflow generate` end to end: the real binary, its bytes, and what
// `orderflow process` makes of them. No wall-clock assertions.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "data/catalog/catalog.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

// ---- SHA-256 (FIPS 180-4), small and slow: enough for a few hundred KB ----

std::string sha256_hex(const std::string& data) {
  static constexpr std::uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string msg = data;
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back('\0');
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>(bits >> (8 * i)));
  auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  for (std::size_t block = 0; block < msg.size(); block += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      w[i] = 0;
      for (int b = 0; b < 4; ++b) w[i] = (w[i] << 8) | static_cast<unsigned char>(msg[block + 4 * i + b]);
    }
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::uint32_t v : h)
    for (int i = 28; i >= 0; i -= 4) out.push_back(kHex[(v >> i) & 15]);
  return out;
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// ---- reading generated streams back ----

// One record as every format describes it.
struct Rec {
  std::string id;
  std::string op;  // "place" or "reverse"
  std::string product;
  long long amount = 0;
  bool operator==(const Rec&) const = default;
};

std::string str(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

Rec from_json(const rapidjson::Value& v) {
  Rec r;
  EXPECT_TRUE(v.IsObject());
  if (!v.IsObject()) return r;
  r.id = str(v, "id");
  r.op = v.HasMember("op") ? str(v, "op") : "place";
  r.product = str(v, "productId");
  if (v.HasMember("amount") && v["amount"].IsInt64()) r.amount = v["amount"].GetInt64();
  return r;
}

std::vector<Rec> read_ndjson(const std::string& text) {
  std::vector<Rec> out;
  for (const std::string& line : lines(text)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    EXPECT_FALSE(d.HasParseError()) << line;
    out.push_back(from_json(d));
  }
  return out;
}

std::vector<Rec> read_json(const std::string& text) {
  std::vector<Rec> out;
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError());
  EXPECT_TRUE(d.IsArray());
  if (!d.IsArray()) return out;
  for (const auto& v : d.GetArray()) out.push_back(from_json(v));
  return out;
}

std::vector<std::string> split(const std::string& row) {
  std::vector<std::string> cells(1);
  for (char c : row) {
    if (c == ',') cells.emplace_back();
    else cells.back().push_back(c);
  }
  return cells;
}

std::vector<Rec> read_csv(const std::string& text, bool ids) {
  std::vector<std::string> rows = lines(text);
  std::vector<Rec> out;
  EXPECT_FALSE(rows.empty());
  if (rows.empty()) return out;
  EXPECT_EQ(rows[0], ids ? "id,op,productId,amount" : "op,productId,amount");
  for (std::size_t i = 1; i < rows.size(); ++i) {
    std::vector<std::string> c = split(rows[i]);
    if (!ids) c.insert(c.begin(), "");
    EXPECT_EQ(c.size(), 4u) << rows[i];
    if (c.size() != 4) continue;
    Rec r{c[0], c[1], c[2], c[3].empty() ? 0 : std::stoll(c[3])};
    out.push_back(r);
  }
  return out;
}

std::set<std::string> builtin_ids() {
  std::set<std::string> ids;
  Catalog builtin = Catalog::builtin();  // not a temporary: the loop outlives the full expression
  for (const Product& p : builtin.products()) ids.insert(p.id);
  return ids;
}

// What a well-formed generated record looks like; anything else in the stream
// is one of the deliberately malformed records.
enum class Kind { kPlace, kReverse, kMalformed };

Kind classify(const std::string& line, const std::set<std::string>& catalog, long long max_amount) {
  rapidjson::Document d;
  d.Parse(line.c_str());
  if (d.HasParseError() || !d.IsObject()) return Kind::kMalformed;
  if (d.HasMember("op")) {
    bool reverse = d.MemberCount() == 2 && str(d, "op") == "reverse" && !str(d, "id").empty();
    return reverse ? Kind::kReverse : Kind::kMalformed;
  }
  if (!d.HasMember("productId") || !d["productId"].IsString() || !catalog.count(d["productId"].GetString()))
    return Kind::kMalformed;
  if (!d.HasMember("amount") || !d["amount"].IsInt64()) return Kind::kMalformed;
  long long a = d["amount"].GetInt64();
  return a >= 1 && a <= max_amount ? Kind::kPlace : Kind::kMalformed;
}

// Each result line's reason ("" when none), indexed by seq - 1.
std::vector<std::string> reasons_by_seq(const std::string& results) {
  std::vector<std::string> out;
  for (const std::string& line : lines(results)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    EXPECT_FALSE(d.HasParseError()) << line;
    if (d.HasParseError()) continue;
    std::size_t seq = d["seq"].GetUint64();
    EXPECT_EQ(seq, out.size() + 1) << "results out of order";
    out.push_back(str(d, "reason"));
  }
  return out;
}

// "o<seq>". (Appending, not "o" + to_string(): GCC 12 warns falsely on that, PR 105329.)
std::string order_id(std::size_t seq) {
  std::string id = "o";
  id += std::to_string(seq);
  return id;
}

bool is_invalid_reason(const std::string& r) {
  return r == "invalid_record" || r == "invalid_amount" || r == "unknown_product";
}

// ---- tests ----

TEST(Generate, SameSeedSameBytes) {
  RunResult a = run({"generate", "-n", "1000"});
  RunResult b = run({"generate", "-n", "1000"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.err, "");
  EXPECT_TRUE(testing::same_text(a.out, b.out));
  EXPECT_EQ(lines(a.out).size(), 1000u);
  // Pinned: the same options give these bytes on any machine. uniform and hot
  // use no libm, so these hashes must never change by platform.
  EXPECT_EQ(sha256_hex(a.out), "372148248f5182ceda6b213c34e48f96eb5cf2431262705cef42941a8ec60ea3");
  RunResult csv = run({"generate", "-n", "1000", "--reversals", "0.1", "--invalid", "0.1", "-f", "csv", "--seed", "42"});
  EXPECT_EQ(sha256_hex(csv.out), "1c9ab72ea85db71ccbac363c86d18d81979e095e41f89aa2be9a87561eb072f9");
  RunResult hot = run({"generate", "-n", "1000", "--dist", "hot:0.9", "-f", "json", "--products", "20", "--seed", "7"});
  EXPECT_EQ(sha256_hex(hot.out), "374e80bdfcc0f667344ae74bb1ee53c229eaa45115925312c6687b7a6f6d9b37");
  // zipf's table comes from libm's pow: equal across runs here, pinned only by platform.
  RunResult z1 = run({"generate", "-n", "3000", "--dist", "zipf:1.1", "--reversals", "0.2", "--seed", "9"});
  RunResult z2 = run({"generate", "-n", "3000", "--dist", "zipf:1.1", "--reversals", "0.2", "--seed", "9"});
  EXPECT_EQ(sha256_hex(z1.out), sha256_hex(z2.out));
  EXPECT_TRUE(testing::same_text(z1.out, z2.out));
}

TEST(Generate, DifferentSeedDifferentBytes) {
  RunResult a = run({"generate", "-n", "200", "--seed", "1"});
  RunResult b = run({"generate", "-n", "200", "--seed", "2"});
  ASSERT_EQ(a.exit_code, 0);
  ASSERT_EQ(b.exit_code, 0);
  EXPECT_NE(sha256_hex(a.out), sha256_hex(b.out));
}

TEST(Generate, FormatsDescribeTheSameRecords) {
  for (bool ids : {true, false}) {
    std::vector<std::string> args = {"generate", "-n", "3000", "--dist", "zipf:1.2", "--seed", "3"};
    if (ids) args.insert(args.end(), {"--reversals", "0.15"});
    else args.push_back("--no-ids");
    auto with = [&](const char* f) {
      std::vector<std::string> a = args;
      a.insert(a.end(), {"-f", f});
      RunResult r = run(a);
      EXPECT_EQ(r.exit_code, 0) << r.err;
      return r.out;
    };
    std::string nd = with("ndjson"), csv = with("csv"), json = with("json");
    std::vector<Rec> from_nd = read_ndjson(nd);
    ASSERT_EQ(from_nd.size(), 3000u);
    EXPECT_EQ(read_csv(csv, ids), from_nd) << "ids " << ids;
    EXPECT_EQ(read_json(json), from_nd) << "ids " << ids;
    // The json layout: "[", one element per line, "]".
    std::vector<std::string> jl = lines(json);
    ASSERT_EQ(jl.size(), 3002u);
    EXPECT_EQ(jl.front(), "[");
    EXPECT_EQ(jl.back(), "]");
    EXPECT_EQ(jl[1], lines(nd)[0] + ",");
    EXPECT_EQ(jl[3000], lines(nd)[2999]);
    std::set<std::string> catalog = builtin_ids();
    std::size_t reversals = 0;
    for (std::size_t i = 0; i < from_nd.size(); ++i) {
      const Rec& r = from_nd[i];
      if (r.op == "reverse") {
        ++reversals;
        continue;
      }
      EXPECT_EQ(r.id, ids ? order_id(i + 1) : "");
      EXPECT_TRUE(catalog.count(r.product)) << r.product;
      EXPECT_GE(r.amount, 1);
      EXPECT_LE(r.amount, 15);
    }
    if (ids) EXPECT_GT(reversals, 300u);
    else EXPECT_EQ(reversals, 0u);
  }
}

TEST(Generate, EveryFormatIsAcceptedByProcessWithTheExpectedRejections) {
  const long long n = 4000;
  std::vector<std::string> base = {"generate", "-n", std::to_string(n), "--invalid", "0.1", "--reversals", "0.1",
                                   "--max-amount", "3", "--seed", "5"};
  // The malformed records, found from the ndjson text alone.
  RunResult nd = run(base);
  ASSERT_EQ(nd.exit_code, 0) << nd.err;
  std::set<std::string> catalog = builtin_ids();
  std::vector<bool> malformed;
  for (const std::string& line : lines(nd.out)) malformed.push_back(classify(line, catalog, 3) == Kind::kMalformed);
  ASSERT_EQ(malformed.size(), static_cast<std::size_t>(n));
  std::size_t expected = static_cast<std::size_t>(std::count(malformed.begin(), malformed.end(), true));
  EXPECT_NEAR(static_cast<double>(expected), 0.1 * n, 100);  // sigma ~ 19

  std::vector<std::string> first;
  for (const char* f : {"ndjson", "csv", "json"}) {
    std::vector<std::string> args = base;
    args.insert(args.end(), {"-f", f});
    RunResult gen = run(args);
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    for (const char* pf : {f, "auto"}) {
      RunResult proc = run_with_input({"process", "-q", "-f", pf, "-o", "-"}, gen.out);
      ASSERT_EQ(proc.exit_code, 0) << f << ": " << proc.err;
      std::vector<std::string> reasons = reasons_by_seq(proc.out);
      ASSERT_EQ(reasons.size(), static_cast<std::size_t>(n)) << f << ": one result per record";
      std::map<std::string, int> by_reason;
      for (std::size_t i = 0; i < reasons.size(); ++i) {
        ++by_reason[reasons[i]];
        EXPECT_EQ(is_invalid_reason(reasons[i]), malformed[i]) << f << " seq " << i + 1 << ": " << reasons[i];
      }
      EXPECT_EQ(static_cast<std::size_t>(by_reason["invalid_record"] + by_reason["invalid_amount"] +
                                         by_reason["unknown_product"]),
                expected)
          << f;
      for (const char* r : {"invalid_record", "invalid_amount", "unknown_product"}) EXPECT_GT(by_reason[r], 0) << f << " " << r;
      EXPECT_EQ(by_reason["unknown_order"], 0) << f;
      EXPECT_EQ(by_reason["duplicate_id"], 0) << f;
      // The malformed records sit at the same seqs, with the same reasons, in every format.
      if (first.empty()) first = reasons;
      else EXPECT_EQ(reasons, first) << f;
    }
  }
}

TEST(Generate, ReversalsNameEarlierPlacedIdsOnce) {
  RunResult r = run({"generate", "-n", "5000", "--reversals", "0.3", "--invalid", "0.05", "--seed", "11"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> catalog = builtin_ids();
  std::set<std::string> placed, reversed;
  std::size_t seq = 0, reversals = 0;
  for (const std::string& line : lines(r.out)) {
    ++seq;
    switch (classify(line, catalog, 15)) {
      case Kind::kPlace: {
        rapidjson::Document d;
        d.Parse(line.c_str());
        EXPECT_EQ(str(d, "id"), order_id(seq));
        placed.insert(str(d, "id"));
        break;
      }
      case Kind::kReverse: {
        rapidjson::Document d;
        d.Parse(line.c_str());
        std::string id = str(d, "id");
        EXPECT_TRUE(placed.count(id)) << "seq " << seq << " reverses " << id << ", not an earlier place record";
        EXPECT_TRUE(reversed.insert(id).second) << id << " reversed twice";
        ++reversals;
        break;
      }
      case Kind::kMalformed:
        break;
    }
  }
  EXPECT_NEAR(static_cast<double>(reversals), 0.3 * 5000, 150);
  RunResult proc = run_with_input({"process", "-q"}, r.out);
  ASSERT_EQ(proc.exit_code, 0) << proc.err;
  EXPECT_EQ(proc.out.find("unknown_order"), std::string::npos);
  EXPECT_EQ(lines(proc.out).size(), 5000u);
}

TEST(Generate, SyntheticCatalogIsWrittenAndUsed) {
  TempDir dir;
  std::string cat = dir.file("synthetic.csv");
  std::vector<std::string> args = {"generate", "-n", "2000", "--products", "40", "--stock", "5",
                                   "--dist", "hot:0.5", "--seed", "4"};
  std::vector<std::string> with_out = args;
  with_out.insert(with_out.end(), {"--catalog-out", cat});
  RunResult gen = run(with_out);
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  // Without --catalog-out the stream is the same, and nothing is written.
  RunResult plain = run(args);
  EXPECT_TRUE(testing::same_text(plain.out, gen.out));
  // Atomic write: only the catalog is left in the folder.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().filename(), "synthetic.csv");
  }
  EXPECT_EQ(files, 1u);

  RunResult listing = run({"catalog", "-c", cat, "--format", "json"});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  rapidjson::Document d;
  d.Parse(listing.out.c_str());
  ASSERT_TRUE(d.IsArray());
  std::set<std::string> ids;
  for (const auto& p : d.GetArray()) {
    ids.insert(p["id"].GetString());
    EXPECT_EQ(p["stock"].GetInt64(), 5);
  }
  ASSERT_EQ(ids.size(), 40u);
  EXPECT_TRUE(ids.count("P000001"));
  EXPECT_TRUE(ids.count("P000040"));
  std::set<std::string> used;
  for (const Rec& r : read_ndjson(gen.out)) used.insert(r.product);
  for (const std::string& id : used) EXPECT_TRUE(ids.count(id)) << id;
  EXPECT_EQ(used.size(), 40u);  // 2000 draws, hot:0.5 over 40: every product shows up

  RunResult proc = run_with_input({"process", "-q", "-c", cat}, gen.out);
  ASSERT_EQ(proc.exit_code, 0) << proc.err;
  EXPECT_EQ(lines(proc.out).size(), 2000u);
  EXPECT_EQ(proc.out.find("unknown_product"), std::string::npos);
  EXPECT_NE(proc.out.find("\"Completed\""), std::string::npos);
}

TEST(Generate, DrawsFromAGivenCatalog) {
  TempDir dir;
  write_file(dir.file("c.csv"), "ID,ProductName,Stock,Variety,Price\nAAA,A,5,x,1.00\nBBB,B,5,y,2.00\n");
  RunResult r = run({"generate", "-n", "300", "-c", dir.file("c.csv"), "-f", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> used;
  for (const Rec& rec : read_csv(r.out, true)) used.insert(rec.product);
  EXPECT_EQ(used, (std::set<std::string>{"AAA", "BBB"}));
}

TEST(Generate, UsageErrorsExit2WithAHint) {
  const std::vector<std::vector<std::string>> bad = {
      {"--dist", "zipf:x"},       {"--dist", "hot:1.5"},          {"--dist", "pareto"},
      {"--reversals", "2"},       {"--reversals", "nan"},         {"--invalid", "-0.1"},
      {"--reversals", "0.1", "--no-ids"},                         {"--reversals", "0.6", "--invalid", "0.5"},
      {"--products", "0"},        {"--catalog", "x.csv", "--products", "3"},
      {"--catalog-out", "c.csv"}, {"--stock", "5"},               {"--max-amount", "0"},
      {"-f", "xml"},              {"-n", "-1"},                   {"-n", "ten"},
      {"--seed", "-1"},           {"--seed", "18446744073709551616"}, {"--bogus"},
  };
  TempDir dir;
  for (const auto& extra : bad) {
    std::vector<std::string> args = {"generate"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunOptions o;
    o.cwd = dir.path();
    RunResult r = run(args, o);
    std::string what = extra[0] + (extra.size() > 1 ? " " + extra[1] : "");
    EXPECT_EQ(r.exit_code, 2) << what << ": " << r.err;
    EXPECT_EQ(r.out, "") << what;
    EXPECT_EQ(r.err.rfind("orderflow: error: ", 0), 0u) << what << ": " << r.err;
    EXPECT_NE(r.err.find("--help"), std::string::npos) << what;
  }
  EXPECT_FALSE(file_exists(dir.file("c.csv")));
}

TEST(Generate, BadCatalogIsARuntimeError) {
  TempDir dir;
  RunResult missing = run({"generate", "-c", dir.file("nope.csv")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_EQ(missing.err.rfind("orderflow: error: cannot open", 0), 0u) << missing.err;
  write_file(dir.file("bad.csv"), "ID,ProductName,Stock,Variety,Price\nA,B,1,C,1.234\n");
  RunResult bad = run({"generate", "-c", dir.file("bad.csv")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad.csv:2:"), std::string::npos) << bad.err;
}

TEST(Generate, ClosedStdoutStopsQuietly) {
  TempDir dir;
  // 50 million records would take a while to write; head takes 100 bytes and leaves.
  std::string cmd = "bash -c '\"" + std::string(binary()) + "\" generate -n 50000000 2>\"" + dir.file("err") +
                    "\" | head -c 100 >/dev/null; exit ${PIPESTATUS[0]}'";
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 141);
  EXPECT_EQ(read_file(dir.file("err")), "");
}

TEST(Generate, AFullDiskIsAnErrorThatStopsIt) {
  RunOptions o;
  o.stdout_file = "/dev/full";
  RunResult r = run({"generate", "-n", "50000000"}, o);  // would be 2.4 GB: it must stop at the first error
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "orderflow: error: cannot write orders to standard output: No space left on device\n");
}

}  // namespace
}  // namespace orderflow::testing
