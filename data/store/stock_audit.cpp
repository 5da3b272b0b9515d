#include "data/store/stock_audit.h"

#include <algorithm>
#include <cassert>

namespace orderflow {

StockAudit audit_stock(std::span<const std::int64_t> initial, std::span<const std::int64_t> sold,
                       std::span<const std::int64_t> left) {
  assert(initial.size() == sold.size() && sold.size() == left.size());
  StockAudit a;
  for (std::size_t p = 0; p < initial.size(); ++p) {
    a.initial += initial[p];
    a.sold += sold[p];
    a.left += left[p];
    a.oversold += std::max<std::int64_t>(0, sold[p] - initial[p]);
    const std::int64_t d = sold[p] + left[p] - initial[p];
    a.drift += d;
    if (d != 0) ++a.unbalanced_products;
    a.lowest_left = p == 0 ? left[p] : std::min(a.lowest_left, left[p]);
  }
  return a;
}

}  // namespace orderflow
