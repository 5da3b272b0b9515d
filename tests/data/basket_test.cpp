// Baskets (SPEC.md "Linked orders"), unit by unit: the decoder's shapes and
// their texts, the rules and their order, the stores' take_all, the order
// index's copy of the items, the statistics, and the generator's baskets.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "data/codec/decoder.h"
#include "data/codec/result_format.h"
#include "data/gen/generator.h"
#include "data/ledger/ledger.h"
#include "data/model/stats.h"
#include "data/store/check_then_act_store.h"

namespace orderflow {
namespace {

class BasketTest : public ::testing::Test {
 protected:
  Catalog catalog = Catalog::builtin();  // MWBLU 20 @1.79, MWLEM 30 @1.39, MWORG 20 @1.52, ...
  OrderIndex index;
  std::unique_ptr<ProductStore> store;
  Stats stats{catalog.size()};
  std::vector<std::string> sources{"o.ndjson"};

  BasketTest() { store = make_store(StoreKind::kSharded, initial(), 1); }
  std::vector<std::int64_t> initial() const {
    std::vector<std::int64_t> v;
    for (const Product& p : catalog.products()) v.push_back(p.stock);
    return v;
  }
  // Decodes, decides and formats `records` as one batch; returns the lines.
  std::vector<std::string> run(const std::vector<std::string>& records) {
    Batch b;
    for (std::size_t i = 0; i < records.size(); ++i) b.add(seq_++, i + 1, records[i].data(), records[i].size());
    Decoder(catalog).decode(b);
    for (Record& r : b.records) {
      if (resolve(r, index, b.items)) {
        EXPECT_EQ(apply(r, b.items, *store, index, catalog), ApplyResult::kDone);
      }
    }
    for (const Record& r : b.records) stats.count(r, b.items);
    std::string out;
    ResultFormatter(catalog, sources).format(b, out);
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < out.size();) {
      std::size_t nl = out.find('\n', at);
      lines.push_back(out.substr(at, nl - at));
      at = nl + 1;
    }
    return lines;
  }
  std::string one(const std::string& record) { return run({record}).at(0); }
  std::int64_t stock(const char* id) { return store->stock(catalog.find(id)); }

  std::uint64_t seq_ = 1;
};

std::string invalid(int seq, const std::string& text) {
  return "{\"seq\":" + std::to_string(seq) + ",\"status\":\"Rejected\",\"reason\":\"invalid_record\",\"error\":\"o.ndjson:1: " +
         text + "\"}";
}

TEST_F(BasketTest, EveryMalformedShapeIsAnInvalidRecordWithItsText) {
  std::string many;
  for (int i = 0; i < 65; ++i) many += std::string(i ? "," : "") + R"({"productId":"MWBLU","amount":1})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"id":"x","items":[]})", "field items must hold 1 to 64 items: got 0"},
      {R"({"id":"x","items":[)" + many + "]}", "field items must hold 1 to 64 items: got 65"},
      {R"({"items":[{"productId":"MWBLU","amount":1}],"productId":"MWBLU"})",
       "field items cannot be combined with a top-level productId or amount"},
      {R"({"amount":1,"items":[{"productId":"MWBLU","amount":1}]})",
       "field items cannot be combined with a top-level productId or amount"},
      {R"({"items":{"productId":"MWBLU","amount":1}})", "field items must be an array"},
      {R"({"items":"MWBLU"})", "field items must be an array"},
      {R"({"items":[{"productId":"MWBLU","amount":1},3]})", "items: item 2 is not an object"},
      {R"({"items":[["MWBLU",1]]})", "items: item 1 is not an object"},
      {R"({"items":[null]})", "items: item 1 is not an object"},
      {R"({"items":[{"productId":"MWBLU"}]})", "items: item 1: missing field amount"},
      {R"({"items":[{"productId":"MWBLU","amount":1},{"amount":1}]})", "items: item 2: missing field productId"},
      {R"({"items":[{"productId":"MWBLU","amount":"1"}]})", "items: item 1: field amount must be an integer"},
      {R"({"items":[{"productId":"MWBLU","amount":1.5}]})", "items: item 1: field amount must be an integer"},
      {R"({"items":[{"productId":"MWBLU","amount":[1]}]})", "items: item 1: field amount must be an integer"},
      {R"({"items":[{"productId":7,"amount":1}]})", "items: item 1: field productId must be a string"},
      {R"({"items":[{"productId":{"id":"MWBLU"},"amount":1}]})", "items: item 1: field productId must be a string"},
      {R"({"items":[{"productId":"MWBLU","amount":1,"amount":2}]})", "items: item 1: field amount appears twice"},
      {R"({"items":[{"productId":"MW\udc00","amount":1}]})", "items: item 1: field productId is not valid UTF-8"},
      {R"({"items":[{"productId":"MWBLU","amount":1}],"items":[{"productId":"MWBLU","amount":1}]})",
       "field items appears twice"},
  };
  for (const auto& [record, text] : cases) {
    seq_ = 1;
    EXPECT_EQ(one(record), invalid(1, text)) << record;
  }
  EXPECT_EQ(stock("MWBLU"), 20) << "an invalid basket takes nothing";
}

TEST_F(BasketTest, AValidBasketTakesEveryItemAndTotalsTheSum) {
  EXPECT_EQ(one(R"({"id":"b1","items":[{"productId":"MWBLU","amount":2},{"productId":"MWLEM","amount":1},{"productId":"MWBLU","amount":3,"note":[1]}]})"),
            R"({"seq":1,"id":"b1","op":"place","items":[{"productId":"MWBLU","amount":2},{"productId":"MWLEM","amount":1},{"productId":"MWBLU","amount":3}],"status":"Completed","total":10.34})");
  EXPECT_EQ(stock("MWBLU"), 15);
  EXPECT_EQ(stock("MWLEM"), 29);
  EXPECT_EQ(stats.products[catalog.find("MWBLU")].sold, 5);
  EXPECT_EQ(stats.products[catalog.find("MWLEM")].sold, 1);
  EXPECT_EQ(stats.revenue, 1034);
}

TEST_F(BasketTest, OneItemIsABasketToo) {
  EXPECT_EQ(one(R"({"items":[{"productId":"MWORG","amount":1}]})"),
            R"({"seq":1,"op":"place","items":[{"productId":"MWORG","amount":1}],"status":"Completed","total":1.52})");
}

TEST_F(BasketTest, ChecksRunAmountsThenProductsThenStockAndNameTheFirstItem) {
  std::vector<std::string> out = run({
      // item 1 unknown, item 2 bad amount: amounts are checked over all items first
      R"({"id":"a","items":[{"productId":"NOPE","amount":1},{"productId":"MWBLU","amount":0}]})",
      R"({"id":"b","items":[{"productId":"MWBLU","amount":1},{"productId":"MWLEM","amount":1000000001}]})",
      R"({"id":"c","items":[{"productId":"MWBLU","amount":1},{"productId":"NOPE","amount":1},{"productId":"ZZ","amount":1}]})",
      // the third item lacks units only because of the first: earlier items of the order count
      R"({"id":"d","items":[{"productId":"MWBLU","amount":15},{"productId":"MWLEM","amount":1},{"productId":"MWBLU","amount":6}]})",
      // duplicate_id outranks everything after invalid_record
      R"({"id":"a","items":[{"productId":"MWBLU","amount":0}]})",
  });
  ASSERT_EQ(out.size(), 5u);
  EXPECT_NE(out[0].find(R"("reason":"invalid_amount","item":2,"error":"item 2: order amount must be at least 1: got 0")"), std::string::npos) << out[0];
  EXPECT_NE(out[1].find(R"("reason":"invalid_amount","item":2,"error":"item 2: order amount must be at most 1000000000: got 1000000001")"), std::string::npos) << out[1];
  EXPECT_NE(out[2].find(R"("reason":"unknown_product","item":2,"error":"item 2: product NOPE does not exist")"), std::string::npos) << out[2];
  EXPECT_NE(out[3].find(R"("reason":"insufficient_stock","item":3,"error":"item 3: not enough stock for product MWBLU: got 5, want 6")"), std::string::npos) << out[3];
  EXPECT_NE(out[4].find(R"("reason":"duplicate_id","error":"duplicate order id a")"), std::string::npos) << out[4];
  EXPECT_EQ(out[4].find("\"item\""), std::string::npos) << "duplicate_id names no item";
  EXPECT_EQ(stock("MWBLU"), 20) << "a rejected basket takes nothing";
  EXPECT_EQ(stock("MWLEM"), 30);
}

TEST_F(BasketTest, AReversalGivesBackEveryItemOnce) {
  std::vector<std::string> out = run({
      R"({"id":"b","items":[{"productId":"MWBLU","amount":2},{"productId":"MWLEM","amount":3}]})",
      R"({"id":"b","op":"reverse"})",
      R"({"id":"b","op":"reverse"})",
      R"({"id":"r","items":[{"productId":"MWBLU","amount":99},{"productId":"MWLEM","amount":1}]})",
      R"({"id":"r","op":"reverse"})",
      R"({"id":"u","items":[{"productId":"NOPE","amount":1}]})",
      R"({"id":"u","op":"reverse"})",
  });
  EXPECT_EQ(out[1], R"({"seq":2,"id":"b","op":"reverse","items":[{"productId":"MWBLU","amount":2},{"productId":"MWLEM","amount":3}],"status":"Reversed","total":7.75})");
  EXPECT_EQ(out[2], R"({"seq":3,"id":"b","op":"reverse","items":[{"productId":"MWBLU","amount":2},{"productId":"MWLEM","amount":3}],"status":"Rejected","reason":"not_reversible","error":"order b is already reversed"})");
  EXPECT_EQ(out[4], R"({"seq":5,"id":"r","op":"reverse","items":[{"productId":"MWBLU","amount":99},{"productId":"MWLEM","amount":1}],"status":"Rejected","reason":"not_reversible","error":"order r was rejected and cannot be reversed"})");
  EXPECT_EQ(out[6], R"({"seq":7,"id":"u","op":"reverse","status":"Rejected","reason":"not_reversible","error":"order u was rejected and cannot be reversed"})");
  EXPECT_EQ(stock("MWBLU"), 20);
  EXPECT_EQ(stock("MWLEM"), 30);
  EXPECT_EQ(stats.products[catalog.find("MWBLU")].sold, 0);
  EXPECT_EQ(stats.revenue, 0);
  EXPECT_EQ(stats.reversed, 1u);
}

TEST_F(BasketTest, SixtyFourItemsAreAccepted) {
  const char* ids[] = {"MWBLU", "MWLEM", "MWORG", "MWPEA", "MWRAS", "MWSTR", "MWCRA", "MWMAN"};
  std::string items;
  for (int i = 0; i < 64; ++i)
    items += std::string(i ? "," : "") + R"({"productId":")" + ids[i % 8] + R"(","amount":1})";
  std::string line = one(R"({"items":[)" + items + "]}");
  EXPECT_NE(line.find(R"("status":"Completed","total":127.60)"), std::string::npos) << line;
  EXPECT_EQ(stock("MWLEM"), 30 - 8);
}

// Every store takes all items or none, and names the first lacking item with
// the stock it found net of the earlier items of its product.
TEST(BasketStores, TakeAllIsAllOrNothingInEveryStore) {
  for (StoreKind kind : kAllStoreKinds) {
    SCOPED_TRACE(std::string(to_string(kind)));
    std::unique_ptr<ProductStore> s = make_store(kind, {10, 5, 0}, 1);
    const StockItem ok[] = {{0, 4}, {1, 5}, {0, 6}};
    BasketTake t = s->take_all(ok, 3);
    EXPECT_TRUE(t.ok);
    EXPECT_EQ(s->snapshot(), (std::vector<std::int64_t>{0, 0, 0}));
    s->give_back_all(ok, 3);
    EXPECT_EQ(s->snapshot(), (std::vector<std::int64_t>{10, 5, 0}));
    const StockItem short_third[] = {{0, 4}, {1, 2}, {0, 7}};
    t = s->take_all(short_third, 3);
    EXPECT_FALSE(t.ok);
    EXPECT_EQ(t.failed, 2u);
    EXPECT_EQ(t.stock_seen, 6);
    EXPECT_EQ(s->snapshot(), (std::vector<std::int64_t>{10, 5, 0})) << "nothing stays taken";
    const StockItem empty_product[] = {{2, 1}};
    EXPECT_FALSE(s->take_all(empty_product, 1).ok);
  }
}

TEST(BasketIndex, ABasketEntryKeepsItsItems) {
  OrderIndex index;
  const StockItem items[] = {{3, 2}, {7, 1000000000}, {3, 1}};
  for (const std::string& id : std::vector<std::string>{"a", "abcde", std::string(128, 'z')}) {
    auto [e, added] = index.insert_basket(id, std::hash<std::string>{}(id), items, 3, OrderState::kPending);
    ASSERT_TRUE(added);
    const OrderView v = index.view(e);
    EXPECT_TRUE(v.is_basket());
    EXPECT_EQ(v.id, id);
    ASSERT_EQ(v.amount, 3u);
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(v.items[k].product, items[k].product);
      EXPECT_EQ(v.items[k].amount, items[k].amount);
    }
  }
  auto [single, added] = index.insert("s", 99, 4, 2, OrderState::kPending);
  EXPECT_TRUE(added);
  EXPECT_FALSE(index.view(single).is_basket());
}

TEST(BasketGenerator, BasketsAreReproducibleValidAndOnlyInJson) {
  Catalog catalog = Catalog::builtin();
  GeneratorOptions o;
  o.count = 2000;
  o.baskets = 0.3;
  o.min_items = 1;
  o.max_items = 64;
  o.reversals = 0.1;
  auto make = [&](const GeneratorOptions& opt) {
    Result<Generator> g = Generator::create(catalog, opt);
    EXPECT_TRUE(g.ok());
    std::string out;
    std::vector<char> buf(std::max<std::size_t>(kGenerateChunkBytes, g->record_bytes_max()));
    while (!g->done()) out.append(buf.data(), g->fill(buf.data(), buf.size()));
    return std::make_pair(out, g->counts());
  };
  auto [a, counts] = make(o);
  EXPECT_EQ(a, make(o).first) << "same seed, same bytes";
  EXPECT_NEAR(static_cast<double>(counts.baskets) / static_cast<double>(counts.placed), 0.3, 0.05);
  EXPECT_NEAR(static_cast<double>(counts.items) / static_cast<double>(counts.baskets), 32.5, 3);
  // Every basket decodes as one, with 1..64 known items.
  Batch b;
  std::size_t line = 0;
  for (std::size_t at = 0; at < a.size(); ++line) {
    std::size_t nl = a.find('\n', at);
    b.add(line + 1, line + 1, a.data() + at, nl - at);
    at = nl + 1;
  }
  Decoder(catalog).decode(b);
  std::uint64_t baskets = 0;
  for (const Record& r : b.records) {
    EXPECT_EQ(r.reason, Reason::kNone);
    if (!r.is_basket()) continue;
    ++baskets;
    EXPECT_GE(r.items.count, 1);
    EXPECT_LE(r.items.count, 64);
  }
  EXPECT_EQ(baskets, counts.baskets);
  o.format = StreamFormat::kCsv;
  EXPECT_FALSE(Generator::create(catalog, o).ok());
  o.format = StreamFormat::kJsonArray;
  o.min_items = 5;
  o.max_items = 4;
  EXPECT_FALSE(validate(o).ok());
}

}  // namespace
}  // namespace orderflow
