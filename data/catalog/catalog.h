#pragma once
// The product catalog: what can be ordered, at what price, with how much stock.
//
// Loaded once (CSV or JSON, told by the first non-blank byte), immutable after
// that: concurrent reads are thread-safe. Stock here is the *initial* stock; the
// running stock lives in a ProductStore. Products are addressed by a dense
// index (uint32_t) in file order. A catalog can be written back in its own
// format and columns with new stock levels (--stock-out).
//
// Any bad line is fatal: the Status message reads "SOURCE:LINE: reason".
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/base/enum_table.h"
#include "data/base/money.h"
#include "data/model/order.h"
#include "data/catalog/product_index.h"
#include "data/base/status.h"

namespace orderflow {

struct Product {
  std::string id;
  std::string name;          // display name: "ProductName(Variety)", or the JSON "name"
  std::string product_name;  // CSV ProductName (JSON: the name)
  std::string variety;       // CSV Variety (JSON: empty)
  Cents price = 0;
  std::int64_t stock = 0;    // initial stock, 0..kStockMax
};

enum class CatalogFormat : std::uint8_t { kCsv, kJson };

// The one table of catalog formats (data/base/enum_table.h): the names
// `catalog -f` and `ledger stock --format` take and the ledger stores.
inline constexpr EnumName<CatalogFormat> kCatalogFormats[] = {
    {CatalogFormat::kJson, "json"},
    {CatalogFormat::kCsv, "csv"},
};
std::string_view to_string(CatalogFormat f);  // "json", "csv"
std::optional<CatalogFormat> parse_catalog_format(std::string_view name);

class Catalog {
 public:
  Catalog();
  Catalog(Catalog&&) noexcept;
  Catalog& operator=(Catalog&&) noexcept;
  Catalog(const Catalog&) = delete;  // the index holds views into products_
  Catalog& operator=(const Catalog&) = delete;
  ~Catalog();

  // Parses catalog text; `source` names it in error messages.
  static Result<Catalog> parse(std::string_view bytes, const std::string& source);
  // Reads and parses a file.
  static Result<Catalog> load(const std::string& path);
  // data/products.csv, compiled into the binary.
  static Catalog builtin();

  std::size_t size() const { return products_.size(); }
  const Product& product(std::uint32_t i) const { return products_[i]; }
  const std::vector<Product>& products() const { return products_; }
  // Product i's price, from a dense array (the hot path reads prices only).
  Cents price(std::uint32_t i) const { return prices_[i]; }
  // The index of product `id`, or kNoProduct. Never allocates. Thread-safe.
  std::uint32_t find(std::string_view id) const { return index_.find(id); }
  // The catalog's product index itself (for batched, prefetched look-ups).
  const ProductIndex& index() const { return index_; }
  CatalogFormat format() const { return format_; }

  // The catalog in its own format, columns and order, with stock[i] as the
  // stock of product i (--stock-out). REQUIRES: stock.size() == size().
  std::string serialize(const std::vector<std::int64_t>& stock) const;

  // `orderflow catalog`: every product sorted by id, as a JSON array of
  // {"id","name","price","stock"} or in the CSV layout of data/products.csv.
  std::string listing_json() const;
  std::string listing_csv() const;
  std::string listing(CatalogFormat f) const { return f == CatalogFormat::kCsv ? listing_csv() : listing_json(); }

 private:
  struct JsonSource;  // the parsed JSON document, kept to write it back
  // Indexes the products; a duplicate id is an error naming its line.
  Status build_index(const std::vector<std::size_t>& lines, const std::string& source);

  std::vector<Product> products_;
  std::vector<Cents> prices_;  // products_[i].price, packed for the hot path
  ProductIndex index_;
  CatalogFormat format_ = CatalogFormat::kCsv;
  // CSV: the header, and the text of every product's row (one string for all,
  // with each row's span), kept so extra columns survive a save.
  std::vector<std::string> csv_header_;
  std::string csv_text_;
  std::vector<std::pair<std::size_t, std::size_t>> csv_rows_;  // (offset, length) in csv_text_
  std::size_t csv_stock_col_ = 0;
  std::unique_ptr<JsonSource> json_;
};

// The bytes of data/products.csv (generated at build time).
std::string_view builtin_catalog_csv();

}  // namespace orderflow
