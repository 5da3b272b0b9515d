// order_row: the packed code of the ledger's order_rows (data/ledger/order_row.h).
#include "data/ledger/order_row.h"

#include <gtest/gtest.h>

#include <set>

namespace orderflow {
namespace {

TEST(OrderRow, EveryStatusReasonAndProductRoundTrips) {
  const OrderStatus statuses[] = {OrderStatus::kCompleted, OrderStatus::kRejected, OrderStatus::kReversed};
  const std::uint32_t products[] = {kNoProduct, 0, 1, 255, 256, 123456, UINT32_MAX - 1};
  std::set<std::int64_t> codes;
  for (OrderStatus s : statuses)
    for (const auto& [reason, name] : kReasons)
      for (std::uint32_t p : products) {
        const std::int64_t c = order_row::encode(s, reason, p);
        codes.insert(c);
        const std::optional<order_row::Decoded> d = order_row::decode(c);
        ASSERT_TRUE(d) << c;
        EXPECT_EQ(d->status, s);
        EXPECT_EQ(d->reason, reason) << name;
        EXPECT_EQ(d->product, p);
      }
  EXPECT_EQ(codes.size(), std::size(statuses) * std::size(kReasons) * std::size(products));  // all distinct
}

TEST(OrderRow, CodesItDoesNotMakeAreRefused) {
  EXPECT_FALSE(order_row::decode(0));                     // no status
  EXPECT_FALSE(order_row::decode(1 | 63 << 2));           // no such reason
  EXPECT_FALSE(order_row::decode(-1));
  EXPECT_FALSE(order_row::decode(std::int64_t{1} << 62 | 1));  // product index out of range
}

TEST(OrderRow, ThePositionKeepsRunAndSeq) {
  const std::int64_t a = order_row::at(7, 123456789);
  EXPECT_EQ(order_row::run_of(a), 7);
  EXPECT_EQ(order_row::seq_of(a), 123456789u);
  const std::int64_t top = order_row::at(8'000'000, (std::uint64_t{1} << 40) - 1);
  EXPECT_EQ(order_row::run_of(top), 8'000'000);
  EXPECT_EQ(order_row::seq_of(top), (std::uint64_t{1} << 40) - 1);
  EXPECT_LT(order_row::at(1, 99), order_row::at(2, 1));  // positions sort by run, then seq
}

}  // namespace
}  // namespace orderflow
