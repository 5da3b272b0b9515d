#include "data/ledger/apply_queue.h"

namespace orderflow {

ApplyQueue::ApplyQueue(ProductStore& store, OrderIndex& index, const Catalog& catalog, std::size_t max_queued)
    : store_(store), index_(index), catalog_(catalog), max_queued_(max_queued) {
  ORDERFLOW_REQUIRE(max_queued >= 1);
  ops_.reserve(max_queued);
  queued_.reserve(max_queued);
}

ApplyResult ApplyQueue::add(Record& r, std::vector<Item>& items) {
  ORDERFLOW_REQUIRE(!r.decided);
  if (!status_.ok()) return ApplyResult::kDone;  // the run fails: r stays undecided
  Item* mine = r.is_basket() ? items.data() + r.items.first : nullptr;
  if (r.op == Op::kReverse && !empty() && index_.state(r.order) == OrderState::kPending) {
    // Its order may be one of the places queued here: decide them first.
    if (!flush().ok()) return ApplyResult::kDone;
  }
  const auto buf_first = static_cast<std::uint32_t>(buf_.size());
  if (r.is_basket()) buf_.resize(buf_.size() + kItemsMax);  // begin_apply copies up to kItemsMax
  StockOp op;
  const StockStep step = begin_apply(r, mine, index_, r.is_basket() ? buf_.data() + buf_first : nullptr, op);
  if (step != StockStep::kOp) {
    buf_.resize(buf_first);
    return step == StockStep::kRetry ? ApplyResult::kRetry : ApplyResult::kDone;
  }
  if (r.is_basket()) buf_.resize(buf_first + op.count);
  op.items = nullptr;  // buf_ may still move: pointed at in flush()
  ops_.push_back(op);
  queued_.push_back({&r, mine, buf_first});
  if (ops_.size() >= max_queued_) flush();
  return ApplyResult::kDone;
}

const Status& ApplyQueue::flush() {
  if (ops_.empty() || !status_.ok()) return status_;
  for (std::size_t i = 0; i < ops_.size(); ++i)
    if (queued_[i].record->is_basket()) ops_[i].items = buf_.data() + queued_[i].buf_first;
  status_ = store_.write(ops_);
  written_ = true;
  if (status_.ok())
    for (std::size_t i = 0; i < ops_.size(); ++i) end_apply(*queued_[i].record, queued_[i].items, index_, catalog_, ops_[i]);
  ops_.clear();
  queued_.clear();
  buf_.clear();
  return status_;
}

}  // namespace orderflow
