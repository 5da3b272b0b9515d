#pragma once
// Reorder: puts items that arrive out of order (batches decoded or applied on
// a pool of threads) back into index order 0, 1, 2, ... Used by the router
// and the writer.
//
// push(i, item, ready) holds the item until every lower index has been
// handed on, then hands on, in order, every item now next in line: ready(item)
// returns false to stop (push then returns false; items not yet handed on stay
// held and are dropped with the Reorder). Not thread-safe: one stage's thread.
#include <cstdint>
#include <map>
#include <utility>

namespace orderflow {

template <class T>
class Reorder {
 public:
  template <class Ready>
  bool push(std::uint64_t index, T item, Ready&& ready) {
    held_.emplace(index, std::move(item));
    for (auto it = held_.find(next_); it != held_.end(); it = held_.find(next_)) {
      T t = std::move(it->second);
      held_.erase(it);
      ++next_;
      if (!ready(std::move(t))) return false;
    }
    return true;
  }

  std::uint64_t next() const { return next_; }  // the index handed on next
  std::size_t held() const { return held_.size(); }

 private:
  std::map<std::uint64_t, T> held_;  // arrived early, waiting for their turn
  std::uint64_t next_ = 0;
};

}  // namespace orderflow
