#include "cli/summary_report.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace orderflow {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void raw(Writer& w, const std::string& s) { w.RawValue(s.data(), s.size(), rapidjson::kNumberType); }
void money(Writer& w, Cents128 c) { raw(w, format_money(c)); }
void str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);  // no setlocale(): always a '.'
  return buf;
}

double rate(const Stats& s, const RunFacts& f) {
  return f.elapsed_seconds > 0 ? static_cast<double>(s.records) / f.elapsed_seconds : 0.0;
}

// Rejections (or cancellations) by reason code, in the order of the Reason enum.
void reasons(Writer& w, const Stats& s, bool cancelled) {
  w.StartObject();
  for (int i = 1; i < kReasonCount; ++i) {
    auto reason = static_cast<Reason>(i);
    bool is_cancel = reason == Reason::kDeadline || reason == Reason::kInterrupted;
    if (is_cancel != cancelled || s.reasons[static_cast<std::size_t>(i)] == 0) continue;
    str(w, to_string(reason));
    w.Uint64(s.reasons[static_cast<std::size_t>(i)]);
  }
  w.EndObject();
}

// The counts both the summary and the SIGUSR1 snapshot start with.
void counts(Writer& w, const Stats& s) {
  w.Key("records");
  w.Uint64(s.records);
  w.Key("completedOrders");
  w.Uint64(s.completed);
  w.Key("rejectedOrders");
  w.Uint64(s.rejected);
  w.Key("reversedOrders");
  w.Uint64(s.reversed);
  w.Key("cancelledOrders");
  w.Uint64(s.cancelled);
  w.Key("revenue");
  money(w, s.revenue);
  w.Key("rejections");
  reasons(w, s, false);
}

}  // namespace

Result<std::optional<ResumePoint>> parse_resume(std::string_view text, const std::string& source) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("resume"))
    return Status::InvalidArgument(source + ": not an orderflow summary (no \"resume\")");
  const rapidjson::Value& r = d["resume"];
  if (r.IsNull()) return std::optional<ResumePoint>();
  auto uint = [&](const char* key) -> const rapidjson::Value* {
    auto it = r.FindMember(key);
    return it != r.MemberEnd() && it->value.IsUint64() ? &it->value : nullptr;
  };
  if (!r.IsObject() || !r.HasMember("file") || !r["file"].IsString() || !uint("line") || !uint("seq") ||
      !uint("offset") || r["seq"].GetUint64() == 0)
    return Status::InvalidArgument(source + ": its \"resume\" needs file, line, seq and offset");
  ResumePoint p;
  p.file.assign(r["file"].GetString(), r["file"].GetStringLength());
  p.line = r["line"].GetUint64();
  p.seq = r["seq"].GetUint64();
  p.offset = r["offset"].GetUint64();
  return std::optional<ResumePoint>(std::move(p));
}

std::string summary_json(const Stats& s, const Catalog& catalog, const std::vector<std::int64_t>& final_stock,
                         const RunFacts& f) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  counts(w, s);
  w.Key("cancellations");
  reasons(w, s, true);
  w.Key("stopped");
  if (f.stopped == StopCause::kNone) w.Null();
  else str(w, to_string(f.stopped));
  if (f.stopped == StopCause::kFailed) {
    w.Key("error");
    str(w, f.error);
  }
  w.Key("resume");
  if (!f.resume) {
    w.Null();
  } else {
    w.StartObject();
    w.Key("file");
    str(w, f.resume->file);
    w.Key("line");
    w.Uint64(f.resume->line);
    w.Key("seq");
    w.Uint64(f.resume->seq);
    w.Key("offset");
    w.Uint64(f.resume->offset);
    w.EndObject();
  }
  w.Key("elapsedSeconds");
  raw(w, fixed(f.elapsed_seconds, 3));
  w.Key("ordersPerSecond");
  raw(w, fixed(rate(s, f), 1));
  w.Key("store");
  str(w, to_string(f.store));
  w.Key("workers");
  w.Uint64(f.workers);
  w.Key("cpuSeconds");
  w.StartObject();
  const std::pair<const char*, double> stages[] = {{"read", f.cpu.read}, {"decode", f.cpu.decode},
                                                   {"route", f.cpu.route}, {"apply", f.cpu.apply},
                                                   {"write", f.cpu.write}};
  for (const auto& [name, seconds] : stages) {
    w.Key(name);
    raw(w, fixed(seconds, 3));
  }
  w.EndObject();
  w.Key("products");
  w.StartArray();
  std::vector<std::uint32_t> order(catalog.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return catalog.product(a).id < catalog.product(b).id; });
  for (std::uint32_t i : order) {
    w.StartObject();
    w.Key("id");
    str(w, catalog.product(i).id);
    w.Key("stock");
    w.Int64(final_stock[i]);
    w.Key("sold");
    w.Int64(i < s.products.size() ? s.products[i].sold : 0);
    w.Key("revenue");
    money(w, i < s.products.size() ? Cents128{s.products[i].sold} * catalog.product(i).price : 0);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string snapshot_json(const Stats& s, double elapsed_seconds, std::uint64_t bytes_read) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("snapshot");
  w.Bool(true);
  counts(w, s);
  w.Key("bytesRead");
  w.Uint64(bytes_read);
  w.Key("elapsedSeconds");
  raw(w, fixed(elapsed_seconds, 3));
  w.Key("ordersPerSecond");
  raw(w, fixed(elapsed_seconds > 0 ? static_cast<double>(s.records) / elapsed_seconds : 0.0, 1));
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string summary_text(const Stats& s, const RunFacts& f) {
  std::string out = "orderflow: " + std::to_string(s.records) + " records in " + fixed(f.elapsed_seconds, 3) +
                    " s (" + fixed(rate(s, f), 0) + " records/s): " + std::to_string(s.completed) +
                    " completed, " + std::to_string(s.rejected) + " rejected, " + std::to_string(s.reversed) +
                    " reversed, " + std::to_string(s.cancelled) + " cancelled; revenue " +
                    format_money(s.revenue) + "\n";
  std::string detail;
  for (int i = 1; i < kReasonCount; ++i) {
    std::uint64_t n = s.reasons[static_cast<std::size_t>(i)];
    if (n == 0) continue;
    if (!detail.empty()) detail += ", ";
    detail += std::string(to_string(static_cast<Reason>(i))) + " " + std::to_string(n);
  }
  if (!detail.empty()) out += "  by reason: " + detail + "\n";
  if (f.stopped != StopCause::kNone) {
    out += "  stopped: " + std::string(to_string(f.stopped));
    if (f.resume)
      out += "; resume at " + f.resume->file + ":" + std::to_string(f.resume->line) + " (seq " +
             std::to_string(f.resume->seq) + ", byte " + std::to_string(f.resume->offset) + ")";
    out += "\n";
  }
  return out;
}

}  // namespace orderflow
