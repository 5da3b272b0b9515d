// Property test for baskets (SPEC.md "Linked orders"): thousands of random
// streams' worth of records mixing baskets (a repeated product, an unknown
// product at item k, a bad amount at item k, 64 and 65 items, empty items,
// malformed shapes) with single-item orders, reversals of both and duplicate
// ids, run through the binary and compared, record by record, with a
// sequential reference written here (std::map state; nothing from data/).
// Then the determinism matrix: the sharded store gives the same bytes for
// workers {1,2,3,8} x batch {1,64,2048}; and every safe store conserves stock
// and never sells a basket partly.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/e2e/json_line.h"
#include "tests/sanitizers.h"
#include "tests/test_util.h"

namespace orderflow::testing {
namespace {

struct RefProduct {
  std::string id;
  long long stock;
  long long price_cents;
};

// Small stocks, so that baskets often find an item short; nine products, so
// that with 2, 3 or 8 owners most baskets span several owners.
const std::vector<RefProduct> kProducts = {
    {"A", 60, 179}, {"B", 30, 5},  {"C", 0, 200}, {"D", 200, 1234}, {"E", 25, 99},
    {"F", 40, 150}, {"G", 80, 310}, {"H", 15, 42}, {"I", 50, 1000},
};
std::string catalog_csv() {
  std::string s = "ID,ProductName,Stock,Variety,Price\n";
  for (const RefProduct& p : kProducts) {
    char price[32];
    std::snprintf(price, sizeof price, "%lld.%02lld", p.price_cents / 100, p.price_cents % 100);
    s += p.id + ",Name," + std::to_string(p.stock) + ",v," + price + "\n";
  }
  return s;
}

std::string money(long long cents) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", cents < 0 ? "-" : "", std::llabs(cents) / 100, std::llabs(cents) % 100);
  return buf;
}

struct GenItem {
  std::string product;
  std::string amount;  // integer text as written
};

// One generated record.
struct Gen {
  std::string line;
  bool invalid = false;  // must be invalid_record
  bool reverse = false;
  bool basket = false;
  std::string id;
  std::vector<GenItem> items;  // a basket's items; a single order has exactly one
};

struct Expected {
  std::string status, reason, total, error;
  int item = 0;                       // "item":K, 0: absent
  std::optional<std::string> echo;    // "P:2;Q:1" of the echoed items / productId:amount
  bool basket_echo = false;           // echoed as items (else productId/amount)
};

long long parse_amount(const std::string& t) {
  bool neg = t[0] == '-';
  long long v = 0;
  for (std::size_t i = neg ? 1 : 0; i < t.size(); ++i) {
    v = v * 10 + (t[i] - '0');
    if (v > 10'000'000'000LL) return neg ? -v : v;  // far out of range: enough to tell
  }
  return neg ? -v : v;
}

std::string echo_of(const std::vector<GenItem>& items) {
  std::string s;
  for (const GenItem& it : items) s += (s.empty() ? "" : ";") + it.product + ":" + it.amount;
  return s;
}

class Reference {
 public:
  Reference() {
    for (const RefProduct& p : kProducts) products_[p.id] = p;
  }

  Expected decide(const Gen& g) {
    Expected e;
    if (g.invalid) return reject(e, "invalid_record");
    if (g.reverse) return reverse(g, e);
    e.echo = echo_of(g.items);
    e.basket_echo = g.basket;
    if (!g.id.empty() && orders_.count(g.id)) return reject(e, "duplicate_id");
    Order o;
    auto prefix = [&](std::size_t k) { return g.basket ? "item " + std::to_string(k + 1) + ": " : std::string(); };
    auto name = [&](std::size_t k) { e.item = g.basket ? static_cast<int>(k + 1) : 0; };
    bool rejected = false;
    for (std::size_t k = 0; k < g.items.size() && !rejected; ++k) {
      long long a = parse_amount(g.items[k].amount);
      if (a < 1 || a > 1'000'000'000) {
        name(k);
        reject(e, "invalid_amount",
               prefix(k) + (a < 1 ? "order amount must be at least 1: got " : "order amount must be at most 1000000000: got ") +
                   g.items[k].amount);
        rejected = true;
      }
    }
    for (std::size_t k = 0; k < g.items.size() && !rejected; ++k) {
      if (!products_.count(g.items[k].product)) {
        name(k);
        reject(e, "unknown_product", prefix(k) + "product " + g.items[k].product + " does not exist");
        rejected = true;
      }
    }
    if (!rejected) {
      o.items = g.items;
      o.valid = true;
      o.basket = g.basket;
      std::map<std::string, long long> taken;  // earlier items of this order, by product
      for (std::size_t k = 0; k < g.items.size() && !rejected; ++k) {
        const std::string& p = g.items[k].product;
        long long a = parse_amount(g.items[k].amount);
        long long left = products_[p].stock - taken[p];
        if (left < a) {
          name(k);
          reject(e, "insufficient_stock",
                 prefix(k) + "not enough stock for product " + p + ": got " + std::to_string(left) + ", want " +
                     g.items[k].amount);
          rejected = true;
        }
        taken[p] += a;
      }
      if (!rejected) {
        long long total = 0;
        for (const GenItem& it : g.items) {
          long long a = parse_amount(it.amount);
          products_[it.product].stock -= a;
          sold_[it.product] += a;
          total += a * products_[it.product].price_cents;
        }
        o.completed = true;
        revenue_ += total;
        e.status = "Completed";
        e.total = money(total);
        ++counts_["Completed"];
      }
    }
    if (!g.id.empty()) orders_[g.id] = o;  // the id is taken whatever the outcome
    return e;
  }

  long long stock(const std::string& p) const { return products_.at(p).stock; }
  long long sold(const std::string& p) const { return sold_.count(p) ? sold_.at(p) : 0; }
  long long revenue() const { return revenue_; }
  std::map<std::string, long long>& counts() { return counts_; }

 private:
  struct Order {
    std::vector<GenItem> items;
    bool valid = false;      // got past its own checks (amounts, products)
    bool basket = false;
    bool completed = false;
    bool reversed = false;
  };

  Expected& reverse(const Gen& g, Expected& e) {
    auto it = orders_.find(g.id);
    if (it == orders_.end()) return reject(e, "unknown_order");
    Order& o = it->second;
    if (o.valid) {
      e.echo = echo_of(o.items);
      e.basket_echo = o.basket;
    }
    if (!o.completed || o.reversed) return reject(e, "not_reversible");
    o.reversed = true;
    long long total = 0;
    for (const GenItem& item : o.items) {
      long long a = parse_amount(item.amount);
      products_[item.product].stock += a;
      sold_[item.product] -= a;
      total += a * products_[item.product].price_cents;
    }
    revenue_ -= total;
    e.status = "Reversed";
    e.total = money(total);
    ++counts_["Reversed"];
    return e;
  }
  Expected& reject(Expected& e, const std::string& reason, const std::string& error = "") {
    e.status = "Rejected";
    e.reason = reason;
    e.error = error;
    ++counts_["reason:" + reason];
    return e;
  }

  std::map<std::string, RefProduct> products_;
  std::map<std::string, Order> orders_;
  std::map<std::string, long long> sold_;
  std::map<std::string, long long> counts_;
  long long revenue_ = 0;
};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  std::vector<Gen> make(int records) {
    std::vector<Gen> out;
    while (static_cast<int>(out.size()) < records) {
      int k = pick(100);
      if (k < 30) out.push_back(basket(fresh_or_pooled_id(), good_items(1 + pick(5))));
      else if (k < 34) out.push_back(basket("", good_items(1 + pick(4))));
      else if (k < 38) out.push_back(basket(fresh_or_pooled_id(), repeated_items()));
      else if (k < 42) out.push_back(basket(fresh_or_pooled_id(), with_bad_item(false)));   // unknown product at k
      else if (k < 46) out.push_back(basket(fresh_or_pooled_id(), with_bad_item(true)));    // bad amount at k
      else if (k < 47) out.push_back(basket(fresh_or_pooled_id(), good_items(64)));
      else if (k < 49) out.push_back(basket(used_id(), good_items(1 + pick(3))));            // duplicate id
      else if (k < 64) out.push_back(single(fresh_or_pooled_id()));
      else if (k < 80) out.push_back(reverse(used_id()));
      else if (k < 83) out.push_back(reverse("zz" + std::to_string(serial_++)));
      else out.push_back(malformed());
    }
    return out;
  }

 private:
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  std::string pooled_id() { return "p" + std::to_string(pick(300)); }
  std::string fresh_or_pooled_id() { return pick(10) < 7 ? "n" + std::to_string(serial_++) : pooled_id(); }
  std::string used_id() {
    return used_.empty() ? pooled_id() : used_[static_cast<std::size_t>(pick(static_cast<int>(used_.size())))];
  }
  std::string real_product() { return kProducts[static_cast<std::size_t>(pick(static_cast<int>(kProducts.size())))].id; }
  std::string amount() { return std::to_string(1 + pick(pick(8) == 0 ? 30 : 6)); }

  std::vector<GenItem> good_items(int n) {
    std::vector<GenItem> v;
    for (int i = 0; i < n; ++i) v.push_back({real_product(), n > 8 ? "1" : amount()});
    return v;
  }
  std::vector<GenItem> repeated_items() {
    std::vector<GenItem> v = good_items(2 + pick(3));
    v.push_back(v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))]);
    std::shuffle(v.begin(), v.end(), rng_);
    return v;
  }
  std::vector<GenItem> with_bad_item(bool bad_amount) {
    std::vector<GenItem> v = good_items(1 + pick(5));
    const char* fakes[] = {"NOPE", "a", "Z", "AA"};
    const char* amounts[] = {"0", "-2", "1000000001", "99999999999999999999999"};
    for (int n = 1 + pick(2); n > 0; --n) {  // one or two bad items, anywhere
      GenItem& it = v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))];
      if (bad_amount || pick(4) == 0) it.amount = amounts[pick(4)];
      if (!bad_amount || pick(4) == 0) it.product = fakes[pick(4)];
    }
    return v;
  }

  Gen basket(const std::string& id, std::vector<GenItem> items) {
    Gen g;
    g.basket = true;
    g.id = id;
    g.items = std::move(items);
    std::string s = "{";
    if (!id.empty()) s += "\"id\":\"" + id + "\",";
    if (pick(6) == 0) s += "\"op\":\"place\",";
    s += "\"items\":[";
    for (std::size_t i = 0; i < g.items.size(); ++i) {
      const GenItem& it = g.items[i];
      std::string item = pick(2) ? "{\"productId\":\"" + it.product + "\",\"amount\":" + it.amount + "}"
                                 : "{\"amount\":" + it.amount + ",\"note\":[1,{\"amount\":\"x\"}],\"productId\":\"" +
                                       it.product + "\"}";
      s += (i ? "," : "") + item;
    }
    s += "]";
    if (pick(8) == 0) s += ",\"note\":{\"productId\":3}";
    s += "}";
    g.line = s;
    if (!id.empty()) used_.push_back(id);
    return g;
  }
  Gen single(const std::string& id) {
    Gen g;
    g.id = id;
    g.items = {{real_product(), amount()}};
    g.line = "{" + (id.empty() ? std::string() : "\"id\":\"" + id + "\",") + "\"productId\":\"" + g.items[0].product +
             "\",\"amount\":" + g.items[0].amount + "}";
    if (!id.empty()) used_.push_back(id);
    return g;
  }
  Gen reverse(const std::string& id) {
    Gen g;
    g.reverse = true;
    g.id = id;
    g.line = "{\"op\":\"reverse\",\"id\":\"" + id + "\"}";
    return g;
  }
  // Every malformed shape of SPEC.md's items; ids in them are not taken.
  Gen malformed() {
    Gen g;
    g.invalid = true;
    const std::string id = "\"id\":\"" + pooled_id() + "\",";
    const std::string p = real_product();
    std::string many;
    for (int i = 0; i < 65; ++i) {
      if (i) many += ',';
      many += "{\"productId\":\"";
      many += p;
      many += "\",\"amount\":1}";
    }
    switch (pick(12)) {
      case 0: g.line = "{" + id + "\"items\":[]}"; break;
      case 1: g.line = "{" + id + "\"items\":[" + many + "]}"; break;
      case 2: g.line = "{" + id + "\"items\":[{\"productId\":\"" + p + "\",\"amount\":1}],\"productId\":\"" + p + "\"}"; break;
      case 3: g.line = "{" + id + "\"amount\":2,\"items\":[{\"productId\":\"" + p + "\",\"amount\":1}]}"; break;
      case 4: g.line = "{" + id + "\"items\":[{\"productId\":\"" + p + "\",\"amount\":1},3]}"; break;
      case 5: g.line = "{" + id + "\"items\":[{\"productId\":\"" + p + "\"}]}"; break;
      case 6: g.line = "{" + id + "\"items\":[{\"amount\":1}]}"; break;
      case 7: g.line = "{" + id + "\"items\":[{\"productId\":\"" + p + "\",\"amount\":\"1\"}]}"; break;
      case 8: g.line = "{" + id + "\"items\":[{\"productId\":7,\"amount\":1}]}"; break;
      case 9: g.line = "{" + id + "\"items\":{\"productId\":\"" + p + "\",\"amount\":1}}"; break;
      case 10: g.line = "{" + id + "\"items\":[[\"" + p + "\",1]]}"; break;
      default: g.line = "{" + id + "\"items\":[{\"productId\":\"" + p + "\",\"amount\":1,\"amount\":2}]}"; break;
    }
    return g;
  }

  std::mt19937_64 rng_;
  std::vector<std::string> used_;
  int serial_ = 0;
};

std::string input_of(const std::vector<Gen>& gens) {
  std::string s;
  for (const Gen& g : gens) s += g.line + "\n";
  return s;
}

// The echoed items ("P:2;Q:1") of a result line, or its productId:amount.
std::string echo_in(const JsonLine& j, bool& as_items) {
  as_items = j.has("items");
  if (!as_items) return j.has("productId") ? j.str("productId") + ":" + j.num("amount") : "";
  std::string s;
  const rapidjson::Value& items = j.raw()["items"];
  for (rapidjson::SizeType i = 0; i < items.Size(); ++i)
    s += std::string(i ? ";" : "") + items[i]["productId"].GetString() + ":" + items[i]["amount"].GetString();
  return s;
}

class BasketReferenceTest : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(BasketReferenceTest, EveryResultMatchesTheSequentialReference) {
  const int kRecords = kSanitized ? 800 : 4000;
  Generator gen(GetParam());
  std::vector<Gen> gens = gen.make(kRecords);
  TempDir dir;
  write_file(dir.file("cat.csv"), catalog_csv());
  write_file(dir.file("gen.ndjson"), input_of(gens));
  RunOptions o;
  o.cwd = dir.path();
  for (const char* workers : {"1", "3"}) {
    SCOPED_TRACE(std::string("workers ") + workers);
    RunResult r = run({"process", "-q", "-c", "cat.csv", "gen.ndjson", "--summary", "sum.json", "-w", workers,
                       "--batch", "50"},
                      o);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> out = lines(r.out);
    ASSERT_EQ(out.size(), gens.size());
    Reference ref;
    for (std::size_t i = 0; i < gens.size(); ++i) {
      const Gen& g = gens[i];
      Expected e = ref.decide(g);
      JsonLine j(out[i]);
      ASSERT_TRUE(j.ok()) << out[i];
      SCOPED_TRACE("input line " + std::to_string(i + 1) + ": " + g.line + "\nresult: " + out[i]);
      ASSERT_EQ(j.num("seq"), std::to_string(i + 1));
      ASSERT_EQ(j.str("status"), e.status);
      if (e.reason.empty()) {
        EXPECT_FALSE(j.has("reason"));
      } else {
        ASSERT_EQ(j.str("reason"), e.reason);
      }
      if (!e.error.empty()) {
        EXPECT_EQ(j.str("error"), e.error);
      }
      if (e.item) {
        EXPECT_EQ(j.num("item"), std::to_string(e.item));
      } else {
        EXPECT_FALSE(j.has("item"));
      }
      if (e.total.empty()) {
        EXPECT_FALSE(j.has("total"));
      } else {
        EXPECT_EQ(j.num("total"), e.total);
      }
      if (g.invalid) {
        EXPECT_EQ(j.keys(), (std::vector<std::string>{"seq", "status", "reason", "error"}));
        continue;
      }
      bool as_items = false;
      std::string echo = echo_in(j, as_items);
      if (!e.echo) {
        EXPECT_EQ(echo, "");
      } else {
        EXPECT_EQ(echo, *e.echo);
        EXPECT_EQ(as_items, e.basket_echo);
      }
    }
    auto& counts = ref.counts();
    for (const char* c : {"Completed", "Reversed", "reason:invalid_record", "reason:duplicate_id",
                          "reason:invalid_amount", "reason:unknown_product", "reason:insufficient_stock",
                          "reason:unknown_order", "reason:not_reversible"})
      EXPECT_GT(counts[c], kSanitized ? 2 : 10) << c << " is too rare to test anything";
    JsonLine s(read_file(dir.file("sum.json")));
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s.num("completedOrders"), std::to_string(counts["Completed"]));
    EXPECT_EQ(s.num("reversedOrders"), std::to_string(counts["Reversed"]));
    EXPECT_EQ(s.num("revenue"), money(ref.revenue()));
    const rapidjson::Value& products = s.doc()["products"];
    ASSERT_EQ(products.Size(), kProducts.size());
    for (rapidjson::SizeType i = 0; i < products.Size(); ++i) {
      const std::string id = products[i]["id"].GetString();
      EXPECT_EQ(products[i]["stock"].GetInt64(), ref.stock(id)) << id;
      EXPECT_EQ(products[i]["sold"].GetInt64(), ref.sold(id)) << id;
    }
  }
}

// workers {1,2,3,8} x batch {1,64,2048}: the same bytes, results and summary.
TEST_P(BasketReferenceTest, DeterminismMatrixGivesTheSameBytes) {
  Generator gen(GetParam() * 7919 + 3);
  std::vector<Gen> gens = gen.make(kSanitized ? 600 : 3000);
  TempDir dir;
  write_file(dir.file("cat.csv"), catalog_csv());
  write_file(dir.file("gen.ndjson"), input_of(gens));
  RunOptions o;
  o.cwd = dir.path();
  std::string first_out, first_stock;
  for (const char* w : {"1", "2", "3", "8"}) {
    for (const char* batch : {"1", "64", "2048"}) {
      RunResult r = run({"process", "-q", "-c", "cat.csv", "gen.ndjson", "-w", w, "--batch", batch, "--stock-out",
                         "stock.csv"},
                        o);
      const std::string label = std::string(w) + " workers, batch " + batch;
      ASSERT_EQ(r.exit_code, 0) << label << ": " << r.err;
      std::string stock = read_file(dir.file("stock.csv"));
      if (first_out.empty()) {
        first_out = r.out;
        first_stock = stock;
        continue;
      }
      EXPECT_TRUE(testing::same_text(r.out, first_out)) << label << ": results differ from 1 worker, batch 1";
      EXPECT_EQ(stock, first_stock) << label;
    }
  }
}

// The safe shared stores, many workers racing: stock conserved (sold + left =
// initial), and a Completed basket sold every item (no basket sold partly:
// the units sold equal the completed items' units, net of reversals).
TEST_P(BasketReferenceTest, SharedStoresConserveStockAndNeverSellPartly) {
  Generator gen(GetParam() + 555);
  std::vector<Gen> gens = gen.make(kSanitized ? 600 : 3000);
  TempDir dir;
  write_file(dir.file("cat.csv"), catalog_csv());
  write_file(dir.file("gen.ndjson"), input_of(gens));
  RunOptions o;
  o.cwd = dir.path();
  for (const char* store : {"mutex", "striped", "atomic", "sharded"}) {
    SCOPED_TRACE(store);
    RunResult r = run({"process", "-q", "-c", "cat.csv", "gen.ndjson", "-w", "4", "--batch", "16", "--store", store,
                       "--summary", "sum.json"},
                      o);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Units per product from the results: + each item of a Completed order, - each of a Reversed one.
    std::map<std::string, long long> units;
    for (const std::string& line : lines(r.out)) {
      JsonLine j(line);
      const std::string status = j.str("status");
      if (status != "Completed" && status != "Reversed") continue;
      bool as_items = false;
      std::string echo = echo_in(j, as_items);
      for (std::size_t at = 0; at < echo.size();) {
        std::size_t end = echo.find(';', at);
        if (end == std::string::npos) end = echo.size();
        std::string item = echo.substr(at, end - at);
        std::size_t colon = item.rfind(':');
        units[item.substr(0, colon)] += (status == "Completed" ? 1 : -1) * std::stoll(item.substr(colon + 1));
        at = end + 1;
      }
    }
    JsonLine s(read_file(dir.file("sum.json")));
    const rapidjson::Value& products = s.doc()["products"];
    for (rapidjson::SizeType i = 0; i < products.Size(); ++i) {
      const std::string id = products[i]["id"].GetString();
      const long long stock = products[i]["stock"].GetInt64(), sold = products[i]["sold"].GetInt64();
      EXPECT_GE(stock, 0) << id;
      EXPECT_EQ(stock + sold, kProducts[i].stock) << id << ": stock not conserved";
      EXPECT_EQ(sold, units[id]) << id << ": units taken that no Completed result accounts for";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, BasketReferenceTest, ::testing::Values(1u, 2u, 77u));

}  // namespace
}  // namespace orderflow::testing
