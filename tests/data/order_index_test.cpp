// OrderIndex: ids -> order entries; many ids, table growth, arena chunks,
// colliding hashes, stable entry addresses, and the atomic order state.
#include "data/ledger/order_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "data/base/hash.h"

namespace orderflow {
namespace {

std::pair<OrderRef, bool> add(OrderIndex& index, const std::string& id, std::uint32_t product = 1,
                                 std::uint32_t amount = 2, OrderState state = OrderState::kPending) {
  return index.insert(id, hash_bytes(id), product, amount, state);
}
OrderRef find(const OrderIndex& index, const std::string& id) { return index.find(id, hash_bytes(id)); }

TEST(OrderIndex, InsertFindAndDuplicates) {
  OrderIndex index;
  EXPECT_EQ(find(index, "o1"), OrderRef{});
  EXPECT_EQ(index.size(), 0u);
  auto [e, added] = add(index, "o1", 3, 7, OrderState::kPending);
  ASSERT_TRUE(added);
  EXPECT_EQ(index.view(e).id, "o1");
  EXPECT_EQ(index.view(e).product, 3u);
  EXPECT_EQ(index.view(e).amount, 7u);
  EXPECT_EQ(index.state(e), OrderState::kPending);
  EXPECT_EQ(find(index, "o1"), e);
  // A second insert of the same id returns the first entry and changes nothing.
  auto [again, added_again] = add(index, "o1", kNoProduct, 0, OrderState::kRejected);
  EXPECT_FALSE(added_again);
  EXPECT_EQ(again, e);
  EXPECT_EQ(index.view(e).product, 3u);
  EXPECT_EQ(index.state(e), OrderState::kPending);
  EXPECT_EQ(index.size(), 1u);
  // Prefixes, case and embedded NULs are different ids.
  EXPECT_EQ(find(index, "o"), OrderRef{});
  EXPECT_EQ(find(index, "o10"), OrderRef{});
  EXPECT_EQ(find(index, "O1"), OrderRef{});
  EXPECT_TRUE(add(index, "o").second);
  EXPECT_TRUE(add(index, std::string("o1\0", 3)).second);
  EXPECT_EQ(index.view(find(index, std::string("o1\0", 3))).id.size(), 3u);
  EXPECT_EQ(index.size(), 3u);
}

TEST(OrderIndex, ShortestAndLongestIds) {
  OrderIndex index;
  std::string longest(kIdBytesMax, 'x');
  longest[0] = 'L';
  OrderRef one = add(index, "1").first;
  OrderRef big = add(index, longest, 5, 1'000'000'000).first;
  EXPECT_EQ(find(index, "1"), one);
  EXPECT_EQ(find(index, longest), big);
  EXPECT_EQ(index.view(big).id, longest);
  EXPECT_EQ(index.view(big).amount, 1'000'000'000u);
  EXPECT_EQ(index.view(one).id, "1");  // a long neighbour did not overwrite it
}

TEST(OrderIndex, CollidingHashesAreTellApartByTheirBytes) {
  OrderIndex index;
  const std::uint64_t same = 0xDEADBEEF00000001ULL;
  std::vector<OrderRef> entries;
  for (int i = 0; i < 50; ++i) {
    std::string id = std::string("c").append(std::to_string(i));
    auto [e, added] = index.insert(id, same, static_cast<std::uint32_t>(i), 1, OrderState::kPending);
    ASSERT_TRUE(added) << id;
    entries.push_back(e);
  }
  // Same tag, different low bits: still the same probe chain.
  auto [other, added] = index.insert("other", same ^ 0xFFFF, 99, 1, OrderState::kPending);
  ASSERT_TRUE(added);
  for (int i = 0; i < 50; ++i) {
    std::string id = std::string("c").append(std::to_string(i));
    EXPECT_EQ(index.find(id, same), entries[static_cast<std::size_t>(i)]) << id;
    EXPECT_FALSE(index.insert(id, same, 0, 0, OrderState::kRejected).second);
  }
  EXPECT_EQ(index.find("other", same ^ 0xFFFF), other);
  EXPECT_EQ(index.find("c50", same), OrderRef{});
  EXPECT_EQ(index.size(), 51u);
}

TEST(OrderIndex, ManyIdsGrowthAndStableEntries) {
  OrderIndex index;
  const std::size_t initial_memory = index.memory_bytes();
  const int n = 100'000;
  std::vector<OrderRef> entries;
  entries.reserve(n);
  auto id_of = [](int i) {
    // The digits of i, padded with letters to lengths up to 128, so that the
    // arena fills several chunks; the digits keep every id distinct.
    std::string id = std::to_string(i);
    id.resize(std::max(id.size(), 1 + static_cast<std::size_t>(i) % kIdBytesMax), static_cast<char>('a' + i % 26));
    return id;
  };
  for (int i = 0; i < n; ++i) {
    auto [e, added] = add(index, id_of(i), static_cast<std::uint32_t>(i % 8), static_cast<std::uint32_t>(i + 1));
    ASSERT_TRUE(added) << id_of(i);
    entries.push_back(e);
    if (i % 9973 == 0) {  // find still works in the middle of growing
      for (int k = 0; k <= i; k += 997) ASSERT_EQ(find(index, id_of(k)), entries[static_cast<std::size_t>(k)]);
    }
  }
  EXPECT_EQ(index.size(), static_cast<std::size_t>(n));
  EXPECT_GT(index.memory_bytes(), initial_memory);
  for (int i = 0; i < n; ++i) {
    std::string id = id_of(i);
    OrderRef e = find(index, id);
    ASSERT_EQ(e, entries[static_cast<std::size_t>(i)]) << id;  // entries never move
    ASSERT_EQ(index.view(e).id, id);
    ASSERT_EQ(index.view(e).amount, static_cast<std::uint32_t>(i + 1));
    ASSERT_EQ(index.view(e).product, static_cast<std::uint32_t>(i % 8));
  }
  for (int i = 0; i < n; i += 101) EXPECT_FALSE(add(index, id_of(i)).second);
  EXPECT_EQ(find(index, "not-there"), OrderRef{});
  EXPECT_EQ(find(index, std::to_string(n)), OrderRef{});
}

TEST(OrderIndex, StateTransitions) {
  OrderIndex index;
  OrderRef e = add(index, "o").first;
  index.set_state(e, OrderState::kCompleted);
  EXPECT_EQ(index.state(e), OrderState::kCompleted);
  OrderState expected = OrderState::kCompleted;
  EXPECT_TRUE(index.cas_state(e, expected, OrderState::kReversed));
  EXPECT_EQ(index.state(e), OrderState::kReversed);
  // Only once: the second attempt fails and reports what it found.
  expected = OrderState::kCompleted;
  EXPECT_FALSE(index.cas_state(e, expected, OrderState::kReversed));
  EXPECT_EQ(expected, OrderState::kReversed);
}

}  // namespace
}  // namespace orderflow
