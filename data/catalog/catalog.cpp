#include "data/catalog/catalog.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "data/codec/csv.h"
#include "data/base/file_io.h"
#include "data/base/json_util.h"
#include "data/base/utf8.h"

namespace orderflow {

std::string_view to_string(CatalogFormat f) { return enum_name(kCatalogFormats, f); }

std::optional<CatalogFormat> parse_catalog_format(std::string_view name) { return enum_value(kCatalogFormats, name); }

struct Catalog::JsonSource {
  rapidjson::Document doc;
  // The text of every number in each product object, in document order, so
  // that --stock-out writes them back exactly as written (an integer beyond
  // 2^64 or "1.10" would otherwise come back as a rounded double).
  std::vector<std::vector<std::string>> numbers;
};

Catalog::Catalog() = default;
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;
Catalog::~Catalog() = default;

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr int kJsonDepthMax = 64;  // nesting beyond this is refused, not recursed into

std::string at(const std::string& source, std::size_t line) {
  return source + ":" + std::to_string(line) + ": ";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// Stock is a plain non-negative integer no larger than kStockMax.
bool parse_stock(std::string_view text, std::int64_t* out, std::string* why) {
  if (text.empty()) {
    *why = "empty stock";
    return false;
  }
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      *why = "stock must be a non-negative integer";
      return false;
    }
    const int digit = c - '0';
    if (v > (kStockMax - digit) / 10) {  // checked before it could overflow int64
      *why = "stock larger than 2^62";
      return false;
    }
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

std::string display_name(std::string_view name, std::string_view variety) {
  std::string out(name);
  if (!variety.empty()) {
    out.push_back('(');
    out.append(variety);
    out.push_back(')');
  }
  return out;
}

Status check_id(const std::string& id, const std::string& where) {
  if (id.empty()) return Status::Corruption(where + "empty product id");
  if (!is_valid_utf8(id)) return Status::Corruption(where + "product id is not valid UTF-8");
  return Status::Ok();
}

std::size_t line_of(std::string_view bytes, std::size_t offset) {
  offset = std::min(offset, bytes.size());
  return 1 + static_cast<std::size_t>(std::count(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// Forwards SAX events into a Document while remembering where each product
// object starts and the exact text of each product's price (doubles are not
// exact), and refusing deep nesting (the Document's destructor recurses).
struct JsonCatalogHandler {
  rapidjson::Document& doc;
  rapidjson::MemoryStream& stream;
  std::vector<std::size_t> element_offsets;
  std::vector<std::string> price_texts;  // per element; empty when not a number
  std::vector<std::vector<std::string>>& numbers;  // per element: every number's text
  std::string key;                       // the last key seen at product level
  int depth = 0;
  bool too_deep = false;
  // A value that --stock-out could not write back as loadable JSON: a string
  // or key that decodes to invalid UTF-8 (a lone "\udc00" escape), or a number
  // beyond double range (1.7976931348623159e308: RapidJSON accepts the text,
  // strtod() makes it infinite). Product ids and names have their own checks.
  const char* unwritable = nullptr;
  bool seen_id = false, seen_name = false;  // in the current product object
  bool checked_later = false;               // the current member is the product's first id or name

  bool Null() {
    scalar_element();
    return doc.Null();
  }
  bool Bool(bool b) {
    scalar_element();
    return doc.Bool(b);
  }
  bool Int(int i) {
    scalar_element();
    return doc.Int(i);
  }
  bool Uint(unsigned u) {
    scalar_element();
    return doc.Uint(u);
  }
  bool Int64(std::int64_t i) {
    scalar_element();
    return doc.Int64(i);
  }
  bool Uint64(std::uint64_t u) {
    scalar_element();
    return doc.Uint64(u);
  }
  bool Double(double d) {
    scalar_element();
    return doc.Double(d);
  }
  bool RawNumber(const char* s, rapidjson::SizeType len, bool) {
    scalar_element();
    std::string text(s, len);
    if (depth >= 1 && !numbers.empty()) numbers.back().push_back(text);
    if (depth == 2 && key == "price" && !price_texts.empty()) price_texts.back() = text;
    if (text.find_first_of(".eE") == std::string::npos) {
      errno = 0;
      if (text[0] == '-') {
        long long v = std::strtoll(text.c_str(), nullptr, 10);
        if (errno == 0) return doc.Int64(v);
      } else {
        unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == 0) return doc.Uint64(v);
      }
    }
    double d = std::strtod(text.c_str(), nullptr);  // no setlocale: "C" numbers
    if (std::isinf(d)) return refuse("number out of range");
    return doc.Double(d);
  }
  bool String(const char* s, rapidjson::SizeType len, bool copy) {
    scalar_element();
    if (!(depth == 2 && checked_later) && !is_valid_utf8(std::string_view(s, len))) return refuse("string is not valid UTF-8");
    return doc.String(s, len, copy);
  }
  bool Key(const char* s, rapidjson::SizeType len, bool copy) {
    if (depth == 2) {
      key.assign(s, len);
      // Only the first "id"/"name" is read (and checked) later; a repeated one
      // is written back by --stock-out all the same.
      bool& seen = key == "id" ? seen_id : seen_name;
      checked_later = (key == "id" || key == "name") && !seen;
      if (key == "id" || key == "name") seen = true;
    }
    if (!is_valid_utf8(std::string_view(s, len))) return refuse("key is not valid UTF-8");
    return doc.Key(s, len, copy);
  }
  bool refuse(const char* why) {
    unwritable = why;
    return false;
  }
  bool StartObject() {
    if (depth == 1) start_element();
    return enter() && doc.StartObject();
  }
  bool EndObject(rapidjson::SizeType n) {
    --depth;
    return doc.EndObject(n);
  }
  bool StartArray() {
    if (depth == 1) start_element();
    return enter() && doc.StartArray();
  }
  bool EndArray(rapidjson::SizeType n) {
    --depth;
    return doc.EndArray(n);
  }
  // Every element of the top-level array, scalars included, gets an offset,
  // so that element_offsets[i] belongs to doc[i].
  void scalar_element() {
    if (depth == 1) start_element();
  }
  void start_element() {
    // The iterative reader calls StartObject/StartArray before it takes the
    // bracket, and a scalar's handler after reading it: either way Tell() is
    // on the element's own line (Tell() - 1 could be the newline before it).
    element_offsets.push_back(stream.Tell());
    price_texts.emplace_back();
    numbers.emplace_back();
    key.clear();
    seen_id = seen_name = checked_later = false;
  }
  bool enter() {
    if (++depth > kJsonDepthMax) {
      too_deep = true;
      return false;
    }
    return true;
  }
};

}  // namespace

Status Catalog::build_index(const std::vector<std::size_t>& lines, const std::string& source) {
  std::vector<std::string_view> ids;
  ids.reserve(products_.size());
  for (const Product& p : products_) ids.emplace_back(p.id);
  std::optional<std::size_t> duplicate;
  index_ = ProductIndex(ids, &duplicate);
  prices_.clear();
  prices_.reserve(products_.size());
  for (const Product& p : products_) prices_.push_back(p.price);
  if (duplicate)
    return Status::Corruption(at(source, lines[*duplicate]) + "duplicate product id " + products_[*duplicate].id);
  return Status::Ok();
}

Result<Catalog> Catalog::parse(std::string_view bytes, const std::string& source) {
  std::string_view body = bytes;
  std::size_t bom = 0;
  if (body.substr(0, kBom.size()) == kBom) bom = kBom.size();
  std::size_t first = body.find_first_not_of(" \t\r\n", bom);
  if (first == std::string_view::npos) return Status::Corruption(source + ":1: empty catalog");

  Catalog cat;
  std::vector<std::size_t> lines;  // each product's line, for errors found after parsing
  if (body[first] == '[') {
    cat.format_ = CatalogFormat::kJson;
    cat.json_ = std::make_unique<JsonSource>();
    rapidjson::Document& doc = cat.json_->doc;
    rapidjson::MemoryStream stream(body.data() + bom, body.size() - bom);
    JsonCatalogHandler handler{doc, stream, {}, {}, cat.json_->numbers, {}, 0, false, nullptr};
    rapidjson::Reader reader;
    rapidjson::ParseResult pr;
    auto generate = [&](rapidjson::Document&) {
      pr = reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag |
                        rapidjson::kParseValidateEncodingFlag>(stream, handler);
      return !pr.IsError();
    };
    doc.Populate(generate);
    if (pr.IsError()) {
      std::size_t off = bom + pr.Offset();
      if (handler.too_deep)
        return Status::Corruption(at(source, line_of(bytes, off)) + "JSON nested deeper than " +
                                  std::to_string(kJsonDepthMax) + " levels");
      if (handler.unwritable) return Status::Corruption(at(source, line_of(bytes, off)) + handler.unwritable);
      return Status::Corruption(at(source, line_of(bytes, off)) + "invalid JSON: " +
                                json_error_text(pr.Code(), pr.Offset()));
    }
    // The top level is an array, as the first byte said.
    std::size_t counted_to = 0, counted_line = 1;  // lines are counted once, going forward
    auto line_at = [&](std::size_t offset) {
      offset = std::min(offset, bytes.size());
      counted_line += static_cast<std::size_t>(std::count(bytes.begin() + static_cast<std::ptrdiff_t>(counted_to),
                                                          bytes.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
      counted_to = offset;
      return counted_line;
    };
    cat.products_.reserve(doc.Size());
    lines.reserve(doc.Size());
    for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
      const rapidjson::Value& e = doc[i];
      const std::size_t line = line_at(bom + handler.element_offsets[i]);
      std::string where = at(source, line);
      if (!e.IsObject()) return Status::Corruption(where + "product is not a JSON object");
      Product p;
      auto member = [&](const char* key) -> const rapidjson::Value* {
        auto it = e.FindMember(key);
        return it == e.MemberEnd() ? nullptr : &it->value;
      };
      const rapidjson::Value* id = member("id");
      const rapidjson::Value* name = member("name");
      const rapidjson::Value* price = member("price");
      const rapidjson::Value* stock = member("stock");
      if (!id) return Status::Corruption(where + "missing \"id\"");
      if (!id->IsString()) return Status::Corruption(where + "\"id\" must be a string");
      p.id.assign(id->GetString(), id->GetStringLength());
      if (Status s = check_id(p.id, where); !s.ok()) return s;
      where += "product " + p.id + ": ";
      if (!name) return Status::Corruption(where + "missing \"name\"");
      if (!name->IsString()) return Status::Corruption(where + "\"name\" must be a string");
      p.name.assign(name->GetString(), name->GetStringLength());
      // Validated input can still decode to bytes that are not UTF-8 (a lone
      // "\udc00" escape); they would make `catalog` and --stock-out print invalid JSON.
      if (!is_valid_utf8(p.name)) return Status::Corruption(where + "name is not valid UTF-8");
      p.product_name = p.name;
      if (!price) return Status::Corruption(where + "missing \"price\"");
      std::string why;
      const std::string& text = handler.price_texts[i];
      if (!price->IsNumber() || text.empty()) return Status::Corruption(where + "\"price\" must be a number");
      auto cents = parse_price(text, &why);
      if (!cents) return Status::Corruption(where + "bad price " + text + ": " + why);
      p.price = *cents;
      if (!stock) return Status::Corruption(where + "missing \"stock\"");
      if (!stock->IsInt64() && !stock->IsUint64())
        return Status::Corruption(where + "\"stock\" must be an integer");
      std::string stock_text = stock->IsInt64() ? std::to_string(stock->GetInt64()) : std::to_string(stock->GetUint64());
      if (!parse_stock(stock_text, &p.stock, &why))
        return Status::Corruption(where + "bad stock " + stock_text + ": " + why);
      cat.products_.push_back(std::move(p));
      lines.push_back(line);
    }
  } else {
    cat.format_ = CatalogFormat::kCsv;
    cat.csv_text_.assign(body.substr(bom));
    const std::string& text = cat.csv_text_;  // kept as it is: rows are split on a copy
    const auto rows = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    cat.products_.reserve(rows);  // exactly once: catalogs can be large
    cat.csv_rows_.reserve(rows);
    lines.reserve(rows);
    std::string row;
    std::vector<std::string_view> cells;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    bool have_header = false;
    int col_id = -1, col_name = -1, col_stock = -1, col_variety = -1, col_price = -1;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      std::size_t end = nl == std::string::npos ? text.size() : nl;
      ++line_no;
      std::size_t stop = end;
      if (stop > pos && text[stop - 1] == '\r') --stop;
      const std::size_t row_at = pos;
      row.assign(text, pos, stop - pos);
      pos = nl == std::string::npos ? text.size() : nl + 1;
      if (row.find_first_not_of(" \t") == std::string::npos) continue;  // blank line
      auto where = [&] { return at(source, line_no); };
      if (!split_csv_row(row.data(), row.data() + row.size(), cells))
        return Status::Corruption(where() + "malformed CSV quoting");
      if (!have_header) {
        have_header = true;
        for (std::size_t c = 0; c < cells.size(); ++c) {
          std::string key = lower(cells[c]);
          int* slot = key == "id" ? &col_id : key == "productname" ? &col_name
                    : key == "stock" ? &col_stock : key == "variety" ? &col_variety
                    : key == "price" ? &col_price : nullptr;
          if (slot) {
            if (*slot >= 0) return Status::Corruption(where() + "duplicate column " + std::string(cells[c]));
            *slot = static_cast<int>(c);
          }
          cat.csv_header_.emplace_back(cells[c]);
        }
        const char* missing = col_id < 0 ? "ID" : col_name < 0 ? "ProductName"
                            : col_stock < 0 ? "Stock" : col_price < 0 ? "Price" : nullptr;
        if (missing) return Status::Corruption(where() + "header has no " + missing + " column");
        cat.csv_stock_col_ = static_cast<std::size_t>(col_stock);
        continue;
      }
      if (cells.size() != cat.csv_header_.size())
        return Status::Corruption(where() + "expected " + std::to_string(cat.csv_header_.size()) +
                                  " columns, got " + std::to_string(cells.size()));
      Product p;
      p.id.assign(cells[static_cast<std::size_t>(col_id)]);
      if (Status s = check_id(p.id, where()); !s.ok()) return s;
      auto about = [&] { return where() + "product " + p.id + ": "; };
      p.product_name.assign(cells[static_cast<std::size_t>(col_name)]);
      if (col_variety >= 0) p.variety.assign(cells[static_cast<std::size_t>(col_variety)]);
      if (!is_valid_utf8(p.product_name) || !is_valid_utf8(p.variety))
        return Status::Corruption(about() + "name is not valid UTF-8");
      p.name = display_name(p.product_name, p.variety);
      std::string why;
      std::string_view price_text = cells[static_cast<std::size_t>(col_price)];
      auto cents = parse_price(price_text, &why);
      if (!cents) return Status::Corruption(about() + "bad price \"" + std::string(price_text) + "\": " + why);
      p.price = *cents;
      std::string_view stock_text = cells[static_cast<std::size_t>(col_stock)];
      if (!parse_stock(stock_text, &p.stock, &why))
        return Status::Corruption(about() + "bad stock \"" + std::string(stock_text) + "\": " + why);
      cat.csv_rows_.emplace_back(row_at, stop - row_at);
      cat.products_.push_back(std::move(p));
      lines.push_back(line_no);
    }
  }
  // Header only, or []: name the line where the catalog's content starts.
  if (cat.products_.empty()) return Status::Corruption(at(source, line_of(bytes, first)) + "catalog has no products");
  if (Status s = cat.build_index(lines, source); !s.ok()) return s;
  return cat;
}

Result<Catalog> Catalog::load(const std::string& path) {
  Result<std::string> bytes = read_file(path);
  if (!bytes.ok()) return bytes.status();
  return parse(bytes.value(), path);
}

Catalog Catalog::builtin() {
  Result<Catalog> c = parse(builtin_catalog_csv(), "builtin:products.csv");
  if (!c.ok()) std::abort();  // the build embeds a file that the tests check
  return std::move(c).value();
}

namespace {

// Writes a product object like rapidjson's Writer, but each number as the text
// it was loaded from, and the product's (first, top-level) "stock" as `stock`.
struct VerbatimNumbers {
  rapidjson::Writer<rapidjson::StringBuffer>& w;
  const std::vector<std::string>& texts;
  std::string stock;
  std::size_t next = 0;
  int depth = 0;
  bool stock_next = false, stock_done = false;

  bool number() {
    const bool is_stock = stock_next;
    stock_next = false;
    const std::string& text = next < texts.size() ? texts[next] : stock;
    ++next;
    const std::string& t = is_stock ? stock : text;
    return w.RawValue(t.data(), t.size(), rapidjson::kNumberType);
  }
  bool Null() { return value(), w.Null(); }
  bool Bool(bool b) { return value(), w.Bool(b); }
  bool Int(int) { return number(); }
  bool Uint(unsigned) { return number(); }
  bool Int64(std::int64_t) { return number(); }
  bool Uint64(std::uint64_t) { return number(); }
  bool Double(double) { return number(); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return value(), w.RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return value(), w.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    if (depth == 1 && !stock_done && std::string_view(s, n) == "stock") stock_next = stock_done = true;
    return w.Key(s, n, copy);
  }
  bool StartObject() { return value(), ++depth, w.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { return --depth, w.EndObject(n); }
  bool StartArray() { return value(), ++depth, w.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return --depth, w.EndArray(n); }
  void value() { stock_next = false; }
};

}  // namespace

std::string Catalog::serialize(const std::vector<std::int64_t>& stock) const {
  std::string out;
  if (format_ == CatalogFormat::kCsv) {
    for (std::size_t c = 0; c < csv_header_.size(); ++c) {
      if (c) out.push_back(',');
      append_csv_field(out, csv_header_[c]);
    }
    out.push_back('\n');
    std::string row;
    std::vector<std::string_view> cells;
    for (std::size_t i = 0; i < csv_rows_.size(); ++i) {
      row.assign(csv_text_, csv_rows_[i].first, csv_rows_[i].second);
      split_csv_row(row.data(), row.data() + row.size(), cells);  // it split when loaded
      std::string s = std::to_string(stock[i]);
      for (std::size_t c = 0; c < cells.size(); ++c) {
        if (c) out.push_back(',');
        append_csv_field(out, c == csv_stock_col_ ? std::string_view(s) : cells[c]);
      }
      out.push_back('\n');
    }
    return out;
  }
  // JSON: every product object with its members as loaded (numbers as
  // written), the first top-level "stock" replaced.
  const rapidjson::Document& doc = json_->doc;
  out = "[\n";
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    VerbatimNumbers v{w, json_->numbers[i], std::to_string(stock[i])};
    doc[i].Accept(v);
    out += "  ";
    out.append(sb.GetString(), sb.GetSize());
    out += i + 1 < doc.Size() ? ",\n" : "\n";
  }
  out += "]\n";
  return out;
}

namespace {
std::vector<std::uint32_t> sorted_by_id(const std::vector<Product>& products) {
  std::vector<std::uint32_t> order(products.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return products[a].id < products[b].id; });
  return order;
}
}  // namespace

std::string Catalog::listing_json() const {
  std::string out = "[\n";
  auto order = sorted_by_id(products_);
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Product& p = products_[order[k]];
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("id");
    w.String(p.id.data(), static_cast<rapidjson::SizeType>(p.id.size()));
    w.Key("name");
    w.String(p.name.data(), static_cast<rapidjson::SizeType>(p.name.size()));
    w.Key("price");
    std::string price = format_money(p.price);
    w.RawValue(price.data(), price.size(), rapidjson::kNumberType);
    w.Key("stock");
    w.Int64(p.stock);
    w.EndObject();
    out += "  ";
    out.append(sb.GetString(), sb.GetSize());
    out += k + 1 < order.size() ? ",\n" : "\n";
  }
  out += "]\n";
  return out;
}

std::string Catalog::listing_csv() const {
  std::string out = "ID,ProductName,Stock,Variety,Price\n";
  for (std::uint32_t i : sorted_by_id(products_)) {
    const Product& p = products_[i];
    append_csv_field(out, p.id);
    out.push_back(',');
    append_csv_field(out, p.product_name);
    out.push_back(',');
    append_int(out, p.stock);
    out.push_back(',');
    append_csv_field(out, p.variety);
    out.push_back(',');
    append_money(out, p.price);
    out.push_back('\n');
  }
  return out;
}

}  // namespace orderflow
