#pragma once
// How `orderflow bench` shows a BenchReport (engine/bench.h): an aligned table
// for people, CSV and JSON for programs, and an SVG chart of throughput
// against workers. Pure string functions: the caller writes them out.
//
// Every format has one row/object per cell, in the report's order, with the
// median run's figures: store, dist, workers, orders/s, latency p50/p99 (and
// max, in csv/json), completed, rejected, cancelled, the stock audit (initial,
// sold, left, oversold, drift, conserved) and, in json, every run's orders/s.
// With baskets (options.baskets > 0) every format adds, per cell, the singles'
// orders/s, the ratio to it and the cross-owner votes; the chart a dotted
// line of the singles per store and distribution.
#include <cstdint>
#include <string>
#include <vector>

#include "data/base/enum_table.h"
#include "engine/bench.h"

namespace orderflow {

// `bench -f`: which of the formats below prints the report.
enum class BenchFormat : std::uint8_t { kTable, kCsv, kJson };
// The one table of them (data/base/enum_table.h), in -f's order.
inline constexpr EnumName<BenchFormat> kBenchFormats[] = {
    {BenchFormat::kTable, "table"},
    {BenchFormat::kCsv, "csv"},
    {BenchFormat::kJson, "json"},
};
// The report in format `f`.
std::string format_bench(const BenchReport& report, BenchFormat f);

// The table ends with bench_table_legend().
std::string format_bench_table(const BenchReport& report);
// What each column of the table means, a few lines.
std::string bench_table_legend();
// The same for the columns --baskets adds (singles/s, x singles, votes).
std::string bench_baskets_legend();
// The cells whose median run took less than `seconds_min` (too short to time well).
std::vector<const BenchCell*> bench_short_cells(const BenchReport& report, double seconds_min);
std::string format_bench_csv(const BenchReport& report);
std::string format_bench_json(const BenchReport& report);
// One line per store and distribution: orders/s against workers.
std::string bench_chart_svg(const BenchReport& report);

// A latency for people: "850ns", "1.25us", "12.5ms", "2.00s".
std::string format_nanos(std::uint64_t ns);
// 12345678 -> "12,345,678".
std::string group_thousands(std::uint64_t v);

}  // namespace orderflow
