// Rng, ProductSampler and Generator: exact reproducibility, the shape of each
// distribution, and the record mix. No I/O, no clocks.
#include "data/gen/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "data/gen/distribution.h"
#include "data/base/random.h"

namespace orderflow {
namespace {

Distribution dist(const std::string& text) {
  Result<Distribution> d = parse_distribution(text);
  EXPECT_TRUE(d.ok()) << text;
  return d.ok() ? d.value() : Distribution{};
}

// ---- Rng ----

TEST(Rng, EngineIsTheStandardsMt19937_64) {
  // [rand.predef]: the 10000th output of a default-seeded mt19937_64.
  Rng rng(5489);
  for (int i = 1; i < 10000; ++i) rng.next_u64();
  EXPECT_EQ(rng.next_u64(), 9981545732273789042ull);
}

TEST(Rng, DrawsArePinned) {
  // Our own draws on top of the engine: these values are part of the
  // "same seed, same bytes on any machine" contract. Changing them changes
  // every generated stream.
  EXPECT_EQ(Rng(1).next_u64(), 2469588189546311528ull);
  Rng rng(1);
  std::vector<std::uint64_t> below;
  for (int i = 0; i < 5; ++i) below.push_back(rng.below(1000));
  EXPECT_EQ(below, (std::vector<std::uint64_t>{133, 136, 451, 21, 350}));
  EXPECT_EQ(Rng(1).unit(), static_cast<double>(2469588189546311528ull >> 11) * 0x1.0p-53);
  EXPECT_EQ(Rng(1).unit(), 0.13387664401253263);
}

TEST(Rng, BelowStaysInRangeAndIsUnbiasedEnough) {
  Rng rng(7);
  std::vector<int> hits(7);
  for (int i = 0; i < 70'000; ++i) {
    std::uint64_t v = rng.below(7);
    ASSERT_LT(v, 7u);
    ++hits[v];
  }
  for (int h : hits) EXPECT_NEAR(h, 10'000, 500);  // sigma ~ 92
  EXPECT_EQ(Rng(3).below(1), 0u);
  // A range near 2^64 exercises the rejection path's threshold arithmetic.
  Rng big(9);
  for (int i = 0; i < 1000; ++i) ASSERT_LT(big.below(UINT64_MAX - 1), UINT64_MAX - 1);
}

TEST(Rng, SameSeedSameSequenceDifferentSeedDifferent) {
  Rng a(42), b(42), c(43);
  int same = 0;
  for (int i = 0; i < 1000; ++i) {
    std::uint64_t x = a.next_u64();
    ASSERT_EQ(x, b.next_u64());
    same += x == c.next_u64();
  }
  EXPECT_EQ(same, 0);
}

// ---- Distribution parsing ----

TEST(Distribution, ParsesTheThreeKinds) {
  auto u = parse_distribution("uniform");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->kind, Distribution::Kind::kUniform);
  auto h = parse_distribution("hot:0.99");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->kind, Distribution::Kind::kHot);
  EXPECT_EQ(h->param, 0.99);
  auto z = parse_distribution("zipf:1.1");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->kind, Distribution::Kind::kZipf);
  EXPECT_EQ(z->param, 1.1);
  EXPECT_EQ(to_string(h.value()), "hot:0.99");
  EXPECT_EQ(to_string(z.value()), "zipf:1.1");
  EXPECT_TRUE(parse_distribution("hot:0").ok());
  EXPECT_TRUE(parse_distribution("hot:1").ok());
  EXPECT_TRUE(parse_distribution("zipf:0").ok());
}

TEST(Distribution, RefusesBadText) {
  for (const char* bad : {"", "Uniform", "hot", "hot:", "hot:1.5", "hot:-0.1", "hot:x", "hot:nan",
                          "hot:0.5x", "hot: 0.5", "hot:+0.5", "zipf", "zipf:x", "zipf:-1", "zipf:inf",
                          "zipf:101", "zipf:1e400", "pareto:1", "uniform:1"}) {
    EXPECT_FALSE(parse_distribution(bad).ok()) << bad;
  }
}

// ---- ProductSampler ----

std::vector<int> histogram(const ProductSampler& s, std::uint64_t seed, int draws) {
  Rng rng(seed);
  std::vector<int> h(s.products());
  for (int i = 0; i < draws; ++i) {
    std::uint32_t p = s.sample(rng);
    EXPECT_LT(p, s.products());
    ++h[p];
  }
  return h;
}

TEST(ProductSampler, UniformCoversEveryProduct) {
  ProductSampler s(Distribution{}, 8);
  std::vector<int> h = histogram(s, 1, 80'000);
  for (int count : h) EXPECT_NEAR(count, 10'000, 600);  // sigma ~ 94
  ProductSampler many(Distribution{}, 1000);
  std::vector<int> hm = histogram(many, 2, 50'000);
  for (int count : hm) EXPECT_GT(count, 0);
}

TEST(ProductSampler, HotShareIsItsParameter) {
  for (double share : {0.5, 0.9, 0.99}) {
    ProductSampler s(Distribution{Distribution::Kind::kHot, share}, 8);
    const int draws = 200'000;
    std::vector<int> h = histogram(s, 11, draws);
    // sigma <= sqrt(0.25 / 200k) ~ 0.0011: 0.006 is over 5 sigma.
    EXPECT_NEAR(static_cast<double>(h[0]) / draws, share, 0.006) << share;
    for (std::size_t i = 1; i < h.size(); ++i)
      EXPECT_NEAR(static_cast<double>(h[i]) / draws, (1 - share) / 7, 0.004) << share << " product " << i;
  }
}

TEST(ProductSampler, HotEdgeCases) {
  ProductSampler all(dist("hot:1"), 5);
  EXPECT_EQ(histogram(all, 3, 1000)[0], 1000);
  ProductSampler none(dist("hot:0"), 5);
  EXPECT_EQ(histogram(none, 3, 1000)[0], 0);
  ProductSampler one(dist("hot:0.3"), 1);
  EXPECT_EQ(histogram(one, 3, 1000)[0], 1000);
}

TEST(ProductSampler, ZipfRankOneShareMatchesTheory) {
  for (double s_exp : {0.8, 1.1, 2.0}) {
    const std::uint32_t n = 100;
    Distribution d{Distribution::Kind::kZipf, s_exp};
    ProductSampler s(d, n);
    long double harmonic = 0;
    for (std::uint32_t k = 1; k <= n; ++k) harmonic += std::pow(static_cast<long double>(k), -static_cast<long double>(s_exp));
    const double expected = static_cast<double>(1 / harmonic);
    EXPECT_NEAR(s.probability(0), expected, 1e-12);
    const int draws = 200'000;
    std::vector<int> h = histogram(s, 5, draws);
    EXPECT_NEAR(static_cast<double>(h[0]) / draws, expected, 0.006) << s_exp;
    // Rank 2 against 1/2^s of rank 1.
    EXPECT_NEAR(static_cast<double>(h[1]) / draws, expected * std::pow(2.0, -s_exp), 0.006) << s_exp;
    for (std::uint32_t k = 1; k < n; ++k) EXPECT_LE(s.probability(k), s.probability(k - 1));
  }
}

TEST(ProductSampler, ZipfZeroIsUniform) {
  ProductSampler s(Distribution{Distribution::Kind::kZipf, 0}, 10);
  for (std::uint32_t i = 0; i < 10; ++i) EXPECT_NEAR(s.probability(i), 0.1, 1e-12);
}

TEST(ProductSampler, SameSeedSameProducts) {
  for (const char* d : {"uniform", "hot:0.9", "zipf:1.2"}) {
    ProductSampler s(dist(d), 50);
    Rng a(77), b(77), c(78);
    int same_as_other_seed = 0;
    for (int i = 0; i < 2000; ++i) {
      std::uint32_t x = s.sample(a);
      ASSERT_EQ(x, s.sample(b)) << d;
      same_as_other_seed += x == s.sample(c);
    }
    EXPECT_LT(same_as_other_seed, 1900) << d;  // a different seed is a different sequence
  }
}

// ---- Generator ----

std::string generate_all(const GeneratorOptions& o, std::size_t chunk = kGenerateChunkBytes,
                         const Catalog& catalog = Catalog::builtin()) {
  Result<Generator> g = Generator::create(catalog, o);
  EXPECT_TRUE(g.ok()) << g.status().message();
  std::vector<char> buf(std::max(chunk, g->record_bytes_max()));
  std::string out;
  while (!g->done()) {
    std::size_t n = g->fill(buf.data(), buf.size());
    EXPECT_TRUE(n > 0 || g->done());
    out.append(buf.data(), n);
  }
  EXPECT_EQ(g->fill(buf.data(), buf.size()), 0u);
  return out;
}

TEST(Generator, DefaultStreamStartsAsPinned) {
  // The default stream's first records, with the built-in catalog. Also a guard
  // against accidental changes to the draw order.
  GeneratorOptions o;
  o.count = 3;
  std::string out = generate_all(o);
  EXPECT_EQ(out,
            "{\"id\":\"o1\",\"productId\":\"MWLEM\",\"amount\":11}\n"
            "{\"id\":\"o2\",\"productId\":\"MWLEM\",\"amount\":3}\n"
            "{\"id\":\"o3\",\"productId\":\"MWPEA\",\"amount\":8}\n");
}

TEST(Generator, ChunkSizeDoesNotChangeTheBytes) {
  for (StreamFormat f : {StreamFormat::kNdjson, StreamFormat::kCsv, StreamFormat::kJsonArray}) {
    GeneratorOptions o;
    o.count = 5000;
    o.reversals = 0.2;
    o.invalid = 0.1;
    o.format = f;
    std::string big = generate_all(o);
    std::string small = generate_all(o, 1);  // record_bytes_max(): a record or two per fill
    EXPECT_EQ(big, small);
  }
}

TEST(Generator, SameSeedSameBytesDifferentSeedDifferent) {
  GeneratorOptions o;
  o.count = 2000;
  o.dist = dist("zipf:1.1");
  o.reversals = 0.1;
  o.invalid = 0.05;
  std::string a = generate_all(o);
  EXPECT_EQ(a, generate_all(o));
  o.seed = 2;
  EXPECT_NE(a, generate_all(o));
}

TEST(Generator, SharesOfReversalsAndMalformedRecords) {
  GeneratorOptions o;
  o.count = 100'000;
  o.reversals = 0.2;
  o.invalid = 0.1;
  Result<Generator> g = Generator::create(Catalog::builtin(), o);
  ASSERT_TRUE(g.ok());
  std::vector<char> buf(kGenerateChunkBytes);
  while (!g->done()) g->fill(buf.data(), buf.size());
  const GeneratorCounts& c = g->counts();
  EXPECT_EQ(c.records, o.count);
  EXPECT_EQ(c.placed + c.reversals + c.malformed, c.records);
  EXPECT_NEAR(static_cast<double>(c.malformed) / o.count, 0.1, 0.006);
  EXPECT_NEAR(static_cast<double>(c.reversals) / o.count, 0.2, 0.008);
  std::uint64_t sum = 0;
  for (std::uint64_t k : c.by_malformation) {
    EXPECT_NEAR(static_cast<double>(k) / c.malformed, 1.0 / kMalformationCount, 0.02);
    sum += k;
  }
  EXPECT_EQ(sum, c.malformed);
}

TEST(Generator, ReversalsNameEarlierPlaceRecordsOnce) {
  GeneratorOptions o;
  o.count = 20'000;
  o.reversals = 0.4;
  o.invalid = 0.1;
  o.format = StreamFormat::kCsv;
  std::string out = generate_all(o);
  std::set<std::uint64_t> placed, reversed;
  std::size_t pos = out.find('\n') + 1;  // skip the header
  std::uint64_t seq = 0;
  while (pos < out.size()) {
    std::size_t nl = out.find('\n', pos);
    std::string row = out.substr(pos, nl - pos);
    pos = nl + 1;
    ++seq;
    std::size_t c1 = row.find(',');
    ASSERT_EQ(row[0], 'o');
    std::uint64_t id = std::stoull(row.substr(1, c1 - 1));
    if (row.compare(c1, 10, ",reverse,,") == 0) {
      EXPECT_TRUE(placed.count(id)) << "reversal at " << seq << " names o" << id;
      EXPECT_TRUE(reversed.insert(id).second) << "o" << id << " reversed twice";
      EXPECT_LT(id, seq);
    } else {
      EXPECT_EQ(id, seq);
      // Well-formed place rows have exactly four fields and a plain amount.
      std::string rest = row.substr(c1 + 1);
      bool well_formed = rest.rfind("place,MW", 0) == 0 && std::count(rest.begin(), rest.end(), ',') == 2 &&
                         rest.find_first_not_of("0123456789", rest.rfind(',') + 1) == std::string::npos &&
                         rest.back() != ',' && rest.substr(rest.rfind(',') + 1) != "0";
      if (well_formed) placed.insert(id);
    }
  }
  EXPECT_EQ(seq, o.count);
  EXPECT_GT(reversed.size(), 7000u);
}

TEST(Generator, EmptyStreams) {
  GeneratorOptions o;
  o.count = 0;
  EXPECT_EQ(generate_all(o), "");
  o.format = StreamFormat::kJsonArray;
  EXPECT_EQ(generate_all(o), "[\n]\n");
  o.format = StreamFormat::kCsv;
  EXPECT_EQ(generate_all(o), "id,op,productId,amount\n");
  o.ids = false;
  EXPECT_EQ(generate_all(o), "op,productId,amount\n");
}

TEST(Generator, ValidateRefusesInconsistentOptions) {
  GeneratorOptions o;
  EXPECT_TRUE(validate(o).ok());
  GeneratorOptions bad = o;
  bad.reversals = 0.1;
  bad.ids = false;
  EXPECT_FALSE(validate(bad).ok());
  bad = o;
  bad.reversals = 0.6;
  bad.invalid = 0.6;
  EXPECT_FALSE(validate(bad).ok());
  bad = o;
  bad.reversals = 0.7;
  bad.invalid = 0.3;
  EXPECT_TRUE(validate(bad).ok());
  bad = o;
  bad.invalid = std::nan("");
  EXPECT_FALSE(validate(bad).ok());
  bad = o;
  bad.max_amount = 0;
  EXPECT_FALSE(validate(bad).ok());
  bad = o;
  bad.count = kGenerateCountMax + 1;
  EXPECT_FALSE(validate(bad).ok());
}

TEST(Generator, ProductIdsAreEscaped) {
  Result<Catalog> c = Catalog::parse(
      R"([{"id":"a\"b\\c","name":"x","price":1,"stock":1},{"id":"d,e","name":"y","price":1,"stock":1}])", "t");
  ASSERT_TRUE(c.ok()) << c.status().message();
  GeneratorOptions o;
  o.count = 50;
  o.dist = dist("hot:0.5");
  std::string json = generate_all(o, kGenerateChunkBytes, c.value());
  EXPECT_NE(json.find(R"("productId":"a\"b\\c")"), std::string::npos);
  o.format = StreamFormat::kCsv;
  std::string csv = generate_all(o, kGenerateChunkBytes, c.value());
  EXPECT_NE(csv.find(R"(,place,"a""b\c",)"), std::string::npos);
  EXPECT_NE(csv.find(R"(,place,"d,e",)"), std::string::npos);
}

TEST(Generator, RefusesWhatCannotBeWritten) {
  Result<Catalog> c = Catalog::parse(R"([{"id":"a\nb","name":"x","price":1,"stock":1}])", "t");
  ASSERT_TRUE(c.ok()) << c.status().message();
  GeneratorOptions o;
  EXPECT_TRUE(Generator::create(c.value(), o).ok());  // JSON escapes the line break
  o.format = StreamFormat::kCsv;
  EXPECT_FALSE(Generator::create(c.value(), o).ok());
  GeneratorOptions bad;
  bad.max_amount = 0;
  EXPECT_FALSE(Generator::create(Catalog::builtin(), bad).ok());
}

TEST(Generator, UnknownProductIsReallyUnknown) {
  Result<Catalog> c = Catalog::parse("ID,ProductName,Stock,Variety,Price\nNOPE,a,1,,1\nNOPE1,b,1,,1\n", "t");
  ASSERT_TRUE(c.ok()) << c.status().message();
  GeneratorOptions o;
  o.count = 200;
  o.invalid = 1;
  std::string out = generate_all(o, kGenerateChunkBytes, c.value());
  EXPECT_NE(out.find(R"("productId":"NOPE2")"), std::string::npos);
}

TEST(Generator, ExpectedReasons) {
  EXPECT_EQ(expected_reason(Malformation::kAmountZero), Reason::kInvalidAmount);
  EXPECT_EQ(expected_reason(Malformation::kUnknownProduct), Reason::kUnknownProduct);
  EXPECT_EQ(expected_reason(Malformation::kSyntax), Reason::kInvalidRecord);
  EXPECT_EQ(expected_reason(Malformation::kNotObject), Reason::kInvalidRecord);
}

// ---- synthetic catalog ----

TEST(SyntheticCatalog, IdsNamesStockAndPrices) {
  std::string csv = synthetic_catalog_csv(12, 77, 1);
  Result<Catalog> c = Catalog::parse(csv, "synthetic");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->size(), 12u);
  EXPECT_EQ(c->product(0).id, "P000001");
  EXPECT_EQ(c->product(11).id, "P000012");
  EXPECT_EQ(c->product(0).name, "Product(000001)");
  for (const Product& p : c->products()) {
    EXPECT_EQ(p.stock, 77);
    EXPECT_GE(p.price, 50);
    EXPECT_LE(p.price, 9999);
  }
  EXPECT_EQ(csv, synthetic_catalog_csv(12, 77, 1));
  EXPECT_NE(csv, synthetic_catalog_csv(12, 77, 2));
  EXPECT_EQ(csv.rfind("ID,ProductName,Stock,Variety,Price\n", 0), 0u);
}

TEST(SyntheticCatalog, WidensPastSixDigits) {
  // Parsing a million products would be slow for a unit test; the layout is
  // checked above, the width here.
  std::string csv = synthetic_catalog_csv(kSyntheticProductsMax, 1, 1);
  EXPECT_EQ(csv.compare(csv.find('\n') + 1, 9, "P0000001,"), 0);
  std::size_t last = csv.rfind('\n', csv.size() - 2) + 1;
  EXPECT_EQ(csv.compare(last, 9, "P1000000,"), 0);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), kSyntheticProductsMax + 1);
}

}  // namespace
}  // namespace orderflow

namespace orderflow {
namespace {

// below_pair: two draws from one engine output, each uniform and in range.
TEST(Rng, BelowPairIsUniformInBothHalves) {
  Rng rng(99);
  constexpr int kDraws = 300000;
  std::vector<int> a(3), b(7);
  for (int i = 0; i < kDraws; ++i) {
    auto [x, y] = rng.below_pair(3, 7);
    ASSERT_LT(x, 3u);
    ASSERT_LT(y, 7u);
    ++a[x];
    ++b[y];
  }
  for (int n : a) EXPECT_NEAR(n, kDraws / 3.0, kDraws * 0.01);
  for (int n : b) EXPECT_NEAR(n, kDraws / 7.0, kDraws * 0.01);
  // The extremes of the range are allowed and reachable.
  Rng big(5);
  std::uint32_t top = 0;
  for (int i = 0; i < 1000; ++i) top = std::max(top, big.below_pair(0x100000000u, 1).first);
  EXPECT_GT(top, 0xF0000000u);
  EXPECT_EQ(big.below_pair(1, 1), (std::pair<std::uint32_t, std::uint32_t>{0, 0}));
}

}  // namespace
}  // namespace orderflow
