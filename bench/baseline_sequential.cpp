// baseline_sequential: the careful single-threaded program that `orderflow
// process` is measured against (bench/e2e.sh). It does the same job on the
// same input and writes the same results, byte for byte, for well-formed
// streams (the e2e workloads), in the plainest fast way:
//   - read the input in large blocks (read(2)), cut lines with memchr;
//   - parse each line with RapidJSON's DOM ParseInsitu into a reused pool;
//   - remember order ids in an arena with a flat open-addressing table;
//   - format results by hand into a large output buffer, written in big chunks.
// It deliberately uses none of orderflow's code, so that it is an independent
// reference as well as a speed baseline. Malformed records get a simplified
// error text (not byte-identical to orderflow's).
//
// usage: baseline_sequential [-c CATALOG.csv] [FILE]     (results on stdout)
#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Product {
  std::string id;
  std::int64_t price = 0;  // cents
  std::int64_t stock = 0;
};

std::uint64_t hash(std::string_view s) {  // FNV-1a, then a final mix
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 32);
}

// Product id -> index, open addressing.
struct ProductTable {
  std::vector<std::int32_t> slots;
  const std::vector<Product>* products = nullptr;
  void build(const std::vector<Product>& ps) {
    products = &ps;
    std::size_t cap = 16;
    while (cap < ps.size() * 2) cap *= 2;
    slots.assign(cap, -1);
    for (std::size_t i = 0; i < ps.size(); ++i) {
      std::size_t pos = hash(ps[i].id) & (cap - 1);
      while (slots[pos] >= 0) pos = (pos + 1) & (cap - 1);
      slots[pos] = static_cast<std::int32_t>(i);
    }
  }
  int find(std::string_view id) const {
    std::size_t mask = slots.size() - 1;
    for (std::size_t pos = hash(id) & mask;; pos = (pos + 1) & mask) {
      int i = slots[pos];
      if (i < 0) return -1;
      if ((*products)[static_cast<std::size_t>(i)].id == id) return i;
    }
  }
};

// Order id -> order, in an arena: [u8 len][u8 state][i32 product][i32 amount][id bytes].
enum : std::uint8_t { kCompleted = 1, kRejected = 2, kReversed = 3 };
struct OrderTable {
  std::vector<char> arena;
  std::vector<std::uint64_t> slots;  // (hash tag << 32) | (offset + 1)
  std::size_t size = 0;
  OrderTable() : slots(1024, 0) { arena.reserve(1 << 20); }

  char* entry(std::uint64_t slot) { return arena.data() + ((slot & 0xffffffffu) - 1); }
  static std::string_view id_of(const char* e) { return {e + 10, static_cast<unsigned char>(e[0])}; }

  // Returns the entry offset + 1 of `id`, or 0.
  std::uint64_t* find_slot(std::string_view id, std::uint64_t h) {
    std::size_t mask = slots.size() - 1;
    std::uint64_t tag = h >> 32;
    for (std::size_t pos = h & mask;; pos = (pos + 1) & mask) {
      std::uint64_t s = slots[pos];
      if (s == 0 || ((s >> 32) == tag && id_of(entry(s)) == id)) return &slots[pos];
    }
  }
  void grow() {
    std::vector<std::uint64_t> old(slots.size() * 2, 0);
    old.swap(slots);
    std::size_t mask = slots.size() - 1;
    for (std::uint64_t s : old) {
      if (!s) continue;
      std::size_t pos = hash(id_of(entry(s))) & mask;
      while (slots[pos]) pos = (pos + 1) & mask;
      slots[pos] = s;
    }
  }
  char* insert(std::uint64_t* slot, std::string_view id, std::uint64_t h, std::int32_t product, std::int32_t amount,
               std::uint8_t state) {
    std::size_t off = arena.size();
    arena.resize(off + 10 + id.size());
    char* e = arena.data() + off;
    e[0] = static_cast<char>(id.size());
    e[1] = static_cast<char>(state);
    std::memcpy(e + 2, &product, 4);
    std::memcpy(e + 6, &amount, 4);
    std::memcpy(e + 10, id.data(), id.size());
    *slot = ((h >> 32) << 32) | (off + 1);
    if (++size * 4 > slots.size() * 3) grow();
    return e;
  }
};

struct Out {
  std::string buf;
  void flush() {
    const char* p = buf.data();
    std::size_t n = buf.size();
    while (n > 0) {
      ssize_t w = ::write(1, p, n);
      if (w <= 0) std::exit(1);
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    buf.clear();
  }
  void put(std::string_view s) { buf.append(s); }
  void num(std::int64_t v) {
    char tmp[24];
    char* e = tmp + sizeof tmp;
    char* p = e;
    bool neg = v < 0;
    std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    do {
      *--p = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u);
    if (neg) *--p = '-';
    buf.append(p, e);
  }
  void money(std::int64_t cents) {
    if (cents < 0) {
      buf.push_back('-');
      cents = -cents;
    }
    num(cents / 100);
    buf.push_back('.');
    buf.push_back(static_cast<char>('0' + cents % 100 / 10));
    buf.push_back(static_cast<char>('0' + cents % 10));
  }
  void str(std::string_view s) {  // JSON string with escapes
    buf.push_back('"');
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        buf.push_back('\\');
        buf.push_back(static_cast<char>(c));
      } else if (c < 0x20) {
        static const char hex[] = "0123456789ABCDEF";
        switch (c) {
          case '\n': buf += "\\n"; break;
          case '\t': buf += "\\t"; break;
          case '\r': buf += "\\r"; break;
          case '\b': buf += "\\b"; break;
          case '\f': buf += "\\f"; break;
          default: buf += "\\u00"; buf.push_back(hex[c >> 4]); buf.push_back(hex[c & 15]);
        }
      } else {
        buf.push_back(static_cast<char>(c));
      }
    }
    buf.push_back('"');
  }
};

std::vector<Product> load_catalog(const char* path) {
  std::string text;
  if (path) {
    FILE* f = std::fopen(path, "rb");
    if (!f) {
      std::perror(path);
      std::exit(1);
    }
    char b[65536];
    std::size_t n;
    while ((n = std::fread(b, 1, sizeof b, f)) > 0) text.append(b, n);
    std::fclose(f);
  } else {
    text =
        "ID,ProductName,Stock,Variety,Price\nMWBLU,Mineral Water,20,Blueberry,1.79\n"
        "MWLEM,Mineral Water,30,Lemon-Lime,1.39\nMWORG,Mineral Water,20,Orange,1.52\n"
        "MWPEA,Mineral Water,30,Peach,3.29\nMWRAS,Mineral Water,20,Raspberry,1.79\n"
        "MWSTR,Mineral Water,30,Strawberry,1.89\nMWCRA,Mineral Water,20,Cranberry,1.49\n"
        "MWMAN,Mineral Water,30,Mango,2.79\n";
  }
  std::vector<Product> out;
  std::vector<std::string> cols;
  int c_id = -1, c_stock = -1, c_price = -1;
  std::size_t pos = 0;
  bool header = true;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    cols.clear();
    std::size_t a = 0;
    for (;;) {  // the catalogs used here have no quoted cells
      std::size_t b = line.find(',', a);
      cols.push_back(line.substr(a, b == std::string::npos ? std::string::npos : b - a));
      if (b == std::string::npos) break;
      a = b + 1;
    }
    if (header) {
      for (std::size_t i = 0; i < cols.size(); ++i) {
        if (cols[i] == "ID") c_id = static_cast<int>(i);
        if (cols[i] == "Stock") c_stock = static_cast<int>(i);
        if (cols[i] == "Price") c_price = static_cast<int>(i);
      }
      header = false;
      continue;
    }
    Product p;
    p.id = cols[static_cast<std::size_t>(c_id)];
    p.stock = std::atoll(cols[static_cast<std::size_t>(c_stock)].c_str());
    const std::string& pr = cols[static_cast<std::size_t>(c_price)];
    std::size_t dot = pr.find('.');
    std::int64_t whole = std::atoll(pr.substr(0, dot).c_str());
    std::int64_t frac = 0;
    if (dot != std::string::npos) {
      std::string f = pr.substr(dot + 1);
      if (f.size() == 1) f += "0";
      frac = std::atoll(f.c_str());
    }
    p.price = whole * 100 + frac;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const char* catalog_path = nullptr;
  const char* input = nullptr;
  for (int i = 1; i < argc; ++i) {
    if ((std::strcmp(argv[i], "-c") == 0 || std::strcmp(argv[i], "--catalog") == 0) && i + 1 < argc) catalog_path = argv[++i];
    else input = argv[i];
  }
  std::vector<Product> products = load_catalog(catalog_path);
  ProductTable ptable;
  ptable.build(products);
  OrderTable orders;
  int fd = 0;
  std::string name = "-";
  if (input && std::strcmp(input, "-") != 0) {
    fd = ::open(input, O_RDONLY);
    if (fd < 0) {
      std::perror(input);
      return 1;
    }
    name = input;
  }

  Out out;
  out.buf.reserve(4 << 20);
  char pool_buf[1 << 16];
  rapidjson::MemoryPoolAllocator<> pool(pool_buf, sizeof pool_buf);
  rapidjson::Document doc(&pool);
  std::vector<char> buf(4 << 20);
  std::size_t have = 0;
  std::uint64_t seq = 0, line_no = 0;

  auto record = [&](char* line, std::size_t len) {
    ++line_no;
    if (len && line[len - 1] == '\r') --len;
    bool blank = true;
    for (std::size_t i = 0; i < len && blank; ++i) blank = line[i] == ' ' || line[i] == '\t';
    if (blank) return;
    line[len] = '\0';
    ++seq;
    out.put("{\"seq\":");
    out.num(static_cast<std::int64_t>(seq));
    pool.Clear();
    doc.ParseInsitu(line);
    auto invalid = [&](const std::string& why) {
      out.put(",\"status\":\"Rejected\",\"reason\":\"invalid_record\",\"error\":");
      out.str(name + ":" + std::to_string(line_no) + ": " + why);
      out.put("}\n");
    };
    if (doc.HasParseError()) return invalid(std::string("invalid JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()));
    if (!doc.IsObject()) return invalid("record is not a JSON object");
    auto m_id = doc.FindMember("id"), m_op = doc.FindMember("op");
    auto m_prod = doc.FindMember("productId"), m_amount = doc.FindMember("amount");
    const bool has_id = m_id != doc.MemberEnd();
    if (has_id && (!m_id->value.IsString() || m_id->value.GetStringLength() == 0)) return invalid("field id must be a string");
    std::string_view id = has_id ? std::string_view(m_id->value.GetString(), m_id->value.GetStringLength()) : std::string_view();
    bool reverse = false;
    if (m_op != doc.MemberEnd()) {
      if (!m_op->value.IsString()) return invalid("field op must be place or reverse");
      std::string_view op(m_op->value.GetString(), m_op->value.GetStringLength());
      if (op == "reverse") reverse = true;
      else if (op != "place") return invalid("field op must be place or reverse");
    }
    if (reverse) {
      if (!has_id) return invalid("missing field id");
      out.put(",\"id\":");
      out.str(id);
      out.put(",\"op\":\"reverse\"");
      std::uint64_t* slot = orders.find_slot(id, hash(id));
      if (*slot == 0) {
        out.put(",\"status\":\"Rejected\",\"reason\":\"unknown_order\",\"error\":");
        out.str("order " + std::string(id) + " does not exist");
        out.put("}\n");
        return;
      }
      char* e = orders.entry(*slot);
      std::int32_t p, amount;
      std::memcpy(&p, e + 2, 4);
      std::memcpy(&amount, e + 6, 4);
      if (p >= 0) {
        out.put(",\"productId\":");
        out.str(products[static_cast<std::size_t>(p)].id);
        out.put(",\"amount\":");
        out.num(amount);
      }
      if (e[1] != kCompleted) {
        out.put(",\"status\":\"Rejected\",\"reason\":\"not_reversible\",\"error\":");
        out.str("order " + std::string(id) +
                (e[1] == kReversed ? " is already reversed" : " was rejected and cannot be reversed"));
        out.put("}\n");
        return;
      }
      e[1] = kReversed;
      products[static_cast<std::size_t>(p)].stock += amount;
      out.put(",\"status\":\"Reversed\",\"total\":");
      out.money(amount * products[static_cast<std::size_t>(p)].price);
      out.put("}\n");
      return;
    }
    if (m_prod == doc.MemberEnd()) return invalid("missing field productId");
    if (!m_prod->value.IsString()) return invalid("field productId must be a string");
    if (m_amount == doc.MemberEnd()) return invalid("missing field amount");
    if (!m_amount->value.IsInt64()) return invalid("field amount must be an integer");
    std::string_view prod(m_prod->value.GetString(), m_prod->value.GetStringLength());
    std::int64_t amount = m_amount->value.GetInt64();
    if (has_id) {
      out.put(",\"id\":");
      out.str(id);
    }
    out.put(",\"op\":\"place\",\"productId\":");
    out.str(prod);
    out.put(",\"amount\":");
    out.num(amount);
    char* entry = nullptr;
    if (has_id) {
      std::uint64_t h = hash(id);
      std::uint64_t* slot = orders.find_slot(id, h);
      if (*slot != 0) {
        out.put(",\"status\":\"Rejected\",\"reason\":\"duplicate_id\",\"error\":");
        out.str("duplicate order id " + std::string(id));
        out.put("}\n");
        return;
      }
      entry = orders.insert(slot, id, h, -1, 0, kRejected);
    }
    if (amount < 1 || amount > 1000000000) {
      out.put(",\"status\":\"Rejected\",\"reason\":\"invalid_amount\",\"error\":");
      out.str(std::string(amount < 1 ? "order amount must be at least 1: got " : "order amount must be at most 1000000000: got ") +
              std::to_string(amount));
      out.put("}\n");
      return;
    }
    int p = ptable.find(prod);
    if (p < 0) {
      out.put(",\"status\":\"Rejected\",\"reason\":\"unknown_product\",\"error\":");
      out.str("product " + std::string(prod) + " does not exist");
      out.put("}\n");
      return;
    }
    Product& pr = products[static_cast<std::size_t>(p)];
    if (entry) {
      std::int32_t p32 = p, a32 = static_cast<std::int32_t>(amount);
      std::memcpy(entry + 2, &p32, 4);
      std::memcpy(entry + 6, &a32, 4);
    }
    if (pr.stock < amount) {
      out.put(",\"status\":\"Rejected\",\"reason\":\"insufficient_stock\",\"error\":\"not enough stock for product ");
      out.put(pr.id);
      out.put(": got ");
      out.num(pr.stock);
      out.put(", want ");
      out.num(amount);
      out.put("\"}\n");
      return;
    }
    pr.stock -= amount;
    if (entry) entry[1] = kCompleted;
    out.put(",\"status\":\"Completed\",\"total\":");
    out.money(amount * pr.price);
    out.put("}\n");
  };

  for (;;) {
    ssize_t n = ::read(fd, buf.data() + have, buf.size() - have - 1);
    if (n < 0) {
      std::perror("read");
      return 1;
    }
    std::size_t end = have + static_cast<std::size_t>(n);
    char* p = buf.data();
    char* stop = buf.data() + end;
    while (true) {
      char* nl = static_cast<char*>(std::memchr(p, '\n', static_cast<std::size_t>(stop - p)));
      if (!nl) break;
      record(p, static_cast<std::size_t>(nl - p));
      p = nl + 1;
    }
    have = static_cast<std::size_t>(stop - p);
    if (n == 0) {
      if (have) record(p, have);
      break;
    }
    std::memmove(buf.data(), p, have);
    if (have + 1 >= buf.size()) buf.resize(buf.size() * 2);
    if (out.buf.size() > (2 << 20)) out.flush();
  }
  out.flush();
  return 0;
}
