#pragma once
// How `orderflow bench` shows a BenchReport (engine/bench.h): an aligned table
// for people, CSV and JSON for programs, and an SVG chart of throughput
// against workers. Pure string functions: the caller writes them out.
//
// Every format has one row/object per cell, in the report's order, with the
// median run's figures: store, dist, workers, orders/s, latency p50/p99 (and
// max, in csv/json), completed, rejected, cancelled, the stock audit (initial,
// sold, left, oversold, drift, conserved) and, in json, every run's orders/s.
#include <string>
#include <vector>

#include "engine/bench.h"

namespace orderflow {

// The table ends with bench_table_legend().
std::string format_bench_table(const BenchReport& report);
// What each column of the table means, a few lines.
std::string bench_table_legend();
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
