#pragma once
// Pieces shared by the subcommands' option parsing: CLI11 validators for values
// several commands take, and the --catalog option's meaning.
#include <CLI/CLI.hpp>

#include <string>

#include "data/catalog/catalog.h"

namespace orderflow {

// A --seed: decimal digits that fit in 64 bits (CLI11 alone would wrap -1 and
// saturate 2^64).
CLI::Validator seed_validator();

// A share 0..1 as plain decimal text (CLI::Range lets NaN through): --reversals, --baskets.
CLI::Validator share_validator();

// A --dist: uniform, hot:SHARE or zipf:S (data/gen/distribution.h).
CLI::Validator distribution_validator();

// The catalog a --catalog option names: the built-in one when `path` is empty.
// A bad catalog line is "catalog FILE:LINE: reason", with a hint on a second
// line when FILE looks like orders (-c given an orders file).
Result<Catalog> load_catalog(const std::string& path);

// How messages name the catalog a --catalog option chose: "catalog FILE" or
// "the built-in catalog".
std::string catalog_name(const std::string& path);

}  // namespace orderflow
